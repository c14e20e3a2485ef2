"""The failure catalogue (docs/failures.md), driven through the CLI: every
bad input is one line naming the place, or with --on-error skip a warning
and a count; nothing half-written is left behind."""

import json
import os

import pytest
from clirunner import records, run

from scrubber.index import open_index

ARTICLE = ("The city council voted on Tuesday to expand the tram network to the northern "
           "districts, a plan that has been debated for more than a decade.")
OTHER = ("A small bakery on the corner of Elm Street has been selling the same rye loaf "
         "since 1952, and the queue still reaches the bus stop every Saturday morning.")



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
    assert f"{p}:2: " in r.stderr and "1 bad input skipped" in r.stderr


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
    assert "1 bad input skipped" in r.stderr
    assert open_index(str(db)).ids() == ["a"]


# --- a WARC response whose HTTP payload cannot be decoded ------------------------

def test_an_undecodable_warc_payload_is_a_bad_record_named_by_file_and_record(tmp_path):
    from warcs import page, write_warc
    p = write_warc(tmp_path / "c.warc.gz", [
        ("response", "http://a.example/1", b"\x1b\x2a\x00\xf8", "text/html", 200, [("Content-Encoding", "br")]),
        ("response", "http://a.example/2", page(f"<p>{ARTICLE}</p>"), "text/html", 200)])
    one_error_line(run("clean", p, "--no-dedup"), f"{p}:1: payload encoded with 'br', which scrubber does not undo")
    r = run("clean", p, "--no-dedup", "--on-error", "skip")
    assert r.exit_code == 0, r.output
    assert [x["url"] for x in records(r.stdout)] == ["http://a.example/2"]
    assert f"scrubber: warning: {p}:1: payload encoded with 'br'" in r.stderr
    assert "1 bad input skipped" in r.stderr


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


def test_a_number_beyond_the_float_range_is_bad_input_not_null(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "%s", "x": 1e400}\n' % ARTICLE)
    one_error_line(run("clean", p), f"{p}:1: the number 1e400 is beyond what a float holds")


@pytest.mark.parametrize("literal", ["Infinity", "-Infinity"])
def test_infinity_is_bad_input_not_null(tmp_path, literal):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "%s", "x": %s}\n' % (ARTICLE, literal))
    one_error_line(run("clean", p), f"{p}:1: {literal} is not JSON, and would be written back as null")


def test_nan_is_read_as_a_missing_value(tmp_path):
    # Python's json writes NaN for pandas' missing values; null is what it means.
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 1, "text": "%s", "x": NaN}\n' % ARTICLE)
    r = run("clean", p, "--no-dedup")
    assert r.exit_code == 0 and '"x":null' in r.stdout


# --- 1, 6: a run's files and its index commit together, the index last -------------

def _two_docs(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n"
                 + json.dumps({"id": "b", "text": OTHER}) + "\n")
    return p


class _Full:
    """A file on a full disk: writes fail with ENOSPC."""

    def __init__(self, f):
        self._f = f

    def write(self, data):
        import errno
        raise OSError(errno.ENOSPC, "No space left on device")

    def __getattr__(self, name):
        return getattr(self._f, name)


def _disk_full_for(monkeypatch, name_part):
    """Fault injection: the temporary file whose name contains ``name_part``
    is on a full disk."""
    import scrubber.sinks as sinks
    real = os.fdopen

    def fdopen(fd, *a, **kw):
        f = real(fd, *a, **kw)
        return _Full(f) if name_part in os.readlink(f"/proc/self/fd/{fd}") else f

    monkeypatch.setattr(sinks.os, "fdopen", fdopen)


def test_a_full_disk_at_the_last_flush_of_the_output_leaves_the_index_as_it_was(tmp_path, monkeypatch):
    import gzip
    import errno
    p, db, out = _two_docs(tmp_path), tmp_path / "seen.db", tmp_path / "out.jsonl.gz"

    def close(self):
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(gzip.GzipFile, "close", close)
        one_error_line(run("clean", p, "-o", out, "--index", db), f"{out}: cannot write")
    assert not out.exists()
    assert not db.exists()  # as it was: the failed run made it, and took it away
    r = run("clean", p, "-o", out, "--index", db)
    assert r.exit_code == 0 and "2 documents in" in r.stderr and "2 out" in r.stderr, r.output
    assert sorted(open_index(str(db)).ids()) == ["a", "b"]


