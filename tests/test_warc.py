import gzip
import io
import zlib
import sys
from collections import Counter

import pytest

from scrubber import Config, InputError
from scrubber.errors import ScrubberError
from scrubber.sources import Reader
from warcs import page, wet, write_warc


def read(path, **cfg):
    counts = Counter()
    return list(Reader(Config(**cfg), counts).read_paths([str(path)])), counts


@pytest.mark.parametrize("name, packed", [("c.warc.wet.gz", True), ("c.wet", False)])
def test_wet_conversion_records_are_documents_with_id_url_and_date(tmp_path, name, packed):
    p = wet(tmp_path / name, [("http://a.example/1", "First page\nline two"),
                              ("http://b.example/2", "Second page")], gzip=packed)
    docs, counts = read(p)
    assert [d.text for d in docs] == ["First page\nline two", "Second page"]
    assert [d.meta["url"] for d in docs] == ["http://a.example/1", "http://b.example/2"]
    assert all(d.id.startswith("<urn:uuid:") and d.meta["id"] == d.id for d in docs)
    assert all(d.meta["date"].endswith("Z") for d in docs)
    assert [d.origin for d in docs] == [f"{p}:2", f"{p}:3"]  # record 1 is the warcinfo
    assert counts["warc_skipped_warcinfo"] == 1 and counts["warc_records_skipped"] == 1


def test_a_wet_record_over_the_document_limit_is_skipped_or_cut_as_any_document(tmp_path):
    p = wet(tmp_path / "c.wet", [("http://a.example/1", "word " * 400), ("http://b.example/2", "Short page")],
            gzip=False)
    docs, counts = read(p, max_doc_bytes=1000)
    assert [d.text for d in docs] == ["Short page"] and counts["documents_too_long"] == 1
    docs, counts = read(p, max_doc_bytes=1000, long_docs="truncate")
    assert len(docs[0].text.encode()) <= 1000 and counts["documents_truncated"] == 1


def test_html_responses_become_text_with_each_block_on_its_line(tmp_path):
    body = "<nav><a>Home</a></nav><h1>Tram plan</h1><p>The council voted.</p><script>x()</script><ul><li>one</li><li>two</li></ul>"
    p = write_warc(tmp_path / "c.warc.gz", [
        ("request", "http://a.example/", b"GET / HTTP/1.1\r\n\r\n", "application/http; msgtype=request", None),
        ("response", "http://a.example/", page(body), "text/html; charset=utf-8", 200),
    ])
    docs, _ = read(p)
    lines = [ln.strip() for ln in docs[0].text.split("\n") if ln.strip()]
    assert lines == ["Home", "Tram plan", "The council voted.", "one", "two"]


def test_records_without_page_text_are_skipped_and_counted_by_why(tmp_path):
    p = write_warc(tmp_path / "c.warc", [
        ("warcinfo", None, b"", None, None),
        ("request", "http://a.example/", b"GET / HTTP/1.1\r\n\r\n", "application/http; msgtype=request", None),
        ("metadata", "http://a.example/", b"fetchTimeMs: 12\r\n", "application/warc-fields", None),
        ("response", "http://a.example/x.png", b"\x89PNG", "image/png", 200),
        ("response", "http://a.example/old", page("<p>Moved</p>"), "text/html", 301),
        ("response", "http://a.example/", page("<p>Kept</p>"), "text/html", 200),
    ], gzip=False)
    docs, counts = read(p)
    assert [d.text.strip() for d in docs] == ["Kept"]
    assert counts["warc_records_skipped"] == 5
    assert {k: v for k, v in counts.items() if k.startswith("warc_skipped_")} == {
        "warc_skipped_warcinfo": 1, "warc_skipped_request": 1, "warc_skipped_metadata": 1,
        "warc_skipped_not_html": 1, "warc_skipped_not_ok": 1}


def test_a_truncated_record_is_an_error_naming_file_and_record(tmp_path):
    p = wet(tmp_path / "c.wet", [("http://a.example/", "x" * 500)], gzip=False)
    p.write_bytes(p.read_bytes()[:-200])
    with pytest.raises(InputError, match=f"^{p}:2: truncated WARC record"):
        read(p)
    docs, counts = read(p, on_error="skip")
    assert docs == [] and counts["bad_inputs"] == 1


