"""Input from URLs (object stores) reads like input from local paths."""

import gzip
import uuid

import pytest
import zstandard

from scrubber import Config, InputError
from scrubber.sources import Reader

fsspec = pytest.importorskip("fsspec")

FILES = {
    "b/one.txt": b"A council story about the river bridge and the road plan.",
    "a.jsonl": b'{"id":"x","text":"Hello world of web text."}\n\n{"text":"no id here"}\n',
    "c.jsonl.gz": gzip.compress(b'{"id":"y","text":"A compressed record."}\n'),
    "d.jsonl.zst": zstandard.ZstdCompressor().compress(b'{"id":"z","text":"Zstandard too."}\n'),
    ".hidden.txt": b"never read",
    "notes.csv": b"ignored, not a document",
}


def docs(paths):
    return [(d.id, d.text) for d in Reader(Config()).read_paths(paths)]


def test_a_directory_url_reads_like_the_same_directory_on_disk(tmp_path):
    root = f"/crawl-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    for name, data in FILES.items():
        fs.pipe(f"{root}/{name}", data)
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(data)
    remote, local = docs([f"memory://{root}/"]), docs([str(tmp_path)])
    # ids of records without one name their file, which differs; the rest is equal
    assert [d for d in remote if "no id" not in d[1]] == [d for d in local if "no id" not in d[1]]
    assert [i for i, _ in remote] == ["x", f"memory://{root}/a.jsonl:3", "b/one.txt", "y", "z"]


def test_a_missing_url_is_one_clear_error():
    with pytest.raises(InputError, match=r"memory:///nowhere/x.jsonl: no such file or directory"):
        docs(["memory:///nowhere/x.jsonl"])


def test_a_scheme_nobody_handles_names_the_url():
    with pytest.raises(InputError, match=r"^nosuchscheme://b/x.jsonl: cannot read this URL"):
        docs(["nosuchscheme://b/x.jsonl"])


def test_warc_and_parquet_urls_read_like_local_files(tmp_path):
    import io

    import pyarrow as pa
    import pyarrow.parquet as pq
    from warcs import wet

    w = wet(tmp_path / "c.wet.gz", [("http://a.example/", "From a WET.")])
    buf = io.BytesIO()
    pq.write_table(pa.table({"id": ["p1"], "text": ["From parquet."]}), buf)
    root = f"/crawl-{uuid.uuid4().hex}"
    fs = fsspec.filesystem("memory")
    fs.pipe(f"{root}/c.wet.gz", w.read_bytes())
    fs.pipe(f"{root}/d.parquet", buf.getvalue())
    got = docs([f"memory://{root}/"])
    assert [t for _, t in got] == ["From a WET.", "From parquet."]
    assert got[1][0] == "p1"
