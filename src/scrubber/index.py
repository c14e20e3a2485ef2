"""A persistent LSH index in SQLite, so that tomorrow's crawl is deduplicated
against everything kept before.

One file, no server (the standard library's ``sqlite3``). It holds, per kept
document, what verification needs (signature, shingle set, words, digest of
the normalised text) and one row per LSH band key. A run looks up only the
documents that share a band key or the exact text with its new documents,
so memory follows the new crawl, not the index.

An index records the parameters it was built with (``minhash.Params``);
signatures made with other ones are not comparable, so such a run is refused
rather than silently finding nothing (datasketch refuses to compare
MinHashes of different seeds the same way).

Bytes per document on disk, measured by ``benchmarks/dedup_memory.py``:
the signature (4 x num_perm = 512), the shingle set (4 per distinct
shingle, ~1.5 kB for a 370-word article), and ``bands`` rows of
(key, document) in a WITHOUT ROWID table (~20 bytes each with the b-tree);
removing a document recomputes its band keys from the stored signature,
so no second index is kept.

Ids name documents in messages and output; they do not identify them
across runs. Default ids (``FILE:LINE``, a path inside a folder,
``<stdin>:N``) repeat from one run to the next for other documents, so an
index keeps every document any run kept, whatever its id: a document with
an indexed id is added beside it, never in its place (which would let a
copy of the earlier one through). ``remove`` forgets every document with an
id. Within one run ids stay unique (``sources.Reader.unique``).

Schema 1 (scrubber 0.2.0 and earlier) made ids unique. Such a file is read as it
is, and rebuilt without the constraint by the first write (a run's
additions, ``remove``), in the same transaction as that write: a run that
fails leaves it as it was.
"""

from __future__ import annotations

import errno
import logging
import os
import sqlite3
import stat
from dataclasses import asdict

import numpy as np

from .dedup import Corpus, band_keys

from .minhash import TOKENS, Params, sorted_unique
from .errors import ScrubberError

log = logging.getLogger("scrubber")
#: How older versions tokenised (``minhash.TOKENS``), by what changed since:
#: an index they wrote is used, with a warning that it may miss copies.
_OLDER_TOKENS = {
    "1": "shingled Chinese, Japanese and Thai text by character and kept combining marks "
         "(Indic vowel signs, Hebrew and Arabic points) in their words",
    "2": "kept combining marks (Indic vowel signs, Thai, Hebrew and Arabic points) in their words",
    "3": "kept a Thai vowel or tone mark on its letter and stopped reading an emoji's variation "
         "selector as a word",
}
#: Index files this process has warned about (an older ``tokens``).
_TOLD: set[str] = set()

SCHEMA = 2

_DOCS = """CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT NOT NULL, words INTEGER NOT NULL,
    exact BLOB NOT NULL, sig BLOB NOT NULL, shingles BLOB NOT NULL)"""
#: ``docs_id`` serves ``remove`` (and costs ``add`` what schema 1's
#: UNIQUE did: one entry per document).
_INDEXES = """
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE INDEX IF NOT EXISTS docs_id ON docs (id);
"""
_DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{_DOCS};
{_INDEXES}
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""

#: What schema 1 created: the same, but one document per id.
_DDL_1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, words INTEGER NOT NULL,
    exact BLOB NOT NULL, sig BLOB NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""


#: Largest shingle set read from an index (4 bytes a shingle): a 10 MB
#: document (``Config.max_doc_bytes``) has fewer than 2.5M distinct 5-grams.
#: A larger blob is damage or malice, and refused without being read.
MAX_SHINGLE_BYTES = 16 << 20
_DIGEST_BYTES = 16  # dedup.exact_digest


#: Seconds a run waits for another that holds the index (it holds it from
#: its final pass until its files are committed) before giving up with
#: "in use by another run": waiting for a whole run could take hours.
BUSY_TIMEOUT = 5.0


class IndexFileError(ScrubberError):
    """An index file that cannot be used; renders as one line naming it."""


def _failed(path: str, e: sqlite3.Error, problem: str) -> IndexFileError:
    """SQLite's complaint as one line: another run's lock said as such."""
    if isinstance(e, sqlite3.OperationalError) and ("locked" in str(e) or "busy" in str(e)):
        return IndexFileError(f"{path}: in use by another run ({e}); try again when it has finished")
    return IndexFileError(f"{path}: {problem}")


def _unopenable(path: str, e: sqlite3.DatabaseError) -> IndexFileError:
    """Why a file could not be opened as an index: a scrubber index cut
    short or damaged (SQLite's SQLITE_CORRUPT) is said to be damaged, not
    to be some other file, which would send the user looking for another."""
    name = getattr(e, "sqlite_errorname", "")
    if name == "SQLITE_CORRUPT":
        return _failed(path, e, f"damaged index: {e}")
    if name in ("SQLITE_FULL", "SQLITE_IOERR") or name.startswith("SQLITE_IOERR_"):
        # a full disk while it was created, not some other file
        return _failed(path, e, f"cannot write the index: {e}")
    return _failed(path, e, f"not a scrubber index ({e})")


