"""Reading documents: directories, text files, JSONL (plain, .gz, .zst), stdin.

This is the input edge: bytes, decompression, decoding and every message
about bad input live here; the rest of scrubber sees ``Document`` objects.
Order is deterministic: paths in the order given, directories walked in
sorted order, records in file order.
"""

from __future__ import annotations

import codecs
import dataclasses
import gzip
import io
import json
import logging
import os
import sys
import zlib
from collections import Counter
from typing import BinaryIO, Iterable, Iterator

import orjson

from . import files, sinks
from .config import Config
from .document import Document
from .errors import InputError

log = logging.getLogger("scrubber")

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
COMPRESSIONS = ("", ".gz", ".zst", ".zstd")
_SNIFF_BYTES = 8192


def kind_of(name: str) -> str | None:
    """``jsonl``, ``text`` or None (not a document file), from the file name."""
    low = name.lower()
    for comp in COMPRESSIONS:
        if comp and not low.endswith(comp):
            continue
        stem = low[: len(low) - len(comp)] if comp else low
        if stem.endswith(JSONL_SUFFIXES):
            return "jsonl"
        if stem.endswith(TEXT_SUFFIXES):
            return "text"
    return None


def _open_binary(path: str) -> BinaryIO:
    low = path.lower()
    if low.endswith(".gz"):
        return files.open_raw(path, "gzip") if files.is_url(path) else gzip.open(path, "rb")
    if low.endswith((".zst", ".zstd")):
        return io.BufferedReader(_Zstd(files.open_raw(path)))  # line iteration
    return files.open_raw(path)


class _Zstd(io.RawIOBase):
    """The decompressed bytes of a .zst file, frame after frame.

    zstandard's own stream reader ends quietly where a cut file ends, even
    inside a frame: a truncated crawl read as complete. This one raises
    ``EOFError`` there, as gzip does.
    """

    _CHUNK = 1 << 16

    def __init__(self, raw: BinaryIO):
        import zstandard

        self._raw, self._dctx = raw, zstandard.ZstdDecompressor()
        self._obj = None    # the frame being decompressed
        self._out = b""     # decompressed, not yet read
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self._pos == len(self._out):
            data = self._raw.read(self._CHUNK)
            if not data:
                if self._obj is not None:
                    raise EOFError("file ends inside a zstd frame (truncated?)")
                return 0
            self._out, self._pos = self._feed(data), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def _feed(self, data: bytes) -> bytes:
        out = []
        while data:
            if self._obj is None:
                self._obj = self._dctx.decompressobj()
            out.append(self._obj.decompress(data))
            data = b""
            if self._obj.eof:  # a frame ended; what follows is the next one
                data, self._obj = self._obj.unused_data, None
        return b"".join(out)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _corrupt_errors() -> tuple[type[BaseException], ...]:
    # Only a .zst input, whose opener imported zstandard, can raise its
    # error; importing it here instead failed when a reading generator was
    # closed at interpreter exit ("sys.meta_path is None").
    zstd = sys.modules.get("zstandard")
    return (EOFError, gzip.BadGzipFile, zlib.error) + ((zstd.ZstdError,) if zstd else ())


def decode(data: bytes, where: str, counts: Counter) -> str:
    """Bytes of one text document to a string, never failing on encoding.

    UTF-8 is expected; UTF-16 and UTF-32 are read when a byte-order mark
    says so (Windows tools write them). Text with stray invalid bytes keeps
    its UTF-8 and gets U+FFFD for each bad byte; text with no valid UTF-8
    multibyte sequence at all is a legacy single-byte encoding and is read
    as Latin-1 (ftfy then turns C1 controls into their Windows-1252
    characters). NUL bytes without a byte-order mark mean a binary file,
    which is an error.
    """
    wide = wide_encoding(data)
    if wide:
        text = data.decode(wide, "replace")
        counts["invalid_utf8_bytes"] += text.count("\ufffd") - data.decode(wide, "ignore").count("\ufffd")
        return text
    if b"\x00" in data[:_SNIFF_BYTES]:
        raise InputError(where, "binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd") - data.count(b"\xef\xbf\xbd")
    if all(ch == "\ufffd" or ch < "\x80" for ch in text):
        counts["legacy_encoding_files"] += 1
        log.warning("%s: not UTF-8; read as Latin-1/Windows-1252", where)
        return data.decode("latin-1")
    counts["invalid_utf8_bytes"] += bad
    log.warning("%s: %d invalid UTF-8 byte sequence(s) replaced with U+FFFD", where, bad)
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


