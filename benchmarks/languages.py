#!/usr/bin/env python3
"""How well does scrubber guess a text's language (``--lang-field``)? And how fast?

    python benchmarks/languages.py [DATA] [--speed 'DIR/*.txt'] [--show-wrong]

DATA (default ``tests/data/languages.txt``) holds labelled texts, each a
block opened by ``=== LABEL NAME``: LABEL is the text's ISO 639-1 code, or
``-`` for a page with no language to tell (names, scores, code). Texts not
named ``mix-…`` are cut into non-overlapping windows of about 10 and 30
words and also scored whole up to about 150 words (a word: a
whitespace-separated token, or ``scripts.CJK_CHARS_PER_WORD`` Han/kana or
``SEA_CHARS_PER_WORD`` Thai characters in unspaced text); ``mix-…`` pages
(an English menu around a German article, French quoting English) are
scored whole.

A guess is *right* when it is the label; for a language without a
stop-word list (``languages.languages()``), None is right too (scrubber does
not claim to know it), and for ``-`` only None is. *Unsure* is None for a
listed language; *wrong* is any other code. Printed: right/unsure/wrong per
language and length, per group of close languages, and the confusions.
Two guessers are scored: ``language_of`` (what ``--lang-field`` writes)
and ``detect`` on the lowercased words (the stop-word vote whose language
the classifier reads its stop words and threshold offset from).

``--speed GLOB`` times both on the files matched (say the dragnet pages),
in microseconds per document, best of five passes.
"""

from __future__ import annotations

import argparse
import glob
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

from scrubber import languages, scripts

LENGTHS = (10, 30, 150)
GROUPS = {
    "da/nb/sv": ["da", "nb", "sv"],
    "es/ca/pt/gl/it/fr/ro": ["es", "ca", "pt", "gl", "it", "fr", "ro"],
    "id/ms/tl": ["id", "ms", "tl"],
    "cs/sk/pl": ["cs", "sk", "pl"],
    "ru/uk/bg/sr": ["ru", "uk", "bg", "sr"],
    "hr/sl (sr latin)": ["hr", "sl"],
    "zh/ja/ko": ["zh", "ja", "ko"],
    "el/he/ar/fa/ur": ["el", "he", "ar", "fa", "ur"],
    "hi/bn/gu/ta": ["hi", "bn", "gu", "ta"],
    "th/ka/hy": ["th", "ka", "hy"],
    "en/de/nl/hu/fi/tr/vi": ["en", "de", "nl", "hu", "fi", "tr", "vi"],
    "lt/lv/et/eu/sw": ["lt", "lv", "et", "eu", "sw"],
}


def read(path: Path) -> list[tuple[str, str, str]]:
    """(label, name, text) of each block."""
    out, head, body = [], None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("=== "):
            if head:
                out.append((*head, "\n".join(body).strip()))
            label, name = line[4:].split(None, 1)
            head, body = (label, name), []
        elif head:
            body.append(line)
        # lines before the first block are comments
    if head:
        out.append((*head, "\n".join(body).strip()))
    return out


def _chars_per_word(text: str) -> int:
    """1 for spaced text; the characters a word counts in unspaced text."""
    if len(text.split()) * 10 >= len(text):
        return 1
    sea = sum(1 for c in text if 0x0E00 <= ord(c) <= 0x0EFF)
    return scripts.SEA_CHARS_PER_WORD if sea > len(text) / 3 else scripts.CJK_CHARS_PER_WORD


def windows(text: str, n: int) -> list[str]:
    """Non-overlapping windows of ``n`` words; for the longest length, one
    window from the start (the whole text when shorter)."""
    k = _chars_per_word(text)
    if k == 1:
        words = text.split()
        if n == LENGTHS[-1]:
            return [" ".join(words[:n])]
        return [" ".join(words[i:i + n]) for i in range(0, len(words) - n + 1, n)]
    size = n * k
    if n == LENGTHS[-1]:
        return [text[:size]]
    return [text[i:i + size] for i in range(0, len(text) - size + 1, size)]


def verdict(label: str, guess: str | None, listed: set[str]) -> str:
    if guess == label and label != "-":
        return "right"
    if guess is None:
        return "unsure" if label in listed else "right"
    return "wrong"