def _open_file(path: str) -> bool:
    """Check that the index file can be opened, or created (then it is,
    empty, which SQLite takes as a new database), saying why not with the
    operating system's reason; SQLite's own is "unable to open database
    file" whatever happened. Returns whether the file was created."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
        created = True
    except FileExistsError:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError as e:
            raise IndexFileError(f"{path}: cannot open the index: {e.strerror}") from None
        created = False
        if stat.S_ISDIR(os.fstat(fd).st_mode):  # opens read-only, and SQLite says only "unable to open"
            os.close(fd)
            raise IndexFileError(f"{path}: cannot open the index: {os.strerror(errno.EISDIR)}")
    except OSError as e:
        raise IndexFileError(f"{path}: cannot create the index: {e.strerror}") from None
    os.close(fd)
    return created


def _schema(ddl: str) -> set[tuple]:
    """The schema objects ``ddl`` creates, as ``sqlite_master`` lists them."""
    db = sqlite3.connect(":memory:")
    db.executescript(ddl)
    out = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    db.close()
    return out


_SCHEMA = _schema(_DDL)
_SCHEMA_1 = _schema(_DDL_1)


def _check_schema(db: sqlite3.Connection, path: str) -> int:
    """Refuse an index with anything scrubber did not create in it: a
    trigger would run on our writes, a view or table of another shape would
    be read as ours. Checked before anything is written. Returns the schema
    the objects are (1 or this one; what both share, as in a new file,
    counts as this one): a mix of the two is refused like any other shape."""
    have = set(db.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
    if have <= _SCHEMA:
        return SCHEMA
    if have <= _SCHEMA_1:
        return 1
    names = {(t, n) for t, n, _, _ in _SCHEMA | _SCHEMA_1}
    for t, n, tbl, sql in sorted(have - _SCHEMA - _SCHEMA_1, key=lambda o: (o[0], o[1])):
        if (t, n) in names:
            raise IndexFileError(f"{path}: not a scrubber index: {t} '{n}' is not the shape "
                                 "scrubber makes")
        raise IndexFileError(f"{path}: not a scrubber index: it has a {t} '{n}' scrubber did "
                             "not create (refused rather than run or read)")
    raise IndexFileError(f"{path}: not a scrubber index: it mixes the tables and indexes of "
                         f"schema 1 and {SCHEMA}")


def _migrate(db: sqlite3.Connection) -> None:
    """Rebuild a schema 1 index as this one, inside the caller's
    transaction: ``docs`` again without UNIQUE (SQLite cannot drop a
    constraint in place), its rowids kept so that ``bands`` rows still name
    the same documents. The new table is created under its own name, with
    the very statement a new index gets, so that ``_check_schema`` knows it."""
    db.execute("ALTER TABLE docs RENAME TO docs_schema_1")
    db.execute(_DOCS)
    db.execute("INSERT INTO docs (rowid, id, words, exact, sig, shingles) "
               "SELECT rowid, id, words, exact, sig, shingles FROM docs_schema_1 ORDER BY rowid")
    db.execute("DROP TABLE docs_schema_1")  # and its indexes, docs_exact included
    for statement in filter(str.strip, _INDEXES.split(";")):
        db.execute(statement)
    db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA),))


def _params(stored: dict, path: str) -> Params:
    """The parameters an index's ``meta`` table records, checked."""
    try:
        return Params(**{k: _whole(stored[k]) for k in asdict(Params())})
    except (KeyError, ValueError, TypeError) as e:
        raise IndexFileError(f"{path}: damaged index: meta value {e} is missing or not a "
                             "whole number") from None


def _whole(v: object) -> int:
    if not isinstance(v, str) or not v.isdigit() or len(v) > 9:
        raise ValueError(repr(v))
    return int(v)


