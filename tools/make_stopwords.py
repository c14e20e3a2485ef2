#!/usr/bin/env python3
"""Regenerate src/scrubber/data/stopwords.json from the ``stop-words`` package.

    pip install stop-words && python tools/make_stopwords.py

Why a generated file rather than a runtime dependency: scrubber needs the
lists as one lowercase set per language, keyed by ISO 639-1 code, loaded
once; the package reads 33 text files at every call and names languages in
English. Shipping the generated JSON (about 150 kB) keeps the install lean
and the lists reviewable in a diff when the package changes them.

The source is Alireza Savand's ``stop-words`` (python-stop-words, maintained
since 2014, BSD), chosen over ``stopwordsiso`` because its lists are closer
to function words (stopwords-iso mixes in frequent content words, which
blurs the "stop-word density" that tells prose from navigation).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import stop_words

OUT = Path(__file__).resolve().parents[1] / "src" / "scrubber" / "data" / "stopwords.json"


def main() -> None:
    lists = {}
    for code, name in sorted(stop_words.LANGUAGE_MAPPING.items()):
        # Some lists carry punctuation ("-", ":" in Persian); a word without
        # a letter would make every dash-separated menu look like prose.
        words = sorted({w.strip().lower() for w in stop_words.get_stop_words(name)
                        if any(c.isalpha() for c in w)})
        lists[code] = words
    meta = {"source": "stop-words (PyPI)", "version": stop_words.get_version()}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"meta": meta, "languages": lists}, ensure_ascii=False,
                              separators=(",", ":")) + "\n", encoding="utf-8")
    print(f"{OUT}: {len(lists)} languages, {sum(map(len, lists.values()))} words", file=sys.stderr)


if __name__ == "__main__":
    main()
