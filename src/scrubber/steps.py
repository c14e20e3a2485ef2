"""The per-batch steps of a run, pure functions that both engines call.

Cleaning a batch of documents into results (pass 1), stripping learned
furniture and re-signing (pass 2), and the cluster fields of output
records (pass 3). The local engine (``pipeline.py``) runs them in its
worker processes, the Ray engine (``ray_engine.py``, ``sharded.py``) in
Ray tasks; neither engine depends on the other.
"""

from __future__ import annotations

import operator
import re
from collections import Counter
from collections.abc import Mapping
from typing import Iterable

import numpy as np
import orjson

from . import boilerplate, scripts
from .batches import Restrip, Result
from .cleaner import Cleaner
from .config import Config
from .dedup import Cluster
from .minhash import Sketch, exact_digest, grams, signatures, sketch_hashes, words_of
from .document import Document
from .languages import language_of
from .sinks import dumps, loads
from .wrapping import wrapped_runs

_DEDUP_FIELDS = ("cluster", "duplicates", "duplicate_of")
#: A text without a letter or a digit in any script: no word to count.
_WORDLESS = re.compile(r"[\W_]*")


def _removal_record(r) -> dict:
    out = {"reason": r.reason, "line": r.line, "text": r.text}
    if r.span is not None:
        out["span"] = list(r.span)
    if r.score is not None:
        out["p"] = r.score
    return out


def to_record(doc: Document, config: Config) -> dict:
    """The output record: input fields in their order, text replaced, id kept
    (or added first when the input had none)."""
    if doc.meta:
        rec = dict(doc.meta)
        rec[config.text_field] = doc.text
        if config.id_field not in rec:
            rec = {config.id_field: doc.id, **rec}
    else:
        rec = {config.id_field: doc.id, config.text_field: doc.text}
    if config.lang_field:
        rec[config.lang_field] = language_of(doc.text)
    if config.annotate:
        # in the text's order, as explain shows them (steps record them step by step)
        rec["removed"] = [_removal_record(r) for r in sorted(doc.removals, key=lambda r: r.line)]
    if config.dedup:
        for f in _DEDUP_FIELDS:  # ours to set; stale input values would mislead
            rec.pop(f, None)
    return rec


def _too_short(text: str, config: Config) -> str | None:
    # scripts.at_least splits off at most min_words words: counting every
    # word of every document was 2.5% of process_batch. Chinese, Japanese
    # and Thai words count as scripts.words counts them.
    if not text or text.isspace():
        return "empty"
    if not scripts.at_least(text, config.min_words) or (config.min_words and _WORDLESS.fullmatch(text)):
        return "short"  # "…", "***", "。。。", "😀😀😀": tokens, but no word
    return None


def halved_by(kept: str, removals) -> str | None:
    """The step (rule, heuristic, classifier) that removed more than half of
    a document's text, if one did: of what was ``kept`` and what the
    ``removals`` took, both repaired text (the input before repair can be
    longer: mojibake takes two or three characters for one). Measured in
    characters, not words, so that it means the same in languages written
    without spaces."""
    if not removals:
        return None
    took: Counter = Counter()
    for r in removals:
        took[r.reason.split(":", 1)[0]] += len(r.text)
    step, n = max(took.items(), key=lambda kv: (kv[1], kv[0]))
    # characters of lines on both sides: a removal's text holds no newline
    return step if 2 * n > len(kept) - kept.count("\n") + sum(took.values()) else None


