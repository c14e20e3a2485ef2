"""Worker processes of the local engine: how they start, what they run, how they stop.

Per-document work runs in a pool of processes when ``config.workers > 1``;
``ordered_map`` hands them batches through a bounded window and yields
results in input order, so the output does not depend on the worker count.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from typing import Callable, Iterable, Iterator

from .batches import Batch
from .cleaner import Cleaner
from .config import Config
from .document import Document
from .steps import process_batch, resign_batch, restrip_batch

log = logging.getLogger("scrubber")

_worker: Cleaner | None = None


def single_threaded_blas() -> None:
    """Keep numpy's BLAS to one thread in a process scrubber owns.

    The classifier multiplies matrices of a few dozen lines by a few dozen
    weights; OpenBLAS spreads even those over every core, which burns CPU
    for no gain and makes worker processes fight over the cores.
    Parallelism is the workers' job (docs/performance.md has the figures).
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
    remaining collections rarer (docs/performance.md has the figures).
    """
    gc.freeze()
    gc.set_threshold(GC_YOUNG, *gc.get_threshold()[1:])


def worker_context():
    """Where worker processes come from, cheapest first.

    Fork, when this process runs one thread on Linux: a worker starts with
    scrubber imported and the Cleaner built (from a fork server, each
    worker builds its Cleaner while the main process waits). Fork
    copies only the calling thread, so a lock held by another thread would
    stay held forever in the worker; with no other Python thread there is
    none to hold (native thread pools such as numpy's BLAS are forked as
    they were under Linux's default start method until Python 3.14). The
    same risk is why 3.14 stopped defaulting to fork, and why macOS, whose
    system libraries are not fork-safe, never gets it here.

    Otherwise (a library caller with threads of its own), a fork server
    that has imported scrubber once, so that each worker is a fork of it
    rather than a new interpreter.
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
def signals_held():
    """Ctrl-C and SIGTERM wait until the block is done; what arrived
    meanwhile is handled on leaving it. Around a pool's start, and around
    the renames that put a run's files in place (one signal between two
    would leave a folder of shards of two runs).

    Blocking them in this thread is not enough: the kernel then hands the
    signal to another thread (a reader's, a pool's), and Python still
    raises it here at the next bytecode, in the middle of the block (a
    pool half started, whose workers then waited for ever at exit: 2 runs
    of 40 stopped at start-up hung). So their Python handlers are swapped
    for a recorder too, and what it recorded is raised again after."""
    caught: list[int] = []
    swapped = {}
    if threading.current_thread() is threading.main_thread():
        for sig in _STOP_SIGNALS:
            handler = signal.getsignal(sig)
            if callable(handler):  # not SIG_DFL or SIG_IGN, whose way is fine as it is
                swapped[sig] = handler
                signal.signal(sig, lambda signum, frame: caught.append(signum))
    masked = hasattr(signal, "pthread_sigmask")
    old = signal.pthread_sigmask(signal.SIG_BLOCK, _STOP_SIGNALS) if masked else None
    try:
        yield
    finally:
        if masked:
            signal.pthread_sigmask(signal.SIG_SETMASK, old)
        for sig, handler in swapped.items():
            signal.signal(sig, handler)
        for sig in dict.fromkeys(caught):
            signal.raise_signal(sig)


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


def usable_cores() -> int:
    """The CPU cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))  # honours taskset and cpusets
    except AttributeError:  # macOS and Windows have no sched_getaffinity
        return os.cpu_count() or 1


@contextmanager
def started(cleaner: Cleaner, workers: int) -> Iterator[ProcessPoolExecutor | None]:
    """A pool of ``workers`` processes running ``cleaner``'s configuration,
    for the duration of the block; None when one process is asked for.

    No more processes than the cores this one may use, as the CLI's ``-j``:
    cleaning is CPU-bound, and each process costs its memory (a library
    caller's ``workers=10000`` would exhaust the machine's). The output is
    the same for any number."""
    cores = usable_cores()
    if workers > cores:
        log.warning("workers=%d is more than the %d CPU cores this process may use; running %d",
                    workers, cores, cores)
        workers = cores
    if max(1, workers) == 1:
        yield None
        return
    # Not multiprocessing.Pool: while a result waits in its pipe, Pool's
    # worker-handler thread spins, polling every worker.
    ctx = worker_context()
    # Under fork the initializer's arguments are inherited, not pickled.
    setup = cleaner if ctx.get_start_method() == "fork" else cleaner.config
    pool = ProcessPoolExecutor(workers, mp_context=ctx, initializer=_init_worker, initargs=(setup,))
    try:
        with signals_held():
            # The first task starts the worker processes. A Ctrl-C or
            # SIGTERM arriving during a fork would be raised in an
            # at-fork hook, where Python ignores exceptions: the run
            # would go on as if never stopped. Held, it arrives after.
            pool.submit(int)
        yield pool
    except BaseException:
        _stop(pool)
        raise
    # A signal inside shutdown's wait left it half done, and the workers
    # waiting for work at exit for ever; held, it is acted on after.
    with signals_held():
        pool.shutdown(cancel_futures=True)


#: Seconds a stopped run's workers get to leave before they are killed.
STOP_WAIT = 5.0


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut ``pool`` down after an error or a signal, skipping the batches
    not started, and kill the workers still there after STOP_WAIT seconds.

    The workers ignore Ctrl-C and SIGTERM (the main process acts on them),
    and an interrupted run sometimes left them waiting for a task that
    never came (2 runs of 40 stopped with Ctrl-C hung at exit, joining
    them): nothing they are doing is needed any more."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    deadline = time.monotonic() + STOP_WAIT
    for p in procs:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in procs:
        if p.is_alive():
            p.kill()
            p.join(1.0)


def ordered_map(pool: ProcessPoolExecutor | None, cleaner: Cleaner, local: Callable, remote: Callable,
                batches: Iterable[list], progress: Callable[[int, int], None] | None = None,
                size_of: Callable | None = None, idle: Callable[[], bool] | None = None) -> Iterator:
    """``local(cleaner, batch)`` over batches, in order, or ``remote(batch)``
    in the pool's workers when there is a pool. A bounded window of batches
    in flight keeps memory flat on huge inputs (Pool.imap would read ahead)
    and keeps order. When ``idle()`` says the input has nothing more yet,
    the batches in flight are waited for rather than held until more come."""
    if pool is None:
        for batch in batches:
            yield from local(cleaner, batch)
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
        window.append((pool.submit(remote, batch), len(batch),
                       sum(map(size_of, batch)) if progress else 0))
        if len(window) >= 2 * pool._max_workers:
            yield from drain()
        if idle is not None and idle():
            while window:
                yield from drain()
    while window:
        yield from drain()
