"""The text-level content classifier: is this line article or furniture?

Furniture that no rule names (menus, teasers, "Most Read" lists, footers)
is recognised by its shape and its surroundings. Each line is described by
``features.line_features`` (length, stop words, punctuation, separators,
its neighbours, its place in the page); a small neural network scores it,
twice: the second pass also sees the first pass's scores of the
neighbouring lines, which is how "short lines between content stay
content" and "a heading directly before content stays" are learnt rather
than hand-coded. Five such pairs, trained from different seeds, are
averaged. Then a region pass: on a page that reads as one article, lines
far outside the article's span go even when they look like prose (comment
threads, teasers under the article); a page with no such span is judged
at the lower, recall threshold; and on a page the classifier would all but
empty, its most likely run of lines is kept (``_fallback``).

The weights are data (``data/classifier.json``), written by
``benchmarks/train_classifier.py`` from the development sets; inference
needs only numpy (the networks are in ``network.py``; hard-wrapped text is
joined into paragraphs first, ``wrapping.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np

from . import features, languages
from .errors import ModelError
from .network import _blocks, _Net, _Stack
from .wrapping import unwrap

#: The thresholds live in the model file, chosen at training time: balanced
#: maximises F1 on the training pages, precision and recall trade one for
#: the other, as trafilatura's ``favor_precision``/``favor_recall`` do.
FAVORS = ("balanced", "precision", "recall")

#: Lines whose features one call computes at most. Features, contexts and
#: scores cost about 3.3 kB a line, whatever its length: a 1 MB document
#: of one-character lines (500,000) peaked at 1.5 GB, 4 MB at 5.1 GB, under
#: the 10 MB --max-doc-bytes. A batch is judged in groups of documents of
#: at most this many lines (the same verdicts), and a document of more
#: lines in pieces of this many, each judged as a document (verdicts of
#: such a document differ at the cuts; a 10 MB page of prose has 100,000
#: lines of 100 bytes).
MAX_LINES = 100_000
#: Documents with fewer non-empty lines are left alone: a handful of lines
#: has no page around it to read context from (the features were trained
#: on whole web pages), and a short text handed to ``clean_text`` is more
#: likely a snippet the user wants kept than a page full of menus.
MIN_LINES = 6
#: Share of a page's words the classifier must leave, or it falls back to
#: keeping more (see ``_fallback``). Articles in the development sets are
#: rarely under 20% of their page (dragnet: 5% of pages); keeping a page
#: whole costs precision there, emptying a list page costs all recall.
MIN_KEEP = 0.1
#: In ``_fallback``, a line belongs to the page's most likely run when its
#: score is at least this share of the page's best score.
FALLBACK_SHARE = 0.5
#: A page on which no line scores this much is one the model cannot read
#: (a plain list of links, a layout unlike its training pages: its members
#: disagree there, one scoring a line 0.9 and another 0.1). Such a page is
#: judged relative to its own best line, as in ``_fallback``, rather than
#: at a threshold that would keep only a few of its look-alike lines.
UNSURE = 0.6
#: On such a page a line stays when it scores at least this share of the
#: page's best. Few development pages are of this kind (5 of the 1,422
#: training pages, where 0.5, 0.3 and 0.25 score the same), so the share is
#: set for the kind, not tuned: the model cannot tell content from
#: furniture there, and deleting is the larger risk (CleanEval's gold
#: keeps most of such pages). At half the best line, models retrained
#: from the same pages kept 3 or 4 of the 10 links of a links page
#: (tests/test_classify.py), at a quarter 7 or more.
UNSURE_SHARE = 0.25
#: On a page whose language moves the thresholds down (``Model.offset``:
#: the networks' scores of its prose run low), a line of at least
#: SPAN_PROSE_WORDS words that scores at least SPAN_PROSE_P (moved by the
#: offset and by ``--favor`` as the other thresholds are; at ``recall``
#: every such line next to the article) counts as likely for the article's
#: span: kept inside it, and taken in when it follows it. A paragraph
#: beside the article is the article's more often than furniture, and near
#: the article's end, where the page's furniture is close, such paragraphs
#: scored low. Chosen on the validation pages (docs/classifier.md).
SPAN_PROSE_WORDS = 16
SPAN_PROSE_P = 0.2


def context_of(p: np.ndarray, words: np.ndarray) -> np.ndarray:
    """What the second pass sees of the first pass's scores around a line:
    the score itself, its means over the neighbour windows, the best score
    before and after it (is there content above? below?), the share of
    the page's likely content words before and after it (has the article
    ended?), and where it lies relative to the densest run of content
    (the span ``region`` finds, at an even threshold)."""
    return contexts_of(p[:, None], words)[0]


def contexts_of(ps: np.ndarray, words: np.ndarray, bounds: np.ndarray | None = None) -> list[np.ndarray]:
    """``context_of`` for each column of ``ps`` (one per ensemble member),
    computed for all columns at once: the per-document numpy calls, not the
    arithmetic, were its cost. With ``bounds`` (``features.bounds_of``) the
    rows are several documents, each seen on its own: prefix sums, sums and
    running maxima are taken per document (the same floats as for that
    document alone), everything element-wise for the whole batch."""
    n, k = ps.shape
    if bounds is None:
        bounds = np.array([0, n])
    lengths = np.diff(bounds)
    doc = np.repeat(np.arange(len(lengths)), lengths)
    means = features.window_means(ps, bounds=bounds)
    mass = words[:, None] * ps
    # Per member, rows contiguous: a sum over one is numpy's pairwise sum,
    # the same as over that member's 1-D column alone.
    mass_t = np.ascontiguousarray(mass.T)
    gain = words[:, None] * (ps - 0.5)
    # float64 whatever ``ps`` is, as before (the training script passes float32)
    before, after = np.zeros(ps.shape), np.zeros(ps.shape)
    cum = np.empty(ps.shape, dtype=mass.dtype)
    total = np.empty((len(lengths), k))
    lo, hi = np.zeros((len(lengths), k), np.int64), np.full((len(lengths), k), -1, np.int64)
    for d, (s, e) in enumerate(zip(bounds[:-1].tolist(), bounds[1:].tolist())):
        seg = ps[s:e]
        np.maximum.accumulate(seg[:-1], axis=0, out=before[s + 1:e])
        after[s:e - 1] = np.maximum.accumulate(seg[:0:-1], axis=0)[::-1]
        np.cumsum(mass[s:e], axis=0, out=cum[s:e])
        total[d] = mass_t[:, s:e].sum(axis=1)
        lo[d], hi[d] = _best_spans(gain[s:e])
    total = np.maximum(total, 1.0)[doc]
    mass_before = (cum - mass) / total
    mass_after = 1.0 - mass_before - mass / total
    idx = (np.arange(n) - bounds[:-1][doc])[:, None]
    lo, hi = lo[doc], hi[doc]
    dist = np.where(idx < lo, lo - idx, np.where(idx > hi, idx - hi, 0))
    out = []
    for j in range(k):
        cols = [ps[:, j]] + [m[:, j] for m in means] + [before[:, j], after[:, j], mass_before[:, j],
                                                       mass_after[:, j], (dist[:, j] == 0).astype(np.float64),
                                                       np.log1p(dist[:, j])]
        out.append(np.column_stack(cols).astype(np.float32))
    return out


CONTEXT_NAMES = (["p"] + [f"p@{w}" for w in features.WINDOWS]
                 + ["p_best_before", "p_best_after", "content_before", "content_after",
                    "in_span", "log_span_distance"])


def _best_span(gain: np.ndarray) -> tuple[int, int]:
    """The run of lines with the largest sum of ``gain`` (the maximum
    subarray, from prefix sums: the best end is where the prefix sum rises
    most above its running minimum); (0, -1) when every gain is negative."""
    if not len(gain):
        return 0, -1
    lo, hi = _best_spans(gain[:, None])
    return int(lo[0]), int(hi[0])


def _best_spans(gains: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``_best_span`` of each column of a (lines x columns) ``gains``, as
    two arrays (first lines, last lines)."""
    prefix = np.zeros((len(gains) + 1, gains.shape[1]))
    prefix[1:] = np.cumsum(gains, axis=0)  # summed in the gains' own dtype, as before
    lowest = np.minimum.accumulate(prefix[:-1], axis=0)
    rise = prefix[1:] - lowest
    hi = rise.argmax(axis=0)
    cols = np.arange(gains.shape[1])
    found = rise[hi, cols] > 0
    # The start is where the prefix sum is lowest up to the end (its first
    # such place, as argmin over prefix[:hi + 1] finds it).
    upto = np.where(np.arange(len(prefix))[:, None] <= hi, prefix, np.inf)
    lo = upto.argmin(axis=0)
    return np.where(found, lo, 0), np.where(found, hi, -1)


