"""The pipeline: documents in, clean JSONL lines out, in input order.

Per-document work (repair, rules, heuristics, serialising, MinHash sketch,
line keys) is pure and runs in worker processes when ``config.workers > 1``;
results come back in input order, so output does not depend on the worker
count. Deduplication and corpus-learned boilerplate need a global view, so
with ``dedup`` on a run has three passes:

1. clean every document; spool its record to a temporary file, keep its
   sketch (signature in memory, shingles spooled) and its line keys;
2. cluster those sketches, count each line once per cluster and per source
   (boilerplate.py), and strip the lines found in enough clusters, again
   in the workers; documents that lost lines are sketched anew;
3. cluster the final sketches (against ``--index`` when given) and write
   the kept records, annotated, in input order.

Every decision in passes 2 and 3 is made in the main process from data in
input order, so the output is byte-identical for any number of workers.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import numpy as np
import orjson

from . import boilerplate
from .cleaner import Cleaner
from .config import Config
from .dedup import (Cluster, Corpus, Params, ShingleSpool, Sketch, cluster, exact_digest, grams,
                    signatures, sketch_hashes, words_of)
from .document import Document
from .index import Index
from .sinks import dumps, loads
from .sources import Reader
from .stats import Stats

log = logging.getLogger("scrubber")

_DEDUP_FIELDS = ("cluster", "duplicates", "duplicate_of")
_BATCH_DOCS = 64
_BATCH_BYTES = 1 << 20


@dataclass(slots=True)
class Result:
    """What the main process needs back from cleaning one document."""

    id: str
    line: bytes | None       # the output record, None when the document was dropped
    sketch: Sketch | None
    removed: Counter
    spans: int
    repaired: int
    dropped: str | None      # "empty" / "short"
    keys: np.ndarray | None = None    # line keys (boilerplate.line_keys)
    lwords: np.ndarray | None = None  # words per line
    source: str = ""
    words: np.ndarray | None = None   # word hashes, kept for pass 2


def _joined(arrays: list[np.ndarray], dtype) -> tuple[np.ndarray, np.ndarray]:
    """Arrays as one, and their lengths."""
    lengths = np.fromiter(map(len, arrays), dtype=np.int64, count=len(arrays))
    flat = np.concatenate(arrays).astype(dtype, copy=False) if arrays else np.zeros(0, dtype)
    return flat, lengths


def _parts(flat: np.ndarray, lengths: np.ndarray) -> list[np.ndarray]:
    return np.split(flat, np.cumsum(lengths)[:-1]) if len(lengths) else []


@dataclass(slots=True)
class Batch:
    """The ``Result``s of one batch in columns, as workers send them back.

    One array per field and batch instead of several per document: pickling
    the per-document objects (a Result, a Sketch, a Counter and five arrays
    each) was 0.18 s of CPU for the 20 MB throughput corpus, the main
    process's half of it while the workers waited on it, and the main
    process then wrote each document's sets to the spools one call at a
    time. Arrays joined are given with their lengths; every field but the
    counters is the kept documents' only, in input order.
    """

    counts: Counter
    removed: Counter
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


def _removal_record(r) -> dict:
    out = {"reason": r.reason, "line": r.line, "text": r.text}
    if r.span is not None:
        out["span"] = list(r.span)
    if r.score is not None:
        out["p"] = r.score
    return out


def to_record(doc: Document, config: Config) -> dict:
    """The output record: input fields in their order, text replaced, id kept
    (or added first when the input had none)."""
    if doc.meta:
        rec = dict(doc.meta)
        rec[config.text_field] = doc.text
        if config.id_field not in rec:
            rec = {config.id_field: doc.id, **rec}
    else:
        rec = {config.id_field: doc.id, config.text_field: doc.text}
    if config.annotate:
        rec["removed"] = [_removal_record(r) for r in doc.removals]
    if config.dedup:
        for f in _DEDUP_FIELDS:  # ours to set; stale input values would mislead
            rec.pop(f, None)
    return rec


def _too_short(text: str, config: Config) -> str | None:
    # Splitting off at most min_words words tells "fewer than min_words"
    # as well as counting them all, and costs only those words: counting
    # every word of every document was 2.5% of process_batch.
    words = len(text.split(None, config.min_words))
    if words == 0:
        return "empty"
    return "short" if words < config.min_words else None


def process_batch(cleaner: Cleaner, docs: list[Document]) -> list[Result]:
    """Clean documents and prepare everything the main process needs;
    documents of a batch are classified together and their sketches
    signed together."""
    config = cleaner.config
    out, whs = [], []
    learn = config.dedup and config.boilerplate
    for doc, c in zip(docs, cleaner.clean_batch(docs)):
        removed = Counter(r.reason for r in c.removals if r.span is None)
        spans = sum(1 for r in c.removals if r.span is not None)
        dropped = _too_short(c.text, config)
        if dropped:
            out.append(Result(doc.id, None, None, removed, spans, c.repairs, dropped))
            continue
        r = Result(doc.id, dumps(to_record(c, config)), None, removed, spans, c.repairs, None)
        if config.dedup:
            w = words_of(c.text)
            whs.append(w.hashes)
            if learn:
                r.source = boilerplate.source_of(doc.origin, doc.meta, config.source_field)
                r.keys, r.lwords = boilerplate.keys_of(w.lines, r.source), w.per_line
        out.append(r)
    if whs:
        # With the boilerplate pass, these signatures only group copies for
        # counting; every set is signed again in full after stripping.
        perms = boilerplate.PRELIM.num_perm if learn else config.num_perm
        sks = sketch_hashes(whs, config.shingle_size, perms, config.seed)
        for r, sk, wh in zip((r for r in out if r.line is not None), sks, whs):
            r.sketch = sk
            if learn:
                r.words = wh
    return out


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


def restrip_batch(cleaner: Cleaner, payload: tuple[str, Restrip]) -> tuple:
    """Pass 2: drop a document's learned furniture lines from its record,
    take the run's common shingles out of its set, and sign what is left.

    ``payload`` is (path of the common shingles, batch). The stripped
    text's shingles come from the word hashes of the kept lines, so no text
    is normalised twice. Returns (per document, None when it kept its lines,
    else (record line or None when nothing is left, why dropped, words,
    exact digest); the signatures of the documents left, one row each;
    their sets in one array; the sets' lengths).
    """
    config, batch = cleaner.config, payload[1]
    ends = np.cumsum(batch.lengths).tolist()
    items = [(None, (), batch.sets[b - n:b], None) if c is None else (c[0], c[1], None, (c[2], c[3]))
             for c, n, b in zip(batch.changed, batch.lengths.tolist(), ends)]
    out = restrip_items(config, _common(payload[0]), items)
    left = [sk for _, sk, _ in out if sk is not None]
    changed = [None if c is None else (line, why, sk and sk.words, sk and sk.exact)
               for c, (line, sk, why) in zip(batch.changed, out)]
    sigs = np.stack([sk.sig for sk in left]) if left else np.zeros((0, config.num_perm), np.uint32)
    sets = np.concatenate([sk.shingles for sk in left]) if left else np.zeros(0, np.uint32)
    return changed, sigs, sets, np.array([len(sk.shingles) for sk in left], dtype=np.int64)


def restrip_items(config: Config, common: np.ndarray, items: Iterable[tuple]) -> list[tuple]:
    """``restrip_batch`` with the common shingles in hand."""
    out, sets, words, exact = [], [], [], []
    for line, drop, shingles, hashes in items:
        if drop:
            rec = loads(line)
            if config.annotate:
                # Found after cleaning, in the cleaned text: no line number
                # of the repaired text to give.
                lines = rec[config.text_field].split("\n")
                rec.setdefault("removed", []).extend(
                    {"reason": boilerplate.REASON, "text": lines[j]} for j in drop)
            text = boilerplate.strip(rec[config.text_field], drop)
            dropped = _too_short(text, config)
            if dropped:
                out.append((None, None, dropped))
                continue
            rec[config.text_field] = text
            line = dumps(rec)
            wh, per_line = hashes
            keep = np.ones(len(per_line), dtype=bool)
            keep[drop] = False
            wh = wh[np.repeat(keep, per_line)]
            shingles = grams(wh, config.shingle_size)
            words.append(len(wh))
            exact.append(exact_digest(wh))
        else:
            words.append(None)
            exact.append(None)
        sets.append(boilerplate.without(shingles, common))
        out.append((line, len(sets) - 1, None))
    sigs = signatures(sets, config.num_perm, config.seed)
    return [(line, None if k is None else Sketch(sigs[k], sets[k], words[k], exact[k]), why)
            for line, k, why in out]


def resign_batch(cleaner: Cleaner, items: list[tuple]) -> list[tuple]:
    return resign_items(cleaner.config, items)


def resign_items(config: Config, items: Iterable[tuple]) -> list[tuple]:
    """The second preliminary grouping's sketches: for each (word hashes,
    words per line, lines to drop), the shingles of the kept lines and
    their preliminary signature (``Pipeline._learn``)."""
    sets = []
    for wh, per_line, drop in items:
        keep = np.ones(len(per_line), dtype=bool)
        keep[drop] = False
        sets.append(grams(wh[np.repeat(keep, per_line)], config.shingle_size))
    sigs = signatures(sets, boilerplate.PRELIM.num_perm, config.seed)
    return list(zip(sets, sigs))


_common_cache: dict[str, np.ndarray] = {}


def _common(path: str) -> np.ndarray:
    """The run's common shingles, loaded once per worker."""
    if path not in _common_cache:
        _common_cache.clear()
        _common_cache[path] = np.load(path) if path else np.zeros(0, np.uint32)
    return _common_cache[path]


