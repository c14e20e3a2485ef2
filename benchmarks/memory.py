"""Peak memory and temporary disk of the whole `scrubber clean` process tree.

Feeds ``--gb`` gigabytes of JSONL to ``scrubber clean -`` through a pipe (the
records of ``--jsonl`` files repeated with new ids, so nothing is written to
disk), samples the resident memory of scrubber and all its worker processes
every 0.1 s from /proc, and prints the peak of their sum; and the peak size
of the temporary files they hold open under a TMPDIR of their own. The
number of records sent is printed too: memory per document is the
difference of two runs' peaks over the difference of their records.

Repeated as they are, the records are copies of each other: every record
is copied once per repetition (the syndication pattern). With
``--distinct``, each repetition tags every fourth word of each text with
its number spelt in letters (scrubber reads every digit as 0, so ``t1`` and
``t2`` would be one word), so that no two repetitions share a 5-word
shingle and every record is a document of its own (few copies, as in
bench/dedup/dev).

    python benchmarks/memory.py --jsonl /tmp/scrubber-throughput/corpus/*.jsonl --gb 1 -- --no-dedup -j 2
    python benchmarks/memory.py --jsonl $BENCH/dedup/dev/input.jsonl --gb 1 --distinct -- -j 2
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import orjson


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


def tree_pids(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    children.setdefault(int(f.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (OSError, IndexError, ValueError):
                continue
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += children.get(p, [])
    return out


def temp_bytes(pid: int, tmpdir: str) -> int:
    """Bytes in the files under ``tmpdir`` that ``pid``'s tree holds open
    (anonymous temporary files have no name to list, but an open descriptor)."""
    seen, total = set(), 0
    for p in tree_pids(pid):
        try:
            fds = os.listdir(f"/proc/{p}/fd")
        except OSError:
            continue
        for fd in fds:
            try:
                if not os.readlink(f"/proc/{p}/fd/{fd}").startswith(tmpdir):
                    continue
                st = os.stat(f"/proc/{p}/fd/{fd}")
            except OSError:
                continue
            if (st.st_dev, st.st_ino) not in seen:
                seen.add((st.st_dev, st.st_ino))
                total += st.st_size
    return total


_WORDS = re.compile(r"(\S+\s+\S+\s+\S+\s+\S+)(\s+)")


def spelt(n: int) -> str:
    """``n`` in letters (base 26), so that normalising keeps it apart."""
    out = ""
    while True:
        n, r = divmod(n, 26)
        out = chr(ord("a") + r) + out
        if not n:
            return out


def tagged(line: bytes, rep: int) -> bytes:
    """The record with every fourth word of its text followed by ``t`` and
    ``rep`` spelt in letters."""
    rec = orjson.loads(line)
    rec.pop("id", None)  # a new one is given
    tag = "t" + spelt(rep)
    rec["text"] = _WORDS.sub(lambda m: f"{m.group(1)} {tag}{m.group(2)}", rec.get("text", ""))
    return orjson.dumps(rec)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--jsonl", type=Path, nargs="+", required=True)
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--distinct", action="store_true", help="make every repetition distinct (see above)")
    ap.add_argument("extra", nargs="*", help="scrubber clean options (after --)")
    a = ap.parse_args()
    records = [line for f in a.jsonl for line in f.read_bytes().splitlines() if line.strip()]
    # -j 1 unless the extra options say otherwise (the command's default is every core)
    tmpdir = tempfile.mkdtemp(prefix="scrubber-memory-")
    proc = subprocess.Popen([sys.executable, "-m", "scrubber", "clean", "-", "-q", "-o", os.devnull, "-j", "1",
                             *a.extra],
                            stdin=subprocess.PIPE, env={**os.environ, "TMPDIR": tmpdir})
    peak = peak_tmp = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_tmp
        while not done.is_set():
            peak = max(peak, tree_rss(proc.pid))
            peak_tmp = max(peak_tmp, temp_bytes(proc.pid, tmpdir))
            time.sleep(0.1)

    threading.Thread(target=sample, daemon=True).start()
    start, sent, rep = time.perf_counter(), 0, 0
    while sent < a.gb * 1e9:
        for i, line in enumerate(records):
            # a new id per repetition; the rest of the record as it was
            body = tagged(line, rep) if a.distinct else line
            out = b'{"id":"r%d-%d",' % (rep, i) + body.lstrip()[1:] + b"\n"
            proc.stdin.write(out)
            sent += len(out)
        rep += 1
    proc.stdin.close()
    rc = proc.wait()
    done.set()
    sec = time.perf_counter() - start
    os.rmdir(tmpdir)
    print(f"streamed {sent / 1e9:.2f} GB ({rep} repetitions, {rep * len(records):,} records) in {sec:.0f} s ({sent / 1e6 / sec:.1f} MB/s), "
          f"exit {rc}; peak RSS of the process tree {peak / 1e6:.0f} MB; peak temporary files "
          f"{peak_tmp / 1e6:.0f} MB")


if __name__ == "__main__":
    main()
