#!/usr/bin/env python3
"""A larger syndication set, made from a real one by growing its big clusters.

    python benchmarks/syndication_upscale.py SYNDICATION_DEV_DIR OUT_DIR [--largest 2000] [--seed 1]

The held-out set of the issue has a story copied 2,000 times; the shared
development set (bench/dedup/syndication-dev) tops out at 600. This script
grows every cluster of 50 or more copies by the same factor, so that the
largest has ``--largest`` copies (600 -> 2,000, 300 -> 1,000, ...), and keeps
every other document as it is. It writes OUT_DIR/input.jsonl, truth.jsonl
and bodies.jsonl in the formats of the source, so that
bench/dedup/score_syndication.py scores an output of OUT_DIR unchanged.

A new copy is not a duplicate of any document: it recombines two real
members of its cluster. From member A it takes the page furniture, the lines
before A's first body line and after its last; from member B the article,
B's lines from its first to its last body line (B's headline, local intro
and local paragraph, re-wrapping, quotes and mojibake included). A line is a
body line when its words are a run of words of the document's true body
(bodies.jsonl). Words are compared as their ASCII letters and digits only,
because the input has the curly quotes, dashes and mojibake that the true
body has not; a line of three words or fewer counts only right after a body
line (the tail of a re-wrapped paragraph), not as a site name that also ends
a headline. So the copies carry the set's real rotating furniture
and its real syndication edits in new combinations; the new copy's true body
is B's. Members with no body line found are not used. New ids are u0000000,
u0000001, ...; truth.jsonl names, beside the cluster, the two members each
came from. The copies go to random places in the input among the original
documents, whose order is kept. With the same seed the output is the same.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
from collections import Counter, defaultdict

ASCII_WORD = re.compile(r"[a-z0-9]+")


def read(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def words(s: str) -> str:
    """The ASCII letters and digits of ``s``, lower-cased, a space between words:
    the same for a line with curly quotes, other dashes or mojibake as for the
    clean line of the true body."""
    return " ".join(ASCII_WORD.findall(s.lower()))


def split_page(text: str, body: str) -> tuple[str, str, str] | None:
    """``text`` as (furniture above, article, furniture below), cut at its
    first and last body line; None when no line of it is a body line."""
    flat = f" {words(body)} "
    lines = text.splitlines(keepends=True)
    hits, previous = [], False
    for k, line in enumerate(lines):
        s = words(line)
        previous = bool(s) and f" {s} " in flat and (len(s.split()) > 3 or previous)
        if previous:
            hits.append(k)
    if not hits:
        return None
    first, last = hits[0], hits[-1] + 1
    return "".join(lines[:first]), "".join(lines[first:last]), "".join(lines[last:])


def upscale(src: str, out: str, largest: int = 2000, seed: int = 1, min_size: int = 50) -> dict:
    docs = read(os.path.join(src, "input.jsonl"))
    truth = {r["id"]: r for r in read(os.path.join(src, "truth.jsonl"))}
    bodies = {r["id"]: r["body"] for r in read(os.path.join(src, "bodies.jsonl"))}
    members = defaultdict(list)
    for d in docs:
        members[truth[d["id"]]["cluster"]].append(d)
    size = {c: len(m) for c, m in members.items()}
    factor = largest / max(size.values())
    rng = random.Random(seed)
    texts = {d["text"] for d in docs}
    new_docs, new_truth, new_bodies, grown = [], [], [], {}
    for cluster in sorted(c for c, n in size.items() if n >= min_size):
        parts = [(d["id"], p) for d in members[cluster] if (p := split_page(d["text"], bodies[d["id"]]))]
        target = round(size[cluster] * factor)
        want = target - size[cluster]
        # Every (A, B) pair may give a text already there (static furniture); give up long before looping.
        tries = 100 * want
        while want > 0 and len(parts) > 1 and tries > 0:
            tries -= 1
            (a, (top, _, bottom)), (b, (_, article, _)) = rng.sample(parts, 2)
            if bottom and not article.endswith(("\n", "\r")):
                article += "\n"
            text = top + article + bottom
            if text in texts:
                continue
            texts.add(text)
            uid = f"u{len(new_docs):07d}"
            new_docs.append({"id": uid, "text": text})
            new_truth.append({"id": uid, "cluster": cluster, "kind": "recombined",
                              "furniture": a, "article": b})
            new_bodies.append({"id": uid, "body": bodies[b]})
            want -= 1
        grown[cluster] = (size[cluster], target - want)
    # The original documents keep their order; each new one goes to a random place among them.
    at = defaultdict(list)
    for k in range(len(new_docs)):
        at[rng.randrange(len(docs) + 1)].append(k)
    merged = []
    for i in range(len(docs) + 1):
        merged += at[i]
        if i < len(docs):
            merged.append(docs[i])
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "input.jsonl"), "w", encoding="utf-8") as fi, \
            open(os.path.join(out, "truth.jsonl"), "w", encoding="utf-8") as ft, \
            open(os.path.join(out, "bodies.jsonl"), "w", encoding="utf-8") as fb:
        for m in merged:
            if isinstance(m, int):
                d, t, b = new_docs[m], new_truth[m], new_bodies[m]
            else:
                d, t, b = m, truth[m["id"]], {"id": m["id"], "body": bodies[m["id"]]}
            fi.write(json.dumps({"id": d["id"], "text": d["text"]}, ensure_ascii=False) + "\n")
            ft.write(json.dumps(t, ensure_ascii=False) + "\n")
            fb.write(json.dumps(b, ensure_ascii=False) + "\n")
    return grown


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src_dir")
    ap.add_argument("out_dir")
    ap.add_argument("--largest", type=int, default=2000, help="copies of the largest cluster (default 2000)")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    grown = upscale(a.src_dir, a.out_dir, a.largest, a.seed)
    with open(os.path.join(a.out_dir, "truth.jsonl"), encoding="utf-8") as f:
        clusters = Counter(json.loads(line)["cluster"] for line in f)
    print(f"{sum(clusters.values())} documents, {len(clusters)} clusters in {a.out_dir}")
    for cluster, (before, after) in sorted(grown.items(), key=lambda kv: -kv[1][1]):
        print(f"{cluster}: {before} -> {after}")


if __name__ == "__main__":
    main()
