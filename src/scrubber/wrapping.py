"""Hard-wrapped text, read a paragraph at a time.

E-mail, plain-text archives and some CMSs break paragraphs at a fixed
width of about 55-80 characters. The classifier was trained on web pages,
where a line is a paragraph, so such runs of lines are joined into their
paragraphs before it scores them (``unwrap``), and its scores go back to
the lines.
"""

from __future__ import annotations

import numpy as np

#: Hard-wrapped text (e-mail, plain-text archives, some CMSs: paragraphs
#: broken at a fixed width of about 55-80 characters) is classified a
#: paragraph at a time, not a line at a time (see ``wrapped_runs``): the
#: model was trained on web pages, where a line is a paragraph, and read
#: each 60-character fragment of such an article as furniture (four
#: articles of the dedup dev set lost every line). Lines of a run are
#: WRAP_MIN..WRAP_MAX characters long; a run has at least WRAP_RUN lines.
WRAP_MIN, WRAP_MAX, WRAP_RUN = 40, 100, 6


# Wider than heuristics.SENTENCE_END: a wrapped paragraph also ends after
# a closing quote, apostrophe or bracket.
_PARAGRAPH_END = tuple(".!?\"'\u201d\u2019)")


def wrapped_runs(lines: list[str]) -> list[tuple[int, int]]:
    """Runs ``[lo, hi)`` of ``lines`` that read as hard-wrapped prose.

    A block of consecutive lines of WRAP_MIN..WRAP_MAX characters (with
    the short last lines of its paragraphs, and the line after it when that
    starts in lower case) is a run when its lines but the last are as a wrapping
    program leaves them: nearly all within a few characters of the block's
    width (its longest line but the first, which may be a title), most
    with no room left for the next line's first word; and when many lines
    carry a sentence over (start in lower case). Comment threads, link
    lists and headline lists of similar-length lines fail these tests:
    their lengths spread, and each line starts a new item.
    """
    n = len(lines)
    lens = [len(line) for line in lines]
    runs = []
    i = 0
    while i < n:
        if not WRAP_MIN <= lens[i] <= WRAP_MAX:
            i += 1
            continue
        j = i + 1
        # A paragraph's short last line (ending a sentence) inside the
        # block belongs to it too.
        while j < n and (WRAP_MIN <= lens[j] <= WRAP_MAX
                         or (j + 1 < n and WRAP_MIN <= lens[j + 1] <= WRAP_MAX and lens[j - 1] >= WRAP_MIN
                             and lines[j].rstrip()[-1:] in _PARAGRAPH_END)):
            j += 1
        if j < n and lens[j] <= WRAP_MAX and lines[j][:1].islower():
            j += 1
        if j - i >= WRAP_RUN and _wrapped(lines[i:j], lens[i:j]):
            runs.append((i, j))
        i = j
    return runs


def _wrapped(lines: list[str], lens: list[int]) -> bool:
    m = len(lines) - 1  # lines that were broken (all but the last)
    width = max(lens[1:m]) if m > 1 else lens[0]
    firsts = [line.split(None, 1)[0] if line.strip() else "" for line in lines[1:]]
    near = sum(width - 12 <= k <= width for k in lens[:m])
    full = sum(k + 1 + len(w) > width for k, w in zip(lens[:m], firsts))
    carried = sum(w[:1].islower() and w.rstrip(".,;:!?").isalpha() for w in firsts)
    return near >= 0.75 * m and full >= 0.6 * m and carried >= 0.3 * m


def _paragraphs(run: list[str]) -> list[tuple[int, int]]:
    """A wrapped run's paragraphs: a line that ends a sentence and stops
    short of the width (the next line's first word would have fitted) ends
    one. Joined whole, a run of several paragraphs makes one line of
    hundreds of words, longer than any the model was trained on (it scored
    such an article 0.12)."""
    width = max(len(line) for line in run[1:-1])
    out, start = [], 0
    for k in range(len(run) - 1):
        line, nxt = run[k].rstrip(), run[k + 1].split()
        if line[-1:] in _PARAGRAPH_END and nxt and len(line) + 1 + len(nxt[0]) <= width:
            out.append((start, k + 1))
            start = k + 1
    out.append((start, len(run)))
    return out


def unwrap(lines: list[str]) -> tuple[list[str], np.ndarray | None]:
    """``lines`` with each paragraph of their ``wrapped_runs`` joined into
    one line, and how many of the given lines each returned line stands for (None
    when nothing was joined)."""
    runs = wrapped_runs(lines)
    if not runs:
        return lines, None
    out, sizes, at = [], [], 0
    for lo, hi in runs:
        out += lines[at:lo]
        sizes += [1] * (lo - at)
        for a, b in _paragraphs(lines[lo:hi]):
            out.append(" ".join(line.strip() for line in lines[lo + a:lo + b]))
            sizes.append(b - a)
        at = hi
    out += lines[at:]
    sizes += [1] * (len(lines) - at)
    return out, np.array(sizes)
