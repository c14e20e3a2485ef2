"""Reading documents: directories, text, JSONL, HTML, WARC/WET, parquet, stdin.

This is the input edge: bytes, decompression, decoding and every message
about bad input live here; the rest of scrubber sees ``Document`` objects.
Order is deterministic: paths in the order given, directories walked in
sorted order, records in file order.

A file's reader is chosen by its content where that can be told from its
first bytes (gzip and zstd magic, ``PAR1`` for parquet, ``WARC/`` after
decompression), else by its name. A file named explicitly whose format
neither tells is refused with the list of formats scrubber reads, never
read as something it is not; in a directory such files are skipped and
counted (``files_ignored``).
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

from . import files, parquet, sinks, warc
from .config import Config
from .document import Document
from .errors import InputError
from .htmltext import to_text as html_to_text

log = logging.getLogger("scrubber")

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".wet")
COMPRESSIONS = ("", ".gz", ".zst", ".zstd")
#: What the refusal of an unreadable file lists.
READABLE = (".txt .md .jsonl .ndjson .html .htm .warc .wet (each also .gz or .zst) "
            "and .parquet")
_SNIFF_BYTES = 8192
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def kind_of(name: str) -> str | None:
    """``jsonl``, ``text``, ``html``, ``warc``, ``parquet`` or None (not a
    document file), from the file name."""
    low = name.lower()
    if low.endswith(".parquet"):
        return "parquet"
    for comp in COMPRESSIONS:
        if comp and not low.endswith(comp):
            continue
        stem = low[: len(low) - len(comp)] if comp else low
        if stem.endswith(JSONL_SUFFIXES):
            return "jsonl"
        if stem.endswith(TEXT_SUFFIXES):
            return "text"
        if stem.endswith(HTML_SUFFIXES):
            return "html"
        if stem.endswith(WARC_SUFFIXES):
            return "warc"
    return None


def kind_of_content(head: bytes) -> str | None:
    """``warc`` or ``parquet`` when a (decompressed) file's first bytes say so."""
    if head.startswith(b"WARC/"):
        return "warc"
    if head.startswith(b"PAR1"):
        return "parquet"
    return None


def magic(path: str, n: int = 4) -> bytes:
    """A file's first ``n`` bytes as stored; four name its compression if any."""
    with files.open_raw(path) as f:
        return f.read(n)


def _open_binary(path: str) -> BinaryIO:
    """The file's bytes, decompressed when its magic bytes say gzip or zstd
    (whatever its name says). The file is opened once and its first bytes
    peeked at: a FIFO named on the command line cannot be opened twice."""
    if files.is_url(path):
        head = magic(path)
        if head.startswith(GZIP_MAGIC) or _cut_as_named(head, path, GZIP_MAGIC, (".gz",)):
            return files.open_raw(path, "gzip")
        raw = files.open_raw(path)
    else:
        raw = open(path, "rb")
        head = raw.peek(len(ZSTD_MAGIC))[:len(ZSTD_MAGIC)]
        if head.startswith(GZIP_MAGIC) or _cut_as_named(head, path, GZIP_MAGIC, (".gz",)):
            g = gzip.GzipFile(fileobj=raw, mode="rb")
            g.myfileobj = raw  # closed with it, as gzip.open does with the file it opens
            return g
    if head == ZSTD_MAGIC or _cut_as_named(head, path, ZSTD_MAGIC, (".zst", ".zstd")):
        return _zstd_reader(raw)
    return raw


def _cut_as_named(head: bytes, path: str, magic_bytes: bytes, suffixes: tuple[str, ...]) -> bool:
    """A file cut inside its magic bytes is still what its name says: its
    decompressor then reports the cut, where plain reading would not."""
    return len(head) < len(magic_bytes) and magic_bytes.startswith(head) and path.lower().endswith(suffixes)


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


def _zstd_reader(raw: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_Zstd(raw))  # line iteration


def _peek(fh: BinaryIO, n: int) -> bytes:
    """Up to ``n`` first bytes of ``fh`` without consuming them."""
    if hasattr(fh, "peek"):
        return fh.peek(n)[:n]
    pos = fh.tell()
    head = fh.read(n)
    fh.seek(pos)
    return head


def _no_extension(path: str) -> bool:
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    for comp in COMPRESSIONS[1:]:
        if name.endswith(comp):
            name = name[: -len(comp)]
            break
    return "." not in name.lstrip(".")


