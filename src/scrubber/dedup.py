"""Near-duplicate detection: shingles, MinHash signatures, LSH, verified clusters.

Candidates, then proof. MinHash + LSH only *propose* pairs; every pair is
verified on the exact shingle sets before two documents are joined, so an
approximate answer never merges distinct articles.

Why these defaults:

* **Word 5-grams** of normalised text (case folded, punctuation dropped,
  digits mapped to 0): long enough that unrelated news articles share almost
  none, short enough that a copy-edit costs only the five shingles around
  it. Gopher and the datasketch/text-dedup examples use 5-grams as well.
* **128 permutations** (datasketch's default): the standard error of a
  Jaccard estimate is about sqrt(J(1-J)/128) < 0.045.
* **64 bands x 2 rows**, tuned for recall on the hardest copies: a teaser
  that keeps a third of an article has a Jaccard of only 0.2-0.3 with it.
  A pair at Jaccard 0.2 becomes a candidate with probability
  1-(1-0.2^2)^64 = 0.93, at 0.3 with 0.998; the 32x4 banding of a 0.5
  threshold finds 0.05 of the pairs at 0.2. The price is more candidates,
  which exact verification pays for cheaply (about 5,000 on the 2,000
  documents of the dev set).
* **Verification by containment >= 0.5**: the share of the smaller
  document's shingles found in the larger one. A copy keeps at least ~0.6
  of its shingles against its original even after other furniture, cuts and
  copy-edits; distinct articles that quote a sentence or share a paragraph
  stay under ~0.35. Jaccard alone misses teasers (a third of the text has
  Jaccard ~0.3 but containment ~1). Exact containment needs the shingle sets,
  which the pipeline spools to disk (4 bytes per distinct shingle).
* A document with fewer than ``MIN_SHINGLES`` distinct shingles (under ~12
  words) is only joined as an exact duplicate: a few words contained in a
  long article prove nothing.
* **Star clusters**, not connected components: containment is not
  transitive, and a short text contained in many articles (a block of site
  furniture that survived cleaning) chained 250 distinct dev-set articles
  into one component. Each member is verified against its cluster's kept
  document (see ``cluster``).

Signatures are compatible with datasketch: ``signature`` equals
``MinHash(num_perm, seed, hashfunc=int, scheme="affine32")`` updated with the
same shingle hashes, so they can be loaded into ``LeanMinHash`` and
``MinHashLSH``.
"""

from __future__ import annotations

import os
import tempfile
from array import array
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np

from .columns import Digests
from .minhash import Params, Sketch, overlap, overlaps, sorted_unique

#: Fewer distinct shingles than this: joined only as an exact duplicate.
MIN_SHINGLES = 8
#: A bucket with more members than this is paired around one member (its
#: first in clustering order) instead of pair by pair; see ``bucket_pairs``.
MAX_BUCKET = 64


# --- LSH -----------------------------------------------------------------------

def band_key(sigs: np.ndarray, band: int, rows: int, which: np.ndarray | None = None) -> np.ndarray:
    """The 64-bit key of one band for every document (or for the rows
    ``which`` of ``sigs``): the band's rows hashed together. Hashed keys
    cost 8 bytes per band whatever ``rows`` is; a collision of two
    different bands only adds a candidate that verification rejects."""
    with np.errstate(over="ignore"):
        h = np.full(len(sigs) if which is None else len(which), 0xCBF29CE484222325 ^ band, dtype=np.uint64)
        for r in range(band * rows, (band + 1) * rows):
            col = sigs[:, r] if which is None else sigs[which, r]
            h = (h ^ col.astype(np.uint64)) * np.uint64(0x100000001B3)
            h ^= h >> np.uint64(31)
        return h + np.uint64(band) * np.uint64(0x9E3779B97F4A7C15)


def band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """All band keys, one row per document (what the index stores)."""
    out = np.empty((len(sigs), bands), dtype=np.uint64)
    for b in range(bands):
        out[:, b] = band_key(sigs, b, rows)
    return out


