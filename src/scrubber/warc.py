"""WARC and WET files: their records as text with id, url and date.

A WET file (Common Crawl's ``*.warc.wet.gz``) holds ``conversion`` records
whose payload is already text; a WARC file holds ``response`` records whose
payload is an HTTP response, which for an HTML page is converted to text as
WET does (``htmltext.py``). Everything else (``warcinfo``, ``request``,
``metadata``, ``revisit``, responses that are not HTML or not 2xx) is
skipped and counted under ``warc_skipped_<why>``, so a run says what it did
not read. Parsed with fastwarc 2 (the ``warc`` extra), which
streams record by record and, given a path, reads and inflates gzip or
zstd in Rust without passing the bytes through Python. A response's HTTP
payload is read as the server meant it: chunking and compression that a
crawler kept (wget and Heritrix do) are undone first (``httpbody.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import BinaryIO, Callable, Iterator

from . import htmltext, httpbody
from .compression import _corrupt_errors
from .decoding import _SNIFF_BYTES, _cut_bytes, not_text, utf8_text, wide_encoding
from .errors import InputError
from .extras import need

_HTML_TYPES = ("text/html", "application/xhtml+xml")

#: Said of an error after which fastwarc cannot find the next record.
_REST = "the rest of the file is not read"

#: fastwarc's messages for gzip and zstd data it cannot inflate.
_INFLATING = re.compile(r"decompress|checksum|gzip|zstd", re.I)


def records(stream: BinaryIO | str, where: str, counts: Counter,
            text_field: str = "text", id_field: str = "id", *, max_bytes: int = 0,
            truncate: bool = False, bad: Callable[[InputError], None] | None = None,
            too_long: Callable[[str], None] | None = None) -> Iterator[tuple[int, dict, str]]:
    """(ordinal, fields, text) per text-bearing record of a WARC or WET
    stream (or local path), in file order. Ordinals count every record from
    1, so ``where:ordinal`` names the record in messages. ``fields`` is
    ``{id, url, date, text: None}`` (``url`` and ``date`` when the record
    has them; ``text`` keeps the field's place in the output record).

    A response whose payload's codings cannot be undone is handed to
    ``bad`` (default: raised) and the file read on; one that decodes to
    more than ``max_bytes`` (0: no limit) is cut to fit with ``truncate``,
    else handed to ``too_long`` (default: only counted) and left out."""
    need("fastwarc", "warc", where, "reading WARC/WET")
    from fastwarc.warc import ArchiveIterator

    n = skipped = size = 0
    try:
        # Each header look-up costs about a microsecond in fastwarc, as much
        # as parsing the record: each is made once, and only for records read.
        # Records are not kept past the loop body, so one object is reused.
        native = _native(stream)
        for rec in ArchiveIterator(native, parse_http=True, inplace=True,
                                   fsspec_args=False, stream_detect=False):
            n += 1
            if rec.content_length == 0:
                _check_length(rec, f"{where}:{n}")
            kind = str(rec.record_type)  # fastwarc 2: the bare name
            charset = steps = None
            if kind == "response":
                http = rec.http_headers
                why = _skip_response(rec, http)
                if why:
                    skipped += 1
                    counts[f"warc_skipped_{why}"] += 1
                    _skip(rec, where, n)
                    continue
                charset = rec.http_charset
                if _coded(http):
                    steps = httpbody.codings(", ".join(http.get_multiple("Transfer-Encoding")),
                                             ", ".join(http.get_multiple("Content-Encoding")))
            elif kind == "resource":
                if _mime(rec.headers.get("Content-Type")) not in _HTML_TYPES:
                    skipped += 1
                    counts["warc_skipped_not_html"] += 1
                    _skip(rec, where, n)
                    continue
            elif kind != "conversion":
                skipped += 1
                counts[f"warc_skipped_{kind}"] += 1
                _skip(rec, where, n)
                continue
            data, length = _payload(rec.reader, _read_bound(max_bytes, steps))
            size += length
            if length < rec.content_length:
                raise InputError(f"{where}:{n}", "truncated WARC record "
                                 f"({length} of {rec.content_length} bytes); {_REST}")
            cut = len(data) < length  # past the bound: never held whole
            if steps:
                try:
                    data, cut = httpbody.decode(data, steps, max_bytes, whole=not cut)
                except httpbody.BodyError as e:
                    # The record is bad, its file is not: the next record is read.
                    err = InputError(f"{where}:{n}", str(e))
                    if bad is None:
                        raise err from None
                    bad(err)
                    continue
            if cut and not truncate:
                if too_long is None:
                    counts["documents_too_long"] += 1
                else:
                    too_long(f"{where}:{n}")
                continue
            if cut:  # as an HTML file over the limit is cut
                counts["documents_truncated"] += 1
                data = _cut_bytes(data, max_bytes)
            if kind == "conversion":
                problem = not_text(data[:_SNIFF_BYTES])
                if problem:  # WET text is UTF-8: NUL bytes are junk, not a page
                    err = InputError(f"{where}:{n}", problem.replace("file", "record", 1))
                    if bad is None:
                        raise err
                    bad(err)
                    continue
                text = utf8_text(data, counts)
            elif _binary(data[:_SNIFF_BYTES], charset):
                # A PNG or a gzip body a server sent as text/html: not a page,
                # as an image response is not (extracted, it was a document of
                # junk). See _binary for how a UTF-16 page or a page with a few
                # stray NULs stays a page.
                skipped += 1
                counts["warc_skipped_binary"] += 1
                continue
            else:
                if charset is None:
                    charset = _utf16(data[:_SNIFF_BYTES])  # no mark, no charset: the NULs tell
                text = htmltext.to_text(data, where, charset)
            h = rec.headers
            fields = {id_field: rec.record_id or f"{where}:{n}"}
            url = h.get("WARC-Target-URI")
            if url is not None:
                fields["url"] = url
            date = h.get("WARC-Date")
            if date is not None:
                fields["date"] = date
            fields[text_field] = None
            yield n, fields, text
        error = getattr(native, "error", None)
        if error is not None:  # cut where a record ended
            # A cut (EOFError) keeps what came before it; other damage is
            # told only by a checksum, after the data was inflated into records.
            rest = "" if isinstance(error, EOFError) else (
                f"; {'records before it may be garbled, ' if n else ''}{_REST}")
            raise InputError(f"{where}:{n + 1}", f"corrupt compressed data: {error}{rest}")
    except OSError as e:  # fastwarc's message for a header or a gzip/zstd block it cannot read
        # fastwarc cannot find the next record after either: without these
        # words, "(skipped)" read as if only this record were lost.
        what = "corrupt compressed data" if _INFLATING.search(str(e)) else "not a valid WARC record"
        raise InputError(f"{where}:{n + 1}", f"{what}: {e}; {_REST}") from None
    finally:
        counts["warc_records_skipped"] += skipped
        counts["bytes_in"] += size


def _read_bound(max_bytes: int, steps: list[str] | None) -> int:
    """How many bytes of a record's payload are held (0: all). A payload
    past ``max_bytes`` is a document past it, as an HTML file is, so one
    byte more tells; a coded payload (chunked, compressed) is judged once
    decoded, so twice the limit (and 64 kB for chunk sizes) is held: a
    compressed page that big inflates past the limit anyway."""
    if not max_bytes:
        return 0
    return 2 * max_bytes + (1 << 16) if steps else max_bytes + 1


#: Magic bytes of what servers send as text/html and is not a page: images,
#: fonts, media, archives and compressed bodies without their
#: Content-Encoding. Each has a byte no text has: "ID3", "BZh" or "OggS"
#: open ordinary sentences too ("ID3 tags explained").
_BINARY = (b"\x89PNG", b"\xff\xd8\xff", b"\x1f\x8b", b"\x28\xb5\x2f\xfd", b"\xfd7zXZ\x00",
           b"PK\x03\x04", b"\x00asm", b"7z\xbc\xaf\x27\x1c", b"\x00\x00\x01\x00", b"%PDF-")
#: NUL bytes in a body's first bytes that make it binary, unless they fall
#: as UTF-16 puts them (every other byte): a stray NUL in markup is a page.
_NULS = 8


def _utf16(head: bytes) -> str | None:
    """``utf-16-le`` or ``utf-16-be`` when most of ``head``'s NUL bytes (at
    least ``_NULS``) pair with a printable ASCII byte on the side UTF-16
    puts it: its markup and Latin letters are such pairs. A Han character
    may hold a NUL too (一 is 00 4E), a binary format's NULs seldom pair so."""
    nuls = head.count(0)
    if nuls < _NULS:
        return None
    even, odd = head[0::2], head[1::2]
    le = sum(1 for a, z in zip(even, odd) if z == 0 and 9 <= a < 127)
    be = sum(1 for z, a in zip(even, odd) if z == 0 and 9 <= a < 127)
    if le >= 0.5 * nuls and le > be:
        return "utf-16-le"
    if be >= 0.5 * nuls and be > le:
        return "utf-16-be"
    return None


