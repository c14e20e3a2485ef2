"""Sketches of texts: normalised words, word 5-gram shingles, MinHash signatures.

Signatures are compatible with datasketch: ``signature`` equals
``MinHash(num_perm, seed, hashfunc=int, scheme="affine32")`` updated with the
same shingle hashes, so they can be loaded into ``LeanMinHash`` and
``MinHashLSH``. Why 5-grams and 128 permutations: see ``dedup.py``.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Sequence

import numpy as np

from .scripts import CJK_RANGES, SEA_RANGES, char_class

if TYPE_CHECKING:
    from datasketch import LeanMinHash

_WORD = re.compile(r"\w+")


def _ranges(keep, end: int = 0x20000) -> list[tuple[int, int]]:
    """The ranges of code points below ``end`` whose characters ``keep``
    accepts (the planes past the second hold no letters of a living
    script; scanning them all cost 140 ms an import, these 20)."""
    out: list[tuple[int, int]] = []
    for c in range(0x80, end):
        if keep(chr(c)):
            if out and out[-1][1] == c - 1:
                out[-1] = (out[-1][0], c)
            else:
                out.append((c, c))
    return out


# words_of's two steps to "every non-word character but \n is a space, every
# ASCII digit 0": the non-ASCII non-word characters by regex (few matches in
# most text), then the ASCII ones and the digits by one bytes.translate.
# Combining marks are no \w to re, but are letters' parts: the vowel signs
# of Devanagari, Bengali, Tamil or Thai ("कितनी" was the words "क" and "तन"),
# Hebrew points, Arabic harakat. They stay in their words.
# Variation selectors (U+FE00-FE0F, and plane 14's, not scanned) are marks
# too, but of emoji and symbols, which are no words: left out, "❤️" is no
# word, where its selector alone was one.
_MARK_RANGES = _ranges(lambda c: unicodedata.category(c)[0] == "M" and not 0xFE00 <= ord(c) <= 0xFE0F)
_MARKS = "".join(f"{chr(lo)}-{chr(hi)}" for lo, hi in _MARK_RANGES)
_NONASCII_NONWORD = re.compile(f"[^\\x00-\\x7f\\w{_MARKS}]+")
# Scripts written without spaces (scripts.py): each character is a word
# here, so a shingle is a character 5-gram. Whitespace alone made a
# Chinese paragraph a few clause-long "words", and three changed characters
# in a paragraph took most of its shingles.
# (Split around each such character and joined with spaces: five times
# faster than a substitution with a template.)
# A Thai vowel or tone mark stays on its letter: a word of its own, it
# made a Thai footer line of 23 "words" 29, past LONG_WORDS.
_UNSPACED = re.compile(f"({char_class(CJK_RANGES + SEA_RANGES)}[{_MARKS}]*)")
#: How ``words_of`` tokenises (index files record it): 2 since unspaced
#: scripts count one word per character, 3 since combining marks stay in
#: their words, 4 since a Thai mark stays on its letter and an emoji's
#: variation selector is no word.
TOKENS = 4
_ASCII_FOLD = bytes(48 if chr(c) in "123456789" else
                    32 if c < 128 and c != 10 and not _WORD.match(chr(c)) else c for c in range(256))
# Multipliers that combine k word hashes into one k-gram hash (odd 64-bit).
_GRAM_MULT = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9,
                       0xD6E8FEB86659FD93, 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53,
                       0x27D4EB2F165667C5, 0x94D049BB133111EB], dtype=np.uint64)
_MAX_ROWS = 4096  # shingles per block when signing, to bound memory


@dataclass(frozen=True)
class Params:
    """Everything that must agree for two signatures to be comparable.

    An index on disk records these and refuses a run with others, as
    datasketch refuses to compare MinHashes of different seeds or sizes.
    """

    shingle_size: int = 5
    num_perm: int = 128
    bands: int = 64
    rows: int = 2
    seed: int = 1

    def __post_init__(self):
        _check_ints("Params", shingle_size=self.shingle_size, num_perm=self.num_perm,
                    bands=self.bands, rows=self.rows, seed=self.seed)
        if self.bands * self.rows > self.num_perm:
            raise ValueError(f"bands x rows ({self.bands} x {self.rows}) exceeds num_perm ({self.num_perm})")

    def describe(self) -> str:
        """The parameters as one line, for a message that two disagree."""
        return (f"num_perm={self.num_perm}, bands={self.bands}, rows={self.rows}, "
                f"shingle_size={self.shingle_size}, seed={self.seed}")


def _check_ints(caller: str, **values: object) -> None:
    """Refuse, naming it, a size below 1 or a seed outside numpy's 32 bits:
    they passed unchecked and failed later inside numpy, or made empty
    signatures every text shared."""
    for name, v in values.items():
        low, high = (0, 1 << 32) if name == "seed" else (1, None)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < low \
                or (high is not None and v >= high):
            span = "in [0, 2**32)" if high else "of at least 1"
            raise ValueError(f"{caller}: {name} must be an integer {span}, not {v!r}")


def word_hashes(words: list[str]) -> np.ndarray:
    """32-bit hashes of normalised words, in order (crc32: measured as fast
    as a cached lookup, and stable across processes and versions)."""
    return np.fromiter(map(zlib.crc32, map(str.encode, words)), dtype=np.uint32, count=len(words))


def sorted_unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` for a 1-d integer array, by sort and compare.

    numpy 2.3+ answers a plain ``np.unique`` through a hash table, ten times
    slower on these arrays than sorting (docs/performance.md).
    """
    a = np.sort(a)
    keep = np.empty(len(a), dtype=bool)
    keep[:1] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def grams(wh: np.ndarray, k: int = 5) -> np.ndarray:
    """Sorted unique 32-bit hashes of the k-grams of a word-hash sequence
    (one shingle for a sequence shorter than k)."""
    if not len(wh):
        return np.zeros(0, dtype=np.uint32)
    wh = wh.astype(np.uint64)
    k = min(k, len(wh), len(_GRAM_MULT))
    n = len(wh) - k + 1
    with np.errstate(over="ignore"):
        h = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            h += wh[j:j + n] * _GRAM_MULT[j]
        h ^= h >> np.uint64(29)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(32)
    return sorted_unique(h.astype(np.uint32))


