import gzip
import io
import json
import re
import os
from collections import Counter

import pytest
import zstandard

from scrubber import Config, InputError
from scrubber.sources import Reader, decode


def read(paths, stdin=None, **cfg):
    counts = Counter()
    docs = list(Reader(Config(**cfg), counts, stdin=stdin).read_paths([str(p) for p in paths]))
    return docs, counts


def test_directory_is_walked_recursively_in_sorted_order(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "2.txt").write_text("two")
    (tmp_path / "a.md").write_text("one")
    (tmp_path / "c.txt").write_text("three")
    (tmp_path / "table.csv").write_text("a,b\n")
    docs, counts = read([tmp_path])
    assert [d.id for d in docs] == ["a.md", "b/2.txt", "c.txt"]
    assert counts["files_ignored"] == 1


def test_empty_directory_is_warned_about(tmp_path, caplog):
    (tmp_path / "crawl").mkdir()
    docs, _ = read([tmp_path / "crawl"])
    assert docs == []
    assert "crawl: no files in this directory" in caplog.text


def jsonl(*recs):
    return "".join(json.dumps(r) + "\n" for r in recs)


@pytest.mark.parametrize("suffix, pack", [
    (".jsonl", lambda b: b),
    (".jsonl.gz", gzip.compress),
    (".jsonl.zst", lambda b: zstandard.ZstdCompressor().compress(b)),
    # pzstd's files open with a skippable frame: read as "not valid JSON"
    (".jsonl.zst", lambda b: b"\x50\x2a\x4d\x18\x04\x00\x00\x00abcd" + zstandard.ZstdCompressor().compress(b)),
    ("", lambda b: b"\x5f\x2a\x4d\x18\x00\x00\x00\x00" + zstandard.ZstdCompressor().compress(b)),
])
def test_jsonl_plain_and_compressed(tmp_path, suffix, pack):
    p = tmp_path / f"crawl{suffix}"
    p.write_bytes(pack(jsonl({"id": 7, "text": "a", "url": "u"}, {"text": "b"}).encode()))
    docs, _ = read([p])
    assert [d.id for d in docs] == ["7", f"{p}:2"]
    assert docs[0].meta == {"id": 7, "text": None, "url": "u"}


def test_text_and_id_fields_can_be_renamed(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(jsonl({"key": "k1", "content": "hello"}))
    docs, _ = read([p], text_field="content", id_field="key")
    assert (docs[0].id, docs[0].text) == ("k1", "hello")


def test_stdin_jsonl_is_sniffed():
    docs, _ = read(["-"], stdin=io.BytesIO(b'\n{"id": "x", "text": "hi"}\n{"text": "yo"}\n'))
    assert [(d.id, d.text) for d in docs] == [("x", "hi"), ("<stdin>:3", "yo")]


def test_stdin_plain_text_is_one_document():
    docs, _ = read(["-"], stdin=io.BytesIO(b"Title\n\n{not json}\nBody"))
    assert [(d.id, d.text) for d in docs] == [("stdin", "Title\n\n{not json}\nBody")]


def test_stdin_jsonl_with_a_broken_first_record_is_jsonl_not_one_text(caplog):
    # Its first line did not parse, so the whole stream was one document of
    # raw JSON, and every record in it was lost without a word.
    stream = b'{"id": "x",\n{"id": "a", "text": "hi"}\n'
    with pytest.raises(InputError, match=r"<stdin>:1: not valid JSON"):
        read(["-"], stdin=io.BytesIO(stream))
    docs, counts = read(["-"], stdin=io.BytesIO(stream), on_error="skip")
    assert [(d.id, d.text) for d in docs] == [("a", "hi")] and counts["bad_inputs"] == 1
    docs, _ = read(["-"], stdin=io.BytesIO(b"{{title}} is a template\nand more text\n"))
    assert [d.id for d in docs] == ["stdin"]


def test_stdin_jsonl_opening_with_several_broken_records_names_them_not_a_json_object():
    # Two broken records first were refused as "a JSON object over several
    # lines", which sent the user to jq for a file that is JSON Lines.
    stream = b'{"id": "x", "text": "a"\n{"id": "y", "text": "b"\n{"id": "a", "text": "hi"}\n'
    with pytest.raises(InputError, match=r"^<stdin>:1: not valid JSON"):
        read(["-"], stdin=io.BytesIO(stream))
    docs, counts = read(["-"], stdin=io.BytesIO(stream), on_error="skip")
    assert [(d.id, d.text) for d in docs] == [("a", "hi")] and counts["bad_inputs"] == 2
    # a record indented inside one object over several lines is not a line of JSON Lines
    nested = b'{"records": [\n  {"id": "a", "text": "hi"}\n]}\n'
    with pytest.raises(InputError, match=r"^<stdin>: a JSON object over several lines"):
        read(["-"], stdin=io.BytesIO(nested))


@pytest.mark.parametrize("data", [b'{"id": "m0", "text": "City council."}\n{"id": "m1", "text": "Two."}\n',
                                  b'[\n  {"id": "a", "text": "x"}\n]\n',
                                  b'{"id": "m0", "text": "' + b"long " * 200 + b'"}\n'])
def test_json_records_in_a_file_named_as_text_are_read_as_named_with_a_warning(tmp_path, caplog, data):
    # the name decides, but a run that made one document of raw JSON says so
    p = tmp_path / "misnamed.txt"
    p.write_bytes(data)
    docs, _ = read([p])
    assert len(docs) == 1 and docs[0].text.lstrip().startswith(("{", "["))
    assert "misnamed.txt: read as one text document, as its name says, but it opens as JSON records" in caplog.text


def test_text_that_holds_json_is_read_without_a_warning(tmp_path, caplog):
    for i, data in enumerate((b'Plain text {"a": 1}\n', b'{"a": 1, not json\nmore\n', b"{{Infobox}}\nText.\n")):
        p = tmp_path / f"t{i}.txt"
        p.write_bytes(data)
        read([p])
    assert "opens as JSON records" not in caplog.text


def test_stdin_jsonl_split_by_carriage_returns_alone_is_refused_not_one_text(tmp_path):
    # One "line" to a JSONL reader, so it was read as one document of raw
    # JSON, exit 0; the same file named .jsonl failed at its first record as
    # "Extra data (column 28)", now with the same words.
    stream = b'{"id": "a", "text": "One."}\r{"id": "b", "text": "Two."}\r'
    with pytest.raises(InputError, match=r"^<stdin>:1: JSON records separated by carriage returns alone"):
        read(["-"], stdin=io.BytesIO(stream))
    named = tmp_path / "mac.jsonl"
    named.write_bytes(stream)
    with pytest.raises(InputError, match=f"^{named}:1: JSON records separated by carriage returns alone"):
        read([named])
    docs, counts = read(["-"], stdin=io.BytesIO(stream), on_error="skip")
    assert docs == [] and counts["bad_inputs"] == 1
    docs, _ = read(["-"], stdin=io.BytesIO(stream.replace(b"\r", b"\r\n")))  # CRLF: JSONL
    assert [d.text for d in docs] == ["One.", "Two."]
    docs, _ = read(["-"], stdin=io.BytesIO(b"Old Mac text {with braces}\rand a second line\r"))
    assert [d.id for d in docs] == ["stdin"]


def test_stdin_is_sniffed_with_no_document_size_limit_too():
    # With --max-doc-bytes 0 the sniff read nothing of the first line, and
    # plain text was taken for JSONL ("not valid JSON").
    docs, _ = read(["-"], stdin=io.BytesIO(b"Plain text about trams.\n"), max_doc_bytes=0)
    assert [(d.id, d.text) for d in docs] == [("stdin", "Plain text about trams.\n")]


def test_input_format_forces_text():
    docs, _ = read(["-"], stdin=io.BytesIO(b'{"text": "x"}\n'), input_format="text")
    assert docs[0].text == '{"text": "x"}\n'


# --- bad input -----------------------------------------------------------

def test_binary_file_is_an_error_naming_it(tmp_path):
    p = tmp_path / "img.txt"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match=f"^{p}: binary file"):
        read([p])