def _peek(fh: BinaryIO) -> bytes:
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


class Reader:
    """Turns paths (or records) into documents under one configuration.

    Bad input raises ``InputError`` when ``config.on_error == "fail"``; with
    ``skip`` it is logged as a warning and counted in ``counts["bad_inputs"]``.
    """

    def __init__(self, config: Config, counts: Counter | None = None,
                 stdin: BinaryIO | None = None):
        self.config = config
        self.counts = counts if counts is not None else Counter()
        self.stdin = stdin

    # --- error policy ---------------------------------------------------
    def _bad(self, err: InputError) -> None:
        if self.config.on_error == "fail":
            raise err
        self.counts["bad_inputs"] += 1
        log.warning("%s (skipped)", err)

    # --- entry points ---------------------------------------------------
    def read_paths(self, paths: Iterable[str]) -> Iterator[Document]:
        return self.unique(self._read_paths(paths))

    def _read_paths(self, paths: Iterable[str]) -> Iterator[Document]:
        for path, doc_id in self.plan(paths):
            if path == "-":
                yield from self.read_stdin()
            else:
                yield from self.read_file(path, doc_id)

    def records(self, records: Iterable[object]) -> Iterator[Document]:
        """Records given as Python objects (``clean()``), named ``<record N>``,
        under the same error policy as records read from a file."""
        for n, rec in enumerate(records, 1):
            try:
                doc = self._sized(self.record_to_document(rec, f"<record {n}>"))
            except InputError as e:
                self._bad(e)
                continue
            if doc is not None:
                yield doc

    def unique(self, docs: Iterable[Document]) -> Iterator[Document]:
        """``docs``, where with ``--index`` an id seen before is a bad record:
        the index keeps one document per id, and which of two to keep is
        not scrubber's guess to make."""
        if not self.config.index:
            yield from docs
            return
        seen: set[str] = set()
        for doc in docs:
            if doc.id in seen:
                self._bad(InputError(doc.origin or doc.id, f"id {doc.id!r} is used by an earlier "
                                     "document (ids must be unique with --index)"))
                continue
            seen.add(doc.id)
            yield doc

    def plan(self, paths: Iterable[str]) -> list[tuple[str, str]]:
        """The files ``read_paths`` reads, in its order, as (path, id) pairs:
        directories expanded (sorted by path components), ``-`` kept as is.
        A typo in a path fails here, before any work starts."""
        paths = list(paths)
        found = {}
        for p in paths:
            if p != "-":
                try:
                    found[p] = files.exists(p)
                except InputError as e:
                    self._bad(e)
                    found[p] = False
                    continue
                if not found[p]:
                    self._bad(InputError(p, "no such file or directory"))
        out = []
        for p in paths:
            if p == "-":
                out.append(("-", "stdin"))
            elif not found[p]:
                continue
            elif files.isdir(p):
                out += self._walk(p)
            else:
                out.append((p, p.rstrip("/").rsplit("/", 1)[-1] if files.is_url(p) else os.path.basename(p)))
        return out

    def _walk(self, root: str) -> list[tuple[str, str]]:
        found, ignored, unreadable, special = [], [], [], []
        for parts, path in files.walk(root, unreadable, special):
            (found if kind_of(parts[-1]) else ignored).append((parts, path, "/".join(parts)))
        for path, e in sorted(unreadable, key=lambda x: x[0]):
            self._bad(InputError(path, f"cannot read directory: {e.strerror or e}"))
        if special:
            self.counts["files_ignored"] += len(special)
            log.warning("%s: ignored %d file(s) that are not regular files (a FIFO, socket or "
                        "device; e.g. %s)", root, len(special), min(special))
        if ignored:
            self.counts["files_ignored"] += len(ignored)
            log.warning("%s: ignored %d file(s) that are not .txt/.md/.jsonl (e.g. %s)",
                        root, len(ignored), min(ignored)[1])
        elif not (found or special or unreadable):
            # likely a wrong directory; say so rather than report 0 documents
            log.warning("%s: no files in this directory", root)
        # sorted by path components: a.md, b/2.txt, c.txt, whatever the walk order
        return [(path, rel) for _, path, rel in sorted(found)]

    def read_file(self, path: str, doc_id: str) -> Iterator[Document]:
        kind = kind_of(path) or "text"
        if self.config.input_format != "auto":
            kind = self.config.input_format
        try:
            fh = _open_binary(path)
        except PermissionError:
            return self._bad(InputError(path, "permission denied"))
        except IsADirectoryError:
            return self._bad(InputError(path, "is a directory"))
        except OSError as e:
            return self._bad(InputError(path, f"cannot open: {e.strerror or e}"))
        with fh:
            self.counts["files"] += 1
            if kind == "jsonl":
                wide = wide_encoding(_peek(fh))
                lines = _utf8_lines(fh, wide, line_limit(self.config.max_doc_bytes)) if wide else fh
                yield from self._read_jsonl(lines, path)
            else:
                doc = self._read_text(fh, path, doc_id)
                if doc is not None:
                    yield doc

    def read_stdin(self) -> Iterator[Document]:
        fh = self.stdin if self.stdin is not None else sys.stdin.buffer
        fmt = self.config.input_format
        if fmt == "auto":
            limit = line_limit(self.config.max_doc_bytes) or -1
            head = first = fh.readline(limit + 1)
            while first and not first.strip():
                first = fh.readline(limit + 1)
                head += first
            # Nothing at all is no documents, as an empty JSONL file is: a
            # pipeline whose upstream stage found nothing is not an error.
            # A first line past the bound is JSONL if it starts as a record.
            whole = first.endswith(b"\n") or len(first) <= limit
            fmt = "jsonl" if not first or (_is_json_object(first) if whole else
                                           first.lstrip().startswith(b"{")) else "text"
            fh = _Prefixed(head, fh)
        if fmt == "jsonl":
            yield from self._read_jsonl(fh, "<stdin>")
        else:
            doc = self._read_text(fh, "<stdin>", "stdin")
            if doc is not None:
                yield doc

    # --- formats --------------------------------------------------------
    def _read_text(self, fh: BinaryIO, where: str, doc_id: str) -> Document | None:
        limit = self.config.max_doc_bytes
        try:
            data = fh.read(limit + 1) if limit else fh.read()
            if limit and len(data) > limit:
                if self.config.long_docs == "skip":
                    self._too_long(where)
                    return None
                self.counts["documents_truncated"] += 1
                data = _cut_bytes(data, limit)
        except _corrupt_errors() as e:
            return self._bad(InputError(where, f"corrupt compressed data: {e}"))
        except OSError as e:
            return self._bad(InputError(where, f"cannot read: {e.strerror or e}"))
        self.counts["bytes_in"] += len(data)
        if not data.strip():
            return self._bad(InputError(where, "empty file"))
        try:
            text = decode(data, where, self.counts)
        except InputError as e:
            return self._bad(e)
        return Document(doc_id, text, {}, where)

    def _too_long(self, where: str) -> None:
        self.counts["documents_too_long"] += 1
        log.warning("%s: document over --max-doc-bytes (%d bytes); skipped", where,
                    self.config.max_doc_bytes)

    def _sized(self, doc: Document) -> Document | None:
        """``doc``, or None when it is over ``max_doc_bytes`` and skipped,
        or its text cut to fit."""
        limit, text = self.config.max_doc_bytes, doc.text
        # characters <= UTF-8 bytes <= 4 x characters: most texts need no encoding
        if not limit or 4 * len(text) <= limit or (len(text) <= limit and len(text.encode()) <= limit):
            return doc
        if self.config.long_docs == "skip":
            self._too_long(doc.origin)
            return None
        self.counts["documents_truncated"] += 1
        return dataclasses.replace(doc, text=_cut_bytes(text.encode(), limit).decode())

    def read_jsonl_range(self, path: str, start: int, end: int,
                         first_line: int) -> Iterator[Document]:
        """The records of a plain JSONL file whose lines begin in bytes
        [start, end); ``first_line`` lines come before them (for ``file:line``
        ids and messages). Shards of one file read this way, together, read
        each line exactly once."""
        try:
            fh = files.open_raw(path)
        except OSError as e:
            return self._bad(InputError(path, f"cannot open: {e.strerror or e}"))
        with fh:
            if start == 0:
                self.counts["files"] += 1
            else:
                fh.seek(start - 1)
                if fh.read(1) != b"\n":
                    start += len(fh.readline())  # that line belongs to the shard before
            yield from self._read_jsonl(_lines_until(fh, start, end, line_limit(self.config.max_doc_bytes)),
                                        path, first_line)

    def _read_jsonl(self, fh, where: str, first_line: int = 0) -> Iterator[Document]:
        """The records of ``fh``: a file (read in lines of at most
        ``line_limit`` bytes) or lines already bounded (``_TooLong`` for one
        that was not)."""
        lineno = first_line
        if hasattr(fh, "readline"):
            fh = _bounded_lines(fh.readline, line_limit(self.config.max_doc_bytes))
        try:
            for raw in fh:
                lineno += 1
                loc = f"{where}:{lineno}"
                if type(raw) is _TooLong:
                    self.counts["bytes_in"] += raw.size
                    self._too_long(loc)
                    continue
                self.counts["bytes_in"] += len(raw)
                if not raw.strip():
                    continue
                try:
                    rec, strict = _parse_line(raw, loc, self.counts)
                    # orjson refuses lone surrogates; only nesting is left to check
                    flat = strict and isinstance(rec, dict) and all(type(v) in _FLAT for v in rec.values())
                    doc = self._sized(self.record_to_document(rec, loc, check=not flat))
                    if doc is not None:
                        yield doc
                except InputError as e:
                    self._bad(e)
        except _corrupt_errors() as e:
            self._bad(InputError(f"{where}:{lineno + 1}", f"corrupt compressed data: {e}"))
        except OSError as e:
            self._bad(InputError(where, f"cannot read: {e.strerror or e}"))

    def record_to_document(self, rec: object, where: str, check: bool = True) -> Document:
        """A parsed JSON record (or a plain string) to a document.

        The record's other fields become ``meta``, in their order, and pass
        through to the output; a record without an id gets ``where``.
        ``check=False`` skips ``check_record``, for a flat record orjson
        parsed (it refuses lone surrogates).
        """
        if isinstance(rec, str):
            return Document(where, rec, {}, where)
        if isinstance(rec, Document):
            return rec
        if not isinstance(rec, dict):
            raise InputError(where, f"expected a JSON object, got {type(rec).__name__}")
        tf = self.config.text_field
        if tf not in rec:
            raise InputError(where, f"no '{tf}' field (name another with --text-field)")
        text = rec[tf]
        if not isinstance(text, str):
            raise InputError(where, f"'{tf}' is {type(text).__name__}, not a string")
        if check:
            check_record(rec, tf, where)
        raw_id = rec.get(self.config.id_field)
        doc_id = where if raw_id is None else str(raw_id)
        meta = dict(rec)
        meta[tf] = None  # keeps the field's place in the output record
        return Document(doc_id, text, meta, where)


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
    break; without one, to its last whole character. UTF-16 and UTF-32
    (with their byte-order mark) stay in their encoding."""
    wide = wide_encoding(data[:4])
    if wide:
        text = data[:limit].decode(wide, "ignore")
        i = text.rfind("\n")
        return (text[:i] if i > 0 else text).encode(wide)
    head = data[:limit]
    i = head.rfind(b"\n")
    if i > 0:
        return head[:i]
    j = len(head) - 1  # back to the lead byte of the last character
    while j > 0 and len(head) - j < 4 and head[j] & 0xC0 == 0x80:
        j -= 1
    lead = head[j] if head else 0
    need = 1 if lead < 0xC0 else 2 if lead < 0xE0 else 3 if lead < 0xF0 else 4
    return head[:j] if len(head) - j < need else head


def _parse_line(raw: bytes, where: str, counts: Counter) -> object:
    """(record, whether orjson read it: then it holds no lone surrogate and
    no nesting past orjson's limit)."""
    try:
        return sinks.loads(raw), True
    except orjson.JSONDecodeError:
        pass
    except RecursionError:
        raise InputError(where, _TOO_DEEP) from None
    # orjson is strict: invalid UTF-8, NaN, lone surrogates and nesting past
    # 1024 fail there but some are readable; only a line the standard parser
    # rejects too is bad.
    text = raw.decode("utf-8", "replace")
    try:
        rec = json.loads(text)
    except json.JSONDecodeError as e:
        raise InputError(where, f"not valid JSON: {e.msg} (column {e.colno})") from None
    except RecursionError:
        raise InputError(where, _TOO_DEEP) from None
    if "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        counts["invalid_utf8_bytes"] += text.count("\ufffd")
    return rec, False


#: Nesting orjson writes (a record nested deeper, up to the 1024 it reads,
#: fell back to the standard encoder, which ran out of stack near 1000).
MAX_DEPTH = 254
_TOO_DEEP = f"JSON nested more than {MAX_DEPTH} deep"


def check_record(rec: dict, text_field: str, where: str) -> None:
    """Refuse a record the output could not hold as it came: a lone
    surrogate (``"\\ud800"``: not Unicode, so not UTF-8) in any key or
    field but the text (which repair fixes), or nesting deeper than JSON
    writers accept. Iterative, so a deep record cannot exhaust the stack."""
    todo = [(k, v, 1) for k, v in rec.items() if k != text_field] + [(k, None, 1) for k in rec]
    while todo:
        name, v, depth = todo.pop()
        if isinstance(v, str) or v is None and isinstance(name, str):
            s = name if v is None else v
            if not s.isascii():
                try:
                    s.encode("utf-8")
                except UnicodeEncodeError:
                    raise InputError(where, f"field {_name(name)} holds a lone surrogate "
                                            f"({ascii(s[_surrogate(s)])}), which is not Unicode") from None
        elif isinstance(v, dict):
            if depth >= MAX_DEPTH:
                raise InputError(where, _TOO_DEEP)
            todo += [(name, k, depth) for k in v if isinstance(k, str) and not k.isascii()]
            todo += [(name, x, depth + 1) for x in v.values()]
        elif isinstance(v, (list, tuple)):
            if depth >= MAX_DEPTH:
                raise InputError(where, _TOO_DEEP)
            todo += [(name, x, depth + 1) for x in v]


_FLAT = (str, int, float, bool, type(None))


def _name(name: object) -> str:
    return ascii(name) if isinstance(name, str) and not name.isascii() else repr(name)


def _surrogate(s: str) -> int:
    return next(i for i, ch in enumerate(s) if "\ud800" <= ch <= "\udfff")


def _is_json_object(line: bytes) -> bool:
    s = line.strip()
    if not s.startswith(b"{"):
        return False
    try:
        return isinstance(orjson.loads(s), dict)
    except orjson.JSONDecodeError:
        try:
            return isinstance(json.loads(s.decode("utf-8", "replace")), dict)
        except ValueError:
            return False


class _Prefixed(io.RawIOBase):
    """A stream that yields ``head`` and then the rest of ``fh`` (stdin cannot seek)."""

    def __init__(self, head: bytes, fh: BinaryIO):
        self._head, self._fh = head, fh

    def readable(self) -> bool:
        return True

    def __iter__(self):
        return iter(self.readline, b"")

    def readline(self, n: int | None = -1) -> bytes:
        if not self._head:
            return self._fh.readline(-1 if n is None else n)
        i = self._head.find(b"\n")
        cut = len(self._head) if i < 0 else i + 1
        if n is not None and n >= 0:
            cut = min(cut, n)
        line, self._head = self._head[:cut], self._head[cut:]
        return line

    def read(self, n: int | None = -1) -> bytes:
        if n is None or n < 0:
            head, self._head = self._head, b""
            return head + self._fh.read()
        out, self._head = self._head[:n], self._head[n:]
        return out + self._fh.read(n - len(out)) if len(out) < n else out
