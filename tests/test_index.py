"""The SQLite index: deduplicating a new crawl against what was kept before."""

import sqlite3

import pytest
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


def test_a_file_that_is_not_an_index_is_refused(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database at all")
    with pytest.raises(ScrubberError, match="not a scrubber index"):
        Index(str(junk))
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("CREATE TABLE t (x)")
    with pytest.raises(ScrubberError, match="not a scrubber index"):
        Index(str(other))


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
