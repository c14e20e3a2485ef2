"""The Ray engine: the per-document work of a run as Ray tasks over shards.

Input files are cut into shards (one per file; plain JSONL files larger than
``config.shard_bytes`` into line-aligned byte ranges), and one Ray task per
shard reads, repairs, strips and signs its documents with the very functions
the local engine uses. The driver takes the shards' results back in input
order, a bounded number of shards in flight, and hands them to the same
corpus-wide step (``Pipeline.finish``), so documents, clusters and
representatives are those of the local engine, byte for byte.

What each stage holds, per document: a shard task holds only its shard; the
driver holds one sketch per kept document for clustering (see dedup.py for
its size) and spools clean records to a local temporary file.
"""

from __future__ import annotations

import logging
import os
from collections import Counter, deque
from typing import Callable, Iterable, Iterator

from .cleaner import Cleaner
from .config import Config
from .errors import ScrubberError
from .pipeline import Pipeline, Result, _batches, process_batch, single_threaded_blas
from .sources import Reader, kind_of

log = logging.getLogger("scrubber")

#: A shard: (path, id for a text file, byte range or None, first line number).
Shard = tuple[str, str, "tuple[int, int] | None", int]


def _ray():
    try:
        import ray
    except ImportError:
        raise ScrubberError("--engine ray needs Ray: pip install 'scrubber[ray]'") from None
    return ray


def _splittable(path: str) -> bool:
    return kind_of(path) == "jsonl" and not path.lower().endswith((".gz", ".zst", ".zstd"))


def line_starts_in(path: str, start: int, end: int) -> int:
    """How many lines begin in bytes [start, end) of ``path``, as Python's
    line iteration counts them (no empty line after a final newline)."""
    size = os.path.getsize(path)
    end = min(end, size)
    if start >= end:
        return 0
    n = 1 if start == 0 else 0
    with open(path, "rb") as f:
        f.seek(max(start - 1, 0))
        todo = end - 1 - max(start - 1, 0)
        while todo > 0:
            block = f.read(min(todo, 1 << 24))
            if not block:
                break
            n += block.count(b"\n")
            todo -= len(block)
    return n


def plan_shards(reader: Reader, paths: Iterable[str], shard_bytes: int) -> list[Shard]:
    """The shards of a run, in input order."""
    shards: list[Shard] = []
    for path, doc_id in reader.plan(paths):
        if path == "-":
            raise ScrubberError("--engine ray reads files, not standard input")
        size = os.path.getsize(path)
        if not _splittable(path) or size <= shard_bytes:
            shards.append((path, doc_id, None, 0))
            continue
        line = 0
        for start in range(0, size, shard_bytes):
            end = min(start + shard_bytes, size)
            shards.append((path, doc_id, (start, end), line))
            line += line_starts_in(path, start, end)
    return shards


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def clean_shard(config: Config, shard: Shard) -> tuple[list[Result], Counter, list[str]]:
    """A shard's results, its counters and its warnings (a Ray task body;
    plain Python, so it is tested without Ray)."""
    path, doc_id, byte_range, first_line = shard
    single_threaded_blas()
    counts: Counter = Counter()
    reader = Reader(config, counts)
    cleaner = Cleaner(config)
    handler = _Collect()
    log.addHandler(handler)
    try:
        if byte_range is None:
            docs = reader.read_file(path, doc_id)
        else:
            docs = reader.read_jsonl_range(path, *byte_range, first_line)
        results = [r for batch in _batches(docs) for r in process_batch(cleaner, batch)]
    finally:
        log.removeHandler(handler)
    return results, counts, handler.messages


def shard_results(pipe: Pipeline, paths: Iterable[str],
                  progress: Callable[[int, int], None] | None = None) -> Iterator[Result]:
    """Per-document results of ``paths`` computed by Ray tasks, in input order."""
    ray = _ray()
    config = pipe.config
    shards = plan_shards(pipe.reader(), paths, config.shard_bytes)
    if not ray.is_initialized():
        kw = {"address": config.ray_address} if config.ray_address else {"num_cpus": config.workers}
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False, **kw)
    task = ray.remote(clean_shard)
    cfg = ray.put(config)
    in_flight = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
    window: deque = deque()
    todo = iter(shards)
    for shard in todo:
        window.append(task.remote(cfg, shard))
        if len(window) >= in_flight:
            break
    while window:
        try:
            results, counts, messages = ray.get(window.popleft())
        except ray.exceptions.RayTaskError as e:
            cause = getattr(e, "cause", None)
            if isinstance(cause, ScrubberError):
                raise cause from None
            raise
        nxt = next(todo, None)
        if nxt is not None:
            window.append(task.remote(cfg, nxt))
        for m in messages:
            log.warning("%s", m)
        pipe.stats.counts.update(counts)
        if progress:
            progress(len(results), counts["bytes_in"])
        yield from results
