"""Furniture that no pattern names, recognised by its shape.

Each heuristic looks at the lines that survived the rules and marks more of
them dead, recording why under ``heuristic:<name>``. They work in place on
``lines`` (the document's lines) and ``alive`` (whether each is kept) so
that the cleaner can run them in sequence without copying.
"""

from __future__ import annotations

from typing import Callable

from .document import Removal

Heuristic = Callable[[list[str], list[bool], list[Removal]], None]

#: How far into a document the top-of-page heuristics look, in non-empty lines.
HEAD_LINES = 8
#: A line at least this long reads as article body, not a header.
BODY_WORDS = 12
#: Lines before the headline at most this long are site names and taglines.
FURNITURE_WORDS = 6
#: Longest line the repeated-title heuristic treats as a title.
TITLE_WORDS = 20
_SENTENCE_END = (".", "!", "?", "\u201d", '"')


def _head(lines: list[str], alive: list[bool]) -> list[int]:
    """Indices of the first non-empty kept lines."""
    out = []
    for i, line in enumerate(lines):
        if alive[i] and line:
            out.append(i)
            if len(out) == HEAD_LINES:
                break
    return out


def _words(line: str) -> int:
    return line.count(" ") + 1


def repeated_title(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """A heading printed twice in a row at the top (page title, then article
    title) is kept once: the first copy stays."""
    prev = None
    for i in _head(lines, alive):
        key = lines[i].casefold()
        if key == prev and _words(lines[i]) <= TITLE_WORDS:
            alive[i] = False
            removals.append(Removal("heuristic:repeated-title", i + 1, lines[i]))
        prev = key


def head_furniture(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """Short lines above the headline are the site's name, tagline or nav.

    The header block is the run of short lines before the first body-length
    line; its headline is the longest line in it. Shorter lines before the
    headline that do not end a sentence go; lines after it (bylines,
    datelines, standfirsts) stay, since they belong to the article.
    """
    block = []
    for i in _head(lines, alive):
        if _words(lines[i]) >= BODY_WORDS:
            break
        block.append(i)
    else:
        return  # no body line near the top: not an article layout we know
    if len(block) < 2:
        return
    headline = max(block, key=lambda i: _words(lines[i]))
    h_words = _words(lines[headline])
    if h_words < 3:
        return
    for i in block:
        if i == headline:
            break
        w = _words(lines[i])
        if w < h_words and w <= FURNITURE_WORDS and not lines[i].endswith(_SENTENCE_END):
            alive[i] = False
            removals.append(Removal("heuristic:head-furniture", i + 1, lines[i]))


#: Name -> heuristic, in the order they run. Names are what ``--disable``
#: takes and what the run summary counts (as ``heuristic:<name>``).
HEURISTICS: dict[str, Heuristic] = {
    "repeated-title": repeated_title,
    "head-furniture": head_furniture,
}
