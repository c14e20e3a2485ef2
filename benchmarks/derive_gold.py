#!/usr/bin/env python3
"""Dense training labels for a snippet set, from its pages' HTML.

A snippet set (``gold.jsonl`` with ``with``/``without`` snippets, as
bench/multilingual) names only a few lines of each page, too few to train a
line classifier on. This script writes, for each page, a gold text in the
form of the extraction sets (``{"id", "text"}``): what trafilatura keeps of
the page's HTML (``html.tar.gz``, ``html/<id>.html``), corrected by the
snippets, which a person chose and so win:

  * a gold line that holds a ``without`` snippet is dropped from the gold;
  * a ``with`` snippet the extractor missed is added with the page line
    that holds it.

It prints how often the extractor agreed with the snippets before the
corrections, so the quality of the labels is on record. trafilatura is a
training-only dependency (requirements-train.txt); scrubber never runs it.

    python benchmarks/derive_gold.py $BENCH/multilingual/dev -o derived.jsonl
"""

from __future__ import annotations

import argparse
import sys
import tarfile
from pathlib import Path

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import _norm, load_pages  # noqa: E402


def extract(html: str) -> str:
    import trafilatura  # training-only
    return trafilatura.extract(html, include_comments=False, include_tables=True,
                               favor_precision=False, deduplicate=False) or ""


def corrected(page: str, extracted: str, with_: list[str], without: list[str]) -> str:
    """The extractor's text with the snippets' verdicts applied."""
    with_ = [n for n in map(_norm, with_) if n]
    without = [n for n in map(_norm, without) if n]
    lines = [ln for ln in extracted.splitlines() if not any(s in _norm(ln) for s in without)]
    text = _norm("\n".join(lines))
    for s in with_:
        if s not in text:
            lines += [ln for ln in page.splitlines() if s in _norm(ln)][:1]
    return "\n".join(lines)


def html_of(dataset: Path) -> dict[str, str]:
    out = {}
    with tarfile.open(dataset / "html.tar.gz") as tar:
        for m in tar:
            if m.isfile() and m.name.endswith(".html"):
                raw = tar.extractfile(m).read()
                out[Path(m.name).stem] = raw.decode("utf-8", errors="replace")
    return out


def derive(dataset: Path) -> tuple[dict[str, str], dict[str, int]]:
    """Gold text per page id, and agreement counts before correction."""
    html = html_of(dataset)
    gold, tally = {}, {"pages": 0, "with": 0, "with_kept": 0, "without": 0, "without_kept": 0, "no_html": 0}
    for pid, page, rec in load_pages(dataset):
        if pid not in html:
            tally["no_html"] += 1
            continue
        ext = extract(html[pid])
        norm = _norm(ext)
        w, wo = rec.get("with", []), rec.get("without", [])
        tally["pages"] += 1
        tally["with"] += len(w)
        tally["with_kept"] += sum(_norm(s) in norm for s in w)
        tally["without"] += len(wo)
        tally["without_kept"] += sum(_norm(s) in norm for s in wo)
        gold[pid] = corrected(page, ext, w, wo)
    return gold, tally


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("-o", "--output", type=Path, required=True)
    args = ap.parse_args()
    gold, t = derive(args.dataset)
    with open(args.output, "wb") as f:
        for pid in sorted(gold):
            f.write(orjson.dumps({"id": pid, "text": gold[pid]}) + b"\n")
    print(f"{t['pages']} pages ({t['no_html']} without HTML): the extractor kept "
          f"{t['with_kept']}/{t['with']} 'with' snippets and {t['without_kept']}/{t['without']} 'without' ones "
          f"before the snippets corrected it", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
