"""CSV and TSV files as records: the header row names the fields, each row
after it is one record (every value a string, as the file holds it)."""

from __future__ import annotations

import csv
import io
from typing import BinaryIO, Iterator

from .errors import InputError

#: The longest field Python's csv module reads by default is 128 kB of
#: characters; an article can be longer. Raised (never lowered) to the
#: run's bound, for the whole process: the module has one limit.
_DEFAULT_FIELD_LIMIT = 1 << 17


def rows(fh: BinaryIO, where: str, delimiter: str = ",", limit: int = 0) -> Iterator[tuple[int, dict]]:
    """(N, record) for the Nth row after the header (blank lines are not
    counted) of the UTF-8 CSV (with ``delimiter="\\t"``, TSV) in ``fh``.
    A field over ``limit`` characters (0: any length), a row with more
    fields than the header, or a header naming a column twice is an
    InputError naming the row (the file cannot be read on past a field it
    could not finish); a row with fewer fields has null for the rest."""
    csv.field_size_limit(max(csv.field_size_limit(), limit or (1 << 31) - 1, _DEFAULT_FIELD_LIMIT))
    text = io.TextIOWrapper(fh, encoding="utf-8", errors="replace", newline="")
    if delimiter == "\t":
        # the csv module's limit, as raised above: CSV and TSV take the same fields
        reader: _TsvReader | csv._reader = _TsvReader(text, csv.field_size_limit())
    else:
        # strict: a quote left open to the end of the file is an error, not
        # every row after it read as one field
        lines = _Lines(text, csv.field_size_limit())
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
    n = 0
    try:
        header = next(reader, None)
        if header is None:
            return
        seen = set()
        for name in header:
            if name in seen:
                raise InputError(f"{where}:1", f"the header names the column {name!r} twice")
            seen.add(name)
        if delimiter != "\t":
            lines.fields = len(header)
        for row in reader:
            if not row:
                continue
            n += 1
            if len(row) > len(header):
                raise InputError(f"{where}:{n}", f"row {n} (line {reader.line_num}) has {len(row)} "
                                 f"fields, the header {len(header)}: a field holding the delimiter "
                                 "must be quoted")
            rec = dict(zip(header, row))
            for name in header[len(row):]:
                rec[name] = None
            yield n, rec
    except csv.Error as e:
        raise InputError(f"{where}:{n + 1}", f"row {n + 1} (line {reader.line_num}) is not valid "
                         f"{'TSV' if delimiter == chr(9) else 'CSV'}: {e}; the rest of the file is "
                         "not read") from None
    finally:
        text.detach()  # the caller closes the file


class _Lines:
    """The lines of ``text`` for ``csv.reader``, each read with a bound: the
    csv module reads a whole line before it looks at its fields, and a
    1 GB line (a 1 MB gzip bomb) cost 2 GB before the field limit told.
    A line may hold one field of the limit per column (and a quote, a
    delimiter and a line break each); a longer one is a csv.Error."""

    def __init__(self, text: io.TextIOBase, limit: int):
        self._text = text
        self._limit = limit
        self.fields = 1  # the header's columns, once it is read

    def __iter__(self) -> "_Lines":
        return self

    def __next__(self) -> str:
        cap = (self._limit + 3) * self.fields
        line = self._text.readline(cap + 1)
        if not line:
            raise StopIteration
        if len(line) > cap:
            raise csv.Error(f"a line longer than {cap} characters (the field limit, "
                            f"{self._limit}, for each of {self.fields} columns)")
        return line


class _TsvReader:
    """Rows of a TSV file: fields split at tabs. A field that opens with a
    quote is a quoted field (doubled quotes inside; tabs and line breaks
    allowed) when it closes as one, right before a tab or the line's end;
    otherwise its quote is text, as in TSV written without quoting, where
    an article may well open with one ('"Yes," she said.'). A quote that
    never closes as a quoted field is text too (one that closes a later
    line, right before its end or a tab, closes one, as the csv module
    reads it), and one left open past the field limit is an error, as it
    is in CSV. A blank line is an empty row. Lines are read one at a time;
    ``line_num`` is the last line of the row, as the csv module counts."""

    def __init__(self, text: io.TextIOBase, limit: int = 0):
        self._text = text
        self._limit = limit or (1 << 31) - 1
        self._back: list[str] = []
        self.line_num = 0

    def __iter__(self) -> "_TsvReader":
        return self

    def _line(self) -> str | None:
        # never more than a field may hold: one line of a GB is an error, not a GB read
        line = self._back.pop() if self._back else self._text.readline(self._limit + 2)
        if not line:
            return None
        self.line_num += 1
        if len(line) > self._limit + 1:
            raise csv.Error(f"field larger than field limit ({self._limit})")
        return line

    def __next__(self) -> list[str]:
        line = self._line()
        if line is None:
            raise StopIteration
        body = line.rstrip("\r\n")
        if not body:
            return []
        if '"' not in body:
            row = body.split("\t")
        else:
            self._ending = line[len(body):] or "\n"
            row, body = self._quoted(body)
        if any(len(f) > self._limit for f in row):
            raise csv.Error(f"field larger than field limit ({self._limit})")
        return row

    def _quoted(self, body: str) -> tuple[list[str], str]:
        row: list[str] = []
        i = 0
        while True:
            end = -1
            if body.startswith('"', i):
                field, end, body = self._close(body, i)
                if end >= 0:
                    row.append(field)
                    i = end
            if end < 0:  # a plain field, quotes and all
                tab = body.find("\t", i)
                end = len(body) if tab < 0 else tab
                row.append(body[i:end])
                i = end
            if i >= len(body):
                return row, body
            i += 1  # past the tab

    def _close(self, body: str, i: int) -> tuple[str, int, str]:
        """The quoted field opening at ``body[i]``: (value, index after its
        closing quote in the text its row goes on in, that text: the last
        line it went on into), or end -1 (lines read ahead put back) when it
        does not close as one."""
        ending = self._ending
        parts: list[str] = []
        taken: list[str] = []
        cur, j, size = body, i + 1, 0
        while True:
            k = cur.find('"', j)
            if k < 0:
                parts.append(cur[j:])
                size += len(cur) - j
                if size > self._limit:
                    raise csv.Error(f"a quoted field runs past the field limit ({self._limit})")
                line = self._line()
                if line is None:
                    break
                taken.append(line)
                stripped = line.rstrip("\r\n")
                parts.append(self._ending)  # the line break is the field's, as the file has it
                self._ending = line[len(stripped):] or "\n"
                cur, j = stripped, 0
                continue
            if cur.startswith('"', k + 1):
                parts.append(cur[j:k] + '"')
                size += k - j + 1
                j = k + 2
                continue
            if k + 1 == len(cur) or cur[k + 1] == "\t":
                parts.append(cur[j:k])
                return "".join(parts), k + 1, cur
            break
        for line in reversed(taken):
            self._back.append(line)
            self.line_num -= 1
        self._ending = ending
        return "", -1, body
