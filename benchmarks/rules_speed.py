"""Speed of the rules alone, cold and warm, and what each rule file costs.

RE2 builds the pre-filter's automaton as lines reach it (docs/performance.md),
so a pattern that adds states shows most in a process's first pass over
varied text. This cleans the ``.txt`` pages under the given folders with
rules only (no heuristics, no classifier), twice in one process, and prints
the seconds of each pass. With ``--against OLD_RULES_DIR`` it also runs once
per rule file that differs between the two folders, with that one file put
back as it is in ``OLD_RULES_DIR``, and prints each file's first pass: the
file whose old version is fastest is the one that costs.

    python benchmarks/rules_speed.py ../shared/bench/extraction/*/input ../shared/bench/multilingual/dev/input
    python benchmarks/rules_speed.py PAGES... --rules rules --against /tmp/old/rules

Each configuration runs in a fresh process, so every first pass is cold.
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def passes(rules_dir: Path, pages: list[Path]) -> tuple[float, float, float]:
    """(MB, first pass s, second pass s) of the rules in ``rules_dir`` over ``pages``."""
    import scrubber.rules as rules
    from scrubber import Cleaner, Config, Document

    rules.default_rules_dir = lambda: rules_dir
    docs = [Document(str(p), p.read_text(encoding="utf-8", errors="replace")) for p in pages]
    cleaner = Cleaner(Config(dedup=False, classifier=False, heuristics=False))
    times = []
    for _ in range(2):
        start = time.perf_counter()
        for at in range(0, len(docs), 64):
            cleaner.clean_batch(docs[at:at + 64])
        times.append(time.perf_counter() - start)
    return sum(len(d.text.encode()) for d in docs) / 1e6, times[0], times[1]


def fresh(rules_dir: Path, folders: list[str]) -> str:
    """``passes`` in a new process, as one printed line."""
    out = subprocess.run([sys.executable, __file__, *folders, "--rules", str(rules_dir), "--one"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("folders", nargs="+", help="folders of .txt pages")
    ap.add_argument("--rules", default=str(ROOT / "rules"), help="rules folder to time (default: the shipped one)")
    ap.add_argument("--against", help="an older rules folder: time each differing file put back as it was there")
    ap.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        pages = sorted(p for folder in args.folders for p in Path(folder).glob("*.txt"))
        mb, first, second = passes(Path(args.rules), pages)
        print(f"{mb:.1f} MB: first pass {first:.2f} s, second {second:.2f} s")
        return
    rules_dir = Path(args.rules)
    print(f"{rules_dir}: {fresh(rules_dir, args.folders)}")
    if args.against:
        old = Path(args.against)
        for f in sorted(rules_dir.glob("*.toml")):
            if (old / f.name).exists() and not filecmp.cmp(f, old / f.name, shallow=False):
                with tempfile.TemporaryDirectory() as tmp:
                    mixed = Path(tmp) / "rules"
                    shutil.copytree(rules_dir, mixed)
                    shutil.copy(old / f.name, mixed / f.name)
                    print(f"  {f.name} as before: {fresh(mixed, args.folders)}")


if __name__ == "__main__":
    main()
