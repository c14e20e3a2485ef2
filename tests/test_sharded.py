"""The corpus-wide passes over shards decide exactly what the local engine decides."""

import gzip

import numpy as np
import pytest

from scrubber import Config, Pipeline, boilerplate, sharded, shards
from scrubber.dedup import bucket_pairs, candidate_pairs
from scrubber.batches import batches as _batches
from scrubber.steps import process_batch
from scrubber.stats import Stats

from texts import site


def shards_of(pipe, path, sizes):
    """Pass 1 over the documents cut into shards of ``sizes`` (0: an empty shard)."""
    docs = list(pipe.reader().read_paths([str(path)]))
    out, at = [], 0
    for size in sizes:
        part = docs[at:at + size]
        at += size
        res = [r for b in _batches(part) for r in process_batch(pipe.cleaner, b)]
        out.append(shards.first_pass(res, pipe.config.dedup))
    assert at >= len(docs)
    return out


@pytest.mark.parametrize("options", [{}, {"keep_duplicates": True}, {"boilerplate": False},
                                     {"dedup": False}])
def test_sharded_run_gives_the_local_output_clusters_and_counts(tmp_path, options):
    path = site(tmp_path)
    config = Config(**options)
    local = Pipeline(config)
    expected = b"".join(local.run_paths([str(path)]))
    pipe = Pipeline(config)
    outcome = sharded.Outcome(Stats())
    got = b"".join(sharded.run(shards.Serial(), config, iter(shards_of(pipe, path, [7, 0, 1, 13, 40])),
                               outcome, parts=3))
    assert got == expected
    assert outcome.clusters == local.clusters
    counts = {k: v for k, v in local.stats.counts.items() if k not in ("bytes_in", "files")}
    assert dict(outcome.stats.counts) == counts
    assert outcome.stats.removed == local.stats.removed
    if config.dedup:
        scores = [s["jaccard"] for c in local.clusters for s in c["similarity"]]
        assert min(scores) < 0.9 and max(scores) == 1.0  # near-duplicates and exact copies...
        assert any(c["size"] > 2 for c in local.clusters)
    if config.dedup and config.boilerplate:
        assert local.stats.removed[boilerplate.REASON] > 0  # ...and furniture to learn


def test_the_number_of_partitions_changes_nothing(tmp_path):
    path = site(tmp_path)
    config = Config()
    outs = []
    for parts in (1, 2, 5):
        pipe = Pipeline(config)
        outs.append(b"".join(sharded.run(shards.Serial(), config, iter(shards_of(pipe, path, [10, 30])),
                                         sharded.Outcome(Stats()), parts)))
    assert outs[0] == outs[1] == outs[2]


def test_shards_write_their_part_files(tmp_path):
    path = site(tmp_path)
    config = Config()
    expected = b"".join(Pipeline(config).run_paths([str(path)]))
    pipe = Pipeline(config)
    out_dir = tmp_path / "out"
    out_dir.mkdir()
    written = list(sharded.run(shards.Serial(), config, iter(shards_of(pipe, path, [12, 30])),
                               sharded.Outcome(Stats()), 2, str(out_dir)))
    texts = [gzip.open(t).read() for t, _ in written]
    assert [n for _, n in written] == [t.count(b"\n") for t in texts]
    assert all(n for _, n in written)
    assert b"".join(texts) == expected


def test_band_pairs_over_a_renumbered_subset_are_the_local_pairs():
    rng = np.random.default_rng(3)
    sigs = rng.integers(0, 4, size=(300, 8)).astype(np.uint32)  # many collisions, some big buckets
    local = candidate_pairs(sigs, bands=4, rows=2)
    # the same documents numbered with gaps, as shards number them after pass 2
    num = np.sort(rng.choice(10_000, size=300, replace=False)).astype(np.int64)
    from scrubber.dedup import band_key, unique_pairs

    got = unique_pairs([bucket_pairs(band_key(sigs, b, 2), num) for b in range(4)], 10_000)
    assert len(local) > 1000
    assert np.array_equal(got, num[local])


def test_a_partition_that_no_shingle_falls_in_is_nothing_common(tmp_path):
    path = tmp_path / "short.jsonl"  # documents of four words: no word 5-gram at all
    path.write_text("".join(f'{{"text": "doc {i} words here"}}\n' for i in range(20)))
    config = Config()
    expected = b"".join(Pipeline(config).run_paths([str(path)]))
    pipe = Pipeline(config)
    got = b"".join(sharded.run(shards.Serial(), config, iter(shards_of(pipe, path, [8, 12])),
                               sharded.Outcome(Stats()), parts=2))
    assert got == expected and expected
