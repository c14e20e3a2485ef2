"""The failure catalogue (docs/failures.md), driven through the CLI: every
bad input is one line naming the place, or with --on-error skip a warning
and a count; nothing half-written is left behind."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scrubber.cli import app
from scrubber.index import open_index

runner = CliRunner()
ARTICLE = ("The city council voted on Tuesday to expand the tram network to the northern "
           "districts, a plan that has been debated for more than a decade.")
OTHER = ("A small bakery on the corner of Elm Street has been selling the same rye loaf "
         "since 1952, and the queue still reaches the bus stop every Saturday morning.")


def run(*args, input=None):
    return runner.invoke(app, [str(a) for a in args], input=input)


def records(text):
    return [json.loads(line) for line in text.splitlines()]


def one_error_line(r, where):
    lines = r.stderr.strip().splitlines()
    assert r.exit_code == 1, r.output
    assert len(lines) == 1 and lines[0].startswith(f"scrubber: error: {where}"), r.stderr
    assert "internal error" not in r.stderr


# --- 7, 8: records that cannot be represented are bad records ----------------

BAD_RECORDS = {
    "surrogate id": '{"id": "\\ud800", "text": "%s"}',
    "surrogate field": '{"id": "b", "text": "%s", "src": ["ok", "\\udfff"]}',
    "surrogate key": '{"id": "b", "text": "%s", "\\ud800": 1}',
    "nested 2000 deep": '{"id": "b", "text": "%s", "m": ' + "[" * 2000 + "]" * 2000 + "}",
}


@pytest.mark.parametrize("bad", list(BAD_RECORDS.values()), ids=list(BAD_RECORDS))
def test_a_record_that_cannot_be_written_back_is_a_bad_record(tmp_path, bad):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n" + bad % OTHER + "\n")
    one_error_line(run("clean", p, "--no-dedup"), f"{p}:2: ")
    r = run("clean", p, "--no-dedup", "--on-error", "skip")
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in records(r.stdout)] == ["a"]
    assert f"{p}:2: " in r.stderr and "1 bad inputs skipped" in r.stderr


def test_a_surrogate_in_the_text_is_repaired_not_fatal(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": "a", "text": "%s \\ud800"}\n' % ARTICLE)
    r = run("clean", p, "--no-dedup")
    assert r.exit_code == 0, r.output
    assert records(r.stdout)[0]["text"] == ARTICLE + " \ufffd"


# --- 9: a repeated id with --index -----------------------------------------------

def test_a_repeated_id_with_an_index_is_a_bad_record(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n"
                 + json.dumps({"id": "a", "text": OTHER}) + "\n")
    db = tmp_path / "seen.db"
    one_error_line(run("clean", p, "--index", db), f"{p}:2: id 'a'")
    r = run("clean", p, "--index", db, "--on-error", "skip")
    assert r.exit_code == 0, r.output
    assert [x["text"] for x in records(r.stdout)] == [ARTICLE]
    assert "1 bad inputs skipped" in r.stderr
    assert open_index(str(db)).ids() == ["a"]


# --- 4: pass-through fields come out as they went in ------------------------------

@pytest.mark.parametrize("dedup", [[], ["--no-dedup"]])
def test_integers_beyond_64_bits_pass_through_unchanged(tmp_path, dedup):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "%s", "n": 12345678901234567890123, '
                 '"m": [-98765432109876543210987, 1.5]}\n' % ARTICLE)
    r = run("clean", p, *dedup)
    assert r.exit_code == 0, r.output
    assert '"n":12345678901234567890123' in r.stdout.replace(" ", "")
    assert '"m":[-98765432109876543210987,1.5]' in r.stdout.replace(" ", "")
