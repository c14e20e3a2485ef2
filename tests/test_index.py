"""The SQLite index: deduplicating a new crawl against what was kept before."""

import json
import sqlite3

import pytest
from clirunner import run as cli
from texts import article

from scrubber import Config, Params, ScrubberError, Stats, clean
from scrubber.index import Index, open_index


def run(texts, index, **options):
    stats = Stats()
    recs = [{"id": i, "text": t} for i, t in texts]
    return [r["id"] for r in clean(recs, stats=stats, index=str(index), **options)], stats


def test_tomorrows_copy_is_dropped_against_yesterdays_article(tmp_path):
    db = tmp_path / "seen.db"
    kept, _ = run([("a", article(1)), ("b", article(2))], db)
    assert kept == ["a", "b"]
    copy = "Breaking\n\n" + article(1).rsplit("\n\n", 1)[0]
    kept, stats = run([("a-copy", copy), ("c", article(3))], db)
    assert kept == ["c"]
    assert stats.counts["duplicates_of_index"] == 1
    assert sorted(open_index(str(db)).ids()) == ["a", "b", "c"]


def test_an_earlier_document_wins_even_when_the_new_copy_is_longer(tmp_path):
    db = tmp_path / "seen.db"
    short = article(4).rsplit("\n\n", 1)[0]
    run([("short", short)], db)
    kept, _ = run([("full", article(4))], db)
    assert kept == []


def test_removed_documents_no_longer_catch_copies(tmp_path):
    db = tmp_path / "seen.db"
    run([("a", article(5)), ("b", article(6))], db)
    idx = open_index(str(db))
    assert idx.remove(["a", "nope"]) == 1 and len(idx) == 1
    idx.close()
    kept, _ = run([("a2", article(5))], db)
    assert kept == ["a2"]


def test_index_built_with_other_parameters_is_refused(tmp_path):
    db = tmp_path / "seen.db"
    run([("a", article(7))], db)
    with pytest.raises(ScrubberError, match="built with num_perm=128.*this run uses num_perm=64"):
        Index(str(db), Params(num_perm=64, bands=32, rows=2))
    with pytest.raises(ScrubberError, match="built with"):
        list(clean([article(8)], Config(index=str(db), shingle_size=3)))


def test_an_index_from_before_character_shingles_is_used_with_a_warning(tmp_path, caplog):
    db = tmp_path / "seen.db"
    run([("a", article(9))], db)
    with sqlite3.connect(db) as con:  # as scrubber 0.2.0 wrote it
        con.execute("DELETE FROM meta WHERE key = 'tokens'")
    kept, _ = run([("a-copy", article(9)), ("b", article(10))], db)
    assert kept == ["b"]
    assert caplog.text.count("copies of such documents it holds may not be found") == 1  # said once a run
    assert "shingled Chinese, Japanese and Thai text by character" in caplog.text
    with sqlite3.connect(db) as con:
        con.execute("INSERT INTO meta VALUES ('tokens', '9')")
    with pytest.raises(ScrubberError, match="tokens=9; this run uses .*tokens=4"):
        Index(str(db))


@pytest.mark.parametrize("tokens, said", [("2", "kept combining marks"), ("3", "Thai vowel or tone mark")])
def test_an_index_from_before_combining_marks_is_used_with_a_warning(tmp_path, caplog, tokens, said):
    db = tmp_path / "seen.db"
    run([("a", article(9))], db)
    with sqlite3.connect(db) as con:  # as scrubber wrote it before words kept their marks as now
        con.execute("UPDATE meta SET value = ? WHERE key = 'tokens'", (tokens,))
    kept, _ = run([("a-copy", article(9)), ("b", article(10))], db)
    assert kept == ["b"]
    assert said in caplog.text and "shingled Chinese" not in caplog.text


def test_a_file_that_is_not_an_index_is_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all")
    with pytest.raises(ScrubberError, match="not a scrubber index"):
        Index(str(junk))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(ScrubberError, match="not a scrubber index"):
        Index(str(other))


# --- ids that repeat across runs ----------------------------------------------------

def test_a_reused_id_does_not_evict_what_an_earlier_run_kept(tmp_path):
    # Default ids (FILE:LINE here) repeat from run to run: today.jsonl:1 is
    # another article each day, and every one of them stays indexed.
    today, db = tmp_path / "today.jsonl", tmp_path / "seen.db"
    outs = []
    for n, a in enumerate((1, 2, 1)):
        today.write_text(json.dumps({"text": article(a)}) + "\n")
        out = tmp_path / f"out{n + 1}.jsonl"
        assert cli("clean", today, "--index", db, "-o", out).exit_code == 0
        outs.append(out.read_text())
    assert outs[0] and outs[1] and outs[2] == ""  # article 1 again: a copy of run 1's
    assert "2 documents" in cli("index", "info", db).stdout
    assert open_index(str(db)).ids() == [f"{today}:1", f"{today}:1"]


