"""Input that can keep a run waiting: a pipe, a FIFO, a terminal.

Without deduplication the output streams, but batch by batch: a batch was
cut only at 64 documents or 1 MB, and with workers two batches per worker
went out before the first came back. Fed by a slow producer (a crawler, a
``tail -f``), a run printed nothing until that many documents had come, or
its input ended. Such input is read in a thread instead (``ReadAhead``), so
that a batch is also cut when the next document is not there yet, and the
batches in flight are then waited for (``ordered_map``'s ``idle``): what
came in goes out. A document read from a file never waits, so a file is
read as before, in the calling thread.

Where batches are cut does not change the output (the classifier gives a
document the same floats in any batch); only a rule's timeouts count per
batch, and those depend on the machine's speed anyway.
"""

from __future__ import annotations

import os
import queue
import stat
import sys
import threading
from typing import Iterable, Iterator

#: How long a batch waits for its next document before it is cut: far longer
#: than a document takes to arrive from a producer that is keeping up, far
#: shorter than a person or a pipeline notices.
GRACE = 0.05

_END = object()
_NONE = object()  # no item taken ahead


class _Failed:
    """An exception of the reading thread, raised again in the reader's."""

    __slots__ = ("error",)

    def __init__(self, error: BaseException):
        self.error = error


def may_wait(paths: Iterable[str]) -> bool:
    """Whether reading ``paths`` can block on a producer: ``-`` when standard
    input is a pipe, socket or terminal (not a regular file, nor a stream
    without a descriptor: a test's), or a FIFO, socket or device named."""
    for p in paths:
        try:
            mode = os.fstat(sys.stdin.fileno()).st_mode if p == "-" else os.stat(p).st_mode
        except (AttributeError, OSError, ValueError):  # closed, missing, a URL: reading says why
            continue
        if not (stat.S_ISREG(mode) or stat.S_ISDIR(mode)):
            return True
    return False


class ReadAhead:
    """``items`` read in a daemon thread, started when first iterated.

    ``stalled()`` says whether the next item is not there within
    ``GRACE`` seconds; ``idle()`` whether the last call said so. An
    exception of the reading thread is raised where its item would have
    been, after the items before it. Leaving the iteration early stops
    the thread at its next item (a thread blocked reading is a daemon: it
    does not keep the process alive).
    """

    def __init__(self, items: Iterable, size: int = 64):
        self._items = items
        self._q: queue.Queue = queue.Queue(size)
        self._stop = threading.Event()
        self._next = _NONE  # an item taken by ``stalled``, not yet given
        self._idle = False

    def _read(self) -> None:
        try:
            for item in self._items:
                if not self._put(item):
                    return
            self._put(_END)
        except BaseException as e:  # noqa: BLE001 - raised again in the reading thread's stead
            self._put(_Failed(e))

    def _put(self, item) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def __iter__(self) -> Iterator:
        threading.Thread(target=self._read, name="scrubber-read-ahead", daemon=True).start()
        try:
            while True:
                item, self._next = (self._next, _NONE) if self._next is not _NONE else (self._q.get(), _NONE)
                if item is _END:
                    return
                if type(item) is _Failed:
                    raise item.error
                yield item
        finally:
            self._stop.set()

    def stalled(self) -> bool:
        if self._next is _NONE:
            try:
                self._next = self._q.get(timeout=GRACE)
            except queue.Empty:
                self._idle = True
                return True
        self._idle = False
        return False

    def idle(self) -> bool:
        return self._idle