class BandKeys:
    """Every document's band keys, band after band in a temporary file,
    made from signature rows read a block at a time. LSH needs one band's
    keys at once (8 bytes per document); the signatures it would otherwise
    hold are 4 bytes per permutation and document (512 with the default
    128), the largest thing the main process kept in pass 3. ``band_key``
    is computed row by row, so keys made a block at a time are the same."""

    def __init__(self, blocks: Iterable[np.ndarray], n: int, bands: int, rows: int) -> None:
        self.n, self.bands, self.rows = n, bands, rows
        self._file = tempfile.TemporaryFile()
        fd, at = self._file.fileno(), 0
        for block in blocks:
            keys = band_keys(block, bands, rows)
            for b in range(bands):
                os.pwrite(fd, np.ascontiguousarray(keys[:, b]).data, 8 * (b * n + at))
            at += len(block)
        if at != n:
            raise ValueError(f"{at} signatures, not {n}")

    def __len__(self) -> int:
        return self.n

    def band(self, b: int, which: np.ndarray | None = None) -> np.ndarray:
        """Band ``b``'s keys of every document (or of the documents ``which``)."""
        out = np.empty(self.n, dtype=np.uint64)
        if self.n:
            got = os.preadv(self._file.fileno(), [memoryview(out).cast("B")], 8 * b * self.n)
            if got != out.nbytes:
                raise OSError("band keys read short")
        return out if which is None else out[which]

    def close(self) -> None:
        self._file.close()


def _band(sigs, b: int, rows: int, which: np.ndarray | None) -> np.ndarray:
    """One band's keys from signatures or from ``BandKeys``."""
    if isinstance(sigs, BandKeys):
        if sigs.rows != rows:
            raise ValueError(f"band keys of {sigs.rows} rows, not {rows}")
        return sigs.band(b, which)
    return band_key(sigs, b, rows, which)


@lru_cache(maxsize=MAX_BUCKET + 1)
def _triu(z: int) -> tuple[np.ndarray, np.ndarray]:
    return np.triu_indices(z, 1)


def candidate_pairs(sigs: np.ndarray | BandKeys, bands: int, rows: int,
                    words: np.ndarray | None = None, late: np.ndarray | None = None,
                    which: np.ndarray | None = None) -> np.ndarray:
    """Pairs (i, j), i < j, sharing at least one band key; int64 [m, 2], sorted.
    With ``which``, of the rows ``which`` of ``sigs``, numbered by their
    place in it (``words`` and ``late`` then follow ``which`` too): the
    first copies of a corpus of copies without a copy of their signatures,
    512 bytes each.

    One band at a time: its keys are computed, sorted, and runs of equal
    keys become buckets. The cost is O(n log n) per band and the memory on
    top of the signatures is one band's keys and order (16 bytes per
    document), not all bands' keys at once. The pairs found so far are
    kept as one sorted code each and merged whenever they have doubled, so
    that a pair found in many bands is not held once per band.
    """
    n = len(sigs) if which is None else len(which)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    idx = np.arange(n, dtype=np.int64)
    codes: list[np.ndarray] = []
    merged = held = 0
    for b in range(bands):
        found = bucket_pairs(_band(sigs, b, rows, which), idx, words, late)
        if len(found):
            codes.append(_pair_codes(found, n))
            held += len(codes[-1])
            if held > 2 * merged and len(codes) > 1:
                codes = [sorted_unique(np.concatenate(codes))]
                merged = held = len(codes[0])
    return _pairs_of(codes, n)


