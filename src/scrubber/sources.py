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
import io
import json
import logging
import os
import re
import sys
from collections import Counter
from contextlib import contextmanager
from typing import BinaryIO, Iterable, Iterator

from . import delimited, files, jsonarray, parquet, warc
from .compression import (_corrupt_errors, _decompressed, _head, _open_binary, _peek, _Prefixed, decompressing,
                          stdlib_inflating)
from .decoding import (_SNIFF_BYTES, _bom_head, _bounded_lines, _cut_bytes, _lines_until, _TooLong,
                       _utf8_lines, binary_kind, decode, line_limit, not_text, utf8_stream, wide_encoding)
from .records import _FLAT, _is_json_object, _parse_line, check_record, json_value, jsonable
from .config import Config
from .document import Document, check_document, document_name
from .errors import InputError
from .htmltext import to_text as html_to_text

log = logging.getLogger("scrubber")

TEXT_SUFFIXES = (".txt", ".md", ".text")
JSONL_SUFFIXES = (".jsonl", ".ndjson")
HTML_SUFFIXES = (".html", ".htm")
WARC_SUFFIXES = (".warc", ".wet")
#: Read when named; in a directory only compressed (C4's and Dolma's
#: ``.json.gz``), since a plain .json file there is as often a tool's
#: settings or a data set's metadata (``dataset_info.json``).
JSON_SUFFIXES = (".json",)
#: Read when named, never in a directory: a crawl's folder holds CSV
#: lists of URLs and logs as often as documents.
CSV_SUFFIXES = {".csv": "csv", ".tsv": "tsv"}
COMPRESSIONS = ("", ".gz", ".zst", ".zstd", ".bz2", ".xz")
#: What the refusal of an unreadable file lists.
READABLE = (".txt .md .jsonl .ndjson .json .csv .tsv .html .htm .warc .wet (each also .gz, .zst, "
            ".bz2 or .xz) and .parquet")


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


#: The start of a JSON record: a brace, then a quoted key and its colon.
_RECORD_START = re.compile(rb'\s*\[?\s*\{\s*"[^"\n]{1,100}"\s*:')


def _opens_as_records(head: bytes) -> bool:
    """Whether a file's first bytes open a JSON record or an array of them
    (a whole first line that is an object, or a start too long to see
    whole)."""
    head = head.removeprefix(b"\xef\xbb\xbf")
    if not _RECORD_START.match(head):
        return False
    first, newline, _ = head.partition(b"\n")
    return _is_json_object(first) or not newline or head.lstrip().startswith(b"[")


def _named_json(path: str, compressed: bool = False) -> bool:
    """Whether ``path`` is named as JSON (``.json``, also ``.gz``/``.zst``;
    with ``compressed``, only those)."""
    low = path.lower()
    for comp in COMPRESSIONS[1:]:
        if low.endswith(comp):
            return low[: -len(comp)].endswith(JSON_SUFFIXES)
    return not compressed and low.endswith(JSON_SUFFIXES)


def _named_csv(path: str) -> str | None:
    """``csv`` or ``tsv`` when ``path`` is named so (also compressed)."""
    low = path.lower()
    for comp in COMPRESSIONS[1:]:
        if low.endswith(comp):
            low = low[: -len(comp)]
            break
    return next((kind for suffix, kind in CSV_SUFFIXES.items() if low.endswith(suffix)), None)


#: A WARC record's first line: "WARC/1.0" or "WARC/1.1", then its end.
_WARC_LINE = re.compile(rb"WARC/\d+\.\d+\r?\n")


def kind_of_content(head: bytes) -> str | None:
    """``warc`` or ``parquet`` when a (decompressed) file's first bytes say
    so: a WARC's version line, or parquet's magic and then the binary header
    of its first page (a control byte among the next six, tabs and line
    breaks aside). A text that opens
    with "WARC/1.1 is the archive format" or "PAR1 is the first label" was
    read, and refused, as one."""
    if head.startswith(b"WARC/") and (len(head) < 10 or _WARC_LINE.match(head)):
        return "warc"
    if head.startswith(b"PAR1") and (len(head) < 10 or any(b < 9 or 13 < b < 32 for b in head[4:10])):
        return "parquet"
    return None


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


