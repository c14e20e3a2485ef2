"""Corpus-learned boilerplate: lines that repeat across many documents of one source.

No pattern names a site's own furniture ("The Oakridge Dispatch", "Skip to
content", its disclaimer under the comments), but the site prints it on
every page. CCNet (Wenzek et al., 2020) removes paragraphs that repeat
across a shard by their hash, and finds that this strips navigation,
cookie notices and contact lines; C4 likewise drops text that occurs in
many pages. scrubber keeps the idea with two changes:

* **Counted per near-duplicate cluster, not per document.** Ten syndicated
  copies of one article share every sentence; counted per document they
  would vote their own text away. The pipeline first groups the cleaned
  documents into clusters of copies and a line counts once per cluster, so
  an article's lines count once however often it was syndicated, while a
  site's furniture counts once for every distinct article it surrounds.
* **A line must repeat in ``MIN_CLUSTERS`` clusters** (CCNet: 2), and a long
  line (over ``LONG_WORDS`` words, which reads as prose) or a line of a
  hard-wrapped paragraph in ``MIN_CLUSTERS_LONG``: an article quoted by two
  or three others shares a sentence with them, which must survive, and
  copies that clustering left apart share its wrapped lines.

Lines are compared normalised (case, punctuation, digits as 0), keyed by a
63-bit hash (the 64th bit marks wrapped prose) that includes the document's *source* (its directory or input
file, or a ``--source-field`` such as the site or URL host), so one site's
furniture is never learned from another's pages. The counting needs the
whole run (a global pass); this module holds the pure parts.
"""

from __future__ import annotations

import logging
import re
import tempfile
import zlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import numpy as np
import regex

from .batches import Ragged, flattened
from .minhash import Params, sorted_unique, words_of
from . import scripts
from .heuristics import SENTENCE_END
from .wrapping import wrapped_runs

_SENTENCE_ENDS = frozenset(SENTENCE_END)

_ZEROS = re.compile(rb"0+")

#: Distinct clusters a line must appear in to be furniture. CCNet removes a
#: paragraph seen twice; scrubber asks for more because a sentence quoted
#: by one or two other articles is not furniture.
MIN_CLUSTERS = 4
#: Lines longer than this read as prose...
LONG_WORDS = 25
#: ...and must repeat in this many clusters.
MIN_CLUSTERS_LONG = 8
#: Sources with fewer documents than this learn nothing: too few pages to
#: tell a site's furniture from coincidence.
MIN_SOURCE_DOCS = 8
#: Clusters a 5-gram must appear in to leave the shingle sets. Higher than
#: for lines: a 5-gram is a smaller unit, and an article whose copies were
#: split over a few groups (``PRELIM_CONTAINMENT`` is strict) must not lose
#: its own 5-grams; on the dev set 4 cost 8 copies, 8 and 16 none.
COMMON_MIN_CLUSTERS = 8
REASON = "boilerplate:corpus"
#: The signatures that group copies before counting: they need recall on
#: copies, not precision (verification is exact anyway), so a quarter of the
#: permutations does; 16 bands x 2 rows find a pair at Jaccard 0.3 with
#: probability 0.78, at 0.5 with 0.99.
PRELIM = Params(num_perm=32, bands=16, rows=2)
#: Containment that groups two documents before counting. Stricter than the
#: final 0.5, because furniture is still in the text here: short articles in
#: the same heavy furniture are over half furniture, and grouping them would
#: let the furniture count once (tests/test_dedup.py builds such a site).
#: On the dev set 98% of copies keep >= 0.7 against their original before
#: stripping.
PRELIM_CONTAINMENT = 0.7


def warn_unsourced(field: str | None, sources) -> None:
    """One warning when ``--source-field`` names a field no record holds
    (a typo): every document is then of one source "", and furniture is
    learned across sites that share none, silently."""
    if field and sources and not any(sources):
        logging.getLogger("scrubber").warning(
            "no record has the --source-field %r: all documents count as one source, and "
            "furniture is learned across all of them", field)


def source_of(origin: str, meta: dict | None = None, field: str | None = None) -> str:
    """The source a document's furniture is learned within.

    With ``field``, the record's value of it (a URL gives its host);
    otherwise the input file of a JSONL record (``path:line``) or the
    directory of a text file.
    """
    if field:
        value = (meta or {}).get(field)
        if value is None:
            return ""
        value = str(value)
        if "://" in value:
            try:
                return urlsplit(value).hostname or value
            except ValueError:  # "http://[bad/": a crawl's URL can be anything
                return value
        return value
    m = re.match(r"^(.*):\d+$", origin)
    if m:
        return m.group(1)
    return origin.rsplit("/", 1)[0] if "/" in origin else ""


