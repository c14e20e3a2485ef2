"""Records that share an id.

``--clusters``, ``duplicate_of`` and ``duplicates`` name records by their
id, so two records with one id (a page crawled twice and keyed by its URL,
two data sets concatenated) make those fields ambiguous. A deduplicating
run counts such records and says so once. Ids are kept as 64-bit hashes,
8 bytes a document whatever their length, the same in every process (so
Ray's shards hash alike), and the count is of records whose id hash an
earlier record has: two different ids share a hash about once in 10^19
pairs.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

import numpy as np


def id_hashes(ids: Iterable[str]) -> np.ndarray:
    """A stable 64-bit hash of each id, in order."""
    return np.fromiter((int.from_bytes(hashlib.blake2b(i.encode("utf-8", "surrogatepass"), digest_size=8).digest(),
                                       "little") for i in ids), dtype=np.uint64)


def reused_ids(h: np.ndarray) -> tuple[int, int]:
    """How many records have the id of an earlier one, and the position of
    the first such record (-1 when none). Beside ``h`` it holds a sorted
    copy (8 bytes a document) and, only for records whose id another has,
    their positions: no index of every document, as an argsort would be."""
    if len(h) < 2:
        return 0, -1
    s = np.sort(h)
    again = s[1:] == s[:-1]
    n = int(again.sum())
    if not n:
        return 0, -1
    shared = np.unique(s[1:][again])
    del s, again
    at = np.flatnonzero(np.isin(h, shared))  # the records whose id another has, in order
    _, firsts = np.unique(h[at], return_index=True)  # each shared id's first record
    later = np.ones(len(at), dtype=bool)
    later[firsts] = False
    return n, int(at[later][0])


def reused_ids_warning(n: int, first: str) -> str:
    """The one line a run says of them."""
    return (f"{n:,} record{'s' if n != 1 else ''} {'have' if n != 1 else 'has'} the id of an earlier record "
            f"(the first: {first!r}); --clusters and the duplicate fields name records by id, which is "
            f"ambiguous for these: give each record its own id (--id-field)")
