"""Scripts written without spaces between words, and how many words a line
in them holds.

Han ideographs (with extension A and the compatibility block) and the
Japanese kana, and Thai, Lao, Khmer and Myanmar, which space phrases, not
words. A paragraph in them is a few whitespace "words" however long it is:
the classifier, trained on spaced scripts, read such paragraphs as menu
items, and the heuristics never saw an article begin. A line counts one
word per ``CJK_CHARS_PER_WORD`` or ``SEA_CHARS_PER_WORD`` of these
characters as well (a Chinese word averages about 1.5-2 characters, a Thai
one, marks included, about 4). Hangul is spaced.
"""

from __future__ import annotations

import re

CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))
SEA_RANGES = ((0x0E00, 0x0EFF), (0x1000, 0x109F), (0x1780, 0x17FF))
CJK_CHARS_PER_WORD = 2
SEA_CHARS_PER_WORD = 4
#: ``words`` counts the unspaced words of a line's first this many
#: characters: the heuristics compare counts with 20 at most, and a line of
#: 10 MB of Chinese would otherwise cost seconds.
UNSPACED_CHARS = 1000


def char_class(ranges: tuple[tuple[int, int], ...]) -> str:
    """A regex character class of ``ranges``."""
    return "[" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in ranges) + "]"


_CJK, _SEA = re.compile(char_class(CJK_RANGES)), re.compile(char_class(SEA_RANGES))


def _unspaced_words(head: str) -> int:
    return len(_CJK.findall(head)) // CJK_CHARS_PER_WORD + len(_SEA.findall(head)) // SEA_CHARS_PER_WORD


def words(line: str) -> int:
    """Whitespace-separated words, plus the words of unspaced scripts (of
    the first ``UNSPACED_CHARS`` characters)."""
    n = line.count(" ") + 1
    if line.isascii():
        return n
    return n + _unspaced_words(line[:UNSPACED_CHARS])


def at_least(text: str, n: int) -> bool:
    """Whether ``text`` holds ``n`` words as ``words`` counts them, reading
    only as much of it as that takes."""
    spaced = len(text.split(None, n))
    if spaced >= n or text.isascii():
        return spaced >= n
    return spaced + _unspaced_words(text[:n * SEA_CHARS_PER_WORD]) >= n


def unspaced(text: str) -> bool:
    """Whether ``text`` holds characters of a script written without spaces."""
    return bool(_CJK.search(text) or _SEA.search(text))