@dataclass(frozen=True)
class Model:
    """A trained classifier: pairs of networks (first and second pass),
    thresholds and region settings. Several pairs, trained from different
    seeds, are averaged: one small network's verdict on a page unlike its
    training pages swings with its seed; the mean of a few does not."""

    firsts: _Stack
    seconds: _Stack | None
    thresholds: dict
    region: dict
    info: dict
    #: Threshold offsets by page language ("*": any language not listed),
    #: chosen on the validation pages: the networks learnt mostly from pages
    #: in one language (English for the shipped model), and their scores of
    #: other languages' prose run lower.
    offsets: dict = field(default_factory=dict)

    def offset(self, lang: str | None) -> float:
        """How much the thresholds move for a page in ``lang``."""
        return float(self.offsets.get(lang or "", self.offsets.get("*", 0.0)))

    @classmethod
    def load(cls, path: str | Path | None = None) -> "Model":
        """The model at ``path``, or the one shipped with scrubber."""
        if path is None:
            return _shipped()
        try:
            return cls.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
        except OSError as e:
            raise ModelError(str(path), f"cannot read the classifier model ({e.strerror or e})") from None
        except UnicodeDecodeError:
            raise ModelError(str(path), "not a classifier model scrubber can use: not UTF-8 text "
                             "(a model is the JSON file benchmarks/train_classifier.py writes)") from None
        except ValueError as e:  # JSON errors are ValueErrors too
            raise ModelError(str(path), f"not a classifier model scrubber can use: {e}") from None
        except (KeyError, TypeError, IndexError, AttributeError) as e:
            raise ModelError(str(path), f"not a classifier model scrubber can use: missing or malformed {e}") from None

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        if d.get("features") != features.names():
            raise ValueError("classifier model was trained on other features; retrain it")
        members = d.get("members") or [{"first": d["first"], "second": d.get("second")}]
        n = len(features.names())
        firsts = _Stack.of([_Net.from_dict(m["first"]) for m in members], n)
        seconds = [m.get("second") for m in members]
        if any(seconds) and not all(seconds):
            raise ValueError("classifier model has a second network for some members only; retrain it")
        seconds = _Stack.of([_Net.from_dict(m) for m in seconds], n) if all(seconds) else None
        offsets = {str(k): float(v) for k, v in d.get("offsets", {}).items()}
        return cls(firsts, seconds, dict(d["thresholds"]), dict(d.get("region", {})), dict(d.get("info", {})),
                   offsets)

    def scores(self, x: np.ndarray, bounds: np.ndarray | None = None) -> np.ndarray:
        """Probability that each line (row of ``x``) is content; with
        ``bounds`` (``features.bounds_of``) the rows are several documents'."""
        blocks = _blocks(x, bounds)
        p = self.firsts(blocks)
        if self.seconds is not None:
            words = np.expm1(x[:, 0]).astype(np.float64)
            ctxs = contexts_of(p.astype(np.float64), words, bounds)
            p = self.seconds(blocks, np.stack(ctxs, axis=1))
        total = np.zeros(len(x))
        for j in range(p.shape[1]):
            total += p[:, j]
        return total / p.shape[1]