#: What records split by carriage returns alone are told.
_CR_ONLY = ("JSON records separated by carriage returns alone; JSONL is one record per \\n-ended "
            "line: convert it (tr '\\r' '\\n')")
#: What a refused JSON document is told.
_JSON_SHAPES = ("JSON is read as an array of records or as JSON Lines (one record a line); make it "
                "JSON Lines, e.g. jq -c '.records[]' FILE > FILE.jsonl")

#: Broken records a stream of JSON Lines may open with and still be told
#: from one JSON object over several lines: each is named as it is read.
_BROKEN_LINES = 8

#: How far past a line that is not JSON a compressed file is read to tell
#: damage (gzip's checksum comes at the end) from a bad record.
DAMAGE_CHECK_BYTES = 256 << 20


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
        within one run an id names one document (``duplicate_of``,
        ``index remove``), and which of two was meant is not scrubber's
        guess to make. Across runs ids may repeat: the index keeps both."""
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
                name = p.rstrip("/").rsplit("/", 1)[-1] if files.is_url(p) else os.path.basename(p)
                out.append((p, files.shown(name)))
        return out

    def _walk(self, root: str) -> list[tuple[str, str]]:
        found, ignored, unreadable, special, links = [], [], [], [], []
        for parts, path in files.walk(root, unreadable, special, links):
            (found if kind_of(parts[-1]) or _named_json(parts[-1], compressed=True) else ignored).append(
                (parts, path, files.shown("/".join(parts))))
        for path, e in sorted(unreadable, key=lambda x: x[0]):
            self._bad(InputError(path, f"cannot read directory: {e.strerror or e}"))
        if special:
            self.counts["files_ignored"] += len(special)
            log.warning("%s: ignored %d file(s) that are not regular files (a FIFO, socket or "
                        "device; e.g. %s)", root, len(special), min(special))
        if links:
            self.counts["files_ignored"] += len(links)
            log.warning("%s: did not follow %d link(s) to a directory (e.g. %s); name one to read it",
                        root, len(links), min(links))
        if ignored:
            self.counts["files_ignored"] += len(ignored)
            when_named = [path for _, path, _ in ignored if _named_json(path) or _named_csv(path)]
            log.warning("%s: ignored %d file(s) of formats scrubber does not read (e.g. %s)%s",
                        root, len(ignored), min(ignored)[1],
                        f"; .json, .csv and .tsv files are read when named ({min(when_named)}): in a "
                        "directory they are as often settings, lists or metadata" if when_named else "")
        elif not (found or special or unreadable or links):
            # likely a wrong directory; say so rather than report 0 documents
            log.warning("%s: no files in this directory", root)
        # sorted by path components: a.md, b/2.txt, c.txt, whatever the walk order
        return [(path, rel) for _, path, rel in sorted(found)]

    def read_file(self, path: str, doc_id: str) -> Iterator[Document]:
        where = files.shown(path)  # a name that is not UTF-8 is still read
        try:
            fh = _open_binary(path)
        except PermissionError:
            return self._bad(InputError(where, "permission denied"))
        except IsADirectoryError:
            return self._bad(InputError(where, "is a directory"))
        except OSError as e:
            return self._bad(InputError(where, f"cannot open: {e.strerror or e}"))
        with fh:
            if self.config.input_format == "auto" and _no_extension(path):
                self.counts["files"] += 1
                yield from self._read_stream(fh, where, doc_id)
                return
            try:
                kind = self._kind(where, fh)
            except InputError as e:
                return self._bad(e)
            except _corrupt_errors() as e:  # while its first bytes were read: no line decoded
                return self._bad(InputError(f"{where}:1", f"corrupt compressed data: {e}"))
            self.counts["files"] += 1
            if kind == "warc" and not files.is_url(path) and os.path.isfile(path) \
                    and not stdlib_inflating(fh):
                yield from self._read_warc(path, where)  # fastwarc reads and inflates gzip and zstd
            else:
                yield from self._read_as(kind, fh, where, doc_id)

    def _kind(self, path: str, fh: BinaryIO) -> str:
        """How to read ``path``: as forced, by content, by name, or (no
        extension at all) as text or a page; else an InputError."""
        if self.config.input_format != "auto":
            return self.config.input_format
        head = _peek(fh, 512)
        kind = (kind_of_content(head) or kind_of(path) or ("json" if _named_json(path) else None)
                or _named_csv(path))
        if kind == "text" and _opens_as_records(head):
            log.warning("%s: read as one text document, as its name says, but it opens as JSON records; "
                        "--input-format jsonl (or json, for an array) reads them as records", path)
        if kind:
            return kind
        if _no_extension(path):
            return "html" if _looks_like_html(head) else "text"
        named = binary_kind(head)  # crawl.jsonl.bz2: say what to do, as for standard input
        if named:
            raise InputError(path, named)
        raise InputError(path, f"not a format scrubber reads; it reads {READABLE} "
                               "(--input-format forces one)")

    def _read_as(self, kind: str, fh: BinaryIO, where: str, doc_id: str) -> Iterator[Document]:
        if kind == "jsonl":
            head = _bom_head(fh)
            wide = wide_encoding(head)
            lines = _utf8_lines(fh, wide, line_limit(self.config.max_doc_bytes)) if wide else utf8_stream(fh, head)
            yield from self._read_jsonl(lines, where)
        elif kind == "json":
            yield from self._read_json(fh, where)
        elif kind in ("csv", "tsv"):
            yield from self._read_csv(fh, where, "\t" if kind == "tsv" else ",")
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
                text = doc.text  # its UTF-8 bytes, as a file's are counted
                self.counts["bytes_in"] += len(text) if text.isascii() else len(text.encode("utf-8", "surrogatepass"))
                meta = jsonable(doc.meta, where)
                if meta is not doc.meta:  # a copy: a caller's Document is theirs
                    doc = dataclasses.replace(doc, meta=meta)
                doc = self._sized(_own_id(doc, self.config.id_field, where))
            except InputError as e:
                self._bad(e)
                continue
            if doc is not None:
                yield doc

    def read_documents(self, docs: Iterable[object]) -> Iterator[Document]:
        """Documents a caller made (what ``Pipeline.run`` takes), each checked
        as ``read_records`` checks one, so that a None text or a dict is a
        bad input named as such rather than an error deep in the cleaning."""
        for n, doc in enumerate(docs, 1):
            try:
                name = document_name(doc, n)
                doc = check_document(doc, name)
                # fields JSON has no type for, as clean() makes them: a pandas
                # NA or a datetime in meta was a TypeError deep in the writer
                meta = jsonable(doc.meta, name)
                if meta is not doc.meta:
                    doc = dataclasses.replace(doc, meta=meta)
                yield _own_id(doc, self.config.id_field, name)
            except InputError as e:
                self._bad(e)

    def read_stdin(self) -> Iterator[Document]:
        if self.stdin is None and sys.stdin is None:  # started with it closed (`<&-`)
            return self._bad(InputError("<stdin>", "cannot read: standard input is closed"))
        fh = self.stdin if self.stdin is not None else sys.stdin.buffer
        yield from self._read_stream(fh, "<stdin>", "stdin", decompress=True)

    def _read_stream(self, fh: BinaryIO, where: str, doc_id: str,
                     decompress: bool = False) -> Iterator[Document]:
        """Standard input, or a file named without an extension (a FIFO,
        ``<(…)``, ``/dev/stdin``, a ``part-00000``): its format told by its
        content alone, JSONL when its first line is a JSON object."""
        try:
            head, fh = _head(_decompressed(fh) if decompress else fh, 512)
            if head.startswith(codecs.BOM_UTF8) or wide_encoding(head):  # told by what follows the mark
                head, fh = _head(utf8_stream(fh, head), 512)
        except _corrupt_errors() as e:  # in its first bytes: no line decoded
            return self._bad(InputError(f"{where}:1", f"corrupt compressed data: {e}"))
        fmt = self.config.input_format
        if fmt == "auto":
            fmt = kind_of_content(head) or ("html" if _looks_like_html(head) else "auto")
        if fmt in ("warc", "parquet", "html", "json", "csv", "tsv"):
            if fmt == "parquet":  # its footer comes last: it needs a file that seeks
                fh = io.BytesIO(fh.read())
            yield from self._read_as(fmt, fh, where, doc_id)
            return
        if fmt == "auto" and not_text(head) and not head.lstrip().startswith(b"{"):
            fmt = "text"  # its first line may never end (/dev/zero): no need to find it
        if fmt == "auto":
            limit = line_limit(self.config.max_doc_bytes) or -1
            try:
                head, first = _next_line(fh, b"", limit)
                whole = first.endswith(b"\n") or limit < 0 or len(first) <= limit
                second = b""
                if whole and first.lstrip().startswith(b"{") and not _is_json_object(first):
                    # A broken first record: JSONL all the same when one of
                    # the next few lines is a record (unindented: inside one
                    # object over several lines, a record is indented), or
                    # the whole stream is one document of raw JSON and every
                    # record in it is lost unsaid.
                    for _ in range(_BROKEN_LINES):
                        head, line = _next_line(fh, head, limit)
                        if not line.startswith(b"{"):
                            break
                        if _is_json_object(line):
                            second = line
                            break
                if whole and first.strip() == b"[":  # an array of records, pretty-printed?
                    head, second = _next_line(fh, head, limit)
            except _corrupt_errors() as e:  # inside its first lines
                return self._bad(InputError(f"{where}:1", f"corrupt compressed data: {e}"))
            opened = first.lstrip()
            if opened.startswith(b"[") and (opened[1:].lstrip() or second.lstrip()).startswith(b"{"):
                # A JSON array of records (Scrapy's -o items.json, json.dump):
                # read as text, it would be one document of raw JSON.
                yield from self._read_json(_Prefixed(head, fh), where)
                return
            # Nothing at all is no documents, as an empty JSONL file is: a
            # pipeline whose upstream stage found nothing is not an error.
            # A first line past the bound is JSONL if it starts as a record.
            fmt = "jsonl" if not first or (_is_json_object(first) or _is_json_object(second) if whole else
                                           first.lstrip().startswith(b"{")) else "text"
            if fmt == "text" and b"\r" in first and _is_json_object(first.split(b"\r", 1)[0]):
                # Records split by carriage returns alone (classic Mac OS line
                # ends) are one line to a JSONL reader: read as text, every
                # record would be one document of raw JSON, unsaid.
                return self._bad(InputError(f"{where}:1", _CR_ONLY))
            if fmt == "text" and (opened.rstrip() == b"{" or opened.startswith(b'{"')):
                # One JSON object over several lines ("{", then its keys):
                # read as text, it would be one document of raw JSON.
                return self._bad(InputError(where, f"a JSON object over several lines: {_JSON_SHAPES}"))
            fh = _Prefixed(head, fh)
        if fmt == "jsonl":
            yield from self._read_jsonl(fh, where)
        else:
            doc = self._read_text(fh, where, doc_id)
            if doc is not None:
                yield doc

    # --- formats --------------------------------------------------------
    def _read_text(self, fh: BinaryIO, where: str, doc_id: str, html: bool = False) -> Document | None:
        limit = self.config.max_doc_bytes
        try:
            # Binary data is told by its first bytes: a file of NULs over the
            # limit, or /dev/zero on standard input, is refused as a small one
            # is, not skipped as long or counted for ever. HTML too: a binary
            # file named .html became a page of garbage, kept.
            data = fh.read(min(limit + 1, _SNIFF_BYTES) if limit else _SNIFF_BYTES)
            problem = not_text(data)
            if problem:
                self.counts["bytes_in"] += len(data)
                return self._bad(InputError(where, problem))
            data += fh.read(limit + 1 - len(data)) if limit else fh.read()
            size = len(data)
            if limit and len(data) > limit:
                # The rest is read, a chunk at a time, only to be counted: the
                # summary's bytes in are the input's, whatever was kept of it.
                size += sum(map(len, iter(lambda: fh.read(1 << 20), b"")))
                if self.config.long_docs == "skip":
                    self.counts["bytes_in"] += size
                    self._too_long(where)
                    return None
                self.counts["documents_truncated"] += 1
                data = _cut_bytes(data, limit)
        except _corrupt_errors() as e:
            return self._bad(InputError(where, f"corrupt compressed data: {e}"))
        except OSError as e:
            return self._bad(InputError(where, f"cannot read: {e.strerror or e}"))
        self.counts["bytes_in"] += size
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
        with self._file_errors(where):
            for n, fields, text in warc.records(
                    src, where, self.counts, cfg.text_field, cfg.id_field,
                    max_bytes=cfg.max_doc_bytes, truncate=cfg.long_docs == "truncate",
                    bad=self._bad, too_long=self._too_long):
                doc = self._sized(Document(fields[cfg.id_field], text, fields, f"{where}:{n}"))
                if doc is not None:
                    yield doc

    @contextmanager
    def _file_errors(self, where: str) -> Iterator[None]:
        """A file's reading stopped by bad input, damage or the disk: said
        (or counted and skipped) as bad input naming ``where``."""
        try:
            yield
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
            for n, rec in enumerate(parquet.rows(fh, where, self.config.text_field, self.counts,
                                                 line_limit(self.config.max_doc_bytes)), 1):
                loc = f"{where}:{n}"
                if rec is None:  # past the bound a JSONL line has: never read
                    self._too_long(loc, line=True, what="parquet row")
                    continue
                try:
                    doc = self._sized(self.record_to_document(rec, loc))
                except InputError as e:
                    self._bad(e)
                    continue
                if doc is not None:
                    yield doc
        except InputError as e:
            self._bad(e)
    def _too_long(self, where: str, line: bool = False, what: str = "JSONL record") -> None:
        self.counts["documents_too_long"] += 1
        if line and self.config.long_docs == "truncate":
            # The record is not parsed, so there is no text to cut.
            log.warning("%s: %s over %d bytes (3 x --max-doc-bytes + 64 kB), too long "
                        "to read and truncate; skipped", where, what,
                        line_limit(self.config.max_doc_bytes))
            return
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
            return self._bad(InputError(files.shown(path), f"cannot open: {e.strerror or e}"))
        with fh:
            if start == 0:
                self.counts["files"] += 1
                if fh.read(len(codecs.BOM_UTF8)) == codecs.BOM_UTF8:
                    start = fh.tell()  # the mark is no part of the first line
                else:
                    fh.seek(0)
            else:
                fh.seek(start - 1)
                if fh.read(1) != b"\n":
                    start += len(fh.readline())  # that line belongs to the shard before
            yield from self._read_jsonl(_lines_until(fh, start, end, line_limit(self.config.max_doc_bytes)),
                                        files.shown(path), first_line)

    def _read_json(self, fh: BinaryIO, where: str) -> Iterator[Document]:
        """A ``.json`` file: an array of records (``where:N`` its Nth), read
        a record at a time, or JSON Lines named so (Hugging Face data sets,
        pandas' ``lines=True``). One JSON document of another shape (a
        pretty-printed object, an object holding the records) is refused:
        which of its values are the records is not scrubber's guess."""
        limit = line_limit(self.config.max_doc_bytes)
        compressed = decompressing(fh)  # the wrappers below hide it from _read_jsonl
        try:
            fh = utf8_stream(fh, _bom_head(fh))
            head = b""
            while not head.lstrip():  # its first byte that is not blank tells
                more = fh.read(512)
                if not more:
                    break
                head += more
            fh = _Prefixed(head, fh)
            if head.lstrip()[:1] == b"[":
                yield from self._read_jsonl(jsonarray.items(fh, where, limit), where,
                                            what="JSON array element", compressed=compressed)
                return
            head, first = _next_line(fh, b"", limit or -1)
        except InputError as e:
            return self._bad(e)
        except _corrupt_errors() as e:
            return self._bad(InputError(f"{where}:1", f"corrupt compressed data: {e}"))
        whole = first.endswith(b"\n") or not limit or len(first) <= limit
        if first and whole and not _is_json_object(first):
            shape = "a JSON object over several lines" if first.lstrip().startswith(b"{") else "not JSON"
            return self._bad(InputError(where, f"{shape}: {_JSON_SHAPES}"))
        yield from self._read_jsonl(_Prefixed(head, fh), where, compressed=compressed)

    def _read_csv(self, fh: BinaryIO, where: str, delimiter: str) -> Iterator[Document]:
        """A CSV or TSV file: the Nth row after the header is record
        ``where:N``, its columns the fields (strings, as the file holds them)."""
        counted = _Counted(utf8_stream(fh, _bom_head(fh)))
        with self._file_errors(where):
            for n, rec in delimited.rows(io.BufferedReader(counted), where, delimiter,
                                         line_limit(self.config.max_doc_bytes)):
                self.counts["bytes_in"] += counted.take()
                if rec.get(self.config.id_field) == "":  # an empty cell is no id: where, as null is
                    rec[self.config.id_field] = None
                try:
                    doc = self._sized(self.record_to_document(rec, f"{where}:{n}"))
                except InputError as e:
                    self._bad(e)
                    continue
                if doc is not None:
                    yield doc
        self.counts["bytes_in"] += counted.take()

    def _read_jsonl(self, fh, where: str, first_line: int = 0, what: str = "JSONL record",
                    compressed: bool | None = None) -> Iterator[Document]:
        """The records of ``fh``: a file (read in lines of at most
        ``line_limit`` bytes) or lines already bounded (``_TooLong`` for one
        that was not), or a JSON array's elements (``what`` the messages
        call them); ``compressed`` when ``fh`` wraps an inflating stream."""
        lineno = first_line
        compressed, first_bad = decompressing(fh) if compressed is None else compressed, 0
        if hasattr(fh, "readline"):
            fh = _bounded_lines(fh.readline, line_limit(self.config.max_doc_bytes))
        bad_before = self.counts["invalid_utf8_bytes"]
        legacy_before = self.counts["legacy_encoding_records"]
        try:
            for raw in fh:
                lineno += 1
                loc = f"{where}:{lineno}"
                if type(raw) is _TooLong:
                    self.counts["bytes_in"] += raw.size
                    self._too_long(loc, line=True, what=what)
                    continue
                self.counts["bytes_in"] += len(raw)
                if not raw.strip():
                    continue
                try:
                    rec, strict = _parse_line(raw, loc, self.counts)
                    if not isinstance(rec, dict):  # a string too: only Python callers pass bare texts
                        raise InputError(loc, f"expected a JSON object, got {json_kind(rec)}")
                    # orjson refuses lone surrogates; only nesting is left to check
                    flat = strict and isinstance(rec, dict) and all(type(v) in _FLAT for v in rec.values())
                    doc = self._sized(self.record_to_document(rec, loc, check=not flat))
                    if doc is not None:
                        yield doc
                except InputError as e:
                    if (compressed and not first_bad and self.config.on_error == "fail"
                            and "not valid JSON" in str(e)):
                        # gzip checks its data only at the end: damage shows first as bad JSON.
                        # Read on (at most DAMAGE_CHECK_BYTES) to tell before stopping.
                        try:
                            seen = 0
                            for rest in fh:
                                seen += rest.size if type(rest) is _TooLong else len(rest)
                                if seen > DAMAGE_CHECK_BYTES:
                                    break
                        except _corrupt_errors() as damage:
                            raise InputError(loc, f"corrupt compressed data ({damage}), first seen here as "
                                             "a line that is not valid JSON") from None
                    if ("not valid JSON" in str(e) and b"\r" in raw.rstrip(b"\r\n")
                            and _is_json_object(raw.split(b"\r", 1)[0])):
                        e = InputError(loc, _CR_ONLY)  # as for standard input (_sniff)
                    first_bad = first_bad or lineno
                    self._bad(e)
        except _corrupt_errors() as e:
            # A cut file (EOFError) ends cleanly where it was cut; any other damage
            # (a checksum at the end, a bad block) may have been inflated into
            # records already passed on, which nothing but the first bad line dates.
            garbled = ""
            if lineno > first_line and not isinstance(e, EOFError):
                garbled = f"; records from line {first_bad or first_line + 1} on may be garbled"
            self._bad(InputError(f"{where}:{lineno + 1}", f"corrupt compressed data: {e}{garbled}"))
        except OSError as e:
            self._bad(InputError(where, f"cannot read: {e.strerror or e}"))
        bad = self.counts["invalid_utf8_bytes"] - bad_before
        if bad:  # said once a file, as for a text file (decoding.decode)
            log.warning("%s: %d invalid UTF-8 byte sequence(s) replaced with U+FFFD", where, bad)
        legacy = self.counts["legacy_encoding_records"] - legacy_before
        if legacy:
            log.warning("%s: %d record(s) not UTF-8; read as Latin-1/Windows-1252", where, legacy)

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
            return check_document(rec, where)
        if not isinstance(rec, dict):
            raise InputError(where, f"expected a JSON object, got {json_kind(rec)}")
        tf = self.config.text_field
        if tf not in rec:
            raise InputError(where, f"no '{tf}' field (name another with --text-field, or text_field= in Python)")
        text = rec[tf]
        if not isinstance(text, str):
            raise InputError(where, f"'{tf}' is {json_kind(text)}, not a string")
        if check:
            check_record(rec, tf, where)
        raw_id = rec.get(self.config.id_field)
        doc_id = raw_id if isinstance(raw_id, str) else _id_text(raw_id, where)
        meta = dict(rec)
        meta[tf] = None  # keeps the field's place in the output record
        if doc_id == where and self.config.id_field in meta:
            # A null id (None, NaN, NaT) is ``where`` in the output record
            # too, as clusters name it: they named an id no record carried.
            meta[self.config.id_field] = where
        return Document(doc_id, text, meta, where)


