"""Peak memory of the whole `scrubber clean` process tree while it streams.

Feeds ``--gb`` gigabytes of JSONL to ``scrubber clean -`` through a pipe (the
records of ``--jsonl`` files repeated with new ids, so nothing is written to
disk), samples the resident memory of scrubber and all its worker processes
every 0.1 s from /proc, and prints the peak of their sum.

    python benchmarks/memory.py --jsonl /tmp/scrubber-throughput/corpus/*.jsonl --gb 1 -- --no-dedup -j 2
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and its descendants."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        total += rss.get(p, 0)
        todo += children.get(p, [])
    return total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jsonl", type=Path, nargs="+", required=True)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("extra", nargs="*", help="scrubber clean options (after --)")
    a = ap.parse_args()
    records = [line for f in a.jsonl for line in f.read_bytes().splitlines() if line.strip()]
    # -j 1 unless the extra options say otherwise (the command's default is every core)
    proc = subprocess.Popen([sys.executable, "-m", "scrubber", "clean", "-", "-q", "-o", os.devnull, "-j", "1",
                             *a.extra],
                            stdin=subprocess.PIPE)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    start, sent, rep = time.perf_counter(), 0, 0
    while sent < a.gb * 1e9:
        for i, line in enumerate(records):
            # a new id per repetition; the rest of the record as it was
            out = b'{"id":"r%d-%d",' % (rep, i) + line.lstrip()[1:] + b"\n"
            proc.stdin.write(out)
            sent += len(out)
        rep += 1
    proc.stdin.close()
    rc = proc.wait()
    done.set()
    sec = time.perf_counter() - start
    print(f"streamed {sent / 1e9:.2f} GB in {sec:.0f} s ({sent / 1e6 / sec:.1f} MB/s), exit {rc}; "
          f"peak RSS of the process tree {peak / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
