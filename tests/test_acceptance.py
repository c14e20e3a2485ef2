"""The seeds acceptance file (copied from the project's shared acceptance
set) as a test: what `scrubber clean seeds/` must keep and drop."""

import json
from pathlib import Path

import pytest

from scrubber import Config, Pipeline

ROOT = Path(__file__).resolve().parents[1]
SPEC = json.loads((Path(__file__).parent / "data" / "acceptance_seeds.json").read_text())


@pytest.fixture(scope="module")
def output():
    pipe = Pipeline(Config())
    lines = list(pipe.run(pipe.reader().read_paths([str(ROOT / "seeds")])))
    return [json.loads(line) for line in lines]


def test_five_records_out(output):
    assert len(output) == SPEC["corpus"]["records"]
    assert sorted(r["id"] for r in output) == sorted(SPEC["documents"])


@pytest.mark.parametrize("name", sorted(SPEC["documents"]))
def test_seed_document(output, name):
    spec = SPEC["documents"][name]
    text = next(r["text"] for r in output if r["id"] == name)
    for s in spec.get("drop", []):
        assert s not in text, f"{name}: should have dropped {s!r}"
    pos = 0
    for s in spec.get("keep", []):
        at = text.find(s, pos)
        assert at >= 0, f"{name}: should keep {s!r} (in order)"
        pos = at + len(s)
    for s in spec.get("keep_once", []):
        assert text.count(s) == 1, f"{name}: {s!r} should appear exactly once"


def test_syndicated_copy_of_a_seed_is_clustered_with_it(tmp_path):
    """A copy with other furniture, a new headline and a few edited words
    joins its original's cluster; the five distinct seeds all stay."""
    src = (ROOT / "seeds" / "002_6e2331712607e042.txt").read_text()
    body = src.split("\n", 4)[4]  # drop the original furniture and headline
    body = body.replace("urged Western nations", "called on Western nations") \
               .replace("reassured Ukraine's leader", "reassured the Ukrainian leader") \
               .replace("Leave a Reply", "Post a comment")
    copy = ("World News Daily | Home | Politics\n\n"
            "Blinken urges the West to stand together against Russia\n\n" + body +
            "\n\nFollow us on Twitter\n")
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        (tmp_path / p.name).write_text(p.read_text())
    (tmp_path / "zz_copy.txt").write_text(copy)
    pipe = Pipeline(Config())
    out = [json.loads(x) for x in pipe.run(pipe.reader().read_paths([str(tmp_path)]))]
    assert len(out) == 5
    kept = {r["id"]: r for r in out}
    assert "002_6e2331712607e042.txt" in kept or "zz_copy.txt" in kept
    rep = kept.get("002_6e2331712607e042.txt") or kept["zz_copy.txt"]
    assert set(rep["duplicates"]) | {rep["id"]} == {"002_6e2331712607e042.txt", "zz_copy.txt"}
