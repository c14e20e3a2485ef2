import datetime as dt
import os
import sys
from collections import Counter

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scrubber import Config, InputError
from scrubber.errors import ScrubberError
from scrubber.parquet import ParquetSink
from scrubber.sinks import open_sink
from scrubber.sources import Reader


def read(path, **cfg):
    counts = Counter()
    return list(Reader(Config(**cfg), counts).read_paths([str(path)])), counts


def test_rows_are_documents_any_column_is_text_or_id_the_rest_passes(tmp_path):
    p = tmp_path / "shard.parquet"
    when = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.timezone.utc)
    pq.write_table(pa.table({"doc": ["d1", "d2"], "content": ["Hello", "World"],
                             "score": [0.5, 0.7], "crawled": [when, when], "raw": [b"\x00\x01", b""]}), p)
    docs, counts = read(p, text_field="content", id_field="doc")
    assert [(d.id, d.text) for d in docs] == [("d1", "Hello"), ("d2", "World")]
    assert docs[0].meta == {"doc": "d1", "content": None, "score": 0.5, "crawled": when, "raw": "AAE="}
    assert counts["files"] == 1


def test_rows_without_an_id_column_are_named_by_file_and_row(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": ["a", "b"]}), p)
    docs, _ = read(p)
    assert [d.id for d in docs] == [f"{p}:1", f"{p}:2"]


def test_a_missing_text_column_is_one_error_listing_the_columns(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"body": ["a"], "url": ["u"]}), p)
    with pytest.raises(InputError, match=f"^{p}: no 'text' column .*columns: body, url"):
        read(p)


def test_a_null_text_names_the_row(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": ["a", None]}), p)
    with pytest.raises(InputError, match=f"^{p}:2: 'text' is NoneType"):
        read(p)


def test_a_corrupt_parquet_file_is_an_error_naming_it(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": ["a"] * 100}), p)
    p.write_bytes(p.read_bytes()[:-30])
    with pytest.raises(InputError, match=f"^{p}: not a readable parquet file"):
        read(p)


def write(sink, recs):
    import json

    with sink as s:
        for r in recs:
            s.write((json.dumps(r) + "\n").encode())


def test_parquet_out_has_one_schema_even_for_fields_seen_late(tmp_path, monkeypatch):
    monkeypatch.setattr("scrubber.parquet.BATCH_ROWS", 2)
    out = tmp_path / "clean.parquet"
    recs = [{"id": "1", "text": "a", "lang": None}, {"id": "2", "text": "b", "lang": None},
            {"id": "3", "text": "c", "lang": "de", "duplicate_of": "1"}]
    write(open_sink(str(out)), recs)
    t = pq.read_table(out)
    assert t.column_names == ["id", "text", "lang", "duplicate_of"]
    assert t.to_pylist()[2] == recs[2] and t.to_pylist()[0]["duplicate_of"] is None


def test_parquet_out_keeps_fields_of_records_unlike_the_first(tmp_path):
    out = tmp_path / "clean.parquet"
    recs = [{"id": "1", "text": "a"}, {"id": "2", "text": "b", "url": "u", "when": "2024-05-01"}]
    write(open_sink(str(out)), recs)
    assert pq.read_table(out).to_pylist() == [{"id": "1", "text": "a", "url": None, "when": None}, recs[1]]


def test_parquet_out_is_atomic(tmp_path):
    out = tmp_path / "clean.parquet"
    write(ParquetSink(str(out)), [{"id": "old", "text": "kept"}])
    with pytest.raises(RuntimeError):
        with ParquetSink(str(out)) as s:
            s.write(b'{"id": "new", "text": "x"}\n')
            raise RuntimeError("interrupted")
    assert pq.read_table(out).to_pylist() == [{"id": "old", "text": "kept"}]
    assert os.listdir(tmp_path) == ["clean.parquet"]


def test_a_field_whose_type_changes_is_one_error_and_no_file(tmp_path):
    out = tmp_path / "clean.parquet"
    with pytest.raises(ScrubberError, match=f"^{out}: cannot write parquet: field 'n' has values of different types"):
        write(ParquetSink(str(out)), [{"id": "1", "text": "a", "n": 1}, {"id": "2", "text": "b", "n": [1]}])
    assert os.listdir(tmp_path) == []


def test_a_value_parquet_cannot_hold_is_one_error(tmp_path):
    out = tmp_path / "clean.parquet"
    with pytest.raises(ScrubberError, match=f"^{out}: cannot write parquet: .*struct type 'm' with no child"):
        write(ParquetSink(str(out)), [{"id": "1", "text": "a", "m": {}}])
    assert os.listdir(tmp_path) == []


def test_a_parquet_directory_gets_numbered_parquet_shards(tmp_path):
    out = tmp_path / "clean.parquet"
    write(open_sink(str(out) + "/", per_shard=2), [{"id": str(i), "text": "t"} for i in range(5)])
    assert sorted(os.listdir(out)) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert [r["id"] for r in pq.read_table(out).to_pylist()] == ["0", "1", "2", "3", "4"]


def test_without_pyarrow_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    with pytest.raises(ScrubberError, match=r"writing parquet needs pyarrow.*'scrubber\[parquet\]'"):
        ParquetSink(str(tmp_path / "x.parquet")).__enter__()