@lru_cache(maxsize=1)
def _shipped() -> Model:
    path = resources.files("scrubber") / "data" / "classifier.json"
    return Model.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class Verdict:
    """What the classifier decided for a document's lines."""

    #: Probability of content, per line given.
    p: np.ndarray
    #: Whether each line is kept.
    keep: np.ndarray
    #: Why a dropped line went: "classifier" (its own score) or
    #: "classifier:region" (outside the article's span); None when kept.
    why: list
    #: The language whose stop words were used, or None.
    lang: str | None
    #: False for a document too short to judge (``MIN_LINES``): all kept.
    judged: bool = True


def region(p: np.ndarray, words: np.ndarray, threshold: float, settings: dict) -> tuple[int, int] | None:
    """The article's span of lines, if the page reads as one article.

    The span is the run of lines with the largest sum of word-weighted
    margins ``words * (p - threshold)`` (Kadane's maximum subarray). A page
    reads as one article when that span holds most of the page's
    confident content words; list pages, forums and link collections
    spread their content and get no span, so nothing is dropped for being
    outside it: on such pages (most of CleanEval) a single-region
    assumption deletes most of the content.
    """
    if not len(p):
        return None
    best_lo, best_hi = _best_span(words * (p - threshold))
    if best_hi < 0:
        return None
    good = words * (p >= settings.get("confident", 0.8))
    inside = good[best_lo:best_hi + 1].sum()
    if inside < settings.get("min_share", 0.9) * max(good.sum(), 1):
        return None
    return best_lo, best_hi


