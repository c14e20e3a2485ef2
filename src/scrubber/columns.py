"""Per-document columns the main process holds between passes, compactly.

A run with deduplication keeps a few values for every document until its
last pass. As Python objects (a ``str`` id, a 16-byte ``bytes`` digest, an
``int`` word count, each behind an 8-byte list slot) they cost about 170
bytes per document before any signature; here they cost the bytes
themselves plus one offset. Signatures are written to disk as they come
and read back once into an array of the final size: appended block by
block and joined, they were held twice at the moment they were joined
(512 bytes per document each time).
"""

from __future__ import annotations

import os
import tempfile
from array import array
from typing import Iterable, Iterator, Sequence

import numpy as np


class _Packed(Sequence):
    """The sequence protocol over items packed in one buffer: indexing,
    slices and iteration, given ``_at(i)`` for a valid index."""

    def _at(self, i: int):
        raise NotImplementedError

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._at(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._at(i)

    def __iter__(self) -> Iterator:
        return (self._at(i) for i in range(len(self)))


class Strings(_Packed):
    """Strings (document ids) as one UTF-8 buffer and offsets: 8 bytes
    per string beside its text, where a ``str`` costs 49 or more."""

    def __init__(self, items: Iterable[str] = ()) -> None:
        self._buf = bytearray()
        self._ends = array("q")
        self.extend(items)

    def append(self, s: str) -> None:
        self._buf += s.encode("utf-8", "surrogatepass")
        self._ends.append(len(self._buf))

    def extend(self, items: Iterable[str]) -> None:
        for s in items:
            self.append(s)

    def __len__(self) -> int:
        return len(self._ends)

    def _at(self, i: int) -> str:
        a = self._ends[i - 1] if i else 0
        return self._buf[a:self._ends[i]].decode("utf-8", "surrogatepass")


class Digests(_Packed):
    """Fixed-size byte strings (exact-text digests) end to end in one buffer."""

    def __init__(self, size: int, items: Iterable[bytes] = ()) -> None:
        self.size = size
        self._buf = bytearray()
        self.extend(items)

    def append(self, d: bytes) -> None:
        if len(d) != self.size:
            raise ValueError(f"a digest of {len(d)} bytes, not {self.size}")
        self._buf += d

    def extend(self, items: Iterable[bytes]) -> None:
        for d in items:
            self.append(d)

    def __len__(self) -> int:
        return len(self._buf) // self.size

    def _at(self, i: int) -> bytes:
        return bytes(self._buf[i * self.size:(i + 1) * self.size])

    @property
    def array(self) -> np.ndarray:
        """All digests as uint8 [n, size], a copy (a view would stop the
        buffer from growing while it lived)."""
        return np.frombuffer(bytes(self._buf), dtype=np.uint8).reshape(len(self), self.size)


class RowSpool:
    """Rows of a fixed width (signatures) appended to a temporary file and
    read back once, into an array allocated at its final size."""

    def __init__(self, width: int | None = None, dtype=np.uint32) -> None:
        self.width, self.dtype = width, np.dtype(dtype)  # width: the first block's, if not given
        self._file = tempfile.TemporaryFile()
        self._rows = 0

    def append(self, block: np.ndarray) -> None:
        block = np.ascontiguousarray(block, dtype=self.dtype)
        if block.size:
            if self.width is None:
                self.width = block.shape[1]
            if block.shape[1] != self.width:
                raise ValueError(f"rows of {block.shape[1]}, not {self.width}")
            self._file.write(block.data)
            self._rows += len(block)

    def __len__(self) -> int:
        return self._rows

    def blocks(self, rows: int = 8192) -> Iterator[np.ndarray]:
        """Every row again, ``rows`` at a time."""
        self._file.flush()
        for a in range(0, self._rows, rows):
            k = min(rows, self._rows - a)
            out = np.empty((k, self.width), dtype=self.dtype)
            if os.preadv(self._file.fileno(), [memoryview(out).cast("B")], a * self.width * self.dtype.itemsize) \
                    != out.nbytes:
                raise OSError("signature spool read short")
            yield out

    def load(self, width: int = 0) -> np.ndarray:
        """Every row, [n, width], in a new array (``width`` for none yet)."""
        out = np.empty((self._rows, self.width or width), dtype=self.dtype)
        self._file.flush()
        self._file.seek(0)
        if out.size and self._file.readinto(memoryview(out).cast("B")) != out.nbytes:
            raise OSError("signature spool read short")
        return out

    def close(self) -> None:
        self._file.close()
