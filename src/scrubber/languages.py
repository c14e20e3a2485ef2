"""Stop words per language, and a document's language guessed from them.

Stop-word density is the strongest single sign of prose (jusText's
``stopwords_low``/``stopwords_high`` build on it): sentences are full of
"the", "und", "que"; menus and link lists are not. The lists come from the
``stop-words`` package (33 languages, regenerated and, where the package's
files are damaged, repaired by ``tools/make_stopwords.py``). A document's language is the list with the
most hits among its first words; it costs one set lookup per word.
A language without a list is not an error: the classifier then uses the
features that do not depend on stop words.

Two guesses are made from them. ``detect`` is the classifier's: the list
whose stop words it counts (and whether the page is English, for its
threshold offset). ``language_of`` is the one ``--lang-field`` writes:
first by script where the script names the language (Hangul is Korean,
kana Japanese, Han without kana Chinese, Greek, Hebrew, Thai, Georgian...;
their words seldom stand alone between spaces, so stop words miss them),
else by the same vote, but answering only when the winning list explains
enough of the words and clearly more of them than the runner-up: a close
neighbour (Danish or Norwegian in a dozen words, Indonesian or Malay) or a
language without a list (Croatian read as Czech, Galician as Portuguese) is
None rather than a wrong code.
"""

from __future__ import annotations

import json
import re
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
#: ``language_of`` answers from stop words only when the winner's votes
#: (a word several lists share split between them) are at least this
#: share of the words looked at: on tests/data/languages.txt
#: (benchmarks/languages.py) 150 words of prose give their own language
#: 0.11-0.42 (Turkish, Arabic, Danish the least), and a language without a
#: list its nearest listed neighbour 0.03-0.10 (Croatian to Czech 0.05).
MIN_VOTE_SHARE = 0.1
#: ... and when the words only the winner's list holds (of the winner's and
#: the runner-up's) are more than this many times those only the
#: runner-up's holds: a dozen Danish words are mostly words Norwegian
#: shares (0 against 0: no answer), 150 of them 8 against 1; Indonesian
#: read as Malay, 7 against 5, is no answer either.
MIN_LEAD = 2

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
    or None when no list covers enough of them to tell. This is the
    classifier's guess (whose stop words it counts): a neighbour's list
    that covers a page's words helps it where the page's own language has
    none, so it is not held to ``language_of``'s margins."""
    votes = _vote(words, margins=False)
    return votes[0] if votes else None


def _vote(words: list[str], margins: bool = True) -> tuple[str, float, int, int] | None:
    """The winning language, its votes as a share of the words looked at,
    and (with ``margins``) the words only it and only the runner-up list
    of the two; None when no list covers enough of them (``MIN_HITS``,
    ``MIN_SHARE``)."""
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
    if not margins:
        return codes[best], 0.0, 0, 0
    votes[best], top = -1.0, votes[best]
    second = max(range(len(codes)), key=votes.__getitem__)
    one, two = 1 << best, 1 << second
    own = sum(n for m, n in masks.items() if m & one and not m & two)
    rival = sum(n for m, n in masks.items() if m & two and not m & one)
    return codes[best], top / len(sample), own, rival


#: Scripts that name a language (its ISO 639-1 code), and their Unicode
#: blocks. Han without kana is Chinese (Japanese writes kana between its
#: Han); Bengali script is also Assamese's, Hebrew also Yiddish's, read as
#: bn and he. Some of these languages have no stop-word list (th, ka, hy,
#: ta, bn): the script is proof enough. Arabic script is several languages:
#: Urdu by the letters only it (among them) writes, else the stop words.
SCRIPTS = (
    ("ko", ((0x1100, 0x11FF), (0x3130, 0x318F), (0xAC00, 0xD7AF))),
    ("ja", ((0x3040, 0x30FF),)),
    ("zh", ((0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xF900, 0xFAFF))),
    ("el", ((0x0370, 0x03FF), (0x1F00, 0x1FFF))),
    ("he", ((0x0590, 0x05FF),)),
    ("th", ((0x0E00, 0x0E7F),)),
    ("ka", ((0x10A0, 0x10FF), (0x1C90, 0x1CBF))),
    ("hy", ((0x0530, 0x058F),)),
    ("bn", ((0x0980, 0x09FF),)),
    ("gu", ((0x0A80, 0x0AFF),)),
    ("ta", ((0x0B80, 0x0BFF),)),
    ("ar", ((0x0600, 0x06FF), (0x0750, 0x077F))),
)
#: The first this many characters of a text are looked at for its script.
SCRIPT_CHARS = 1000
#: A script names the text's language when its letters are at least this
#: share of the characters looked at (spaces aside): a Chinese article under
#: an English menu is Chinese, an English article quoting Greek is English.
SCRIPT_SHARE = 0.4
#: Japanese: kana at least this share of the Han and kana (a Japanese
#: sentence is about half kana; a Chinese page has none, or a name or two).
KANA_SHARE = 0.1
#: Urdu: its letters (ٹ ڈ ڑ ں ہ ھ ے) at least this share of the Arabic-script
#: ones. Arabic and Persian write none of them; Urdu's ے ends every other verb.
URDU_SHARE = 0.02

_ANY_SCRIPT = re.compile("[" + "".join(f"{chr(lo)}-{chr(hi)}" for _, r in SCRIPTS for lo, hi in r) + "]")
_SCRIPT_RUNS = re.compile("|".join(
    "([" + "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in r) + "]+)" for _, r in SCRIPTS))
_URDU = re.compile("[\u0679\u0688\u0691\u06BA\u06C1\u06BE\u06D2]")


def _by_script(head: str) -> str | None:
    """The language ``head``'s script names, "" for Arabic script that is
    not Urdu (the stop words decide), None when no such script dominates."""
    if head.isascii() or not _ANY_SCRIPT.search(head):
        return None
    counts = [0] * len(SCRIPTS)
    for m in _SCRIPT_RUNS.finditer(head):
        counts[m.lastindex - 1] += m.end() - m.start()
    total = sum(counts)
    if total < SCRIPT_SHARE * (len(head) - head.count(" ") - head.count("\n")):
        return None
    ko, ja, zh = counts[0], counts[1], counts[2]
    if ja + zh >= max(counts):
        return "ja" if ja >= KANA_SHARE * (ja + zh) else "zh"
    best = max(range(len(SCRIPTS)), key=counts.__getitem__)
    code = SCRIPTS[best][0]
    if code == "ar":
        return "ur" if len(_URDU.findall(head)) >= URDU_SHARE * counts[best] else ""
    return code


def language_of(text: str) -> str | None:
    """A text's language as ``lang_field`` writes it: an ISO 639-1 code, or
    None when unsure. By script where its script names one (``SCRIPTS``),
    else by the stop words of its first ``DETECT_WORDS`` words when one
    list wins clearly (``MIN_VOTE_SHARE``, ``MIN_MARGIN``)."""
    by_script = _by_script(text[:SCRIPT_CHARS])
    if by_script:
        return by_script
    votes = _vote(text.lower().split(None, DETECT_WORDS)[:DETECT_WORDS])
    if votes is None:
        return None
    best, share, own, rival = votes
    if share < MIN_VOTE_SHARE or own <= MIN_LEAD * rival:
        return None
    return best
