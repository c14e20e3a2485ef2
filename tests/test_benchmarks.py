"""The benchmark scripts that need no data still run against the library
(one of them broke unseen when an API it used changed)."""

import json
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def test_dedup_memory_finds_exactly_the_planted_copies():
    out = subprocess.run([sys.executable, BENCH / "dedup_memory.py", "--one", "2000", "--index"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    assert r["clusters"] == r["expected_clusters"] == 40
    assert r["index_bytes_per_doc"] > 0


def test_readers_benchmark_reads_every_record_of_each_format(tmp_path):
    out = subprocess.run([sys.executable, BENCH / "readers.py", tmp_path, "--records", "20", "--repeat", "1"],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["format"], r["records"]) for r in rows] == [
        ("wet.gz", 20), ("wet", 20), ("jsonl", 20), ("jsonl.gz", 20)]
