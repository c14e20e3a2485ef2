"""Bytes to text, and lines read with a bound.

Encodings are never fatal: UTF-8, UTF-16 and UTF-32 (with a byte-order
mark) are decoded, a legacy single-byte encoding is read as Latin-1, and
stray bytes become U+FFFD, each counted. Lines are read at most a bound
long, so an endless line cannot take all memory.
"""

from __future__ import annotations

import codecs
import io
import logging
from collections import Counter
from typing import BinaryIO, Iterator

from .compression import _corrupt_errors
from .errors import InputError

log = logging.getLogger("scrubber")
_SNIFF_BYTES = 8192

#: Formats a binary file or stream is named by when its first bytes say
#: which (and after them, for bzip2, its block's magic, so that no text
#: starting "BZh" is taken for it), so the error says what to do; any other
#: with NUL bytes is a "binary file". gzip, zstd, bzip2 and xz are read
#: (compression.py): these two name bzip2 and xz only where they were not
#: undone, as on standard input whose first line ended inside their magic.
_MAGIC = (
    (b"BZh", b"1AY&SY", "bzip2-compressed data", "decompress it first (bzcat FILE | scrubber clean -)"),
    (b"\xfd7zXZ\x00", b"", "xz-compressed data", "decompress it first (xzcat FILE | scrubber clean -)"),
    (b"PK\x03\x04", b"", "a ZIP archive", "unpack it first"),
    (b"7z\xbc\xaf\x27\x1c", b"", "a 7-Zip archive", "unpack it first"),
    (b"%PDF-", b"", "a PDF document", "extract its text first"),
)


def binary_kind(data: bytes) -> str | None:
    """Why ``data`` is not text, when its first bytes name one of
    ``_MAGIC``'s formats."""
    for head, then, name, advice in _MAGIC:
        if data.startswith(head) and data[len(head) + 1:len(head) + 1 + len(then)] == then:
            return f"{name}, which scrubber does not read: {advice}"
    return None


def not_text(head: bytes) -> str | None:
    """Why a document whose first bytes are ``head`` is no text (a format
    ``_MAGIC`` names, or NUL bytes without a UTF-16/32 byte-order mark),
    else None. Told from the first ``_SNIFF_BYTES``, so a binary file is
    refused whatever its size, before the rest is read."""
    if wide_encoding(head):
        return None
    kind = binary_kind(head)
    if kind:
        return kind
    if b"\x00" in head[:_SNIFF_BYTES]:
        return "binary file (contains NUL bytes), not text"
    return None


def decode(data: bytes, where: str, counts: Counter) -> str:
    """Bytes of one text document to a string, never failing on encoding.

    UTF-8 is expected; UTF-16 and UTF-32 are read when a byte-order mark
    says so (Windows tools write them). Text with stray invalid bytes keeps
    its UTF-8 and gets U+FFFD for each bad byte; text with more invalid
    sequences than valid multibyte characters is a legacy single-byte
    encoding and is read as Latin-1 (``utf8_or_legacy``). NUL bytes
    without a byte-order mark mean a binary file, which is an error.
    """
    wide = wide_encoding(data)
    if wide:
        text = data.decode(wide, "replace")
        counts["invalid_utf8_bytes"] += text.count("\ufffd") - data.decode(wide, "ignore").count("\ufffd")
        return text
    problem = not_text(data)
    if problem:
        raise InputError(where, problem)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text, bad, legacy = utf8_or_legacy(data)
    if legacy:
        counts["legacy_encoding_files"] += 1
        log.warning("%s: not UTF-8; read as Latin-1/Windows-1252", where)
        return text
    counts["invalid_utf8_bytes"] += bad
    log.warning("%s: %d invalid UTF-8 byte sequence(s) replaced with U+FFFD", where, bad)
    return text


def utf8_or_legacy(data: bytes) -> tuple[str, int, bool]:
    """Bytes that are not valid UTF-8 as (text, invalid sequences, whether
    read as Latin-1). UTF-8 with a few stray bytes has many more valid
    multibyte characters than invalid sequences; Latin-1 or Windows-1252
    text has accented letters that are invalid as UTF-8, and at most a rare
    pair of them that happens to be valid ("É»"). So text with more invalid
    sequences than valid non-ASCII characters is read as Latin-1 (ftfy then
    maps C1 controls to their Windows-1252 characters)."""
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII, not U+FFFD
    if bad > good:
        return data.decode("latin-1"), 0, True
    return text, bad, False


