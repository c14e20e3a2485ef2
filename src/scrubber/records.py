"""JSON records: parsed (integers of any size kept), checked (nesting,
lone surrogates, the text field) and made JSON (values JSON has no type for)."""

from __future__ import annotations

import json
import math
from collections import Counter

import orjson

from . import decoding, sinks
from .errors import InputError

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
        if not isinstance(key, str):
            # JSON names are strings: a number, bool or None becomes its JSON
            # text as the json module makes it (a DataFrame's columns 0, 1 ...)
            if key is not None and not isinstance(key, (int, float)):
                raise InputError(where, f"field name {key!r} is a {type(key).__name__}, not a string")
            key = json.dumps(key)
        try:
            out[key] = json_value(value)
        except (TypeError, ValueError) as e:
            raise InputError(where, f"field {key!r}: {e}") from None
    return out


def json_value(value: object) -> object:
    """``value`` as the JSON value it is written as (``_plain`` for what
    JSON has no type for); TypeError when it has no JSON form."""
    try:
        return orjson.loads(orjson.dumps(value, default=_plain, option=_AS_JSON))
    except TypeError:
        # integers beyond 64 bits, which orjson refuses and json writes
        return json.loads(json.dumps(value, default=_plain))


_AS_JSON = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


def _plain(value: object) -> object:
    """The JSON value for a Python value the JSON writers refuse: a date or
    time (pandas' Timestamp too) as its ISO 8601 string, a duration
    (``timedelta``, pandas' Timedelta) as its seconds, a numpy scalar as
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
    if isinstance(value, datetime.timedelta):
        # seconds, a number any JSON reader takes (ISO 8601's "PT5S" needs a
        # parser); whole seconds stay an integer, finer ones a fraction
        if type(value).__name__ == "Timedelta":  # pandas: nanoseconds
            ns = value.value
            return ns // 10**9 if ns % 10**9 == 0 else ns / 10**9
        us = (value.days * 86400 + value.seconds) * 10**6 + value.microseconds
        return us // 10**6 if us % 10**6 == 0 else us / 10**6
    if hasattr(value, "dtype") and hasattr(value, "item"):  # numpy scalars and 0-d arrays
        if getattr(value, "ndim", 0):
            return value.tolist()
        item = value.item()
        if type(item) is not type(value):
            return item
        # a long double's item() is itself (no Python type holds it): asked
        # again, this would recurse until RecursionError
        if getattr(value.dtype, "kind", "") == "f":
            return float(value)
        raise TypeError(f"{name} value has no JSON form")
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


def _parse_line(raw: bytes, where: str, counts: Counter) -> object:
    """(record, whether orjson read it: then it holds no lone surrogate and
    no nesting past orjson's limit)."""
    try:
        return sinks.loads(raw, strict=True), True
    except orjson.JSONDecodeError:
        pass
    except RecursionError:
        raise InputError(where, _TOO_DEEP) from None
    # orjson is strict: invalid UTF-8, NaN, lone surrogates, raw control
    # characters (a tab) in strings and nesting past 1024 fail there but are
    # readable; only a line the standard parser rejects too is bad.
    text, _, legacy = decoding.utf8_or_legacy(raw)
    try:
        # without its line end, a record cut short fails at its last column, not "column 1"
        rec = json.loads(text.rstrip("\r\n"), parse_float=_finite, parse_int=_int,
                         parse_constant=_constant, strict=False)
    except json.JSONDecodeError as e:
        kind = decoding.binary_kind(raw)
        if kind:  # --input-format jsonl on a compressed or binary file
            raise InputError(where, kind) from None
        raise InputError(where, f"not valid JSON: {e.msg.removesuffix(' at')} (column {e.colno})") from None
    except _OutOfRange as e:
        raise InputError(where, f"the number {_short(str(e))} is beyond what a float holds") from None
    except _TooLong as e:
        raise InputError(where, f"the integer {_short(str(e))} has more than {MAX_INT_DIGITS:,} digits, "
                                "which Python does not read (its int_max_str_digits)") from None
    except _Infinite as e:
        raise InputError(where, f"{e} is not JSON, and would be written back as null") from None
    except RecursionError:
        raise InputError(where, _TOO_DEEP) from None
    if legacy:
        counts["legacy_encoding_records"] += 1
    elif "\ufffd" in text and b"\xef\xbf\xbd" not in raw:
        counts["invalid_utf8_bytes"] += text.count("\ufffd")
    return rec, False


class _OutOfRange(ValueError):
    pass


def _finite(literal: str) -> float:
    """A JSON number as a float; one past the float range (1e400) would be
    infinity, which JSON cannot write: it would come out as null, silently."""
    value = float(literal)
    if math.isinf(value):
        raise _OutOfRange(literal)
    return value


class _TooLong(ValueError):
    pass


#: Python's own bound on the digits of an integer it reads from text
#: (``sys.int_max_str_digits``): past it, reading one takes time quadratic
#: in its length, and ``int()`` raises a ValueError, which was an internal
#: error here.
MAX_INT_DIGITS = 4300


def _int(literal: str) -> int:
    if len(literal.lstrip("-")) > MAX_INT_DIGITS:
        raise _TooLong(literal)
    return int(literal)


def _short(literal: str) -> str:
    """A number as a message shows it: a million digits would be the message."""
    return literal if len(literal) <= 40 else f"{literal[:20]}…{literal[-10:]} ({len(literal):,} characters)"


class _Infinite(ValueError):
    pass


def _constant(literal: str) -> float:
    """Python's JSON extensions: NaN is read as the missing value it stands
    for (written back as null, as pandas writes it); Infinity is refused,
    as 1e400 is (``_finite``)."""
    if literal == "NaN":
        return math.nan
    raise _Infinite(literal)


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
        except ValueError:  # int() past its digits too: then a record with a bad number
            return False
        except RecursionError:  # an object nested past the stack: a record, refused when read
            return True