class _Counted(io.RawIOBase):
    """A stream that counts the bytes read through it (``take`` gives the
    count since it was last taken): the summary's bytes in, for a reader
    that does not see bytes."""

    def __init__(self, fh: BinaryIO):
        self._fh, self._n = fh, 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        data = self._fh.read(len(b))
        b[:len(data)] = data
        self._n += len(data)
        return len(data)

    def take(self) -> int:
        n, self._n = self._n, 0
        return n


def _next_line(fh: BinaryIO, head: bytes, limit: int) -> tuple[bytes, bytes]:
    """The next non-blank line of ``fh`` (at most ``limit`` + 1 bytes; b""
    at the end), and ``head`` with every line read on the way added."""
    size = limit + 1 if limit > 0 else -1  # readline(0) reads nothing
    line = fh.readline(size)
    head += line
    while line and not line.strip():
        line = fh.readline(size)
        head += line
    return head, line


def json_kind(value: object) -> str:
    """What a record's value is, in JSON's words, for messages about records:
    "null", not Python's "NoneType"."""
    if value is None:
        return "null"
    if isinstance(value, float) and value != value:  # pandas' missing value
        return "NaN (a missing value)"
    for kind, name in ((bool, "a boolean"), ((int, float), "a number"), (str, "a string"),
                       ((list, tuple), "an array"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return type(value).__name__


_NULL_ID = "\0null"


def _own_id(doc: Document, id_field: str, where: str) -> Document:
    """``doc`` with its own id in its ``meta``'s id field: a caller's
    ``Document(id, text, meta=row)`` whose row holds another id would
    come out under the row's id while ``cluster`` and ``duplicates`` name
    its own. (A record read from a file or a dict has its id from that
    field already.)"""
    if not doc.meta or id_field not in doc.meta:
        return doc
    raw = doc.meta[id_field]
    # A null (None, NaN, NaT, NA: ``_id_text`` gives its ``where``) is no
    # id; ``raw == doc.id`` alone would fail on NA, which has no truth value.
    if (raw == doc.id) if isinstance(raw, str) else (_id_text(raw, _NULL_ID) == doc.id):
        return doc
    return dataclasses.replace(doc, meta={**doc.meta, id_field: doc.id})


def _id_text(raw_id: object, where: str) -> str:
    """A record's id (not a string) as clusters and duplicates name it:
    the text of the JSON value the output record holds, so that the names
    match the ``id`` fields; ``where`` when that is null (no id, or a
    missing value from pandas or numpy: NaN, ``NaT``, ``NA``)."""
    if raw_id is None:
        return where
    if type(raw_id) is bool:  # as the output's JSON writes it: "True" would be another id's name
        return "true" if raw_id else "false"
    if type(raw_id) is int:  # as JSON already, and common
        return str(raw_id)
    try:
        value = json_value(raw_id)
    except (TypeError, ValueError):  # no JSON form: jsonable says so, naming the field
        return str(raw_id)
    if value is None:
        return where
    if isinstance(value, str):
        return value
    # a number, or an object or array: its JSON text, as the output holds it
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
