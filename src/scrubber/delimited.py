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
    # strict: a quote left open to the end of the file is an error, not
    # every row after it read as one field
    reader = csv.reader(text, delimiter=delimiter, strict=True)
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
