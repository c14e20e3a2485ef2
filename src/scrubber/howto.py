"""Numbered steps: a how-to's or a recipe's body the classifier misreads.

"Step 1", "Step 2", ... each over a short instruction reads, line by line,
like a widget's labels and captions; the classifier drops them with
confidence (p 0.01-0.1 on a page whose one long paragraph is its intro).
A run of step headings numbered in order is the page's own structure, not
furniture: what the classifier took between its first heading and the end
of its last step is given back. Rules' removals (a photo credit inside a
step) stand.
"""

from __future__ import annotations

import regex

from .document import Removal

_WORDS = ("step", "schritt", "étape", "etape", "etapa", "paso", "passo", "stap", "krok", "steg", "trin",
          "vaihe", "lépés", "adım", "pasul", "шаг", "крок", "βήμα", "ステップ", "手順", "步骤", "步驟",
          "bước", "langkah", "שלב", "خطوة", "مرحله", "चरण")

#: A step heading, the word before or after its number; the number is
#: group ``n``. "Step 1 of 3" (a form's progress) is no heading.
HEADING = regex.compile(
    rf"^(?:(?:{'|'.join(_WORDS)})\s*(?P<n>\d{{1,2}})|第\s*(?P<n>\d{{1,2}})\s*[步歩]|(?P<n>\d{{1,2}})\s*단계)"
    r"(?!\s*(?:of|von|de|sur|di|van|z|из|/)\s*\d)(?:\s*[:.)\-–—]|\s|$)",
    regex.IGNORECASE | regex.V1)

#: What a line must open with, by its first character, to be matched
#: against HEADING: the expression tried on every line cost 4% of the
#: cleaning time on the dragnet pages, these look-ups under 1%.
_OPENINGS: dict[str, tuple[str, ...]] = {}
for _w in sorted({w for word in _WORDS for w in (word, word.title(), word.upper())} | {"第"}):
    _OPENINGS[_w[0]] = (*_OPENINGS.get(_w[0], ()), _w)
for _d in "0123456789":
    _OPENINGS[_d] = ()  # "1단계": looked for below

#: Steps in a row that make a how-to: two could be a page's "Step 1: sign
#: up, Step 2: pay" banner.
MIN_STEPS = 3


def _runs(lines: list[str]) -> list[list[int]]:
    """Runs of at least MIN_STEPS step headings (line indexes) numbered one
    after the other, in page order."""
    runs, run, last = [], [], None
    openings, match = _OPENINGS, HEADING.match
    for i, line in enumerate(lines):
        # inline, not a function per line: this loop sees every line of a crawl
        if not line or (start := openings.get(line[0])) is None:
            continue
        if not (line.startswith(start) if start else "단계" in line[:6]):
            continue
        m = match(line) if len(line) <= 300 else None
        if m is None:
            continue
        n = int(m.group("n"))
        if last is not None and n == last + 1:
            run.append(i)
        else:
            if len(run) >= MIN_STEPS:
                runs.append(run)
            run = [i]
        last = n
    if len(run) >= MIN_STEPS:
        runs.append(run)
    return runs


def give_back(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """Keep the lines the classifier removed inside a run of numbered steps:
    from its first heading to its last step's end, as many non-empty lines
    after the last heading as the steps before it hold (their lower median)."""
    runs = _runs(lines)
    if not runs:
        return
    keep: set[int] = set()
    for run in runs:
        filled = [sum(1 for j in range(a, b) if lines[j]) for a, b in zip(run, run[1:])]
        end, left = run[-1], sorted(filled)[(len(filled) - 1) // 2]
        while end < len(lines) and left:
            if lines[end]:
                left -= 1
            end += 1
        keep.update(range(run[0], end))
    if not keep:
        return
    out = []
    for r in removals:
        if r.span is None and r.line - 1 in keep and r.reason.startswith("classifier"):
            alive[r.line - 1] = True
        else:
            out.append(r)
    removals[:] = out