_worker: Cleaner | None = None


def single_threaded_blas() -> None:
    """Keep numpy's BLAS to one thread in a process scrubber owns.

    The classifier multiplies matrices of a few dozen lines by a few dozen
    weights; OpenBLAS spreads even those over every core, which made one
    process burn 1.5 cores for no gain (17.5 s of CPU for 11.7 s of wall on
    the throughput corpus, 10.8 s single-threaded) and made worker processes
    fight over the cores. Parallelism is the workers' job.
    """
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")


#: Allocations between two young-generation collections (Python's default: 700).
GC_YOUNG = 50_000


def fewer_collections() -> None:
    """Fewer, cheaper cyclic garbage collections in a process scrubber owns.

    Cleaning allocates millions of short-lived objects and almost no
    cycles, so the collector mostly rescans live ones: the modules, rules
    and model built at start-up, then pass 1's growing lists. Frozen, those
    are no longer scanned (and a forked worker does not copy the pages
    that scanning would touch); a larger young generation makes the
    remaining collections rarer. On the 20 MB throughput corpus at one
    worker, collections took 0.21 s; frozen, 0.12 s; frozen with this
    threshold, 0.012-0.04 s (timed with ``gc.callbacks``).
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def worker_context():
    """Where worker processes come from, cheapest first.

    Fork, when this process runs one thread on Linux: a worker starts with
    scrubber imported and the Cleaner built, 0.6 s sooner than from a fork
    server on the throughput corpus (the fork server imports scrubber, then
    each worker builds its Cleaner, while the main process waits). Fork
    copies only the calling thread, so a lock held by another thread would
    stay held forever in the worker; with no other Python thread there is
    none to hold (native thread pools such as numpy's BLAS are forked as
    they were under Linux's default start method until Python 3.14). The
    same risk is why 3.14 stopped defaulting to fork, and why macOS, whose
    system libraries are not fork-safe, never gets it here.

    Otherwise (a library caller with threads of its own), a fork server
    that has imported scrubber once, so that each worker is a fork of it
    rather than a new interpreter (spawn: 0.3-0.4 s of CPU per worker).
    Without one (Windows), spawn.
    """
    if sys.platform == "linux" and threading.active_count() == 1:
        return mp.get_context("fork")
    if "forkserver" not in mp.get_all_start_methods():
        return mp.get_context("spawn")
    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload([__name__])
    return ctx


_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _leave_signals_to_parent() -> None:
    """Stopping is the main process's job: it shuts the pool down, then
    removes its temporary output. So workers ignore Ctrl-C and SIGTERM
    (sent to the whole process group, they would die mid-batch or print
    tracebacks), and on Linux are killed when the main process dies
    however it dies: a worker outliving it waits forever for work, since
    the other workers still hold the queue's pipe open."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if sys.platform == "linux":
        try:
            import ctypes

            ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):  # no prctl: the pool's own shutdown still runs
            pass