def bucket_pairs(keys: np.ndarray, idx: np.ndarray, words: np.ndarray | None = None,
                 late: np.ndarray | None = None) -> np.ndarray:
    """The candidate pairs of one band: documents ``idx`` (any increasing
    numbering) whose ``keys`` are equal, as int64 [m, 2] in no particular
    order. The Ray engine calls this on one band's keys gathered from every
    shard, so its pairs are the local engine's.

    A bucket of more than ``MAX_BUCKET`` is paired around one member only,
    so that a story copied 100,000 times costs 100,000 pairs, not 5e9. That
    member is the bucket's first in the order ``star`` visits documents
    (``late`` False first, then most ``words``, then earliest): the copy
    that will be the cluster's kept document, so every copy is verified
    against the document it must join. Around the earliest member instead,
    a 600-copy story came out as 113 records.
    """
    n = len(keys)
    if n < 2:
        return np.zeros((0, 2), dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    ks = keys[order]
    order = idx[order]
    edge = np.flatnonzero(ks[1:] != ks[:-1]) + 1
    starts = np.concatenate(([0], edge))
    sizes = np.diff(np.concatenate((starts, [n])))
    multi = np.flatnonzero(sizes >= 2)
    found = []
    small = multi[sizes[multi] == 2]
    if len(small):
        s = starts[small]
        found.append(np.stack((order[s], order[s + 1]), axis=1))
    big = multi[sizes[multi] > 2]
    for z in sorted_unique(sizes[big]).tolist():
        s = starts[big[sizes[big] == z]]
        if z > MAX_BUCKET:
            for st in s.tolist():
                m = np.sort(order[st:st + z])
                top = m[0] if words is None else m[_first_in_star_order(m, idx, words, late)]
                found.append(np.stack((np.full(z - 1, top), m[m != top]), axis=1))
            continue
        i, j = _triu(z)
        found.append(np.stack((order[s[:, None] + i].ravel(), order[s[:, None] + j].ravel()), axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    return np.concatenate(found).astype(np.int64)


def _first_in_star_order(members: np.ndarray, idx: np.ndarray, words: np.ndarray,
                         late: np.ndarray | None) -> int:
    """Position in ``members`` (numbers from ``idx``, increasing) of the
    one ``star`` visits first."""
    at = np.searchsorted(idx, members)
    w = np.asarray(words)[at]
    keys = (members, -w) if late is None else (members, -w, np.asarray(late)[at])
    return int(np.lexsort(keys)[0])


def unique_pairs(found: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs among ``found``, each as (smaller, larger), sorted;
    ``n`` bounds the document numbers."""
    return _pairs_of([_pair_codes(f, n) for f in found if len(f)], n)


def _pair_codes(pairs: np.ndarray, n: int) -> np.ndarray:
    """Pairs as sorted distinct codes (smaller * n + larger)."""
    pairs = pairs.astype(np.int64, copy=False)
    return sorted_unique(np.minimum(pairs[:, 0], pairs[:, 1]) * n + np.maximum(pairs[:, 0], pairs[:, 1]))


def _pairs_of(codes: list[np.ndarray], n: int) -> np.ndarray:
    """The distinct pairs of several lists of codes, [m, 2], sorted."""
    if not codes:
        return np.zeros((0, 2), dtype=np.int64)
    code = sorted_unique(np.concatenate(codes)) if len(codes) > 1 else codes[0]
    return np.stack((code // n, code % n), axis=1)


# --- clusters ------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class Cluster:
    """A group of near-duplicates: the kept document and the dropped ones
    (indices in input order), with each dropped one's exact Jaccard and
    containment against the kept one."""

    keep: int
    dropped: tuple[int, ...]
    scores: tuple[tuple[float, float], ...]


def verify(a: np.ndarray, b: np.ndarray, containment: float = 0.5) -> tuple[bool, float, float]:
    """Whether two shingle sets are near-duplicates, with (Jaccard, containment)."""
    jac, con = overlap(a, b)
    ok = min(len(a), len(b)) >= MIN_SHINGLES and con >= containment
    return ok, jac, con


@dataclass(slots=True)
class Corpus:
    """The columns clustering needs, one entry per document in input order.

    ``shingles`` is any sequence of sorted uint32 arrays; the pipeline passes
    a ``ShingleSpool`` so that the sets live on disk, not in memory.
    """

    sigs: np.ndarray | BandKeys    # uint32 [n, num_perm], or only their band keys
    shingles: Sequence[np.ndarray]
    words: np.ndarray              # int [n]
    exact: Sequence[bytes]        # a list, or Digests (columns.py)

    @classmethod
    def of(cls, sketches: Sequence[Sketch], num_perm: int = 128) -> "Corpus":
        sigs = np.stack([s.sig for s in sketches]) if sketches else np.zeros((0, num_perm), np.uint32)
        return cls(sigs, [s.shingles for s in sketches],
                   np.array([s.words for s in sketches], dtype=np.int64), [s.exact for s in sketches])

    def __len__(self) -> int:
        return len(self.exact)


def exact_groups(exact) -> tuple[np.ndarray, dict[int, list[int]]]:
    """Representatives (first of each normalised text, in order) and, for
    each that has them, its later exact copies. The fast special case: no
    MinHash needed. ``exact`` is a list of 16-byte digests or a uint8
    array [n, 16]; grouping is one ``np.unique``, not a dict of n keys."""
    n = len(exact)
    if not n:
        return np.zeros(0, np.int64), {}
    if isinstance(exact, Digests):
        arr = exact.array
    elif isinstance(exact, np.ndarray):
        arr = exact
    else:
        arr = np.frombuffer(b"".join(exact), dtype=np.uint8)
    v = np.ascontiguousarray(arr).reshape(n, -1).view(np.dtype((np.void, arr.size // n))).ravel()
    _, first, inverse = np.unique(v, return_index=True, return_inverse=True)
    first_of = first[inverse.ravel()]
    reps = np.flatnonzero(first_of == np.arange(n))
    copies: dict[int, list[int]] = {}
    for i in np.flatnonzero(first_of != np.arange(n)).tolist():
        copies.setdefault(int(first_of[i]), []).append(i)
    return reps, copies


def edges(corpus: Corpus, params: Params = Params(), containment: float = 0.5,
          fixed: int = 0, reps: Sequence[int] | None = None) -> Iterator[tuple[int, int, float, float]]:
    """Verified pairs (i, j, Jaccard, containment), i < j, among ``reps``
    (default: the first copy of each normalised text).

    Documents below ``fixed`` are already deduplicated against each other
    (an index): pairs among them are not looked at.
    """
    if reps is None:
        reps = exact_groups(corpus.exact)[0]
    reps_a = np.asarray(reps, dtype=np.int64)
    if len(reps_a) < 2:
        return
    words = np.asarray(corpus.words)
    if len(reps_a) == len(corpus):  # no exact copies: no need to copy the signatures
        late = np.arange(len(corpus)) >= fixed if fixed else None
        pairs = candidate_pairs(corpus.sigs, params.bands, params.rows, words, late)
    else:
        late = reps_a >= fixed if fixed else None
        pairs = reps_a[candidate_pairs(corpus.sigs, params.bands, params.rows,
                                       words[reps_a], late, which=reps_a)]
    if fixed:
        pairs = pairs[pairs[:, 1] >= fixed]
    yield from verified(corpus.shingles, pairs, containment)


def verified(shingles, pairs: np.ndarray, containment: float = 0.5
             ) -> Iterator[tuple[int, int, float, float]]:
    """The pairs (x, y) of ``pairs`` whose sets verify, as (x, y, Jaccard,
    containment), in the order given. The pairs of one x are measured
    together (``minhash.overlaps``)."""
    for lo in range(0, len(pairs), _VERIFY_CHUNK):
        chunk = pairs[lo:lo + _VERIFY_CHUNK]
        sets = _read_ahead(shingles, chunk)
        xs, ys = chunk[:, 0].tolist(), chunk[:, 1].tolist()
        of_x: dict[int, list[int]] = {}
        for k, x in enumerate(xs):
            of_x.setdefault(x, []).append(k)
        found: list[tuple[float, float] | None] = [None] * len(xs)
        for x, ks in of_x.items():
            a = sets[x]
            if len(a) < MIN_SHINGLES:
                continue
            group: list[tuple[int, np.ndarray]] = []
            size = 0
            for k in ks + [-1]:
                b = sets[ys[k]] if k >= 0 else None
                # a story's kept copy may be in the whole chunk's pairs: the
                # sets searched at once stay under _OVERLAP_SHINGLES
                if group and (b is None or size + len(b) > _OVERLAP_SHINGLES):
                    for (j, c), (jac, con) in zip(group, overlaps(a, [c for _, c in group])):
                        if len(c) >= MIN_SHINGLES and con >= containment:
                            found[j] = (jac, con)
                    group, size = [], 0
                if b is not None:
                    group.append((k, b))
                    size += len(b)
        for x, y, f in zip(xs, ys, found):
            if f is not None:
                yield x, y, f[0], f[1]


#: Candidate pairs verified together, and the most shingles read ahead for them.
_VERIFY_CHUNK = 1 << 15
_READ_AHEAD = 1 << 24
#: Most shingles one ``overlaps`` call searches (4 MB, and 8 MB of positions).
_OVERLAP_SHINGLES = 1 << 20


def _read_ahead(shingles, pairs: np.ndarray):
    """The sets of the documents in ``pairs``, each read once, when they fit
    in ``_READ_AHEAD`` shingles (64 MB); else ``shingles`` itself. A spool
    read costs a system call, and a story's kept copy is in thousands of
    pairs."""
    sizes = getattr(shingles, "sizes", None)
    if sizes is None:
        return shingles
    docs = sorted_unique(pairs.ravel())
    if int(sizes(docs).sum()) > _READ_AHEAD:
        return shingles
    return dict(zip(docs.tolist(), shingles.many(docs)))


def cluster(corpus: Corpus | Sequence[Sketch], params: Params = Params(), containment: float = 0.5,
            fixed: int = 0) -> list[Cluster]:
    """Clusters of two or more near-duplicate documents, in order of their
    first member.

    Star clustering over the verified pairs, not connected components:
    documents are visited most complete first (most words of clean text,
    ties to the earliest in input order; documents below ``fixed``, kept in
    an earlier run, before all others); an unassigned document becomes the
    kept document of a new cluster and takes in every unassigned document
    verified against *it*. A member never recruits others, so a short text
    contained in many articles (a block of site furniture, a quoted
    paragraph) cannot chain them into one cluster: every member's
    similarity to its kept document has been checked. Exact copies follow
    their first copy.
    """
    if not isinstance(corpus, Corpus):
        corpus = Corpus.of(_sketches(corpus, params), params.num_perm)
    reps, copies = exact_groups(corpus.exact)
    nbrs = neighbours(edges(corpus, params, containment, fixed, reps))
    words = np.asarray(corpus.words)
    nodes = set(nbrs) | set(copies)
    return star(nbrs, copies, {i: int(words[i]) for i in nodes}, fixed,
                lambda pairs: verified(corpus.shingles, pairs, containment))


def _sketches(sketches: Iterable[Sketch], params: Params) -> list[Sketch]:
    """``sketches`` as a list, refused unless each is a ``Sketch`` of
    ``params.num_perm`` permutations (others failed deep in numpy, where
    datasketch refuses to compare MinHashes of different sizes), shingle
    size and seed."""
    out = list(sketches)
    for n, s in enumerate(out):
        if not isinstance(s, Sketch):
            raise TypeError(f"cluster() takes Sketches (scrubber.sketch(text)), not "
                            f"{type(s).__name__} (item {n})")
        if len(s.sig) != params.num_perm:
            raise ValueError(f"cluster(): sketch {n} has {len(s.sig)} permutations but params has "
                             f"num_perm={params.num_perm}: sketch every text with one num_perm and "
                             "pass Params of that num_perm")
        # Other shingles or permutations find nothing in common: copies
        # were silently not joined.
        if (s.k, s.seed) != (params.shingle_size, params.seed):
            raise ValueError(f"cluster(): sketch {n} was made with k={s.k}, seed={s.seed} but params "
                             f"has shingle_size={params.shingle_size}, seed={params.seed}: sketch every "
                             "text with one k and seed and pass Params of those")
    return out


def neighbours(verified: Iterable[tuple[int, int, float, float]]) -> "Neighbours":
    """Each document's verified neighbours, from pairs (i, j, Jaccard, containment)."""
    cols = (array("q"), array("q"), array("d"), array("d"))
    for edge in verified:
        for c, v in zip(cols, edge):
            c.append(v)
    return Neighbours(*(np.frombuffer(c, dtype=np.int64 if c.typecode == "q" else np.float64)
                        if len(c) else np.zeros(0, np.int64 if c.typecode == "q" else np.float64)
                        for c in cols))


class Neighbours(Mapping):
    """Verified pairs read as document -> [(neighbour, Jaccard,
    containment)], sorted, for every document in a pair.

    Held as the pairs' columns and one sorted index over both ends: 48
    bytes per pair, where two tuples in two lists of a dict cost about 250
    and a corpus of few copies has pairs for most of its documents. A
    document's list is made when asked for."""

    def __init__(self, x: np.ndarray, y: np.ndarray, jac: np.ndarray, con: np.ndarray) -> None:
        self._x, self._y, self._jac, self._con = x, y, jac, con
        m = len(x)
        # Both ends of each pair, in the order sorted() gives a dict's lists.
        src = np.concatenate((x, y))
        self._order = np.lexsort((np.tile(con, 2), np.tile(jac, 2), np.concatenate((y, x)), src))
        src = src[self._order]
        head = np.flatnonzero(np.concatenate(([True], src[1:] != src[:-1]))) if 2 * m else np.zeros(0, np.int64)
        self._nodes = src[head]
        self._starts = np.append(head, 2 * m)

    def plus(self, found: list[tuple[int, int, float, float]]) -> "Neighbours":
        """These pairs and the pairs ``found``."""
        cols = list(zip(*found)) or [(), (), (), ()]
        return Neighbours(*(np.concatenate((old, np.array(new, dtype=old.dtype)))
                            for old, new in zip((self._x, self._y, self._jac, self._con), cols)))

    def __getitem__(self, i: int) -> list[tuple[int, float, float]]:
        k = int(np.searchsorted(self._nodes, i))
        if k == len(self._nodes) or self._nodes[k] != i:
            raise KeyError(i)
        at = self._order[self._starts[k]:self._starts[k + 1]]
        m = len(self._x)
        other = np.where(at < m, self._y[at % m], self._x[at % m])
        return list(zip(other.tolist(), self._jac[at % m].tolist(), self._con[at % m].tolist()))

    def __iter__(self) -> Iterator[int]:
        return iter(self._nodes.tolist())

    def __len__(self) -> int:
        return len(self._nodes)


#: Rounds of ``repair`` after the first star assignment, and the centres a
#: stray document is checked against in each.
REPAIR_ROUNDS = 4
REPAIR_CENTRES = 4

Verified = Mapping[int, list[tuple[int, float, float]]]
#: The scores of an exact copy, one tuple shared by all of them.
_EXACT = (1.0, 1.0)


def _assign(nbrs: Verified, copies: dict[int, list[int]], words: dict[int, int],
            fixed: int) -> tuple[np.ndarray, dict[int, int], dict[int, list[tuple[int, float, float]]]]:
    """The star assignment: the visiting order, each node's centre, and
    each centre's members with their scores."""
    nodes = np.array(sorted(set(nbrs) | set(copies)), dtype=np.int64)
    w = np.array([words[i] for i in nodes.tolist()], dtype=np.int64)
    order = nodes[np.lexsort((nodes, -w, nodes >= fixed))]
    centre_of: dict[int, int] = {}
    members: dict[int, list[tuple[int, float, float]]] = {}
    for i in order.tolist():
        if i in centre_of:
            continue
        centre_of[i] = i
        got = []
        for j, jac, con in sorted(nbrs.get(i, ())):
            if j not in centre_of and j >= fixed:
                centre_of[j] = i
                got.append((j, jac, con))
        members[i] = got
    return order, centre_of, members


def repair_pairs(nbrs: Verified, order: np.ndarray, centre_of: dict[int, int],
                 fixed: int = 0, per_node: int = REPAIR_CENTRES) -> np.ndarray:
    """Pairs (centre, document) worth verifying after a star assignment:
    each document that became a centre although some of its verified
    neighbours joined an earlier centre, with up to ``per_node`` of those
    centres (the earliest visited first).

    Such a document is a copy that was only ever compared with other
    copies, never with the kept one: a story copied 600 times meets its
    kept copy in no band at all for some of its copies, and buckets of
    more than ``MAX_BUCKET`` pair each member with one document only.
    Verified against the kept copy, it joins its cluster like any member.
    """
    rank = {i: r for r, i in enumerate(order.tolist())}
    star_of: dict[int, list[int]] = {}
    for j, c in centre_of.items():
        if j != c:
            star_of.setdefault(c, []).append(j)
    out = []
    for i in order.tolist():
        if centre_of[i] != i or i < fixed:
            continue
        mine = {j for j, _, _ in nbrs.get(i, ())}
        cs = sorted({centre_of[j] for j in mine} - {i} - mine, key=rank.__getitem__)
        cs = [c for c in cs if rank[c] < rank[i]][:per_node]
        # The stray star's members too: joined one lead a round, a star of
        # twenty copies needed twenty rounds, and REPAIR_ROUNDS left most
        # of it apart (a story of 2,000 copies).
        out.extend((c, j) for j in [i, *sorted(star_of.get(i, ()))] if j >= fixed for c in cs)
    return np.array(out, dtype=np.int64).reshape(-1, 2)


def star(nbrs: Verified, copies: dict[int, list[int]], words: dict[int, int], fixed: int = 0,
         check: Callable[[np.ndarray], Iterable[tuple[int, int, float, float]]] | None = None,
         rounds: int = REPAIR_ROUNDS) -> list[Cluster]:
    """Star clusters (see ``cluster``) from verified neighbours, exact copies
    and the words of every document in either.

    With ``check`` (verified pairs among the pairs it is given, as
    ``edges`` yields them), up to ``rounds`` rounds of repair follow: the
    documents ``repair_pairs`` names are verified against the kept
    documents their neighbours joined, the pairs that pass become
    neighbours, and the assignment is made again. Every member is still
    verified against its own kept document, and each round costs at most
    ``REPAIR_CENTRES`` verifications per document, whatever the cluster's
    size.

    Only documents with a neighbour or a copy are visited: any other one
    would become a centre that takes nobody. So this needs memory for the
    duplicates only, not for the corpus, which is what lets the Ray engine
    run it on its driver for any number of documents.
    """
    if not nbrs and not copies:
        return []
    order, centre_of, members = _assign(nbrs, copies, words, fixed)
    tried: set[tuple[int, int]] = set()
    own = False  # nbrs is still the caller's, which stays as given
    for _ in range(rounds if check is not None else 0):
        pairs = [p for p in map(tuple, repair_pairs(nbrs, order, centre_of, fixed).tolist())
                 if p not in tried]
        if not pairs:
            break
        tried.update(pairs)
        pairs = np.array(pairs, dtype=np.int64)
        found = list(check(pairs))
        if not found:
            break
        if isinstance(nbrs, Neighbours):
            nbrs = nbrs.plus(found)
        else:
            if not own:
                nbrs, own = {i: list(v) for i, v in nbrs.items()}, True
            for x, y, jac, con in found:
                nbrs.setdefault(x, []).append((y, jac, con))
                nbrs.setdefault(y, []).append((x, jac, con))
        order, centre_of, members = _assign(nbrs, copies, words, fixed)
    out = []
    for c, got in members.items():
        if not got and c not in copies:
            continue
        dropped = [(d, jac, con) for d in copies.get(c, ()) for jac, con in [(1.0, 1.0)]]
        for j, jac, con in got:
            dropped.append((j, jac, con))
            dropped.extend((d, jac, con) for d in copies.get(j, ()))
        if not dropped:
            continue
        dropped.sort()
        out.append(Cluster(c, tuple(d for d, _, _ in dropped),
                           tuple(_EXACT if j == k == 1.0 else (j, k) for _, j, k in dropped)))
    out.sort(key=lambda cl: min(cl.keep, cl.dropped[0]))
    return out


class ShingleSpool:
    """Shingle sets appended to a temporary file and read back on demand.

    Clustering needs every set for exact verification, but only a few at a
    time; on disk they cost 4 bytes per distinct shingle and the process
    keeps 8 bytes per document (the offset). Sets are read with ``pread``,
    not through a memory map: a map's pages count in the process's
    resident memory once touched, so a run that verified every set looked
    as if it held the whole spool. The page cache holds the rest, where the
    kernel can drop it.
    """

    def __init__(self):
        self._file = tempfile.TemporaryFile()
        self._offsets = array("q", [0])
        self._dirty = False

    def extend(self, sets: np.ndarray, lengths: np.ndarray) -> None:
        """Append several sets given in one array, ``lengths`` long each."""
        self._file.write(np.ascontiguousarray(sets, dtype=np.uint32).data)
        self._offsets.extend((np.cumsum(lengths) + self._offsets[-1]).tolist())
        self._dirty = True

    def _read(self, a: int, b: int) -> np.ndarray:
        """Shingles ``a`` to ``b`` (excluded) of the whole spool."""
        if self._dirty:
            self._file.flush()
            self._dirty = False
        if b <= a:
            return np.zeros(0, np.uint32)
        return np.frombuffer(os.pread(self._file.fileno(), 4 * (b - a), 4 * a), dtype=np.uint32)

    def block(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray]:
        """Sets ``lo`` to ``hi`` (excluded) in one array, and their lengths."""
        offs = np.array(self._offsets[lo:hi + 1], dtype=np.int64)
        return self._read(int(offs[0]), int(offs[-1])), np.diff(offs)

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, i: int) -> np.ndarray:
        return self._read(self._offsets[i], self._offsets[i + 1])

    def sizes(self, docs: np.ndarray) -> np.ndarray:
        """The number of shingles of each of ``docs``."""
        offs = np.frombuffer(self._offsets, dtype=np.int64)
        return offs[docs + 1] - offs[docs]

    def many(self, docs: np.ndarray) -> list[np.ndarray]:
        """The sets of the sorted ``docs``, read in runs of neighbours: one
        read for documents that follow each other in the spool."""
        offs = np.frombuffer(self._offsets, dtype=np.int64)
        out: list[np.ndarray] = []
        docs = np.asarray(docs, dtype=np.int64)
        breaks = np.flatnonzero(np.diff(docs) != 1) + 1
        for run in np.split(docs, breaks) if len(docs) else []:
            a, b = int(offs[run[0]]), int(offs[run[-1] + 1])
            block = self._read(a, b)
            rel = offs[run[0]:run[-1] + 2] - a
            out += [block[rel[k]:rel[k + 1]] for k in range(len(run))]
        return out

    def close(self) -> None:
        self._file.close()