def utf8_text(data: bytes, counts: Counter) -> str:
    """The bytes of one record's text (a WARC conversion record, a parquet
    binary column) as UTF-8, each invalid byte sequence U+FFFD, counted
    (``invalid_utf8_bytes``) as in a JSONL line."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", "replace")
        counts["invalid_utf8_bytes"] += text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
        return text


# Longest first: a UTF-32-LE mark begins with the UTF-16-LE one.
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def wide_encoding(head: bytes) -> str | None:
    """``utf-16`` or ``utf-32`` when ``head`` begins with its byte-order
    mark (the codec then reads the mark and its byte order), else None."""
    for bom, name in _BOMS:
        if head.startswith(bom):
            return name
    return None


def _bom_head(fh: BinaryIO) -> bytes:
    """The first bytes of ``fh`` without consuming them; nothing when it
    cannot peek or reading fails (reading it then says why)."""
    try:
        return fh.peek(4)[:4] if hasattr(fh, "peek") else b""
    except (OSError, *_corrupt_errors()):
        return b""


def _utf8_lines(fh: BinaryIO, encoding: str, limit: int) -> Iterator:
    """The lines of a UTF-16 or UTF-32 stream, as UTF-8 (bounded in
    characters as ``_bounded_lines`` bounds bytes)."""
    text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="\n")
    for line in _bounded_lines(lambda n: text.readline(n).encode("utf-8"), limit):
        yield line


class _Utf8Raw(io.RawIOBase):
    """A UTF-16 or UTF-32 stream (with its byte-order mark) as UTF-8 bytes,
    decoded as ``_utf8_lines`` decodes a file's lines: for standard input,
    which is told JSONL or text by its first line, in UTF-8."""

    def __init__(self, fh: BinaryIO, encoding: str):
        self._text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
        self._out = b""

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while not self._out:
            chunk = self._text.read(1 << 14)
            if not chunk:
                return 0
            self._out = chunk.encode("utf-8")
        n = min(len(b), len(self._out))
        b[:n], self._out = self._out[:n], self._out[n:]
        return n


def utf8_stream(fh: BinaryIO, head: bytes) -> BinaryIO:
    """``fh``, whose first bytes are ``head``, as UTF-8 bytes: a UTF-8
    byte-order mark read past, UTF-16 and UTF-32 (by their mark) re-encoded,
    anything else as it is."""
    wide = wide_encoding(head)
    if wide:
        return io.BufferedReader(_Utf8Raw(fh, wide), 1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        fh.read(len(codecs.BOM_UTF8))
    return fh


def _lines_until(fh: BinaryIO, pos: int, end: int, limit: int = 0) -> Iterator:
    """Lines of ``fh`` (positioned at ``pos``) that begin before ``end``,
    as ``_bounded_lines`` gives them."""
    for raw in _bounded_lines(fh.readline, limit):
        if pos >= end:
            return
        pos += raw.size if type(raw) is _TooLong else len(raw)
        yield raw


class _TooLong:
    """Stands for a line longer than the bound, read and thrown away."""

    __slots__ = ("size",)

    def __init__(self, size: int):
        self.size = size


def line_limit(max_doc_bytes: int) -> int:
    """Longest JSONL line read, in bytes (0: no limit): room for a text of
    ``max_doc_bytes`` with JSON escapes (a \\uXXXX is 6 bytes for a
    character of 2 or 3) and its other fields."""
    return 3 * max_doc_bytes + (1 << 16) if max_doc_bytes else 0


def _bounded_lines(readline, limit: int) -> Iterator:
    """Lines from ``readline``, each held whole only up to ``limit`` bytes:
    a longer one is read on in pieces, dropped, and given as ``_TooLong``,
    so an endless line costs no more memory than the limit."""
    if not limit:
        yield from iter(readline, b"")
        return
    while True:
        raw = readline(limit + 1)
        if not raw:
            return
        if len(raw) <= limit or raw.endswith(b"\n"):
            yield raw
            continue
        size = len(raw)
        while raw and not raw.endswith(b"\n"):
            raw = readline(1 << 20)
            size += len(raw)
        yield _TooLong(size)


def _cut_bytes(data: bytes, limit: int) -> bytes:
    """The first ``limit`` bytes of a text, cut back to its last line
    break; without one, to its last space (a word is not cut in two), and
    without a space either (Chinese, a dump), to its last whole character.
    UTF-16 and UTF-32 (with their byte-order mark) stay in their encoding."""
    wide = wide_encoding(data[:4])
    if wide:
        text = data[:limit].decode(wide, "ignore")
        i = text.rfind("\n")
        if i <= 0:
            i = text.rfind(" ")
        return (text[:i] if i > 0 else text).encode(wide)
    head = data[:limit]
    i = head.rfind(b"\n")
    if i <= 0:
        i = head.rfind(b" ")
    if i > 0:
        return head[:i]
    j = len(head) - 1  # back to the lead byte of the last character
    while j > 0 and len(head) - j < 4 and head[j] & 0xC0 == 0x80:
        j -= 1
    lead = head[j] if head else 0
    need = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return head[:j] if len(head) - j < need else head