def process_batch(cleaner: Cleaner, docs: list[Document]) -> list[Result]:
    """Clean documents and prepare everything the main process needs;
    documents of a batch are classified together and their sketches
    signed together."""
    config = cleaner.config
    out, whs = [], []
    learn = config.dedup and config.boilerplate
    for doc, c in zip(docs, cleaner.clean_batch(docs)):
        removed = Counter(r.reason for r in c.removals)  # lines and spans, as the summary lists them
        spans = sum(1 for r in c.removals if r.span is not None)
        dropped = _too_short(c.text, config)
        halved = halved_by(c.text, c.removals)
        if dropped:
            out.append(Result(doc.id, None, None, removed, spans, c.repairs, dropped, halved=halved))
            continue
        r = Result(doc.id, dumps(to_record(c, config)), None, removed, spans, c.repairs, None,
                   halved=halved)
        if config.dedup:
            w = words_of(c.text)
            whs.append(w.hashes)
            if learn:
                r.source = boilerplate.source_of(doc.origin, doc.meta, config.source_field)
                lines = c.text.split("\n")
                r.keys = boilerplate.keys_of(w.lines, r.source, wrapped_runs(lines), boilerplate.sentence_runs(lines))
                r.lwords = w.per_line
        out.append(r)
    if whs:
        # With the boilerplate pass, these signatures only group copies for
        # counting; every set is signed again in full after stripping.
        perms = boilerplate.PRELIM.num_perm if learn else config.num_perm
        sks = sketch_hashes(whs, config.shingle_size, perms, config.seed)
        for r, sk, wh in zip((r for r in out if r.line is not None), sks, whs):
            r.sketch = sk
            if learn:
                r.words = wh
    return out


def restrip_batch(cleaner: Cleaner, payload: tuple[str, Restrip]) -> tuple:
    """Pass 2: drop a document's learned furniture lines from its record,
    take the run's common shingles out of its set, and sign what is left.

    ``payload`` is (path of the common shingles, batch). The stripped
    text's shingles come from the word hashes of the kept lines, so no text
    is normalised twice. Returns (per document, None when it kept its lines,
    else (record line or None when nothing is left, why dropped, words,
    exact digest); the signatures of the documents left, one row each;
    their sets in one array; the sets' lengths).
    """
    config, batch = cleaner.config, payload[1]
    ends = np.cumsum(batch.lengths).tolist()
    items = [(None, (), batch.sets[b - n:b], None) if c is None else (c[0], c[1], None, (c[2], c[3]))
             for c, n, b in zip(batch.changed, batch.lengths.tolist(), ends)]
    out = restrip_items(config, _common(payload[0]), items)
    left = [sk for _, sk, _ in out if sk is not None]
    changed = [None if c is None else (line, why, sk and sk.words, sk and sk.exact)
               for c, (line, sk, why) in zip(batch.changed, out)]
    sigs = np.stack([sk.sig for sk in left]) if left else np.zeros((0, config.num_perm), np.uint32)
    sets = np.concatenate([sk.shingles for sk in left]) if left else np.zeros(0, np.uint32)
    return changed, sigs, sets, np.array([len(sk.shingles) for sk in left], dtype=np.int64)


def restrip_items(config: Config, common: np.ndarray, items: Iterable[tuple]) -> list[tuple]:
    """``restrip_batch`` with the common shingles in hand."""
    out, sets, words, exact = [], [], [], []
    for line, drop, shingles, hashes in items:
        if drop:
            rec = loads(line)
            if config.annotate:
                # Found after cleaning, in the cleaned text: no line number
                # of the repaired text to give.
                lines = rec[config.text_field].split("\n")
                rec.setdefault("removed", []).extend(
                    {"reason": boilerplate.REASON, "text": lines[j]} for j in drop)
            text = boilerplate.strip(rec[config.text_field], drop)
            dropped = _too_short(text, config)
            if dropped:
                out.append((None, None, dropped))
                continue
            rec[config.text_field] = text
            if config.lang_field:  # guessed again on what is left
                rec[config.lang_field] = language_of(text)
            line = dumps(rec)
            wh, per_line = hashes
            keep = np.ones(len(per_line), dtype=bool)
            keep[drop] = False
            wh = wh[np.repeat(keep, per_line)]
            shingles = grams(wh, config.shingle_size)
            words.append(len(wh))
            exact.append(exact_digest(wh))
        else:
            words.append(None)
            exact.append(None)
        sets.append(boilerplate.without(shingles, common))
        out.append((line, len(sets) - 1, None))
    sigs = signatures(sets, config.num_perm, config.seed)
    return [(line, None if k is None else Sketch(sigs[k], sets[k], words[k], exact[k], config.shingle_size,
                                                config.seed), why)
            for line, k, why in out]


def resign_batch(cleaner: Cleaner, items: list[tuple]) -> list[tuple]:
    return resign_items(cleaner.config, items)


