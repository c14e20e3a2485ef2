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

The steps each pass runs per batch are in ``steps.py`` (shared with the Ray
engine), what they send back in ``batches.py``, and the worker processes in
``workers.py``; this module tells the passes. ``run_paths`` hands a run to
the Ray engine (``ray_engine.py``) when the config asks for it.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import tempfile
import time
from array import array
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np

from . import boilerplate, workers
from .heap import give_back
from .batches import Batch, Ragged, batches
from .cleaner import Cleaner, cleaner_for
from .columns import Digests, RowSpool, Strings
from .config import Config, config_of
from .dedup import BandKeys, Cluster, Corpus, ShingleSpool, cluster
from .minhash import DIGEST_BYTES, Params
from .document import Document
from .errors import ScrubberError
from .ids import id_hashes, reused_ids, reused_ids_warning
from .index import Index
from .sinks import loads, sweep_stale, temp_prefix
from .readahead import ReadAhead, may_wait
from .sources import Reader
from .stats import Stats, warn_timeouts
from .steps import Restrip, annotate, cluster_fields, cluster_record, resign_batch
from .workers import (_process_local, _process_remote, _resign_remote, _restrip_local,
                      _restrip_remote)


log = logging.getLogger("scrubber")

#: The name of the run's common shingles, for its workers (see _boilerplate).
_COMMON = "scrubber-common-shingles.npy"


@dataclass(slots=True)
class _Pass1:
    """What pass 1 keeps per kept document, in input order, in columns
    (columns.py): no Python object per document."""

    ids: Strings
    sigs: RowSpool
    shingles: ShingleSpool
    words: array                # "q"
    exact: Digests
    keys: Ragged                # line keys of each document
    lwords: Ragged              # words per line
    sources: list[str]
    #: word hashes of every document (pass 2 re-shingles stripped ones from them)
    wordhashes: ShingleSpool | None = None

    @classmethod
    def empty(cls) -> "_Pass1":
        return cls(Strings(), RowSpool(), ShingleSpool(), array("q"), Digests(DIGEST_BYTES),
                   Ragged(np.uint64), Ragged(np.int32), [])

    def corpus(self, num_perm: int, params: Params | None = None) -> Corpus:
        """The clustering columns, the signatures read back from disk; with
        ``params``, only their band keys, spooled (the caller closes them)."""
        sigs = self.sigs.load(num_perm) if params is None else \
            BandKeys(self.sigs.blocks(), len(self.sigs), params.bands, params.rows)
        return Corpus(sigs, self.shingles, np.array(self.words, dtype=np.int64), self.exact)

    def close(self) -> None:
        self.sigs.close()
        self.shingles.close()
        if self.wordhashes is not None:
            self.wordhashes.close()


