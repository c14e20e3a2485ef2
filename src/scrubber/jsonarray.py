"""A JSON array of records, read one record at a time.

Scrapy's ``-o items.json``, ``json.dump(records)`` and pandas'
``to_json(orient="records")`` write one array holding every record; read
whole, a file of several GB would be held in memory at once. ``items``
splits the array into its elements' bytes as it reads, following strings
and nesting only, so each element is parsed and checked as a JSONL line
is (``sources.Reader._read_jsonl``), and one longer than the bound costs
no more memory than it.
"""

from __future__ import annotations

import re
from typing import BinaryIO, Iterator

from .decoding import _TooLong
from .errors import InputError

#: Bytes read at a time.
CHUNK = 1 << 20
_WHITESPACE = b" \t\r\n"
#: What changes the nesting outside a string, or starts one.
_STRUCTURE = re.compile(rb'[][{}"]')
#: A string's characters and escapes, up to its closing quote (or a
#: backslash that ends the bytes read so far).
_STRING_BODY = re.compile(rb'(?:[^"\\]++|\\.)*+', re.S)
#: What ends a number, true, false or null.
_SCALAR_END = re.compile(rb"[],\s]")


class _Scan:
    """Where the scan of one element stands: how deep in arrays and
    objects, inside a string or not, after a backslash or not, a bare
    value (number, true, false, null) or not."""

    __slots__ = ("depth", "in_string", "escaped", "scalar")

    def __init__(self, first: int):
        self.depth = 1 if first in b"{[" else 0
        self.in_string = first == ord('"')
        self.escaped = False
        self.scalar = first not in b'{["'

    def end(self, buf: bytes, pos: int) -> int | None:
        """The index in ``buf`` just past the element, scanning from ``pos``
        (the element's first byte already taken in by ``__init__``, unless
        it is a bare value); None when it goes on past ``buf``, with this
        state then that of the end of ``buf``."""
        n = len(buf)
        while True:
            if self.in_string:
                if self.escaped:
                    if pos >= n:
                        return None
                    pos += 1
                    self.escaped = False
                pos = _STRING_BODY.match(buf, pos).end()
                if pos >= n:
                    return None
                if buf[pos] == 0x5C:  # a backslash that ends buf: its escaped byte comes next
                    self.escaped = True
                    pos += 1
                    continue
                pos += 1  # the closing quote
                self.in_string = False
                if self.depth == 0:
                    return pos
                continue
            if self.scalar:
                m = _SCALAR_END.search(buf, pos)
                return None if m is None else m.start()
            m = _STRUCTURE.search(buf, pos)
            if m is None:
                return None
            pos = m.end()
            c = buf[m.start()]
            if c == 0x22:
                self.in_string = True
            elif c in b"{[":
                self.depth += 1
            else:
                self.depth -= 1
                if self.depth == 0:
                    return pos


def items(fh: BinaryIO, where: str, limit: int = 0) -> Iterator[bytes | _TooLong]:
    """The elements of the JSON array ``fh`` holds (UTF-8, its ``[`` the
    first byte that is not whitespace), each as its bytes, or as
    ``_TooLong`` when over ``limit`` bytes (0: no limit). An array that
    is cut short, or elements not separated by commas, is an InputError
    naming the element (``where:N``, the Nth from 1), after the elements
    before it; so is anything but whitespace after the closing ``]``.
    Each element's JSON itself is left to the caller to parse."""
    buf, pos, count = b"", 0, 0

    def fill() -> bool:
        nonlocal buf, pos
        more = fh.read(CHUNK)
        buf, pos = buf[pos:] + more, 0
        return bool(more)

    def next_byte() -> int | None:
        """The next byte that is not whitespace, not consumed; None at the end."""
        nonlocal pos
        while True:
            while pos < len(buf) and buf[pos] in _WHITESPACE:
                pos += 1
            if pos < len(buf):
                return buf[pos]
            if not fill():
                return None

    if next_byte() != ord("["):
        raise InputError(where, "not a JSON array")
    pos += 1
    while True:
        c = next_byte()
        if c is None:
            raise InputError(f"{where}:{count + 1}", "the JSON array ends without its ']' "
                             "(a truncated file?)")
        if c == ord("]"):
            pos += 1
            break
        if count:
            if c != ord(","):
                raise InputError(f"{where}:{count + 1}", f"expected ',' or ']' after record {count} "
                                 f"of the JSON array, found {chr(c)!r}")
            pos += 1
            c = next_byte()
            if c == ord("]"):  # a trailing comma: harmless, and some writers leave one
                pos += 1
                break
            if c is None:
                continue  # said above, on the next turn
        count += 1
        if c == ord(","):
            raise InputError(f"{where}:{count}", "an empty element in the JSON array (two commas, "
                             "or one after '[')")
        scan = _Scan(c)
        start = pos
        pos += 0 if scan.scalar else 1
        parts: list[bytes] = []
        size, too_long = 0, False
        while True:
            end = scan.end(buf, pos)
            if end is not None:
                piece = buf[start:end]
                pos = end
                break
            piece = buf[start:]
            size += len(piece)
            if limit and size > limit:
                too_long, parts = True, []
            elif not too_long:
                parts.append(piece)
            pos = len(buf)
            start = 0
            if not fill():
                if scan.scalar:  # a bare value ends with the data
                    piece, end = b"", 0
                    break
                raise InputError(f"{where}:{count}", "the JSON array ends inside this record "
                                 "(a truncated file?)")
            pos, start = 0, 0
        size += len(piece)
        if too_long or (limit and size > limit):
            yield _TooLong(size)
        else:
            yield b"".join(parts) + piece if parts else piece
    while True:
        if buf[pos:].strip(_WHITESPACE):
            raise InputError(f"{where}:{count + 1}", "data after the JSON array's closing ']'")
        pos = len(buf)
        if not fill():
            return