def test_a_binary_file_named_html_is_an_error_not_a_page_of_garbage(tmp_path):
    # It was read as a page: a kept document of resiliparse's garbage, exit 0.
    p = tmp_path / "page.html"
    p.write_bytes(b"<html>\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\xff\xd8" * 50)
    with pytest.raises(InputError, match=f"^{p}: binary file"):
        read([p])
    docs, counts = read([p], on_error="skip")
    assert docs == [] and counts["bad_inputs"] == 1


class _Zeros(io.RawIOBase):
    """/dev/zero on standard input; past ``most`` bytes, a test failure
    rather than a reader that never ends."""

    def __init__(self, most: int):
        self.given, self.most = 0, most

    def readable(self):
        return True

    def readinto(self, b):
        self.given += len(b)
        assert self.given <= self.most, "read on after the first bytes"
        b[:] = bytes(len(b))
        return len(b)


def test_binary_data_over_the_limit_is_a_binary_file_not_a_long_document(tmp_path):
    p = tmp_path / "zeros.txt"
    p.write_bytes(bytes(5000))
    with pytest.raises(InputError, match=f"^{p}: binary file"):
        read([p], max_doc_bytes=1000)
    zeros = _Zeros(1 << 20)
    with pytest.raises(InputError, match="^<stdin>: binary file"):
        read(["-"], stdin=io.BufferedReader(zeros), max_doc_bytes=1000)
    assert zeros.given <= 128 << 10  # refused on its first bytes (a buffer or two)


@pytest.mark.parametrize("head, says", [
    (b"PK\x03\x04\x14\x00", "a ZIP archive"),
    (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "a PDF document"),
])
def test_a_compressed_or_archived_file_is_named_not_read_as_text(tmp_path, head, says):
    p = tmp_path / "x"  # no extension: a named file is read as text unless its bytes say otherwise
    p.write_bytes(head + b"abc")
    with pytest.raises(InputError, match=f"^{p}: {says}"):
        read([p])


def test_text_that_starts_like_a_magic_number_is_text(tmp_path):
    p = tmp_path / "x.txt"
    p.write_text("BZh1 is a bzip2 header's start, as this sentence says.")
    assert [d.text for d in read([p])[0]] == ["BZh1 is a bzip2 header's start, as this sentence says."]


def test_latin1_file_is_read_and_counted(tmp_path):
    p = tmp_path / "old.txt"
    p.write_bytes("Caf\u00e9 cr\u00e8me, na\u00efve".encode("latin-1"))
    docs, counts = read([p])
    assert docs[0].text == "Caf\u00e9 cr\u00e8me, na\u00efve"
    assert counts["legacy_encoding_files"] == 1


def test_stray_invalid_utf8_bytes_are_replaced_and_counted():
    counts = Counter()
    assert decode("caf\u00e9 ".encode() + b"\xff ok", "f", counts) == "caf\u00e9 \ufffd ok"
    assert counts["invalid_utf8_bytes"] == 1


def test_invalid_utf8_in_jsonl_is_counted_and_warned_once_a_file(tmp_path, caplog):
    p = tmp_path / "in.jsonl"
    # stray bytes in UTF-8 text (it has more valid multibyte characters than bad bytes)
    p.write_bytes('{"id": "a", "text": "café crème\xff ok"}\n{"id": "b", "text": "\xfe\xfe déjà vu à"}\n'
                  .encode("utf-8").replace(b"\xc3\xbf", b"\xff").replace(b"\xc3\xbe", b"\xfe"))
    with caplog.at_level("WARNING", logger="scrubber"):
        docs, counts = read([p])
    assert [d.text for d in docs] == ["café crème\ufffd ok", "\ufffd\ufffd déjà vu à"]
    assert counts["invalid_utf8_bytes"] == 3
    assert [r.getMessage() for r in caplog.records] == [
        f"{p}: 3 invalid UTF-8 byte sequence(s) replaced with U+FFFD"]


def test_a_jsonl_record_in_latin1_is_read_as_latin1_and_counted(tmp_path, caplog):
    # "É»" happens to be valid UTF-8; the other accented letters are not
    p = tmp_path / "in.jsonl"
    text = "Le maire a voté mardi; le slogan «C’EST L’ÉTÉ» a été affiché."
    p.write_bytes(b'{"id": "a", "text": "' + text.encode("cp1252") + b'"}\n{"id": "b", "text": "plain"}\n')
    with caplog.at_level("WARNING", logger="scrubber"):
        docs, counts = read([p])
    assert [d.text for d in docs][1] == "plain" and counts["legacy_encoding_records"] == 1
    assert "\ufffd" not in docs[0].text and "voté" in docs[0].text and "affiché" in docs[0].text
    assert counts["invalid_utf8_bytes"] == 0 and "1 record(s) not UTF-8" in caplog.text