#: The key bit that marks a line of hard-wrapped prose (``keys_of``).
PROSE_BIT = np.uint64(1 << 63)
#: The key bit that marks a line of a run of sentences a line each
#: (``sentence_runs``): what a story printed a sentence to a line is made of.
SENTENCE_BIT = np.uint64(1 << 62)
#: A line key without ``SENTENCE_BIT``: what identifies the line. The bit
#: says where the line stood on one page (in a run of sentences or not);
#: counted as part of the key, one footer line was two lines, each under the
#: count that makes furniture.
KEY_MASK = np.uint64(((1 << 64) - 1) ^ (1 << 62))


def line_ids(flat: np.ndarray) -> np.ndarray:
    """Line keys as identities (``KEY_MASK``), a new array."""
    return np.asarray(flat, dtype=np.uint64) & KEY_MASK


#: At least SENTENCE_RUN lines in a row (blank lines and paragraph-long
#: lines between them aside), each a sentence of SENTENCE_WORDS to
#: LONG_WORDS words.
SENTENCE_RUN, SENTENCE_WORDS = 4, 6


def sentence_runs(lines: list[str]) -> list[tuple[int, int]]:
    """Runs ``[lo, hi)`` of ``lines`` that hold at least SENTENCE_RUN
    sentences a line each. A paragraph-long line neither counts nor ends a
    run: a story's sentences around a local paragraph are one run."""
    runs = []
    lo = last = -1  # the run's first sentence line, its last
    count = 0
    ends, words = _SENTENCE_ENDS, scripts.words
    for i, line in enumerate(lines):
        if not line:
            continue
        # the end first: counting words is the cost (20% of a run's pass 1
        # with both counts made on every line)
        if line[-1] in ends or line.rstrip()[-1:] in ends:
            n = words(line)
            if n > LONG_WORDS:
                continue
            if n >= SENTENCE_WORDS:
                if count == 0:
                    lo = i
                count, last = count + 1, i
                continue
        if count >= SENTENCE_RUN:
            runs.append((lo, last + 1))
        count = 0
    if count >= SENTENCE_RUN:
        runs.append((lo, last + 1))
    return runs


def line_keys(text: str, source: str = "") -> np.ndarray:
    """One uint64 key per line of ``text.split("\\n")``; 0 for lines without words.

    The key hashes the source with the line as ``minhash.words_of`` normalises
    it (case folded, punctuation gone) and any number as 0 (furniture
    carries dates and counts that change from page to page), so the same
    line printed by two sites is two keys.
    """
    lines = text.split("\n")
    return keys_of(words_of(text).lines, source, wrapped_runs(lines), sentence_runs(lines))


def keys_of(lines: list[bytes], source: str = "", prose: list[tuple[int, int]] = (),
            sentences: list[tuple[int, int]] = ()) -> np.ndarray:
    """``line_keys`` from lines already normalised by ``minhash.words_of``
    (UTF-8): numbers collapse to one 0, then two crc32 calls make 62 bits
    (a collision would only merge two lines' counts). The top bit
    (``PROSE_BIT``) marks the lines of the ``prose`` runs ``[lo, hi)``: a
    hard-wrapped paragraph's lines are short, but they are prose and must
    repeat as widely as a long line to be furniture (``is_long``). The next
    (``SENTENCE_BIT``) marks the lines of the ``sentences`` runs, which the
    second grouping takes out of a text only all together
    (``regroup_drop_lines``)."""
    seed_a = zlib.crc32(source.encode()) & 0x7FFFFFFF
    seed_b = zlib.crc32(source.encode(), 0x9E3779B9)
    out = np.zeros(len(lines), dtype=np.uint64)
    for i, line in enumerate(lines):
        if line:
            if b"0" in line:
                line = _ZEROS.sub(b"0", line)
            out[i] = ((zlib.crc32(line, seed_a) & 0x3FFFFFFF) << 32 | zlib.crc32(line, seed_b)) or 1
    for bit, runs in ((PROSE_BIT, prose), (SENTENCE_BIT, sentences)):
        for lo, hi in runs:
            part = out[lo:hi]
            part[part != 0] |= bit
    return out