def resign_items(config: Config, items: Iterable[tuple]) -> list[tuple]:
    """The second preliminary grouping's sketches: for each (word hashes,
    words per line, lines to drop), the shingles of the kept lines and
    their preliminary signature (``Pipeline._learn``)."""
    sets = []
    for wh, per_line, drop in items:
        keep = np.ones(len(per_line), dtype=bool)
        keep[drop] = False
        sets.append(grams(wh[np.repeat(keep, per_line)], config.shingle_size))
    sigs = signatures(sets, boilerplate.PRELIM.num_perm, config.seed)
    return list(zip(sets, sigs))


_common_cache: dict[str, np.ndarray] = {}


def _common(path: str) -> np.ndarray:
    """The run's common shingles, loaded once per worker."""
    if path not in _common_cache:
        _common_cache.clear()
        _common_cache[path] = np.load(path) if path else np.zeros(0, np.uint32)
    return _common_cache[path]


class DupOf(Mapping):
    """Dropped document number -> its cluster's id (JSON bytes), held as
    one int32 per document and one id per cluster: a story copied 100,000
    times would otherwise cost a dict entry per copy."""

    def __init__(self, cluster_of: np.ndarray, cids: list[bytes]):
        self._of, self._cids = cluster_of, cids

    def __getitem__(self, n: int) -> bytes:
        if 0 <= n < len(self._of) and self._of[n] >= 0:
            return self._cids[self._of[n]]
        raise KeyError(n)

    def __contains__(self, n: object) -> bool:
        try:
            i = operator.index(n)
        except TypeError:
            return False
        return 0 <= i < len(self._of) and self._of[i] >= 0

    def __iter__(self):
        return iter(np.flatnonzero(self._of >= 0).tolist())

    def __len__(self) -> int:
        return int(np.count_nonzero(self._of >= 0))


def cluster_fields(clusters: list[Cluster], ids, fixed: int = 0) -> tuple[dict, Mapping, int]:
    """What clustering adds to output records, by document number less
    ``fixed`` (documents below it are the index's, never output): each kept
    document's cluster id and duplicates, each dropped one's cluster id;
    and how many dropped documents are duplicates of the index's."""
    extra: dict[int, bytes] = {}
    n = max((max(cl.dropped) for cl in clusters), default=fixed - 1) - fixed + 1
    cluster_of = np.full(max(n, 0), -1, dtype=np.int32)
    cids: list[bytes] = []
    of_index = 0
    for cl in clusters:
        cid = orjson.dumps(ids[cl.keep])
        if cl.keep >= fixed:
            extra[cl.keep - fixed] = b',"cluster":' + cid + b',"duplicates":' + \
                orjson.dumps([ids[d] for d in cl.dropped])
        else:
            of_index += len(cl.dropped)
        cluster_of[np.asarray(cl.dropped, dtype=np.int64) - fixed] = len(cids)
        cids.append(cid)
    return extra, DupOf(cluster_of, cids), of_index


def annotate(line: bytes, n: int, extra: dict, dup_of: Mapping,
             keep_duplicates: bool) -> tuple[bytes | None, str | None]:
    """Document ``n``'s output record with its cluster fields (None: a
    duplicate to drop), and for a duplicate the counter it adds to."""
    if n in extra:
        return line[:-2] + extra[n] + b"}\n", None
    if n in dup_of:
        if not keep_duplicates:
            return None, "duplicates_dropped"
        return line[:-2] + b',"cluster":' + dup_of[n] + b',"duplicate_of":' + dup_of[n] + b"}\n", \
            "duplicates_marked"
    return line, None


def cluster_record(cl: Cluster, ids: list[str]) -> dict:
    """One line of ``--clusters``: the kept id, every member, and each
    dropped member's exact similarity to the kept one."""
    members = sorted((cl.keep, *cl.dropped))
    return {
        "cluster": ids[cl.keep],
        "size": len(members),
        "members": [ids[i] for i in members],
        "similarity": [{"id": ids[d], "jaccard": round(j, 4), "containment": round(con, 4)}
                       for d, (j, con) in zip(cl.dropped, cl.scores)],
    }