def test_a_latin1_text_file_with_one_accidental_utf8_pair_is_still_latin1(tmp_path):
    p = tmp_path / "l.txt"
    p.write_bytes("Le maire a voté mardi; le slogan «C’EST L’ÉTÉ» a été affiché.".encode("cp1252"))
    docs, counts = read([p])
    assert "voté" in docs[0].text and "\ufffd" not in docs[0].text and counts["legacy_encoding_files"] == 1


def test_a_raw_tab_in_a_jsonl_string_is_read_and_a_cut_record_names_its_last_column(tmp_path):
    p = tmp_path / "t.jsonl"
    p.write_bytes(b'{"id": "a", "text": "one\ttwo"}\n')
    assert [d.text for d in read([p])[0]] == ["one\ttwo"]
    p.write_bytes(b'{"id":"1","text":"x"\n')
    with pytest.raises(InputError, match=r"t.jsonl:1: not valid JSON: Expecting ',' delimiter \(column 21\)"):
        read([p])


_TWO = b'{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n'


@pytest.mark.parametrize("compress", ["bz2", "lzma"])
@pytest.mark.parametrize("name", ["x.jsonl.{}", "x.jsonl", "x"])
def test_bzip2_and_xz_are_read_by_their_magic_bytes_whatever_the_name(tmp_path, compress, name):
    p = tmp_path / name.format({"bz2": "bz2", "lzma": "xz"}[compress])
    p.write_bytes(__import__(compress).compress(_TWO))
    assert [d.text for d in read([p])[0]] == ["one", "two"]
    assert [d.text for d in read([p], input_format="jsonl")[0]] == ["one", "two"]
    assert [d.text for d in read(["-"], stdin=io.BytesIO(p.read_bytes()))[0]] == ["one", "two"]


def test_a_cut_xz_file_keeps_the_records_before_the_cut_when_skipping(tmp_path):
    import lzma
    data = b"".join(b'{"id": "r%d", "text": "Article %d."}\n' % (i, i) for i in range(5000))
    p = tmp_path / "cut.jsonl.xz"
    p.write_bytes(lzma.compress(data)[:-50])
    with pytest.raises(InputError, match=r"cut.jsonl.xz:\d+: corrupt compressed data: Compressed file ended"):
        read([p])
    docs, counts = read([p], on_error="skip")
    assert 0 < len(docs) < 5000 and counts["bad_inputs"] == 1
    assert [d.id for d in docs] == [f"r{i}" for i in range(len(docs))]


@pytest.mark.parametrize("head", [b"BZh91AY&SY\x12\x34", b"\xfd7zXZ\x00\x00\x04"])
def test_bytes_that_open_as_bzip2_or_xz_are_read_so_and_found_damaged(tmp_path, head):
    p = tmp_path / "x"
    p.write_bytes(head + b"abc")
    with pytest.raises(InputError, match=f"^{p}:1: corrupt compressed data"):
        read([p])


@pytest.mark.parametrize("cut", [4, 7, 9])
def test_a_bzip2_file_cut_inside_its_magic_bytes_is_named_as_damaged_not_read_as_text(tmp_path, cut):
    import bz2
    raw = bz2.compress(_TWO)[:cut]
    p = tmp_path / "c.jsonl.bz2"
    p.write_bytes(raw)
    with pytest.raises(InputError, match=r"c.jsonl.bz2:1: corrupt compressed data"):
        read([p])
    with pytest.raises(InputError, match=r"<stdin>:1: corrupt compressed data"):
        read(["-"], stdin=io.BytesIO(raw))
    # a text that opens as bzip2's name does is still text
    assert [d.text.strip() for d in read(["-"], stdin=io.BytesIO(b"BZh9 is a text\n"))[0]] == ["BZh9 is a text"]


def test_damaged_bzip2_is_named_as_damaged(tmp_path):
    import bz2
    raw = bytearray(bz2.compress(_TWO * 500))
    raw[len(raw) // 2] ^= 0xFF
    p = tmp_path / "c.jsonl.bz2"
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match="corrupt compressed data"):
        read([p])


def test_damaged_gzip_jsonl_is_named_as_damaged_not_as_bad_json(tmp_path, caplog):
    import gzip
    data = "".join(json.dumps({"id": f"r{i}", "text": f"Article {i} says the council voted on Tuesday, "
                                                       f"officials said {i}."}) + "\n" for i in range(2000))
    raw = bytearray(gzip.compress(data.encode()))
    raw[len(raw) // 2] ^= 0xFF  # deflate inflates on; gzip's CRC at the end finds the damage
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"c.jsonl.gz:\d+: corrupt compressed data \(.*\), first seen here"):
        read([p])
    with caplog.at_level("WARNING", logger="scrubber"):
        read([p], on_error="skip")
    # records are streamed before the checksum is read: the warning says from where to distrust them
    assert re.search(r"corrupt compressed data: .*; records from line \d+ on may be garbled", caplog.text)


def test_gzip_damage_found_only_by_its_checksum_warns_that_every_record_may_be_garbled(tmp_path, caplog):
    raw = bytearray(gzip.compress(jsonl(*({"id": f"r{i}", "text": f"record {i}"} for i in range(3))).encode()))
    raw[-8] ^= 0xFF  # the CRC: every line still parses, so nothing dates the damage
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(bytes(raw))
    with caplog.at_level("WARNING", logger="scrubber"):
        docs, _ = read([p], on_error="skip")
    assert len(docs) == 3
    assert f"{p}:4: corrupt compressed data: CRC check failed" in caplog.text
    assert "; records from line 1 on may be garbled (skipped)" in caplog.text
    caplog.clear()
    p.write_bytes(gzip.compress(b'{"text": "kept"}\n' * 3000)[:-100])  # cut short: what was read is sound
    with caplog.at_level("WARNING", logger="scrubber"):
        read([p], on_error="skip")
    assert "corrupt compressed data" in caplog.text and "garbled" not in caplog.text


def test_bad_json_line_names_file_and_line(tmp_path):
    p = tmp_path / "c.jsonl"
    p.write_text('{"text": "ok"}\n{"text": broken\n{"text": "also ok"}\n')
    with pytest.raises(InputError, match=f"^{p}:2: not valid JSON"):
        read([p])
    docs, counts = read([p], on_error="skip")
    assert [d.text for d in docs] == ["ok", "also ok"] and counts["bad_inputs"] == 1


