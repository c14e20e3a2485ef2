#!/usr/bin/env python3
"""Deduplication quality, wall time and peak memory of `scrubber clean`.

    python benchmarks/dedup.py INPUT.jsonl TRUTH.jsonl [--runs 3] [-- extra scrubber flags]

INPUT holds records with ``id`` and ``text``; TRUTH one record per id with
its true ``cluster``. scrubber runs with its defaults (plus any flags after
``--``), writing records and ``--clusters``; the score is the one of the
dedup benchmarks: a dropped document is a correct drop when a document of
its true cluster was kept; P = correct drops / drops, R = correct drops /
true duplicates; ``lost`` counts true clusters with nothing kept; pairwise
cluster F1 compares the predicted clusters with the true ones over all
pairs of documents. Wall time is the median of ``--runs``; peak memory is
the largest resident set of a run (the scrubber process and its workers).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter


def norm_id(x) -> str:
    x = os.path.basename(str(x))
    return x if x.endswith(".txt") else x + ".txt"


def pairs(sizes) -> int:
    return sum(s * (s - 1) // 2 for s in sizes)


def score(truth: dict[str, str], out_path: str) -> dict:
    kept, label = set(), {}
    for line in open(out_path, encoding="utf-8"):
        r = json.loads(line)
        i = norm_id(r["id"])
        kept.add(i)
        c = r.get("cluster")
        if c is not None:
            label[i] = norm_id(c)
        for d in r.get("duplicates") or []:
            label[norm_id(d)] = i
    dropped = set(truth) - kept
    kept_clusters = {truth[i] for i in kept if i in truth}
    correct = sum(1 for i in dropped if truth[i] in kept_clusters)
    true_dups = len(truth) - len(set(truth.values()))
    p = correct / len(dropped) if dropped else 1.0
    r = correct / true_dups if true_dups else 1.0
    pred = {i: label.get(i, i) for i in truth}
    tp = pairs(Counter((truth[i], pred[i]) for i in truth).values())
    tpairs, ppairs = pairs(Counter(truth.values()).values()), pairs(Counter(pred.values()).values())
    pp, pr = (tp / ppairs if ppairs else 1.0), (tp / tpairs if tpairs else 1.0)
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "p": p, "r": r,
            "lost": len(set(truth.values()) - kept_clusters),
            "pairwise_f1": 2 * pp * pr / (pp + pr) if pp + pr else 0.0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("input")
    ap.add_argument("truth")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("extra", nargs="*", help="flags passed to scrubber clean (after --)")
    a = ap.parse_args()
    truth = {}
    for line in open(a.truth, encoding="utf-8"):
        if line.strip():
            r = json.loads(line)
            truth[norm_id(r["id"])] = r["cluster"]
    # The interpreter running this script, as the other benchmarks do: a
    # venv's python need not be activated for its scrubber to be found.
    if importlib.util.find_spec("scrubber") is None:
        sys.exit(f"scrubber is not installed for {sys.executable} (pip install -e .)")
    exe = [sys.executable, "-m", "scrubber"]
    walls = []
    with tempfile.TemporaryDirectory() as d:
        out, clusters = os.path.join(d, "out.jsonl"), os.path.join(d, "clusters.jsonl")
        for _ in range(a.runs):
            t0 = time.perf_counter()
            # -j 1 as when these figures were first taken (the command's
            # default is now every core); a -j in the extra options wins.
            subprocess.run([*exe, "clean", a.input, "-o", out, "--clusters", clusters, "-q", "-j", "1",
                            *a.extra], check=True)
            walls.append(time.perf_counter() - t0)
        s = score(truth, out)
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"dedup F1={s['f1']:.4f} P={s['p']:.4f} R={s['r']:.4f} lost_clusters={s['lost']} "
          f"pairwise_cluster_F1={s['pairwise_f1']:.4f}")
    print(f"wall median {statistics.median(walls):.2f} s over {a.runs} runs "
          f"({', '.join(f'{w:.2f}' for w in walls)}); peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
