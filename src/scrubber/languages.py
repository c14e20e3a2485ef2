"""Stop words per language, and a document's language guessed from them.

Stop-word density is the strongest single sign of prose (jusText's
``stopwords_low``/``stopwords_high`` build on it): sentences are full of
"the", "und", "que"; menus and link lists are not. The lists come from the
``stop-words`` package (33 languages, regenerated and, where the package's
files are damaged, repaired by ``tools/make_stopwords.py``). A document's language is the list with the
most hits among its first words; it costs one set lookup per word.
A language without a list is not an error: the classifier then uses the
features that do not depend on stop words.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import lru_cache
from importlib import resources


#: Words looked at to guess the language; enough for a stable vote, cheap
#: on long pages.
DETECT_WORDS = 1000
#: The winning list must cover at least this share of the words looked at,
#: and at least MIN_HITS of them; prose runs at 30-50% in every listed
#: language, a page of names or code at a few percent.
MIN_SHARE = 0.08
MIN_HITS = 4

# Words are looked up as ``str.split`` leaves them, punctuation attached;
# rather than strip each word (a Python call per word), the sets hold the
# usual punctuated forms too.
_SUFFIXES = ("", ",", ".", ":", ";", "!", "?", ")", "\u201d", "'", '"')
_PREFIXES = ("", "(", '"', "\u201c", "\u00ab", "\u201e")


@lru_cache(maxsize=1)
def _lists() -> dict[str, tuple[str, ...]]:
    path = resources.files("scrubber") / "data" / "stopwords.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    return {code: tuple(words) for code, words in data["languages"].items()}


def languages() -> list[str]:
    """ISO 639-1 codes of the languages with a stop-word list."""
    return sorted(_lists())


@lru_cache(maxsize=None)
def stopwords(lang: str) -> frozenset[str]:
    """The lookup set for ``lang``: its stop words, lowercase, with the
    punctuated forms ``str.split`` leaves (``the,`` ``"que``); empty for a
    language without a list."""
    words = _lists().get(lang, ())
    out = {p + w + s for w in words for p in _PREFIXES for s in _SUFFIXES}
    return frozenset(out)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, int], list[str], dict[int, tuple[tuple[int, ...], int]]]:
    """word -> bit mask of the languages listing it. Bare words only: a
    small dict stays in cache, and the bare forms are votes enough. Also,
    per mask, its bits and the share of a vote each gets (see ``detect``)."""
    codes = languages()
    index: dict[str, int] = {}
    for bit, code in enumerate(codes):
        for w in _lists()[code]:
            index[w] = index.get(w, 0) | (1 << bit)
    shares = {}
    for m in set(index.values()):
        bits = tuple(b for b in range(m.bit_length()) if m >> b & 1)
        shares[m] = (bits, len(bits))
    return index, codes, shares


def detect(words: list[str]) -> str | None:
    """The language whose stop words are commonest among lowercase ``words``,
    or None when no list covers enough of them to tell."""
    index, codes, shares = _index()
    sample = words[:DETECT_WORDS]
    # Only the words some list holds are counted (filter drops the Nones
    # and keeps the order of first appearance, which the votes are summed in).
    masks = Counter(filter(None, map(index.get, sample)))
    if sum(masks.values()) < MIN_HITS:
        return None
    # A word several languages share ("en", "a", "die") votes for each of
    # them with a fraction of a vote, so that close languages (French and
    # Spanish, Danish and Norwegian) are told apart by the words they do
    # not share, and a longer list does not win just for being longer.
    # (Each mask's bits come from ``_index``: splitting every mask into bits
    # here was most of this function's time, 180 us a page on the throughput
    # corpus. Votes are added in the same order as ever, as Python floats.)
    votes = [0.0] * len(codes)
    hits = [0] * len(codes)
    for m, n in masks.items():
        bits, k = shares[m]
        for b in bits:
            votes[b] += n / k
            hits[b] += n
    best = max(range(len(codes)), key=votes.__getitem__)  # the first best, as argmax
    if hits[best] < max(MIN_HITS, MIN_SHARE * len(sample)):
        return None
    return codes[best]


def language_of(text: str) -> str | None:
    """``detect`` on a text's first ``DETECT_WORDS`` words (what
    ``lang_field`` writes): an ISO 639-1 code, or None when no list covers
    enough of them to tell."""
    return detect(text.lower().split(None, DETECT_WORDS)[:DETECT_WORDS])