@pytest.mark.parametrize("line, problem", [
    ('{"body": "x"}', "no 'text' field"),
    ('{"text": 3}', "'text' is a number, not a string"),
    ('{"text": null}', "'text' is null, not a string"),
    ('{"text": ["a", "b"]}', "'text' is an array, not a string"),
    ('[1, 2]', "expected a JSON object, got an array"),
    ('"a bare string"', "expected a JSON object, got a string"),
])
def test_records_without_usable_text(tmp_path, line, problem):
    p = tmp_path / "c.jsonl"
    p.write_text(line + "\n")
    with pytest.raises(InputError, match=f"^{p}:1: {problem}"):
        read([p])


def test_a_string_line_in_jsonl_on_stdin_is_bad_input():
    with pytest.raises(InputError, match='^<stdin>:2: expected a JSON object, got a string'):
        read(["-"], stdin=io.BytesIO(b'{"text": "a record"}\n"a bare string"\n'))
    docs, _ = read(["-"], stdin=io.BytesIO(b'"a bare string"\n{"text": "x"}\n'))  # not JSONL: text
    assert [d.id for d in docs] == ["stdin"]


def test_missing_path_fails_before_any_document(tmp_path):
    (tmp_path / "a.txt").write_text("a")
    with pytest.raises(InputError, match="no such file or directory"):
        Reader(Config()).read_paths([str(tmp_path), str(tmp_path / "nope")]).__next__()


def test_unreadable_file(tmp_path, monkeypatch):
    p = tmp_path / "secret.txt"
    p.write_text("x")

    def deny(path):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr("scrubber.sources._open_binary", deny)
    with pytest.raises(InputError, match=f"^{p}: permission denied"):
        read([p])


def test_corrupt_gzip_names_the_file(tmp_path):
    p = tmp_path / "c.jsonl.gz"
    p.write_bytes(gzip.compress(jsonl({"text": "a"} for _ in range(1)).encode() if False else b'{"text": "a"}\n' * 50)[:40])
    with pytest.raises(InputError, match=f"^{p}:\\d+: corrupt compressed data"):
        read([p])


def test_input_errors_survive_pickling_to_and_from_workers():
    import pickle

    from scrubber.errors import RuleError

    e = pickle.loads(pickle.dumps(InputError("a.jsonl:2", "not valid JSON")))
    assert (type(e), str(e), e.where) == (InputError, "a.jsonl:2: not valid JSON", "a.jsonl:2")
    r = pickle.loads(pickle.dumps(RuleError("x.toml", "bad pattern", "my-rule")))
    assert str(r) == "x.toml: rule 'my-rule': bad pattern"


# --- formats: chosen by content where it tells, else by name ---------------

from warcs import page, wet  # noqa: E402


def test_an_empty_file_is_an_empty_document_not_bad_input(tmp_path):
    p = tmp_path / "empty.txt"
    p.write_text("  \n")
    docs, counts = read([p])
    assert [(d.id, d.text) for d in docs] == [("empty.txt", "")]
    assert counts["bad_inputs"] == 0


def test_a_file_name_that_is_not_utf8_is_read_and_named_with_u_fffd(tmp_path):
    # os hands such a name over with lone surrogates, which no UTF-8 writer takes
    folder = os.fsencode(tmp_path)
    with open(os.path.join(folder, b"caf\xe9.txt"), "wb") as f:
        f.write(b"Plain words.")
    with open(os.path.join(folder, b"r\xff.jsonl"), "wb") as f:
        f.write(b'{"text": "A record."}\n')
    docs, _ = read([tmp_path])
    assert [(d.id, d.text) for d in docs] == [("caf\ufffd.txt", "Plain words."),
                                              (f"{tmp_path}/r\ufffd.jsonl:1", "A record.")]
    named = os.fsdecode(os.path.join(folder, b"caf\xe9.txt"))
    assert [d.id for d in read([named])[0]] == ["caf\ufffd.txt"]


@pytest.mark.parametrize("text", ["WARC/1.1 is the current version of the archive format.\nIt has records.",
                                  "PAR1 is the first paragraph label.\nThe council met.", "PAR1,text\nx,y\n"])
def test_a_text_that_opens_like_a_formats_magic_is_read_as_its_name_says(tmp_path, text):
    # It was read as WARC or parquet by its first bytes, and refused.
    p = tmp_path / "notes.txt"
    p.write_text(text)
    docs, counts = read([p])
    assert [d.text for d in docs] == [text] and counts["bad_inputs"] == 0


def test_an_empty_record_file_has_no_records(tmp_path):
    # a zero-byte .bz2 or .xz was "corrupt compressed data", a .gz empty
    names = ("e.jsonl", "e.wet.gz", "e.parquet", "e.jsonl.bz2", "e.jsonl.xz", "e.jsonl.zst")
    for name in names:
        (tmp_path / name).write_bytes(b"")
    docs, counts = read([tmp_path / n for n in names])
    assert docs == [] and counts["bad_inputs"] == 0


@pytest.mark.parametrize("name", ["data.xml", "table.xlsx", "page.php"])
def test_a_named_file_of_a_format_scrubber_cannot_read_is_refused(tmp_path, name):
    p = tmp_path / name
    p.write_text('{"text": "x"}\n')
    with pytest.raises(InputError, match=f"^{p}: not a format scrubber reads; it reads .txt .md .jsonl"):
        read([p])
    assert read([p], input_format="jsonl")[0][0].text == "x"  # unless told how


def test_a_file_without_extension_is_text_or_a_page_by_its_content(tmp_path):
    (tmp_path / "README").write_text("Plain words.")
    (tmp_path / "index").write_bytes(b"\n<!DOCTYPE html><html><body><p>A page.</p></body></html>")
    docs, _ = read([tmp_path / "README", tmp_path / "index"])
    assert [d.text.strip() for d in docs] == ["Plain words.", "A page."]


def test_inside_a_folder_links_to_directories_and_files_without_extension_are_skipped(tmp_path, caplog):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "a.txt").write_text("Linked words.")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "b.txt").write_text("Own words.")
    (tmp_path / "in" / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "in" / "loop").symlink_to(tmp_path / "in")
    (tmp_path / "in" / "NOTES").write_text("No extension: read only when named.")
    docs, counts = read([tmp_path / "in"])
    assert [d.id for d in docs] == ["b.txt"] and counts["files_ignored"] == 3
    assert "did not follow 2 link(s) to a directory" in caplog.text
    assert [d.id for d in read([tmp_path / "in" / "linked"])[0]] == ["a.txt"]  # unless named


def test_content_beats_the_name(tmp_path):
    gz = tmp_path / "c.jsonl"  # gzip under a plain name
    gz.write_bytes(gzip.compress(b'{"text": "packed"}\n'))
    w = wet(tmp_path / "c.txt", [("http://a.example/", "from a WET")], gzip=True)
    docs, _ = read([gz, w])
    assert [d.text for d in docs] == ["packed", "from a WET"]


