#!/usr/bin/env python3
"""What each stage of the sharded (Ray) engine holds, per document.

Runs the corpus-wide passes of ``scrubber.sharded`` over INPUT cut into
shards of ``--docs`` documents, with an executor that runs each step here
and weighs what it returns (pickled, as Ray stores it). Prints, per step,
the bytes per input document, and what that is at ``--scale`` documents
(the steps' outputs grow linearly with the documents: every row is per
document or per pair). The driver's own state is weighed too: what it keeps
between steps (exact copies, verified pairs, words, clusters, ids), as
Python objects.

    python benchmarks/sharded_memory.py INPUT.jsonl [--docs 250] [--scale 1e8]
"""

from __future__ import annotations

import argparse
import pickle
import sys
from collections import defaultdict

import numpy as np

from scrubber import Config, Pipeline, sharded, shards
from scrubber.batches import batches as _batches
from scrubber.steps import process_batch
from scrubber.stats import Stats


def deep_size(x, seen=None) -> int:
    """Bytes of a Python object and what it holds (numpy arrays: their buffer)."""
    seen = set() if seen is None else seen
    if id(x) in seen:
        return 0
    seen.add(id(x))
    if isinstance(x, np.ndarray):
        return x.nbytes + 112
    size = sys.getsizeof(x)
    if isinstance(x, dict):
        size += sum(deep_size(k, seen) + deep_size(v, seen) for k, v in x.items())
    elif isinstance(x, (list, tuple, set, frozenset)):
        size += sum(deep_size(v, seen) for v in x)
    elif hasattr(x, "__slots__"):
        size += sum(deep_size(getattr(x, s), seen) for s in x.__slots__ if hasattr(x, s))
    elif hasattr(x, "__dict__"):
        size += deep_size(vars(x), seen)
    return size


class Weighing(shards.Serial):
    """Runs steps here; adds up the pickled size of what each returns."""

    def __init__(self):
        self.bytes: dict[str, int] = defaultdict(int)
        self.calls: dict[str, int] = defaultdict(int)

    def _weigh(self, fn, out):
        self.bytes[fn.__name__] += len(pickle.dumps(out, protocol=5))
        self.calls[fn.__name__] += 1
        return out

    def call(self, fn, *args):
        return self._weigh(fn, fn(*args))

    def split(self, fn, k, *args):
        return self._weigh(fn, list(fn(*args)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input", nargs="+")
    ap.add_argument("--docs", type=int, default=250, help="documents per shard")
    ap.add_argument("--parts", type=int, default=8, help="reduce partitions")
    ap.add_argument("--scale", type=float, default=1e8, help="documents to extrapolate to")
    args = ap.parse_args()

    config = Config()
    pipe = Pipeline(config)
    docs = list(pipe.reader().read_paths(args.input))
    n = len(docs)
    ex = Weighing()
    passed = []
    for at in range(0, n, args.docs):
        res = [r for b in _batches(docs[at:at + args.docs]) for r in process_batch(pipe.cleaner, b)]
        passed.append(ex._weigh(shards.first_pass, shards.first_pass(res, config.dedup)))
    del docs

    driver: dict[str, int] = {}
    real_star, real_run = sharded.star, sharded.run

    def star(nbrs, copies, words, fixed=0, **kw):  # what the driver holds to join pairs into clusters
        out = real_star(nbrs, copies, words, fixed, **kw)
        driver["clustering"] = max(driver.get("clustering", 0), deep_size((nbrs, copies, words, out)))
        return out

    sharded.star = star
    outcome = sharded.Outcome(Stats())
    lines = sum(1 for _ in real_run(ex, config, iter(passed), outcome, args.parts))
    driver["cluster records"] = deep_size(outcome.clusters)
    dups = sum(c["size"] - 1 for c in outcome.clusters)
    print(f"{n} documents in, {lines} out, {len(passed)} shards, {len(outcome.clusters)} clusters, "
          f"{dups} duplicates\n")
    print(f"{'step':<14} {'tasks':>6} {'bytes/doc':>10} {'at %.0e docs' % args.scale:>14}")
    for name, b in sorted(ex.bytes.items(), key=lambda kv: -kv[1]):
        print(f"{name:<14} {ex.calls[name]:>6} {b / n:>10.0f} {b / n * args.scale / 1e9:>11.1f} GB")
    print("\ndriver (Python objects, largest clustering):")
    for name, b in driver.items():
        print(f"{name:<16} {b / max(dups, 1):>8.0f} B per duplicate  {b / n:>8.1f} B per document")


if __name__ == "__main__":
    main()