@pytest.mark.skipif(not os.path.exists("/proc/self/fd"), reason="finds files by /proc")
@pytest.mark.parametrize("full", ["clusters", "stats"])
def test_a_full_disk_on_clusters_or_stats_commits_nothing(tmp_path, monkeypatch, full):
    p, db = _two_docs(tmp_path), tmp_path / "seen.db"
    with open(p, "a") as f:  # a copy, so that there is a cluster to write
        f.write(json.dumps({"id": "c", "text": ARTICLE}) + "\n")
    out, cl, st = tmp_path / "out.jsonl", tmp_path / "clusters.jsonl", tmp_path / "stats.json"
    cl.write_text("yesterday's\n")
    _disk_full_for(monkeypatch, f"/.{full}.")
    one_error_line(run("clean", p, "-o", out, "--index", db, "--clusters", cl, "--stats", st),
                   f"{tmp_path / full}")
    assert not out.exists() and not st.exists() and cl.read_text() == "yesterday's\n"
    assert sorted(os.listdir(tmp_path)) == ["clusters.jsonl", "in.jsonl"]  # no index: it had none


def test_clusters_and_stats_are_written_when_the_run_succeeds(tmp_path):
    p, out = _two_docs(tmp_path), tmp_path / "out.jsonl"
    cl, st = tmp_path / "clusters.jsonl", tmp_path / "stats.json"
    r = run("clean", p, "-o", out, "--clusters", cl, "--stats", st)
    assert r.exit_code == 0, r.output
    assert cl.read_text() == "" and json.loads(st.read_text())["documents_out"] == 2


# --- 5: rules check says which rule backtracks ------------------------------------

def test_rules_check_flags_a_backtracking_rule(tmp_path):
    p = tmp_path / "slow.toml"
    p.write_text('[[rule]]\nid = "slow"\ndescription = "d"\npattern = \'(a|a)+$|!$\'\nmatch = ["aaaa!"]\n')
    r = run("rules", "check", p)
    assert r.exit_code == 1
    assert f"{p}: rule 'slow': pattern backtracks catastrophically" in r.stderr
    assert "1 problem" in r.stdout


# --- 11: --max-doc-bytes ------------------------------------------------------------

def test_max_doc_bytes_skips_or_truncates_and_says_so(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "big", "text": ARTICLE + "\n" + OTHER}) + "\n"
                 + json.dumps({"id": "ok", "text": OTHER}) + "\n")
    r = run("clean", p, "--no-dedup", "--max-doc-bytes", 200)
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in records(r.stdout)] == ["ok"]
    assert f"{p}:1: document over --max-doc-bytes (200 bytes); skipped" in r.stderr
    assert "1 document over --max-doc-bytes skipped, 0 truncated" in r.stderr
    r = run("clean", p, "--no-dedup", "--max-doc-bytes", 200, "--long-docs", "truncate")
    assert [x["text"] for x in records(r.stdout)] == [ARTICLE, OTHER]


def test_a_jsonl_record_too_long_to_read_is_skipped_with_truncate_and_the_warning_says_why(tmp_path):
    # a line is read up to 3 x --max-doc-bytes + 64 kB; past that it is never parsed
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "huge", "text": (ARTICLE + "\n") * 600}) + "\n"
                 + json.dumps({"id": "ok", "text": OTHER}) + "\n")
    r = run("clean", p, "--no-dedup", "--max-doc-bytes", 200, "--long-docs", "truncate")
    assert r.exit_code == 0 and [x["id"] for x in records(r.stdout)] == ["ok"]
    assert (f"{p}:1: JSONL record over {3 * 200 + 65536} bytes (3 x --max-doc-bytes + 64 kB), "
            "too long to read and truncate; skipped") in r.stderr


# --- 14: outputs that would overwrite inputs or each other ----------------------------

