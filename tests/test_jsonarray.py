import io
import json
import random

import pytest

from scrubber import jsonarray
from scrubber.decoding import _TooLong
from scrubber.errors import InputError


def split(data: bytes, chunk: int = 1 << 20, limit: int = 0, monkeypatch=None):
    if monkeypatch is not None:
        monkeypatch.setattr(jsonarray, "CHUNK", chunk)
    return [x if isinstance(x, bytes) else ("too long", x.size)
            for x in jsonarray.items(io.BytesIO(data), "f.json", limit)]


def _record(rng: random.Random) -> dict:
    # quotes, backslashes, brackets and commas inside strings must not end a record
    text = "".join(rng.choice('ab"\\\n\t{}[],: é中\u2028') for _ in range(rng.randint(0, 40)))
    return {"id": rng.randint(0, 9), "text": text, "tags": [1, {"x": "]"}], "n": None}


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 1 << 20])
def test_every_record_comes_back_whole_however_the_bytes_are_cut(monkeypatch, chunk):
    rng = random.Random(chunk)
    for _ in range(60):
        records = [_record(rng) for _ in range(rng.randint(0, 5))]
        for style in ({}, {"indent": 2}, {"ensure_ascii": False}):
            data = json.dumps(records, **style).encode()
            assert [json.loads(x) for x in split(data, chunk, monkeypatch=monkeypatch)] == records


def test_a_record_over_the_limit_is_told_by_its_size_and_the_next_one_still_read(monkeypatch):
    data = b'[{"a": "' + b"x" * 100 + b'"}, {"b": 2}]'
    assert split(data, 7, limit=50, monkeypatch=monkeypatch) == [("too long", 109), b'{"b": 2}']


@pytest.mark.parametrize("data, where, said", [
    (b"[", "f.json:1", "ends without its ']'"),
    (b'[{"a": 1}', "f.json:2", "ends without its ']'"),
    (b'[{"a": "x]', "f.json:1", "ends inside this record"),
    (b'[{"a": 1} {"b": 2}]', "f.json:2", "expected ',' or ']' after record 1"),
    (b'[{"a": 1}] {}', "f.json:2", "data after the JSON array's closing ']'"),
    (b'[{"a": 1},, {"b": 2}]', "f.json:2", "an empty element"),
])
def test_a_broken_array_is_an_error_naming_the_record_after_those_before_it(data, where, said):
    got = []
    with pytest.raises(InputError) as e:
        for x in jsonarray.items(io.BytesIO(data), "f.json"):
            got.append(json.loads(x))
    assert e.value.where == where and said in str(e.value)
    assert all(isinstance(r, dict) for r in got)


def test_bare_values_and_a_trailing_comma_are_split_for_the_caller_to_judge():
    assert split(b' [ 1, "x" ,true, {"a": [2]}, ]\n') == [b"1", b'"x"', b"true", b'{"a": [2]}']
    assert split(b"[]") == []
