#!/usr/bin/env python3
"""Train the content classifier and write src/scrubber/data/classifier.json.

    pip install -r benchmarks/requirements-train.txt
    python benchmarks/train_classifier.py DATASET_DIR [DATASET_DIR ...] [-o FILE]
    python benchmarks/train_classifier.py DATASET_DIR ... --score-validation MODEL
    python benchmarks/train_classifier.py DATASET_DIR ... --choose-offsets MODEL [-o FILE]

Each DATASET_DIR is laid out as benchmarks/extraction.py expects
(``input/<id>.txt``, ``gold.jsonl``). A snippet set (``with``/``without``
snippets, as bench/multilingual) also needs ``html.tar.gz``: its labels are
derived from the HTML (``derive_gold.py``, trafilatura). Pages are split by a hash of their id
(``extraction.held_out``): the test share is never seen here, so that
``benchmarks/extraction.py DIR --split test`` measures unseen pages.

What it does, and why:
  * every page goes through scrubber's own rules and heuristics first, so
    the classifier learns on the lines it will actually see;
  * a line is labelled content when most of its token 4-grams occur in
    the gold text; a line of under four tokens, by the 4-grams it forms
    with the lines around it (see ``label_lines``);
  * each line weighs its share of its page's tokens, since the benchmark
    averages over pages and counts tokens (``--human-weight`` can make a
    snippet set's lines that hold a person's snippet weigh more);
  * on a sixth of the pages the stop-word features are blanked, so the
    model also learns to judge pages in a language without a list;
  * a third of the training pages are added again cut close around their
    gold text (as a page without header or footer comes), so that being
    the first or last line is not by itself evidence of furniture;
  * two small ReLU networks (scikit-learn's MLPClassifier, dev-only): the
    first on the line features, the second also on the first's scores of
    the neighbouring lines, trained on out-of-fold scores so it learns how
    much to trust them on unseen pages;
  * thresholds and region-pass settings are chosen on a validation part
    of the training pages, with the benchmark metric approximated per line;
    the best region settings by that measure, and the pass off, each at
    the approximation's threshold and at three around it, are then scored
    through the whole cleaning step, which chooses among them
    (``--refit`` then trains the networks again with those pages in; see
    there why it is not the default);
  * last, how much lower the thresholds are for pages not in the
    training pages' majority language, English here (``choose_offsets``),
    by a snippet set's own metric on its validation pages;
  * members train side by side, one process and one BLAS thread each
    (``--jobs``, see ``train_members``): five take about 4 minutes on two
    cores.
scikit-learn is used only here; scrubber runs the exported weights with numpy.
The file depends on the package versions (requirements-train.txt pins the
ones that wrote the shipped file) and on the CPU's kernels, which the
script pins on x86-64 (``PINNED_KERNELS``); with both, two runs write the
same bytes.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import random
import re
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: The numerical kernels, pinned before numpy loads. OpenBLAS and numpy
#: pick their kernels by CPU (AVX2, AVX-512, ...), and each rounds
#: differently; over 40-80 epochs of SGD the difference grows into another
#: model: the same command, seed and packages wrote a model with the
#: region pass on on one machine and off on another. Every x86-64 machine
#: of the last decade has the AVX2 kernels, so the script asks for those.
#: One BLAS thread everywhere, too: the members already train so, and a
#: product split over threads can round differently, so the choices made
#: in the main process would depend on the machine's core count.
PINNED_KERNELS = {"OPENBLAS_CORETYPE": "Haswell", "NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR",
                  "OPENBLAS_NUM_THREADS": "1"}
if platform.machine().lower() in ("x86_64", "amd64"):
    os.environ.update(PINNED_KERNELS)
else:  # the kernels are x86's; the thread count holds anywhere
    os.environ["OPENBLAS_NUM_THREADS"] = PINNED_KERNELS["OPENBLAS_NUM_THREADS"]

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from extraction import (BATCH, aggregate, held_out, is_snippet_set, load_pages, page_counts,  # noqa: E402
                        read_gold, snippet_counts, snippet_scores)

from scrubber import features, languages  # noqa: E402
from scrubber.classify import CONTEXT_NAMES, Model, context_of, decide  # noqa: E402
from scrubber.cleaner import Cleaner  # noqa: E402
from scrubber.config import Config  # noqa: E402
from scrubber.heuristics import AFTER_CLASSIFIER  # noqa: E402
from scrubber.repair import repair  # noqa: E402

TOKEN = re.compile(r"\w+")
SEED = 1
HIDDEN = (32, 16)
#: Passes over the training lines per network. On the validation pages
#: (seed 1, kernels pinned): 40 epochs dragnet 0.902 / cleaneval 0.895,
#: 80 epochs 0.914 / 0.891, 120 epochs 0.908 / 0.890.
EPOCHS = 80
#: The first member's seed (members take it, it + 1, ...). At 80 epochs,
#: seeds 1 and 11 scored validation 0.914 / 0.891 and 0.918 / 0.892.
FIRST_MEMBER_SEED = 11
#: L2 penalty of the networks' weights.
ALPHA = 1e-3
#: Folds of the out-of-fold first-pass scores the second pass learns from.
FOLDS = 3
#: Network pairs averaged (see classify.Model); each from its own seed.
MEMBERS = 5
#: Weight of each page of a set, by set name (default 1), from ``--set-weight``.
SET_WEIGHTS: dict[str, float] = {}
#: Weight of a snippet set's lines that hold a snippet a person chose,
#: against the lines labelled only from the HTML extractor's output
#: (``--human-weight``). 5 won on the pooled validation pages but dropped a
#: seed document's headline; see docs/classifier.md.
HUMAN_WEIGHT = 1.0
#: Short lines labelled in place (see ``label_lines``).
SHORT_IN_PLACE = True
#: Region settings scored through the whole cleaning step (see main).
REGION_FINALISTS = 5
#: Whether the region search also tries sandwich runs of 2 and 3 lines.
SANDWICH_GAPS = True
#: Threshold offsets tried for pages not in the majority language (``choose_offsets``).
OFFSETS = (0.0, -0.05, -0.1, -0.15)


def label_lines(lines: list[str], gold: str) -> tuple[np.ndarray, np.ndarray]:
    """Share of each line's tokens that are gold, and each line's token count.

    A line of four tokens or more is judged by its own 4-grams. A shorter
    one (a subheading, a dateline, a menu item, the tail of a wrapped
    sentence) has none. With ``SHORT_IN_PLACE`` it is judged as the
    benchmark sees it, in its place: the 4-grams it forms with the lines
    around it, among the short lines and the gold long ones (a long
    non-gold line between, a byline say, is skipped, as the classifier
    would drop it), must be gold. A subheading between two gold paragraphs
    is then content, a menu item ("Twitter", "Apple": words many articles
    contain) among menu items is not. Without it, such a line is content
    whenever its tokens occur anywhere in the gold text.
    """
    gtoks = TOKEN.findall(gold)
    grams = {tuple(gtoks[i:i + 4]) for i in range(len(gtoks) - 3)}
    toks = [TOKEN.findall(line) for line in lines]
    frac = np.zeros(len(lines))
    for j, t in enumerate(toks):
        if len(t) >= 4:
            g = [tuple(t[i:i + 4]) in grams for i in range(len(t) - 3)]
            frac[j] = sum(g) / len(g)
    ntok = np.array([len(t) for t in toks], dtype=np.float64)
    short = (ntok > 0) & (ntok < 4)
    if not SHORT_IN_PLACE:
        gstr = " " + " ".join(gtoks) + " "
        for j in np.flatnonzero(short).tolist():
            frac[j] = float(f" {' '.join(toks[j])} " in gstr)
        return frac, ntok
    # The short lines and the gold long ones, as one token sequence.
    seq, owner = [], []
    for j, t in enumerate(toks):
        if len(t) < 4 or frac[j] >= 0.5:
            seq += t
            owner += [j] * len(t)
    covered = np.zeros(len(seq), dtype=bool)
    for i in range(len(seq) - 3):
        if tuple(seq[i:i + 4]) in grams:
            covered[i:i + 4] = True
    hits = np.zeros(len(lines))
    np.add.at(hits, np.asarray(owner, dtype=np.int64), covered)
    frac[short] = hits[short] / ntok[short]
    return frac, ntok


@functools.cache
def load_set(dataset: Path) -> list[tuple[str, str, str]]:
    """(id, page text, gold text) of every page of ``dataset``. A snippet
    set's gold text is derived from its HTML (``derive_gold``), since its
    snippets label too few lines to train on."""
    if is_snippet_set(read_gold(dataset)):
        from derive_gold import derive
        gold, tally = derive(dataset)
        print(f"{dataset.name}: labels derived from the HTML for {len(gold)} pages ({tally})", file=sys.stderr)
        return [(pid, text, gold[pid]) for pid, text, _ in load_pages(dataset) if pid in gold]
    return [(pid, text, rec.get("text") or "") for pid, text, rec in load_pages(dataset)]


def build(datasets: list[Path]) -> list[dict]:
    """One dict per page: set, id, split, lines' features, labels, tokens."""
    # The heuristics that wait for the classifier have not run when it reads a page.
    cleaner = Cleaner(Config(dedup=False, classifier=False, disabled=tuple(sorted(AFTER_CLASSIFIER))))
    rng = random.Random(SEED)
    pages = []
    for ds in datasets:
        records = read_gold(ds)
        snippets = is_snippet_set(records)
        for pid, text, gold in load_set(ds):
            if not TOKEN.search(gold):
                continue  # pages without gold are not scored
            lines, alive, _ = cleaner.strip(repair(text)[0])
            kept = [line for line, a in zip(lines, alive) if a and line]
            if not kept:
                continue
            lang = languages.detect("\n".join(kept).lower().split())
            blank = rng.random() < 1 / 6
            stop = frozenset() if blank or not lang else languages.stopwords(lang)
            frac, ntok = label_lines(kept, gold)
            boost = np.ones(len(kept))
            if snippets and HUMAN_WEIGHT != 1.0:
                chosen = [" ".join(x.split()) for x in records[pid].get("with", []) + records[pid].get("without", [])]
                human = np.array([any(c and c in " ".join(line.split()) for c in chosen) for line in kept])
                boost[human] = HUMAN_WEIGHT
            test = held_out(ds.name, pid)
            pages.append({
                "set": ds.name, "id": pid, "test": test, "lang": lang,
                "x": features.line_features(kept, stop), "frac": frac, "ntok": ntok,
                "gold_tok": len(TOKEN.findall(gold)), "boost": boost,
            })
            good = np.flatnonzero(frac >= 0.5)
            if not test and len(good) and rng.random() < 1 / 3:
                lo = max(good[0] - rng.randrange(3), 0)
                hi = min(good[-1] + 1 + rng.randrange(3), len(kept))
                if hi - lo >= 6:
                    pages.append({
                        "set": ds.name, "id": pid, "test": False, "cropped": True,
                        "x": features.line_features(kept[lo:hi], stop), "frac": frac[lo:hi],
                        "ntok": ntok[lo:hi], "gold_tok": len(TOKEN.findall(gold)), "boost": boost[lo:hi],
                    })
    return pages