def _looks_like_html(head: bytes) -> bool:
    s = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return s.startswith((b"<!doctype html", b"<html"))


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
            log.warning("%s: ignored %d file(s) of formats scrubber does not read (e.g. %s)",
                        root, len(ignored), min(ignored)[1])
        elif not (found or special or unreadable):
            # likely a wrong directory; say so rather than report 0 documents
            log.warning("%s: no files in this directory", root)
        # sorted by path components: a.md, b/2.txt, c.txt, whatever the walk order
        return [(path, rel) for _, path, rel in sorted(found)]

    def read_file(self, path: str, doc_id: str) -> Iterator[Document]:
        try:
            fh = _open_binary(path)
        except PermissionError:
            return self._bad(InputError(path, "permission denied"))
        except IsADirectoryError:
            return self._bad(InputError(path, "is a directory"))
        except OSError as e:
            return self._bad(InputError(path, f"cannot open: {e.strerror or e}"))
        with fh:
            try:
                kind = self._kind(path, fh)
            except InputError as e:
                return self._bad(e)
            except _corrupt_errors() as e:
                return self._bad(InputError(path, f"corrupt compressed data: {e}"))
            self.counts["files"] += 1
            if kind == "warc" and not files.is_url(path) and os.path.isfile(path):
                yield from self._read_warc(path, path)  # fastwarc reads and inflates it
            else:
                yield from self._read_as(kind, fh, path, doc_id)

    def _kind(self, path: str, fh: BinaryIO) -> str:
        """How to read ``path``: as forced, by content, by name, or (no
        extension at all) as text or a page; else an InputError."""
        if self.config.input_format != "auto":
            return self.config.input_format
        head = _peek(fh, 512)
        kind = kind_of_content(head) or kind_of(path)
        if kind:
            return kind
        if _no_extension(path):
            return "html" if _looks_like_html(head) else "text"
        raise InputError(path, f"not a format scrubber reads; it reads {READABLE} "
                               "(--input-format forces one)")

    def _read_as(self, kind: str, fh: BinaryIO, where: str, doc_id: str) -> Iterator[Document]:
        if kind == "jsonl":
            wide = wide_encoding(_bom_head(fh))
            lines = _utf8_lines(fh, wide, line_limit(self.config.max_doc_bytes)) if wide else fh
            yield from self._read_jsonl(lines, where)
        elif kind == "warc":
            yield from self._read_warc(fh, where)
        elif kind == "parquet":
            yield from self._read_parquet(fh, where)
        else:
            doc = self._read_text(fh, where, doc_id, html=kind == "html")
            if doc is not None:
                yield doc

    def read_records(self, records: Iterable[object], label: str = "record",
                     first: int = 1) -> Iterator[Document]:
        """Python records (dicts, strings or Documents, what ``clean``
        takes) as documents, named ``<record N>`` (``label``) from ``first``
        in messages and as the id of a record without one; fields JSON
        cannot hold are made JSON (``jsonable``)."""
        for n, rec in enumerate(records, first):
            where = f"<{label} {n}>"
            try:
                doc = self.record_to_document(rec, where)
                meta = jsonable(doc.meta, where)
                if meta is not doc.meta:  # a copy: a caller's Document is theirs
                    doc = dataclasses.replace(doc, meta=meta)
                doc = self._sized(doc)
            except InputError as e:
                self._bad(e)
                continue
            if doc is not None:
                yield doc

    def read_stdin(self) -> Iterator[Document]:
        fh = self.stdin if self.stdin is not None else sys.stdin.buffer
        try:
            fh = _decompressed(fh)
            head = _peek(fh, 512)
        except _corrupt_errors() as e:
            return self._bad(InputError("<stdin>", f"corrupt compressed data: {e}"))
        fmt = self.config.input_format
        if fmt == "auto":
            fmt = kind_of_content(head) or ("html" if _looks_like_html(head) else "auto")
        if fmt in ("warc", "parquet", "html"):
            if fmt == "parquet":  # its footer comes last: it needs a file that seeks
                fh = io.BytesIO(fh.read())
            yield from self._read_as(fmt, fh, "<stdin>", "stdin")
            return
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
    def _read_text(self, fh: BinaryIO, where: str, doc_id: str, html: bool = False) -> Document | None:
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
            # An empty document, dropped and counted as ``empty`` like one
            # that cleaning emptied: one empty file among thousands is not
            # a reason to stop a run.
            return Document(doc_id, "", {}, where)
        if html:
            return Document(doc_id, html_to_text(data, where), {}, where)
        try:
            text = decode(data, where, self.counts)
        except InputError as e:
            return self._bad(e)
        return Document(doc_id, text, {}, where)

    def _read_warc(self, src: BinaryIO | str, where: str) -> Iterator[Document]:
        cfg = self.config
        try:
            for n, fields, text in warc.records(src, where, self.counts, cfg.text_field, cfg.id_field):
                yield Document(fields[cfg.id_field], text, fields, f"{where}:{n}")
        except InputError as e:
            self._bad(e)
        except _corrupt_errors() as e:
            self._bad(InputError(where, f"corrupt compressed data: {e}"))
        except OSError as e:
            self._bad(InputError(where, f"cannot read: {e.strerror or e}"))

    def _read_parquet(self, fh: BinaryIO, where: str) -> Iterator[Document]:
        if not _peek(fh, 1):  # an empty file: no rows, as an empty JSONL file has none
            return
        self.counts["bytes_in"] += fh.seek(0, io.SEEK_END)
        fh.seek(0)
        try:
            for n, rec in enumerate(parquet.rows(fh, where, self.config.text_field), 1):
                loc = f"{where}:{n}"
                try:
                    yield self.record_to_document(rec, loc)
                except InputError as e:
                    self._bad(e)
        except InputError as e:
            self._bad(e)
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