GUESSERS = {
    "language_of": languages.language_of,
    "detect": lambda text: languages.detect(text.lower().split()),
}


def score(blocks, guess, listed):
    """{(label, length): Counter of verdicts}, {label: Counter of wrong guesses}."""
    table: dict = defaultdict(Counter)
    confusions: dict = defaultdict(Counter)
    wrong_texts = []
    for label, name, text in blocks:
        cases = [("page", text)] if name.startswith("mix-") or label == "-" else \
            [(n, w) for n in LENGTHS for w in windows(text, n)]
        for length, sample in cases:
            g = guess(sample)
            v = verdict(label, g, listed)
            table[(label, length)][v] += 1
            if v == "wrong":
                confusions[label][g] += 1
                wrong_texts.append((label, length, g, sample))
    return table, confusions, wrong_texts


def _cell(c: Counter) -> str:
    n = sum(c.values())
    if not n:
        return ""
    return f"{c['right']}/{n}" + (f" w{c['wrong']}" if c["wrong"] else "")


def report(name, blocks, guess, listed, show_wrong=False):
    table, confusions, wrong_texts = score(blocks, guess, listed)
    labels = sorted({label for label, _, _ in blocks})
    print(f"\n## {name}: right/total per length (w = wrong: another language's code)\n")
    print("| lang | list | 10 | 30 | 150 | page | wrong guesses |")
    print("|---|---|---|---|---|---|---|")
    for label in labels:
        cells = [_cell(table[(label, n)]) for n in (*LENGTHS, "page")]
        conf = ", ".join(f"{g} {k}" for g, k in confusions[label].most_common())
        print(f"| {label} | {'yes' if label in listed else 'no'} | " + " | ".join(cells) + f" | {conf} |")
    print(f"\n## {name}: per group, right % (wrong %) per length\n")
    print("| group | 10 | 30 | 150 |")
    print("|---|---|---|---|")
    totals = defaultdict(Counter)
    for group, members in GROUPS.items():
        row = []
        for n in LENGTHS:
            c = Counter()
            for m in members:
                c.update(table[(m, n)])
            totals[n].update(c)
            t = sum(c.values())
            row.append(f"{100 * c['right'] / t:.0f}% ({100 * c['wrong'] / t:.0f}%)" if t else "")
        print(f"| {group} | " + " | ".join(row) + " |")
    row = []
    for n in LENGTHS:
        t = sum(totals[n].values())
        row.append(f"{100 * totals[n]['right'] / t:.1f}% ({100 * totals[n]['wrong'] / t:.1f}%)")
    print("| all | " + " | ".join(row) + " |")
    pages = Counter()
    for (label, length), c in table.items():
        if length == "page":
            pages.update(c)
    print(f"\nwhole pages (mixed, and without a language): {pages['right']}/{sum(pages.values())} right")
    if show_wrong:
        for label, length, g, sample in wrong_texts:
            print(f"  {label} {length} -> {g}: {sample[:100]!r}")


def speed(pattern: str) -> None:
    texts = [Path(p).read_text(encoding="utf-8", errors="replace") for p in sorted(glob.glob(pattern))]
    if not texts:
        sys.exit(f"no files match {pattern}")
    for name, guess in GUESSERS.items():
        best = float("inf")
        for _ in range(5):
            t = time.perf_counter()
            for text in texts:
                guess(text)
            best = min(best, time.perf_counter() - t)
        print(f"speed {name}: {1e6 * best / len(texts):.1f} us per document ({len(texts)} documents)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("data", nargs="?", default=str(Path(__file__).parent.parent / "tests/data/languages.txt"))
    ap.add_argument("--speed", metavar="GLOB", help="time the guessers on these files")
    ap.add_argument("--show-wrong", action="store_true", help="print each wrongly guessed sample")
    args = ap.parse_args()
    blocks = read(Path(args.data))
    listed = set(languages.languages())
    for name, guess in GUESSERS.items():
        report(name, blocks, guess, listed, args.show_wrong)
    if args.speed:
        speed(args.speed)


if __name__ == "__main__":
    main()