def stack(pages: list[dict]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x = np.vstack([p["x"] for p in pages])
    y = np.concatenate([p["frac"] >= 0.5 for p in pages]).astype(int)
    w = np.concatenate([p["ntok"] * p["boost"] / max((p["ntok"] * p["boost"]).sum(), 1) * SET_WEIGHTS.get(p["set"], 1.0)
                        for p in pages])
    w = w * len(w) / w.sum() + 0.05  # every line counts a little, even empty-token ones
    return x, y, w


def sklearn_version() -> str:
    import sklearn
    return sklearn.__version__


def fit(x: np.ndarray, y: np.ndarray, w: np.ndarray, seed: int = SEED):
    from sklearn.neural_network import MLPClassifier
    from sklearn.preprocessing import StandardScaler
    scaler = StandardScaler().fit(x)
    net = MLPClassifier(hidden_layer_sizes=HIDDEN, alpha=ALPHA, batch_size=512,
                        learning_rate_init=2e-3, max_iter=EPOCHS, random_state=seed,
                        early_stopping=False)
    net.fit(scaler.transform(x), y, sample_weight=w)
    scale = np.where(scaler.scale_ > 0, scaler.scale_, 1.0)
    return {"mean": scaler.mean_.tolist(), "scale": scale.tolist(),
            "layers": [[c.tolist(), b.tolist()] for c, b in zip(net.coefs_, net.intercepts_)]}


def oof_first(pages: list[dict], seed: int) -> list[np.ndarray]:
    """First-pass scores of each page from a model that did not see it."""
    from scrubber.classify import _Net
    order = list(range(len(pages)))
    random.Random(SEED).shuffle(order)
    out: list = [None] * len(pages)
    folds = FOLDS
    for k in range(folds):
        test = [i for n, i in enumerate(order) if n % folds == k]
        train = [i for n, i in enumerate(order) if n % folds != k]
        net = _Net.from_dict(fit(*stack([pages[i] for i in train]), seed=seed))
        for i in test:
            out[i] = net(pages[i]["x"])
        print(f"  fold {k + 1}/{folds} done", file=sys.stderr)
    return out


def train_member(pages: list[dict], seed: int) -> dict:
    """One network pair: the first pass on the line features, the second
    also on out-of-fold first-pass scores of the neighbourhood."""
    _, y, w = stack(pages)
    p1 = oof_first(pages, seed)
    first = fit(*stack(pages), seed=seed)
    x2 = np.vstack([np.hstack([pg["x"], context_of(p, np.expm1(pg["x"][:, 0]).astype(np.float64))])
                    for pg, p in zip(pages, p1)])
    return {"first": first, "second": fit(x2, y, w, seed=seed)}


_POOL_PAGES: list[dict] = []


def _member_in_worker(seed: int) -> dict:
    from threadpoolctl import threadpool_limits
    with threadpool_limits(1):
        return train_member(_POOL_PAGES, seed)


def train_members(pages: list[dict], seeds: list[int], jobs: int) -> list[dict]:
    """``train_member`` for each seed, ``jobs`` at a time in forked
    processes of one BLAS thread each. The networks are small: on two
    cores, a fit of this size (150,000 rows, 32x16) took 4.7 times longer
    with OpenBLAS's two threads than with one (their synchronisation costs
    more than the products), so members run side by side instead. A member depends only on its seed
    and its pages, so the result does not depend on ``jobs``."""
    global _POOL_PAGES
    _POOL_PAGES = pages
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(max(1, min(jobs, len(seeds)))) as pool:
        return pool.map(_member_in_worker, seeds, chunksize=1)


def approx_f1(pages: list[dict], keeps: list[np.ndarray]) -> tuple[float, float, float]:
    """The benchmark metric with lines as units: kept gold tokens over kept
    tokens (precision) and over gold tokens (recall), averaged per page."""
    ps, rs = [], []
    for pg, keep in zip(pages, keeps):
        kept = (pg["ntok"] * keep).sum()
        good = (pg["ntok"] * pg["frac"] * keep).sum()
        if kept > 0:
            ps.append(good / kept)
        rs.append(good / max(pg["gold_tok"], 1))
    p, r = float(np.mean(ps)), float(np.mean(rs))
    return 2 * p * r / (p + r), p, r


def validation_keys(train: list[dict]) -> set[tuple[str, str]]:
    """(set, id) of the validation pages: a fifth of the training pages,
    drawn in page order from a fixed seed."""
    rng = random.Random(SEED + 1)
    return {(p["set"], p["id"]) for p in train if not p.get("cropped") and rng.random() < 0.2}


def score_validation(datasets: list[Path], keys: set[tuple[str, str]], model: Path) -> None:
    """The benchmark metric of the whole cleaning step (``scrubber clean
    --no-dedup`` with ``model``) on the validation pages, per set: what
    settings and candidate models are compared by, so that the held-out
    pages are looked at only for a final one."""
    for ds in datasets:
        pages = [(text, gold) for pid, text, gold in load_set(ds) if (ds.name, pid) in keys]
        for favor in ("balanced", "precision", "recall"):
            f1, p, r = whole_step(model, pages, favor)
            print(f"validation {ds.name} {favor}: F1={f1:.3f} P={p:.3f} R={r:.3f} n={len(pages)}")
    failures = acceptance_failures(model)
    print(f"acceptance (seeds/): {'; '.join(failures) if failures else 'passes'}")


def whole_step(model: Path, pages: list[tuple[str, str]], favor: str = "balanced") -> tuple[float, float, float]:
    """F1, precision and recall of the whole cleaning step with the model
    file ``model`` on ``pages`` ((text, gold) pairs), in batches as
    ``scrubber clean`` sends them."""
    preds = cleaned(model, [text for text, _ in pages], favor)
    return aggregate([page_counts(g, pred) for (_, g), pred in zip(pages, preds)])


def cleaned(model: Path, texts: list[str], favor: str = "balanced") -> list[str]:
    """The texts after the whole cleaning step with the model file ``model``."""
    from scrubber import Document
    cleaner = Cleaner(Config(dedup=False, classifier_model=str(model), favor=favor))
    docs = [Document(str(i), text) for i, text in enumerate(texts)]
    return [d.text for at in range(0, len(docs), BATCH) for d in cleaner.clean_batch(docs[at:at + BATCH])]


def majority_language(train: list[dict]) -> str:
    """The language most training pages are in (``languages.detect``):
    the one the networks know best, whose pages keep the thresholds."""
    return Counter(p["lang"] for p in train if not p.get("cropped") and p["lang"]).most_common(1)[0][0]


def choose_offsets(doc: dict, datasets: list[Path], keys: set[tuple[str, str]], known: str) -> dict:
    """The threshold offset for pages not in ``known``, the training pages'
    majority language (``Model.offsets``):
    each of ``OFFSETS``, scored through the whole cleaning step on the
    validation pages of the snippet sets by their own metric (the snippets
    are a person's labels; the token metric there is against labels
    derived from an HTML extractor). The first of equals wins, so no
    offset unless one does better. Without a snippet set: none."""
    pages = [(text, rec) for ds in datasets if is_snippet_set(read_gold(ds))
             for pid, text, rec in load_pages(ds) if (ds.name, pid) in keys]
    if not pages:
        return {}
    best = None
    for off in OFFSETS:
        offsets = {known: 0.0, "*": off} if off else {}
        with model_file({**doc, "offsets": offsets}) as path:
            preds = cleaned(path, [text for text, _ in pages])
        f1, p, r = snippet_scores([snippet_counts(rec.get("with", []), rec.get("without", []), pred)
                                   for (_, rec), pred in zip(pages, preds)])
        print(f"  offset {off:+.2f} for pages not in {known}: snippets F1={f1:.4f} P={p:.3f} R={r:.3f} "
              f"n={len(pages)}", file=sys.stderr)
        if best is None or f1 > best[0]:
            best = (f1, offsets)
    return best[1]


def round_weights(members: list[dict]) -> list[dict]:
    """The members as the model file stores them (6 and 5 decimals), in
    place: the settings are chosen with the weights that ship."""
    for net in (n for m in members for n in (m["first"], m["second"])):
        net["mean"] = [round(v, 6) for v in net["mean"]]
        net["scale"] = [round(v, 6) for v in net["scale"]]
        net["layers"] = [[np.round(np.asarray(wt), 5).tolist(), np.round(np.asarray(b), 5).tolist()]
                         for wt, b in net["layers"]]
    return members


@contextmanager
def model_file(doc: dict) -> Iterator[Path]:
    """The model ``doc`` (not yet a file) as a temporary file, for as long
    as the block runs."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        yield Path(f.name)
    finally:
        Path(f.name).unlink()


def pipeline_f1(doc: dict, pages: list[tuple[str, str]]) -> float:
    """``whole_step``'s F1 with the model ``doc`` (not yet a file)."""
    with model_file(doc) as path:
        return whole_step(path, pages)[0]


def main() -> int:
    global HIDDEN, EPOCHS, ALPHA, FOLDS, SHORT_IN_PLACE, SANDWICH_GAPS, HUMAN_WEIGHT
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("datasets", type=Path, nargs="+")
    ap.add_argument("--hidden", default="32,16", help="hidden layer sizes")
    ap.add_argument("--epochs", type=int, default=EPOCHS, help="passes over the data per network")
    ap.add_argument("--alpha", type=float, default=ALPHA, help="L2 penalty")
    ap.add_argument("--folds", type=int, default=FOLDS, help="folds of the out-of-fold scores")
    ap.add_argument("--members", type=int, default=MEMBERS, help="network pairs averaged")
    ap.add_argument("--jobs", type=int, default=2, help="members trained at once")
    ap.add_argument("--seed", type=int, default=FIRST_MEMBER_SEED,
                    help="first member's seed (members take seed, seed+1, ...); the pages, "
                         "their split and copies stay as with the default, so that two seed "
                         "sets compare variants on the same validation pages")
    ap.add_argument("--human-weight", type=float, default=HUMAN_WEIGHT,
                    help="weight of a snippet set's lines that hold a snippet")
    ap.add_argument("--set-weight", action="append", default=[], metavar="NAME=W",
                    help="weigh each page of the set named NAME (its directory's name) W times")
    ap.add_argument("--refit", action="store_true",
                    help="after choosing the settings, train the members again on all training "
                         "pages, validation pages included")
    ap.add_argument("-o", "--output", type=Path,
                    default=Path(__file__).resolve().parents[1] / "src" / "scrubber" / "data" / "classifier.json")
    ap.add_argument("--short-in-place", action=argparse.BooleanOptionalAction, default=SHORT_IN_PLACE,
                    help="label short lines by the 4-grams they form in place (see label_lines)")
    ap.add_argument("--sandwich-gaps", action=argparse.BooleanOptionalAction, default=SANDWICH_GAPS,
                    help="also try sandwich runs of 2 and 3 lines")
    ap.add_argument("--score-validation", type=Path, metavar="MODEL",
                    help="train nothing: print how the whole cleaning step with MODEL scores "
                         "on the validation pages")
    ap.add_argument("--choose-offsets", type=Path, metavar="MODEL",
                    help="train nothing: choose MODEL's threshold offsets for pages not in "
                         "the training pages' majority language (the training run's last step) and "
                         "write the model to -o")
    args = ap.parse_args()
    SHORT_IN_PLACE, SANDWICH_GAPS = args.short_in_place, args.sandwich_gaps
    SET_WEIGHTS.update({k: float(v) for k, v in (a.split("=", 1) for a in args.set_weight)})
    HUMAN_WEIGHT = args.human_weight
    EPOCHS, ALPHA, FOLDS = args.epochs, args.alpha, args.folds
    HIDDEN = tuple(int(v) for v in args.hidden.split(","))
    t0 = time.perf_counter()
    pages = build(args.datasets)
    train = [p for p in pages if not p["test"]]
    print(f"{len(pages)} pages, {len(train)} for training, {time.perf_counter() - t0:.0f}s",
          file=sys.stderr)
    # Validation pages (a fifth of the training pages) choose the thresholds.
    val_keys = validation_keys(train)
    if args.score_validation:
        score_validation(args.datasets, val_keys, args.score_validation)
        return 0
    if args.choose_offsets:
        doc = json.loads(args.choose_offsets.read_text(encoding="utf-8"))
        doc.pop("offsets", None)
        doc = {**doc, "offsets": choose_offsets(doc, args.datasets, val_keys, majority_language(train))}
        return write_model(doc, args.output)
    val = [p for p in train if (p["set"], p["id"]) in val_keys and not p.get("cropped")]
    fit_pages = [p for p in train if (p["set"], p["id"]) not in val_keys]

    seeds = [args.seed + m for m in range(args.members)]
    members = round_weights(train_members(fit_pages, seeds, args.jobs))
    print(f"{len(members)} members trained on {len(fit_pages)} pages, {time.perf_counter() - t0:.0f}s",
          file=sys.stderr)

    doc = {"features": features.names(), "context": CONTEXT_NAMES, "members": members,
           "thresholds": {"balanced": 0.5, "precision": 0.7, "recall": 0.3},
           "region": {"enabled": False}}
    model = Model.from_dict(doc)
    pv = [model.scores(pg["x"]) for pg in val]
    grid = np.round(np.arange(0.2, 0.81, 0.05), 2)
    res = {t: approx_f1(val, [p >= t for p in pv]) for t in grid}
    best = max(grid, key=lambda t: res[t][0])
    for t in grid:
        print(f"  t={t:.2f} F1={res[t][0]:.3f} P={res[t][1]:.3f} R={res[t][2]:.3f}", file=sys.stderr)
    # The region pass and the sandwich rule, tried on the validation pages
    # at the chosen threshold.
    def f1_of(settings: dict, t: float) -> float:
        keeps = [decide(p, np.expm1(pg["x"][:, 0]).astype(np.float64), t, settings)[0]
                 for pg, p in zip(val, pv)]
        return approx_f1(val, keeps)[0]

    def thresholds_at(t: float) -> dict:
        """``t`` as the balanced threshold, and the nearest ones that buy
        0.03 of precision or of recall by the line-level measure."""
        prec = min((u for u in grid if u > t and res[u][1] >= res[t][1] + 0.03), default=min(t + 0.2, 0.9))
        rec = max((u for u in grid if u < t and res[u][2] >= res[t][2] + 0.03), default=max(t - 0.2, 0.1))
        return {"balanced": float(t), "precision": float(prec), "recall": float(rec)}

    tried = []
    for confident in (0.7, 0.8, 0.9):
        for share in (0.8, 0.9, 0.95):
            for rescue in (0.9, 0.97, 1.01):
                for inner in (best - 0.2, best - 0.1, best):
                    reg = {"enabled": True, "confident": confident, "min_share": share,
                           "rescue": rescue, "inner": float(round(inner, 2))}
                    tried.append((f1_of(reg, best), reg))
    # The line-level approximation ranks the settings; the finalists, and
    # the pass switched off, are then scored through the whole cleaning
    # step, at the approximation's threshold and the ones around it. The
    # approximation undervalues the pass: it scored one model's best
    # settings within 0.001 of none, which the whole step scored 0.909
    # against 0.899 on dragnet's validation pages; and it chose that
    # model's threshold 0.4, where the whole step preferred 0.5 (dragnet
    # 0.916 against 0.913).
    tried.sort(key=lambda t: -t[0])
    finalists = [{"enabled": False}] + [reg for _, reg in tried[:REGION_FINALISTS]]
    val_pages = [(text, gold) for ds in args.datasets for pid, text, gold in load_set(ds)
                 if (ds.name, pid) in val_keys]
    scored = []
    for t in [float(u) for u in grid if best - 0.06 < u < best + 0.11]:
        for reg in finalists:
            th = thresholds_at(t)
            f = pipeline_f1({**doc, "thresholds": th, "region": {**reg, "unfocused": th["recall"]}}, val_pages)
            print(f"  t={t:.2f} region {reg}: whole step F1={f:.4f}", file=sys.stderr)
            scored.append((f, t, reg))
    # the first of equals: the lowest threshold, the pass off
    _, best, best_region = max(scored, key=lambda x: x[0])
    best_f1 = f1_of(best_region, best)
    print(f"  t={best:.2f} region {best_region}: chosen", file=sys.stderr)
    for floor in (0.02, 0.05, 0.1, 0.2):
        f = f1_of({**best_region, "sandwich": floor}, best)
        print(f"  sandwich {floor}: F1={f:.3f}", file=sys.stderr)
        if f >= best_f1 - 0.001:  # a tie keeps the rule: it protects short articles' subheadings
            best_region, best_f1 = {**best_region, "sandwich": floor}, max(f, best_f1)
    if SANDWICH_GAPS and "sandwich" in best_region:
        # Runs of two or three such lines (a subheading and its dateline).
        for gap in (2, 3):
            f = f1_of({**best_region, "sandwich_gap": gap}, best)
            print(f"  sandwich gap {gap}: F1={f:.3f}", file=sys.stderr)
            if f >= best_f1 - 0.001:
                best_region, best_f1 = {**best_region, "sandwich_gap": gap}, max(f, best_f1)
    # Pages with no article span are judged at the recall threshold (see
    # classify.decide), with the region pass on or off; set here rather
    # than searched, as a safeguard for page types the development sets
    # have few of. It used to be set with the pass on only: seed 1 on this
    # tree trains with it off, and its model kept 2 of the 10 links of
    # test_a_list_page_is_not_emptied; with it set, 7.
    doc["thresholds"] = thresholds_at(best)
    best_region["unfocused"] = doc["thresholds"]["recall"]
    doc["region"] = best_region
    doc["offsets"] = choose_offsets(doc, args.datasets, val_keys, majority_language(train))
    if args.refit:
        # The settings are chosen; the validation pages have done their
        # job and could now train the networks too (a quarter more pages),
        # the settings carrying over. Not the default: with the short-line
        # labels it scores the held-out pages dragnet 0.893 and CleanEval
        # 0.915, against 0.897 and 0.910 without refitting (README.md).
        members = round_weights(train_members(train, seeds, args.jobs))
        doc["members"] = members
        print(f"refit on {len(train)} pages, {time.perf_counter() - t0:.0f}s", file=sys.stderr)
    doc["info"] = {
        "trained_on": [d.name for d in args.datasets],
        "pages": len(train) if args.refit else len(fit_pages), "validation_pages": len(val),
        "held_out": "pages with extraction.held_out(set, id) true (30%) were not used",
        "hidden": list(HIDDEN), "members": args.members, "epochs": EPOCHS, "seed": args.seed,
        "script": "benchmarks/train_classifier.py",
        # What the file depends on besides the script and the pages (see PINNED_KERNELS).
        "numpy": np.__version__, "scikit-learn": sklearn_version(), "machine": platform.machine(),
        "kernels": {k: os.environ.get(k) for k in PINNED_KERNELS},
    }
    if args.refit:
        doc["info"]["refit_with_validation"] = True
    print(f"{time.perf_counter() - t0:.0f}s", file=sys.stderr)
    return write_model(doc, args.output)


def write_model(doc: dict, output: Path) -> int:
    """Write the model file, then check it against the seeds' acceptance
    spec: 1 (and each failure named) when it fails."""
    output.write_text(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"wrote {output} ({output.stat().st_size // 1024} kB)", file=sys.stderr)
    failures = acceptance_failures(output)
    for f in failures:
        print(f"acceptance: {f}", file=sys.stderr)
    return 1 if failures else 0


def acceptance_failures(model: Path) -> list[str]:
    """What the model does wrong on ``seeds/`` against the acceptance spec
    (``tests/data/acceptance_seeds.json``, as ``tests/test_acceptance.py``
    checks it): a model can win on the validation pages and still drop a
    seed's headline, and such a model must not ship."""
    from scrubber import Pipeline
    root = Path(__file__).resolve().parents[1]
    spec = json.loads((root / "tests" / "data" / "acceptance_seeds.json").read_text(encoding="utf-8"))
    pipe = Pipeline(Config(classifier_model=str(model)))
    out = {r["id"]: r["text"] for r in map(json.loads, pipe.run(pipe.reader().read_paths([str(root / "seeds")])))}
    failures = []
    for name, doc in sorted(spec["documents"].items()):
        text = out.get(name)
        if text is None:
            failures.append(f"{name}: not in the output")
            continue
        failures += [f"{name}: kept {s!r}" for s in doc.get("drop", []) if s in text]
        pos = 0
        for s in doc.get("keep", []):
            at = text.find(s, pos)
            if at < 0:
                failures.append(f"{name}: lost {s!r} (or its order)")
            else:
                pos = at + len(s)
        failures += [f"{name}: {s!r} not exactly once" for s in doc.get("keep_once", []) if text.count(s) != 1]
    return failures


if __name__ == "__main__":
    sys.exit(main())
