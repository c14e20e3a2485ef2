"""Text repair: mojibake and Unicode with ftfy, then whitespace and line structure.

ftfy runs with a conservative configuration, as the large corpus pipelines
use it: it fixes mojibake, HTML entities, C1 and other control characters and
line breaks, and normalises to NFC, but leaves typographic quotes, character
width (full-width forms) and Latin ligatures alone, because those are the
author's text, not damage. The controls that are whitespace (vertical tab,
the information separators) become spaces first: ftfy would delete them and
run the words on either side together.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy
from ftfy.badness import BADNESS_RE, MOJIBAKE_CATEGORIES

FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    normalization="NFC",
    explain=False,
)

# ftfy changes a text only when one of these is in it: an HTML entity, a C0
# or C1 control, a line-break character other than \n, a surrogate, one of
# the invisible characters ftfy strips, text that is not NFC, or mojibake.
# Checking for them costs a few fast scans instead of ftfy's per-line fixer
# loop, and most web text has none of them even when it is full of curly
# quotes and accents.
# (Characters and entities are two searches: the entity's "&" is a fast
# substring test first, and the one character class alone scans three times
# faster than the alternation of both.)
_FTFY_CHARS = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f\r\u2028\u2029\ud800-\udfff"
    "\u206a-\u206f\ufeff\ufff9-\ufffc]"
)
_HTML_ENTITY = re.compile("&#?[0-9A-Za-z]{1,24};")  # ftfy.chardata.HTML_ENTITY_RE
_ASCII_CLEAN = re.compile(r"[^\x09\x0a\x20-\x25\x27-\x7e]")
# C0 controls str.split reads as whitespace (Word writes \x0b for a line
# break inside a paragraph) and ftfy deletes; form feed and CR it keeps.
_SPACE_CONTROLS = re.compile("[\x0b\x1c-\x1f]")
# ftfy's encoding fixer does nothing unless ``ftfy.badness.is_bad`` holds,
# but that regex scans at ~4 MB/s. Each of its alternatives contains at least
# one character of these categories (or ° or Ђ), within three characters of
# the start of a match of at most ten, so the regex need only be tried in a
# small window around each such character.
_MOJIBAKE_ANCHOR = re.compile("|".join(
    [f"[{MOJIBAKE_CATEGORIES[c]}]" for c in (
        "c1", "bad", "law", "currency", "start_punctuation", "end_punctuation",
        "numeric", "box", "upper_accented")] + ["[°Ђ]"]))


def looks_like_mojibake(text: str) -> bool:
    """``ftfy.badness.is_bad`` for some line of ``text``, an order of
    magnitude faster on clean text."""
    for m in _MOJIBAKE_ANCHOR.finditer(text):
        p = m.start()
        if BADNESS_RE.search(text, max(0, p - 3), p + 8):
            return True
        # BADNESS_RE's "^[ÃÂ] " branch, per line as ftfy runs it. Ã and Â are
        # anchors (upper_accented), so this needs no scan of its own (a
        # multi-line regex for it took a third of the time of this function).
        if text[p] in "ÃÂ" and text.startswith(" ", p + 1) and (p == 0 or text[p - 1] == "\n"):
            return True
    return False


_BLANK_RUN = re.compile(r"\n{3,}")


def needs_ftfy(text: str) -> bool:
    """Whether ftfy (as configured here) could change ``text`` at all."""
    if _ASCII_CLEAN.search(text) is None:
        return False  # printable ASCII without '&': nothing for ftfy to do
    return (_FTFY_CHARS.search(text) is not None or ("&" in text and _HTML_ENTITY.search(text) is not None)
            or not unicodedata.is_normalized("NFC", text) or looks_like_mojibake(text))


#: A line longer than this many characters goes to ftfy in pieces of about
#: this length, each cut after a space or an ideographic full stop.
LONG_LINE = 16_384
# Neither a space nor 。 is ever part of mojibake (UTF-8's continuation
# bytes are 0x80-0xBF), so no cut splits a sequence ftfy could repair.
_PIECE_END = re.compile("[ \u3002]")


def pieces(line: str, size: int = LONG_LINE) -> list[str]:
    """``line`` cut after the first space or 。 at or past every ``size``
    characters; a line with none there stays whole."""
    if len(line) <= size:
        return [line]
    out, start = [], 0
    while len(line) - start > size:
        m = _PIECE_END.search(line, start + size)
        if m is None:
            break
        out.append(line[start:m.end()])
        start = m.end()
    out.append(line[start:])
    return out


def fix_unicode(text: str) -> str:
    """Mojibake, entities, controls and NFC, or the text itself when clean
    (the controls that are whitespace made spaces, not deleted).

    ``ftfy.fix_text`` fixes a text one line (up to a "\\n") at a time, so
    only the lines the pre-check flags go to ftfy, each with the
    configuration ``fix_text`` would use for it: of the 23,848 lines of the
    throughput corpus's documents that need ftfy at all, 1,467 do, and ftfy
    spent half its time on the others. A line over ``LONG_LINE`` characters
    (a document stored as one line) is checked and fixed a piece at a time
    in the same way, or one curly quote would send megabytes through ftfy.
    """
    if not needs_ftfy(text):
        return text
    if _SPACE_CONTROLS.search(text):
        text = _SPACE_CONTROLS.sub(" ", text)
    config = FTFY_CONFIG
    lines = text.split("\n")
    last = len(lines) - 1
    out = []
    for k, line in enumerate(lines):
        segment = line + "\n" if k < last else line
        if "<" in segment:  # from here on fix_text leaves HTML entities alone
            config = config._replace(unescape_html=False)
        for piece in pieces(segment):
            out.append(ftfy.fix_text(piece, config) if needs_ftfy(piece) else piece)
    return "".join(out)


# Whitespace str.split() splits at, besides " " and "\n" (tests/test_repair.py
# checks the list against str.isspace).
_ODD_SPACES_ASCII = "\t\x0b\x0c\r\x1c\x1d\x1e\x1f"
_ODD_SPACES = _ODD_SPACES_ASCII + ("\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                                   "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")


#: Characters that print nothing yet are not whitespace to ``str.split``
#: (zero-width space and joiners, word joiner, soft hyphen, Mongolian vowel
#: separator): inside a line they are the author's (Thai separates words
#: with zero-width spaces, German marks hyphenation points), but a line of
#: nothing else is a blank line.
_INVISIBLE = "\u200b\u200c\u200d\u2060\u00ad\u180e"
_INVISIBLE_LINE = re.compile(f"(?m)^[{_INVISIBLE} ]+$")


def spaced_evenly(text: str) -> bool:
    """Whether every line of ``text`` is already its words joined by single
    spaces. True of 93% of the throughput corpus's documents; a few
    substring scans say so in a third of the time of splitting every line."""
    if "  " in text or " \n" in text or "\n " in text or text[:1] == " " or text[-1:] == " ":
        return False
    return not any(c in text for c in (_ODD_SPACES_ASCII if text.isascii() else _ODD_SPACES))


def fix_whitespace(text: str) -> str:
    """One space for any run of horizontal space, no spaces at line edges,
    lines of invisible characters blank, at most one blank line between
    paragraphs, no blank edges.

    Single newlines are kept: a document whose paragraphs are separated by
    one newline keeps that structure. (``str.split()`` per line does the
    first two in C, twice as fast as the equivalent regex substitutions.)
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not spaced_evenly(text):
        text = "\n".join([" ".join(line.split()) for line in text.split("\n")])
    if not text.isascii() and any(c in text for c in _INVISIBLE):
        text = _INVISIBLE_LINE.sub("", text)
    return squeeze_blank_lines(text)


def squeeze_blank_lines(text: str) -> str:
    """At most one blank line in a row, none at the edges. The substring
    test first: most texts have no run to squeeze, and it scans ~10x faster
    than the regex does to find none."""
    if "\n\n\n" in text:
        text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


#: Rounds of repair before giving up on a fixed point; generated inputs
#: (tests/test_repair.py) need at most three.
MAX_ROUNDS = 4


def repair(text: str) -> tuple[str, bool]:
    """Repair a text; also say whether ftfy changed anything in it.

    Repair is idempotent: repairing its output changes nothing. Each step
    can expose work for the other (a no-break space made plain turns
    ``x\xa0Ã©`` into ``x Ã©``, mojibake ftfy now recognises; an entity
    ftfy decodes may be an odd space), so the two run again while a round
    changes the text. A text that needs no repair (most) is looked at once.
    """
    if "\r" in text:  # CRLF is not damage, and ftfy need not run for it
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    repaired = False
    for _ in range(MAX_ROUNDS):
        fixed = fix_unicode(text)
        out = fix_whitespace(fixed)
        repaired |= fixed != text
        if out == text or (fixed == text and out == fix_whitespace(out) and not needs_ftfy(out)):
            return out, repaired
        text = out
    return text, repaired