class Pipeline:
    """One configured run. Build it once (rules are loaded and checked
    here), then ``run`` it over documents.

    After a run with deduplication, ``clusters`` holds what was found:
    one dict per cluster with the kept id, the members and their exact
    similarity to the kept one (what ``--clusters`` writes).
    """

    def __init__(self, config: Config | None = None) -> None:
        self.config = config_of(config, "Pipeline()")
        self.cleaner = cleaner_for(self.config)
        if self.config.dedup and self.config.index:
            # Refuse early (a bad file, another run holding it), and leave no
            # new file behind: the run may yet fail before it adds anything.
            early = Index(self.config.index, self.config.dedup_params)
            try:
                early.reserve()
            finally:
                early.close(forget_new=True)
        self.stats = Stats()
        self._clusters: list[dict] | Callable[[], list[dict]] = []
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
            held.close(forget_new=True)

    @property
    def clusters(self) -> list[dict]:
        """What ``--clusters`` writes: one dict per cluster of the last run
        (made when first asked for: a run of many copies would otherwise
        hold a dict per dropped document that nobody reads)."""
        if callable(self._clusters):
            self._clusters = self._clusters()
        return self._clusters

    @clusters.setter
    def clusters(self, value: list[dict]) -> None:
        self._clusters = value

    def __getstate__(self) -> dict:
        # A pool belongs to the process that started it; the Cleaner
        # pickles itself (see Cleaner.__reduce__).
        return {**self.__dict__, "_pool": None, "_held": None, "_clusters": self.clusters}

    def reader(self, **kw: Any) -> Reader:
        """A ``Reader`` of paths or records under this run's configuration,
        counting into its ``stats`` (``kw``: ``stdin``, a binary stream read
        for ``-``)."""
        return Reader(self.config, self.stats.counts, **kw)

    @contextmanager
    def _workers(self):
        with workers.started(self.cleaner, self.config.workers) as pool:
            self._pool = pool
            try:
                yield
            finally:
                self._pool = None

    def _map(self, local, remote, items: Iterable[list], progress=None, size_of=None,
             idle=None) -> Iterator:
        return workers.ordered_map(self._pool, self.cleaner, local, remote, items, progress, size_of, idle)

    def run(self, docs: Iterable[Document],
            progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Clean ``docs`` and yield the output JSONL lines in input order.

        Anything but a ``Document`` of a string id and text is an
        ``InputError`` naming it, or with ``on_error="skip"`` a warning and
        ``stats.counts["bad_inputs"]``, as ``clean`` treats a bad record."""
        check_local(self.config, "Pipeline.run()")
        return self._clean(self.reader().read_documents(docs), progress)

    def _clean(self, docs: Iterable[Document], progress=None, live: bool = False) -> Iterator[bytes]:
        """Pass 1 onwards over checked documents; ``live``: from input that
        can keep the run waiting, read ahead so that, without deduplication,
        what came in goes out (readahead.py)."""
        idle = None
        if live and not self.config.dedup:
            docs = ReadAhead(docs)
            idle = docs.idle
        return self._finish(lambda: self._map(_process_local, _process_remote, batches(docs),
                                              progress, lambda d: len(d.text), idle))

    def run_paths(self, paths: Iterable[str | os.PathLike[str]],
                  progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Read, clean and deduplicate the documents under ``paths`` (files,
        directories, ``-`` for standard input; strings or ``pathlib.Path``)
        with the configured engine; the output is the same whichever engine
        runs."""
        if isinstance(paths, (str, bytes, os.PathLike)):
            # A string is iterable: each character was taken for a path.
            raise TypeError(f"Pipeline.run_paths() takes a list of paths, not one path: "
                            f"use run_paths([{os.fspath(paths)!r}])")
        paths = [os.fspath(p) for p in paths]
        if self.config.engine == "ray":
            from . import ray_engine

            if self.config.index:  # the index is a file on this machine
                results = lambda: map(Batch.of, batches(ray_engine.shard_results(self, paths, progress),
                                                         lambda r: len(r.line or b"")))
                return self._finish(results)
            return ray_engine.run(self, paths, progress)
        live = not self.config.dedup and may_wait(paths)
        stdin = None
        if live and "-" in paths:
            # Read in a thread, standard input is read through a stream of
            # its own: a thread blocked inside ``sys.stdin`` holds its lock,
            # which the interpreter takes again as it exits, and aborts.
            stdin = open(sys.stdin.fileno(), "rb", closefd=False)
        return self._clean(self.reader(stdin=stdin).read_paths(paths), progress, live)

    def _finish(self, results: Callable[[], Iterable[Batch]]) -> Iterator[bytes]:
        """The corpus-wide passes over the batches' results in input order
        (``results`` is called once the workers are up)."""
        start = time.perf_counter()
        try:
            with self._workers():
                yield from self._run(results())
        except OSError as e:
            # Inside the passes, only their temporary files are written (the
            # output is the caller's, reading errors are InputErrors).
            if e.errno in (errno.ENOSPC, errno.EDQUOT):
                raise ScrubberError(f"{tempfile.gettempdir()}: no space left for temporary files "
                                    f"({e.strerror}); a run with deduplication needs about 3.5 times "
                                    "its input there: free some, or set TMPDIR or --tmp-dir") from None
            raise
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
        n, first = reused_ids(id_hashes(p1.ids))
        if n:
            c["ids_reused"] += n
            log.warning("%s", reused_ids_warning(n, p1.ids[first]))
        try:
            if cfg.boilerplate and p1.ids:
                spool, p1 = self._boilerplate(spool, p1)
            yield from self._dedup(spool, p1)
        finally:
            spool.close()
            p1.close()

    def _pass1(self, results: Iterable[Batch]):
        spool = tempfile.TemporaryFile()
        p1 = _Pass1.empty()
        for b in results:
            self._count(b)
            if not b.ids:
                continue
            spool.write(b"".join(b.lines))
            p1.ids.extend(b.ids)
            p1.sigs.append(b.sigs)
            p1.shingles.extend(*b.shingles)
            p1.words.extend(b.words)
            p1.exact.extend(b.exact)
            if b.keys is not None:
                p1.keys.extend(*b.keys)
                p1.lwords.extend(b.lwords, b.keys[1])
                p1.sources += map(sys.intern, b.sources)  # one str per source, not per document
            if b.wordhashes is not None:
                if p1.wordhashes is None:
                    p1.wordhashes = ShingleSpool()
                p1.wordhashes.extend(*b.wordhashes)
        give_back()
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
                results = self._map(_process_local, _process_remote,
                                    batches(self.reader().read_documents(docs)), progress,
                                    lambda d: len(d.text))
                spool, p1 = self._pass1(results)
            try:
                learned = self._learn(p1)
                spool.seek(0)
                for line, keys in zip(spool, p1.keys):
                    text = loads(line)[cfg.text_field].split("\n")
                    for j, k in enumerate(boilerplate.line_ids(keys).tolist()):
                        if k in learned.counts and k not in learned.examples:
                            learned.examples[k] = text[j]
                return learned
            finally:
                spool.close()
                p1.close()
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
        boilerplate.warn_unsourced(cfg.source_field, p1.sources)
        groups = self._groups = self._prelim_groups(p1)
        give_back()
        learned = boilerplate.learn(p1.keys, p1.lwords, groups, p1.sources,
                                    cfg.boilerplate_min_clusters)
        self.learned = boilerplate.spare(p1.keys, p1.lwords, learned)
        give_back()
        return self.learned

    def _prelim_groups(self, p1: _Pass1) -> np.ndarray:
        """The grouping lines are counted in (see ``_learn``). Its
        signatures are read from disk for each clustering and dropped
        before lines are counted: 128 bytes per document held meanwhile."""
        cfg = self.config
        pp = boilerplate.PRELIM
        params = Params(cfg.shingle_size, pp.num_perm, pp.bands, pp.rows, cfg.seed)
        n = len(p1.ids)
        groups = _groups(cluster(p1.corpus(pp.num_perm), params, boilerplate.PRELIM_CONTAINMENT), n)
        give_back()
        if n < boilerplate.MIN_SOURCE_DOCS or p1.wordhashes is None:
            return groups
        # Second grouping, at the usual containment, on the texts without
        # the short lines the first grouping found repeated: copies whose
        # furniture kept them apart the first time now meet on their own
        # text. Long lines stay: if the first grouping split an article's
        # copies, its paragraphs must not be taken out of all of them.
        first = boilerplate.learn(p1.keys, p1.lwords, groups, p1.sources,
                                  cfg.boilerplate_min_clusters, min_clusters_long=n + 1)
        first = boilerplate.spare(p1.keys, p1.lwords, first)
        if not first.counts:
            return groups
        # Only documents that lost lines have a new set; the others keep
        # their pass-1 set and signature. The new sets are signed in the
        # workers, which would otherwise wait.
        whs, lw = p1.wordhashes, p1.lwords
        drops = boilerplate.regroup_drop_lines(p1.keys, p1.lwords, first)
        del groups, first
        changed = np.flatnonzero(drops.lengths)
        items = ((whs[i], lw[i], drops[i]) for i in changed)
        corpus = p1.corpus(pp.num_perm)  # a new array: its rows can be replaced
        sets = _Overlay(p1.shingles)
        try:
            done = self._map(resign_batch, _resign_remote, batches(items, lambda x: 4 * len(x[0])))
            for i, (shingles, sig) in zip(changed, done):
                sets.replace(i, shingles)
                corpus.sigs[i] = sig
            del drops, changed
            second = Corpus(corpus.sigs, sets, corpus.words, corpus.exact)
            return _groups(cluster(second, params, cfg.containment_threshold), n)
        finally:
            sets.close()

    def _count(self, b: Batch) -> None:
        c = self.stats.counts
        c.update(b.counts)
        self.stats.removed.update(b.removed)
        warn_timeouts(c, b.counts, self.config, self._said)

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
        common = boilerplate.spare_common(p1.shingles, groups, common)
        c["common_shingles"] = len(common)
        self.common = common
        give_back()
        self._groups = None  # 8 bytes per document, needed no more
        drops, spared = boilerplate.guarded_drop_lines(p1.keys, p1.lwords, learned)
        if spared:
            c["documents_spared"] += spared
        p1.keys = p1.sources = []  # no longer needed; free them before pass 3
        # The workers load it by name. Named as the outputs' temporary files
        # are, so that what a killed run left goes with the next run.
        tmp = tempfile.gettempdir()
        sweep_stale(tmp, _COMMON.__eq__)
        with tempfile.NamedTemporaryFile(dir=tmp, prefix=temp_prefix(_COMMON), suffix=".tmp", delete=False) as f:
            np.save(f, common)
            common_path = f.name
        try:
            spool.seek(0)
            wh, lw, sh = p1.wordhashes, p1.lwords, p1.shingles
            sent: deque = deque()  # (first document, records) of each batch in flight

            def restrips():
                for b in batches(enumerate(spool), lambda x: len(x[1])):
                    lo, hi = b[0][0], b[-1][0] + 1
                    sets, lengths = sh.block(lo, hi)
                    changed = [(line, drops[i].tolist(), np.array(wh[i]), lw[i]) if len(drops[i]) else None
                               for i, line in b]
                    sent.append((lo, [line for _, line in b]))
                    yield common_path, Restrip(sets, lengths, changed)

            out = tempfile.TemporaryFile()
            p2 = _Pass1.empty()
            for changed, sigs, sets, lengths in self._map(_restrip_local, _restrip_remote, restrips()):
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
        p1.close()
        p1.lwords = []
        give_back()
        return out, p2

    def _dedup(self, spool, p1: _Pass1) -> Iterator[bytes]:
        """Pass 3: final clusters (against the index, when given), then the
        kept records in input order."""
        cfg, c = self.config, self.stats.counts
        # Without an index only LSH reads the signatures: their band keys
        # on disk do (an index stores and compares the signatures).
        corpus = p1.corpus(cfg.num_perm, None if cfg.index else cfg.dedup_params)
        give_back()
        index = Index(cfg.index, cfg.dedup_params) if cfg.index else None
        kept = False  # whether a file the index made stays (once it holds this run's documents)
        try:
            ids, fixed = p1.ids, 0
            if index is not None:
                index.reserve()  # what another run adds meanwhile would be missed
                old_ids, old = index.load(index.lookup(corpus.sigs, corpus.exact))
                fixed = len(old_ids)
                ids = Strings(old_ids)
                ids.extend(p1.ids)
                exact = Digests(DIGEST_BYTES, old.exact)
                exact.extend(corpus.exact)
                corpus = Corpus(np.concatenate((old.sigs, corpus.sigs)),
                                _Chain(old.shingles, corpus.shingles, fixed),
                                np.concatenate((old.words, corpus.words)), exact)
            clusters = cluster(corpus, cfg.dedup_params, cfg.containment_threshold, fixed)
            give_back()
            self._clusters = lambda clusters=clusters, ids=ids: [cluster_record(cl, ids) for cl in clusters]
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
                kept = not self.hold_index
                if self.hold_index:  # committed by commit_index, once the output is
                    self._held, index = index, None
        finally:
            if index is not None:
                index.close(forget_new=not kept)
            if isinstance(corpus.sigs, BandKeys):
                corpus.sigs.close()


def check_local(config: Config, caller: str) -> None:
    """Refuse ``engine="ray"`` where documents are already in this process
    (``clean``, ``Pipeline.run``, ``clean_dataset``): Ray tasks read files,
    and the run would otherwise quietly be a local one."""
    if config.engine != "local":
        raise ValueError(f"{caller} runs in this process (workers= for more); engine={config.engine!r} "
                         "is for paths (Pipeline.run_paths, scrubber clean --engine ray)")


def _groups(clusters: list[Cluster], n: int) -> np.ndarray:
    """A group label per document: its cluster's kept document, or itself."""
    groups = np.arange(n)
    for cl in clusters:
        groups[list(cl.dropped)] = cl.keep
    return groups


class _Overlay:
    """A spool's sets with some replaced; the replacements are spooled too,
    so that the second grouping holds no set in memory."""

    def __init__(self, base: ShingleSpool):
        self.base = base
        self.new = ShingleSpool()
        self.where = np.full(len(base), -1, dtype=np.int64)

    def replace(self, i: int, shingles: np.ndarray) -> None:
        self.where[i] = len(self.new)
        self.new.extend(shingles, np.array([len(shingles)]))

    def __len__(self) -> int:
        return len(self.base)

    def __getitem__(self, i: int) -> np.ndarray:
        j = self.where[i]
        return self.base[i] if j < 0 else self.new[int(j)]

    def sizes(self, docs: np.ndarray) -> np.ndarray:
        out = self.base.sizes(docs)
        j = self.where[docs]
        out[j >= 0] = self.new.sizes(j[j >= 0])
        return out

    def many(self, docs: np.ndarray) -> list[np.ndarray]:
        j = self.where[docs]
        out: list = [None] * len(docs)
        for pick, spool, at in ((j < 0, self.base, docs[j < 0]), (j >= 0, self.new, j[j >= 0])):
            for k, s in zip(np.flatnonzero(pick).tolist(), spool.many(at)):
                out[k] = s
        return out

    def close(self) -> None:
        self.new.close()


class _Chain:
    """Two shingle sequences read as one (index documents, then this run's)."""

    def __init__(self, first, second, n_first: int):
        self.first, self.second, self.n = first, second, n_first

    def __len__(self) -> int:
        return self.n + len(self.second)

    def __getitem__(self, i: int) -> np.ndarray:
        return self.first[i] if i < self.n else self.second[i - self.n]