def shingle_hashes(words: list[str], k: int = 5) -> np.ndarray:
    """Sorted unique 32-bit hashes of the word k-grams (one shingle for a
    document shorter than k words)."""
    return grams(word_hashes(words), k)


@dataclass(slots=True)
class Words:
    """A text's normalised words, line by line: what both deduplication and
    corpus furniture need, computed in one pass over the text."""

    lines: list[bytes]      # each line normalised (words joined by one space), UTF-8
    per_line: np.ndarray    # int32: words in each line
    hashes: np.ndarray      # uint32: every word's hash, in order

    def kept(self, drop: Sequence[int]) -> np.ndarray:
        """Word hashes of the lines not in ``drop``."""
        keep = np.ones(len(self.per_line), dtype=bool)
        keep[list(drop)] = False
        return self.hashes[np.repeat(keep, self.per_line)]


def words_of(text: str) -> Words:
    """``text`` normalised per line of ``text.split("\\n")``."""
    folded = text.casefold()
    if not folded.isascii():
        folded = _NONASCII_NONWORD.sub(" ", folded)
        if _UNSPACED.search(folded):
            folded = " ".join(_UNSPACED.split(folded))
    # Words are split from UTF-8 bytes, so none becomes a str or is encoded
    # on its own: half the time of str words (docs/performance.md).
    lines, per_line, words = [], [], []
    for line in folded.encode().translate(_ASCII_FOLD).split(b"\n"):
        ws = line.split()
        lines.append(b" ".join(ws))
        per_line.append(len(ws))
        words += ws
    return Words(lines, np.array(per_line, dtype=np.int32),
                 np.fromiter(map(zlib.crc32, words), dtype=np.uint32, count=len(words)))


