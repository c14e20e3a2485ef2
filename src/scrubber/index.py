"""A persistent LSH index in SQLite, so that tomorrow's crawl is deduplicated
against everything kept before.

One file, no server (the standard library's ``sqlite3``). It holds, per kept
document, what verification needs (signature, shingle set, words, digest of
the normalised text) and one row per LSH band key. A run looks up only the
documents that share a band key or the exact text with its new documents,
so memory follows the new crawl, not the index.

An index records the parameters it was built with (``dedup.Params``);
signatures made with other ones are not comparable, so such a run is refused
rather than silently finding nothing (datasketch refuses to compare
MinHashes of different seeds the same way).

Bytes per document on disk, measured by ``benchmarks/dedup_memory.py``:
the signature (4 x num_perm = 512), the shingle set (4 per distinct
shingle, ~1.5 kB for a 370-word article), and ``bands`` rows of
(key, document) in a WITHOUT ROWID table (~20 bytes each with the b-tree);
removing a document recomputes its band keys from the stored signature,
so no second index is kept.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import asdict

import numpy as np

from .dedup import Corpus, Params, band_keys, sorted_unique
from .errors import ScrubberError

SCHEMA = 1

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, words INTEGER NOT NULL,
    exact BLOB NOT NULL, sig BLOB NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""


class IndexFileError(ScrubberError):
    """An index file that cannot be used; renders as one line naming it."""


class Index:
    """The documents kept by earlier runs, with their LSH band keys."""

    def __init__(self, path: str, params: Params = Params(), create: bool = True):
        self.path = path
        self.params = params
        if not create and not os.path.exists(path):
            raise IndexFileError(f"{path}: no such index")
        try:
            self.db = sqlite3.connect(path)
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        except sqlite3.DatabaseError as e:
            raise IndexFileError(f"{path}: not a scrubber index ({e})") from None
        if tables and "meta" not in tables:
            raise IndexFileError(f"{path}: not a scrubber index (an SQLite file with other tables)")
        with self.db:
            self.db.executescript(_DDL)
            stored = dict(self.db.execute("SELECT key, value FROM meta"))
            want = {"schema": str(SCHEMA), **{k: str(v) for k, v in asdict(params).items()}}
            if not stored:
                self.db.executemany("INSERT INTO meta VALUES (?, ?)", want.items())
            elif stored != want:
                have = Params(**{k: int(stored[k]) for k in asdict(params) if k in stored}) \
                    if all(k in stored for k in asdict(params)) else None
                built = have.describe() if have else "an unknown layout"
                raise IndexFileError(f"{path}: index was built with {built}; this run uses "
                                  f"{params.describe()} (use the same settings or another --index)")

    def __len__(self) -> int:
        return self.db.execute("SELECT count(*) FROM docs").fetchone()[0]

    def close(self) -> None:
        self.db.close()

    # --- reading ------------------------------------------------------------
    def lookup(self, sigs: np.ndarray, exact: list[bytes]) -> list[int]:
        """Rows of indexed documents that share a band key or the exact text
        with any of the given documents, in index order."""
        if not len(exact):
            return []
        keys = band_keys(sigs, self.params.bands, self.params.rows).view(np.int64).ravel()
        db = self.db
        db.execute("CREATE TEMP TABLE IF NOT EXISTS q (key INTEGER PRIMARY KEY)")
        db.execute("CREATE TEMP TABLE IF NOT EXISTS qx (exact BLOB PRIMARY KEY)")
        db.execute("DELETE FROM q")
        db.execute("DELETE FROM qx")
        db.executemany("INSERT OR IGNORE INTO q VALUES (?)", ((k,) for k in sorted_unique(keys).tolist()))
        db.executemany("INSERT OR IGNORE INTO qx VALUES (?)", ((e,) for e in exact))
        rows = db.execute("SELECT DISTINCT doc FROM bands JOIN q USING (key) "
                          "UNION SELECT rowid FROM docs JOIN qx USING (exact) ORDER BY 1").fetchall()
        return [r[0] for r in rows]

    def load(self, rows: list[int]) -> tuple[list[str], Corpus]:
        """The ids and sketches of indexed documents, in the order of ``rows``."""
        ids, sigs, shingles, words, exact = [], [], [], [], []
        n = self.params.num_perm
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            got = {r[0]: r[1:] for r in self.db.execute(
                f"SELECT rowid, id, words, exact, sig, shingles FROM docs WHERE rowid IN "
                f"({','.join('?' * len(chunk))})", chunk)}
            for r in chunk:
                i, w, e, s, sh = got[r]
                ids.append(i)
                words.append(w)
                exact.append(bytes(e))
                sigs.append(np.frombuffer(s, dtype=np.uint32))
                shingles.append(np.frombuffer(sh, dtype=np.uint32))
        sig = np.stack(sigs) if sigs else np.zeros((0, n), np.uint32)
        return ids, Corpus(sig, shingles, np.array(words, dtype=np.int64), exact)

    def ids(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT id FROM docs ORDER BY rowid")]

    # --- writing --------------------------------------------------------------
    def add(self, ids: list[str], corpus: Corpus, which: list[int], commit: bool = True) -> None:
        """Add documents ``which`` of ``corpus`` (named by ``ids``) in one
        transaction; a document whose id is already indexed is replaced.
        With ``commit=False`` the transaction stays open until ``commit``
        (or is rolled back by ``close``), so that a caller can commit the
        index only once the run's output is safely in place."""
        seen: set[str] = set()  # one document per id: the first (sources.Reader.unique)
        which = [i for i in which if not (ids[i] in seen or seen.add(ids[i]))]
        if not which:
            return
        keys = band_keys(corpus.sigs[which], self.params.bands, self.params.rows).view(np.int64)
        try:
            self._remove([ids[i] for i in which])
            for n, i in enumerate(which):
                cur = self.db.execute(
                    "INSERT INTO docs (id, words, exact, sig, shingles) VALUES (?, ?, ?, ?, ?)",
                    (ids[i], int(corpus.words[i]), corpus.exact[i],
                     np.ascontiguousarray(corpus.sigs[i], dtype=np.uint32).tobytes(),
                     np.ascontiguousarray(corpus.shingles[i], dtype=np.uint32).tobytes()))
                row = cur.lastrowid
                self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                                    ((k, row) for k in keys[n].tolist()))
        except BaseException:
            self.db.rollback()
            raise
        if commit:
            self.commit()

    def commit(self) -> None:
        """Make what ``add(commit=False)`` added permanent."""
        try:
            self.db.commit()
        except sqlite3.Error as e:
            raise IndexFileError(f"{self.path}: cannot write the index: {e}") from None

    def remove(self, ids: list[str]) -> int:
        """Forget documents by id; returns how many were indexed."""
        with self.db:
            return self._remove(ids)

    def _remove(self, ids: list[str]) -> int:
        gone = 0
        for i in ids:
            row = self.db.execute("SELECT rowid, sig FROM docs WHERE id = ?", (i,)).fetchone()
            if row:
                # The band keys follow from the stored signature, so no second
                # index (doc -> keys) is needed to delete them.
                sig = np.frombuffer(row[1], dtype=np.uint32)[None, :]
                keys = band_keys(sig, self.params.bands, self.params.rows).view(np.int64).ravel()
                self.db.executemany("DELETE FROM bands WHERE key = ? AND doc = ?",
                                    ((k, row[0]) for k in keys.tolist()))
                self.db.execute("DELETE FROM docs WHERE rowid = ?", (row[0],))
                gone += 1
        return gone


def open_index(path: str) -> Index:
    """An existing index with whatever parameters it was built with."""
    if not os.path.exists(path):
        raise IndexFileError(f"{path}: no such index")
    try:
        db = sqlite3.connect(path)
        stored = dict(db.execute("SELECT key, value FROM meta"))
        db.close()
        params = Params(**{k: int(stored[k]) for k in asdict(Params())})
    except (sqlite3.DatabaseError, KeyError, ValueError) as e:
        raise IndexFileError(f"{path}: not a scrubber index ({e})") from None
    return Index(path, params, create=False)