@pytest.mark.parametrize("gz", [False, True])
@pytest.mark.parametrize("last", [("metadata", None), ("response", "image/png")])
def test_a_file_cut_inside_a_record_scrubber_skips_is_an_error(tmp_path, last, gz):
    # A crawl cut inside its last metadata record or image read as whole,
    # exit 0: only the records scrubber kept had their length checked.
    kind, ctype = last
    p = write_warc(tmp_path / "c.warc", [
        ("response", "http://a.example/", page("<p>Kept</p>"), "text/html", 200),
        (kind, "http://a.example/", bytes(range(256)) * 4, ctype or "application/json", 200 if ctype else None),
    ], gzip=gz)
    p.write_bytes(p.read_bytes()[:-200])
    with pytest.raises(InputError, match=f"^{p}:2: truncated WARC record"):
        read(p)


def test_a_binary_body_sent_as_html_is_skipped_not_read_as_a_page(tmp_path):
    # A PNG and a gzip body without its Content-Encoding came out as
    # documents of junk ("PNG IHDR …"), counted as repaired.
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
    p = write_warc(tmp_path / "c.warc", [
        ("response", "http://a.example/1", png, "text/html", 200),
        ("response", "http://a.example/2", gzip.compress(page("<p>Zipped</p>")), "text/html", 200),
        ("response", "http://a.example/3", page("<p>Kept</p>"), "text/html", 200),
    ], gzip=False)
    docs, counts = read(p)
    assert [d.text.strip() for d in docs] == ["Kept"]
    assert counts["warc_skipped_binary"] == 2
    # told by magic bytes, not NUL bytes: a UTF-16 page without its mark and
    # a page with a stray NUL are pages (a first version skipped both)
    p = write_warc(tmp_path / "d.warc", [
        ("response", "http://a.example/4", page("<p>Sechzehn Bit</p>").decode().encode("utf-16-le"),
         "text/html; charset=utf-16le", 200),
        ("response", "http://a.example/5", page("<p>A stray\x00NUL</p>"), "text/html", 200),
    ], gzip=False)
    docs, counts = read(p)
    assert len(docs) == 2 and "Sechzehn Bit" in docs[0].text and counts["warc_skipped_binary"] == 0
    # an MP4 (its magic after the box size) is binary; a UTF-16 page with no
    # charset at all is read as UTF-16, not as markup; "ID3 tags explained"
    # is a page, however an MP3's tag opens
    p = write_warc(tmp_path / "e.warc", [
        ("response", "http://a.example/6", b"\x00\x00\x00 ftypisom" + bytes(range(256)), "text/html", 200),
        ("response", "http://a.example/7", page("<p>Ohne Zeichensatz</p>").decode().encode("utf-16-le"),
         "text/html", 200),
        ("response", "http://a.example/8", b"ID3 tags explained. " + page("<p>Tags</p>"), "text/html", 200),
    ], gzip=False)
    docs, counts = read(p)
    assert counts["warc_skipped_binary"] == 1
    assert [d.text.split("\n")[-1].strip() for d in docs] == ["Ohne Zeichensatz", "Tags"]
    # a Chinese page in UTF-16 has Han characters whose bytes hold a NUL
    # (一 is 00 4E): still a page, read as UTF-16
    zh = page("<p>" + "一座大桥开工了。" * 40 + "</p>").decode()
    p = write_warc(tmp_path / "f.warc", [
        ("response", "http://a.example/9", zh.encode("utf-16-le"), "text/html", 200),
        ("response", "http://a.example/10", zh.encode("utf-16-be"), "text/html", 200)], gzip=False)
    docs, counts = read(p)
    assert counts["warc_skipped_binary"] == 0 and all("一座大桥开工了。" in d.text for d in docs) and len(docs) == 2
    # a byte-order mark or a declared UTF-16/32 says the NULs are the
    # encoding's; a UTF-8 page padded with a few NULs is a page
    ru = page("<p>" + "Городской совет проголосовал за мост. " * 30 + "</p>").decode()
    p = write_warc(tmp_path / "g.warc", [
        ("response", "http://a.example/11", ru.encode("utf-16"), "text/html", 200),
        ("response", "http://a.example/12", ru.encode("utf-32"), "text/html", 200),
        ("response", "http://a.example/13", ru.encode("utf-16-le"), "text/html; charset=utf-16le", 200),
        ("response", "http://a.example/14", page("<p>Padded page.</p>" * 300) + b"\x00" * 20, "text/html", 200),
    ], gzip=False)
    docs, counts = read(p)
    assert counts["warc_skipped_binary"] == 0 and len(docs) == 4
    assert all("Городской совет" in d.text for d in docs[:3]) and "Padded page." in docs[3].text


