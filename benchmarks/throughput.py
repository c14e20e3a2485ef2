"""Throughput of `scrubber clean` against datatrove's C4 + Gopher filters.

Builds (fixed seed) a JSONL corpus of real-looking web text from page texts
you point it at (e.g. the development sets' extraction inputs and dedup
documents), about 10% of it near-duplicate copies (other furniture lines,
paragraphs dropped, words edited), in two shards. Then times, back to back
on the same corpus:

* ``scrubber clean`` with its defaults at 1 and 2 workers, in turn (and
  checks that 1, 2 and 4 workers give byte-identical output);
* with ``--ceiling``, also the two shards cleaned at once by two independent
  one-worker runs: what two processes that share nothing reach here,
  roughly the most two workers can reach on this machine (the host's noise
  can put one set of runs above it);
* datatrove's C4QualityFilter + GopherQualityFilter pipeline (JsonlReader ->
  filters -> JsonlWriter, LocalPipelineExecutor tasks=2 workers=2), run by
  an interpreter that has datatrove installed (``--datatrove-python``);

and prints MB/s for each and the ratios. Wall times include start-up.

    python benchmarks/throughput.py \\
        --pages ../shared/bench/extraction/dragnet/input ../shared/bench/extraction/cleaneval/input \\
        --jsonl ../shared/bench/dedup/dev/input.jsonl --datatrove-python /tmp/dt/bin/python

The corpus depends on the order of the inputs (that order built the 20 MB
corpus of README.md's Speed section); it is kept in ``--dir`` per size and seed.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import random
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

FURNITURE = ["Home | News | Sport | Business | Culture", "Share this:", "Most Read",
             "Sign up for our newsletter", "© 2024 The Daily Ledger. All rights reserved.",
             "Related: {h}", "Follow us on Twitter", "Advertisement", "Cookie Policy"]


def load_texts(pages: list[Path], jsonl: list[Path]) -> list[str]:
    texts = []
    for d in pages:
        texts += [p.read_text(encoding="utf-8", errors="replace") for p in sorted(d.glob("*.txt"))]
    for f in jsonl:
        texts += [json.loads(line)["text"] for line in f.open(encoding="utf-8") if line.strip()]
    return texts


def variant(rng: random.Random, text: str) -> str:
    """A syndicated copy: paragraphs dropped, words edited, other furniture."""
    paras = [p for p in text.split("\n") if p.strip()]
    keep = [p for p in paras if rng.random() > 0.15] or paras
    out = []
    for p in keep:
        words = p.split(" ")
        if len(words) > 20 and rng.random() < 0.3:
            i = rng.randrange(len(words))
            words[i] = words[i].upper()
        out.append(" ".join(words))
    head = rng.sample(FURNITURE, 2)
    tail = rng.sample(FURNITURE, 2)
    h = out[0][:60] if out else ""
    return "\n".join([x.format(h=h) for x in head] + out + [x.format(h=h) for x in tail])


def build(texts: list[str], out: Path, mb: float, seed: int) -> tuple[int, int]:
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    shards = [(out / f"part-{i}.jsonl").open("w", encoding="utf-8") for i in range(2)]
    n = size = 0
    order = list(range(len(texts)))
    rng.shuffle(order)
    while size < mb * 1e6:
        for i in order:
            t = texts[i] if rng.random() > 0.1 else variant(rng, texts[rng.choice(order)])
            line = json.dumps({"id": f"d{n:08d}", "text": t}, ensure_ascii=False) + "\n"
            shards[n % 2].write(line)
            n += 1
            size += len(line.encode())
            if size >= mb * 1e6:
                break
    for f in shards:
        f.close()
    return n, size


DATATROVE = textwrap.dedent("""
    import sys
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.filters import C4QualityFilter, GopherQualityFilter
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    if __name__ == "__main__":  # datatrove's workers re-import this file
        src, dst, logs = sys.argv[1:4]
        LocalPipelineExecutor(pipeline=[JsonlReader(src, compression=None), C4QualityFilter(),
                                        GopherQualityFilter(), JsonlWriter(dst, compression=None)],
                              tasks=2, workers=2, logging_dir=logs).run()
