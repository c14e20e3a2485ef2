"""Numbered steps and ingredient lists: a how-to's or a recipe's body the
classifier misreads.

"Step 1", "Step 2", ... each over a short instruction, and "125 g Mehl",
"2 tbsp olive oil", ... read, line by line, like a widget's labels; the
classifier drops them with confidence (p 0.01-0.3 on a page whose one long
paragraph is its intro). A run of step headings numbered in order, or of
lines opening with a quantity and its unit, is the page's own structure,
not furniture: what the classifier took inside such a run is given back.
Rules' removals (a photo credit inside a step) stand.
"""

from __future__ import annotations

import re

import regex

from .document import Removal

_WORDS = ("step", "schritt", "étape", "etape", "etapa", "paso", "passo", "stap", "krok", "steg", "trin",
          "vaihe", "lépés", "adım", "pasul", "шаг", "крок", "βήμα", "ステップ", "手順", "步骤", "步驟",
          "bước", "langkah", "שלב", "خطوة", "الخطوة", "مرحله", "चरण", "βημα")

#: Step words that follow their number ("1. Schritt", "2. lépés").
_AFTER = ("schritt", "lépés", "adım", "adim", "krok", "stap", "étape", "paso", "passo", "steg", "trin", "vaihe")

#: A step heading, the word before or after its number ("1. Schritt",
#: "2단계"); the number is group ``n``. "Step 1 of 3" (a form's progress) is
#: no heading.
HEADING = regex.compile(
    rf"^(?:(?:{'|'.join(_WORDS)})\s*(?P<n>\d{{1,2}})|第\s*(?P<n>\d{{1,2}})\s*[步歩]|(?P<n>\d{{1,2}})\s*단계"
    rf"|(?P<n>\d{{1,2}})\.\s*(?:{'|'.join(_AFTER)}))"
    r"(?!\s*(?:of|von|de|sur|di|van|z|ze|из|з|av|af|από|dari|trên|מתוך|/)\s*\d)(?:\s*[:.)\-–—]|\s|$)",
    regex.IGNORECASE | regex.V1)

#: What a line must open with, by its first character, to be matched
#: against HEADING (or QUANTITY: ``()``): HEADING tried on every line cost
#: 4% of the cleaning time on the dragnet pages, these look-ups under 1%.
_OPENINGS: dict[str, tuple[str, ...]] = {}
for _w in sorted({w for word in _WORDS for w in (word, word.title(), word.upper())} | {"第"}):
    _OPENINGS[_w[0]] = (*_OPENINGS.get(_w[0], ()), _w)
for _d in "0123456789½¼¾⅓⅔⅛":
    _OPENINGS[_d] = ()  # a quantity, "1단계" or "1. Schritt": looked for below

#: An ingredient line: a quantity (a number, a fraction, a range) and a
#: unit or a counted thing, then at most 80 characters: "125 g Mehl",
#: "1 ½ cups flour", "2-3 EL Öl", "3 ząbki czosnku". The units are case
#: sensitive: "3G wireless", "30 Small Bedrooms" are no ingredients.
QUANTITY = re.compile(  # re, not regex: twice as fast on these lines
    r"^(?:\d+(?:[.,/]\d+)?|[½¼¾⅓⅔⅛]|\d+\s*[½¼¾⅓⅔⅛])\s*(?:[-–]\s*\d+(?:[.,]\d+)?\s*)?"
    r"(?:g|kg|mg|ml|l|dl|cl|EL|TL|el|tl|[Cc]ups?|c\.|[Tt]bsps?\.?|[Tt]sps?\.?|[Tt]ablespoons?|[Tt]easpoons?"
    r"|oz|lbs?|pounds?|ounces?|[Gg]ramm?|[Pp]risen?|[Ss]tück|[Pp]ck\.?|[Pp]äckchen|[Pp]ackung(?:en)?|[Dd]osen?"
    r"|[Bb]und|[Zz]ehen?|[Bb]echer|cuillères?|c\. à (?:soupe|café)|gousses?|pincée|cucharadas?|cucharaditas?|tazas?"
    r"|dientes?|pizzico|cucchia(?:i|io|ini|ino)|spicchi|colheres?|xícaras?|dentes?|eetlepels?|theelepels?|teentjes?"
    r"|łyżk[ia]|łyżeczk[ia]|szklank[ia]|sztuk[ia]?|ząbk[ia]|pinch|cloves?|large|medium|small|cans?|sticks?"
    r"|eggs?|Eier|Ei|ст\.|ч\.|стакан\w*|шт\.?|зубч\w*)(?:\b|(?<=\.))(?!.{81})")