def test_a_file_named_warc_that_is_not_one_is_an_error(tmp_path):
    p = tmp_path / "c.warc.gz"
    p.write_bytes(gzip.compress(b"just some text\n"))
    with pytest.raises(InputError, match=f"^{p}:1: not a valid WARC record"):
        read(p)


def record(payload: bytes, length: bytes | None = None) -> bytes:
    length = str(len(payload)).encode() if length is None else length
    return (b"WARC/1.0\r\nWARC-Type: conversion\r\nWARC-Record-ID: <urn:uuid:1>\r\n"
            b"Content-Length: " + length + b"\r\n\r\n" + payload + b"\r\n\r\n")


def test_a_bad_content_length_names_its_own_record(tmp_path):
    p = tmp_path / "c.warc"
    p.write_bytes(record(b"hello", b"zz"))
    with pytest.raises(InputError, match=f"^{p}:1: not a valid WARC record: Content-Length 'zz' is not a length"):
        read(p)
    p.write_bytes(record(b"first") + record(b"hello", b"9" * 30))
    with pytest.raises(InputError, match=f"^{p}:2: "):
        read(p)


def test_invalid_utf8_in_a_conversion_record_is_replaced_and_counted(tmp_path):
    p = tmp_path / "c.warc"
    p.write_bytes(record(b"Bad \xff byte, good \xc3\xa9 and \xef\xbf\xbd."))
    docs, counts = read(p)
    assert docs[0].text == "Bad \ufffd byte, good \u00e9 and \ufffd."
    assert counts["invalid_utf8_bytes"] == 1


def test_without_fastwarc_the_error_names_the_extra(tmp_path, monkeypatch):
    p = wet(tmp_path / "c.wet.gz", [("http://a.example/", "text")])
    monkeypatch.setitem(sys.modules, "fastwarc", None)
    with pytest.raises(ScrubberError, match=r"reading WARC/WET needs fastwarc.*pip install 'fastwarc>=2.0' 'resiliparse>=2.0'$"):
        read(p, on_error="skip")  # not bad input: skipping every file would hide it


@pytest.mark.parametrize("name, pack", [
    ("c.wet.zst", lambda b: __import__("zstandard").ZstdCompressor().compress(b)),
    ("c.wet.gz", lambda b: b),  # not compressed whatever the name says
    ("c.data", gzip.compress),  # compressed whatever the name says
    ("c.wet.bz2", lambda b: __import__("bz2").compress(b)),
    ("c.wet.xz", lambda b: __import__("lzma").compress(b)),
])
def test_compression_is_told_by_content_not_name(tmp_path, name, pack):
    plain = wet(tmp_path / "plain.wet", [("http://a.example/", "text")], gzip=False)
    p = tmp_path / name
    p.write_bytes(pack(plain.read_bytes()))
    docs, _ = read(p)
    assert [d.text for d in docs] == ["text"]


def test_resource_records_are_read_when_they_are_html(tmp_path):
    p = write_warc(tmp_path / "c.warc.gz", [
        ("resource", "file:///site/a.html", page("<p>A saved page.</p>"), "text/html", None),
        ("resource", "file:///site/logo.png", b"\x89PNG", "image/png", None),
    ])
    docs, counts = read(p)
    assert [d.text.strip() for d in docs] == ["A saved page."]
    assert counts["warc_skipped_not_html"] == 1


# --- HTTP payloads as crawlers keep them (wget, Heritrix): chunked, compressed

ARTICLE = page("<h1>City expands tram network</h1><p>" + "The city council voted on Tuesday "
               "to expand the tram network by twelve kilometres, officials said. " * 20 + "</p>")
ARTICLE_TEXT = ["City expands tram network", "The city council voted on Tuesday to expand "
                "the tram network by twelve kilometres, officials said. " * 19
                + "The city council voted on Tuesday to expand the tram network by twelve "
                "kilometres, officials said."]


def chunked(data: bytes, size: int = 100) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(data[i:i + size]), data[i:i + size])
                    for i in range(0, len(data), size)) + b"0\r\n\r\n"


def deflated(data: bytes, wbits: int) -> bytes:
    c = zlib.compressobj(wbits=wbits)
    return c.compress(data) + c.flush()


def encoded_warc(path, *payloads):
    """A WARC of HTML responses, one per (payload, HTTP headers)."""
    return write_warc(path, [("response", f"http://a.example/{i}", body, "text/html", 200, headers)
                             for i, (body, headers) in enumerate(payloads, 1)], gzip=False)


def lines(doc):
    return [ln.strip() for ln in doc.text.split("\n") if ln.strip()]