@contextmanager
def _signals_held():
    """Ctrl-C and SIGTERM wait until the block is done (where the platform
    can hold signals); what arrived meanwhile is handled on leaving it."""
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def _init_worker(setup: Cleaner | Config) -> None:
    """A forked worker inherits the main process's Cleaner; any other is
    sent the Config and builds its own."""
    global _worker
    _leave_signals_to_parent()
    single_threaded_blas()
    fewer_collections()
    _worker = setup if isinstance(setup, Cleaner) else Cleaner(setup)


def _process_local(cleaner: Cleaner, docs: list[Document]) -> list[Batch]:
    b = Batch.of(process_batch(cleaner, docs))
    b.counts.update(cleaner.take_timeouts())
    return [b]


def _process_remote(docs: list[Document]) -> list[Batch]:
    return _process_local(_worker, docs)


def _resign_remote(items):
    return resign_batch(_worker, items)


def _restrip_local(cleaner, payload):
    return [restrip_batch(cleaner, payload)]


def _restrip_remote(payload):
    return [restrip_batch(_worker, payload)]


def _batches(items: Iterable, size_of=lambda d: len(d.text)) -> Iterator[list]:
    batch, size = [], 0
    for d in items:
        batch.append(d)
        size += size_of(d)
        if len(batch) >= _BATCH_DOCS or size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


