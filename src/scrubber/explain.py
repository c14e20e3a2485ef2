"""Why two documents were, or were not, joined as near-duplicates.

The same evidence the pipeline used, step by step: the clean texts (after
rules, heuristics and corpus-learned boilerplate), exact text, LSH bands,
exact containment against the threshold, and where each document ended up.
"""

from __future__ import annotations

import dataclasses
import os
from typing import Iterable

import numpy as np

from . import files
from .boilerplate import REASON, without
from .dedup import MIN_SHINGLES, band_keys
from .minhash import estimate, overlap, signature, sketch
from .document import Document
from .errors import ScrubberError
from .repair import repair
from .sinks import loads
from .stats import counted


def explain_document(cleaner, doc: Document, furniture: set[str] = frozenset()) -> str:
    """``doc`` line by line, as ``scrubber explain`` prints it: each line
    kept (``  ``), removed (``- ``, after any spans cut from it) or cut
    (``~ ``: spans removed, the rest kept), with the reason in
    brackets and the classifier's probability of content where it judged
    the line. ``furniture``: lines the corpus pass removes (``corpus_removals``)."""
    text, _ = repair(doc.text)
    original = text.split("\n")
    scores: dict[int, float] = {}
    read_as: dict = {}
    lines, alive, removals = cleaner.strip(text, scores, read_as)
    by_line: dict[int, list] = {}
    for r in removals:
        by_line.setdefault(r.line, []).append(r)
    # The corpus pass reads the text cleaning left: a line as its span
    # rules cut it ("date 2022-01-19 " gone), not as the input had it.
    corpus = {n for n, (line, kept) in enumerate(zip(lines, alive), 1) if kept and line and line in furniture}
    gone = len(corpus)
    head = (f"== {doc.id}: {counted(sum(r.span is None for r in removals) + gone, 'line')} and "
            f"{counted(sum(r.span is not None for r in removals), 'span')} removed")
    if read_as:
        head += f"; the classifier read it as {read_as['lang'] or 'a language without stop words'}"
        if read_as["offset"]:
            head += f", its thresholds {read_as['offset']:+.2f}"
    given = read_as.get("kept", {})
    out = [head + "\n"]
    for n, line in enumerate(original, 1):
        rs = by_line.get(n)
        p = f" p={scores[n]:.2f}" if n in scores else ""
        if not rs:
            if n in corpus:
                out.append(f"- {line}   [{REASON}]\n")
            elif not line:
                out.append("\n")
            elif n in given:  # the classifier took it; a how-to's structure gave it back
                out.append(f"  {line}   [classifier{p}; kept: {given[n]}]\n")
            else:
                out.append(f"  {line}   [classifier{p}]\n" if p else f"  {line}\n")
        else:
            # A line can lose spans and then go whole (a span rule cut it,
            # then another rule or the classifier took what was left): it is
            # removed ("- ", as clean's counts have it), the cuts named first.
            whole = next((r.reason for r in rs if r.span is None), REASON if n in corpus else None)
            cut = [f"{r.reason} removed {r.text!r}" for r in rs if r.span is not None]
            if whole is None:
                out.append(f"~ {line}   [{'; '.join(cut)}]\n")
            else:
                why = whole + (p if whole.startswith("classifier") else "")
                out.append(f"- {line}   [{'; '.join(cut + [why])}]\n")
    return "".join(out)


def corpus_removals(pipeline, docs: Iterable[Document]) -> dict[str, set[str]]:
    """The lines the corpus pass of a run over ``docs`` (with ``pipeline``'s
    rules and options, deduplication and corpus furniture on) removes from
    each document, by id: what ``explain --corpus`` marks. Corpus
    furniture is found in the cleaned text, so lines are given as text."""
    from .pipeline import Pipeline

    cfg = pipeline.config.with_(dedup=True, boilerplate=True, keep_duplicates=True, annotate=True,
                                workers=1)
    out: dict[str, set[str]] = {}
    for line in Pipeline(cfg).run(docs):
        rec = loads(line)
        gone = {r["text"] for r in rec.get("removed", ()) if r.get("reason") == REASON}
        if gone:
            out[str(rec.get(cfg.id_field))] = gone
    return out


