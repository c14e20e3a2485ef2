#!/usr/bin/env python3
"""How well does scrubber keep the article and drop the furniture? And how fast?

    python benchmarks/extraction.py DATASET_DIR [--split all|train|test] [options]

DATASET_DIR holds ``input/<id>.txt`` (page text) and ``gold.jsonl``, in one
of two kinds:

- ``{"id", "text"}``, the main content a person marked (dragnet,
  cleaneval, readability). Scored with the article-extraction benchmark's
  metric (token 4-gram shingles, per-page precision and recall averaged
  over pages, F1 of the two means; a page with an empty prediction is left
  out of the precision mean, as in the benchmark's score.py).
- ``{"id", "with", "without"}``, snippets a person chose that must be kept
  and snippets of furniture that must go (the multilingual set). Scored as
  its score.py and trafilatura's evaluation do: a snippet is present when
  it is a substring of the output after collapsing whitespace; kept
  ``with`` snippets are true positives, kept ``without`` false positives,
  lost ``with`` false negatives, summed over pages.

Besides the whole set's figures it prints them per language: a gold record's
``lang`` or ``language`` field where the set has one, else the language
scrubber's own guesser (``scrubber.languages.detect``, stop words) finds in
the page's text; ``und`` where it cannot tell (a page of names, or of a
language without a stop-word list). Also the cleaning speed in MB/s on one
core, for the whole cleaning step (repair, rules, heuristics, classifier)
and for the classifier alone.

The speeds are of a warm process: each step is timed after an untimed
pass over the other split's pages, and with ``--warm OTHER_SET`` (repeatable)
over all pages of other sets before them, as a process some way into a run
would be (RE2 builds its automaton as lines reach it; see
docs/performance.md). "First pass" is the whole step in a fresh process.

``--split test`` scores only the pages the shipped classifier was not
trained on (``benchmarks/train_classifier.py`` holds them out by a hash of
the page id); ``--split train`` only the others.

``--html`` reads each page from the set's original HTML instead
(``html.tar.gz`` or ``html/``, as ``html/<id>.html``; the multilingual set
has it), converted to text as ``scrubber clean page.html`` converts it
(``scrubber.htmltext``, the ``[html]`` extra): the figures then say how
the HTML input path fares, conversion included, and the speed line adds
the conversion's MB/s of HTML.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
import tarfile
import time
from collections import Counter
from pathlib import Path

TOKEN = re.compile(r"\w+")
N = 4
#: Share of each set's pages held out from training; fixed so that the
#: benchmark and the training script agree on which pages are unseen.
TEST_SHARE = 0.3
#: Pages per batch, as the pipeline batches documents (batches._BATCH_DOCS).
BATCH = 64


def held_out(set_name: str, page_id: str, share: float = TEST_SHARE) -> bool:
    """Whether a page belongs to the test split: a hash of set and id, so
    the split is stable across runs, machines and file orders."""
    h = hashlib.sha1(f"{set_name}/{page_id}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32 < share


def shingles(text: str) -> Counter:
    toks = TOKEN.findall(text or "")
    if len(toks) < N:
        return Counter([tuple(toks)]) if toks else Counter()
    return Counter(tuple(toks[i:i + N]) for i in range(len(toks) - N + 1))


def page_counts(gold: str, pred: str) -> tuple[float, float, float]:
    g, p = shingles(gold), shingles(pred)
    tp = sum((g & p).values())
    fp = sum((p - g).values())
    fn = sum((g - p).values())
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def aggregate(counts: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """F1, precision, recall as the benchmark defines them."""
    def page_p(tp, fp, fn):
        return 1.0 if fp == fn == 0 else tp / (tp + fp)

    def page_r(tp, fp, fn):
        return 1.0 if fp == fn == 0 else tp / (tp + fn)

    ps = [page_p(*c) for c in counts if c[0] + c[1] > 0]
    rs = [page_r(*c) for c in counts if c[0] + c[2] > 0]
    p = sum(ps) / len(ps) if ps else 0.0
    r = sum(rs) / len(rs) if rs else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def snippet_counts(with_: list[str], without: list[str], pred: str) -> tuple[int, int, int]:
    """(tp, fp, fn) of one page of a snippet set: kept ``with`` snippets,
    kept ``without`` snippets, lost ``with`` snippets (see the docstring)."""
    text = _norm(pred)
    if not text:
        return 0, 0, len(with_)
    kept = sum(_norm(x) in text for x in with_)
    return kept, sum(_norm(x) in text for x in without), len(with_) - kept


def snippet_scores(counts: list[tuple[int, int, int]]) -> tuple[float, float, float]:
    """F1, precision, recall over the summed counts of a snippet set's pages."""
    tp, fp, fn = (sum(c[k] for c in counts) for k in range(3))
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return (2 * p * r / (p + r) if p + r else 0.0), p, r


def _norm(text: str) -> str:
    return " ".join(text.split())


#: Language of a page no list covers (see ``page_language``).
UNKNOWN = "und"