def test_a_copy_of_either_document_with_one_id_is_dropped(tmp_path):
    db = tmp_path / "seen.db"
    run([("x", article(1))], db)
    run([("x", article(2))], db)
    copy = "Breaking\n\n" + article(2).rsplit("\n\n", 1)[0]
    kept, stats = run([("y", article(1)), ("z", copy), ("w", article(3))], db)
    assert kept == ["w"] and stats.counts["duplicates_of_index"] == 2


def test_ids_must_still_be_unique_within_one_run(tmp_path):
    db = tmp_path / "seen.db"
    kept, stats = run([("x", article(1)), ("x", article(2))], db, on_error="skip")
    assert kept == ["x"] and stats.counts["bad_inputs"] == 1
    assert open_index(str(db)).ids() == ["x"]


def test_remove_forgets_every_document_with_the_id(tmp_path):
    db = tmp_path / "seen.db"
    run([("x", article(1)), ("y", article(3))], db)
    run([("x", article(2))], db)
    assert open_index(str(db)).ids() == ["x", "y", "x"]
    r = cli("index", "remove", db, "x", "nope")
    assert r.exit_code == 0
    # an id no document has removed nothing, and the line alone read as success
    assert r.stderr == (f"scrubber: 2 documents removed from {db} (all those with the 2 ids given)\n"
                        "scrubber: warning: 1 of the ids given is in no indexed document: 'nope'\n")
    assert open_index(str(db)).ids() == ["y"]
    kept, _ = run([("a", article(1)), ("b", article(2)), ("c", article(3))], db)
    assert kept == ["a", "b"]


# --- an index made by an earlier scrubber (schema 1: one document per id) ------------
# Written out here, not imported from index.py: it is what 0.2.0 wrote, whatever
# index.py's copy for migrating says later.

