#!/usr/bin/env python3
"""Regenerate src/scrubber/data/stopwords.json from the ``stop-words`` package.

    pip install 'scrubber[train]' && python tools/make_stopwords.py

Why a generated file rather than a runtime dependency: scrubber needs the
lists as one lowercase set per language, keyed by ISO 639-1 code, loaded
once; the package reads 33 text files at every call and names languages in
English. Shipping the generated JSON (about 150 kB) keeps the install lean
and the lists reviewable in a diff when the package changes them.

The source is Alireza Savand's ``stop-words`` (python-stop-words, maintained
since 2014, BSD), chosen over ``stopwordsiso`` because its lists are closer
to function words (stopwords-iso mixes in frequent content words, which
blurs the "stop-word density" that tells prose from navigation).

Some of its files are damaged in ways that make a list miss ordinary modern
text, so this script repairs them (``repair``; each repair touches only the
languages named, and the audit behind them is in docs/classifier.md):

* Turkish was saved as cp1254 and read as cp1252 (``altmýþ``, ``kýrk``
  for altmış, kırk): the six letters the two code pages disagree on are
  mapped back.
* Greek is Ancient Greek in polytonic spelling with final sigma written
  ``σ`` (``αὐτόσ``, ``καί``), which no modern text contains. Its words are
  made monotonic (breathings and iota subscripts dropped, grave and
  circumflex to tonos, monosyllables unaccented, final ``ς``), and the
  modern Greek entries of ``stopwordsiso`` (stopwords-iso, MIT, a data-only
  package) are added: ``θα``, ``να``, ``για``, ``με``, ``σε``, ``δεν``...
  Its polytonic entries (the same ancient list) are left out, and its
  ``∆`` (U+2206, a font's delta) read as ``δ``.
* Hebrew is a JavaScript array, each word still in quotes with its comma
  (``"אבל",``); they are stripped.
* Romanian is spelled without diacritics (``si``, ``in``, ``ca``, ``dupa``);
  for each of its words stopwords-iso spells with diacritics (``şi``,
  ``în``, ``că``, ``după``), that spelling is added, in both the cedilla
  and the comma-below forms of ş and ţ, which Romanian text uses both of.
* Italian writes some accents typewriter-style (``cosi"``, ``gia"``).
* Danish (94 words) lacks function words it spells as Norwegian Bokmål
  does (``så``, ``kan``, ``ved``, ``før``, ``ingen``, ``hvordan``), which
  the Norwegian list has, so each of them voted Norwegian and a Danish
  sentence was as often guessed Norwegian as Danish; Norwegian lacks
  ``under``, ``hos``, ``alt``, ``jo``, ``ham``, which Danish has. Each list
  gets the other's words that both languages write alike (``_SHARED``),
  and both the verbs only Swedish listed (``går``, ``får``, ``kommer``), so
  that only the words they spell apart (``af``/``av``, ``efter``/``etter``,
  ``mig``/``meg``, ``blev``/``ble``, ``nu``/``nå``) tell them apart.
* Slovak's first word is ``a`` behind a byte-order mark; Persian has one
  too, and a DEL inside a word. Ukrainian's ``a`` is a Latin letter, and
  Gujarati's list has English words (``who``, ``s``).
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path

import stop_words
import stopwordsiso

OUT = Path(__file__).resolve().parents[1] / "src" / "scrubber" / "data" / "stopwords.json"

# cp1252 letters that stand where cp1254 (Turkish) has another one.
_CP1254 = {c: c.encode("cp1252").decode("cp1254") for c in "ÐÝÞðýþ"}
# Danish and Norwegian Bokmål function words spelt alike that only the
# other language's list has (see the module docstring).
_SHARED = {
    "da": {"bare", "både", "fordi", "før", "får", "går", "hvem", "hver", "hvilke", "hvilken",
           "hvordan", "hvorfor", "ingen", "ja", "kan", "kom", "kommer", "kun", "samme", "siden",
           "så", "ved"},
    "nb": {"alt", "fram", "får", "går", "ham", "hos", "jo", "kommer", "mer", "under"},
}
# Italian accents typed as a following quote (the list has ``piu"`` beside
# ``più``); ``cui`` takes none, its quote is a stray.
_IT_TYPEWRITER = {'cosi"': "così", 'gia"': "già", 'giu"': "giù", 'piu"': "più", 'più"': "più", 'cui"': "cui"}
# Latin letters that look like Cyrillic ones, for words typed in the wrong layout.
_CYRILLIC = str.maketrans("aceiopxy", "асеіорху")
# Romanian ş and ţ: the cedilla forms (older fonts and keyboards) and the
# comma-below forms (the standard since Unicode 3.0); text has both.
_RO_CEDILLA = str.maketrans("șțȘȚ", "şţŞŢ")
_RO_COMMA = str.maketrans("şţŞŢ", "șțȘȚ")


def _script(c: str) -> str:
    return unicodedata.name(c, "?").split()[0]


def _bare(word: str) -> str:
    """``word`` without its accents and other combining marks."""
    return "".join(c for c in unicodedata.normalize("NFD", word) if not unicodedata.combining(c))


def _clean(word: str) -> str:
    """NFC, without byte-order marks or control characters (but tabs), lowercase."""
    word = "".join(c for c in word if c != "\ufeff" and (c == "\t" or unicodedata.category(c) != "Cc"))
    return unicodedata.normalize("NFC", word.strip()).lower()


def _syllables(word: str) -> int:
    """Greek syllables of an unaccented word: vowel groups, a diphthong once."""
    n, i = 0, 0
    while i < len(word):
        if word[i] in "αεηιουω":
            n += 1
            i += 2 if word[i:i + 2] in {"αι", "ει", "οι", "υι", "ου", "αυ", "ευ", "ηυ"} else 1
        else:
            i += 1
    return n


def monotonic(word: str) -> str:
    """A polytonic Greek word in today's monotonic spelling: breathings,
    iota subscripts and length marks dropped, grave and circumflex become
    the tonos, monosyllables lose it (``τό`` → ``το``; ``ή`` "or" keeps
    it), and a final ``σ`` is ``ς``."""
    out = []
    for c in unicodedata.normalize("NFD", word.replace("\u2019", "'")):
        if c in "\u0313\u0314\u0345\u0304\u0306":
            continue
        out.append("\u0301" if c in "\u0300\u0342" else c)
    word = unicodedata.normalize("NFC", "".join(out))
    if word.endswith("σ"):
        word = word[:-1] + "ς"
    bare = unicodedata.normalize("NFC", _bare(word))
    return bare if _syllables(bare) <= 1 and word != "ή" else word


def _polytonic(word: str) -> bool:
    return any(0x1F00 <= ord(c) <= 0x1FFF for c in word)


def repair(code: str, words: set[str], iso: dict[str, list[str]]) -> set[str]:
    """``code``'s list with the damage described in the module docstring undone."""
    if code == "tr":
        words = {"".join(_CP1254.get(c, c) for c in w) for w in words}
    elif code == "he":
        words = {w.strip('",').strip() for w in words}
    elif code == "el":
        modern = set()
        for w in iso["el"]:
            w = _clean(w).replace("\u2206", "δ")
            if not _polytonic(w):
                modern.add(w[:-1] + "ς" if w.endswith("σ") else w)
        words = {monotonic(w) for w in words} | modern
        words = {w for w in words if all(c.isalpha() or c == "'" for c in w)}
    elif code == "ro":
        folded = {_bare(w.translate(_RO_COMMA)): w for w in map(_clean, iso["ro"])}
        extra = {w for b, w in folded.items() if b in words and w != b}
        words = words | {w.translate(_RO_CEDILLA) for w in extra} | {w.translate(_RO_COMMA) for w in extra}
    elif code == "it":
        words = {_IT_TYPEWRITER.get(w, w) for w in words}
    elif code in _SHARED:
        words = words | _SHARED[code]
    letters = [_script(c) for w in words for c in w if c.isalpha()]
    main = max(set(letters), key=letters.count)
    if main != "LATIN":
        # A word in Latin letters in another script's list is a stray: a
        # Latin "a" among Ukrainian words is the Cyrillic "а" typed in the
        # wrong layout; English words among Gujarati ones are a slip.
        stray = {w for w in words if all(_script(c) == "LATIN" for c in w if c.isalpha())}
        words -= stray
        if main == "CYRILLIC":
            words |= {w.translate(_CYRILLIC) for w in stray if not set(w) - set("aceiopxy")}
    return words


def main() -> None:
    with open(Path(stopwordsiso.__file__).parent / "stopwords-iso.json", encoding="utf-8") as f:
        iso = json.load(f)
    lists = {}
    for code, name in sorted(stop_words.LANGUAGE_MAPPING.items()):
        # Some lists carry punctuation ("-", ":" in Persian); a word without
        # a letter would make every dash-separated menu look like prose.
        words = repair(code, {_clean(w) for w in stop_words.get_stop_words(name)}, iso)
        lists[code] = sorted(w for w in words if any(c.isalpha() for c in w))
    meta = {"source": "stop-words (PyPI)", "version": stop_words.get_version(),
            "el, ro": f"and stopwordsiso {_version('stopwordsiso')} (PyPI), see tools/make_stopwords.py"}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "languages": lists}, ensure_ascii=False,
                              separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lists)} languages, {sum(map(len, lists.values()))} words", file=sys.stderr)


def _version(dist: str) -> str:
    from importlib.metadata import version
    return version(dist)


if __name__ == "__main__":
    main()
