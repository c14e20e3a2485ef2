"""The pipeline: documents in, clean JSONL lines out, in input order.

Per-document work (repair, rules, heuristics, serialising, MinHash sketch)
is pure and runs in worker processes when ``config.workers > 1``; results
come back in input order, so output does not depend on the worker count.
Deduplication needs a global view: clean records are spooled to a temporary
file and only their sketches stay in memory until clustering is done.
"""

from __future__ import annotations

import multiprocessing as mp
import tempfile
import time
from collections import Counter, deque
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

import orjson

from .cleaner import Cleaner
from .config import Config
from .dedup import Sketch, cluster, sketch
from .document import Document
from .sinks import dumps
from .sources import Reader
from .stats import Stats

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


def process(cleaner: Cleaner, doc: Document) -> Result:
    """Clean one document and prepare everything the main process needs."""
    config = cleaner.config
    out = cleaner.clean(doc)
    removed = Counter(r.reason for r in out.removals if r.span is None)
    spans = sum(1 for r in out.removals if r.span is not None)
    words = len(out.text.split())
    if words == 0 or words < config.min_words:
        return Result(doc.id, None, None, removed, spans, out.repairs,
                      "empty" if words == 0 else "short")
    sk = sketch(out.text, config.shingle_size, config.num_perm, config.seed) if config.dedup else None
    return Result(doc.id, dumps(to_record(out, config)), sk, removed, spans, out.repairs, None)


_worker: Cleaner | None = None


def _init_worker(config: Config) -> None:
    global _worker
    _worker = Cleaner(config)


def _process_batch(batch: list[Document]) -> list[Result]:
    return [process(_worker, d) for d in batch]


def _batches(docs: Iterable[Document]) -> Iterator[list[Document]]:
    batch, size = [], 0
    for d in docs:
        batch.append(d)
        size += len(d.text)
        if len(batch) >= _BATCH_DOCS or size >= _BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


class Pipeline:
    """One configured run. Build it once (rules are loaded and checked
    here), then ``run`` it over documents."""

    def __init__(self, config: Config | None = None):
        self.config = config or Config()
        self.cleaner = Cleaner(self.config)
        self.stats = Stats()

    def reader(self, **kw) -> Reader:
        return Reader(self.config, self.stats.counts, **kw)

    def _results(self, docs: Iterable[Document],
                 progress: Callable[[int, int], None] | None) -> Iterator[Result]:
        workers = max(1, self.config.workers)
        if workers == 1:
            for batch in _batches(docs):
                yield from (process(self.cleaner, d) for d in batch)
                if progress:
                    progress(len(batch), sum(len(d.text) for d in batch))
            return
        # A bounded window of batches in flight keeps memory flat on huge
        # inputs (Pool.imap would read the whole input ahead) and keeps order.
        ctx = mp.get_context("spawn")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(self.config,)) as pool:
            window: deque = deque()
            for batch in _batches(docs):
                window.append((pool.apply_async(_process_batch, (batch,)), len(batch),
                               sum(len(d.text) for d in batch)))
                if len(window) >= 2 * workers:
                    yield from self._drain_one(window, progress)
            while window:
                yield from self._drain_one(window, progress)

    @staticmethod
    def _drain_one(window: deque, progress) -> list[Result]:
        res, n, size = window.popleft()
        out = res.get()
        if progress:
            progress(n, size)
        return out

    def run(self, docs: Iterable[Document],
            progress: Callable[[int, int], None] | None = None) -> Iterator[bytes]:
        """Clean ``docs`` and yield the output JSONL lines in input order."""
        start = time.perf_counter()
        c = self.stats.counts
        spool = tempfile.TemporaryFile() if self.config.dedup else None
        ids: list[str] = []
        sketches: list[Sketch] = []
        try:
            for r in self._results(docs, progress):
                c["documents_in"] += 1
                self.stats.removed.update(r.removed)
                c["lines_removed"] += sum(r.removed.values())
                c["spans_removed"] += r.spans
                c["documents_repaired"] += r.repaired
                if r.line is None:
                    c[f"dropped_{r.dropped}"] += 1
                elif spool is None:
                    c["documents_out"] += 1
                    yield r.line
                else:
                    spool.write(r.line)
                    ids.append(r.id)
                    sketches.append(r.sketch)
            if spool is not None:
                yield from self._dedup(spool, ids, sketches)
        finally:
            if spool is not None:
                spool.close()
            self.stats.seconds = time.perf_counter() - start

    def _dedup(self, spool, ids: list[str], sketches: list[Sketch]) -> Iterator[bytes]:
        cfg, c = self.config, self.stats.counts
        clusters = cluster(sketches, cfg.lsh_bands, cfg.lsh_rows,
                           cfg.jaccard_threshold, cfg.containment_threshold)
        keep_extra: dict[int, bytes] = {}
        dup_of: dict[int, bytes] = {}
        for cl in clusters:
            cid = orjson.dumps(ids[cl.keep])
            keep_extra[cl.keep] = b',"cluster":' + cid + b',"duplicates":' + \
                orjson.dumps([ids[d] for d in cl.dropped])
            dup_of.update((d, cid) for d in cl.dropped)
        c["clusters"] = len(clusters)
        spool.seek(0)
        for i, line in enumerate(spool):
            if i in keep_extra:
                line = line[:-2] + keep_extra[i] + b"}\n"
            elif i in dup_of:
                if not cfg.keep_duplicates:
                    c["duplicates_dropped"] += 1
                    continue
                c["duplicates_marked"] += 1
                line = line[:-2] + b',"cluster":' + dup_of[i] + b',"duplicate_of":' + dup_of[i] + b"}\n"
            c["documents_out"] += 1
            yield line


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
    docs = (reader.record_to_document(r, f"<record {n}>") for n, r in enumerate(records, 1))
    for line in pipe.run(docs):
        yield orjson.loads(line)


def clean_text(text: str, config: Config | None = None, **options) -> str:
    """Repair one text and strip its furniture (no deduplication)."""
    config = (config or Config()).with_(**options) if options else (config or Config())
    return Cleaner(config).clean_text(text)
