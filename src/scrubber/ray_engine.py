"""The Ray engine: a run as Ray tasks over shards.

Input files are cut into shards (one per file; plain JSONL files larger than
``config.shard_bytes`` into line-aligned byte ranges), and one Ray task per
shard reads, repairs, strips and signs its documents with the very functions
the local engine uses. The corpus-wide passes then run as map and reduce
tasks over those shards (``sharded.py``): exact copies and band keys are
grouped across shards by partition, pairs are verified where their shards'
sets are, and the driver joins verified pairs into clusters; corpus
furniture is counted the same way. Output records are rendered by one task
per shard, and with ``-o DIR/`` written by it. Documents, clusters and
representatives are those of the local engine, byte for byte.

With ``--index``, the corpus-wide passes need the index file on the
driver, so the shards' results come back to the driver and the local
engine's passes run there (``shard_results``).
"""

from __future__ import annotations

import glob
import logging
import os
import signal
import socket
import threading
import time
from collections import Counter, deque
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from .cleaner import Cleaner
from .config import Config
from .errors import ScrubberError
from .extras import install_command
from . import files, sharded, shards
from .batches import Result, batches
from .stats import warn_timeouts
from .steps import process_batch
from .workers import single_threaded_blas, usable_cores

if TYPE_CHECKING:  # the engine is given a Pipeline, never imports the local engine
    from .pipeline import Pipeline
from .sinks import PendingParts, is_part, make_dirs, sweep_stale
from .compression import GZIP_MAGIC, MAGIC_BYTES, XZ_MAGIC, is_bzip2, is_zstd, magic
from .decoding import wide_encoding
from .records import _is_json_object
from .sources import COMPRESSIONS, Reader, _named_json, kind_of, kind_of_content

log = logging.getLogger("scrubber")

#: A shard: (path, id for a text file, byte range or None, first line number).
Shard = tuple[str, str, "tuple[int, int] | None", int]


def _ray():
    try:
        import ray
    except ImportError:
        raise ScrubberError(f"--engine ray needs Ray: {install_command('ray')}") from None
    return ray


def _splittable(path: str) -> bool:
    """Plain JSONL in UTF-8, cut by byte ranges; every other format
    (compressed, WARC, parquet, …) is one shard per file, read as the local
    engine reads it. So is UTF-16 or UTF-32 JSONL: its byte-order mark,
    which says how to decode it, is in the first range only, and a byte
    offset may fall inside a character."""
    if path.lower().endswith(COMPRESSIONS[1:]):
        return False
    if kind_of(path) != "jsonl" and not _json_lines(path):
        return False
    head = magic(path, MAGIC_BYTES)  # a compressed file under a plain name is read by its content
    return not (head.startswith((GZIP_MAGIC, XZ_MAGIC)) or is_zstd(head) or is_bzip2(head)
                or kind_of_content(head) or wide_encoding(head))


def _json_lines(path: str) -> bool:
    """Whether ``path`` is a ``.json`` file of JSON Lines (its first line
    that is not blank a whole record, within 1 MB), which the local engine
    reads as JSONL too; an array of records is read whole, as one shard."""
    if not _named_json(path):
        return False
    with files.open_raw(path) as f:
        for line in iter(lambda: f.readline(1 << 20), b""):
            if line.strip():
                return _is_json_object(line)
    return False


def line_starts_in(path: str, start: int, end: int) -> int:
    """How many lines begin in bytes [start, end) of ``path``, as Python's
    line iteration counts them (no empty line after a final newline)."""
    end = min(end, files.size(path))
    if start >= end:
        return 0
    n = 1 if start == 0 else 0
    with files.open_raw(path) as f:
        f.seek(max(start - 1, 0))
        todo = end - 1 - max(start - 1, 0)
        while todo > 0:
            block = f.read(min(todo, 1 << 24))
            if not block:
                break
            n += block.count(b"\n")
            todo -= len(block)
    return n


def _for_workers(config: Config) -> Config:
    """``config`` as a cluster's workers need it: with ``--address``, the
    rule and model files it names made absolute here, as the inputs are
    (``plan_shards``)."""
    if not config.ray_address:
        return config
    model = config.classifier_model
    return config.with_(rule_files=tuple(os.path.abspath(f) for f in config.rule_files),
                        classifier_model=os.path.abspath(model) if model else model)


