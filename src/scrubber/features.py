"""What the classifier sees of each line: shape, words, context, place.

All of a document's lines are measured at once. Character classes are
counted on the document as one numpy array of code points (a few passes in
C over the whole text, not a Python loop per character); words cost one
``str.split`` and one set lookup each. Context (a line's neighbours, its
place in the page) is then numpy arithmetic on the per-line columns. This
keeps the classifier far above the pipeline's 3 MB/s budget; a
straightforward per-line feature extractor in Python runs at about 0.3.

What carries the signal, after jusText (stop-word density, length, link
density, the "short lines between good ones are good" context rule), C4 and
Gopher (terminal punctuation, lines of few words) and the issue's own
measurements (words per line averaged over neighbours, terminal punctuation
of neighbours, menu separators nearby, position and share of page words
before the line).
"""

from __future__ import annotations

from collections import Counter

import numpy as np

from .repair import spaced_evenly
from .scripts import CJK_CHARS_PER_WORD, CJK_RANGES, SEA_CHARS_PER_WORD, SEA_RANGES

#: Characters that separate menu items and breadcrumbs.
SEPARATORS = "|\u00bb\u2022\u203a\u00b7>/\u2013\u2014"
#: Line endings of sentences, in any of the languages with Latin, Cyrillic
#: or Greek script, plus the CJK full stop and its kin.
_ENDS_SENTENCE = ".!?\u3002\uff01\uff1f\u061f\u0964"
_CLOSERS = "\"'\u201d\u2019\u00bb)"
#: Half-widths of the neighbour windows, in lines.
WINDOWS = (1, 3, 8, 25)

# Every code point of the Basic Multilingual Plane gets one character class,
# so that a single table lookup and a single bincount count all classes of
# all lines (code points above it count as letters). _CJK and _SEA are the
# scripts written without spaces between words (``scripts``).
_SPACE, _UPPER, _LETTER, _DIGIT, _PUNCT, _SEP, _COMMA, _NL, _CJK, _SEA = range(10)
_K = 10


def _classes() -> np.ndarray:
    t = np.full(0x10000, _LETTER, dtype=np.uint8)
    for lo, hi in ((33, 47), (58, 64), (91, 96), (123, 126), (0x2010, 0x205E), (0x3000, 0x303F)):
        t[lo:hi + 1] = _PUNCT
    for lo, hi in ((65, 90), (0xC0, 0xDE), (0x391, 0x3A9), (0x410, 0x42F)):
        t[lo:hi + 1] = _UPPER
    t[48:58] = _DIGIT
    t[[ord(c) for c in SEPARATORS]] = _SEP
    t[[ord(c) for c in ",;\u3001\uff0c\u060c"]] = _COMMA
    # Exactly str.split's whitespace, so that word counts from this table
    # agree with the words split off for stop-word lookups.
    t[[c for c in range(0x10000) if chr(c).isspace()]] = _SPACE
    t[10] = _NL
    for lo, hi in CJK_RANGES:
        t[lo:hi + 1] = _CJK
    for lo, hi in SEA_RANGES:
        t[lo:hi + 1] = _SEA
    t[0xD7] = _PUNCT  # the multiplication sign sits among the capitals
    return t


def _table(chars: str) -> np.ndarray:
    t = np.zeros(0x10000, dtype=bool)
    t[[ord(c) for c in chars]] = True
    return t


_CLASS = _classes()
_END_T = _table(_ENDS_SENTENCE)
_CLOSE_T = _table(_CLOSERS)
_COLON_T = _table(":\uff1a")
_COMMA_T = _table(",;\u3001\uff0c\u060c")
_OPEN_T = _table("\"'\u201c\u2018\u00ab\u201e(")
_UPPER_T = _CLASS == _UPPER
_SPACE_T = (_CLASS == _SPACE) | (_CLASS == _NL)
#: Twice the class: the class part of ``batch_features``'s per-character code.
_CLASS2 = _CLASS * np.uint8(2)
_DIGIT_T = _CLASS == _DIGIT