def classify(lines: list[str], model: Model, favor: str = "balanced",
             lang: str | None = None) -> Verdict:
    """Decide for each of a document's non-empty ``lines`` whether it is content.

    ``lang`` is an ISO 639-1 code, or None to guess it from stop words; a
    language without a list is classified without stop-word features.
    """
    return classify_batch([lines], model, favor, lang)[0]


def classify_batch(docs: list[list[str]], model: Model, favor: str = "balanced",
                   lang: str | None = None) -> list[Verdict]:
    """``classify`` for several documents (each a list of non-empty lines),
    with the same verdicts: features and networks take the documents' lines
    together (see ``features.batch_features``), decisions are per document.
    One call per batch instead of one per document took the classifier's
    CPU on the throughput corpus (its 2,735 documents in batches of 64)
    from 4.8 s to 2.6 s."""
    if favor not in FAVORS:
        raise ValueError(f"favor must be one of {', '.join(FAVORS)}, not {favor!r}")
    if sum(map(len, docs)) > MAX_LINES:
        return _bounded(docs, model, favor, lang)
    out: list[Verdict | None] = []
    todo, langs, stops, low, split, unwrapped = [], [], [], [], [], []
    for k, lines in enumerate(docs):
        lines, size = unwrap(lines)
        n = len(lines)
        if n < MIN_LINES:
            n = len(docs[k])
            out.append(Verdict(np.ones(n), np.ones(n, dtype=bool), [None] * n, lang, judged=False))
            continue
        low_text = "\n".join(lines).lower()
        low_words = low_text.split()
        doc_lang = languages.detect(low_words) if lang is None else lang
        todo.append(len(out))
        unwrapped.append((lines, size))
        out.append(None)
        langs.append(doc_lang)
        stops.append(languages.stopwords(doc_lang) if doc_lang else frozenset())
        low.append(low_text)
        split.append(low_words)
    if not todo:
        return out
    batch = [lines for lines, _ in unwrapped]
    bounds = features.bounds_of([len(lines) for lines in batch])
    x = features.batch_features(batch, stops, low, split)
    p = model.scores(x, bounds)
    t = float(model.thresholds[favor])
    words = np.expm1(x[:, 0]).astype(np.float64)
    for i, doc_lang, (_, size), s, e in zip(todo, langs, unwrapped, bounds[:-1].tolist(), bounds[1:].tolist()):
        v = _verdict(p[s:e], words[s:e], t, model, doc_lang)
        if size is not None:  # a joined line's verdict is its lines' verdict
            v = Verdict(np.repeat(v.p, size), np.repeat(v.keep, size),
                        [w for w, k in zip(v.why, size.tolist()) for _ in range(k)], v.lang)
        out[i] = v
    return out