def page_language(text: str, meta: dict) -> str:
    """A page's language: its gold record's ``lang`` or ``language`` field,
    else what scrubber's stop-word guesser finds in its text, as the
    classifier guesses it; ``UNKNOWN`` when neither tells."""
    from scrubber.languages import detect

    given = meta.get("lang") or meta.get("language")
    if isinstance(given, str) and given:
        return given.lower()
    return detect(text.lower().split()) or UNKNOWN


def by_language(langs: list[str], counts: list, score) -> list[tuple[str, int, tuple[float, float, float]]]:
    """(language, pages, score(counts of its pages)) per language, most pages
    first (ties by code), so a set's main languages lead."""
    groups: dict[str, list] = {}
    for lang, c in zip(langs, counts):
        groups.setdefault(lang, []).append(c)
    return [(lang, len(cs), score(cs)) for lang, cs in sorted(groups.items(), key=lambda kv: (-len(kv[1]), kv[0]))]


def read_gold(dataset: Path) -> dict[str, dict]:
    """Page id -> its gold record (``gold.jsonl``)."""
    gold = {}
    with open(dataset / "gold.jsonl", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                rec = json.loads(line)
                gold[str(rec["id"])] = rec
    return gold


def is_snippet_set(gold: dict[str, dict]) -> bool:
    """Whether the gold gives snippets (``with``/``without``), not texts."""
    return any("with" in rec or "without" in rec for rec in gold.values())


def load_pages(dataset: Path, split: str = "all") -> list[tuple[str, str, dict]]:
    """(id, page text, gold record) of the pages in ``split``, in id order."""
    gold = read_gold(dataset)
    return [(pid, (dataset / "input" / f"{pid}.txt").read_text(encoding="utf-8"), gold[pid])
            for pid in in_split(dataset, gold, split)]


def in_split(dataset: Path, gold: dict, split: str) -> list[str]:
    """The ids of ``gold``'s pages in ``split``, in id order."""
    return [pid for pid in sorted(gold) if split == "all" or held_out(dataset.name, pid) == (split == "test")]


def load_html(dataset: Path, split: str = "all") -> list[tuple[str, bytes, dict]]:
    """(id, page HTML, gold record) of the pages in ``split`` that have HTML
    (``html.tar.gz`` or ``html/``, each page ``html/<id>.html``)."""
    gold = read_gold(dataset)
    raw: dict[str, bytes] = {}
    if (dataset / "html").is_dir():
        raw = {f.stem: f.read_bytes() for f in (dataset / "html").glob("*.html")}
    elif (dataset / "html.tar.gz").exists():
        with tarfile.open(dataset / "html.tar.gz") as tar:
            for m in tar:
                name = Path(m.name)
                if m.isfile() and name.suffix == ".html":
                    raw[name.stem] = tar.extractfile(m).read()
    if not raw:
        raise SystemExit(f"{dataset}: no html/ or html.tar.gz with html/<id>.html pages")
    return [(pid, raw[pid], gold[pid]) for pid in in_split(dataset, gold, split) if pid in raw]


def load_set(dataset: Path, split: str = "all") -> list[tuple[str, str, str]]:
    """(id, page text, gold text) of the pages in ``split``."""
    return [(pid, text, gold.get("text") or "") for pid, text, gold in load_pages(dataset, split)]


def score_pages(pages: list[tuple[str, str, dict]], preds: list[str]):
    """Per-page counts of ``preds`` against the pages' gold, and the function
    that turns a list of such counts into (F1, P, R): snippet counts for a
    snippet set, shingle counts for a set of gold texts."""
    if is_snippet_set({pid: gold for pid, _, gold in pages}):
        return ([snippet_counts(g.get("with", []), g.get("without", []), p) for (_, _, g), p in zip(pages, preds)],
                snippet_scores)
    return [page_counts(g.get("text") or "", p) for (_, _, g), p in zip(pages, preds)], aggregate


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("dataset", type=Path)
    ap.add_argument("--split", choices=("all", "train", "test"), default="all")
    ap.add_argument("--favor", choices=("balanced", "precision", "recall"), default="balanced")
    ap.add_argument("--no-classifier", action="store_true")
    ap.add_argument("--model", help="classifier model file (default: the shipped one)")
    ap.add_argument("--disable", action="append", default=[], help="rule id or step to switch off")
    ap.add_argument("--pred", type=Path, help="also write predictions as JSONL here")
    ap.add_argument("--lang", help="language of every page (ISO 639-1); one without a stop-word "
                                   "list, e.g. xx, shows how pages in such a language fare")
    ap.add_argument("--warm", type=Path, action="append", default=[], metavar="DATASET_DIR",
                    help="also clean all pages of this set, untimed, before the timed steps "
                         "(repeatable): a process that has cleaned that much, as in a long run")
    ap.add_argument("--html", action="store_true",
                    help="read the pages' original HTML (html.tar.gz) through scrubber's HTML input")
    args = ap.parse_args(argv)

    from scrubber import Cleaner, Config, Document
    from scrubber.classify import classify_batch
    from scrubber.workers import single_threaded_blas
    from scrubber.repair import repair

    single_threaded_blas()  # one core, as in scrubber's own processes

    config = Config(dedup=False, classifier=not args.no_classifier, favor=args.favor,
                    classifier_model=args.model, disabled=tuple(args.disable), lang=args.lang)
    cleaner = Cleaner(config)
    no_clf = Cleaner(config.with_(classifier=False))
    html_note = ""
    if args.html:
        from scrubber.htmltext import to_text
        raw = load_html(args.dataset, args.split)
        start = time.perf_counter()
        pages = [(pid, to_text(data, f"{pid}.html"), gold) for pid, data, gold in raw]
        html_mb = sum(len(data) for _, data, _ in raw) / 1e6
        html_note = f"; HTML to text {html_mb / (time.perf_counter() - start):.1f} (MB/s of HTML, {html_mb:.1f} MB)"
    else:
        pages = load_pages(args.dataset, args.split)
    size = sum(len(t.encode()) for _, t, _ in pages)

    # Pages go through in batches, as `scrubber clean` sends them (64 a
    # batch): the classifier takes a batch's lines together.
    docs = [Document(pid, text) for pid, text, _ in pages]
    # RE2 builds its automaton as lines come, so the first few MB a process
    # cleans run at about half the speed of the rest: a run over a crawl is
    # warm. So each step is timed after one untimed pass over the other
    # split's pages (with --split all, over the same pages, which is
    # optimistic); "first pass" is the whole step cold. Dragnet's held-out
    # pages, rules and heuristics: 5.0 MB/s cold, 8.5 after the training
    # pages, 10.9 after themselves.
    other = [Document(pid, text) for pid, text, _ in
             load_pages(args.dataset, {"test": "train", "train": "test"}.get(args.split, "all"))]
    # --warm: more pages first, from other sets, so the figures are those of
    # a process some way into a run rather than of one 1-3 MB in.
    other = [Document(pid, text) for d in args.warm for pid, text, _ in load_pages(d)] + other
    warm_mb = sum(len(d.text.encode()) for d in other) / 1e6
    # With --html too the warm-up pass is over text pages: it warms the cleaning.
    fresh = Cleaner(config)
    cold = time.perf_counter()
    preds = [d.text for at in range(0, len(docs), BATCH) for d in fresh.clean_batch(docs[at:at + BATCH])]
    cold = time.perf_counter() - cold
    # A rule's pattern is compiled the first time the pre-filter lets a
    # line through to it (rules.CompiledRule), once per process (0.28 s for
    # all of them, docs/performance.md): a long run has compiled every rule
    # it meets, so the warm-up compiles them all.
    for c in cleaner.rules + no_clf.rules:
        c.regex
    for at in range(0, len(other), BATCH):
        cleaner.clean_batch(other[at:at + BATCH])
        for d in other[at:at + BATCH]:
            no_clf.strip(repair(d.text)[0])
    start = time.perf_counter()
    preds = [d.text for at in range(0, len(docs), BATCH) for d in cleaner.clean_batch(docs[at:at + BATCH])]
    total = time.perf_counter() - start
    # Each step timed on its own, on the same pages: repair, then rules and
    # heuristics, then the classifier on the lines they left.
    start = time.perf_counter()
    repaired = [repair(text)[0] for _, text, _ in pages]
    repair_s = time.perf_counter() - start
    start = time.perf_counter()
    survivors = []
    for text in repaired:
        lines, alive, _ = no_clf.strip(text)
        survivors.append([line for line, a in zip(lines, alive) if a and line])
    rules_s = time.perf_counter() - start
    clf_s = 1e-9
    if cleaner.model is not None:
        start = time.perf_counter()
        for at in range(0, len(survivors), BATCH):
            classify_batch(survivors[at:at + BATCH], cleaner.model, config.favor, config.lang)
        clf_s = time.perf_counter() - start

    counts, score = score_pages(pages, preds)
    f1, p, r = score(counts)
    empty = sum(1 for x in preds if not TOKEN.search(x))
    mb = size / 1e6
    kind = "snippets" if score is snippet_scores else "gold text"
    print(f"set {args.dataset.name} split {args.split}: {len(pages)} pages, {mb:.1f} MB"
          f"{' of text from HTML' if args.html else ''}, {empty} empty outputs; scored on {kind}")
    print(f"speed (MB/s of input, one core, after {warm_mb:.1f} MB of other pages): "
          f"whole clean {mb / total:.2f} (first pass {mb / cold:.2f}); "
          f"repair {mb / repair_s:.2f}; "
          f"rules+heuristics {mb / rules_s:.2f}; classifier {mb / clf_s:.1f}; "
          f"rules+heuristics+classifier {mb / (rules_s + clf_s):.2f}{html_note}")
    langs = [page_language(text, gold) for _, text, gold in pages]
    for lang, n, (lf1, lp, lr) in by_language(langs, counts, score):
        print(f"lang {lang}: F1={lf1:.3f} P={lp:.3f} R={lr:.3f} n={n}")
    print(f"F1={f1:.3f} P={p:.3f} R={r:.3f} n={len(pages)}")
    if args.pred:
        with open(args.pred, "w", encoding="utf-8") as f:
            for (pid, _, _), text in zip(pages, preds):
                f.write(json.dumps({"id": pid, "text": text}, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