def _fmix32(h: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer: datasketch's affine32 scheme pre-mixes with it.
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """datasketch's affine32 permutations for (num_perm, seed): odd ``a``
    and any ``b`` drawn from ``RandomState(seed)`` as datasketch 2.0 draws
    them (``MinHash._init_permutations``). Computed here rather than by
    importing datasketch, whose import (LSH, storage back-ends) took longer
    than signing a 2,000-document run; tests/test_dedup.py checks equality
    against datasketch itself."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return a, b


def signature(shingles: np.ndarray, num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """MinHash signature (uint32[num_perm]) of a set of 32-bit shingle hashes."""
    return signatures([shingles], num_perm, seed)[0]


def signatures(sets: Sequence[np.ndarray], num_perm: int = 128, seed: int = 1) -> np.ndarray:
    """Signatures of many shingle sets, one row each.

    Each set goes through all permutations in one (num_perm x shingles)
    matrix and a row minimum; measured, that beats one
    ``np.minimum.reduceat`` over a whole batch by 2-4x, and the column
    minimum of the transposed (shingles x num_perm) matrix by 1.4x (a row is
    contiguous, so each permutation's minimum is one vector reduction). The
    matrix is written into one buffer reused for every set, and blocks of
    ``_MAX_ROWS`` shingles bound its size on huge documents. An empty set
    gets datasketch's empty signature (all 2^32-1).
    """
    a, b = permutations(num_perm, seed)
    a, b = a[:, None], b[:, None]
    out = np.full((len(sets), num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
    longest = min(_MAX_ROWS, max((len(sh) for sh in sets), default=0))
    work = np.empty(num_perm * longest, dtype=np.uint32)
    with np.errstate(over="ignore"):
        for i, sh in enumerate(sets):
            row = out[i]
            for lo in range(0, len(sh), _MAX_ROWS):
                hv = _fmix32(sh[lo:lo + _MAX_ROWS].astype(np.uint32, copy=False))
                m = work[:num_perm * len(hv)].reshape(num_perm, len(hv))
                np.multiply(a, hv, out=m)
                m += b
                np.minimum(row, m.min(axis=1), out=row)
    return out


@dataclass(slots=True)
class Sketch:
    """What deduplication keeps of a document."""

    sig: np.ndarray          # uint32[num_perm]
    shingles: np.ndarray     # sorted unique uint32 shingle hashes (exact verification)
    words: int               # words in the clean text (completeness)
    exact: bytes             # digest of the normalised text
    k: int = 5               # words a shingle, and the seed the signature was drawn from:
    seed: int = 1            # sketches of other k or seed share no shingles or permutations

    @property
    def size(self) -> int:
        """Distinct shingles of the text."""
        return len(self.shingles)

    def to_minhash(self, seed: int = 1) -> "LeanMinHash":
        """This signature as a datasketch ``LeanMinHash`` (for its
        ``MinHashLSH``, storage back-ends or Jaccard estimates); ``seed`` must
        be the one it was signed with (``Config.seed``)."""
        from datasketch import LeanMinHash

        return LeanMinHash(seed=seed, hashvalues=self.sig.astype(np.uint64), scheme="affine32")


#: Bytes of an ``exact_digest``.
DIGEST_BYTES = 16


def exact_digest(wh: np.ndarray) -> bytes:
    """Digest of a text's word-hash sequence: equal digests are exact
    duplicates (same words in the same order after normalisation)."""
    return hashlib.blake2b(np.ascontiguousarray(wh, dtype=np.uint32).tobytes(),
                           digest_size=DIGEST_BYTES).digest()


def sketch(text: str, k: int = 5, num_perm: int = 128, seed: int = 1) -> Sketch:
    """What deduplication keeps of ``text``: its MinHash signature over
    word ``k``-gram shingles (``num_perm`` permutations drawn from ``seed``),
    the shingles themselves for exact verification, its word count and a
    digest of its normalised words. ``cluster`` compares sketches made with
    one ``k``, ``num_perm`` and ``seed``, those of its ``Params``
    (``Config.dedup_params`` for a run's)."""
    if not isinstance(text, str):
        raise TypeError(f"sketch() takes a str, not {type(text).__name__}")
    _check_ints("sketch()", k=k, num_perm=num_perm, seed=seed)
    return sketch_many([text], k, num_perm, seed)[0]


def sketch_many(texts: Sequence[str] | Sequence[Words], k: int = 5, num_perm: int = 128,
                seed: int = 1) -> list[Sketch]:
    """Sketches of a batch of texts (or their ``Words``)."""
    ws = [t if isinstance(t, Words) else words_of(t) for t in texts]
    return sketch_hashes([w.hashes for w in ws], k, num_perm, seed)


def sketch_hashes(whs: Sequence[np.ndarray], k: int = 5, num_perm: int = 128, seed: int = 1) -> list[Sketch]:
    """Sketches from word-hash sequences."""
    sets = [grams(wh, k) for wh in whs]
    sigs = signatures(sets, num_perm, seed)
    return [Sketch(sigs[i], sets[i], len(wh), exact_digest(wh), k, seed) for i, wh in enumerate(whs)]


# --- exact similarity --------------------------------------------------------

def overlap(a: np.ndarray, b: np.ndarray) -> tuple[float, float]:
    """Exact (Jaccard, containment of the smaller in the larger) of two
    sorted unique shingle arrays."""
    if not len(a) or not len(b):
        return 0.0, 0.0
    if len(a) > len(b):
        a, b = b, a
    pos = np.searchsorted(b, a)
    pos[pos == len(b)] = 0
    inter = int(np.count_nonzero(b[pos] == a))
    return inter / (len(a) + len(b) - inter), inter / len(a)


def overlaps(a: np.ndarray, bs: Sequence[np.ndarray]) -> list[tuple[float, float]]:
    """``overlap(a, b)`` for each ``b`` of ``bs``, the same floats, in a
    few numpy calls for all of them: a kept copy is verified against
    hundreds of others, and a call per pair cost more than its search."""
    out = [(0.0, 0.0)] * len(bs)
    todo = [k for k, b in enumerate(bs) if len(b)]
    if not len(a) or not todo:
        return out
    sets = [bs[k] for k in todo]
    lens = [len(b) for b in sets]
    every = np.concatenate(sets) if len(sets) > 1 else sets[0]
    pos = a.searchsorted(every)
    np.minimum(pos, len(a) - 1, out=pos)
    hit = a.take(pos) == every
    starts = np.zeros(len(sets), dtype=np.int64)
    np.cumsum(lens[:-1], out=starts[1:])
    na = len(a)
    for k, nb, inter in zip(todo, lens, np.add.reduceat(hit, starts, dtype=np.int64).tolist()):
        out[k] = (inter / (na + nb - inter), inter / min(na, nb))
    return out


def estimate(sig_a: np.ndarray, sig_b: np.ndarray) -> float:
    """Estimated Jaccard: the share of equal signature values."""
    return float(np.count_nonzero(sig_a == sig_b)) / len(sig_a)