#: Column names of the base (per-line) features, in order.
BASE = (
    "log_words", "log_chars", "ends_sentence", "ends_colon", "ends_other",
    "starts_upper", "starts_digit", "starts_quote", "cap_words", "upper_chars",
    "digit_chars", "punct_chars", "comma_rate", "sep_chars", "sep_any",
    "stop_rel", "stop_any", "mean_word_len", "title_case", "all_caps",
)
#: Columns averaged over neighbour windows.
CONTEXT = ("log_words", "ends_sentence", "sep_any", "stop_rel", "cap_words",
           "digit_chars", "comma_rate")
#: Document-level columns, the same on every line of a page.
# Stop-word density is used relative to the page's mean only: lists differ
# in length from language to language (English 1,300 words, Greek 80), so
# absolute densities would not carry over from the English training pages.
DOC = ("doc_log_words", "doc_log_lines", "doc_long_share", "doc_has_list",
       "doc_max_log_words")
PLACE = ("position", "words_before", "words_after", "rel_words", "rel_max",
         "prev_log_words", "next_log_words", "prev_ends", "next_ends",
         "run_short_before", "run_short_after", "repeats")


def names() -> list[str]:
    """Column names of the matrix ``line_features`` returns."""
    ctx = [f"{c}@{w}" for w in WINDOWS for c in CONTEXT]
    return list(BASE) + ctx + list(DOC) + list(PLACE)


def bounds_of(lengths) -> np.ndarray:
    """Row offsets of consecutive segments (documents) of ``lengths`` rows:
    segment ``d`` is rows ``bounds[d]:bounds[d + 1]``."""
    return np.concatenate(([0], np.cumsum(lengths, dtype=np.int64)))


def window_means(cols: np.ndarray, windows: tuple[int, ...] = WINDOWS,
                 bounds: np.ndarray | None = None) -> list[np.ndarray]:
    """For each half-width ``w``, the mean of each column over lines
    i-w..i+w (clipped at the page edges). One padded prefix sum serves
    every window: the per-document numpy calls, not the arithmetic, are
    the cost here.

    With ``bounds`` (see ``bounds_of``) the rows are several documents and
    each is clipped at its own edges. Each document's prefix sum is its
    own ``cumsum`` over its own zero-padded block, so its means are the
    same floats as for that document alone (one prefix sum over the whole
    batch would round differently)."""
    n, k = cols.shape
    if bounds is None:
        bounds = np.array([0, n])
    pad = max(windows)
    spans = list(zip(bounds[:-1].tolist(), bounds[1:].tolist()))
    # Each document's block: pad + 1 zero rows, its rows, pad zero rows.
    padded = np.zeros((n + len(spans) * (2 * pad + 1), k + 1))
    c = np.empty_like(padded)
    first = []  # where each document's first row is in ``padded``
    at = 0
    for lo, hi in spans:
        r = at + pad + 1
        padded[r:r + hi - lo, :k] = cols[lo:hi]
        padded[r:r + hi - lo, k] = 1.0
        end = r + hi - lo + pad
        np.cumsum(padded[at:end], axis=0, out=c[at:end])
        first.append(r)
        at = end
    if len(spans) == 1:  # one document: its rows are a slice, cheaper than a gather
        r = first[0]
        take = lambda shift: c[r + shift:r + shift + n]  # noqa: E731
    else:
        rows = np.arange(n) + np.repeat(np.array(first) - bounds[:-1], np.diff(bounds))
        take = lambda shift: c[rows + shift]  # noqa: E731
    out = []
    for w in windows:
        sums = take(w) - take(-w - 1)
        out.append(sums[:, :k] / sums[:, k:])
    return out