def test_a_directory_reads_every_format_it_knows(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    d = tmp_path / "crawl"
    d.mkdir()
    wet(d / "a.warc.wet.gz", [("http://a.example/", "wet text")])
    (d / "b.html").write_bytes(page("<p>html text</p>"))
    (d / "c.htm.gz").write_bytes(gzip.compress(page("<p>gzipped html</p>")))
    pq.write_table(pa.table({"text": ["parquet text"]}), d / "d.parquet")
    (d / "e.txt").write_text("")
    (d / "f.csv").write_text("a,b\n")
    docs, counts = read([d])
    assert [d.text.strip() for d in docs] == ["wet text", "html text", "gzipped html", "parquet text", ""]
    assert counts["files"] == 5 and counts["files_ignored"] == 1


@pytest.mark.parametrize("pack", [gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_compressed_stdin_is_detected_by_its_magic_bytes(pack):
    docs, _ = read(["-"], stdin=io.BytesIO(pack(b'{"id": "x", "text": "hi"}\n{"text": "yo"}\n')))
    assert [(d.id, d.text) for d in docs] == [("x", "hi"), ("<stdin>:2", "yo")]
    docs, _ = read(["-"], stdin=io.BytesIO(pack(b"Just text.")))
    assert [(d.id, d.text) for d in docs] == [("stdin", "Just text.")]


def test_a_wet_file_on_stdin_is_read_as_records(tmp_path):
    p = wet(tmp_path / "c.wet.gz", [("http://a.example/", "one"), ("http://b.example/", "two")])
    docs, _ = read(["-"], stdin=io.BytesIO(p.read_bytes()))
    assert [(d.text, d.meta["url"]) for d in docs] == [("one", "http://a.example/"), ("two", "http://b.example/")]


class _Pipe(io.RawIOBase):
    """Standard input from a pipe: it cannot seek or tell, and a read may
    give fewer bytes than asked."""

    def __init__(self, data: bytes, chunk: int = 3):
        self._data, self._chunk = data, chunk

    def readable(self):
        return True

    def readinto(self, b):
        n = min(len(b), self._chunk, len(self._data))
        b[:n], self._data = self._data[:n], self._data[n:]
        return n


def pipe(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(_Pipe(data))


@pytest.mark.parametrize("pack", [lambda b: b, gzip.compress, lambda b: zstandard.ZstdCompressor().compress(b)])
def test_a_wet_file_piped_to_stdin_is_read_as_records(tmp_path, pack):
    p = wet(tmp_path / "c.wet", [("http://a.example/", "one"), ("http://b.example/", "two")], gzip=False)
    docs, _ = read(["-"], stdin=pipe(pack(p.read_bytes())))
    assert [(d.text, d.meta["url"]) for d in docs] == [("one", "http://a.example/"), ("two", "http://b.example/")]


def test_a_stream_that_is_not_warc_forced_as_warc_is_one_error():
    with pytest.raises(InputError, match="^<stdin>:1: not a valid WARC record"):
        read(["-"], stdin=pipe(b"hi\n"), input_format="warc")


def test_a_page_on_stdin_is_read_as_html():
    docs, _ = read(["-"], stdin=io.BytesIO(gzip.compress(page("<p>Piped page.</p>"))))
    assert [(d.id, d.text.strip()) for d in docs] == [("stdin", "Piped page.")]


def test_parquet_on_stdin_is_read(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    pq.write_table(pa.table({"text": ["a", "b"]}), buf)
    docs, _ = read(["-"], stdin=io.BytesIO(buf.getvalue()))
    assert [d.text for d in docs] == ["a", "b"]


def test_corrupt_gzip_on_stdin_is_one_error():
    with pytest.raises(InputError, match="^<stdin>.*corrupt compressed data"):
        read(["-"], stdin=io.BytesIO(gzip.compress(b'{"text": "a"}\n' * 50)[:30]))


def test_wet_records_give_their_url_host_as_source():
    from scrubber.boilerplate import source_of

    assert source_of("c.wet.gz:2", {"url": "https://news.example.org/a?b=1"}, "url") == "news.example.org"
    assert source_of("c.wet.gz:2", {"url": "https://news.example.org/a"}) == "c.wet.gz"


# --- records the output could not hold (issue 23, items 7 and 8) ------------

@pytest.mark.parametrize("depth", [250, 253])
def test_nesting_orjson_writes_is_read(tmp_path, depth):
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "a", "m": %s}\n' % ("[" * depth + "]" * depth))
    docs, _ = read([p])
    assert docs[0].text == "a"


@pytest.mark.parametrize("depth", [254, 1000, 5000])
def test_deeper_nesting_is_a_bad_record(tmp_path, depth):
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "a", "m": %s}\n' % ("[" * depth + "]" * depth))
    with pytest.raises(InputError, match=f"^{p}:1: JSON nested more than 254 deep"):
        read([p])


def test_a_record_nested_past_the_stack_on_stdin_is_a_bad_record_not_an_internal_error():
    # Telling stdin's format parsed the first line with json, which raised RecursionError.
    line = ('{"text": "a", "m": %s}\n' % ("[" * 100_000 + "]" * 100_000)).encode()
    with pytest.raises(InputError, match="^<stdin>:1: JSON nested more than 254 deep"):
        read(["-"], stdin=io.BytesIO(line))


def test_an_integer_past_pythons_digits_is_a_bad_record_named_briefly(tmp_path):
    # int() refuses more than 4,300 digits: an internal error (ValueError), and
    # the message of a float of a million digits held all of them.
    p = tmp_path / "x.jsonl"
    p.write_text('{"text": "a", "n": %s}\n{"text": "b", "f": 1%se999}\n{"text": "c"}\n' % ("7" * 5000, "0" * 5000))
    with pytest.raises(InputError, match=f"^{p}:1: the integer 7{{20}}…7{{10}} \\(5,000 characters\\) has more than 4,300 digits"):
        read([p])
    docs, counts = read([p], on_error="skip")
    assert [d.text for d in docs] == ["c"] and counts["bad_inputs"] == 2
    from scrubber.records import _parse_line
    with pytest.raises(InputError, match=r"^r: the number 1.{19}….{10} \(5,005 characters\) is beyond what a float holds$"):
        _parse_line(p.read_bytes().splitlines()[1], "r", Counter())


def test_a_lone_surrogate_outside_the_text_is_named():
    from scrubber.sources import check_record
    with pytest.raises(InputError, match=r"^r: field 'src' holds a lone surrogate \('\\ud800'\)"):
        check_record({"text": "\ud800", "src": {"a": ["x\ud800"]}}, "text", "r")
    check_record({"text": "\ud800", "src": "fine \u00e9"}, "text", "r")


# --- truncated, unreadable and special inputs (issue 23, items 2, 3, 10) ---------

def test_a_truncated_zst_file_is_reported_wherever_it_is_cut(tmp_path):
    data = zstandard.ZstdCompressor().compress(
        jsonl(*({"id": i, "text": f"record {i} " * 20} for i in range(40))).encode())
    p = tmp_path / "cut.jsonl.zst"
    for cut in range(1, len(data), max(1, len(data) // 25)):
        p.write_bytes(data[:cut])
        # A cut before the first line is found while the format is sniffed: no line yet.
        with pytest.raises(InputError, match=f"^{p}(:\\d+)?: corrupt compressed data"):
            read([p])
        _, counts = read([p], on_error="skip")
        assert counts["bad_inputs"] == 1


def test_compressed_data_cut_before_its_first_line_ends_names_line_1(tmp_path):
    line = b'{"text": "' + " ".join(f"word{i}" for i in range(20000)).encode()  # one long line
    for name, data in (("cut.jsonl.zst", zstandard.ZstdCompressor().compress(line)),
                       ("cut.jsonl.gz", gzip.compress(line))):
        p = tmp_path / name
        p.write_bytes(data[:len(data) // 2])
        with pytest.raises(InputError, match=f"^{p}:1: corrupt compressed data"):
            read([p])
        with pytest.raises(InputError, match="^<stdin>:1: corrupt compressed data"):  # not an internal error
            read(["-"], stdin=io.BytesIO(p.read_bytes()))


def test_a_zst_file_of_several_frames_is_read_whole(tmp_path):
    c = zstandard.ZstdCompressor()
    p = tmp_path / "two.jsonl.zst"
    p.write_bytes(c.compress(jsonl({"text": "a"}).encode()) + c.compress(jsonl({"text": "b"}).encode()))
    docs, _ = read([p])
    assert [d.text for d in docs] == ["a", "b"]


def test_a_zst_bomb_inflates_a_bounded_amount_per_read():
    # 32 MB of one byte is a few kB of zstd; decompressobj inflated a 64 kB
    # read whole (a 5 GB bomb: MemoryError). Each read now holds <= 8 MB more.
    from scrubber.compression import _Zstd
    c = zstandard.ZstdCompressor()
    z = _Zstd(io.BytesIO(c.compress(b"a" * (32 << 20)) + c.compress(b"b")))
    buf, biggest, total = bytearray(1 << 16), 0, 0
    while n := z.readinto(buf):
        biggest, total = max(biggest, len(z._out)), total + n
    assert total == (32 << 20) + 1 and biggest <= (8 << 20) + (1 << 16)


def test_a_zst_file_damaged_in_a_later_frame_keeps_the_records_before_it(tmp_path):
    # The frames inflated before the damage were dropped with it: 0 of 4 kept.
    c = zstandard.ZstdCompressor(write_checksum=True)
    frames = [c.compress(jsonl({"text": f"record {i}"}).encode()) for i in range(6)]
    frames[4] = frames[4][:-4] + bytes(b ^ 0xFF for b in frames[4][-4:])  # its checksum
    p = tmp_path / "damaged.jsonl.zst"
    p.write_bytes(b"".join(frames))
    docs, counts = read([p], on_error="skip")
    assert [d.text for d in docs] == [f"record {i}" for i in range(4)] and counts["bad_inputs"] == 1


def test_an_unreadable_subdirectory_is_bad_input(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text("one")
    (tmp_path / "locked").mkdir()
    real = os.scandir

    def scandir(path="."):  # chmod 000 does not stop root, who runs CI here
        if str(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    with pytest.raises(InputError, match=f"^{tmp_path / 'locked'}: cannot read directory: Permission denied"):
        read([tmp_path])
    docs, counts = read([tmp_path], on_error="skip")
    assert [d.id for d in docs] == ["a.txt"] and counts["bad_inputs"] == 1


@pytest.mark.parametrize("url", [False, True])
def test_a_fifo_in_a_folder_is_skipped_not_waited_on(tmp_path, caplog, url):
    # as a file:// URL, fsspec listed the FIFO as a file and the run blocked for ever
    (tmp_path / "a.txt").write_text("one")
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "link.txt").symlink_to(tmp_path / "a.txt")  # a link to a file is read (fsspec: "other")
    docs, counts = read([f"file://{tmp_path}" if url else tmp_path])
    assert [d.text for d in docs] == ["one", "one"]
    assert counts["files_ignored"] == 1 and "pipe.txt" in caplog.text


def read_through_fifo(path, content):
    """``read`` of a FIFO at ``path`` that a thread writes ``content`` into."""
    import threading
    os.mkfifo(path)
    t = threading.Thread(target=lambda: path.write_text(content))
    t.start()
    docs, _ = read([path])
    t.join()
    return docs


def test_a_fifo_named_on_the_command_line_is_read(tmp_path):
    docs = read_through_fifo(tmp_path / "in.txt", "from a pipe")
    assert [d.text for d in docs] == ["from a pipe"]


def test_jsonl_through_a_pipe_with_no_extension_is_read_as_jsonl_as_stdin_is(tmp_path):
    # <(cat x.jsonl) and /dev/stdin are FIFOs with no extension: content decides
    docs = read_through_fifo(tmp_path / "63", '{"id": "a", "text": "one"}\n{"id": "b", "text": "two"}\n')
    assert [(d.id, d.text) for d in docs] == [("a", "one"), ("b", "two")]


def test_a_file_named_with_no_extension_is_read_by_its_content(tmp_path):
    (tmp_path / "part-00000").write_text('{"id": "a", "text": "one"}\n')
    (tmp_path / "README").write_text("Plain words, not a record.\n{not json}\n")
    docs, _ = read([tmp_path / "part-00000", tmp_path / "README"])
    assert [(d.id, d.text) for d in docs] == [("a", "one"), ("README", "Plain words, not a record.\n{not json}\n")]


# --- UTF-16 and UTF-32 (issue 23, item 15) ---------------------------------------

@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_text_with_a_bom_is_decoded(tmp_path, encoding):
    p = tmp_path / "wide.txt"
    text = "Caf\u00e9 \u2014 \U0001F600 na\u00efve"
    data = text.encode(encoding)
    if encoding.endswith("be"):  # a named byte order writes no BOM of its own
        data = "\ufeff".encode(encoding) + data
    p.write_bytes(data)
    docs, _ = read([p])
    assert docs[0].text == text


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_utf16_jsonl_with_a_bom_is_decoded(tmp_path, encoding):
    p = tmp_path / "wide.jsonl"
    p.write_bytes(jsonl({"id": "a", "text": "caf\u00e9"}, {"id": "b", "text": "x"}).encode(encoding))
    docs, _ = read([p])
    assert [(d.id, d.text) for d in docs] == [("a", "caf\u00e9"), ("b", "x")]


BOM_JSONL = jsonl({"id": "a", "text": "caf\u00e9"}, {"id": "b", "text": "x"})


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "utf-16-be", "utf-32"])
def test_jsonl_with_a_bom_is_read_as_records_from_a_file_and_a_pipe(tmp_path, encoding):
    def marked(text):
        return (("\ufeff" if encoding.endswith("be") else "") + text).encode(encoding)

    p = tmp_path / "marked.jsonl"
    p.write_bytes(data := marked(BOM_JSONL))
    for docs, _ in (read([p]), read(["-"], stdin=pipe(data)), read(["-"], stdin=pipe(gzip.compress(data)))):
        assert [(d.id, d.text) for d in docs] == [("a", "caf\u00e9"), ("b", "x")]
    docs, _ = read(["-"], stdin=pipe(marked("Caf\u00e9 au lait\n{not json}")))
    assert [(d.id, d.text) for d in docs] == [("stdin", "Caf\u00e9 au lait\n{not json}")]


def test_the_first_byte_range_of_a_jsonl_file_skips_its_bom(tmp_path):
    p = tmp_path / "marked.jsonl"
    data = BOM_JSONL.encode("utf-8-sig")
    p.write_bytes(data)
    cut = data.index(b"\n") + 2  # inside the second line: it belongs to the second range
    reader = Reader(Config())
    docs = list(reader.read_jsonl_range(str(p), 0, cut, 0)) + list(reader.read_jsonl_range(str(p), cut, len(data), 1))
    assert [(d.id, d.text) for d in docs] == [("a", "caf\u00e9"), ("b", "x")]


# --- --max-doc-bytes (issue 23, item 11) ----------------------------------------

def test_a_text_file_over_the_limit_is_skipped_and_counted(tmp_path, caplog):
    p = tmp_path / "big.txt"
    p.write_text("first line\n" + "x" * 200 + "\n")
    (tmp_path / "small.txt").write_text("small")
    docs, counts = read([tmp_path], max_doc_bytes=100)
    assert [d.id for d in docs] == ["small.txt"]
    assert counts["documents_too_long"] == 1 and counts["bad_inputs"] == 0
    assert f"{p}: document over --max-doc-bytes (100 bytes); skipped" in caplog.text


def test_a_text_over_the_limit_is_cut_at_a_line_boundary_when_asked(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("caf\u00e9 one\ntwo two\n" + "x" * 200 + "\n")
    docs, counts = read([p], max_doc_bytes=30, long_docs="truncate")
    assert docs[0].text == "caf\u00e9 one\ntwo two"
    assert counts["documents_truncated"] == 1
    # one line longer than the limit: cut after a whole word
    p.write_text("caf\u00e9 " * 20)
    docs, _ = read([p], max_doc_bytes=31, long_docs="truncate")
    assert docs[0].text == "caf\u00e9 caf\u00e9 caf\u00e9 caf\u00e9 caf\u00e9"
    # and without a space, at a whole character
    p.write_text("\u00e9" * 40)
    docs, _ = read([p], max_doc_bytes=31, long_docs="truncate")
    assert docs[0].text == "\u00e9" * 15


def test_a_text_over_the_limit_counts_all_its_bytes_in(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("one\ntwo\n" + "x " * 5000)
    for long_docs in ("skip", "truncate"):
        _, counts = read([p], max_doc_bytes=100, long_docs=long_docs)
        assert counts["bytes_in"] == p.stat().st_size, long_docs


def test_a_jsonl_record_over_the_limit_is_skipped_or_cut(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_text(jsonl({"id": "big", "text": "a\n" + "b" * 150}, {"id": "ok", "text": "fine"}))
    docs, counts = read([p], max_doc_bytes=100)
    assert [d.id for d in docs] == ["ok"] and counts["documents_too_long"] == 1
    docs, counts = read([p], max_doc_bytes=100, long_docs="truncate")
    assert [d.text for d in docs] == ["a", "fine"] and counts["documents_truncated"] == 1


def test_an_endless_line_is_read_with_a_bound_and_skipped(tmp_path):
    from scrubber.sources import line_limit
    huge = b'{"id": "x", "text": "' + b"y" * (line_limit(100) + 10) + b'"}\n'
    stream = io.BytesIO(huge + b'{"text": "after"}\n')
    docs, counts = read(["-"], stdin=stream, max_doc_bytes=100)
    assert [(d.id, d.text) for d in docs] == [("<stdin>:2", "after")]
    assert counts["documents_too_long"] == 1


def test_stdin_text_over_the_limit_is_cut_when_asked():
    docs, _ = read(["-"], stdin=io.BytesIO(b"one\ntwo\n" + b"z" * 500), max_doc_bytes=12,
                   long_docs="truncate")
    assert docs[0].text == "one\ntwo"


def test_a_utf16_text_over_the_limit_is_cut_in_its_encoding(tmp_path):
    p = tmp_path / "wide.txt"
    p.write_bytes("one\ntwo\nthree and more".encode("utf-16"))
    docs, _ = read([p], max_doc_bytes=20, long_docs="truncate")
    assert docs[0].text == "one\ntwo"


def test_a_streams_format_is_told_by_its_first_line_without_waiting_for_more():
    # a slow producer's first short record is all there is for a while
    import threading

    from scrubber.compression import _head

    r, w = os.pipe()
    told = threading.Event()

    def producer():
        os.write(w, b'{"text": "one"}\n')
        told.wait(10)
        os.write(w, b'{"text": "two"}\n')
        os.close(w)

    threading.Thread(target=producer).start()
    with open(r, "rb") as fh:
        head, rest = _head(fh, 512)
        told.set()
        assert head == b'{"text": "one"}\n'
        assert rest.read() == b'{"text": "one"}\n{"text": "two"}\n'


_RECORDS = [{"id": "a", "text": "One.", "url": "https://x.org/a"}, {"text": "Two."}]


@pytest.mark.parametrize("write", [
    lambda p: p.write_text(json.dumps(_RECORDS, indent=2)),              # Scrapy's -o items.json
    lambda p: p.write_text(json.dumps(_RECORDS)),                        # json.dump, one line
    lambda p: p.write_text(jsonl(*_RECORDS)),                            # JSON Lines named .json
    lambda p: p.write_bytes(json.dumps(_RECORDS, ensure_ascii=False).encode("utf-16")),
])
def test_a_named_json_file_of_records_is_read_record_by_record(tmp_path, write):
    p = tmp_path / "items.json"
    write(p)
    docs, counts = read([p])
    assert [(d.id, d.text) for d in docs] == [("a", "One."), (f"{p}:2", "Two.")]
    assert docs[0].meta["url"] == "https://x.org/a" and counts["files"] == 1


def test_a_json_array_on_standard_input_is_read_as_records_not_as_one_text():
    for data in (json.dumps(_RECORDS, indent=2).encode(), json.dumps(_RECORDS).encode()):
        docs, _ = read(["-"], stdin=io.BytesIO(data))
        assert [d.text for d in docs] == ["One.", "Two."]
    docs, _ = read(["-"], stdin=io.BytesIO(b"[Updated] The council met.\nMore.\n"))
    assert [d.text for d in docs] == ["[Updated] The council met.\nMore.\n"]  # text that opens with a bracket


def test_one_json_object_over_several_lines_is_refused_not_read_as_text(tmp_path):
    data = json.dumps({"records": _RECORDS}, indent=2)
    p = tmp_path / "dump.json"
    p.write_text(data)
    for paths, stdin, where in (([p], None, str(p)), (["-"], io.BytesIO(data.encode()), "<stdin>")):
        with pytest.raises(InputError, match=rf"^{re.escape(where)}: a JSON object over several lines: "
                                             r".*make it JSON Lines, e.g. jq -c"):
            read(paths, stdin=stdin)
    docs, _ = read(["-"], stdin=io.BytesIO(b"{{Infobox person\n| name = X\n}}\nX was a painter.\n"))
    assert len(docs) == 1  # wikitext opens with braces too


def test_a_cut_json_array_keeps_the_records_before_the_cut_when_skipping(tmp_path, caplog):
    p = tmp_path / "cut.json.gz"
    p.write_bytes(gzip.compress(json.dumps(_RECORDS).encode()[:-8]))
    with pytest.raises(InputError, match=rf"^{re.escape(str(p))}:2: the JSON array ends inside this record"):
        read([p])
    docs, counts = read([p], on_error="skip")
    assert [d.text for d in docs] == ["One."] and counts["bad_inputs"] == 1


def test_json_files_in_a_directory_are_left_out_with_a_hint(tmp_path, caplog):
    (tmp_path / "a.jsonl").write_text(jsonl(_RECORDS[0]))
    (tmp_path / "dataset_info.json").write_text('{"features": {}}')
    docs, counts = read([tmp_path])
    assert [d.text for d in docs] == ["One."] and counts["files_ignored"] == 1
    assert ".json, .csv and .tsv files are read when named" in caplog.text


def test_a_json_array_element_past_the_bound_is_skipped_and_named_so(tmp_path, caplog):
    p = tmp_path / "big.json"
    p.write_text(json.dumps([{"text": "x" * 70_000}, {"text": "Two."}]))
    docs, counts = read([p], max_doc_bytes=100, long_docs="truncate")
    assert [d.text for d in docs] == ["Two."] and counts["documents_too_long"] == 1
    assert f"{p}:1: JSON array element over 65836 bytes" in caplog.text


def test_compressed_json_in_a_directory_is_read_as_c4_and_dolma_ship_it(tmp_path):
    (tmp_path / "c4-train.00000-of-01024.json.gz").write_bytes(gzip.compress(jsonl(*_RECORDS).encode()))
    (tmp_path / "state.json").write_text('{\n  "_fingerprint": "x"\n}\n')
    docs, counts = read([tmp_path])
    assert [d.text for d in docs] == ["One.", "Two."] and counts["files_ignored"] == 1


@pytest.mark.parametrize("name, sep", [("news.csv", ","), ("news.tsv", "\t"), ("news.csv.gz", ",")])
def test_a_named_csv_or_tsv_file_is_read_row_by_row(tmp_path, name, sep):
    p = tmp_path / name
    data = f"id{sep}title{sep}text\na{sep}Tram{sep}\"The council met.\nIt voted.\"\n{sep}Zoo{sep}Two.\n"
    p.write_bytes(gzip.compress(data.encode()) if name.endswith(".gz") else data.encode())
    docs, counts = read([p])
    assert [(d.id, d.text, d.meta["title"]) for d in docs] == [
        ("a", "The council met.\nIt voted.", "Tram"), (f"{p}:2", "Two.", "Zoo")]  # an empty id cell: none
    assert counts["bytes_in"] == len(data.encode())


def test_csv_files_in_a_directory_are_skipped_and_stdin_takes_input_format_csv(tmp_path):
    (tmp_path / "urls.csv").write_text("url\nhttps://x.org/\n")
    (tmp_path / "a.txt").write_text("One.")
    docs, counts = read([tmp_path])
    assert [d.text for d in docs] == ["One."] and counts["files_ignored"] == 1
    docs, _ = read(["-"], stdin=io.BytesIO(b"text\nFrom a pipe.\n"), input_format="csv")
    assert [(d.id, d.text) for d in docs] == [("<stdin>:1", "From a pipe.")]


def test_a_python_without_bz2_refuses_bzip2_as_before_rather_than_failing(tmp_path, monkeypatch):
    import bz2

    from scrubber import compression
    monkeypatch.setattr(compression, "bz2", None)  # a bare pyenv build has no _bz2
    p = tmp_path / "x.jsonl.bz2"
    p.write_bytes(bz2.compress(_TWO))
    with pytest.raises(InputError, match="bzip2-compressed data, which scrubber does not read: decompress"):
        read([p])


def test_damaged_gzip_json_lines_named_json_are_named_as_damaged_as_jsonl_are(tmp_path):
    data = "".join(json.dumps({"id": f"r{i}", "text": f"Article {i} says the council voted on Tuesday, "
                                                       f"officials said {i}."}) + "\n" for i in range(2000))
    raw = bytearray(gzip.compress(data.encode()))
    raw[len(raw) // 2] ^= 0xFF
    p = tmp_path / "c4.json.gz"
    p.write_bytes(bytes(raw))
    with pytest.raises(InputError, match=r"corrupt compressed data \(CRC check failed .*\), first seen here"):
        read([p])
