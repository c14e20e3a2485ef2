"""Text repair: mojibake and Unicode with ftfy, then whitespace and line structure.

ftfy runs with a conservative configuration, as the large corpus pipelines
use it: it fixes mojibake, HTML entities, C1 and other control characters and
line breaks, and normalises to NFC, but leaves typographic quotes, character
width (full-width forms) and Latin ligatures alone, because those are the
author's text, not damage.
"""

from __future__ import annotations

import re

import ftfy

FTFY_CONFIG = ftfy.TextFixerConfig(
    uncurl_quotes=False,
    fix_character_width=False,
    fix_latin_ligatures=False,
    normalization="NFC",
    explain=False,
)

# Characters whose presence means ftfy may have work to do. Pure ASCII text
# without entities or control characters is by far the common case, and
# skipping ftfy for it is what keeps repair off the profile.
_NEEDS_FTFY = re.compile(r"[^\x09\x0a\x0d\x20-\x25\x27-\x7e]")
_HSPACE = re.compile(r"[^\S\n]+")
_EDGE_SPACE = re.compile(r" ?\n ?")
_BLANK_RUN = re.compile(r"\n{3,}")


def fix_unicode(text: str) -> str:
    """Mojibake, entities, controls and NFC, or the text itself when clean."""
    if _NEEDS_FTFY.search(text) is None:
        return text
    return ftfy.fix_text(text, FTFY_CONFIG)


def fix_whitespace(text: str) -> str:
    """One space for any run of horizontal space, no spaces at line edges,
    at most one blank line between paragraphs, no blank edges.

    Single newlines are kept: a document whose paragraphs are separated by
    one newline keeps that structure.
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _HSPACE.sub(" ", text)
    text = _EDGE_SPACE.sub("\n", text)
    text = _BLANK_RUN.sub("\n\n", text)
    return text.strip()


def repair(text: str) -> tuple[str, bool]:
    """Repair a text; also say whether ftfy changed anything in it."""
    fixed = fix_unicode(text)
    return fix_whitespace(fixed), fixed != text