SCHEMA_1 = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS docs (
    rowid INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, words INTEGER NOT NULL,
    exact BLOB NOT NULL, sig BLOB NOT NULL, shingles BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS docs_exact ON docs (exact);
CREATE TABLE IF NOT EXISTS bands (key INTEGER NOT NULL, doc INTEGER NOT NULL,
    PRIMARY KEY (key, doc)) WITHOUT ROWID;
"""


def _schema_1(tmp_path, docs):
    """An index file as scrubber wrote it before ids could repeat: the rows
    of an index built now, copied under the old tables (rowids kept)."""
    built = tmp_path / "built.db"
    run(docs, built)
    db = tmp_path / "old.db"
    con = sqlite3.connect(db)
    con.executescript(SCHEMA_1)
    con.execute("ATTACH ? AS built", (str(built),))
    with con:
        con.execute("INSERT INTO meta SELECT key, CASE key WHEN 'schema' THEN '1' ELSE value END "
                    "FROM built.meta")
        con.execute("INSERT INTO docs SELECT rowid, id, words, exact, sig, shingles FROM built.docs")
        con.execute("INSERT INTO bands SELECT * FROM built.bands")
    con.execute("DETACH built")
    con.close()
    return db


def _tables(db):
    con = sqlite3.connect(db)
    try:
        return (sorted(con.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"), key=str),
                con.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()[0])
    finally:
        con.close()


def test_a_schema_1_index_is_read_without_being_written(tmp_path):
    db = _schema_1(tmp_path, [("a", article(1)), ("b", article(2))])
    before = db.read_bytes()
    idx = open_index(str(db))
    assert idx.ids() == ["a", "b"] and len(idx) == 2
    idx.close()
    r = cli("index", "info", db)
    assert r.exit_code == 0 and "2 documents" in r.stdout
    assert db.read_bytes() == before


def test_a_schema_1_index_is_migrated_by_a_run_and_still_deduplicates(tmp_path):
    db = _schema_1(tmp_path, [("a", article(1)), ("b", article(2))])
    old = sqlite3.connect(db)
    rows = old.execute("SELECT rowid, id FROM docs ORDER BY rowid").fetchall()
    old.close()
    copy = "Breaking\n\n" + article(2).rsplit("\n\n", 1)[0]
    kept, stats = run([("a", article(1)), ("b2", copy), ("c", article(3))], db)
    assert kept == ["c"] and stats.counts["duplicates_of_index"] == 2
    fresh = tmp_path / "fresh.db"
    run([("z", article(9))], fresh)
    assert _tables(db) == _tables(fresh)  # now as scrubber makes them
    new = sqlite3.connect(db)
    assert new.execute("SELECT rowid, id FROM docs WHERE id != 'c' ORDER BY rowid").fetchall() == rows
    new.close()
    kept, _ = run([("a", article(4)), ("b3", copy)], db)  # bands still find b; a is another document
    assert kept == ["a"]
    assert open_index(str(db)).ids() == ["a", "b", "c", "a"]


def test_a_failed_run_leaves_a_schema_1_index_as_it_was(tmp_path):
    db = _schema_1(tmp_path, [("a", article(1))])
    before = _tables(db)
    with pytest.raises(OSError):
        for _ in clean([{"id": "a", "text": article(2)}], index=str(db)):
            raise OSError("disk full")
    assert _tables(db) == before and open_index(str(db)).ids() == ["a"]


def test_a_rebuild_that_fails_is_one_line_and_rolled_back(tmp_path, monkeypatch):
    import scrubber.index
    db = _schema_1(tmp_path, [("a", article(1))])
    before = _tables(db)
    rebuild = scrubber.index._migrate

    def full(con):
        rebuild(con)  # all of it done, then the disk fills up
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(scrubber.index, "_migrate", full)
    with pytest.raises(ScrubberError) as e:
        run([("b", article(2))], db)
    assert str(e.value) == f"{db}: cannot update the index from schema 1: database or disk is full"
    assert _tables(db) == before and open_index(str(db)).ids() == ["a"]

def test_an_index_mixing_schemas_is_refused(tmp_path):
    db = _schema_1(tmp_path, [("a", article(1))])
    _sql(db, "CREATE INDEX docs_id ON docs (id)")
    for opening in (lambda: Index(str(db)), lambda: open_index(str(db))):
        with pytest.raises(ScrubberError, match=f"^{db}: not a scrubber index: "):
            opening()


def test_an_index_whose_schema_version_disagrees_with_its_tables_is_refused(tmp_path):
    db = tmp_path / "seen.db"
    run([("a", article(1))], db)
    _sql(db, "UPDATE meta SET value = '1' WHERE key = 'schema'")
    for opening in (lambda: Index(str(db)), lambda: open_index(str(db))):
        with pytest.raises(ScrubberError, match=f"^{db}: not a scrubber index: .*schema"):
            opening()


# --- a hostile or damaged index file (issue 23, item 13) ----------------------------

def _built(tmp_path):
    db = tmp_path / "seen.db"
    run([("a", article(1)), ("b", article(2))], db)
    return db


def _sql(db, *statements):
    con = sqlite3.connect(db)
    with con:
        for s in statements:
            con.execute(s)
    con.close()


@pytest.mark.parametrize("extra, what", [
    ("CREATE TRIGGER wipe AFTER INSERT ON docs BEGIN DELETE FROM bands; END", "trigger 'wipe'"),
    ("CREATE VIEW v AS SELECT id FROM docs", "view 'v'"),
    ("CREATE INDEX mine ON docs (words)", "index 'mine'"),
])
def test_an_index_with_objects_scrubber_did_not_create_is_refused(tmp_path, extra, what):
    db = _built(tmp_path)
    _sql(db, extra)
    for opening in (lambda: Index(str(db)), lambda: open_index(str(db))):
        with pytest.raises(ScrubberError, match=f"^{db}: not a scrubber index: .*{what}"):
            opening()
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM bands").fetchone()[0] > 0  # the trigger never ran


def test_a_table_of_another_shape_is_refused(tmp_path):
    db = tmp_path / "seen.db"
    _sql(db, "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
         "CREATE TABLE docs (rowid INTEGER PRIMARY KEY, id TEXT)",
         "CREATE TABLE bands (key INTEGER, doc INTEGER)")
    with pytest.raises(ScrubberError, match=f"^{db}: not a scrubber index: table '(bands|docs)' is not the shape"):
        Index(str(db))


@pytest.mark.parametrize("value", ["'x'", "X'00'", "'1.5'"])
def test_a_malformed_meta_value_is_one_line(tmp_path, value):
    db = _built(tmp_path)
    _sql(db, f"UPDATE meta SET value = {value} WHERE key = 'bands'")
    for opening in (lambda: Index(str(db)), lambda: open_index(str(db))):
        with pytest.raises(ScrubberError, match=f"^{db}: "):
            opening()


@pytest.mark.parametrize("change", [
    "sig = X'0102'", "shingles = X'010203'", "words = 'many'", "exact = 5", "id = CAST(id AS BLOB)",
])
def test_a_malformed_document_row_is_one_line(tmp_path, change):
    db = _built(tmp_path)
    _sql(db, f"UPDATE docs SET {change}")
    with pytest.raises(ScrubberError, match=f"^{db}: damaged index: document row"):
        run([("c", article(1))], db)


def test_an_oversized_blob_is_refused_without_being_read(tmp_path, monkeypatch):
    import scrubber.index
    db = _built(tmp_path)
    monkeypatch.setattr(scrubber.index, "MAX_SHINGLE_BYTES", 64)
    with pytest.raises(ScrubberError, match=f"^{db}: damaged index: document row"):
        run([("c", article(1))], db)


def test_a_full_disk_while_adding_is_one_line_and_the_index_stays_as_it_was(tmp_path, monkeypatch):
    db = tmp_path / "seen.db"
    run([("a", article(1))], db)
    real_init = Index.__init__

    def small(self, *args, **kwargs):  # SQLite's own "database or disk is full"
        real_init(self, *args, **kwargs)
        pages = self.db.execute("PRAGMA page_count").fetchone()[0]
        self.db.execute(f"PRAGMA max_page_count = {pages}")

    monkeypatch.setattr(Index, "__init__", small)
    with pytest.raises(ScrubberError, match=f"^{db}: cannot write the index: database or disk is full"):
        run([(f"n{i}", article(i)) for i in range(2, 40)], db)
    monkeypatch.undo()
    assert open_index(str(db)).ids() == ["a"]


def test_a_failed_run_leaves_no_index_it_created(tmp_path):
    db = tmp_path / "new.db"
    with pytest.raises(ScrubberError, match="expected a JSON object|not a string|record 2"):
        list(clean([{"id": "a", "text": article(1)}, [1]], index=str(db)))
    assert not db.exists()
    # a run that fails after its final pass, as when its output cannot be written
    with pytest.raises(OSError):
        for _ in clean([{"id": "a", "text": article(1)}], index=str(db)):
            raise OSError("disk full")
    assert not db.exists()
    run([("a", article(1))], db)
    assert open_index(str(db)).ids() == ["a"]


def test_an_index_that_cannot_be_created_says_why(tmp_path):
    db = tmp_path / "no-such-dir" / "seen.db"
    with pytest.raises(ScrubberError) as e:
        run([("a", article(1))], db)
    assert str(e.value) == f"{db}: cannot create the index: No such file or directory"


def test_an_index_in_use_by_another_run_is_one_line(tmp_path, monkeypatch):
    import scrubber.index

    db = tmp_path / "seen.db"
    run([("a", article(1))], db)
    monkeypatch.setattr(scrubber.index, "BUSY_TIMEOUT", 0.1)
    other = sqlite3.connect(db)
    other.execute("BEGIN IMMEDIATE")  # another run, between its final pass and its commit
    try:
        with pytest.raises(ScrubberError) as e:
            run([("b", article(2))], db)
        assert str(e.value) == (f"{db}: in use by another run (database is locked); "
                                "try again when it has finished")
    finally:
        other.rollback()
        other.close()
    run([("b", article(2))], db)
    assert sorted(open_index(str(db)).ids()) == ["a", "b"]


def test_remove_from_an_index_that_cannot_be_written_is_one_line(tmp_path, monkeypatch):
    db = tmp_path / "seen.db"
    run([("a", article(1))], db)
    real_remove = Index._remove

    def read_only(self, ids):  # a file the user may read but not write (chattr +i, a read-only mount):
        real_remove(self, ids)  # SQLite takes the lock, then refuses the first write
        raise sqlite3.OperationalError("attempt to write a readonly database")

    monkeypatch.setattr(Index, "_remove", read_only)
    r = cli("index", "remove", db, "a")
    assert r.exit_code == 1
    assert r.stderr == (f"scrubber: error: {db}: cannot write the index: "
                        "attempt to write a readonly database\n")
    monkeypatch.undo()
    assert open_index(str(db)).ids() == ["a"]


def test_a_truncated_index_is_damaged_not_a_stranger(tmp_path):
    db = tmp_path / "seen.db"
    run([(f"d{i}", article(i)) for i in range(1, 30)], db)
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])  # a copy cut short, a disk that lost its tail
    for attempt in (lambda: run([("b", article(40))], db), lambda: open_index(str(db))):
        with pytest.raises(ScrubberError, match=f"^{db}: damaged index: database disk image is malformed$"):
            attempt()
    assert cli("index", "info", db).stderr.startswith(f"scrubber: error: {db}: damaged index: ")


def test_a_directory_named_as_the_index_says_so(tmp_path):
    with pytest.raises(ScrubberError) as e:
        run([("a", article(1))], tmp_path)
    assert str(e.value) == f"{tmp_path}: cannot open the index: Is a directory"
    r = cli("index", "info", tmp_path)
    assert r.stderr == f"scrubber: error: {tmp_path}: cannot open the index: Is a directory\n"


def test_a_full_disk_while_the_index_is_made_is_not_called_another_file(tmp_path):
    # It said "not a scrubber index (database or disk is full)".
    from scrubber.index import _unopenable

    e = sqlite3.OperationalError("database or disk is full")
    e.sqlite_errorname = "SQLITE_FULL"
    msg = str(_unopenable(str(tmp_path / "seen.db"), e))
    assert "cannot write the index: database or disk is full" in msg and "not a scrubber index" not in msg
