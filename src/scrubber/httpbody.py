"""HTTP payloads as the server meant them: transfer and content codings undone.

wget and Heritrix write the HTTP stream as it came, so a WARC ``response``
record's payload may be chunked (``Transfer-Encoding: chunked``) and
compressed (``Content-Encoding: gzip``); read as it is, it is binary
garbage, or a page with the chunk sizes pasted into its text. Each coding
is undone here, in the order the server applied them in reverse, with the
standard library (zstd with zstandard, which scrubber needs anyway). A
coding that cannot be undone (``br``, ``compress``, anything unknown) or a
payload that does not decode raises ``BodyError``: the record is bad input,
never a guess.

A payload that does not start as its coding's data would is read as it is:
a tool that stored it decoded may have kept the header (Common Crawl, which
stores payloads decoded, renames it ``X-Crawler-Content-Encoding`` since
2018), and warcio reads such payloads the same way. Gzip and zstd data start with
their magic bytes, a chunked payload with a chunk-size line; deflate data
has no magic (the raw form), so a payload that is neither zlib nor raw
deflate is read as it is only when it starts as markup (``<``).

Output is bounded: with ``limit`` (``--max-doc-bytes``), decompression
stops one byte past it, so a decompression bomb costs at most that much
memory, and ``decode`` says the payload was cut.
"""

from __future__ import annotations

import re
import zlib

from .compression import GZIP_MAGIC, ZSTD_MAGIC

#: A chunk-size line (RFC 9112 7.1): hex digits, optional extensions, CRLF
#: (a bare LF accepted). Sixteen digits are more than any payload's length.
_CHUNK_SIZE = re.compile(rb"([0-9A-Fa-f]{1,16})[ \t]*(?:;[^\r\n]*)?\r?\n")

UNDONE = ("chunked", "gzip", "x-gzip", "deflate", "zstd", "identity")


class BodyError(ValueError):
    """A payload whose codings cannot be undone; the message says why."""


def codings(transfer: str | None, content: str | None) -> list[str]:
    """The codings to undo, in the order to undo them: the transfer codings
    (applied last by the server) first, each header's list read backwards.
    ``identity`` and empty entries are left out."""
    steps = []
    for header in (transfer, content):
        if header:
            steps += [c for c in (p.strip().lower() for p in reversed(header.split(",")))
                      if c and c != "identity"]
    return steps


def decode(body: bytes, steps: list[str], limit: int = 0, whole: bool = True) -> tuple[bytes, bool]:
    """``body`` with ``steps`` (from ``codings``) undone, and whether it was
    cut: longer than ``limit`` bytes (0: no limit), and then only its first
    ``limit + 1`` bytes are returned. ``whole=False``: ``body`` is only the
    payload's start (its record is past what is held), so it is cut, and
    decoded as far as it goes."""
    unknown = [c for c in steps if c not in UNDONE]
    if unknown:
        raise BodyError(f"payload encoded with {unknown[0]!r}, which scrubber does not undo "
                        "(it undoes chunked, gzip, deflate and zstd)")
    cut = not whole
    for coding in steps:
        if coding == "chunked":
            body = _dechunk(body, whole=not cut)
        else:
            body, over = _STEPS[coding](body, limit, not cut)
            cut = cut or over
    return body, cut


def _dechunk(data: bytes, whole: bool) -> bytes:
    """The chunks' data joined. ``whole``: the payload is all there, so
    one that ends before its last (empty) chunk was cut short."""
    if _CHUNK_SIZE.match(data) is None:
        return data  # no chunk size first: already de-chunked
    parts, pos = [], 0
    while True:
        if pos >= len(data):
            if whole:
                raise BodyError("chunked payload cut short: it ends before its last chunk")
            return b"".join(parts)
        m = _CHUNK_SIZE.match(data, pos)
        if m is None:
            if whole:
                raise BodyError(f"broken chunked encoding: no chunk size at byte {pos}")
            return b"".join(parts)
        size = int(m.group(1), 16)
        if size == 0:
            return b"".join(parts)  # trailer fields after it are no part of the page
        start, pos = m.end(), m.end() + size
        parts.append(data[start:pos])
        if data.startswith(b"\r\n", pos):
            pos += 2
        elif data.startswith(b"\n", pos):
            pos += 1
        elif pos < len(data):
            raise BodyError(f"broken chunked encoding: the chunk at byte {start} is not {size} bytes")


def _inflate(data: bytes, wbits: int, limit: int, whole: bool, name: str) -> tuple[bytes, bool]:
    """zlib's streams, member after member (gzip may have several), bounded.
    Bytes after the last stream that start no other are ignored, as gzip
    tools ignore them."""
    out, size = [], 0
    while True:
        d = zlib.decompressobj(wbits)
        try:
            part = d.decompress(data, limit + 1 - size if limit else 0)
        except zlib.error as e:
            raise BodyError(f"{name} payload does not decode ({e})") from None
        out.append(part)
        size += len(part)
        if limit and size > limit:
            return b"".join(out), True
        if not d.eof:
            if whole:
                raise BodyError(f"{name} payload cut short: its stream does not end")
            return b"".join(out), False
        data = d.unused_data
        if not (wbits == 31 and data.startswith(GZIP_MAGIC)):
            return b"".join(out), False


def _gzip(data: bytes, limit: int, whole: bool) -> tuple[bytes, bool]:
    if not data.startswith(GZIP_MAGIC):
        return data, False  # not gzip data: already decoded
    return _inflate(data, 31, limit, whole, "gzip")


def _deflate(data: bytes, limit: int, whole: bool) -> tuple[bytes, bool]:
    # HTTP's deflate is zlib data (RFC 9110 8.4.1.2), but servers have long
    # sent raw deflate instead; a zlib header tells which, though raw data
    # can start with two bytes that look like one.
    if len(data) >= 2 and data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0:
        try:
            return _inflate(data, 15, limit, whole, "deflate")
        except BodyError:
            pass
    try:
        return _inflate(data, -15, limit, whole, "deflate")
    except BodyError:
        if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] == b"<":
            return data, False  # markup, not deflate data: already decoded
        raise


def _zstd(data: bytes, limit: int, whole: bool) -> tuple[bytes, bool]:
    if not data.startswith(ZSTD_MAGIC):
        return data, False  # not zstd data: already decoded
    import zstandard

    # zstandard's decompressobj takes no output bound, so it is fed 128
    # bytes at a time: one call yields a few MB past the limit at most.
    out, size, pos = [], 0, 0
    d = zstandard.ZstdDecompressor().decompressobj()
    try:
        while pos < len(data):
            part = d.decompress(data[pos:pos + 128])
            pos += 128
            out.append(part)
            size += len(part)
            if limit and size > limit:
                return b"".join(out)[:limit + 1], True
            if d.eof:
                if d.unused_data.startswith(ZSTD_MAGIC):  # another frame
                    pos -= len(d.unused_data)
                    d = zstandard.ZstdDecompressor().decompressobj()
                    continue
                return b"".join(out), False
    except zstandard.ZstdError as e:
        raise BodyError(f"zstd payload does not decode ({e})") from None
    if whole:
        raise BodyError("zstd payload cut short: its frame does not end")
    return b"".join(out), False


_STEPS = {
    "gzip": _gzip,
    "x-gzip": _gzip,
    "deflate": _deflate,
    "zstd": _zstd,
}