def _run_length(flags: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """For each line, how many lines in a row up to and including it are
    flagged, counting from its document's start (``starts``: the first row
    of each document)."""
    idx = np.arange(len(flags))
    last_unflagged = np.where(flags, -1, idx)
    # A run never reaches back into the previous document.
    last_unflagged[starts] = np.maximum(last_unflagged[starts], starts - 1)
    return idx - np.maximum.accumulate(last_unflagged)


def line_features(lines: list[str], stop: frozenset[str],
                  low_text: str | None = None) -> np.ndarray:
    """A (lines x features) float32 matrix for the non-empty ``lines`` of one
    document, columns as ``names()``. ``stop`` is the document language's
    stop-word set (empty when the language has none: stop columns are 0).
    ``low_text`` is ``"\\n".join(lines).lower()`` when the caller has it
    already (language detection needs its words too)."""
    return batch_features([lines], [stop], None if low_text is None else [low_text])


#: Characters per block of ``_char_counts`` (its arrays take 14 bytes a character).
CHAR_BLOCK = 1 << 20


def _char_counts(a16: np.ndarray, reps: np.ndarray, n: int) -> np.ndarray:
    """Characters of each class in each of ``n`` lines, counted apart for
    those that start a word: an (n, _K, 2) table. ``a16`` holds the lines'
    characters (capped at U+FFFF), each line after the newline before it,
    and ``reps`` how many belong to each line.

    Each character's (line, class, starts a word) is one code for one
    bincount. A line's code base is repeated over its characters and the
    newline before it (which is counted as class _NL and left out), and the
    class part comes from one table lookup. (A cumsum of the newlines and
    int64 arithmetic per character cost a quarter of ``batch_features``:
    0.87-0.90 s -> 0.63-0.68 s over the throughput corpus's pages.)
    """
    code = np.repeat(np.arange(0, n * 2 * _K, 2 * _K), reps)
    # A word starts where a non-space follows a space or the line start.
    space = _SPACE_T[a16]
    word_start = ~space
    word_start[1:] &= space[:-1]
    part = _CLASS2[a16]
    part += word_start
    code += part
    return np.bincount(code, minlength=n * 2 * _K)[: n * 2 * _K].reshape(n, _K, 2)


def batch_features(docs: list[list[str]], stops: list[frozenset[str]],
                   low_texts: list[str] | None = None,
                   low_words: list[list[str]] | None = None) -> np.ndarray:
    """``line_features`` of several documents at once, their rows stacked
    in order (``bounds_of`` their lengths says where each one's are).

    Every number is the one ``line_features`` gives that document alone:
    per-line columns do not depend on the other lines; per-document ones
    (sums, means, maxima, prefix sums, neighbours) are taken per document,
    in the same order of operations (see ``window_means``). One batch of
    64 documents costs about as many numpy calls as one document did, and
    the median document of the throughput corpus has 27 lines, so the calls,
    not the arithmetic, were the cost. ``low_texts`` (and ``low_words``,
    those split) are as ``line_features``'s ``low_text``, one a document.
    """
    lengths = np.array([len(d) for d in docs], dtype=np.int64)
    bounds = bounds_of(lengths)
    n = int(bounds[-1])
    firsts, lasts = bounds[:-1], bounds[1:] - 1
    doc = np.repeat(np.arange(len(docs)), lengths)
    all_lines = [line for lines in docs for line in lines]
    text = "\n".join(all_lines)
    a = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    breaks = np.flatnonzero(a == 10)
    starts = np.concatenate(([0], breaks + 1))
    ends = np.concatenate((breaks, [len(a)])) - 1
    a16 = a.astype(np.uint16)
    a16[a > 0xFFFF] = 0xFFFF
    del a, text
    reps = np.fromiter(map(len, all_lines), dtype=np.int64, count=n) + 1
    reps[0] -= 1
    table = np.empty((n, _K, 2), dtype=np.int64)
    # Blocks of whole lines of about CHAR_BLOCK characters, so that the
    # per-character arrays of a 50 MB document stay small.
    cuts = np.unique(np.concatenate(([0], np.searchsorted(starts, np.arange(CHAR_BLOCK, len(a16), CHAR_BLOCK)), [n])))
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):
        c0 = starts[lo] - 1 if lo else 0  # a line's characters start with the newline before it
        c1 = starts[hi] - 1 if hi < n else len(a16)
        table[lo:hi] = _char_counts(a16[c0:c1], reps[lo:hi], hi - lo)
    by_class = table.sum(axis=2).astype(np.float64)
    chars = np.maximum(by_class.sum(axis=1) - by_class[:, _NL], 1)
    n_upper = by_class[:, _UPPER]
    n_digit = by_class[:, _DIGIT]
    n_sep = by_class[:, _SEP]
    n_comma = by_class[:, _COMMA]
    n_punct = by_class[:, _PUNCT] + n_sep + n_comma
    n_cap = table[:, _UPPER, 1].astype(np.float64)
    n_letters = by_class[:, _LETTER] + by_class[:, _CJK] + by_class[:, _SEA] + n_upper

    if low_texts is None:
        low_texts = ["\n".join(lines).lower() for lines in docs]
    if low_words is None:
        low_words = [t.split() for t in low_texts]
    tokens = table[:, :, 1].sum(axis=1)  # what str.split gives, line by line
    hit = np.concatenate([np.fromiter(map(stop.__contains__, w), dtype=bool, count=len(w))
                          if stop else np.zeros(len(w), dtype=bool)
                          for stop, w in zip(stops, low_words)])
    stops_n = np.bincount(np.repeat(np.arange(n), tokens), weights=hit, minlength=n)[:n]
    counts = (tokens + table[:, _CJK, :].sum(axis=1) // CJK_CHARS_PER_WORD
              + table[:, _SEA, :].sum(axis=1) // SEA_CHARS_PER_WORD)
    words = np.maximum(counts, 1).astype(np.float64)

    last = a16[np.maximum(ends, 0)]
    # A closing quote or bracket after the full stop still ends a sentence.
    before_last = a16[np.maximum(ends - 1, 0)]
    ends_sentence = _END_T[last] | (_CLOSE_T[last] & _END_T[before_last])
    first = a16[np.minimum(starts, len(a16) - 1)]

    log_words = np.log1p(counts)
    stop_rate = stops_n / words
    # Word and stop-word counts are whole numbers: their sums are exact in
    # any order, so reduceat gives each document's own totals.
    total_words = np.maximum(np.add.reduceat(counts, firsts), 1)
    doc_stop = np.add.reduceat(stops_n, firsts) / total_words
    line_stop = doc_stop[doc]
    f = {
        "log_words": log_words,
        "log_chars": np.log1p(chars),
        "ends_sentence": ends_sentence.astype(np.float64),
        "ends_colon": _COLON_T[last].astype(np.float64),
        "ends_other": (~ends_sentence & ~_COLON_T[last] & ~_COMMA_T[last]).astype(np.float64),
        "starts_upper": _UPPER_T[first].astype(np.float64),
        "starts_digit": _DIGIT_T[first].astype(np.float64),
        "starts_quote": _OPEN_T[first].astype(np.float64),
        "cap_words": n_cap / words,
        "upper_chars": n_upper / chars,
        "digit_chars": n_digit / chars,
        "punct_chars": n_punct / chars,
        "comma_rate": n_comma / words,
        "sep_chars": n_sep / chars,
        "sep_any": (n_sep > 0).astype(np.float64),
        "stop_rel": np.where(line_stop > 0, stop_rate / np.where(line_stop > 0, line_stop, 1.0), 0.0),
        "stop_any": (stops_n > 0).astype(np.float64),
        "mean_word_len": np.log1p(np.maximum(n_letters, 0) / words),
        "title_case": ((n_cap >= counts) & (counts > 0)).astype(np.float64),
        "all_caps": ((n_upper >= 0.8 * np.maximum(n_letters, 1)) & (n_letters > 2)).astype(np.float64),
    }
    cols = [f[c] for c in BASE]
    ctx = np.column_stack([f[c] for c in CONTEXT])
    cols += [m for means in window_means(ctx, bounds=bounds) for m in means.T]

    long_words = np.add.reduceat(np.where(counts >= 10, counts, 0), firsts)
    max_log_words = np.maximum.reduceat(log_words, firsts)
    doc_cols = {
        "doc_log_words": np.log1p(total_words),
        "doc_log_lines": np.log1p(lengths),
        "doc_long_share": long_words / total_words,
        "doc_has_list": np.array([float(bool(s)) for s in stops]),
        "doc_max_log_words": max_log_words,
    }
    cols += [np.repeat(doc_cols[c].astype(np.float64), lengths) for c in DOC]

    cum = np.cumsum(counts)
    before = cum - counts - (cum[firsts] - counts[firsts])[doc]
    idx = np.arange(n) - firsts[doc]
    # A float sum is not exact: each document's mean is its own pairwise sum.
    mean_log_words = np.array([log_words[lo:hi].mean()
                               for lo, hi in zip(firsts.tolist(), (lasts + 1).tolist())])
    short = counts < 8
    run_before = _run_length(short, firsts)
    run_after = _run_length(short[::-1], n - 1 - lasts)[::-1]
    tw = total_words[doc]
    place = {
        "position": idx / np.maximum(lengths - 1, 1)[doc],
        "words_before": before / tw,
        "words_after": (tw - before - counts) / tw,
        "rel_words": log_words - mean_log_words[doc],
        "rel_max": log_words - max_log_words[doc],
        "prev_log_words": _shift(log_words, 1, firsts, 0.0),
        "next_log_words": _shift(log_words, -1, lasts, 0.0),
        "prev_ends": _shift(f["ends_sentence"], 1, firsts, 1.0),
        "next_ends": _shift(f["ends_sentence"], -1, lasts, 1.0),
        "run_short_before": np.log1p(run_before),
        "run_short_after": np.log1p(run_after),
        "repeats": np.log1p(_repeats(docs, low_texts, low_words, tokens)),
    }
    cols += [place[c] for c in PLACE]
    out = np.empty((n, len(cols)), dtype=np.float32)
    for j, col in enumerate(cols):
        out[:, j] = col
    return out


def _repeats(docs: list[list[str]], low_texts: list[str], low_words: list[list[str]],
             tokens: np.ndarray) -> np.ndarray:
    """How many other lines of its document each line repeats (the same
    text up to case and spacing): a menu at the top and the bottom of a
    page, "Reply" under every comment, a teaser list's "Read more".
    Prose does not repeat, in any language.

    ``low_texts`` are the documents' lines joined and lowered, and
    ``low_words`` those split. A document whose lines hold no whitespace
    but single inner spaces (as repair leaves them) is keyed by its lowered
    lines, one split of its low text. Any other is keyed by each line's
    slice of ``low_words`` (``tokens`` of them a line), joined: the same
    keys at a Python call a line, twice the time."""
    out: list[int] = []
    ends = np.cumsum(tokens).tolist()
    row = 0
    for lines, text, words in zip(docs, low_texts, low_words):
        keys = text.split("\n") if lines and spaced_evenly(text) else None
        if keys is None or len(keys) != len(lines):  # odd spacing, or a line holding a newline
            first = ends[row - 1] if row else 0
            bounds = [first] + ends[row:row + len(lines)]
            keys = [" ".join(words[s - first:e - first]) for s, e in zip(bounds, bounds[1:])]
        row += len(lines)
        counts = Counter(keys)
        out.extend(map(counts.__getitem__, keys))
    return np.fromiter(out, dtype=np.float64, count=len(out)) - 1


def _shift(x: np.ndarray, by: int, edge: np.ndarray, fill: float) -> np.ndarray:
    """``x`` moved ``by`` rows (1: each line sees the previous line's value,
    -1: the next's), with ``fill`` on the rows at the documents' ``edge``
    (their first rows for 1, last for -1), which have no such neighbour.
    (Two slices, not np.roll: that was 3% of classifying one page.)"""
    out = np.empty_like(x)
    if by == 1:
        out[1:] = x[:-1]
    else:
        out[:-1] = x[1:]
    out[edge] = fill
    return out