@dataclass(slots=True)
class _Pass1:
    """What pass 1 keeps per kept document, in input order."""

    ids: list[str]
    sigs: list[np.ndarray]   # blocks of rows, one per batch
    shingles: ShingleSpool
    words: list[int]
    exact: list[bytes]
    keys: list[np.ndarray]
    lwords: list[np.ndarray]
    sources: list[str]
    #: word hashes of every document (pass 2 re-shingles stripped ones from them)
    wordhashes: ShingleSpool | None = None

    def corpus(self, num_perm: int) -> Corpus:
        sigs = np.concatenate(self.sigs) if self.sigs else np.zeros((0, num_perm), np.uint32)
        return Corpus(sigs, self.shingles, np.array(self.words, dtype=np.int64), self.exact)


class Pipeline:
    """One configured run. Build it once (rules are loaded and checked
    here), then ``run`` it over documents.

    After a run with deduplication, ``clusters`` holds what was found:
    one dict per cluster with the kept id, the members and their exact
    similarity to the kept one (what ``--clusters`` writes).
    """

    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.cleaner = Cleaner(self.config)
        if self.config.dedup and self.config.index:
            Index(self.config.index, self.config.dedup_params).close()  # refuse early
        self.stats = Stats()
        self.clusters: list[dict] = []
        self.learned: boilerplate.Learned = boilerplate.Learned({})
        #: shingles left out of every set because they repeat across clusters
        self.common = np.zeros(0, np.uint32)
        self._pool = None
        #: With ``--index``: leave this run's additions uncommitted when the
        #: output ends, for ``commit_index`` once the caller's files are in
        #: place (``release_index`` rolls them back). A failed write of the
        #: output then leaves the index as it was, and a retry redoes the run.
        self.hold_index = False
        self._held: Index | None = None
        self._said: set[str] = set()  # rules whose switching off was said

    def commit_index(self) -> None:
        """Commit the additions a run held back (``hold_index``)."""
        held, self._held = self._held, None
        if held is not None:
            try:
                held.commit()
            finally:
                held.close()

    def release_index(self) -> None:
        """Roll back additions not committed (no-op after ``commit_index``)."""
        held, self._held = self._held, None
        if held is not None:
            held.close()

    def reader(self, **kw) -> Reader:
        return Reader(self.config, self.stats.counts, **kw)

    @contextmanager
    def _workers(self):
        if max(1, self.config.workers) == 1:
            yield
            return
        # Not multiprocessing.Pool: while a result waits in its pipe, Pool's
        # worker-handler thread spins, polling every worker; with fork-server
        # workers that cost the main process 0.9 s of CPU in pass 1 of the
        # throughput corpus (0.3 s with the executor).
        ctx = worker_context()
        # Under fork the initializer's arguments are inherited, not pickled.
        setup = self.cleaner if ctx.get_start_method() == "fork" else self.config
        pool = ProcessPoolExecutor(self.config.workers, mp_context=ctx,
                                   initializer=_init_worker, initargs=(setup,))
        self._pool = pool
        try:
            with _signals_held():
                # The first task starts the worker processes. A Ctrl-C or
                # SIGTERM arriving during a fork would be raised in an
                # at-fork hook, where Python ignores exceptions: the run
                # would go on as if never stopped. Held, it arrives after.
                pool.submit(int)
            yield
        finally:
            self._pool = None
            pool.shutdown(cancel_futures=True)  # on an error, skip the batches not started

    def _map(self, local, remote, batches: Iterable[list], progress=None, size_of=None) -> Iterator:
        """``local(cleaner, batch)`` over batches, in order, in the workers
        when there are any. A bounded window of batches in flight keeps
        memory flat on huge inputs (Pool.imap would read ahead) and keeps order."""
        if self._pool is None:
            for batch in batches:
                yield from local(self.cleaner, batch)
                if progress:
                    progress(len(batch), sum(map(size_of, batch)))
            return
        window: deque = deque()

        def drain():
            res, n, size = window.popleft()
            out = res.result()
            if progress:
                progress(n, size)
            return out

        for batch in batches:
            window.append((self._pool.submit(remote, batch), len(batch),
                           sum(map(size_of, batch)) if progress else 0))
            if len(window) >= 2 * self.config.workers:
                yield from drain()
        while window:
            yield from drain()

    def run(self, docs: Iterable[Document],
            progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Clean ``docs`` and yield the output JSONL lines in input order."""
        return self._finish(lambda: self._map(_process_local, _process_remote, _batches(docs),
                                              progress, lambda d: len(d.text)))

    def run_paths(self, paths: Iterable[str],
                  progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Read, clean and deduplicate the documents under ``paths`` with the
        configured engine; the output is the same whichever engine runs."""
        if self.config.engine == "ray":
            from . import ray_engine

            if self.config.index:  # the index is a file on this machine
                results = lambda: map(Batch.of, _batches(ray_engine.shard_results(self, paths, progress),
                                                         lambda r: len(r.line or b"")))
                return self._finish(results)
            return ray_engine.run(self, paths, progress)
        return self.run(self.reader().read_paths(paths), progress)

    def _finish(self, results: Callable[[], Iterable[Batch]]) -> Iterator[bytes]:
        """The corpus-wide passes over the batches' results in input order
        (``results`` is called once the workers are up)."""
        start = time.perf_counter()
        try:
            with self._workers():
                yield from self._run(results())
        finally:
            self.stats.seconds = time.perf_counter() - start

    def _run(self, results: Iterable[Batch]) -> Iterator[bytes]:
        c = self.stats.counts
        cfg = self.config
        if not cfg.dedup:
            for b in results:
                self._count(b)
                c["documents_out"] += len(b.lines)
                yield from b.lines
            return
        spool, p1 = self._pass1(results)
        try:
            if cfg.boilerplate and p1.ids:
                spool, p1 = self._boilerplate(spool, p1)
            yield from self._dedup(spool, p1)
        finally:
            spool.close()
            p1.shingles.close()
            if p1.wordhashes is not None:
                p1.wordhashes.close()

    def _pass1(self, results: Iterable[Batch]):
        spool = tempfile.TemporaryFile()
        p1 = _Pass1([], [], ShingleSpool(), [], [], [], [], [])
        for b in results:
            self._count(b)
            if not b.ids:
                continue
            spool.write(b"".join(b.lines))
            p1.ids += b.ids
            p1.sigs.append(b.sigs)
            p1.shingles.extend(*b.shingles)
            p1.words += b.words
            p1.exact += b.exact
            if b.keys is not None:
                p1.keys += _parts(*b.keys)
                p1.lwords += _parts(b.lwords, b.keys[1])
                p1.sources += b.sources
            if b.wordhashes is not None:
                if p1.wordhashes is None:
                    p1.wordhashes = ShingleSpool()
                p1.wordhashes.extend(*b.wordhashes)
        return spool, p1

    def learn(self, docs: Iterable[Document],
              progress: Callable[[int, int], None] | None = None) -> boilerplate.Learned:
        """Only find the corpus furniture of ``docs`` (what ``scrubber learn``
        writes as rules), with the first line seen for each as its example."""
        cfg = self.config.with_(dedup=True, boilerplate=True)
        saved, self.config = self.config, cfg
        saved_cleaner = self.cleaner
        if cfg != saved:
            self.cleaner = Cleaner(cfg)
        try:
            with self._workers():
                results = self._map(_process_local, _process_remote, _batches(docs), progress,
                                    lambda d: len(d.text))
                spool, p1 = self._pass1(results)
            try:
                learned = self._learn(p1)
                spool.seek(0)
                for line, keys in zip(spool, p1.keys):
                    text = loads(line)[cfg.text_field].split("\n")
                    for j, k in enumerate(keys.tolist()):
                        if k in learned.counts and k not in learned.examples:
                            learned.examples[k] = text[j]
                return learned
            finally:
                spool.close()
                p1.shingles.close()
                if p1.wordhashes is not None:
                    p1.wordhashes.close()
        finally:
            self.config, self.cleaner = saved, saved_cleaner

    def _learn(self, p1: _Pass1) -> boilerplate.Learned:
        """Group copies, then count lines per group (boilerplate.py).

        Grouping is done twice. The first time furniture is still in the
        text, so short articles in the same heavy furniture look alike; a
        strict containment (``PRELIM_CONTAINMENT``) keeps them apart, at the
        price of splitting some real copies whose furniture differs. The
        short lines repeated across that grouping are then taken out of every
        text (long ones stay: they may be a split article's paragraphs) and
        documents are grouped again at the usual containment: copies meet on
        their own text and furniture no longer joins anything. On the dev
        set one grouping let one article's lede count in 4 groups (learned
        as furniture); two groupings learn no article line.
        """
        cfg = self.config
        pp = boilerplate.PRELIM
        params = Params(cfg.shingle_size, pp.num_perm, pp.bands, pp.rows, cfg.seed)
        n = len(p1.ids)
        corpus = p1.corpus(pp.num_perm)
        groups = _groups(cluster(corpus, params, boilerplate.PRELIM_CONTAINMENT), n)
        if n >= boilerplate.MIN_SOURCE_DOCS and p1.wordhashes is not None:
            # Second grouping, at the usual containment, on the texts without
            # the short lines the first grouping found repeated: copies whose
            # furniture kept them apart the first time now meet on their own
            # text. Long lines stay: if the first grouping split an article's
            # copies, its paragraphs must not be taken out of all of them.
            first = boilerplate.learn(p1.keys, p1.lwords, groups, p1.sources,
                                      cfg.boilerplate_min_clusters, min_clusters_long=n + 1)
            if first.counts:
                # Only documents that lost lines have a new set; the others
                # keep their pass-1 set and signature (a third of them do
                # lose lines on the throughput corpus). The new sets are
                # signed in the workers: in this process, that was 0.3 s
                # during which the workers had nothing to do.
                whs, lw = p1.wordhashes, p1.lwords
                sets: list = [p1.shingles[i] for i in range(n)]
                changed = [(i, d) for i, d in enumerate(boilerplate.drop_lines_each(p1.keys, first))
                           if d]
                items = ((np.array(whs[i]), lw[i], d) for i, d in changed)
                sigs = corpus.sigs.copy()
                done = self._map(resign_batch, _resign_remote,
                                 _batches(items, lambda x: 4 * len(x[0])))
                for (i, _), (shingles, sig) in zip(changed, done):
                    sets[i] = shingles
                    sigs[i] = sig
                second = Corpus(sigs, sets, corpus.words, corpus.exact)
                groups = _groups(cluster(second, params, cfg.containment_threshold), n)
        self._groups = groups
        self.learned = boilerplate.learn(p1.keys, p1.lwords, groups, p1.sources,
                                         cfg.boilerplate_min_clusters)
        return self.learned

    def _count(self, b: Batch) -> None:
        c = self.stats.counts
        c.update(b.counts)
        self.stats.removed.update(b.removed)
        for key in b.counts:
            if key.startswith("rule_timeouts:") and c[key] >= self.config.rule_max_timeouts \
                    and key not in self._said:
                # Said here, once, not in each worker that switched it off.
                self._said.add(key)
                reason = key.split(":", 1)[1]
                log.warning("%s timed out on %d lines (over %s s each); switched off for the "
                            "rest of the run, those lines kept (scrubber rules check tells "
                            "which rules backtrack)", reason, c[key], self.config.rule_timeout)

    def _boilerplate(self, spool, p1: _Pass1):
        """Pass 2: learn the run's furniture per cluster, strip it, re-sketch.

        Two views of the same idea: whole lines repeated in many clusters
        leave the output text (and are counted as removals); word 5-grams
        repeated in many clusters leave the shingle sets only, so that
        furniture that varies line by line (dates, rotating lists, re-wrapped
        disclaimers) cannot make two distinct articles look alike.
        """
        c = self.stats.counts
        learned = self._learn(p1)
        groups = self._groups
        common = boilerplate.common_shingles(p1.shingles, groups, boilerplate.COMMON_MIN_CLUSTERS) \
            if len(p1.ids) >= boilerplate.MIN_SOURCE_DOCS else np.zeros(0, np.uint32)
        c["common_shingles"] = len(common)
        self.common = common
        drops = boilerplate.drop_lines_each(p1.keys, learned)
        p1.keys = p1.sources = []  # no longer needed; free them before pass 3
        with tempfile.NamedTemporaryFile(suffix=".npy", delete=False) as f:
            np.save(f, common)
            common_path = f.name
        try:
            spool.seek(0)
            wh, lw, sh = p1.wordhashes, p1.lwords, p1.shingles
            sent: deque = deque()  # (first document, records) of each batch in flight

            def batches():
                for b in _batches(enumerate(spool), lambda x: len(x[1])):
                    lo, hi = b[0][0], b[-1][0] + 1
                    sets, lengths = sh.block(lo, hi)
                    changed = [(line, drops[i], np.array(wh[i]), lw[i]) if drops[i] else None
                               for i, line in b]
                    sent.append((lo, [line for _, line in b]))
                    yield common_path, Restrip(sets, lengths, changed)

            out = tempfile.TemporaryFile()
            p2 = _Pass1([], [], ShingleSpool(), [], [], [], [], [])
            for changed, sigs, sets, lengths in self._map(_restrip_local, _restrip_remote, batches()):
                lo, lines = sent.popleft()
                for j, (line, ch) in enumerate(zip(lines, changed)):
                    i = lo + j
                    if ch is None:
                        words, exact = p1.words[i], p1.exact[i]
                    else:
                        line, why, words, exact = ch
                        c["lines_removed"] += len(drops[i])
                        self.stats.removed[boilerplate.REASON] += len(drops[i])
                        if line is None:
                            c[f"dropped_{why}"] += 1
                            continue
                    out.write(line)
                    p2.ids.append(p1.ids[i])
                    p2.words.append(words)
                    p2.exact.append(exact)
                p2.sigs.append(sigs)
                p2.shingles.extend(sets, lengths)
        finally:
            os.unlink(common_path)
        spool.close()
        p1.shingles.close()
        p1.wordhashes.close()
        p1.lwords = []
        return out, p2

    def _dedup(self, spool, p1: _Pass1) -> Iterator[bytes]:
        """Pass 3: final clusters (against the index, when given), then the
        kept records in input order."""
        cfg, c = self.config, self.stats.counts
        corpus = p1.corpus(cfg.num_perm)
        index = Index(cfg.index, cfg.dedup_params) if cfg.index else None
        try:
            ids, fixed = p1.ids, 0
            if index is not None:
                old_ids, old = index.load(index.lookup(corpus.sigs, corpus.exact))
                fixed = len(old_ids)
                ids = old_ids + p1.ids
                corpus = Corpus(np.concatenate((old.sigs, corpus.sigs)),
                                _Chain(old.shingles, corpus.shingles, fixed),
                                np.concatenate((old.words, corpus.words)), old.exact + corpus.exact)
            clusters = cluster(corpus, cfg.dedup_params, cfg.containment_threshold, fixed)
            self.clusters = [cluster_record(cl, ids) for cl in clusters]
            extra, dup_of, of_index = cluster_fields(clusters, ids, fixed)
            if of_index:
                c["duplicates_of_index"] += of_index
            c["clusters"] = len(clusters)
            spool.seek(0)
            added = []
            for i, line in enumerate(spool):
                line, dup = annotate(line, i, extra, dup_of, cfg.keep_duplicates)
                if dup:
                    c[dup] += 1
                else:
                    added.append(i + fixed)
                if line is not None:
                    c["documents_out"] += 1
                    yield line
            if index is not None:
                index.add(ids, corpus, added, commit=not self.hold_index)
                c["index_documents"] = len(index)
                if self.hold_index:  # committed by commit_index, once the output is
                    self._held, index = index, None
        finally:
            if index is not None:
                index.close()


def cluster_fields(clusters: list[Cluster], ids, fixed: int = 0) -> tuple[dict, dict, int]:
    """What clustering adds to output records, by document number less
    ``fixed`` (documents below it are the index's, never output): each kept
    document's cluster id and duplicates, each dropped one's cluster id;
    and how many dropped documents are duplicates of the index's."""
    extra: dict[int, bytes] = {}
    dup_of: dict[int, bytes] = {}
    of_index = 0
    for cl in clusters:
        cid = orjson.dumps(ids[cl.keep])
        if cl.keep >= fixed:
            extra[cl.keep - fixed] = b',"cluster":' + cid + b',"duplicates":' + \
                orjson.dumps([ids[d] for d in cl.dropped])
        else:
            of_index += len(cl.dropped)
        dup_of.update((d - fixed, cid) for d in cl.dropped)
    return extra, dup_of, of_index


def annotate(line: bytes, n: int, extra: dict, dup_of: dict,
             keep_duplicates: bool) -> tuple[bytes | None, str | None]:
    """Document ``n``'s output record with its cluster fields (None: a
    duplicate to drop), and for a duplicate the counter it adds to."""
    if n in extra:
        return line[:-2] + extra[n] + b"}\n", None
    if n in dup_of:
        if not keep_duplicates:
            return None, "duplicates_dropped"
        return line[:-2] + b',"cluster":' + dup_of[n] + b',"duplicate_of":' + dup_of[n] + b"}\n", \
            "duplicates_marked"
    return line, None


def tally(stats: Stats, r: Result) -> None:
    """Count one document's pass-1 result into ``stats``."""
    c = stats.counts
    c["documents_in"] += 1
    stats.removed.update(r.removed)
    c["lines_removed"] += sum(r.removed.values())
    c["spans_removed"] += r.spans
    c["documents_repaired"] += r.repaired
    if r.line is None:
        c[f"dropped_{r.dropped}"] += 1


def _groups(clusters: list[Cluster], n: int) -> np.ndarray:
    """A group label per document: its cluster's kept document, or itself."""
    groups = np.arange(n)
    for cl in clusters:
        groups[list(cl.dropped)] = cl.keep
    return groups


class _Chain:
    """Two shingle sequences read as one (index documents, then this run's)."""

    def __init__(self, first, second, n_first: int):
        self.first, self.second, self.n = first, second, n_first

    def __len__(self) -> int:
        return self.n + len(self.second)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.first[i] if i < self.n else self.second[i - self.n]


def cluster_record(cl: Cluster, ids: list[str]) -> dict:
    """One line of ``--clusters``: the kept id, every member, and each
    dropped member's exact similarity to the kept one."""
    members = sorted((cl.keep, *cl.dropped))
    return {
        "cluster": ids[cl.keep],
        "size": len(members),
        "members": [ids[i] for i in members],
        "similarity": [{"id": ids[d], "jaccard": round(j, 4), "containment": round(con, 4)}
                       for d, (j, con) in zip(cl.dropped, cl.scores)],
    }


def clean(records: Iterable[dict | str | Document], config: Config | None = None,
          stats: Stats | None = None, **options) -> Iterator[dict]:
    """Clean an iterable of records with the same pipeline as the CLI.

    Records are dicts (with ``config.text_field``), plain strings or
    ``Document`` objects; keyword options override ``config`` fields, e.g.
    ``clean(rows, dedup=False, min_words=20)``. Yields output records as dicts.
    """
    config = (config or Config()).with_(**options) if options else (config or Config())
    pipe = Pipeline(config)
    if stats is not None:
        pipe.stats = stats
    reader = pipe.reader()
    docs = reader.unique(reader.records(records))
    for line in pipe.run(docs):
        yield loads(line)


def clean_text(text: str, config: Config | None = None, **options) -> str:
    """Repair one text and strip its furniture (no deduplication)."""
    config = (config or Config()).with_(**options) if options else (config or Config())
    return Cleaner(config).clean_text(text)
