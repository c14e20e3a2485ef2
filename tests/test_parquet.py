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


def test_a_row_over_the_document_limit_is_skipped_or_cut_as_any_document(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"id": ["big", "small"], "text": ["word " * 400, "Short page"]}), p)
    docs, counts = read(p, max_doc_bytes=1000)
    assert [d.id for d in docs] == ["small"] and counts["documents_too_long"] == 1
    docs, counts = read(p, max_doc_bytes=1000, long_docs="truncate")
    assert len(docs[0].text.encode()) <= 1000 and counts["documents_truncated"] == 1


def test_a_binary_text_column_is_read_as_utf8_with_bad_bytes_counted(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": pa.array([b"caf\xc3\xa9", b"bad \xff byte"], pa.large_binary())}), p)
    docs, counts = read(p)
    assert [d.text for d in docs] == ["caf\u00e9", "bad \ufffd byte"]
    assert counts["invalid_utf8_bytes"] == 1


def test_passed_through_columns_of_every_arrow_type_come_out_as_json(tmp_path):
    import decimal

    from scrubber.sinks import dumps

    cols = {
        "dur": pa.array([dt.timedelta(seconds=5, microseconds=250000)], pa.duration("us")),
        "dur_ns": pa.array([5_000_000_001], pa.duration("ns")),
        "ts_ns": pa.array([dt.datetime(2024, 1, 2, 3, 4, 5)], pa.timestamp("ns")),
        "date": pa.array([dt.date(2024, 1, 2)]),
        "time": pa.array([dt.time(1, 2, 3)], pa.time64("us")),
        "dec": pa.array([decimal.Decimal("1.25")], pa.decimal128(5, 2)),
        "bin": pa.array([b"ab"], pa.large_binary()),
        "fixed": pa.array([b"abcd"], pa.binary(4)),
        "dict": pa.array(["x"]).dictionary_encode(),
        "map": pa.array([[("k", 1)]], pa.map_(pa.string(), pa.int64())),
        "struct": pa.array([{"d": dt.timedelta(seconds=1)}], pa.struct([("d", pa.duration("s"))])),
        "times": pa.array([[dt.datetime(2024, 1, 1)]], pa.list_(pa.timestamp("ns"))),
        "half": pa.array([__import__("numpy").float16(1.5)], pa.float16()),
    }
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": ["words"], **cols}), p)
    docs, _ = read(p)
    assert {k: v for k, v in docs[0].meta.items() if k != "text"} == {
        "dur": 5.25, "dur_ns": 5.000000001, "ts_ns": "2024-01-02T03:04:05", "date": dt.date(2024, 1, 2),
        "time": dt.time(1, 2, 3), "dec": 1.25, "bin": "YWI=", "fixed": "YWJjZA==", "dict": "x",
        "map": [["k", 1]], "struct": {"d": 1}, "times": ["2024-01-01T00:00:00"], "half": 1.5}
    dumps(docs[0].meta)  # the writer takes every one


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


@pytest.mark.parametrize("names", [["text", "text"], ["text", "m", "m"]])
def test_a_column_named_twice_is_an_error_naming_it(tmp_path, names):
    # Two "text" columns were an internal KeyError; two "m" columns lost the
    # first one's values without a word.
    p = tmp_path / "dup.parquet"
    pq.write_table(pa.Table.from_arrays([pa.array([f"v{i}"]) for i in range(len(names))], names=names), p)
    with pytest.raises(InputError, match=f"^{p}: the file names the column '{names[-1]}' twice"):
        read(p)


def test_a_null_text_names_the_row(tmp_path):
    p = tmp_path / "shard.parquet"
    pq.write_table(pa.table({"text": ["a", None]}), p)
    with pytest.raises(InputError, match=f"^{p}:2: 'text' is null, not a string"):
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


def test_parquet_out_of_no_records_has_the_id_and_text_fields_the_run_names(tmp_path):
    # a day with nothing kept: its file still has the columns the other days have
    from clirunner import run

    p = tmp_path / "in.jsonl"
    p.write_text('{"key": "a", "body": "too short"}\n')
    out = tmp_path / "out.parquet"
    r = run("clean", p, "--id-field", "key", "--text-field", "body", "--min-words", "5", "-o", out)
    assert r.exit_code == 0, r.output
    t = pq.read_table(out)
    assert t.num_rows == 0 and t.schema.names == ["key", "body"]


def test_parquet_out_is_atomic(tmp_path):
    out = tmp_path / "clean.parquet"
    write(ParquetSink(str(out)), [{"id": "old", "text": "kept"}])
    with pytest.raises(RuntimeError):
        with ParquetSink(str(out)) as s:
            s.write(b'{"id": "new", "text": "x"}\n')
            raise RuntimeError("interrupted")
    assert pq.read_table(out).to_pylist() == [{"id": "old", "text": "kept"}]
    assert os.listdir(tmp_path) == ["clean.parquet"]


def test_a_map_column_read_from_parquet_cannot_go_back_and_the_error_says_why(tmp_path):
    # A map comes out of parquet as [key, value] pairs, which mix types within
    # one list; the error blamed records of different types.
    out = tmp_path / "clean.parquet"
    rows = [{"id": "1", "text": "a", "m": [["k", 1]]}, {"id": "2", "text": "b", "m": [["j", 2]]}]
    with pytest.raises(ScrubberError, match=r"field 'm' holds \[key, value\] pairs of different types .*write JSONL"):
        write(ParquetSink(str(out)), rows)
    assert os.listdir(tmp_path) == []


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
    with pytest.raises(ScrubberError, match=r"writing parquet needs pyarrow, which is not installed: pip install 'pyarrow>=15'$"):
        ParquetSink(str(tmp_path / "x.parquet")).__enter__()


def test_parquet_shards_share_one_schema_the_union_of_all_records(tmp_path, monkeypatch):
    # Readers take the first shard's schema for the data set: a field first
    # seen in a later shard was silently lost, and datasets refused the mix.
    monkeypatch.setattr("scrubber.parquet.BATCH_ROWS", 2)
    out = tmp_path / "clean.parquet"
    recs = [{"id": "1", "text": "a"}, {"id": "2", "text": "b", "n": None},
            {"id": "3", "text": "c", "n": 1, "duplicates": ["x"]}, {"id": "4", "text": "d", "n": 2.5},
            {"id": "5", "text": "e", "duplicate_of": "1"}]
    write(open_sink(str(out) + "/", per_shard=2), recs)
    single = tmp_path / "single.parquet"
    write(open_sink(str(single)), recs)
    want = pq.read_schema(single)
    assert want.names == ["id", "text", "n", "duplicates", "duplicate_of"]
    parts = sorted(os.listdir(out))
    assert parts == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert all(pq.read_schema(out / p) == want for p in parts)
    assert pq.read_table(out).to_pylist() == pq.read_table(single).to_pylist()
    import pyarrow.dataset as ds

    assert ds.dataset(str(out)).to_table().column_names == want.names


def test_a_type_conflict_across_parquet_shards_is_one_error_and_no_shard(tmp_path):
    out = tmp_path / "clean.parquet"
    write(open_sink(str(out) + "/", per_shard=1), [{"id": "old", "text": "kept"}])
    with pytest.raises(ScrubberError, match=f"^{out}/: cannot write parquet: field 'x' has values of different types"):
        write(open_sink(str(out) + "/", per_shard=1),
              [{"id": "1", "text": "a", "x": 1}, {"id": "2", "text": "b", "x": "a"}])
    assert os.listdir(out) == ["part-00000.parquet"]  # the earlier run's, untouched
    assert pq.read_table(out).to_pylist() == [{"id": "old", "text": "kept"}]


@pytest.mark.parametrize("n", [2**63, -2**63 - 1, 2**70 + 1, 10**400], ids=["2**63", "-2**63-1", "2**70+1", "10**400"])
@pytest.mark.parametrize("shards", [False, True])
def test_an_integer_past_int64_is_one_error_naming_the_field_not_a_double(tmp_path, n, shards):
    out = tmp_path / "clean.parquet"
    target = str(out) + ("/" if shards else "")
    line = b'{"id":"1","text":"a","m":{"n":[%d]}}\n' % n
    with pytest.raises(ScrubberError, match=f"^{target}: cannot write parquet: field 'm' holds the integer "
                                            f"{str(n)[:19]}.*beyond parquet's 64-bit integers; write JSONL"):
        with open_sink(target, per_shard=1) as s:
            s.write(b'{"id":"0","text":"b","m":{"n":[1]}}\n')
            s.write(line)
    assert not out.exists() or os.listdir(out) == []


def test_int64_limits_are_stored_exactly(tmp_path):
    out = tmp_path / "clean.parquet"
    recs = [{"id": "1", "text": "a", "n": 2**63 - 1}, {"id": "2", "text": "b", "n": -2**63}]
    write(open_sink(str(out)), recs)
    assert pq.read_table(out).to_pylist() == recs


def test_rows_of_a_dictionary_column_share_its_values(tmp_path):
    # to_pylist made a copy per row: 2,000 rows of one 5 MB value in a
    # 652-byte file were 10 GB (internal error: MemoryError).
    from scrubber.parquet import rows
    p = tmp_path / "d.parquet"
    column = pa.DictionaryArray.from_arrays(pa.array([0, 0, None, 0], pa.int32()), pa.array(["one long text"]))
    pq.write_table(pa.table({"text": column}), p)
    with open(p, "rb") as fh:
        texts = [r["text"] for r in rows(fh, str(p), "text")]
    assert texts == ["one long text", "one long text", None, "one long text"] and texts[0] is texts[1]


def test_a_row_past_the_record_bound_is_skipped_unread_whatever_its_column(tmp_path, caplog):
    # Only the text was held to --max-doc-bytes: a 300 MB cell of another
    # column passed through to the output (2.3 GB peak).
    p = tmp_path / "r.parquet"
    pq.write_table(pa.table({"text": ["short", "fine"], "html": ["x" * 70_000, "y"]}), p)
    docs, counts = read(p, max_doc_bytes=1000, long_docs="truncate")  # bound: 3 x 1000 + 64 kB
    assert [d.text for d in docs] == ["fine"] and counts["documents_too_long"] == 1
    assert f"{p}:1: parquet row over 68536 bytes (3 x --max-doc-bytes + 64 kB), too long to read and truncate" in caplog.text


def test_a_full_tmpdir_under_parquet_output_is_one_error_and_no_file(tmp_path, monkeypatch):
    # It was "internal error: OSError: [Errno 28] No space left on device".
    import errno
    import io

    import scrubber.parquet

    class Full(io.BytesIO):
        def write(self, b):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(scrubber.parquet.tempfile, "TemporaryFile", lambda *a, **k: Full())
    out = tmp_path / "x.parquet"
    with pytest.raises(ScrubberError, match="no space left for temporary files"):
        with ParquetSink(str(out)) as sink:
            sink.write(b'{"id": "a", "text": "b"}\n')
    assert not out.exists()