def _binary(head: bytes, charset: str | None = None) -> bool:
    """Whether a page body is binary: a format's magic bytes (an MP4's after
    its box size, a WebP's after RIFF's), or NUL bytes, more than a stray
    few (``_NULS``, and a 64th of ``head``: a broken server's padding), not
    laid out as UTF-16. A body with a UTF-16 or UTF-32 byte-order mark, or
    such a declared ``charset``, is told by magic bytes only: its NULs are
    its encoding's (a Chinese or Russian page's fall beside its markup
    alone; UTF-32's, three to a character)."""
    if head.startswith(_BINARY) or head[4:8] == b"ftyp" or (head[:4] == b"RIFF" and head[8:12] == b"WEBP"):
        return True
    if wide_encoding(head[:4]) or (charset and charset.lower().replace("-", "").startswith(("utf16", "utf32"))):
        return False
    return head.count(0) >= max(_NULS, len(head) // 64) and _utf16(head) is None


def _skip(rec, where: str, n: int) -> None:
    """Read past a record scrubber does not keep, checking its length: a
    file cut inside a skipped record (a request, a metadata record, an
    image) was read to its cut with no word, as if whole, when fastwarc
    skipped it."""
    length = sum(map(len, iter(lambda: rec.reader.read(1 << 20), b"")))
    if length < rec.content_length:
        raise InputError(f"{where}:{n}", f"truncated WARC record ({length} of {rec.content_length} bytes); {_REST}")


def _payload(reader, bound: int) -> tuple[bytes, int]:
    """The first ``bound`` bytes of a record's payload (all with 0), and
    its length: the rest is read only to be counted, a MB at a time, so a
    5 GB record costs no more memory than ``bound``, and a cut one is
    still told by its length."""
    if not bound:
        data = reader.read()
        return data, len(data)
    data = reader.read(bound)
    length = len(data)
    if length == bound:
        length += sum(map(len, iter(lambda: reader.read(1 << 20), b"")))
    return data, length


def _native(stream: BinaryIO | str):
    """What fastwarc should read for ``stream``: a local path is read and
    inflated in Rust, by the file's magic bytes (fastwarc's own detection
    goes by the name) and not through fsspec (which fastwarc uses whenever
    it is installed); a stream is already decompressed by scrubber."""
    if not isinstance(stream, str):
        return _Told(stream)
    from fastwarc.stream_io import GzipReader, ZstdReader

    with open(stream, "rb") as f:
        head = f.read(4)
    if head.startswith(b"\x1f\x8b"):
        return GzipReader(stream, fsspec_args=False)
    if head == b"\x28\xb5\x2f\xfd":
        return ZstdReader(stream, fsspec_args=False)
    return stream


class _Told:
    """A stream that says how far it has been read. fastwarc asks a Python
    stream its ``tell()`` (and then only reads it); standard input, a pipe
    or a decompressing stream cannot answer that by seeking, and fastwarc
    panicked where they raised.

    Compressed data that is cut short or corrupt ends the stream where it
    breaks, and the error is kept in ``error``: raised from ``read``, it
    took with it the bytes of that read (fastwarc asks for many records'
    worth), so the records before the damage were lost, where a file on
    disk keeps them."""

    def __init__(self, fh: BinaryIO):
        self._fh, self._pos = fh, 0
        self._read1 = getattr(fh, "read1", None)
        self.error: Exception | None = None

    def read(self, n: int = -1) -> bytes:
        if self.error is not None:
            return b""
        parts, size = [], 0
        try:
            if n < 0 or self._read1 is None:
                parts.append(self._fh.read(n))
            else:
                # read1 returns what one read decodes, so an error loses nothing
                while size < n:
                    part = self._read1(n - size)
                    if not part:
                        break
                    parts.append(part)
                    size += len(part)
        except _corrupt_errors() as e:
            self.error = e
        data = b"".join(parts)
        self._pos += len(data)
        return data

    def tell(self) -> int:
        return self._pos


def _check_length(rec, where: str) -> None:
    """fastwarc reads a Content-Length that is not a number (or too big
    for one) as 0 and then fails on the payload as the next record's
    header, naming the record after the bad one: the bad one is named
    instead. Only records of length 0 (after any HTTP header) are looked
    at: a header look-up costs as much as the parse."""
    length = rec.headers.get("Content-Length")
    if length is None:
        raise InputError(where, f"not a valid WARC record: it has no Content-Length; {_REST}")
    if not length.strip().isdigit() or int(length) >= 1 << 63:
        raise InputError(where, f"not a valid WARC record: Content-Length {length!r} is not a length; {_REST}")


def _coded(http) -> bool:
    """Whether the HTTP headers name a transfer or content coding (either
    may be repeated, hence ``get_multiple`` after). One pass over the names
    costs about 1 us, two look-ups 3.5: a page without the headers (nearly
    all, and every page of Common Crawl) pays only that. The payload cannot
    tell instead: brotli or raw deflate data may start with "<" as a page
    does."""
    names = b"\n%b\n" % b"\n".join(http.keys_bytes()).lower()
    return b"\ntransfer-encoding\n" in names or b"\ncontent-encoding\n" in names


def _mime(content_type: str | None) -> str:
    return (content_type or "").split(";", 1)[0].strip().lower()


def _skip_response(rec, http) -> str | None:
    """Why a response record is not a page to read, or None. ``http``:
    its HTTP headers (each ``rec.http_headers`` makes a new object)."""
    status = http.status_code if http is not None else None
    if status is None or not 200 <= status < 300:
        return "not_ok"
    if _mime(rec.http_content_type) not in _HTML_TYPES:
        return "not_html"
    return None