def plan_shards(reader: Reader, paths: Iterable[str], shard_bytes: int,
                absolute: bool = False) -> list[Shard]:
    """The shards of a run, in input order; with ``absolute``, their paths
    made absolute here (a cluster's workers open them in directories of
    their own)."""
    shards: list[Shard] = []
    for path, doc_id in reader.plan(paths):
        if path == "-":
            raise ScrubberError("--engine ray reads files, not standard input")
        if absolute:
            path = os.path.abspath(path)
        size = files.size(path)
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
        results = [r for batch in batches(docs) for r in process_batch(cleaner, batch)]
        counts.update(cleaner.take_timeouts())  # as the local engine counts each batch's
    finally:
        log.removeHandler(handler)
    return results, counts, handler.messages


def pass1_task(config: Config, shard: Shard) -> list:
    """Pass 1 of a shard, as [Docs, View, Summary] (``shards.first_pass``)."""
    results, counts, messages = clean_shard(config, shard)
    return shards.first_pass(results, config.dedup, counts, messages)


def _first(fn, *args):
    return fn(*args)[0]


class RayExecutor:
    """``sharded``'s executor on Ray: a step is a Ray task, a handle an
    ``ObjectRef``; a task that failed on bad input re-raises the
    ``ScrubberError`` it raised (a clear one-line message, not a trace)."""

    def __init__(self, ray):
        self.ray = ray
        self._remote: dict = {}

    def _task(self, fn):
        if fn not in self._remote:
            self._remote[fn] = self.ray.remote(fn)
        return self._remote[fn]

    def call(self, fn, *args):
        return self._task(fn).remote(*args)

    def split(self, fn, k: int, *args) -> list:
        if k == 1:
            return [self._task(_first).remote(fn, *args)]
        return self._task(fn).options(num_returns=k).remote(*args)

    def get(self, handle):
        try:
            return self.ray.get(handle)
        except self.ray.exceptions.RayTaskError as e:
            cause = getattr(e, "cause", None)
            if isinstance(cause, ScrubberError):
                raise cause from None
            raise

    def put(self, value):
        return self.ray.put(value)


#: The Ray this module started, while it runs: the ``ray.init`` arguments
#: and the cluster's address. Ray stays up after a run, as Ray Data leaves
#: it, so the next run starts no cluster; a run that asks for another one
#: (``ray_address``, ``workers``) gets it.
_started: tuple[dict, str] | None = None


def _init(config: Config):
    global _started
    ray = _ray()
    # A failed task's error reaches the user once, as one line (RayExecutor.get);
    # Ray would print it again, with its trace, for each of the task's other
    # outputs that nobody fetched.
    os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
    # workers=0 means one per usable core, as -j 0 does; passed on as
    # num_cpus=0 it left Ray no CPU to schedule a task on, and the run
    # waited for ever.
    # Without --address the run starts a Ray of its own ("local"): left to
    # itself, ray.init joins a cluster `ray start` left on this machine (or
    # its stale address file), and refuses num_cpus there.
    kw = {"address": config.ray_address} if config.ray_address \
        else {"address": "local", "num_cpus": config.workers or usable_cores()}
    if ray.is_initialized():
        ours = _started is not None and _started[1] == _gcs_address(ray)
        if not ours:
            # the caller's own Ray (ray.init before the run): used as it is
            if config.ray_address:
                log.warning("Ray is already running in this process; --address %s is not used "
                            "(ray.shutdown() first to reach it)", config.ray_address)
            return ray
        if _started[0] == kw:
            return ray
        ray.shutdown()  # ours, started for another address or number of workers
        _started = None
    # Starting a cluster, Ray logs notices of its own (that token
    # authentication is on, ...) to standard error, past --quiet; the
    # level goes back to what it was once the cluster is up.
    ray_log = logging.getLogger("ray")
    level = ray_log.level
    ray_log.setLevel(logging.ERROR)
    # ray.init puts its own SIGTERM handler (exit 15, a C++ stack dump) in
    # place of the command's (exit 143, `scrubber: terminated`, output removed).
    main = threading.current_thread() is threading.main_thread()
    term = signal.getsignal(signal.SIGTERM) if main else None
    try:
        if config.ray_address:
            _reachable(config.ray_address)
        ray.init(include_dashboard=False, log_to_driver=False, configure_logging=False,
                 logging_level=logging.ERROR, **kw)
    except ConnectionError as e:
        raise ScrubberError(f"--address {config.ray_address}: {e}") from None
    finally:
        ray_log.setLevel(level)
        if term is not None:
            signal.signal(signal.SIGTERM, term)
    _started = (kw, _gcs_address(ray))
    return ray