def _bounded(docs: list[list[str]], model: Model, favor: str, lang: str | None) -> list[Verdict]:
    """``classify_batch`` in calls of at most ``MAX_LINES`` lines."""
    out: list[Verdict] = []
    group: list[list[str]] = []
    size = 0
    for lines in docs:
        if group and size + len(lines) > MAX_LINES:
            out += classify_batch(group, model, favor, lang)
            group, size = [], 0
        if len(lines) <= MAX_LINES:
            group.append(lines)
            size += len(lines)
            continue
        parts = [classify_batch([lines[i:i + MAX_LINES]], model, favor, lang)[0]
                 for i in range(0, len(lines), MAX_LINES)]
        out.append(Verdict(np.concatenate([v.p for v in parts]), np.concatenate([v.keep for v in parts]),
                           [w for v in parts for w in v.why], parts[0].lang, any(v.judged for v in parts)))
    if group:
        out += classify_batch(group, model, favor, lang)
    return out


def _verdict(p: np.ndarray, words: np.ndarray, t: float, model: Model, lang: str | None) -> Verdict:
    off = model.offset(lang)
    t += off
    if len(p) and float(p.max()) < UNSURE:
        keep = p >= _relative(p, t, UNSURE_SHARE)
        why = [None if k else "classifier" for k in keep.tolist()]
    else:
        keep, why = decide(p, words, t, model.region, float(model.thresholds["balanced"]) + off, off)
    if words[keep].sum() < MIN_KEEP * words.sum():
        keep, why = _fallback(p, words, float(model.thresholds["recall"]) + off)
    return Verdict(p, keep, why, lang)


def _relative(p: np.ndarray, t: float, share: float = FALLBACK_SHARE) -> float:
    """``t``, or less on a page whose best line scores low: ``share`` of it."""
    return min(t, share * float(p.max()))


def _fallback(p: np.ndarray, words: np.ndarray, low: float) -> tuple[np.ndarray, list]:
    """When the classifier would leave almost nothing of a page, keep the
    lines above the recall threshold; if that is still almost nothing,
    keep the page's most likely run of lines, judged relative to its best
    line rather than to the usual threshold.

    Such pages are of two kinds: a short article drowned in a comment
    thread or link lists (dragnet: 6% of pages), whose best run is the
    article; and a list, forum or layout the model has not seen, whose
    lines all score alike, so the run covers most of the page. Keeping the
    whole page, as before, cost the first kind its precision: 0.21 on the
    85 dragnet pages that fell back; keeping the run took dragnet's F1 from
    0.872 to 0.882. trafilatura falls back in the same spirit when its
    extraction comes out too short.
    """
    keep = p >= low
    if words[keep].sum() < MIN_KEEP * words.sum():
        lo, hi = _best_span(words * (p - _relative(p, low)))
        keep = np.zeros(len(p), dtype=bool)
        if hi >= lo:
            keep[lo:hi + 1] = True
        else:  # no line has any words: nothing to prefer
            keep[:] = True
    return keep, [None if k else "classifier" for k in keep.tolist()]