@pytest.mark.parametrize("coding, pack", [
    ("gzip", gzip.compress),
    ("x-gzip", gzip.compress),
    ("deflate", lambda b: deflated(b, 15)),  # zlib, as HTTP means it
    ("deflate", lambda b: deflated(b, -15)),  # raw, as some servers send it
    ("zstd", lambda b: __import__("zstandard").ZstdCompressor().compress(b)),
    ("gzip, gzip", lambda b: gzip.compress(gzip.compress(b))),
], ids=["gzip", "x-gzip", "deflate-zlib", "deflate-raw", "zstd", "gzip-twice"])
def test_a_compressed_payload_is_read_as_its_page(tmp_path, coding, pack):
    p = encoded_warc(tmp_path / "c.warc", (pack(ARTICLE), [("Content-Encoding", coding)]))
    docs, counts = read(p)
    assert [lines(d) for d in docs] == [ARTICLE_TEXT]
    assert counts["bad_inputs"] == 0


def test_a_chunked_payload_has_no_chunk_sizes_in_its_text(tmp_path):
    p = encoded_warc(tmp_path / "c.warc", (chunked(ARTICLE), [("Transfer-Encoding", "chunked")]))
    docs, _ = read(p)
    assert [lines(d) for d in docs] == [ARTICLE_TEXT]


def test_a_chunked_and_gzipped_payload_is_read_as_its_page(tmp_path):
    # header names in lower case, as HTTP/2 has them; codings in any case
    p = encoded_warc(tmp_path / "c.warc", (chunked(gzip.compress(ARTICLE), 64),
                                           [("content-encoding", "GZIP"), ("transfer-encoding", "chunked")]))
    docs, _ = read(p)
    assert [lines(d) for d in docs] == [ARTICLE_TEXT]


@pytest.mark.parametrize("body, headers, problem", [
    (b"\x1b\x2a\x00\xf8", [("Content-Encoding", "br")], "payload encoded with 'br', which scrubber does not undo"),
    (b"\x1f\x9d\x90<\x00", [("Content-Encoding", "compress")], "payload encoded with 'compress'"),
    (b"\x1f\x8b\x08\x00garbage, not deflate", [("Content-Encoding", "gzip")], "gzip payload does not decode"),
    (gzip.compress(ARTICLE)[:-40], [("Content-Encoding", "gzip")], "gzip payload cut short"),
    (chunked(ARTICLE)[:-300], [("Transfer-Encoding", "chunked")], "chunked payload cut short"),
], ids=["br", "compress", "corrupt-gzip", "cut-gzip", "cut-chunked"])
def test_a_payload_that_cannot_be_decoded_is_a_bad_record_not_garbage(tmp_path, body, headers, problem):
    p = encoded_warc(tmp_path / "c.warc", (body, headers), (ARTICLE, []))
    with pytest.raises(InputError, match=f"^{p}:1: {problem}"):
        read(p)
    docs, counts = read(p, on_error="skip")  # the record is left out, the file read on
    assert [d.meta["url"] for d in docs] == ["http://a.example/2"]
    assert counts["bad_inputs"] == 1


def test_a_payload_already_decoded_is_read_whatever_its_stale_header_says(tmp_path):
    # Tools that store decoded payloads may keep the header; the payload's
    # first bytes say it is not gzip (or chunked, or deflate) data.
    p = encoded_warc(tmp_path / "c.warc",
                     (ARTICLE, [("Content-Encoding", "gzip")]),
                     (ARTICLE, [("Content-Encoding", "deflate"), ("Transfer-Encoding", "chunked")]),
                     (gzip.compress(ARTICLE), [("Content-Encoding", "gzip")]))
    docs, counts = read(p)
    assert [lines(d) for d in docs] == [ARTICLE_TEXT] * 3
    assert counts["bad_inputs"] == 0


def test_a_decompression_bomb_is_over_the_document_limit_not_out_of_memory(tmp_path):
    bomb = gzip.compress(b"<html><body><p>" + b"bomb " * 20_000_000 + b"</p></body></html>", 1)
    p = encoded_warc(tmp_path / "c.warc", (bomb, [("Content-Encoding", "gzip")]), (ARTICLE, []))
    docs, counts = read(p)  # 100 MB inflated, against the default 10 MB limit
    assert [d.meta["url"] for d in docs] == ["http://a.example/2"]
    assert counts["documents_too_long"] == 1 and counts["bad_inputs"] == 0
    docs, counts = read(p, max_doc_bytes=5000, long_docs="truncate")  # the article's 2 kB fit
    assert docs[0].text.startswith("bomb bomb") and len(docs[0].text.encode()) <= 5000
    assert counts["documents_truncated"] == 1