""")


def timed(*cmds: list[str]) -> float:
    """Wall time of running ``cmds`` at once, until the last one ends."""
    t = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for c in cmds]
    if any([p.wait() for p in procs]):  # a list: wait for every one, even after a failure
        raise SystemExit(f"failed: {cmds}")
    return time.perf_counter() - t


def median(xs: list[float]) -> float:
    return sorted(xs)[len(xs) // 2]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=Path, nargs="*", default=[], help="directories of page .txt files")
    ap.add_argument("--jsonl", type=Path, nargs="*", default=[], help="JSONL files with a text field")
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--dir", type=Path, default=Path("/tmp/scrubber-throughput"))
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--datatrove-python",
                    help="a python with datatrove[processing], orjson and spacy installed (datatrove 0.10.1 "
                         "needs the last two for its JSONL reader and word tokenizer)")
    ap.add_argument("--ceiling", action="store_true",
                    help="also time the two shards cleaned by two independent one-worker runs at once")
    ap.add_argument("--datatrove-runs", type=int, default=1, help="datatrove takes minutes; one run by default")
    a = ap.parse_args()

    # One corpus per size and seed, so that --mb is never answered by an older build.
    corpus = a.dir / f"corpus-{a.mb:g}mb-{a.seed}"
    if not corpus.exists():
        n, size = build(load_texts(a.pages, a.jsonl), corpus, a.mb, a.seed)
        print(f"corpus: {n} documents, {size / 1e6:.1f} MB in 2 shards at {corpus}")
    shards = sorted(corpus.glob("*.jsonl"))
    size = sum(p.stat().st_size for p in shards)
    mb = size / 1e6

    def scrub(w: int, out: Path, *inputs: Path) -> list[str]:
        return [sys.executable, "-m", "scrubber", "clean", *map(str, inputs or [corpus]), "-q",
                "-o", str(out), "-j", str(w)]

    # In turn (1, 2, 1, 2, ...): this machine's speed drifts with its load,
    # and a ratio of runs made side by side in time drifts least.
    t1, t2, tc = [], [], []
    for _ in range(a.runs):
        t1.append(timed(scrub(1, a.dir / "out-j1.jsonl")))
        t2.append(timed(scrub(2, a.dir / "out-j2.jsonl")))
        if a.ceiling:
            tc.append(timed(*[scrub(1, a.dir / f"out-shard{i}.jsonl", s) for i, s in enumerate(shards)]))
    timed(scrub(4, a.dir / "out-j4.jsonl"))
    for w, ts in ((1, t1), (2, t2)):
        print(f"scrubber -j {w}: {median(ts):.2f} s, {mb / median(ts):.2f} MB/s "
              f"(runs: {', '.join(f'{t:.2f}' for t in ts)})")
    same = all(filecmp.cmp(a.dir / "out-j1.jsonl", a.dir / f"out-j{w}.jsonl", shallow=False) for w in (2, 4))
    print(f"output byte-identical for -j 1, 2, 4: {same}")
    print(f"two workers / one: {median([x / y for x, y in zip(t1, t2)]):.2f}x (median of paired runs)")
    if a.ceiling:
        # What two processes that share nothing (one shard each, deduplicated
        # apart) reach against one process on both: roughly the most -j 2 gets here.
        print(f"two independent -j 1 runs, one shard each, at once: {median(tc):.2f} s; "
              f"one process / them: {median([x / y for x, y in zip(t1, tc)]):.2f}x")
    if a.datatrove_python:
        script = a.dir / "datatrove_c4_gopher.py"
        script.write_text(DATATROVE)
        dt = []
        for r in range(a.datatrove_runs):
            dst, logs = a.dir / f"dt-out-{r}", a.dir / f"dt-logs-{r}"
            for d in (dst, logs):  # datatrove skips tasks its logs say are done
                shutil.rmtree(d, ignore_errors=True)
            dt.append(timed([a.datatrove_python, str(script), str(corpus), str(dst), str(logs)]))
        d = median(dt)
        print(f"datatrove C4+Gopher (tasks=2, workers=2): {d:.2f} s, {mb / d:.2f} MB/s")
        print(f"scrubber -j 2 / datatrove: {d / median(t2):.1f}x faster")


if __name__ == "__main__":
    main()