def jsonable(meta: dict, where: str) -> dict:
    """``meta`` with every value JSON can hold: unchanged when it already
    can (nearly always, and then at the cost of one ``orjson.dumps``),
    else with each field that cannot made the nearest JSON value
    (``_plain``). A value with no JSON counterpart is an ``InputError``
    naming its field, never a traceback from the writer."""
    try:
        orjson.dumps(meta)
        return meta
    except TypeError:
        pass
    out = {}
    for key, value in meta.items():
        try:
            out[key] = orjson.loads(orjson.dumps(value, default=_plain, option=_AS_JSON))
        except TypeError:
            try:  # integers beyond 64 bits, which orjson refuses and json writes
                out[key] = json.loads(json.dumps(value, default=_plain))
            except (TypeError, ValueError) as e:
                raise InputError(where, f"field {key!r}: {e}") from None
    return out


_AS_JSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _plain(value: object) -> object:
    """The JSON value for a Python value the JSON writers refuse: a date or
    time (pandas' Timestamp too) as its ISO 8601 string, a numpy scalar as
    its number, bytes as base64, a Decimal as the number it is (a string when
    a float cannot hold it exactly), a set as a sorted list, a missing value
    (pandas' NA, NaT) as null."""
    import base64
    import datetime
    import decimal

    name = type(value).__name__
    if name in ("NAType", "NaTType"):
        return None
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalars and 0-d arrays
        return value.tolist() if getattr(value, "ndim", 0) else value.item()
    if isinstance(value, (bytes, bytearray, memoryview)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, decimal.Decimal):
        if value.is_finite() and value == value.to_integral_value():
            return int(value)
        f = float(value)
        return f if decimal.Decimal(repr(f)) == value else str(value)
    if isinstance(value, (set, frozenset)):
        try:
            return sorted(value)
        except TypeError:
            pass
    raise TypeError(f"{name} value has no JSON form")


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


def _decompressed(fh: BinaryIO) -> BinaryIO:
    """Standard input, decompressed when its first bytes are gzip's or
    zstd's magic; a stream that can ``peek`` either way."""
    head = b""
    while len(head) < 4:  # a pipe may deliver fewer bytes than asked
        more = fh.read(4 - len(head))
        if not more:
            break
        head += more
    fh = _Prefixed(head, fh)
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=fh, mode="rb")
    if head == ZSTD_MAGIC:
        return _zstd_reader(fh)
    return fh


class _PrefixedRaw(io.RawIOBase):
    def __init__(self, head: bytes, fh: BinaryIO):
        self._head, self._fh = head, fh

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n], self._head = self._head[:n], self._head[n:]
            return n
        if hasattr(self._fh, "readinto"):
            return self._fh.readinto(b)
        data = self._fh.read(len(b))
        b[:len(data)] = data
        return len(data)


def _Prefixed(head: bytes, fh: BinaryIO) -> io.BufferedReader:
    """A stream of ``head`` and then the rest of ``fh`` (stdin cannot seek)."""
    return io.BufferedReader(_PrefixedRaw(head, fh), 1 << 16)