def test_a_record_past_the_limit_is_never_held_whole(tmp_path):
    # A 5 GB conversion or response record was read whole (MemoryError);
    # now only the limit and a byte are held, the rest only counted, so a
    # page's HTML past the limit is over it (as an HTML file is) whatever
    # its text, and a cut record is still told.
    from scrubber.warc import _payload
    assert _payload(io.BytesIO(b"x" * 10_000), 101) == (b"x" * 101, 10_000)
    p = write_warc(tmp_path / "c.warc", [
        ("response", "http://a.example/1", page("<div></div>" * 300 + "<p>Short text</p>"), "text/html", 200),
        ("response", "http://a.example/2", page("<p>Kept</p>"), "text/html", 200)], gzip=False)
    docs, counts = read(p, max_doc_bytes=1000)
    assert [d.meta["url"] for d in docs] == ["http://a.example/2"] and counts["documents_too_long"] == 1
    docs, counts = read(p, max_doc_bytes=1000, long_docs="truncate")
    assert len(docs) == 2 and counts["documents_truncated"] == 1
    assert counts["bytes_in"] == sum(len(page(b)) for b in ("<div></div>" * 300 + "<p>Short text</p>", "<p>Kept</p>"))
    wet(p, [("http://a.example/", "x" * 5000)], gzip=False)
    p.write_bytes(p.read_bytes()[:-200])
    with pytest.raises(InputError, match=f"^{p}:2: truncated WARC record"):
        read(p, max_doc_bytes=1000)


@pytest.mark.parametrize("stdin", [False, True])
def test_a_damaged_gzip_member_says_the_rest_of_the_file_is_not_read(tmp_path, caplog, stdin):
    # "not a valid WARC record: Gzip decompression error (skipped)" read as if
    # one record were lost, where every record after it was.
    p = wet(tmp_path / "c.wet", [(f"http://a.example/{i}", f"page {i}") for i in range(6)], gzip=False)
    records = p.read_bytes().split(b"WARC/1.0\r\n")[1:]
    members = [gzip.compress(b"WARC/1.0\r\n" + r) for r in records]
    members[4] = members[4][:20] + bytes(b ^ 0xFF for b in members[4][20:30]) + members[4][30:]
    p = tmp_path / "c.warc.gz"
    p.write_bytes(b"".join(members))
    counts = Counter()
    reader = Reader(Config(on_error="skip"), counts, stdin=io.BytesIO(p.read_bytes()) if stdin else None)
    docs = list(reader.read_paths(["-" if stdin else str(p)]))
    assert len(docs) <= 3 and counts["bad_inputs"] == 1
    assert "the rest of the file is not read (skipped)" in caplog.text


def test_a_conversion_record_of_binary_junk_is_a_bad_record_not_a_document(tmp_path):
    # It was kept: a document of U+FFFD and stray characters.
    p = write_warc(tmp_path / "c.wet", [("conversion", "http://a.example/1", b"\x89PNG\x00\x00\xff" * 100, "text/plain", None),
                                        ("conversion", "http://a.example/2", b"Real text", "text/plain", None)], gzip=False)
    with pytest.raises(InputError, match=f"^{p}:1: binary record \\(contains NUL bytes\\), not text"):
        read(p)
    docs, counts = read(p, on_error="skip")
    assert [d.text for d in docs] == ["Real text"] and counts["bad_inputs"] == 1


def _zstd_frames(data):  # a frame per kB, as one cut can end only the last (as a block would)
    import zstandard

    return b"".join(zstandard.ZstdCompressor().compress(data[i:i + 1000]) for i in range(0, len(data), 1000))


@pytest.mark.parametrize("pack", [gzip.compress, _zstd_frames])
def test_a_cut_compressed_warc_on_stdin_keeps_the_records_before_the_cut(tmp_path, pack):
    # As a file on disk does: a cut download piped in loses its last record,
    # not the buffer of records fastwarc had asked for when the data ended.
    p = wet(tmp_path / "c.wet", [(f"http://a.example/{i}", f"page {i}") for i in range(200)], gzip=False)
    counts = Counter()
    stdin = io.BytesIO(pack(p.read_bytes())[:-30])
    docs = list(Reader(Config(on_error="skip"), counts, stdin=stdin).read_paths(["-"]))
    assert 198 <= len(docs) < 200 and docs[-1].text == f"page {len(docs) - 1}"
    assert counts["bad_inputs"] == 1
