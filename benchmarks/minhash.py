#!/usr/bin/env python3
"""Signing speed and accuracy: scrubber's numpy MinHash against datasketch
(the reference) and, when installed, rensa (a compiled MinHash).

    python benchmarks/minhash.py INPUT.jsonl [INPUT.jsonl ...] [--docs N] [--num-perm 128]

Texts are cut into scrubber's word 5-gram hashes (``minhash.words_of`` and
``minhash.grams``, as the pipeline does after cleaning), then each library
signs the same uint32 shingle sets:

* scrubber: ``minhash.signatures`` (numpy, one matrix per set);
* datasketch: ``MinHash(hashfunc=int, scheme="affine32").update_batch``
  over the shingle hashes is the reference; timed on the first few hundred
  sets only (it is two orders slower) and checked equal to scrubber's
  signatures on them;
* rensa: ``RMinHash.digest_matrix_from_flat_token_hashes`` over the same
  hashes, plus the copy of its rows into a numpy array.

Prints CPU seconds per library for all sets, and each estimator's mean
absolute error against the exact Jaccard similarity of the pairs that
share at least a tenth of their shingles (sampled among sets that share
any signature value).
"""

from __future__ import annotations

import argparse
import json
import time
from itertools import combinations

import numpy as np

from scrubber.minhash import grams, overlap, signatures, words_of


def load_sets(paths: list[str], docs: int) -> list[np.ndarray]:
    sets = []
    for path in paths:
        with open(path, encoding="utf-8") as fh:
            for line in fh:
                if len(sets) >= docs:
                    return sets
                if line.strip():
                    sets.append(grams(words_of(json.loads(line)["text"]).hashes))
    return sets


def cpu(f):
    t = time.process_time()
    out = f()
    return out, time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("inputs", nargs="+")
    ap.add_argument("--docs", type=int, default=5000)
    ap.add_argument("--num-perm", type=int, default=128)
    ap.add_argument("--reference-docs", type=int, default=300, help="sets datasketch signs")
    a = ap.parse_args()
    k, seed = a.num_perm, 1
    sets = load_sets(a.inputs, a.docs)
    print(f"{len(sets)} sets, {sum(map(len, sets))} shingles, {k} permutations")

    ours, t_ours = cpu(lambda: signatures(sets, k, seed))
    print(f"scrubber numpy: {t_ours:.3f} s")

    from datasketch import MinHash

    ref_sets = sets[:a.reference_docs]
    def reference():
        out = []
        for s in ref_sets:
            m = MinHash(num_perm=k, seed=seed, hashfunc=int, scheme="affine32")
            m.update_batch(s.tolist())
            out.append(m)
        return out

    ref, t_ref = cpu(reference)
    equal = all(np.array_equal(m.hashvalues.astype(np.uint32), ours[i]) for i, m in enumerate(ref))
    print(f"datasketch MinHash.update_batch: {t_ref:.3f} s for {len(ref_sets)} sets "
          f"(~{t_ref * len(sets) / max(1, len(ref_sets)):.1f} s for all); equal to scrubber's: {equal}")

    estimators = {"scrubber/datasketch": ours}
    try:
        import rensa
    except ImportError:
        print("rensa: not installed")
    else:
        flat = np.concatenate(sets).astype(np.uint64)
        offsets = np.cumsum([0] + [len(s) for s in sets]).astype(np.uint64)
        m, t_sign = cpu(lambda: rensa.RMinHash.digest_matrix_from_flat_token_hashes(
            flat, offsets, num_perm=k, seed=seed))
        rows, t_rows = cpu(lambda: np.array(m.to_rows(), dtype=np.uint32))
        print(f"rensa {getattr(rensa.RMinHash, 'ALGORITHM_VERSION', '?')}: {t_sign:.3f} s "
              f"+ {t_rows:.3f} s to copy the rows into numpy")
        estimators["rensa"] = rows

    pairs = [(i, j) for i, j in combinations(range(min(len(sets), 2000)), 2)
             if (ours[i] == ours[j]).any()]
    truth = {p: overlap(sets[p[0]], sets[p[1]])[0] for p in pairs}  # exact Jaccard
    pairs = [p for p in pairs if truth[p] >= 0.1]
    print(f"{len(pairs)} pairs with Jaccard >= 0.1")
    for name, sig in estimators.items():
        err = np.mean([abs((sig[i] == sig[j]).mean() - truth[(i, j)]) for i, j in pairs]) if pairs else 0.0
        print(f"  {name}: mean absolute error of the Jaccard estimate {err:.4f}")


if __name__ == "__main__":
    main()
