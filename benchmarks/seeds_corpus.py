"""Throughput of `scrubber clean` on a corpus generated from the seeds.

Generates (with a fixed random seed) a JSONL corpus of at least --mb
megabytes: distinct articles written by a word-bigram model trained on
seeds/, each wrapped in site furniture drawn at random (site names, share and
like lines, "See also" links, source lines, comment sections), plus about 10%
near-duplicates (a copy of an earlier article with other furniture, a new
headline and a few edited words). Then times whole `scrubber clean` runs and
prints documents/s, MB/s and peak memory.

    python benchmarks/seeds_corpus.py --mb 50 --workers 1 2
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SITES = ["DealMakerz", "Complete British News World", "24 Hours Worlds", "The Daily Ledger",
         "Morning Wire | News | Politics | Sport", "Global Times Review"]
TOP = ["Share this:", "Like this:", "Follow us on Twitter", "Home » World » Europe", ""]
INSIDE = ["See also: {h}", "Read more: {h}", "Related: {h}", "Youtube video thumbnail",
          "Advertisement", "Photo: Reuters"]
TAIL = ["Source From: {s}", "Source: {s}", "{n} is a talented author who writes for {s}.",
        "Leave a Reply\n\nYour email address will not be published. Required fields are marked *\n\n"
        "Share this:\n\nLike this:\n\n%d bloggers like this:",
        "Leave a Reply\n\nYour email address will not be published.\n\n"
        "This site uses Akismet to reduce spam. Learn how your comment data is processed.",
        "© 2022 {s}. All rights reserved.", ""]


def bigram_model(texts):
    model: dict[str, list[str]] = {}
    for t in texts:
        words = t.split()
        for a, b in zip(words, words[1:]):
            model.setdefault(a, []).append(b)
    return model


def sentence(rng, model, starts):
    w = rng.choice(starts)
    out = [w]
    for _ in range(rng.randint(12, 32)):
        nxt = model.get(w)
        w = rng.choice(nxt) if nxt else rng.choice(starts)
        out.append(w)
    s = " ".join(out).rstrip(".,;:")
    return s[0].upper() + s[1:] + "."


def article(rng, model, starts):
    headline = sentence(rng, model, starts).split()[: rng.randint(5, 10)]
    paras = [" ".join(sentence(rng, model, starts) for _ in range(rng.randint(2, 5)))
             for _ in range(rng.randint(4, 14))]
    return " ".join(headline).rstrip("."), paras


def dress(rng, headline, paras, other_headline):
    lines = [rng.choice(SITES), rng.choice(TOP), headline]
    body = list(paras)
    if rng.random() < 0.5:
        body.insert(rng.randint(1, len(body)), rng.choice(INSIDE).format(h=other_headline))
    lines += body
    lines.append(rng.choice(TAIL).format(s=rng.choice(SITES), n="David William"))
    return "\n\n".join(x for x in lines if x)


def edit(rng, paras):
    out = []
    for p in paras:
        words = p.split()
        for _ in range(max(1, len(words) // 60)):
            i = rng.randrange(len(words))
            words[i] = words[i].upper() if rng.random() < 0.5 else words[i] + "s"
        out.append(" ".join(words))
    return out


def generate(path: Path, mb: float, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    texts = [p.read_text() for p in sorted((ROOT / "seeds").glob("*.txt"))]
    model = bigram_model(texts)
    starts = [w for w in model if w[:1].isupper()]
    made: list[tuple[str, list[str]]] = []
    n = size = 0
    with path.open("w", encoding="utf-8") as f:
        while size < mb * 1e6:
            if made and rng.random() < 0.1:
                h, paras = rng.choice(made)
                h = "Update: " + h
                paras = edit(rng, paras)
            else:
                h, paras = article(rng, model, starts)
                made.append((h, paras))
            other = made[rng.randrange(len(made))][0]
            line = json.dumps({"id": f"doc{n:07d}", "url": f"https://example.org/{n}",
                               "text": dress(rng, h, paras, other)}, ensure_ascii=False) + "\n"
            f.write(line)
            size += len(line.encode())
            n += 1
    return n, size


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50.0, help="corpus size in MB (default 50)")
    ap.add_argument("--seed", type=int, default=20260101)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/scrubber-bench"))
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--runs", type=int, default=1, help="timed runs per setting; the median is shown")
    ap.add_argument("extra", nargs="*", help="extra arguments for scrubber clean (after --)")
    a = ap.parse_args()
    a.dir.mkdir(parents=True, exist_ok=True)
    corpus = a.dir / f"seeds-corpus-{a.mb:g}mb-{a.seed}.jsonl"
    if not corpus.exists():
        t = time.perf_counter()
        n, size = generate(corpus, a.mb, a.seed)
        print(f"generated {corpus}: {n} documents, {size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
    n_docs = sum(1 for _ in corpus.open("rb"))
    size = corpus.stat().st_size
    for w in a.workers:
        times = []
        for _ in range(a.runs):
            out = a.dir / f"out-w{w}.jsonl"
            cmd = [sys.executable, "-m", "scrubber", "clean", str(corpus), "-o", str(out),
                   "-q", "--workers", str(w), *a.extra]
            t = time.perf_counter()
            subprocess.run(cmd, check=True)
            times.append(time.perf_counter() - t)
        sec = sorted(times)[len(times) // 2]
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        kept = sum(1 for _ in out.open("rb"))
        print(f"workers={w}: {n_docs} docs, {size / 1e6:.1f} MB in {sec:.2f} s -> "
              f"{n_docs / sec:,.0f} docs/s, {size / 1e6 / sec:.2f} MB/s; {kept} kept; "
              f"peak RSS of the largest process so far {peak:.0f} MB")


if __name__ == "__main__":
    main()
