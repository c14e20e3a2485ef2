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
