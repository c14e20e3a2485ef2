"""Records that share an id are counted and said once, since the cluster
fields name records by id."""

import json

import numpy as np
import pytest

from scrubber import Config, Pipeline, sharded, shards
from scrubber.ids import id_hashes, reused_ids
from scrubber.stats import Stats

from clirunner import run
from test_sharded import shards_of

STORY = ("The harbour board agreed on Thursday to rebuild the old ferry pier, which storms damaged "
         "last winter, and to reopen it to passenger boats before the summer season begins. ")
OTHER = ("A new exhibition of river photographs opened at the town museum this weekend, showing how "
         "the valley changed over a century of floods, bridges and farming. ")


def test_each_record_whose_id_an_earlier_one_has_is_counted_once():
    h = id_hashes(["a", "b", "a", "c", "b", "a", "ä"])
    assert reused_ids(h) == (3, 2)
    assert reused_ids(id_hashes(["a", "b", "c"])) == (0, -1)
    assert reused_ids(id_hashes([])) == (0, -1)
    assert id_hashes(["x"]).dtype == np.uint64 and id_hashes(["x"])[0] == id_hashes(["x"])[0]


def _corpus(tmp_path, ids):
    path = tmp_path / "in.jsonl"
    texts = [STORY * 3, STORY * 3 + "One more line.", OTHER * 3, OTHER * 2 + STORY]
    path.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(ids, texts)))
    return path


def test_a_run_says_once_that_records_share_ids_and_counts_them(tmp_path):
    path = _corpus(tmp_path, ["x", "x", "y", "y"])
    stats = tmp_path / "stats.json"
    r = run("clean", path, "-o", tmp_path / "out.jsonl", "--stats", stats)
    assert r.exit_code == 0
    warned = [line for line in r.stderr.splitlines() if "id of an earlier record" in line]
    assert len(warned) == 1 and "2 records" in warned[0] and "'x'" in warned[0]
    assert json.loads(stats.read_text())["ids_reused"] == 2


@pytest.mark.parametrize("ids, options", [(["a", "b", "c", "d"], []), (["x", "x", "y", "y"], ["--no-dedup"])])
def test_unique_ids_or_no_clusters_say_nothing(tmp_path, ids, options):
    path = _corpus(tmp_path, ids)
    r = run("clean", path, "-o", tmp_path / "out.jsonl", *options)
    assert r.exit_code == 0 and "id of an earlier record" not in r.stderr


def test_shards_count_them_as_the_local_engine_does(tmp_path, caplog):
    path = _corpus(tmp_path, ["x", "y", "x", "x"])
    config = Config()
    local = Pipeline(config)
    b"".join(local.run_paths([str(path)]))
    outcome = sharded.Outcome(Stats())
    with caplog.at_level("WARNING", logger="scrubber"):
        b"".join(sharded.run(shards.Serial(), config, iter(shards_of(Pipeline(config), path, [1, 2, 1])),
                             outcome, parts=2))
    assert outcome.stats.counts["ids_reused"] == local.stats.counts["ids_reused"] == 2
    assert "2 records have the id of an earlier record (the first: 'x')" in caplog.text