def is_long(keys: np.ndarray, longest: np.ndarray) -> np.ndarray:
    """Whether each line key is prose, which needs ``MIN_CLUSTERS_LONG``:
    its longest form has over ``LONG_WORDS`` words, or it is a line of a
    hard-wrapped paragraph."""
    return (longest > LONG_WORDS) | (keys >= PROSE_BIT)


def line_words(text: str) -> np.ndarray:
    """Words per line, aligned with ``line_keys``."""
    return words_of(text).per_line


@dataclass(frozen=True)
class Learned:
    """Furniture found in a run: line key -> number of clusters it appeared
    in, and (when asked for) an example line for each."""

    counts: dict[int, int]
    examples: dict[int, str] = field(default_factory=dict)

    def __contains__(self, key: int) -> bool:
        return key in self.counts


def count_per_cluster(keys: list[np.ndarray], groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct keys and, for each, the number of distinct groups (clusters)
    of documents it occurs in."""
    if not keys:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    flat, lens = flattened(keys)
    flat = line_ids(flat)
    grp = np.repeat(np.asarray(groups, dtype=np.int64), lens)
    live = flat != 0
    flat, grp = flat[live], grp[live]
    if not len(flat):
        return np.zeros(0, np.uint64), np.zeros(0, np.int64)
    order = np.lexsort((grp, flat))
    f, g = flat[order], grp[order]
    first = np.ones(len(f), dtype=bool)
    first[1:] = (f[1:] != f[:-1]) | (g[1:] != g[:-1])
    f = f[first]
    uniq, counts = np.unique(f, return_counts=True)
    return uniq, counts


def _in_large_sources(sources: list[str], min_docs: int) -> np.ndarray:
    """Positions of the documents whose source has ``min_docs`` or more,
    as an array: a list of ints cost 36 bytes per document."""
    per_source: dict[str, int] = {}
    for s in sources:
        per_source[s] = per_source.get(s, 0) + 1
    big = {s for s, k in per_source.items() if k >= min_docs}
    return np.flatnonzero(np.fromiter((s in big for s in sources), dtype=bool, count=len(sources)))


def _subset(arrays, which: np.ndarray):
    """The arrays at positions ``which`` (sorted), a ``Ragged`` or a list."""
    if isinstance(arrays, Ragged):
        return arrays.subset(np.asarray(which, dtype=np.int64))
    return [arrays[i] for i in np.asarray(which).tolist()]


def docs_per_key(keys: list[np.ndarray], uniq: np.ndarray) -> np.ndarray:
    """For each of the sorted keys ``uniq``, the number of documents it is on."""
    if not len(uniq) or not keys:
        return np.zeros(len(uniq), dtype=np.int64)
    flat, lens = flattened(keys)
    flat = line_ids(flat)
    doc = np.repeat(np.arange(len(keys), dtype=np.int64), lens)
    pos = np.minimum(np.searchsorted(uniq, flat), len(uniq) - 1)
    hit = uniq[pos] == flat
    pairs = sorted_unique(pos[hit] * len(keys) + doc[hit])  # each (key, document) once
    return np.bincount(pairs // len(keys), minlength=len(uniq))


#: Lines ``learn`` counts at once (sorting them costs about 50 bytes each:
#: 13 MB). Beyond that it counts the lines of one range of key values at a
#: time: every decision is about one key, so the ranges add up to the whole.
LEARN_BUDGET = 1 << 18


def learn(keys: list[np.ndarray], words: list[np.ndarray], groups: np.ndarray,
          sources: list[str], min_clusters: int = MIN_CLUSTERS,
          min_clusters_long: int = MIN_CLUSTERS_LONG,
          min_source_docs: int = MIN_SOURCE_DOCS, budget: int = LEARN_BUDGET) -> Learned:
    """The furniture of a run: keys repeated in enough distinct clusters.

    ``keys[i]``/``words[i]`` are document i's line keys and words per line,
    ``groups[i]`` its near-duplicate cluster (any label), ``sources[i]`` its
    source; sources with fewer than ``min_source_docs`` documents are left out.
    """
    use = _in_large_sources(sources, min_source_docs)
    if not len(use):
        return Learned({})
    if len(use) < len(keys):
        keys, words = _subset(keys, use), _subset(words, use)
    groups = np.asarray(groups)[use]
    out: dict[int, int] = {}
    for k, w in key_ranges(keys, words, budget):
        out.update(_learn_lines(k, w, groups, min_clusters, min_clusters_long))
    # the ranges are cut on hash bits, below the marks: sorted here, in
    # order of key as one range would give them
    return Learned(dict(sorted(out.items())))


def _learn_lines(keys, words, groups: np.ndarray, min_clusters: int,
                 min_clusters_long: int) -> dict[int, int]:
    """``learn`` of documents already chosen by source: learned key ->
    clusters, in order of key."""
    uniq, counts = count_per_cluster(keys, groups)
    cand = counts >= min_clusters
    uniq, counts = uniq[cand], counts[cand]
    cand = counts >= MIN_GROUP_SHARE * docs_per_key(keys, uniq)
    uniq, counts = uniq[cand], counts[cand]
    if not len(uniq):
        return {}
    # Long lines need more clusters: the longest form of each key decides.
    flat = line_ids(flattened(keys)[0])
    wds = flattened(words)[0].astype(np.int64)
    hit = np.isin(flat, uniq)
    longest = np.zeros(len(uniq), dtype=np.int64)
    np.maximum.at(longest, np.searchsorted(uniq, flat[hit]), wds[hit])
    ok = ~is_long(uniq, longest) | (counts >= min_clusters_long)
    return dict(zip(uniq[ok].tolist(), counts[ok].tolist()))


def key_ranges(keys, words, budget: int = LEARN_BUDGET):
    """(keys, words) of every document, whole when they hold at most
    ``budget`` lines with a key; else in pieces, each with the lines whose
    key has one value of its top bits (in increasing order), every document
    present in each. Lines without words (key 0) are in no piece."""
    flat, lens = flattened(keys)
    flat = flat.astype(np.uint64, copy=False)
    if len(flat) <= budget:
        yield keys, words
        return
    bits = min(8, max(1, int(np.ceil(np.log2(len(flat) / budget)))))
    top = _top_bits(flat, bits)
    wflat = flattened(words)[0]
    ends = np.cumsum(lens)
    for p in range(1 << bits):
        at = np.flatnonzero((top == p) & (flat != 0))
        per_doc = np.bincount(np.searchsorted(ends, at, side="right"), minlength=len(lens))
        yield Ragged.of(flat[at], per_doc), Ragged.of(wflat[at], per_doc)


def _top_bits(flat: np.ndarray, bits: int, chunk: int = 1 << 20) -> np.ndarray:
    """The top ``bits`` bits of each key's hash, one byte each, shifted a
    chunk at a time (a whole shift would be 8 bytes per line)."""
    out = np.empty(len(flat), dtype=np.uint8)
    # bits 62 and 63 are marks (SENTENCE_BIT, PROSE_BIT), not hash: the
    # ranges are cut below them
    low = np.uint64((1 << bits) - 1)
    for a in range(0, len(flat), chunk):
        out[a:a + chunk] = (flat[a:a + chunk] >> np.uint64(62 - bits)) & low
    return out


#: A line (or 5-gram) is furniture only when most of the documents it is on
#: are different articles: the clusters it is in must number at least this
#: share of its documents. A site's furniture is on every page and each page
#: is another article, so its clusters are about its documents. An
#: article's text is on its copies, and grouping copies for counting may
#: split them (each copy in other furniture, with a local paragraph of its
#: own, falls below ``PRELIM_CONTAINMENT`` against the others): a story
#: copied 600 times fell into 64 groups, and its lines counted in 64. Split
#: copies still make far fewer groups than documents, so this keeps them.
MIN_GROUP_SHARE = 0.5
#: A document that corpus furniture would take more than this share of its
#: words from is not stripped (see ``spare``).
MAX_SHARE = 0.5


def _known(learned: Learned) -> np.ndarray:
    return np.sort(np.fromiter(learned.counts, dtype=np.uint64, count=len(learned.counts)))


def _hits(keys: list[np.ndarray], known: np.ndarray):
    """The lines of ``keys`` whose key is in ``known`` (sorted), in order:
    their key, document, place in the document and place in the flattened
    lines. Only the hits get a document and a place: for every line of the
    corpus those cost 24 bytes, and the hits are a small share of lines."""
    flat, lens = flattened(keys)
    flat = line_ids(flat)
    at = np.flatnonzero(_in_sorted(flat, known))
    ends = np.cumsum(lens)
    doc = np.searchsorted(ends, at, side="right")
    line = at - (ends - lens)[doc]
    return flat[at], doc, line, at


def _in_sorted(flat: np.ndarray, known: np.ndarray, chunk: int = 1 << 20) -> np.ndarray:
    """Whether each of ``flat`` is a non-zero value of the sorted ``known``,
    looked up a chunk at a time (a position per line is 8 bytes)."""
    out = np.zeros(len(flat), dtype=bool)
    if not len(known):
        return out
    for a in range(0, len(flat), chunk):
        c = flat[a:a + chunk]
        pos = np.minimum(np.searchsorted(known, c), len(known) - 1)
        out[a:a + chunk] = (known[pos] == c) & (c != 0)
    return out


def _shares(doc: np.ndarray, at: np.ndarray, words: list[np.ndarray], n: int) -> np.ndarray:
    """Per document (of ``n``), the share of its words on the lines at
    ``at`` of the flattened lines (``doc``: their documents)."""
    wds, lens = flattened(words)
    total = np.zeros(n)
    some = np.flatnonzero(lens)
    if len(some):
        total[some] = np.add.reduceat(wds, (np.cumsum(lens) - lens)[some], dtype=np.float64)
    lost = np.bincount(doc, weights=wds[at].astype(np.float64), minlength=n)
    return np.divide(lost, total, out=np.zeros(n), where=total > 0)


def votes(keys: list[np.ndarray], words: list[np.ndarray], learned: Learned,
          max_share: float = MAX_SHARE) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For the learned keys on these documents: the keys, the documents
    each is on, and how many of those are suspect (would lose more than
    ``max_share`` of their words to ``learned``). Counts of disjoint sets
    of documents add up (the Ray engine sums them over shards)."""
    if not learned.counts or not keys:
        z = np.zeros(0, np.int64)
        return np.zeros(0, np.uint64), z, z
    key, doc, _, at = _hits(keys, _known(learned))
    suspect = _shares(doc, at, words, len(keys)) > max_share
    pairs = np.unique(np.stack((key, doc.astype(np.uint64)), axis=1), axis=0)
    if not len(pairs):
        z = np.zeros(0, np.int64)
        return np.zeros(0, np.uint64), z, z
    uniq, first, on = np.unique(pairs[:, 0], return_index=True, return_counts=True)
    bad = np.add.reduceat(suspect[pairs[:, 1].astype(np.int64)].astype(np.int64), first)
    return uniq, on, bad


def unlearn(learned: Learned, uniq: np.ndarray, on: np.ndarray, bad: np.ndarray) -> Learned:
    """``learned`` without the keys most of whose documents are suspect
    (``votes``, possibly summed over shards: ``uniq`` may repeat)."""
    if not len(uniq):
        return learned
    keys, inv = np.unique(uniq, return_inverse=True)
    on = np.bincount(inv, weights=on, minlength=len(keys))
    bad = np.bincount(inv, weights=bad, minlength=len(keys))
    gone = set(keys[bad * 2 > on].tolist())
    if not gone:
        return learned
    return Learned({k: c for k, c in learned.counts.items() if k not in gone}, learned.examples)


def spare(keys: list[np.ndarray], words: list[np.ndarray], learned: Learned) -> Learned:
    """``learned`` without the lines that read as an article's own text.

    Counting per cluster protects an article only when its copies were
    grouped together; ``MIN_GROUP_SHARE`` catches copies split over a few
    groups, this the rest. A site's furniture is a small part of each page
    it is on; an article's text is most of each copy. So a document whose
    learned lines hold more than ``MAX_SHARE`` of its words is suspect, and
    a line most of whose documents are suspect is not furniture.
    """
    return unlearn(learned, *votes(keys, words, learned))


def guarded_drops(keys: list[np.ndarray], words: list[np.ndarray],
                  learned: Learned) -> tuple[list[list[int]], int]:
    """``drop_lines_each``, except that a document which would lose more
    than ``MAX_SHARE`` of its words keeps them all; and how many did.
    Leaving furniture in is better than emptying a document: a one-line
    document's line is its content, whatever else repeats it."""
    drops, spared = guarded_drop_lines(keys, words, learned)
    return [d.tolist() for d in drops], spared


def guarded_drop_lines(keys: list[np.ndarray], words: list[np.ndarray],
                       learned: Learned) -> tuple[Ragged, int]:
    """``guarded_drops`` as one array of line numbers and offsets: the
    local engine holds them for the whole corpus through pass 2, where a
    list per document cost 64 bytes for each, most of them empty."""
    n = len(keys)
    if not learned.counts or not n:
        return Ragged.of(np.zeros(0, np.int32), np.zeros(n, np.int64)), 0
    _, doc, line, at = _hits(keys, _known(learned))
    whole = _shares(doc, at, words, n) > MAX_SHARE
    keep = ~whole[doc]
    # _hits lists lines document by document, so the hits are in order
    return Ragged.of(line[keep].astype(np.int32), np.bincount(doc[keep], minlength=n)), int(whole.sum())


def regroup_drop_lines(keys: list[np.ndarray], words: list[np.ndarray],
                       learned: Learned) -> Ragged:
    """``guarded_drop_lines`` for the second grouping (``Pipeline._learn``),
    except that a run of sentences (``SENTENCE_BIT``) goes only when every
    line of it is learned. A site's footer of sentences repeats whole; a
    story printed a sentence to a line, its copies split over groups by
    their furniture, has edited sentences, a local line or paragraph among
    the ones learned from its copies. Taken out, its learned sentences left
    too little for the copies to meet again: 20 copies came out as 20
    fragments. Kept whole, a footer of sentences joined distinct short
    articles under it."""
    drops, _ = guarded_drop_lines(keys, words, learned)
    lengths = drops.lengths.copy()
    parts = []
    for i in np.flatnonzero(lengths).tolist():
        d, k = drops[i], keys[i]
        if (k[d] & SENTENCE_BIT).any():
            d = _whole_runs(k, d)
            lengths[i] = len(d)
        parts.append(d)
    flat = np.concatenate(parts).astype(np.int32) if parts else np.zeros(0, np.int32)
    return Ragged.of(flat, lengths)


def _whole_runs(k: np.ndarray, drop: np.ndarray) -> np.ndarray:
    """``drop`` (line numbers into keys ``k``) without the lines of a run of
    sentences not all of whose lines are in it."""
    gone = np.zeros(len(k), dtype=bool)
    gone[drop] = True
    marked = (k & SENTENCE_BIT) != 0
    keep = np.ones(len(drop), dtype=bool)
    i, n = 0, len(k)
    while i < n:
        if not marked[i]:
            i += 1
            continue
        j = i
        while j < n and (marked[j] or k[j] == 0):
            j += 1
        run = marked[i:j]
        if not gone[i:j][run].all():
            keep &= ~((drop >= i) & (drop < j))
        i = j
    return drop[keep]


#: Shingles ``common_shingles`` sorts at once (4 bytes each: 16 MB). Beyond
#: that, the per-cluster sets are spread over partitions by value, on disk,
#: and each partition is counted on its own. At 64 MB, a partition read
#: back and copied was 130 MB of the main process's peak at 0.4 GB of
#: input; smaller partitions cost only more, smaller writes.
COMMON_BUDGET = 1 << 22


def common_shingles(sets, groups: np.ndarray, min_clusters: int = MIN_CLUSTERS,
                    budget: int = COMMON_BUDGET) -> np.ndarray:
    """Shingles (word 5-gram hashes) found in at least ``min_clusters``
    distinct clusters: the furniture's share of the shingle sets, sorted.
    ``groups`` labels each set's cluster with a number below 2**32 (the
    pipeline uses document indices); shingle 0 is never counted.

    Counted per cluster for the same reason as lines: an article's own
    5-grams occur in one cluster however often it was syndicated. Common
    phrases of the language ("said in a statement") go too; they prove
    nothing about two documents being copies.

    Memory is bounded by ``budget`` shingles whatever the corpus: a shingle's
    count depends on its own value only, so the shingles of each partition
    of values (``value % parts``) are counted apart and the results joined.
    """
    n = len(sets)
    if not n:
        return np.zeros(0, np.uint32)
    sizes = getattr(sets, "sizes", None)
    total = int(sizes(np.arange(n)).sum()) if sizes is not None else sum(len(sets[i]) for i in range(n))
    parts = max(1, -(-total // budget))
    k = max(1, min_clusters)
    if parts == 1:
        return _in_k_clusters(np.concatenate(list(_per_cluster(sets, groups)) or [np.zeros(0, np.uint32)]), k)
    spools = [tempfile.TemporaryFile() for _ in range(parts)]
    try:
        buf: list[np.ndarray] = []
        held = 0
        for u in _per_cluster(sets, groups):
            buf.append(u)
            held += len(u)
            if held >= budget // 4:
                _spread(np.concatenate(buf), spools)
                buf, held = [], 0
        if buf:
            _spread(np.concatenate(buf), spools)
        found = []
        for f in spools:
            found.append(_in_k_clusters(_read_all(f), k))
        out = np.concatenate(found)
        out.sort()
        return out
    finally:
        for f in spools:
            f.close()


def _read_all(f) -> np.ndarray:
    """A spool of uint32 values read into one writable array (reading to
    bytes and copying held the partition twice)."""
    f.flush()
    out = np.empty(f.tell() // 4, dtype=np.uint32)
    f.seek(0)
    if out.size and f.readinto(memoryview(out).cast("B")) != out.nbytes:
        raise OSError("common shingles spool read short")
    return out


def _per_cluster(sets, groups: np.ndarray):
    """One set per cluster, in order of group label: a cluster of one is its
    document's set (sets hold each shingle once), a larger one the union of
    its members'. Then a shingle's count is its number of clusters, after
    one sort of 32-bit values: half the time of sorting (shingle, group)
    pairs as 64-bit."""
    groups = np.asarray(groups)
    order = np.argsort(groups, kind="stable")
    g = groups[order]
    edges = np.flatnonzero(np.concatenate(([True], g[1:] != g[:-1], [True])))
    # One cluster at a time from the arrays: as lists, the bounds cost 72
    # bytes per cluster, and most documents are a cluster of their own.
    for k in range(len(edges) - 1):
        a, b = int(edges[k]), int(edges[k + 1])
        if b - a == 1:
            yield np.asarray(sets[order[a]], dtype=np.uint32)
        else:
            yield sorted_unique(np.concatenate([np.asarray(sets[i], dtype=np.uint32)
                                                for i in order[a:b]]))


def _spread(values: np.ndarray, spools: list) -> None:
    """Append each value to the spool of its partition (``value % parts``)."""
    part = values % np.uint32(len(spools))
    order = np.argsort(part, kind="stable")
    bounds = np.searchsorted(part[order], np.arange(len(spools) + 1))
    v = values[order]
    for p, f in enumerate(spools):
        if bounds[p + 1] > bounds[p]:
            f.write(v[bounds[p]:bounds[p + 1]].tobytes())


def _in_k_clusters(s: np.ndarray, k: int) -> np.ndarray:
    """The distinct values of ``s`` (one per cluster it is in) found k or
    more times, sorted, 0 left out."""
    s.sort()
    if len(s) < k:
        return np.zeros(0, np.uint32)
    # Sorted, a shingle in k or more clusters is where a value equals the
    # one k - 1 places on: one comparison, no run lengths to compute.
    head = s[:len(s) - k + 1]
    hit = head[head == s[k - 1:]]
    if len(hit) > 1:
        hit = hit[np.concatenate(([True], hit[1:] != hit[:-1]))]
    return hit[hit != 0]  # as count_per_cluster, which reads 0 as no key


def spare_common(sets, groups: np.ndarray, common: np.ndarray,
                 min_share: float = MIN_GROUP_SHARE) -> np.ndarray:
    """``common`` without the shingles that repeat across copies of one
    article rather than across different articles (see ``MIN_GROUP_SHARE``).

    The sets are read one at a time, in group order, so this holds two
    counts per common shingle, not the corpus.
    """
    if not len(common):
        return common
    docs = np.zeros(len(common), dtype=np.int64)
    grps = np.zeros(len(common), dtype=np.int64)
    last = np.full(len(common), -1, dtype=np.int64)
    groups = np.asarray(groups, dtype=np.int64)
    for i in np.argsort(groups, kind="stable"):  # not a list: 36 bytes per document
        s = np.asarray(sets[i])
        if not len(s):
            continue
        pos = np.minimum(np.searchsorted(common, s), len(common) - 1)
        pos = pos[common[pos] == s]
        docs[pos] += 1
        g = groups[i]
        new = pos[last[pos] != g]
        grps[new] += 1
        last[pos] = g
    return common[grps >= min_share * docs]


def without(shingles: np.ndarray, common: np.ndarray) -> np.ndarray:
    """A sorted shingle set minus the sorted ``common`` ones."""
    if not len(common) or not len(shingles):
        return shingles
    pos = np.searchsorted(common, shingles)
    pos[pos == len(common)] = 0
    return shingles[common[pos] != shingles]


def drop_lines(keys: np.ndarray, learned: Learned) -> list[int]:
    """Indices of a document's lines that are learned furniture."""
    return drop_lines_each([keys], learned)[0]


def drop_lines_each(keys: list[np.ndarray], learned: Learned) -> list[list[int]]:
    """``drop_lines`` of many documents, looked up all at once: the main
    process does it between passes, while the workers wait."""
    if not learned.counts or not keys:
        return [[] for _ in range(len(keys))]
    _, doc, line, _ = _hits(keys, _known(learned))
    return _by_document(doc, line, len(keys))


def _by_document(doc: np.ndarray, line: np.ndarray, n: int) -> list[list[int]]:
    """Line numbers grouped per document (of ``n``), in order."""
    out: list[list[int]] = [[] for _ in range(n)]
    for d, i in zip(doc.tolist(), line.tolist()):
        out[d].append(i)
    return out


def strip(text: str, drop: list[int]) -> str:
    """``text`` without the lines at ``drop``, blank runs collapsed."""
    if not drop:
        return text
    lines = text.split("\n")
    gone = set(drop)
    kept = [line for i, line in enumerate(lines) if i not in gone]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


#: A word of a learned line, as the rules' ``regex`` module reads ``\w``:
#: letters with their combining marks (Unicode Mn, Mc: Indic vowel signs,
#: Thai tone marks, a decomposed accent), digits, connectors. Python's
#: ``re`` leaves marks out of ``\w``; split with it, "বাংলা" was the words
#: "ব" and "ল" and the pattern's ``\W+`` between them never matched.
_WORD = regex.compile(r"\w+")
_DIGITS = regex.compile(r"\d+")


def _pattern(line: str) -> str:
    """A regex for a learned line: its words in order, any punctuation or
    spacing between them, any digits where it had digits (dates, counts).

    Words are split exactly as the rule will read the line (``\\w`` of the
    ``regex`` module), so the pattern matches the line it was learned from
    in any script; it stays plain enough for the RE2 pre-filter."""
    words = _WORD.findall(line)
    parts = [_DIGITS.sub(r"\\d+", re.escape(w)) for w in words]
    return r"^\W*" + r"\W+".join(parts) + r"\W*$"


def _one_line(s: str) -> str:
    """``s`` fit for a TOML comment or a one-line description: control
    characters (line breaks, tabs, DEL…), which a comment cannot hold and
    a description must not, become spaces; a lone surrogate (an undecodable
    byte of a folder's name), which UTF-8 cannot hold, becomes U+FFFD."""
    s = regex.sub(r"[\ud800-\udfff]", "\ufffd", s)
    return " ".join(regex.sub(r"[\p{Cc}\p{Zl}\p{Zp}]", " ", s).split())


def to_rules(learned: Learned, name: str) -> str:
    """The learned furniture as a reviewable rule file (the format of
    ``rules/*.toml``): one ``line`` rule per line, most repeated first, its
    count as a comment and the line itself as the ``match`` example.

    The file is valid TOML whatever ``name`` holds (it is a folder's name
    by default): it goes into a comment on one line, and into the rule ids
    as a slug of ASCII letters, digits and hyphens."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "corpus"
    out = [f"# Furniture learned by `scrubber learn` from {_one_line(name)}: lines repeated in",
           f"# at least {MIN_CLUSTERS} near-duplicate clusters of one source. Review before use:",
           "# delete any rule that names article text.", ""]
    items = sorted(((c, learned.examples[k]) for k, c in learned.counts.items() if k in learned.examples),
                   key=lambda x: (-x[0], x[1]))
    seen = set()
    n = 0
    for count, line in items:
        pat = _pattern(line)
        if pat in seen or not _WORD.search(line):
            continue
        seen.add(pat)
        n += 1
        words = line.count(" ") + 1
        desc = line if len(line) <= 60 else line[:57] + "..."
        out += [f"# repeated in {count} clusters", "[[rule]]",
                f"id = {_toml_str(f'learned-{slug}-{n}')}",
                f"description = {_toml_str('Learned furniture: ' + desc)}",
                f"pattern = {_toml_str(pat)}", f"max_words = {words + 2}",
                f"match = [{_toml_str(line)}]", ""]
    return "\n".join(out)


def _toml_str(s: str) -> str:
    """A TOML basic string (JSON's escapes are valid TOML)."""
    import json
    # JSON leaves DEL as it is, which a TOML string may not hold
    return json.dumps(s, ensure_ascii=False).replace("\x7f", "\\u007f")
