"""``clean_text`` in a loop against a reused ``Cleaner``.

``clean_text`` keeps one Cleaner per configuration (cleaner.cleaner_for),
so a loop over it should cost about what a loop over one Cleaner does;
issue 24's target is within 1.5x. Before the cache each call built a
Cleaner (rules, RE2 set, model): 17x. The pages are made up here (fixed
seed), furniture and prose, so the script needs no data.

    python benchmarks/clean_text_loop.py [--pages 200] [--repeat 3]
"""

from __future__ import annotations

import argparse
import random
import time

from scrubber import Cleaner, Config, clean_text

FURNITURE = ["Share this:", "Like this:", "Skip to content", "Home | News | Sport | Contact",
             "Leave a Reply", "Posted in Uncategorized", "Cookie settings"]


def pages(n: int, seed: int = 1) -> list[str]:
    rng = random.Random(seed)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=rng.randint(2, 9)))
             for _ in range(5000)] + ["the", "and", "of", "to", "in", "is", "that"] * 200
    out = []
    for _ in range(n):
        paras = [" ".join(rng.choices(vocab, k=rng.randint(30, 90))).capitalize() + "."
                 for _ in range(rng.randint(3, 10))]
        out.append("\n\n".join(rng.sample(FURNITURE, 3) + paras + rng.sample(FURNITURE, 2)))
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    texts = pages(args.pages)
    cleaner = Cleaner(Config())
    clean_text(texts[0])  # the first call builds the cached Cleaner, as Cleaner() did above
    reused = best_of(lambda: [cleaner.clean_text(t) for t in texts], args.repeat)
    looped = best_of(lambda: [clean_text(t) for t in texts], args.repeat)
    with_options = best_of(lambda: [clean_text(t, min_words=5) for t in texts], args.repeat)
    n = len(texts)
    print(f"reused Cleaner:            {reused / n * 1e3:.2f} ms/page")
    print(f"clean_text(text):          {looped / n * 1e3:.2f} ms/page ({looped / reused:.2f}x)")
    print(f"clean_text(text, opt=...): {with_options / n * 1e3:.2f} ms/page "
          f"({with_options / reused:.2f}x)")


if __name__ == "__main__":
    main()