def _gcs_address(ray) -> str:
    """The address of the cluster this process is connected to ("" when
    Ray cannot say)."""
    try:
        return str(ray.get_runtime_context().gcs_address)
    except Exception:
        return ""


def _reachable(address: str, timeout: float = 10.0) -> None:
    """Refuse a ``host:port`` that takes no connection within ``timeout``
    seconds: Ray itself retries such an address for minutes on end."""
    host, _, port = address.rpartition(":")
    if "://" in address or not host or not port.isdigit():
        return  # auto, a ray:// client address: Ray tells these apart itself
    try:
        socket.create_connection((host.strip("[]"), int(port)), timeout).close()
    except OSError as e:
        raise ScrubberError(f"--address {address}: no Ray cluster reachable there "
                            f"({e.strerror or 'timed out'}); start one with `ray start --head`, "
                            "or drop --address for a local Ray") from None


def _partitions(ray) -> int:
    """Reduce partitions per step: enough for every CPU of the cluster to
    take one; the results do not depend on it."""
    return max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))


def run(pipe: Pipeline, paths: Iterable[str], progress: Callable[[int, int], None] | None = None,
        directory: str | None = None) -> Iterator:
    """A whole run on Ray: the output lines in input order or, with
    ``directory``, (temporary part file, records in it) per shard."""
    start = time.perf_counter()
    try:
        config = pipe.config
        shards = plan_shards(pipe.reader(), paths, config.shard_bytes, bool(config.ray_address))
        ray = _init(config)
        ex = RayExecutor(ray)
        cfg = ray.put(_for_workers(config))
        # No name keeps the pass-1 handles: once sharded.run has taken them
        # all, the list goes, and pass 1's objects with it after pass 2.
        passed = iter([ex.split(pass1_task, 3, cfg, shard) for shard in shards])
        outcome = sharded.Outcome(pipe.stats)
        yield from sharded.run(ex, config, passed, outcome, _partitions(ray), directory, progress)
        pipe.clusters = outcome.clusters
    finally:
        pipe.stats.seconds = time.perf_counter() - start


def write_parts(pipe: Pipeline, paths: Iterable[str], directory: str,
                progress: Callable[[int, int], None] | None = None,
                commit: bool = True) -> PendingParts:
    """``-o DIR/`` on Ray: each shard's task writes its records as one part
    file; parts appear, numbered in input order (shards with no record
    write none), and stale parts of an earlier run go, only when the whole
    run has succeeded (with ``commit=False``, at the ``commit_now()`` of the
    parts returned)."""
    if pipe.config.ray_address:
        directory = os.path.abspath(directory)  # where the driver runs, not each worker
    made = make_dirs(directory)
    # Once here: the shards' tasks, each writing one part, do not look.
    sweep_stale(directory, is_part)
    done: list[str] = []
    try:
        for tmp, n in run(pipe, paths, progress, directory):
            if n:
                done.append(tmp)
            else:
                os.unlink(tmp)
    except BaseException:
        # A failed run: what the shards wrote is only temporary files.
        PendingParts(directory, ".jsonl.gz", done + glob.glob(os.path.join(directory, ".part-*.tmp")),
                     made).discard()
        raise
    parts = PendingParts(directory, ".jsonl.gz", done, made)
    if commit:
        try:
            parts.commit_now()
        finally:
            parts.discard()  # the parts not renamed, if a rename failed
    return parts


def shard_results(pipe: Pipeline, paths: Iterable[str],
                  progress: Callable[[int, int], None] | None = None) -> Iterator[Result]:
    """Per-document results of ``paths`` computed by Ray tasks, in input order."""
    config = pipe.config
    shards = plan_shards(pipe.reader(), paths, config.shard_bytes, bool(config.ray_address))
    ray = _init(config)
    task = ray.remote(clean_shard)
    cfg = ray.put(_for_workers(config))
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
        warn_timeouts(pipe.stats.counts, counts, config, pipe._said)
        if progress:
            progress(len(results), counts["bytes_in"])
        yield from results