#: Quantity lines that make an ingredient list, and how many other lines
#: ("Für die Füllung:", "For the sauce") may stand between two of them.
MIN_QUANTITIES = 3
QUANTITY_GAP = 2

#: Steps in a row that make a how-to: two could be a page's "Step 1: sign
#: up, Step 2: pay" banner.
MIN_STEPS = 3
#: Lines (not empty) a step may hold: a "Step 3" farther from "Step 2"
#: starts a run of its own, so that a banner's "Step 1", "Step 2" and a
#: footer's "Step 3" give back no page of furniture between them.
MAX_STEP_LINES = 10


def _numbered_step(line: str) -> bool:
    """Whether ``line`` opens "N. " and then a step word: only such lines of
    a numbered list ("12. item") are tried against HEADING."""
    k = line.find(".", 1, 3)
    return k > 0 and line[k + 1:k + 12].lstrip().lower().startswith(_AFTER)


def _runs(lines: list[str]) -> tuple[list[list[int]], list[tuple[int, int]]]:
    """Runs of at least MIN_STEPS step headings (line indexes) numbered one
    after the other, and the first and last lines of ingredient lists (at
    least MIN_QUANTITIES quantity lines, at most QUANTITY_GAP others
    between two), in page order."""
    runs, run, last = [], [], None
    lists, qty, gap = [], [], 0
    filled, at = 0, 0  # non-empty lines so far; and at the last heading
    openings, match, quantity = _OPENINGS, HEADING.match, QUANTITY.match
    for i, line in enumerate(lines):
        # inline, not a function per line: this loop sees every line of a crawl
        if not line:
            continue
        filled += 1
        start = openings.get(line[0])
        if start is None:
            gap += 1
            continue
        if not start and len(line) <= 100 and quantity(line):
            if gap > QUANTITY_GAP:
                if len(qty) >= MIN_QUANTITIES:
                    lists.append((qty[0], qty[-1]))
                qty = []
            qty.append(i)
            gap = 0
            continue
        gap += 1
        if not (line.startswith(start) if start else ("단계" in line[:6] or _numbered_step(line))):
            continue
        m = match(line) if len(line) <= 300 else None
        if m is None:
            continue
        n = int(m.group("n"))
        if last is not None and n == last + 1 and filled - at <= MAX_STEP_LINES:
            run.append(i)
        else:
            if len(run) >= MIN_STEPS:
                runs.append(run)
            run = [i]
        last, at = n, filled
    if len(run) >= MIN_STEPS:
        runs.append(run)
    if len(qty) >= MIN_QUANTITIES:
        lists.append((qty[0], qty[-1]))
    return runs, lists


def give_back(lines: list[str], alive: list[bool], removals: list[Removal]) -> dict[int, str]:
    """Keep the lines the classifier removed inside a run of numbered steps
    (from its first heading to its last step's end: as many non-empty lines
    after the last heading as the steps before it hold, their lower median)
    and inside an ingredient list (with a label ending in ":" right above).
    Returns the lines given back (1-based) and why, for ``explain``."""
    if not any(r.reason.startswith("classifier") for r in removals):
        return {}  # nothing of the classifier's to give back (--no-classifier, short pages)
    runs, lists = _runs(lines)
    if not runs and not lists:
        return {}
    keep: dict[int, str] = {}
    for run in runs:
        filled = [sum(1 for j in range(a, b) if lines[j]) for a, b in zip(run, run[1:])]
        end, left = run[-1], sorted(filled)[(len(filled) - 1) // 2]
        while end < len(lines) and left:
            if lines[end]:
                left -= 1
            end += 1
        keep.update(dict.fromkeys(range(run[0], end), "numbered steps"))
    for first, last in lists:
        above = first - 1
        while above >= 0 and not lines[above]:
            above -= 1
        if above >= 0 and lines[above].rstrip().endswith(":") and len(lines[above].split()) <= 6:
            first = above
        keep.update(dict.fromkeys(range(first, last + 1), "ingredient list"))
    out, given = [], {}
    for r in removals:
        if r.span is None and r.line - 1 in keep and r.reason.startswith("classifier"):
            alive[r.line - 1] = True
            given[r.line] = keep[r.line - 1]
        else:
            out.append(r)
    removals[:] = out
    return given
