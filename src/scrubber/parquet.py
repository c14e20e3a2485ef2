"""Parquet in and out, with pyarrow (the ``parquet`` extra).

Parquet is how FineWeb, RedPajama, Dolma and most Hugging Face datasets
ship. Reading streams row groups in batches; any column can be the text or
the id, the others pass through. Writing takes the JSONL lines the pipeline
renders, spools them, and writes the file at the end with one schema for
all rows (a field first seen late, such as ``duplicate_of``, still gets its
column; a column that is null in the first rows takes its type from later
ones), atomically as the JSONL sink does.
"""

from __future__ import annotations

import errno
import tempfile
from collections import Counter
from typing import BinaryIO, Iterable, Iterator

from .decoding import utf8_text
from .errors import InputError, ScrubberError
from .extras import need
from .records import json_value
from .sinks import loads

#: Rows per Arrow batch read or written: big enough that per-batch costs
#: vanish, small enough to keep memory flat.
BATCH_ROWS = 8192


#: Bytes of decoded values a batch holds at most, as the file's metadata
#: tells them: a row group of 9 MB rows is read a few rows at a time.
BATCH_BYTES = 64 << 20


def rows(fh: BinaryIO, where: str, text_field: str, counts: Counter | None = None,
         max_row_bytes: int = 0) -> Iterator[dict | None]:
    """The rows of a parquet file as dicts of JSON values, in file order.

    A text column of binary type is read as UTF-8 (many writers store
    strings so: Hive, Impala, older Spark), each invalid byte sequence
    U+FFFD, counted in ``counts`` as JSONL's are. Other columns pass through
    as the JSON output writes them (``records.json_value``): durations as
    seconds, binary as base64; a value with no JSON form is an InputError
    naming its column and type.

    A row whose strings and bytes add up to more than ``max_row_bytes``
    (0: no limit) is None, never made into Python values; as a JSONL line
    past its bound is. Parquet compresses a repeated value to nothing, so
    a file of a few kB can hold GBs of rows: a batch holds ``BATCH_BYTES``
    of decoded values as the metadata tells, and the rows of a dictionary
    column (a pandas category) share its values. pyarrow still decodes a
    cell whole, and a page's values at once: a 300 MB cell costs about
    1.3 GB while it is read."""
    need("pyarrow", "parquet", where, "reading parquet")
    import pyarrow as pa
    import pyarrow.parquet as pq

    counts = counts if counts is not None else Counter()
    try:
        pf = pq.ParquetFile(fh)
    except (pa.ArrowException, OSError) as e:
        raise InputError(where, f"not a readable parquet file: {e}") from None
    schema = pf.schema_arrow
    names = schema.names
    twice = sorted(n for n, k in Counter(names).items() if k > 1)
    if twice:
        # a record holds a name once: one of the two values would be lost
        # (and pyarrow cannot name the text column's type), as a CSV header
        # naming a column twice is refused
        raise InputError(where, f"the file names the column {twice[0]!r} twice")
    if text_field not in schema.names:
        raise InputError(where, f"no '{text_field}' column (name another with --text-field, or text_field= in Python); "
                                f"columns: {', '.join(schema.names)}")
    text_type = schema.field(text_field).type
    if pa.types.is_dictionary(text_type):
        text_type = text_type.value_type
    binary_text = _is_binary(text_type)
    # Only columns whose values the JSON writer cannot take as they come
    # are converted, value by value: the rest cost nothing.
    odd = [f for f in schema if f.name != text_field and not _as_they_come(f.type)]
    try:
        meta = pf.metadata
        for group in range(meta.num_row_groups):
            rg = meta.row_group(group)
            per_row = sum(rg.column(i).total_uncompressed_size for i in range(rg.num_columns)) // max(rg.num_rows, 1)
            size = max(1, min(BATCH_ROWS, BATCH_BYTES // max(per_row, 1)))
            for batch in pf.iter_batches(batch_size=size, row_groups=[group]):
                too_big = _over(batch, max_row_bytes) if max_row_bytes else None
                names = batch.schema.names
                columns = [_values(c) for c in batch.columns]
                for i in range(batch.num_rows):
                    if too_big is not None and too_big[i]:
                        yield None
                        continue
                    row = {name: col[i] for name, col in zip(names, columns)}
                    if binary_text and isinstance(row[text_field], bytes):
                        row[text_field] = utf8_text(row[text_field], counts)
                    for f in odd:
                        try:
                            row[f.name] = json_value(row[f.name])
                        except (TypeError, ValueError) as e:
                            raise InputError(where, f"column '{f.name}' of type {f.type} has a value "
                                                    f"JSON cannot hold ({e})") from None
                    yield row
    except (pa.ArrowException, OSError) as e:
        raise InputError(where, f"corrupt parquet data: {e}") from None


def _is_bytes(t) -> bool:
    import pyarrow as pa

    return pa.types.is_string(t) or pa.types.is_large_string(t) or _is_binary(t) and not pa.types.is_fixed_size_binary(t)


def _values(col) -> list:
    """A column's Python values; a dictionary's rows share its values (its
    ``to_pylist`` makes a copy per row: 2,000 rows of one 5 MB string, 10 GB)."""
    import pyarrow as pa

    if not pa.types.is_dictionary(col.type):
        return col.to_pylist()
    values = col.dictionary.to_pylist()
    return [None if i is None else values[i] for i in col.indices.to_pylist()]


def _over(batch, limit: int) -> list[bool]:
    """Per row, whether its strings and bytes add up to more than ``limit``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    total = None
    for col in batch.columns:
        if pa.types.is_dictionary(col.type) and _is_bytes(col.type.value_type):
            lengths = pc.take(pc.binary_length(col.dictionary), col.indices)
        elif _is_bytes(col.type):
            lengths = pc.binary_length(col)
        else:
            continue
        lengths = pc.fill_null(lengths.cast(pa.int64()), 0)
        total = lengths if total is None else pc.add(total, lengths)
    if total is None:
        return [False] * batch.num_rows
    return pc.greater(total, limit).to_pylist()


def _is_binary(t) -> bool:
    import pyarrow as pa

    return pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t)


def _as_they_come(t) -> bool:
    """Whether ``to_pylist`` gives a column of type ``t`` as values the
    JSON writer (orjson) takes: numbers, strings, dates, times, and
    timestamps coarser than nanoseconds (finer ones are pandas Timestamps)."""
    import pyarrow as pa

    ty = pa.types
    return (ty.is_integer(t) or ty.is_float32(t) or ty.is_float64(t) or ty.is_boolean(t)
            or ty.is_string(t) or ty.is_large_string(t) or ty.is_null(t) or ty.is_date(t)
            or ty.is_time(t) or ty.is_timestamp(t) and t.unit != "ns")


def _table(batch: list[dict], schema=None):
    """Records as an Arrow table with a column for every field of any of
    them (``Table.from_pylist`` takes the fields of the first record only)."""
    import pyarrow as pa

    names = schema.names if schema is not None else dict.fromkeys(k for r in batch for k in r)
    return pa.Table.from_pydict({k: [r.get(k) for r in batch] for k in names}, schema=schema)


class ParquetSink:
    """Context manager taking JSONL lines and writing them as one parquet
    file on clean exit; the file appears only then, through ``Sink`` (a
    temporary file renamed into place), and with ``commit=False`` is left
    as ``tmp`` for the caller to commit, as ``Sink`` does."""

    def __init__(self, path: str, commit: bool = True, fields: tuple[str, ...] = ("id", "text")):
        from .sinks import Sink

        self.path, self.fields = path, fields
        self._out = Sink(path, commit=commit)
        self._spool: BinaryIO | None = None

    def __enter__(self) -> "ParquetSink":
        need("pyarrow", "parquet", self.path, "writing parquet")
        self._open()
        self._spool = tempfile.TemporaryFile()
        return self

    def _open(self) -> None:
        self._out.__enter__()

    def write(self, line: bytes) -> None:
        try:
            self._spool.write(line)
        except OSError as e:
            # The records wait in a temporary file until the end: a full
            # TMPDIR is said as the passes' temporary files say it.
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise ScrubberError(f"{tempfile.gettempdir()}: no space left for temporary files "
                                    f"({e.strerror or e}); parquet output waits there whole until the "
                                    "run ends: free some, or set TMPDIR or --tmp-dir") from None
            raise ScrubberError(f"{tempfile.gettempdir()}: cannot write a temporary file: "
                                f"{e.strerror or e}") from None

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is None:
                try:
                    try:
                        self._write_parquet()
                    except OSError as e:  # the disk is full, say
                        raise ScrubberError(f"{self.path}: cannot write: {e.strerror or e}") from None
                except BaseException as e:
                    self._close(type(e), e, e.__traceback__)
                    raise
            self._close(exc_type, exc, tb)
        finally:
            try:
                self._spool.close()
            except OSError:  # its buffer's flush on a full disk: the file goes anyway
                pass

    def _close(self, exc_type, exc, tb) -> None:
        self._out.__exit__(exc_type, exc, tb)

    @property
    def tmp(self) -> str | None:
        return self._out.tmp

    def commit_now(self) -> None:
        """Commit the finished file of a ``commit=False`` sink."""
        self._out.commit_now()

    def discard(self) -> None:
        """Remove the finished file of a ``commit=False`` sink not to be committed."""
        self._out.discard()

    def _batches(self) -> Iterator[list[dict]]:
        self._spool.seek(0)
        return _batches(self._spool, self.path)

    def _schema(self):
        """One schema for every row of the spool, since a parquet file (and
        a data set of parquet shards) has one and a row group cannot add a
        column: each batch's, unified in order (a field new in a later
        batch goes last, as unify_schemas puts it)."""
        import pyarrow as pa

        schema = None
        for batch in self._batches():
            try:
                s = _table(batch).schema
                schema = s if schema is None else pa.unify_schemas([schema, s], promote_options="permissive")
            except pa.ArrowException as e:
                raise _mixed(self.path, batch, schema, e) from None
        return schema

    def _write_parquet(self) -> None:
        import pyarrow as pa

        # Two passes over the spool: the first finds the schema.
        schema = self._schema()
        if schema is None:  # no records: an empty file with the two fields every record has
            schema = pa.schema([(f, pa.string()) for f in self.fields])
        _write(self._out._fh, schema, self._batches(), self.path)


class ParquetShards(ParquetSink):
    """``-o DIR.parquet/``: JSONL lines to ``part-NNNNN.parquet`` files of at
    most ``per_shard`` records each, all of one schema, that of a single
    file of the same records (pandas, pyarrow and Hugging Face datasets take
    the first shard's schema for all of them, or refuse shards that
    differ). The records are spooled as a single file's are, the schema
    found over all of them, and the shards written from the spool when the
    run ends; a field whose type differs between shards is the error a
    single file gives, and no shard appears. Shards appear (and stale ones
    of an earlier run go) only when the run succeeds, through
    ``ShardedSink``."""

    def __init__(self, directory: str, per_shard: int = 100_000, commit: bool = True):
        from .sinks import ShardedSink

        self.path, self.per_shard = directory, per_shard
        self._out = ShardedSink(directory, per_shard, ".parquet", commit=commit)
        self._spool = None

    def _open(self) -> None:
        self._out.__enter__()  # creates the directory, or fails now

    @property
    def tmp(self) -> str | None:
        return None

    def _write_parquet(self) -> None:
        schema = self._schema()
        # the parts are parquet of that schema; _close commits them (or removes them)
        self._out._make = lambda path, commit=False: _Part(path, schema, self.path)
        self._spool.seek(0)
        for line in self._spool:
            self._out.write(line)


class _Part:
    """One parquet shard of a known schema, as ``ShardedSink`` makes its
    parts: JSONL lines in, written in row groups of ``BATCH_ROWS`` to a
    temporary file left as ``tmp``."""

    def __init__(self, path: str, schema, name: str, commit: bool = False):
        from .sinks import Sink

        self.schema, self.name = schema, name
        self._out = Sink(path, commit=commit)
        self._lines: list[bytes] = []
        self._writer = None

    def __enter__(self) -> "_Part":
        import pyarrow.parquet as pq

        self._out.__enter__()
        self._writer = pq.ParquetWriter(self._out._fh, self.schema, compression="zstd")
        return self

    def write(self, line: bytes) -> None:
        self._lines.append(line)
        if len(self._lines) == BATCH_ROWS:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        batch: list[dict] = []
        try:
            batch = [_record(line, self.name) for line in self._lines]
            self._lines = []
            self._writer.write_table(_table(batch, self.schema))
        except pa.ArrowException as e:
            raise _mixed(self.name, batch, self.schema, e) from None
        except OSError as e:
            raise ScrubberError(f"{self.name}: cannot write: {e.strerror or e}") from None

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                if self._lines:
                    self._flush()
                self._writer.close()
            except BaseException as e:
                self._out.__exit__(type(e), e, e.__traceback__)
                raise
        else:
            try:
                self._writer.close()
            except Exception:
                pass
        self._out.__exit__(exc_type, exc, tb)

    @property
    def tmp(self) -> str | None:
        return self._out.tmp


def _batches(lines: Iterable[bytes], name: str) -> Iterator[list[dict]]:
    batch = []
    for line in lines:
        batch.append(_record(line, name))
        if len(batch) == BATCH_ROWS:
            yield batch
            batch = []
    if batch:
        yield batch


def _write(fh: BinaryIO, schema, batches: Iterable[list[dict]], name: str) -> None:
    """Batches of records to a parquet file of ``schema``, a row group each."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    batch: list[dict] = []
    try:
        with pq.ParquetWriter(fh, schema, compression="zstd") as writer:
            for batch in batches:
                writer.write_table(_table(batch, schema))
    except pa.ArrowException as e:
        raise _mixed(name, batch, schema, e) from None


#: A parquet integer column holds 64-bit signed integers.
_INT64 = range(-2**63, 2**63)


def _record(line: bytes, name: str) -> dict:
    """A rendered JSONL line as the record to store, its integers read
    exactly (``sinks.loads``; orjson alone reads one past 64 bits as a
    float, or refuses it). One that parquet's int64 cannot hold is refused
    naming its field, rather than stored as a float that loses its digits
    or left to fail inside pyarrow."""
    rec = loads(line)
    for field, value in rec.items():
        big = _big_int(value)
        if big is not None:
            digits = str(big)
            if len(digits) > 40:
                digits = f"{digits[:20]}… ({len(digits.lstrip('-'))} digits)"
            raise ScrubberError(f"{name}: cannot write parquet: field {field!r} holds the integer "
                                f"{digits}, beyond parquet's 64-bit integers; write JSONL to keep it")
    return rec


def _big_int(value: object) -> int | None:
    """The first integer in ``value`` (nested too) that int64 cannot hold."""
    if type(value) in (str, float, bool, type(None)):
        return None
    todo = [value]
    while todo:
        v = todo.pop()
        if type(v) is int:
            if v not in _INT64:
                return v
        elif isinstance(v, dict):
            todo.extend(reversed(list(v.values())))
        elif isinstance(v, list):
            todo.extend(reversed(v))
    return None


def _mixed(path: str, batch: list[dict], schema, err: Exception) -> ScrubberError:
    """The error for values parquet cannot hold in one column, naming the field."""
    import pyarrow as pa

    field = "?"
    for name in dict.fromkeys(k for r in batch for k in r):
        try:
            a = pa.array([r.get(name) for r in batch])
            if schema is not None and name in schema.names:
                pa.unify_schemas([pa.schema([(name, a.type)]), pa.schema([schema.field(name)])],
                                 promote_options="permissive")
        except pa.ArrowException:
            field = name
            break
    if field == "?":  # something else parquet cannot hold, such as an empty object
        return ScrubberError(f"{path}: cannot write parquet: {err}")
    values = [r.get(field) for r in batch]
    if any(isinstance(v, list) and v and all(isinstance(p, list) and len(p) == 2 for p in v)
           for v in values):
        # A parquet map column is read as [key, value] pairs, which mix types
        # within one list; the message said the records disagreed.
        return ScrubberError(f"{path}: cannot write parquet: field '{field}' holds [key, value] "
                             "pairs of different types (a map column as JSON keeps it): write "
                             f"JSONL, or leave the field out ({err})")
    return ScrubberError(f"{path}: cannot write parquet: field '{field}' has values of "
                         f"different types, and a parquet column has one ({err})")