class Index:
    """The documents kept by earlier runs, with their LSH band keys."""

    def __init__(self, path: str, params: Params = Params(), create: bool = True) -> None:
        self.path = path
        self.params = params
        if not create and not os.path.exists(path):
            raise IndexFileError(f"{path}: no such index")
        #: whether this object made the file: ``close(forget_new=True)`` removes it
        self.created = _open_file(path)
        try:
            self.db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
            self.db.execute("PRAGMA trusted_schema = OFF")
            tables = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if tables and "meta" not in tables:
                raise IndexFileError(f"{path}: not a scrubber index (an SQLite file with other tables)")
            #: 1 until the first write rebuilds a schema 1 file (``_migrate``)
            self.schema = self._committed = _check_schema(self.db, path)
            with self.db:
                if self.schema == SCHEMA:  # a schema 1 file is read as it is: reading writes nothing
                    self.db.executescript(_DDL)
                stored = dict(self.db.execute("SELECT key, value FROM meta"))
                if stored and stored.get("schema") != str(self.schema):
                    raise IndexFileError(f"{path}: not a scrubber index: its schema "
                                         f"{stored.get('schema')!r} is not that of its tables "
                                         f"({self.schema})")
                want = {"schema": str(self.schema), **{k: str(v) for k, v in asdict(params).items()},
                        "tokens": str(TOKENS)}
                if not stored:
                    self.db.executemany("INSERT INTO meta VALUES (?, ?)", want.items())
                elif (stored.get("tokens", "1") in _OLDER_TOKENS
                      and {k: v for k, v in stored.items() if k != "tokens"} == {k: v for k, v in want.items()
                                                                                 if k != "tokens"}):
                    if os.path.realpath(path) not in _TOLD:  # a run opens its index twice: say it once
                        _TOLD.add(os.path.realpath(path))
                        told = stored.get("tokens", "1")
                        later = "" if told == max(_OLDER_TOKENS) else " (and later cut words otherwise again)"
                        log.warning("%s: made before scrubber %s%s; copies of such documents it holds may not "
                                    "be found (build a new index to find them)", path, _OLDER_TOKENS[told], later)
                elif stored != want:
                    have = _params(stored, path) if all(k in stored for k in asdict(params)) else None
                    built = f"{have.describe()}, tokens={stored.get('tokens', 1)}" if have else "an unknown layout"
                    raise IndexFileError(f"{path}: index was built with {built}; this run uses "
                                         f"{params.describe()}, tokens={TOKENS} (use the same settings or "
                                         "another --index)")
        except sqlite3.DatabaseError as e:
            self.close(forget_new=True)
            raise _unopenable(path, e) from None
        except IndexFileError:
            self.close(forget_new=True)
            raise

    def __len__(self) -> int:
        return self._query("SELECT count(*) FROM docs")[0][0]

    def _query(self, sql: str, args=()) -> list:
        """Rows of a query; SQLite's own complaints about the file are one line."""
        try:
            return self.db.execute(sql, args).fetchall()
        except sqlite3.DatabaseError as e:
            raise _failed(self.path, e, f"damaged index: {e}") from None

    def reserve(self) -> None:
        """Take the index for this run until ``commit`` or ``close``:
        another run then neither writes to it nor is missed by this one's
        lookup (it waits ``BUSY_TIMEOUT``, then is refused)."""
        if not self.db.in_transaction:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.DatabaseError as e:
                raise _failed(self.path, e, f"cannot write the index: {e}") from None

    def _writable(self) -> None:
        """Reserve the index and bring a schema 1 file up to this schema, in
        the transaction that writes: rolled back with it. Only writes pay
        for the rebuild (a copy of ``docs``), once."""
        self.reserve()
        if self.schema != SCHEMA:
            try:
                _migrate(self.db)
            except sqlite3.DatabaseError as e:
                self._rollback()
                raise _failed(self.path, e, f"cannot update the index from schema {self.schema}: "
                                            f"{e}") from None
            self.schema = SCHEMA

    def _rollback(self) -> None:
        """Roll back, and forget a rebuild that went with it."""
        self.db.rollback()
        self.schema = self._committed

    def close(self, forget_new: bool = False) -> None:
        """Close, rolling back what is not committed; with ``forget_new``
        a file this object created is removed too (a run that failed
        leaves no index behind that it made)."""
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
        if forget_new and self.created:
            for f in (self.path, self.path + "-journal"):
                if os.path.exists(f):
                    os.unlink(f)
            self.created = False

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
        rows = self._query("SELECT DISTINCT doc FROM bands JOIN q USING (key) "
                           "UNION SELECT rowid FROM docs JOIN qx USING (exact) ORDER BY 1")
        return [r[0] for r in rows]

    def load(self, rows: list[int]) -> tuple[list[str], Corpus]:
        """The ids and sketches of indexed documents, in the order of ``rows``."""
        ids, sigs, shingles, words, exact = [], [], [], [], []
        n = self.params.num_perm
        for start in range(0, len(rows), 500):
            chunk = rows[start:start + 500]
            # Rows of the wrong types or sizes are left out by the query,
            # so an oversized blob is never read; a row left out is damage.
            got = {r[0]: r[1:] for r in self._query(
                f"SELECT rowid, id, words, exact, sig, shingles FROM docs WHERE rowid IN "
                f"({','.join('?' * len(chunk))}) AND typeof(id) = 'text' "
                f"AND typeof(words) = 'integer' AND words >= 0 "
                f"AND typeof(exact) = 'blob' AND length(exact) = {_DIGEST_BYTES} "
                f"AND typeof(sig) = 'blob' AND length(sig) = {4 * n} "
                f"AND typeof(shingles) = 'blob' AND length(shingles) % 4 = 0 "
                f"AND length(shingles) <= {MAX_SHINGLE_BYTES}", chunk)}
            for r in chunk:
                if r not in got:
                    raise IndexFileError(f"{self.path}: damaged index: document row {r} is missing "
                                         "or of the wrong types or sizes")
                i, w, e, s, sh = got[r]
                ids.append(i)
                words.append(w)
                exact.append(bytes(e))
                sigs.append(np.frombuffer(s, dtype=np.uint32))
                shingles.append(np.frombuffer(sh, dtype=np.uint32))
        sig = np.stack(sigs) if sigs else np.zeros((0, n), np.uint32)
        return ids, Corpus(sig, shingles, np.array(words, dtype=np.int64), exact)

    def ids(self) -> list[str]:
        """The ids of the documents the index holds, oldest first."""
        return [r[0] for r in self.db.execute("SELECT id FROM docs ORDER BY rowid")]

    # --- writing --------------------------------------------------------------
    def add(self, ids: list[str], corpus: Corpus, which: list[int], commit: bool = True) -> None:
        """Add documents ``which`` of ``corpus`` (named by ``ids``) in one
        transaction. A document whose id is already indexed is added beside
        it: ids repeat across runs for other documents (``FILE:LINE``), and
        replacing would let copies of the earlier one through.
        With ``commit=False`` the transaction stays open until ``commit``
        (or is rolled back by ``close``), so that a caller can commit the
        index only once the run's output is safely in place."""
        if not which:
            return
        keys = band_keys(corpus.sigs[which], self.params.bands, self.params.rows).view(np.int64)
        self._writable()
        try:
            for n, i in enumerate(which):
                cur = self.db.execute(
                    "INSERT INTO docs (id, words, exact, sig, shingles) VALUES (?, ?, ?, ?, ?)",
                    (ids[i], int(corpus.words[i]), corpus.exact[i],
                     np.ascontiguousarray(corpus.sigs[i], dtype=np.uint32).tobytes(),
                     np.ascontiguousarray(corpus.shingles[i], dtype=np.uint32).tobytes()))
                row = cur.lastrowid
                self.db.executemany("INSERT OR IGNORE INTO bands VALUES (?, ?)",
                                    ((k, row) for k in keys[n].tolist()))
        except sqlite3.Error as e:  # a full disk, a file taken away: one line, the index as it was
            self._rollback()
            raise _failed(self.path, e, f"cannot write the index: {e}") from None
        except BaseException:
            self._rollback()
            raise
        if commit:
            self.commit()

    def commit(self) -> None:
        """Make what ``add(commit=False)`` added permanent."""
        try:
            self.db.commit()
        except sqlite3.Error as e:
            raise _failed(self.path, e, f"cannot write the index: {e}") from None
        self._committed = self.schema

    def remove(self, ids: list[str]) -> int:
        """Forget every indexed document with any of these ids (documents of
        several runs may share one); returns how many were forgotten."""
        self._writable()
        try:
            gone = self._remove(ids)
        except sqlite3.Error as e:  # a read-only file, a full disk: one line, the index as it was
            self._rollback()
            raise _failed(self.path, e, f"cannot write the index: {e}") from None
        except BaseException:
            self._rollback()
            raise
        self.commit()
        return gone

    def unknown(self, ids: list[str]) -> list[str]:
        """Those of ``ids`` no indexed document has, in their order."""
        return [i for i in dict.fromkeys(ids)
                if self.db.execute("SELECT 1 FROM docs WHERE id = ? LIMIT 1", (i,)).fetchone() is None]

    def _remove(self, ids: list[str]) -> int:
        gone = 0
        for i in dict.fromkeys(ids):
            for row in self.db.execute("SELECT rowid, sig FROM docs WHERE id = ?", (i,)).fetchall():
                if not isinstance(row[1], bytes) or len(row[1]) != 4 * self.params.num_perm:
                    raise IndexFileError(f"{self.path}: damaged index: document row {row[0]} has "
                                         "a signature of the wrong type or size")
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
    _open_file(path)
    try:
        db = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        try:
            db.execute("PRAGMA trusted_schema = OFF")
            _check_schema(db, path)
            stored = dict(db.execute("SELECT key, value FROM meta"))
        finally:
            db.close()
    except sqlite3.DatabaseError as e:
        raise _unopenable(path, e) from None
    return Index(path, _params(stored, path), create=False)
