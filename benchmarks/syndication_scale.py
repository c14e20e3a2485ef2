#!/usr/bin/env python3
"""Cost per document of `scrubber clean` as a corpus grows, when one story
is a fixed share of all documents.

    python benchmarks/syndication_scale.py OUT_DIR [--sizes 10000 100000 1000000]
        [--share 0.1] [-- extra scrubber flags]

For each size N, writes OUT_DIR/scale-N.jsonl: ``share`` x N copies of one
story (each on one of 200 made-up sites, under the site's furniture, with a
local intro line and a local paragraph of its own), and distinct articles
on the same sites for the rest, one in ten of them copied two to four
times. Then runs scrubber with its defaults and prints, per size: wall
time, microseconds per document, peak memory of the process tree, records
out, and two checks: the story came out as one record holding every one of
its paragraphs, and no other record holds a paragraph of it (no fragment).

The texts are made of pseudo-words drawn with fixed seeds, so two distinct
articles share no 5-word sequence by chance; the run is deterministic.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import subprocess
import sys
import time

SITES = 200


def vocabulary(n: int = 20_000) -> list[str]:
    rng = random.Random("vocabulary")
    letters = "etaoinshrdlucmfwypvbgk"
    return ["".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(n)]


def paragraphs(rng: random.Random, vocab: list[str], count: int) -> list[str]:
    out = []
    for _ in range(count):
        words = [rng.choice(vocab) for _ in range(rng.randint(30, 60))]
        out.append(" ".join(words).capitalize() + ".")
    return out


def furniture(site: int) -> tuple[str, str]:
    name = f"The Daily Site {site}"
    return (f"{name}\nHome | News | Sport | Business | Contact",
            f"Get the best of {name} in your inbox\nCopyright {name}. All rights reserved.")


def page(site: int, head: str, paras: list[str], intro: str = "") -> str:
    top, bottom = furniture(site)
    return f"{top}\n\n{head}\n\n" + (f"{intro}\n\n" if intro else "") + "\n\n".join(paras) + f"\n\n{bottom}"


def write_corpus(path: str, n: int, share: float) -> tuple[str, list[str]]:
    """The corpus of ``n`` documents; returns the story's headline and paragraphs."""
    vocab = vocabulary()
    rng = random.Random(0)
    story_head = "Harbour bridge to close for two years of repairs"
    story = paragraphs(random.Random("story"), vocab, 6)
    copies = int(n * share)
    rows = []
    for k in range(copies):
        local = paragraphs(random.Random(f"local{k}"), vocab, 1)
        body = story[:2] + local + story[2:]
        rows.append(page(k % SITES, story_head, body, f"Local desk {k}: first on the wire."))
    a = 0
    while len(rows) < n:
        r = random.Random(f"article{a}")
        head = " ".join(r.choice(vocab) for _ in range(7)).capitalize()
        paras = paragraphs(r, vocab, r.randint(3, 8))
        times = 1 if a % 10 else r.randint(2, 4)
        for t in range(min(times, n - len(rows))):
            rows.append(page(r.randrange(SITES) if t else a % SITES, head, paras))
        a += 1
    order = list(range(n))
    rng.shuffle(order)
    with open(path, "w", encoding="utf-8") as f:
        for i in order:
            f.write(json.dumps({"id": f"d{i:07d}", "text": rows[i]}) + "\n")
    return story_head, story


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir")
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    ap.add_argument("--share", type=float, default=0.1)
    ap.add_argument("extra", nargs="*", help="flags passed to scrubber clean (after --)")
    a = ap.parse_args()
    if importlib.util.find_spec("scrubber") is None:
        sys.exit(f"scrubber is not installed for {sys.executable} (pip install -e .)")
    os.makedirs(a.out_dir, exist_ok=True)
    print(f"{'docs':>9} {'MB':>7} {'wall s':>8} {'us/doc':>7} {'peak MB':>8} {'out':>8}  story")
    for n in a.sizes:
        src = os.path.join(a.out_dir, f"scale-{n}.jsonl")
        head, story = write_corpus(src, n, a.share)
        out = os.path.join(a.out_dir, f"scale-{n}.out.jsonl")
        t0 = time.perf_counter()
        # A child of its own per size, so that its peak is its own.
        cmd = [sys.executable, "-c",
               "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
               sys.executable, "-m", "scrubber", "clean", src, "-o", out, "-q", *a.extra]
        peak_kb = int(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()[-1])
        wall = time.perf_counter() - t0
        holding, fragments, records = 0, 0, 0
        for line in open(out, encoding="utf-8"):
            records += 1
            text = json.loads(line)["text"]
            found = sum(p in text for p in story)
            if found == len(story) and head in text:
                holding += 1
            elif found:
                fragments += 1
        ok = "one whole record" if holding == 1 and not fragments else \
            f"{holding} whole records, {fragments} fragments"
        print(f"{n:>9} {os.path.getsize(src) / 1e6:>7.1f} {wall:>8.1f} {wall / n * 1e6:>7.0f} "
              f"{peak_kb / 1024:>8.0f} {records:>8}  {ok}", flush=True)


if __name__ == "__main__":
    main()
