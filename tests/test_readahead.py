"""Input that can keep a run waiting: read ahead, batches cut when it does."""

import os
import stat
import threading

import pytest

from scrubber.batches import batches
from scrubber.readahead import ReadAhead, may_wait


def test_items_come_in_order_and_the_readers_error_after_those_before_it():
    def items():
        yield from "abc"
        raise ValueError("line 4: bad")

    got = []
    with pytest.raises(ValueError, match="line 4"):
        for x in ReadAhead(items()):
            got.append(x)
    assert got == ["a", "b", "c"]


def test_a_batch_is_cut_when_the_next_document_is_not_there_yet():
    # A slow producer: two documents, then nothing until the first ones are
    # out. Cut only when full (64) or at the end, they waited for the third.
    out = threading.Event()

    def slow():
        yield "a"
        yield "b"
        out.wait(10)
        yield "c"

    it = batches(ReadAhead(slow()), size_of=len)
    first = []
    while first != ["a", "b"]:
        first += next(it)
    out.set()
    assert next(it) == ["c"] and list(it) == []


def test_items_from_a_file_are_batched_as_before():
    assert list(batches(iter("abc"), size_of=len)) == [["a", "b", "c"]]


def test_only_input_that_can_block_is_read_ahead(tmp_path):
    f = tmp_path / "x.jsonl"
    f.write_text("{}\n")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert not may_wait([str(f), str(tmp_path), str(tmp_path / "missing")])
    assert may_wait([str(f), str(fifo)])
