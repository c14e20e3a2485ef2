"""What a run's batches are and what workers send back.

A batch is a list of documents (``batches`` cuts a stream into them); a
worker turns one into a ``Batch``: the ``Result`` of each document, in
columns. Both engines read these; neither module knows about processes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Iterator

import numpy as np

from .minhash import Sketch
from .stats import Stats

_BATCH_DOCS = 64
_BATCH_BYTES = 1 << 20


@dataclass(slots=True)
class Result:
    """What the main process needs back from cleaning one document."""

    id: str
    line: bytes | None       # the output record, None when the document was dropped
    sketch: Sketch | None
    removed: Counter         # reasons of its removals, lines and spans (``spans`` of them spans)
    spans: int
    repaired: int
    dropped: str | None      # "empty" / "short"
    keys: np.ndarray | None = None    # line keys (boilerplate.line_keys)
    lwords: np.ndarray | None = None  # words per line
    source: str = ""
    words: np.ndarray | None = None   # word hashes, kept for pass 2
    halved: str | None = None         # the step that took over half the text (``halved_by``)


def _joined(arrays: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
    """Arrays as one, and their lengths."""
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)
    return flat, lengths


class Ragged:
    """Many 1-d arrays kept as one array and offsets: what pass 1 holds of
    every document's lines (their keys, their words) without a numpy object
    per document (about 100 bytes each, two per document). Reads as a
    sequence of views; ``flat`` and ``lengths`` give it whole."""

    def __init__(self, dtype) -> None:
        self._dtype = np.dtype(dtype)
        self._chunks: list[np.ndarray] = []
        self._lens: list[np.ndarray] = []
        self._flat: np.ndarray | None = None
        self._offsets: np.ndarray | None = None

    @classmethod
    def of(cls, flat: np.ndarray, lengths: np.ndarray) -> "Ragged":
        r = cls(flat.dtype)
        r.extend(flat, lengths)
        return r

    def extend(self, flat: np.ndarray, lengths: np.ndarray) -> None:
        if self._flat is not None:  # appending after reading: start again from the whole
            self._chunks, self._lens = [self._flat], [np.diff(self._offsets)]
            self._flat = self._offsets = None
        self._chunks.append(np.asarray(flat, dtype=self._dtype))
        self._lens.append(np.asarray(lengths, dtype=np.int64))

    def _done(self) -> None:
        if self._flat is None:
            self._flat = np.concatenate(self._chunks) if self._chunks else np.zeros(0, self._dtype)
            lens = np.concatenate(self._lens) if self._lens else np.zeros(0, np.int64)
            self._offsets = np.concatenate(([0], np.cumsum(lens)))
            self._chunks, self._lens = [], []

    @property
    def flat(self) -> np.ndarray:
        self._done()
        return self._flat

    @property
    def lengths(self) -> np.ndarray:
        self._done()
        return np.diff(self._offsets)

    def __len__(self) -> int:
        self._done()
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        self._done()
        return self._flat[self._offsets[i]:self._offsets[i + 1]]

    def __iter__(self) -> Iterator[np.ndarray]:
        self._done()
        f, o = self._flat, self._offsets.tolist()
        return (f[a:b] for a, b in zip(o[:-1], o[1:]))

    def subset(self, which: np.ndarray) -> "Ragged":
        """The arrays at the sorted positions ``which``."""
        lens = self.lengths
        keep = np.zeros(len(lens), dtype=bool)
        keep[which] = True
        return Ragged.of(self.flat[np.repeat(keep, lens)], lens[keep])


def flattened(arrays) -> tuple[np.ndarray, np.ndarray]:
    """A ``Ragged`` or a list of arrays as (all of them in one, lengths)."""
    if isinstance(arrays, Ragged):
        return arrays.flat, arrays.lengths
    lens = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    return (np.concatenate(arrays) if len(arrays) else np.zeros(0)), lens


@dataclass(slots=True)
class Batch:
    """The ``Result``s of one batch in columns, as workers send them back.

    One array per field and batch instead of several per document: pickling
    per-document objects cost the main process CPU while the workers waited
    on it, and it then wrote each document's sets to the spools one call at
    a time. Arrays joined are given with their lengths; every field but the
    counters is the kept documents' only, in input order.
    """

    counts: Counter
    removed: Counter                                           # removals by reason, lines and spans
    ids: list[str]
    lines: list[bytes]
    sigs: np.ndarray | None = None                             # [kept, num_perm]
    shingles: tuple[np.ndarray, np.ndarray] | None = None      # sets joined, lengths
    words: list[int] | None = None
    exact: list[bytes] | None = None
    keys: tuple[np.ndarray, np.ndarray] | None = None          # line keys joined, lengths
    lwords: np.ndarray | None = None                           # words per line, as keys
    sources: list[str] | None = None
    wordhashes: tuple[np.ndarray, np.ndarray] | None = None    # joined, lengths

    @classmethod
    def of(cls, results: list[Result]) -> "Batch":
        stats = Stats()
        for r in results:
            tally(stats, r)
        kept = [r for r in results if r.line is not None]
        b = cls(stats.counts, stats.removed, [r.id for r in kept], [r.line for r in kept])
        if kept and kept[0].sketch is not None:
            sk = [r.sketch for r in kept]
            b.sigs = np.stack([x.sig for x in sk])
            b.shingles = _joined([x.shingles for x in sk], np.uint32)
            b.words, b.exact = [x.words for x in sk], [x.exact for x in sk]
        if kept and kept[0].keys is not None:
            b.keys = _joined([r.keys for r in kept], np.uint64)
            b.lwords = np.concatenate([r.lwords for r in kept])
            b.sources = [r.source for r in kept]
        if kept and kept[0].words is not None:
            b.wordhashes = _joined([r.words for r in kept], np.uint32)
        return b


def tally(stats: Stats, r: Result) -> None:
    """Count one document's pass-1 result into ``stats``."""
    c = stats.counts
    c["documents_in"] += 1
    stats.removed.update(r.removed)
    c["lines_removed"] += sum(r.removed.values()) - r.spans  # its reasons count spans too
    c["spans_removed"] += r.spans
    c["documents_repaired"] += r.repaired
    if r.line is None:
        c[f"dropped_{r.dropped}"] += 1
    if r.halved:
        c[f"halved_by_{r.halved}"] += 1


@dataclass(slots=True)
class Restrip:
    """One batch of pass 2 as a worker gets it: the pass-1 shingle sets of
    its documents in one array (``lengths`` splits it) and, per document,
    None when it keeps all its lines, else (record line, line indices to
    drop, word hashes, words per line). A record that keeps its lines stays
    in the main process: sending it there and back was most of pass 2's
    traffic, and one array per batch pickles in one piece where a set per
    document cost a pickle each, while the workers waited on the main
    process for their next batch."""

    sets: np.ndarray
    lengths: np.ndarray
    changed: list


def batches(items: Iterable, size_of=lambda d: len(d.text)) -> Iterator[list]:
    """``items`` in lists of at most 64 items or 1 MiB (by ``size_of``); from
    input that can keep the run waiting (``readahead.ReadAhead``), also cut
    when the next item is not there yet, so that what came in goes out."""
    stalled = getattr(items, "stalled", None)
    batch, size = [], 0
    for d in items:
        batch.append(d)
        size += size_of(d)
        if len(batch) >= _BATCH_DOCS or size >= _BATCH_BYTES or (stalled is not None and stalled()):
            yield batch
            batch, size = [], 0
    if batch:
        yield batch