def two_files(reader, a: str, b: str) -> tuple[Iterable[Document], str, str]:
    """Files ``a`` and ``b`` as ``explain --dup A B`` without PATHS reads
    them: (documents, id of A, id of B). Their ids are their names, as
    clean gives them; two files of one name (``x1/a.txt x2/a.txt``) are
    named by their paths as given instead, or they could not be told apart."""
    names = [files.shown(os.path.basename(p)) for p in (a, b)]
    if names[0] != names[1] or a == b:
        return reader.read_paths([a, b]), names[0], names[1]

    def by_path():
        for path, name in zip((a, b), names):
            for doc in reader.read_paths([path]):
                yield dataclasses.replace(doc, id=files.shown(path)) if doc.id == name else doc

    return by_path(), files.shown(a), files.shown(b)


def explain_pair(pipeline, docs: Iterable[Document], a: str, b: str) -> str:
    """A short report on documents ``a`` and ``b`` (ids) of ``docs``, run
    through ``pipeline`` as ``scrubber clean`` would (duplicates kept, so
    that both texts can be shown)."""
    from .pipeline import Pipeline

    if a == b:  # one document against itself would read as both joined and not
        raise ScrubberError(f"--dup {a} {b}: both name the id {a}; name two documents")
    cfg = pipeline.config.with_(dedup=True, keep_duplicates=True, workers=1)
    pipe = Pipeline(cfg)
    recs = {}
    for line in pipe.run(docs):
        rec = loads(line)  # an id past 64 bits stays the id it was
        rid = str(rec.get(cfg.id_field))
        if rid in (a, b):
            recs[rid] = rec
    for x in (a, b):
        if x not in recs:
            raise ScrubberError(f"{x}: no such document in the input, or nothing left of it after cleaning")
    p = cfg.dedup_params
    ra, rb = recs[a], recs[b]
    sa = sketch(ra[cfg.text_field], p.shingle_size, p.num_perm, p.seed)
    sb = sketch(rb[cfg.text_field], p.shingle_size, p.num_perm, p.seed)
    for s in (sa, sb):  # the sets the pipeline compared: without the run's common shingles
        s.shingles = without(s.shingles, pipe.common)
        s.sig = signature(s.shingles, p.num_perm, p.seed)
    out = [f"A: {a}: {sa.words} words, {sa.size} distinct {p.shingle_size}-word shingles after cleaning "
           f"({len(pipe.common)} shingles common to the run left out)",
           f"B: {b}: {sb.words} words, {sb.size} distinct shingles"]
    if sa.exact == sb.exact:
        out.append("same normalised text: exact duplicates, joined without MinHash")
    else:
        ka = band_keys(sa.sig[None, :], p.bands, p.rows)[0]
        kb = band_keys(sb.sig[None, :], p.bands, p.rows)[0]
        agree = int(np.count_nonzero(ka == kb))
        est = estimate(sa.sig, sb.sig)
        out.append(f"LSH: {agree} of {p.bands} bands ({p.rows} rows each) agree, estimated Jaccard "
                   f"{est:.2f}: " + ("a candidate pair" if agree else "never compared (not a candidate)"))
        jac, con = overlap(sa.shingles, sb.shingles)
        thr = cfg.containment_threshold
        small = min(sa.size, sb.size)
        if small < MIN_SHINGLES:
            verdict = f"too short to prove anything (fewer than {MIN_SHINGLES} shingles): not near-duplicates"
        elif con >= thr:
            verdict = f"containment {con:.2f} >= {thr:.2f}: near-duplicates"
        else:
            verdict = f"containment {con:.2f} < {thr:.2f}: not near-duplicates"
        out.append(f"exact: Jaccard {jac:.2f}, smaller document {con:.0%} contained in the larger; {verdict}")
    ca, cb = ra.get("cluster"), rb.get("cluster")
    if ca is not None and ca == cb:
        out.append(f"result: same cluster, kept {ca} (most words, ties to the earliest)")
    else:
        where = [f"{x} " + (f"in the cluster of {c}" if c is not None else "in no cluster")
                 for x, c in ((a, ca), (b, cb))]
        out.append("result: not joined; " + ", ".join(where) +
                   " (each member is verified against its cluster's kept document, never through another member)")
    return "\n".join(out)
