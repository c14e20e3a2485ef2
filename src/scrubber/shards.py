"""A corpus in shards: what each shard holds after pass 1, and the
executor that runs steps over shards (``Serial`` here; Ray's in
``ray_engine.py``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .batches import Result, tally
from .ids import id_hashes
from .stats import Stats


@dataclass(slots=True)
class Docs:
    """A shard's documents: clean records, and what corpus furniture needs."""

    records: list[bytes]
    #: place of each record among the shard's pass-1 documents (None: all of them)
    pos: np.ndarray | None = None
    keys: list[np.ndarray] = field(default_factory=list)
    lwords: list[np.ndarray] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    wordhashes: list[np.ndarray] = field(default_factory=list)


@dataclass(slots=True)
class View:
    """What clustering needs of a shard's documents. ``pos`` is each
    document's place among the shard's pass-1 documents (documents that a
    later pass drops leave gaps)."""

    pos: np.ndarray
    ids: list[str]
    sigs: np.ndarray
    shingles: list[np.ndarray]
    words: np.ndarray
    exact: list[bytes]


@dataclass(slots=True)
class Summary:
    """What the driver learns of a shard from pass 1."""

    kept: int
    stats: Stats
    messages: list[str]
    sources: Counter
    #: ``ids.id_hashes`` of the kept documents' ids, when deduplicating.
    id_hashes: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))


# --- executors -----------------------------------------------------------------

class Serial:
    """Runs each step when it is submitted, in this process. Handles are
    the values themselves. An executor has four methods: ``call`` (a step
    returning one value: one handle), ``split`` (a step returning ``k``
    values: ``k`` handles), ``get`` and ``put``; handles given as top-level
    arguments reach the step as values."""

    def call(self, fn: Callable, *args):
        return fn(*args)

    def split(self, fn: Callable, k: int, *args) -> list:
        out = list(fn(*args))
        assert len(out) == k
        return out

    def get(self, handle):
        return handle

    def put(self, value):
        return value


def resolve(x):
    """A value from a handle that a step was given inside a container (an
    executor resolves only top-level arguments)."""
    if type(x).__module__.startswith("ray"):
        import ray

        return ray.get(x)
    return x


# --- pass 1 ---------------------------------------------------------------------

def first_pass(results: list[Result], dedup: bool, counts: Counter | None = None,
               messages: list[str] | None = None) -> list:
    """A shard's pass-1 results as [Docs, View, Summary]; ``counts`` and
    ``messages`` are its reader's."""
    stats = Stats(Counter(counts or ()))
    kept = []
    for r in results:
        tally(stats, r)
        if r.line is not None:
            kept.append(r)
    docs = Docs([r.line for r in kept])
    if kept and kept[0].keys is not None:
        docs.keys = [r.keys for r in kept]
        docs.lwords = [r.lwords for r in kept]
        docs.sources = [r.source for r in kept]
        docs.wordhashes = [r.words for r in kept]
    view = None
    hashed = np.zeros(0, np.uint64)
    if dedup:
        hashed = id_hashes(r.id for r in kept)
        sk = [r.sketch for r in kept]
        view = View(np.arange(len(kept), dtype=np.int64), [r.id for r in kept],
                    np.stack([s.sig for s in sk]) if sk else np.zeros((0, 0), np.uint32),
                    [s.shingles for s in sk], np.array([s.words for s in sk], dtype=np.int64),
                    [s.exact for s in sk])
    return [docs, view, Summary(len(kept), stats, list(messages or ()), Counter(docs.sources), hashed)]