def test_output_equal_to_an_input_is_refused(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = p.read_bytes()
    one_error_line(run("clean", p, "-o", p), f"{p}: -o names an input")
    (tmp_path / "link.jsonl").symlink_to(p)
    one_error_line(run("clean", p, "-o", tmp_path / "link.jsonl"), f"{tmp_path / 'link.jsonl'}: -o names an input")
    assert p.read_bytes() == before


def test_an_input_named_by_a_file_url_is_not_overwritten(tmp_path):
    # fsspec reads file:// from this disk: the output would be renamed over the input
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = p.read_bytes()
    one_error_line(run("clean", p.as_uri(), "-o", p), f"{p}: -o names an input ({p.as_uri()})")
    one_error_line(run("clean", tmp_path.as_uri(), "-o", tmp_path / "out.jsonl"),
                   f"{tmp_path / 'out.jsonl'}: -o lies inside the input folder {tmp_path.as_uri()}")
    assert p.read_bytes() == before and os.listdir(tmp_path) == ["in.jsonl"]


def test_an_output_standard_input_is_redirected_from_is_refused(tmp_path):
    import subprocess
    import sys

    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = p.read_bytes()
    with open(p, "rb") as stdin:  # scrubber clean - -o in.jsonl < in.jsonl
        r = subprocess.run([sys.executable, "-m", "scrubber", "clean", "-", "-o", str(p)],
                           stdin=stdin, capture_output=True, text=True)
    assert r.returncode == 1 and r.stderr == f"scrubber: error: {p}: -o is the file standard input reads; write elsewhere\n"
    assert p.read_bytes() == before


def test_an_output_a_link_in_an_input_folder_points_to_is_refused(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text(ARTICLE)
    out = tmp_path / "x.jsonl"
    out.write_text('{"id": "old", "text": "an earlier run"}\n')
    (folder / "link.jsonl").symlink_to(out)  # the run would read its own output, then replace it
    one_error_line(run("clean", folder, "-o", out), f"{out}: -o is where the link {folder / 'link.jsonl'}")
    assert "an earlier run" in out.read_text()


@pytest.mark.parametrize("flags", [["--clusters", "o.jsonl"], ["--stats", "o.jsonl"],
                                   ["--clusters", "c.json", "--stats", "c.json"]])
def test_two_outputs_naming_one_file_are_refused(tmp_path, monkeypatch, flags):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    monkeypatch.chdir(tmp_path)
    r = run("clean", p, "-o", "o.jsonl", *flags)
    assert r.exit_code == 1 and "name the same file" in r.stderr and len(r.stderr.splitlines()) == 1
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl"]


@pytest.mark.parametrize("flags, names", [
    (["--stats", "-"], "-o and --stats"),
    (["--clusters", "-"], "-o and --clusters"),
    (["-o", "o.jsonl", "--clusters", "-", "--stats", "-"], "--clusters and --stats"),
])
def test_two_outputs_on_standard_output_are_refused(tmp_path, monkeypatch, flags, names):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    monkeypatch.chdir(tmp_path)
    one_error_line(run("clean", p, *flags), f"-: {names} name the same file (standard output)")
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl"]
    # /dev/stdout is written through standard output's descriptor, as - is
    one_error_line(run("clean", p, "-o", "-", "--stats", "/dev/stdout"),
                   "/dev/stdout: -o and --stats name the same file (standard output)")
    one_error_line(run("clean", p, "-o", "o.jsonl", "--clusters", "/dev/stderr", "--stats", "/dev/fd/2"),
                   "/dev/fd/2: --clusters and --stats name the same file (standard error)")
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl"]
    r = run("clean", p, "-o", "o.jsonl", "--stats", "-")  # the only stream there: it is the stats
    assert r.exit_code == 0 and json.loads(r.stdout)["documents_out"] == 1


def test_learn_refuses_an_output_that_names_its_input(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = p.read_bytes()
    one_error_line(run("learn", p, "-j", "1", "-o", p), f"{p}: -o names an input")
    assert p.read_bytes() == before


@pytest.mark.parametrize("flag", ["--stats", "--clusters"])
@pytest.mark.parametrize("link", ["same", "symlink", "hardlink"])
def test_stats_or_clusters_naming_an_input_are_refused(tmp_path, flag, link):
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = p.read_bytes()
    target = p if link == "same" else tmp_path / "other.jsonl"
    if link == "symlink":
        target.symlink_to(p)
    elif link == "hardlink":
        os.link(p, target)
    one_error_line(run("clean", p, "-o", tmp_path / "o.jsonl", flag, target),
                   f"{target}: {flag} names an input")
    assert p.read_bytes() == before and not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("out, why", [
    ("d/s.jsonl", "it would overwrite an input"),
    ("d/out.jsonl", "a later run would read it as input"),
    ("d/sub/", "a later run would read it as input"),
    ("link/new.jsonl", "a later run would read it as input"),
])
def test_an_output_inside_an_input_folder_is_refused(tmp_path, monkeypatch, out, why):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    (tmp_path / "link").symlink_to("d")
    (tmp_path / "d" / "s.jsonl").write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    before = sorted(os.listdir(tmp_path / "d"))
    one_error_line(run("clean", "d", "-j", "1", "-o", out), f"{out}: -o lies inside the input folder d, so {why}")
    for flag in ("--stats", "--clusters"):
        one_error_line(run("clean", "d", "-o", "o.jsonl", flag, out),
                       f"{out}: {flag} lies inside the input folder d")
    one_error_line(run("learn", "d", "-o", out), f"{out}: -o lies inside the input folder d")
    assert sorted(os.listdir(tmp_path / "d")) == before and not os.path.exists("o.jsonl")


@pytest.mark.parametrize("out", ["shards/", "shards"])
def test_a_shard_folder_holding_an_input_part_is_refused(tmp_path, monkeypatch, out):
    # cleaning one part of an earlier run back into its folder removed it as stale
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n" + json.dumps({"id": "b", "text": OTHER}) + "\n")
    assert run("clean", p, "-o", "shards/", "--shard-size", 1).exit_code == 0
    before = {n: (tmp_path / "shards" / n).read_bytes() for n in os.listdir("shards")}
    one_error_line(run("clean", "shards/part-00001.jsonl.gz", "-o", out),
                   f"{out}: -o is the folder of the input shards/part-00001.jsonl.gz, a part")
    assert {n: (tmp_path / "shards" / n).read_bytes() for n in os.listdir("shards")} == before


@pytest.mark.parametrize("flags, where", [
    (["-o", ""], "-o '': an empty path"), (["--stats", ""], "--stats '': an empty path"),
    (["--clusters", ""], "--clusters '': an empty path"), (["--stats", "."], ".: is a directory"),
    (["--clusters", "nodir/c.jsonl"], "nodir/c.jsonl: cannot write: directory"),
    # a trailing slash asks for a directory: written as a file it was one named without it
    (["--clusters", "c/"], "c/: names a directory (a trailing /)"),
    (["--stats", "s/"], "s/: names a directory (a trailing /)"),
    # only -o writes parquet: these would hold JSON under a parquet name
    (["--clusters", "c.parquet"], "c.parquet: --clusters is written as JSON, not parquet"),
    (["--stats", "s.parquet"], "s.parquet: --stats is written as JSON, not parquet"),
])
def test_an_output_that_cannot_be_written_is_refused_before_any_work(tmp_path, monkeypatch, flags, where):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    r = run("clean", p, *flags)
    one_error_line(r, where)
    assert r.stdout == "" and sorted(os.listdir(tmp_path)) == ["in.jsonl"]


def test_clusters_and_stats_in_a_directory_that_cannot_be_written_are_refused_before_any_work(
        tmp_path, monkeypatch):
    # (root writes anywhere, so a read-only directory is played by mkstemp)
    import errno

    import scrubber.sinks

    ro = tmp_path / "ro"
    ro.mkdir()
    real = scrubber.sinks.tempfile.mkstemp

    def mkstemp(*a, dir=None, **k):
        if os.path.realpath(dir) == str(ro):
            raise OSError(errno.EROFS, "Read-only file system")
        return real(*a, dir=dir, **k)

    monkeypatch.setattr(scrubber.sinks.tempfile, "mkstemp", mkstemp)
    p = tmp_path / "in.jsonl"  # its bad record would stop the run first if the run began
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n[1]\n")
    for flag in ("--clusters", "--stats"):
        one_error_line(run("clean", p, "-o", tmp_path / "o.jsonl", flag, ro / "x.json"),
                       f"{ro / 'x.json'}: cannot write: Read-only file system")
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "ro"] and os.listdir(ro) == []


def test_learn_refuses_an_output_named_as_a_directory(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    one_error_line(run("learn", p, "-j", "1", "-o", "rules/"), "rules/: names a directory (a trailing /)")
    assert os.listdir(tmp_path) == ["in.jsonl"]


@pytest.mark.parametrize("out", ["shards/", "a/b/shards/", "shards.parquet/"])
def test_a_failed_run_leaves_no_shard_directory_it_made(tmp_path, monkeypatch, out):
    monkeypatch.chdir(tmp_path)
    p = tmp_path / "in.jsonl"
    p.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n[1]\n")
    one_error_line(run("clean", p, "-o", out), f"{p}:2: expected a JSON object")
    assert os.listdir(tmp_path) == ["in.jsonl"]


def test_explain_dup_finds_documents_whose_ids_pass_64_bits(tmp_path):
    p = tmp_path / "in.jsonl"
    p.write_text('{"id": 12345678901234567890123, "text": "%s"}\n'
                 '{"id": 12345678901234567890124, "text": "%s"}\n' % (ARTICLE, ARTICLE))
    r = run("explain", p, "--dup", "12345678901234567890123", "12345678901234567890124")
    assert r.exit_code == 0, r.output


# --- 12: temporary files -------------------------------------------------------

def _corpus(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": t}) + "\n"
                           for i, t in enumerate([ARTICLE, OTHER, ARTICLE])))
    return src


def test_a_full_temporary_directory_is_one_line_naming_it(tmp_path, monkeypatch):
    import errno
    import tempfile

    import scrubber.pipeline

    class Full:
        def __init__(self, *a, **k):
            pass

        def write(self, data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def close(self):
            pass

    monkeypatch.setattr(scrubber.pipeline.tempfile, "TemporaryFile", Full)
    out = tmp_path / "out.jsonl"
    r = run("clean", _corpus(tmp_path), "-o", out, "-j", "1")
    one_error_line(r, f"{tempfile.gettempdir()}: no space left for temporary files")
    assert "--tmp-dir" in r.stderr and not out.exists()


def test_tmp_dir_takes_the_temporary_files_and_must_be_a_directory(tmp_path):
    import tempfile

    before = tempfile.gettempdir()
    spill = tmp_path / "spill"
    spill.mkdir()
    out = tmp_path / "out.jsonl"
    r = run("clean", _corpus(tmp_path), "-o", out, "-j", "1", "--tmp-dir", spill, "-q")
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in records(out.read_text())] == ["0", "1"]
    assert tempfile.gettempdir() == before  # the process's own setting is given back
    one_error_line(run("clean", _corpus(tmp_path), "-o", out, "--tmp-dir", tmp_path / "nope"),
                   f"{tmp_path / 'nope'}: --tmp-dir must be a directory")


# --- the index: refused when it cannot be one, gone when a failed run made it ----------

@pytest.mark.parametrize("given, where", [("-", "--index -: it is a file"), ("", "--index '': an empty path")])
def test_an_index_that_is_no_file_is_refused(tmp_path, monkeypatch, given, where):
    monkeypatch.chdir(tmp_path)
    one_error_line(run("clean", _two_docs(tmp_path), "--index", given, "-o", "o.jsonl"), where)
    assert os.listdir(tmp_path) == ["in.jsonl"]


def test_a_failed_run_leaves_no_new_index_behind(tmp_path):
    p, db = tmp_path / "arr.jsonl", tmp_path / "new.db"
    p.write_text("[1]\n")
    one_error_line(run("clean", p, "--index", db, "-o", tmp_path / "o.jsonl"), f"{p}:1: expected a JSON object")
    assert os.listdir(tmp_path) == ["arr.jsonl"]
