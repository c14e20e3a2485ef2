#!/usr/bin/env python3
"""Memory of deduplication from 10k to 1M documents: is it linear?

Sketches only, no cleaning: each synthetic document is a random 128-value
signature and a set of random shingles; one in fifty is a planted copy of
the document before it (a tenth of its signature values changed, its
shingle set shared), so LSH and verification have real work to do. Each
size runs in a fresh process and reports its peak resident memory above
the interpreter's own, per document.

    python benchmarks/dedup_memory.py                       # 10k, 100k, 1M
    python benchmarks/dedup_memory.py --sizes 10000 50000 --index   # + SQLite bytes/doc

What the clustering state holds per document: the signature (4 x 128 =
512 bytes), words (8), the digest of the text (16, plus its bytes object in
a list), the offset of its shingle set in the spool (8); the shingle sets
themselves are on disk, memory-mapped. LSH adds one band's keys and sort
order at a time (16 bytes per document).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

import numpy as np

SHINGLES = 30      # per synthetic document (kept small: the spool is on disk anyway)
COPY_EVERY = 50


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def one(n: int, with_index: bool) -> dict:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
    from scrubber.dedup import Corpus, ShingleSpool, cluster
    from scrubber.minhash import Params

    base = rss_mb()
    rng = np.random.default_rng(n)
    t0 = time.perf_counter()
    sigs = np.empty((n, 128), dtype=np.uint32)
    spool = ShingleSpool()
    exact = []
    for lo in range(0, n, 10000):
        hi = min(n, lo + 10000)
        sigs[lo:hi] = rng.integers(0, 2**32, size=(hi - lo, 128), dtype=np.uint64)
        sets = np.sort(rng.integers(0, 2**32, size=(hi - lo, SHINGLES), dtype=np.uint64).astype(np.uint32), axis=1)
        block = []
        for i in range(lo, hi):
            if i % COPY_EVERY == 1:  # a copy of the document before
                sigs[i] = sigs[i - 1]
                change = rng.choice(128, 13, replace=False)
                sigs[i, change] = rng.integers(0, 2**32, size=13, dtype=np.uint64)
                sets[i - lo] = sets[i - 1 - lo] if i - 1 >= lo else sets[i - lo]
            block.append(np.unique(sets[i - lo]))
            exact.append(rng.bytes(16))
        spool.extend(np.concatenate(block), np.array([len(b) for b in block]))
    words = np.full(n, 100, dtype=np.int64)
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    clusters = cluster(Corpus(sigs, spool, words, exact), Params())
    secs = time.perf_counter() - t0
    peak = rss_mb() - base
    out = {"docs": n, "clusters": len(clusters), "expected_clusters": n // COPY_EVERY,
           "peak_mb_above_start": round(peak, 1), "bytes_per_doc": round(peak * 2**20 / n),
           "build_s": round(built, 1), "cluster_s": round(secs, 1)}
    if with_index:
        from scrubber.index import Index
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "index.db")
            idx = Index(path)
            corpus = Corpus(sigs, spool, words, exact)
            t0 = time.perf_counter()
            for lo in range(0, n, 10000):
                idx.add([f"d{i}" for i in range(n)], corpus, list(range(lo, min(n, lo + 10000))))
            idx.close()
            out["index_bytes_per_doc"] = round(os.path.getsize(path) / n)
            out["index_add_s"] = round(time.perf_counter() - t0, 1)
    spool.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--index", action="store_true", help="also build the SQLite index and report its bytes per document")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.index)))
        return
    print(f"{'docs':>9} {'clusters':>9} {'peak MB':>8} {'bytes/doc':>9} {'cluster s':>9}"
          + (f" {'index B/doc':>11}" if a.index else ""))
    for n in a.sizes:
        cmd = [sys.executable, __file__, "--one", str(n)] + (["--index"] if a.index else [])
        r = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
        print(f"{r['docs']:>9,} {r['clusters']:>9,} {r['peak_mb_above_start']:>8} {r['bytes_per_doc']:>9} "
              f"{r['cluster_s']:>9}" + (f" {r['index_bytes_per_doc']:>11}" if a.index else ""), flush=True)


if __name__ == "__main__":
    main()