def decide(p: np.ndarray, words: np.ndarray, threshold: float,
           settings: dict, base: float | None = None, offset: float = 0.0) -> tuple[np.ndarray, list]:
    """Keep or drop each line from its score: the threshold, then the
    article region (see ``region``), then jusText's context rule: a line
    the threshold dropped but whose neighbours on both sides are kept stays
    (a subheading, a one-line quote, a dateline between paragraphs), unless
    its own score is hopeless (below ``settings["sandwich"]``); so does a
    run of up to ``settings["sandwich_gap"]`` such lines (default 1).

    ``base`` is the threshold the settings were chosen at (the balanced
    one; default ``threshold``). A ``--favor`` threshold moves the lower
    thresholds of the settings (``inner``, ``unfocused``) by as much, and
    the article's span is looked for at ``base``: where the article is
    does not depend on how strict the user is. Found at the precision
    threshold instead, the span was narrower, more pages had none and were
    judged at the (lower) unfocused threshold, and favouring precision
    lowered it on held-out dragnet pages (0.885 to 0.881).

    ``offset`` is the page language's (``Model.offset``), already in
    ``threshold`` and ``base``; the lower thresholds move by it too."""
    n = len(p)
    base = threshold if base is None else base
    shift = threshold - base + offset
    enabled = settings.get("enabled", True)
    # The span is also looked for when the region pass is off, to tell the
    # pages with no single article, which "unfocused" protects.
    span = region(p, words, base, settings) if enabled or "unfocused" in settings else None
    if span is None and "unfocused" in settings:
        # No single article: a list, a forum, a link page. Deleting too
        # much is the risk there (CleanEval's gold keeps most of such
        # pages), so the lower threshold applies.
        threshold = min(threshold, float(settings["unfocused"]) + shift)
    keep = p >= threshold
    why: list = [None if k else "classifier" for k in keep.tolist()]
    if span is not None and enabled:
        lo, hi = span
        inner = float(settings["inner"]) + shift if "inner" in settings else threshold
        rescue = float(settings.get("rescue", 0.95))
        pl = p.tolist()
        prose = (words >= SPAN_PROSE_WORDS) & (p >= SPAN_PROSE_P + shift) if offset < 0 else np.zeros(n, bool)
        likely = ((p >= inner) | prose).tolist()
        # The span grows over adjacent lines that are likely enough: the
        # article's last paragraph or a standfirst just outside the densest
        # run still belongs to it.
        while lo > 0 and pl[lo - 1] >= inner:
            lo -= 1
        while hi < n - 1 and likely[hi + 1]:
            hi += 1
        for i in range(n):
            if lo <= i <= hi:
                if not keep[i] and likely[i]:
                    keep[i], why[i] = True, None
            elif keep[i] and pl[i] < rescue:
                keep[i], why[i] = False, "classifier:region"
    floor = settings.get("sandwich")
    if floor is not None and n >= 3:
        _sandwich(p, keep, why, float(floor), int(settings.get("sandwich_gap", 1)))
    return keep, why


def _sandwich(p: np.ndarray, keep: np.ndarray, why: list, floor: float, gap: int) -> None:
    """jusText's context rule, in place: a run of at most ``gap`` lines the
    threshold dropped, with kept lines on both sides, stays when none of
    its scores is below ``floor`` (a subheading and a dateline under it,
    a caption of two lines between paragraphs). Lines the region pass
    dropped are not rescued."""
    edges = np.flatnonzero(np.diff(np.concatenate(([1], keep.astype(np.int8), [1]))))
    # ``edges`` pairs: each run of dropped lines is [start, end).
    for lo, hi in zip(edges[::2].tolist(), edges[1::2].tolist()):
        if lo == 0 or hi == len(p) or hi - lo > gap:
            continue
        if all(why[i] == "classifier" for i in range(lo, hi)) and float(p[lo:hi].min()) >= floor:
            keep[lo:hi] = True
            for i in range(lo, hi):
                why[i] = None
