"""The scrubber command, driven as a user drives it."""

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from clirunner import records, run, runner

from scrubber.cli import app

ROOT = Path(__file__).resolve().parents[1]
SEEDS = str(ROOT / "seeds")
ARTICLE = ("The city council voted on Tuesday to expand the tram network to the northern "
           "districts, a plan that has been debated for more than a decade.")



def test_clean_seeds_to_a_file_with_a_summary(tmp_path):
    out = tmp_path / "clean.jsonl"
    r = run("clean", SEEDS, "-o", out)
    assert r.exit_code == 0, r.output
    assert len(records(out.read_text())) == 5
    assert r.stdout == ""
    assert "5 documents in" in r.stderr and "5 out" in r.stderr
    assert "\r" not in r.stderr  # no progress bar when stderr is not a terminal


def test_output_is_utf8_not_escapes_and_byte_identical_across_runs(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    run("clean", SEEDS, "-o", a)
    run("clean", SEEDS, "-o", b)
    assert a.read_bytes() == b.read_bytes()
    assert "\u2019" in a.read_text(encoding="utf-8") and "\\u2019" not in a.read_text()


def test_plain_text_on_stdin():
    r = run("clean", "-", input=f"Share this:\n\n{ARTICLE}\n")
    assert r.exit_code == 0
    assert records(r.stdout) == [{"id": "stdin", "text": ARTICLE}]


@pytest.mark.parametrize("given", ["", "\n  \n"])
def test_nothing_on_stdin_is_no_documents_not_an_error(given):
    # an upstream stage that found nothing, e.g. a grep with no match
    r = run("clean", "-", input=given)
    assert r.exit_code == 0, r.output
    assert r.stdout == "" and "0 documents in" in r.stderr


def test_empty_stdin_forced_to_text_is_an_empty_document_dropped():
    r = run("clean", "-", "--input-format", "text", input="")
    assert r.exit_code == 0 and r.stdout == ""
    assert "1 document in" in r.stderr and "1 empty and 0 too short" in r.stderr


def test_jsonl_on_stdin_with_another_text_field_passes_fields_through():
    r = run("clean", "-", "--text-field", "content",
            input=json.dumps({"url": "http://a", "content": f"{ARTICLE}\n\nLike this:"}) + "\n")
    assert r.exit_code == 0, r.output
    assert records(r.stdout) == [{"id": "<stdin>:1", "url": "http://a", "content": ARTICLE}]


def test_user_rules_and_disable(tmp_path):
    rules = tmp_path / "site.toml"
    rules.write_text('[[rule]]\nid = "promo"\ndescription = "promo line"\n'
                     'pattern = "^Buy our app"\nmatch = ["Buy our app now"]\n')
    src = f"{ARTICLE}\n\nBuy our app now\n\nShare this:\n"
    r = run("clean", "-", "--rules", rules, "--disable", "share-buttons", input=src)
    assert records(r.stdout)[0]["text"] == f"{ARTICLE}\n\nShare this:"
    r = run("clean", "-", "--no-default-rules", "--no-heuristics", input=src)
    assert "Buy our app" in records(r.stdout)[0]["text"]


def test_stats_file(tmp_path):
    st = tmp_path / "stats.json"
    assert run("clean", SEEDS, "-o", tmp_path / "o.jsonl", "--stats", st, "-q").stderr == ""
    stats = json.loads(st.read_text())
    assert stats["documents_in"] == 5 and stats["removed_by_reason"]["rule:comment-section"] >= 2


def test_span_removals_are_counted_by_reason_as_lines_are(tmp_path):
    st = tmp_path / "stats.json"
    r = run("clean", f"{SEEDS}/004_350fceceab84777f.txt", "-o", tmp_path / "o.jsonl", "--stats", st)
    stats = json.loads(st.read_text())
    assert (stats["lines_removed"], stats["spans_removed"]) == (1, 1)
    assert stats["removed_by_reason"] == {"rule:date-prefix": 1, "rule:photo-credit": 1}
    assert "1 line and 1 span removed (rule:date-prefix 1, rule:photo-credit 1)" in r.stderr


def test_keep_duplicates_and_no_dedup(tmp_path):
    src = "\n".join(json.dumps({"id": i, "text": ARTICLE}) for i in ("a", "b")) + "\n"
    assert [r["id"] for r in records(run("clean", "-", input=src).stdout)] == ["a"]
    marked = records(run("clean", "-", "--keep-duplicates", input=src).stdout)
    assert [r.get("duplicate_of") for r in marked] == [None, "a"]
    assert len(records(run("clean", "-", "--no-dedup", input=src).stdout)) == 2


def test_version():
    r = run("--version")
    assert r.exit_code == 0 and r.stdout.startswith("scrubber ")


def test_explain_names_rule_and_heuristic():
    r = run("explain", str(ROOT / "seeds" / "000_312a8e0e1d90b265.txt"))
    assert r.exit_code == 0
    assert "- DealMakerz   [heuristic:head-furniture]" in r.stdout
    assert "[rule:see-also]" in r.stdout
    assert "\n  Difficult before conversations   [classifier p=" in r.stdout


def test_explain_takes_the_cleaning_options_clean_takes(tmp_path):
    # what a run with these options removed, explain shows, for the same ids
    page = (ROOT / "seeds" / "000_312a8e0e1d90b265.txt").read_text(encoding="utf-8")
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"doc_id": "p1", "text": page}) + "\n")
    opts = ["--id-field", "doc_id", "--no-heuristics", "--no-classifier"]
    r = run("explain", src, "--id", "p1", *opts)
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("== p1:") and "\n  DealMakerz\n" in r.stdout
    (rec,) = records(run("clean", src, "--no-dedup", "--annotate", *opts).stdout)
    assert rec["doc_id"] == "p1" and rec["text"].startswith("DealMakerz")
    assert r.stdout.count("\n- ") + r.stdout.startswith("- ") == sum(x.get("span") is None for x in rec["removed"])


def test_a_file_name_that_is_not_utf8_is_cleaned_and_explained(tmp_path):
    with open(os.path.join(os.fsencode(tmp_path), b"caf\xe9.txt"), "wb") as f:
        f.write(ARTICLE.encode())
    r = run("clean", tmp_path, "-j", "1")
    assert r.exit_code == 0, r.output
    assert records(r.stdout) == [{"id": "caf\ufffd.txt", "text": ARTICLE}]
    r = run("explain", tmp_path)
    assert r.exit_code == 0 and r.stdout.startswith("== caf\ufffd.txt:")


def test_explain_shows_spans():
    r = run("explain", str(ROOT / "seeds" / "004_350fceceab84777f.txt"))
    assert "~ date 2022-01-19 The Secretary" in r.stdout
    assert "[rule:date-prefix removed 'date 2022-01-19 ']" in r.stdout


def test_rules_list_and_check(tmp_path):
    r = run("rules", "list")
    assert r.exit_code == 0 and "share-buttons" in r.stdout and "head-furniture" in r.stdout
    r = run("rules", "check")
    assert r.exit_code == 0 and "all hold" in r.stdout
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ndescription = "d"\npattern = "^Foo"\nmatch = ["Bar"]\n')
    r = run("rules", "check", bad)
    assert r.exit_code == 1 and f"scrubber: error: {bad}: rule 'x': does not match its example 'Bar'" in r.stderr


def test_rules_check_reports_a_disable_entry_naming_nothing_as_clean_does(tmp_path):
    f = tmp_path / "dis.toml"
    f.write_text('disable = ["nonexistent-rule", "share-buttons", "head-furniture", "classifier"]\n')
    said = f"scrubber: error: {f}: cannot disable 'nonexistent-rule': no rule or heuristic has that id"
    r = run("rules", "check", f)
    assert r.exit_code == 1 and r.stderr.strip() == said and "1 problem" in r.stdout
    assert run("clean", "-", "--rules", f, input=ARTICLE).stderr.strip() == said
    f.write_text('disable = ["share-buttons", "head-furniture", "classifier"]\n')  # a rule, a heuristic
    assert run("rules", "check", f).exit_code == 0


def test_rules_list_leaves_out_what_a_rule_file_disables(tmp_path):
    f = tmp_path / "dis.toml"
    f.write_text('disable = ["share-buttons", "head-furniture", "classifier"]\n')
    listed = {line.split()[0] for line in run("rules", "list", "--rules", f).stdout.splitlines()}
    assert "share-buttons" not in listed and "head-furniture" not in listed and "classifier" not in listed
    assert {"follow-us", "repeated-title"} <= listed


def test_rules_check_names_a_rule_off_the_fast_path(tmp_path):
    slow = tmp_path / "slow.toml"
    slow.write_text('[[rule]]\nid = "x"\ndescription = "d"\npattern = "^(?=.*cookies)We"\n'
                    'match = ["We use cookies"]\nno_match = ["We"]\n')
    r = run("rules", "check", slow)
    assert r.exit_code == 0 and "all hold" in r.stdout
    assert f"warning: {slow}: rule 'x': RE2 cannot pre-filter its pattern" in r.stderr
    assert "warning" not in run("rules", "check").stderr


# --- bad input: one line, non-zero exit, nothing written -----------------

def test_bad_json_line_fails_without_touching_existing_output(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": ARTICLE}) + "\nnot json\n")
    out = tmp_path / "out.jsonl"
    out.write_text("previous results\n")
    r = run("clean", src, "-o", out)
    assert r.exit_code == 1
    assert r.stderr.strip() == f"scrubber: error: {src}:2: not valid JSON: Expecting value (column 1)"
    assert out.read_text() == "previous results\n"
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "out.jsonl"]  # no temporary left behind


def test_on_error_skip_warns_and_counts(tmp_path):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"text": ARTICLE}) + "\nnot json\n" + json.dumps({"body": "x"}) + "\n")
    r = run("clean", src, "--on-error", "skip")
    assert r.exit_code == 0
    assert len(records(r.stdout)) == 1
    assert f"scrubber: warning: {src}:2: not valid JSON" in r.stderr
    assert f"{src}:3: no 'text' field" in r.stderr
    assert "2 bad inputs skipped" in r.stderr


def make(path, data):
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("setup, message", [
    (lambda d: d / "missing.txt", "missing.txt: no such file or directory"),
    (lambda d: make(d / "t.xlsx", b"a,b\n1,2\n"), "t.xlsx: not a format scrubber reads"),
    (lambda d: make(d / "t.csv", b"a,b\n1,2\n"), "t.csv:1: no 'text' field"),
    (lambda d: make(d / "b.txt", b"\x00\x01\x02binary"), "b.txt: binary file"),
])
def test_bad_files_get_one_line(tmp_path, setup, message):
    r = run("clean", setup(tmp_path))
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("scrubber: error: ") and message in lines[0]
    assert "Traceback" not in r.output


def test_invalid_rule_file_is_one_line(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[rule]]\nid = "x"\ndescription = "d"\npattern = "(oops"\nmatch = ["a"]\n')
    r = run("clean", SEEDS, "--rules", bad)
    assert r.exit_code == 1
    assert r.stderr.startswith(f"scrubber: error: {bad}: rule 'x': pattern does not compile")


def test_unknown_disable_id_is_an_error():
    r = run("clean", SEEDS, "--disable", "shaer-buttons")
    assert r.exit_code == 1 and "cannot disable 'shaer-buttons'" in r.stderr


# --- as a process: pipes and signals --------------------------------------

def test_a_bug_is_one_line_not_a_traceback(tmp_path, monkeypatch):
    from scrubber.pipeline import Pipeline

    def broken(self, *args, **kwargs):
        raise RuntimeError("boom")
        yield

    monkeypatch.setattr(Pipeline, "run_paths", broken)
    out = tmp_path / "out.jsonl"
    r = run("clean", SEEDS, "-o", out)
    assert r.exit_code == 1 and not out.exists()
    assert r.stderr.splitlines() == [
        "scrubber: internal error: RuntimeError: boom (please report it; SCRUBBER_TRACEBACK=1 shows where)"]
    monkeypatch.setenv("SCRUBBER_TRACEBACK", "1")
    r = run("clean", SEEDS, "-o", out)
    assert isinstance(r.exception, RuntimeError)


CMD = [sys.executable, "-m", "scrubber"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_a_one_line_error():
    with open("/dev/full", "wb") as full:
        p = subprocess.run(CMD + ["clean", SEEDS], stdout=full, stderr=subprocess.PIPE,
                           text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr == "scrubber: error: <stdout>: cannot write: No space left on device\n"


def _an_index(tmp_path):
    db = tmp_path / "seen.db"
    assert run("clean", SEEDS, "--index", db, "-o", tmp_path / "out.jsonl").exit_code == 0
    return db


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [
    ["explain", f"{SEEDS}/000_312a8e0e1d90b265.txt"],
    ["explain", "--dup", f"{SEEDS}/000_312a8e0e1d90b265.txt", f"{SEEDS}/002_6e2331712607e042.txt"],
    ["rules", "list"], ["rules", "check"], ["learn", SEEDS, "-j", "1"], ["index", "info", "INDEX"],
], ids=["explain", "explain-dup", "rules-list", "rules-check", "learn", "index-info"])
def test_every_command_says_a_full_standard_output_in_one_line(tmp_path, args):
    args = [str(_an_index(tmp_path)) if a == "INDEX" else a for a in args]
    with open("/dev/full", "wb") as full:
        p = subprocess.run(CMD + args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert p.returncode == 1
    assert p.stderr.splitlines()[-1] == "scrubber: error: <stdout>: cannot write: No space left on device"
    assert "internal error" not in p.stderr and "Traceback" not in p.stderr


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("args", [["--version"], ["--help"], ["clean", "--help"], ["rules"]])
def test_version_and_help_say_a_full_standard_output_in_one_line(args):
    with open("/dev/full", "wb") as full:
        p = subprocess.run(CMD + args, stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 1
    assert p.stderr == "scrubber: error: <stdout>: cannot write: No space left on device\n"


@pytest.mark.parametrize("args", ["--version", "--help", "clean --help"])
def test_version_and_help_follow_the_standard_output_contract(args):
    p = _sh(f"{args} >&-")
    assert p.returncode == 1 and p.stderr == "scrubber: error: <stdout>: cannot write: standard output is closed\n"
    reader_gone = subprocess.Popen(CMD + args.split(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    reader_gone.stdout.close()  # long before the interpreter has started
    assert reader_gone.wait(timeout=60) == 141 and reader_gone.stderr.read() == b""
    reader_gone.stderr.close()


def _sh(cmd, **kw):
    return subprocess.run(["sh", "-c", f'"$0" -m scrubber {cmd}', sys.executable],
                          capture_output=True, text=True, timeout=60, **kw)


@pytest.mark.parametrize("cmd, message", [
    ("clean - <&-", "<stdin>: cannot read: standard input is closed"),
    (f"clean {SEEDS} >&-", "<stdout>: cannot write: standard output is closed"),
    (f"explain {SEEDS}/000_312a8e0e1d90b265.txt >&-", "<stdout>: cannot write: standard output is closed"),
    ("rules list >&-", "<stdout>: cannot write: standard output is closed"),
])
def test_a_closed_standard_stream_is_one_line(cmd, message):
    p = _sh(cmd)
    assert p.returncode == 1 and p.stderr == f"scrubber: error: {message}\n"


def test_a_closed_standard_error_is_no_crash(tmp_path):
    p = _sh(f"clean {SEEDS} 2>&-")
    assert p.returncode == 0 and len(records(p.stdout)) == 5
    p = _sh(f"clean {tmp_path / 'missing.txt'} 2>&-")
    assert p.returncode == 1 and p.stdout == ""


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_without_dedup_a_record_goes_out_before_the_input_ends(jobs):
    # A slow producer (a crawler, tail -f): its first record, the pipe left
    # open. It used to wait for 64 records (or 512 bytes, to tell the format).
    p = subprocess.Popen(CMD + ["clean", "-", "--no-dedup", "-q", "-j", jobs], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        p.stdin.write((json.dumps({"id": "a", "text": ARTICLE}) + "\n").encode())
        p.stdin.flush()
        ready, _, _ = select.select([p.stdout], [], [], 30)
        first = p.stdout.readline() if ready else b"{}"
        rest, err = p.communicate((json.dumps({"id": "b", "text": ARTICLE + " Again."}) + "\n").encode(),
                                  timeout=60)
    finally:
        p.kill()
    assert p.returncode == 0, err
    assert json.loads(first).get("id") == "a" and [r["id"] for r in records(rest.decode())] == ["b"]


def test_closed_pipe_exits_quietly(tmp_path):
    src = tmp_path / "many.jsonl"
    src.write_text("".join(json.dumps({"text": f"{ARTICLE} {i}"}) + "\n" for i in range(3000)))
    p = subprocess.run(f"{' '.join(CMD)} clean {src} --no-dedup | head -n 1",
                       shell=True, capture_output=True, text=True, timeout=60)
    assert len(p.stdout.splitlines()) == 1
    assert p.stderr == ""


@pytest.mark.parametrize("unbuffered", ["", "1"])
def test_a_record_larger_than_the_pipe_cut_by_the_reader_is_exit_141(tmp_path, unbuffered):
    # With PYTHONUNBUFFERED=1 standard output is raw: a write(2) the reader
    # cut short used to end the run with status 0, as if all went out.
    src = tmp_path / "long.txt"
    src.write_text("\n".join(f"{ARTICLE} {i}" for i in range(3000)))
    env = {**os.environ, "PYTHONUNBUFFERED": unbuffered}
    p = subprocess.run(f"{' '.join(CMD)} clean {src} --no-dedup -q | head -c 10 >/dev/null; "
                       "echo ${PIPESTATUS[0]}", shell=True, executable="/bin/bash", env=env,
                       capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "141" and p.stderr == ""


def test_help_cut_by_the_reader_is_exit_141():
    p = subprocess.run(f"{' '.join(CMD)} clean --help | head -c 10 >/dev/null; echo ${{PIPESTATUS[0]}}",
                       shell=True, executable="/bin/bash", capture_output=True, text=True, timeout=60)
    assert p.stdout.strip() == "141" and p.stderr == ""


def _writing_from_stdin(tmp_path, out):
    """``scrubber clean - -o OUT`` with one record on its standard input,
    left open: returned once its temporary output file exists."""
    p = subprocess.Popen(CMD + ["clean", "-", "-o", str(out)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    p.stdin.write((json.dumps({"text": ARTICLE}) + "\n").encode())
    p.stdin.flush()
    deadline = time.time() + 30
    while not os.listdir(tmp_path) and time.time() < deadline:
        time.sleep(0.05)
    return p


def test_ctrl_c_exits_130_and_leaves_no_file(tmp_path):
    p = _writing_from_stdin(tmp_path, tmp_path / "out.jsonl")
    time.sleep(0.2)  # and blocked on stdin
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 130
    assert b"Traceback" not in err and b"interrupted" in err
    assert os.listdir(tmp_path) == []


def test_a_run_killed_outright_leaves_a_file_the_next_run_removes(tmp_path):
    out = tmp_path / "out.jsonl"
    p = _writing_from_stdin(tmp_path, out)
    p.kill()  # SIGKILL, as the out-of-memory killer sends: no handler runs
    p.communicate(timeout=30)
    left = os.listdir(tmp_path)
    assert len(left) == 1 and left[0].startswith(".out.jsonl.") and not out.exists()
    again = subprocess.run(CMD + ["clean", "-", "-o", str(out)], input=json.dumps({"text": ARTICLE}) + "\n",
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert os.listdir(tmp_path) == ["out.jsonl"]
    assert left[0] in again.stderr and "killed" in again.stderr


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(c) for c in path.read_text().split()] if path.exists() else []


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_sigterm_exits_143_stops_workers_and_leaves_no_file(tmp_path):
    out = tmp_path / "out.jsonl"
    p = subprocess.Popen(CMD + ["clean", "-", "-o", str(out), "-j", "2"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    # more than one batch, so that the workers have started; stdin stays open
    p.stdin.write("".join(json.dumps({"text": f"{ARTICLE} {i}"}) + "\n" for i in range(200)).encode())
    p.stdin.flush()
    deadline = time.time() + 30
    while len(_children(p.pid)) < 2 and time.time() < deadline:
        time.sleep(0.05)
    workers = _children(p.pid)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=30)
    assert p.returncode == 143, err
    assert b"Traceback" not in err and b"terminated" in err
    assert os.listdir(tmp_path) == []
    time.sleep(0.2)
    assert len(workers) >= 2 and not [w for w in workers if _running(w)]


def test_a_signal_while_files_are_renamed_into_place_waits_until_all_are(tmp_path, monkeypatch):
    # Ctrl-C between two renames left shards of two runs in one folder, and
    # the output committed without its --clusters
    import gzip

    from scrubber.sinks import Sink

    out, clusters = tmp_path / "out", tmp_path / "clusters.jsonl"
    assert run("clean", SEEDS, "-o", f"{out}/", "--shard-size", "1", "--clusters", clusters).exit_code == 0
    clusters.write_text("an earlier run's\n")
    real, renamed = Sink.commit_file, []

    def commit_file(tmp, path):
        real(tmp, path)
        renamed.append(path)
        if len(renamed) == 1:
            signal.raise_signal(signal.SIGINT)

    monkeypatch.setattr(Sink, "commit_file", staticmethod(commit_file))
    r = run("clean", SEEDS, "-o", f"{out}/", "--shard-size", "2", "--clusters", clusters, "-j", "1")
    assert r.exit_code == 130 and "scrubber: interrupted" in r.stderr
    assert sorted(os.listdir(out)) == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"]
    assert [len(gzip.open(out / p).read().splitlines()) for p in sorted(os.listdir(out))] == [2, 2, 1]
    assert clusters.read_text() == ""  # this run's: the seeds have no near-duplicates


@pytest.mark.parametrize("name, opener", [("out.jsonl.bz2", "bz2"), ("out.jsonl.xz", "lzma")])
def test_bzip2_and_xz_output_is_compressed_by_name_and_the_same_bytes_each_run(tmp_path, name, opener):
    out = tmp_path / name
    assert run("clean", SEEDS, "-o", out, "-q").exit_code == 0
    first = out.read_bytes()
    assert len(records(__import__(opener).decompress(first).decode())) == 5
    assert run("clean", SEEDS, "-o", out, "-q").exit_code == 0 and out.read_bytes() == first


def test_xz_output_on_a_python_without_lzma_is_refused_before_anything_is_written(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "lzma", None)  # a bare pyenv build has no _lzma
    r = run("clean", SEEDS, "-o", tmp_path / "out.jsonl.xz")
    assert r.exit_code == 1 and os.listdir(tmp_path) == []
    assert r.stderr == f"scrubber: error: {tmp_path / 'out.jsonl.xz'}: this Python was built without its lzma " \
                       "module; name the file .gz or .zst\n"


@pytest.mark.parametrize("name", ["out.jsonl.lz4", "out.jsonl.br", "out.zip"])
def test_an_output_named_for_a_compression_scrubber_does_not_write_is_refused(tmp_path, name):
    # it would hold plain JSONL under a name that promises otherwise
    r = run("clean", SEEDS, "-o", tmp_path / name)
    assert r.exit_code == 1 and not (tmp_path / name).exists()
    assert r.stderr.count("\n") == 1 and name in r.stderr and ".gz" in r.stderr


def test_output_directory_gets_shards(tmp_path):
    import gzip
    out = tmp_path / "shards"
    r = run("clean", SEEDS, "-o", f"{out}/", "--shard-size", "2")
    assert r.exit_code == 0, r.output
    names = sorted(p.name for p in out.iterdir())
    assert names == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"]
    assert sum(len(records(gzip.decompress((out / n).read_bytes()).decode())) for n in names) == 5


# --- deduplication, boilerplate and the index ------------------------------------

def _corpus(tmp_path):
    """Twelve pages of one site, two of them copies of a third."""
    sys.path.insert(0, str(Path(__file__).parent))
    from texts import article, with_furniture

    d = tmp_path / "site"
    d.mkdir()
    for i in range(10):
        (d / f"p{i:02}.txt").write_text(with_furniture(article(40 + i)))
    (d / "p10.txt").write_text(with_furniture(article(40).rsplit("\n\n", 1)[0]))
    (d / "p11.txt").write_text("Wire copy\n\n" + article(40))
    return d


def test_clusters_file_lists_members_and_similarities(tmp_path):
    d = _corpus(tmp_path)
    cl = tmp_path / "clusters.jsonl"
    r = run("clean", d, "-o", tmp_path / "out.jsonl", "--clusters", cl)
    assert r.exit_code == 0, r.output
    [c] = records(cl.read_text())
    assert c["members"] == ["p00.txt", "p10.txt", "p11.txt"] and c["size"] == 3
    assert {s["id"] for s in c["similarity"]} == set(c["members"]) - {c["cluster"]}
    assert all(s["containment"] >= 0.5 for s in c["similarity"])
    assert len(records((tmp_path / "out.jsonl").read_text())) == 10
    assert "boilerplate:corpus" in r.stderr


def test_output_is_byte_identical_for_one_two_and_one_per_core_workers(tmp_path):
    d = _corpus(tmp_path)
    for j in (1, 2, 0):  # 0: one per core
        assert run("clean", d, "-o", tmp_path / f"j{j}.jsonl", "-j", j, "-q").exit_code == 0
    assert (tmp_path / "j1.jsonl").read_bytes() == (tmp_path / "j2.jsonl").read_bytes() \
        == (tmp_path / "j0.jsonl").read_bytes()


def test_explain_dup_says_why_two_documents_were_or_were_not_joined(tmp_path):
    d = _corpus(tmp_path)
    r = run("explain", "--dup", "p00.txt", "p10.txt", d)
    assert r.exit_code == 0, r.output
    assert "near-duplicates" in r.stdout and "result: same cluster" in r.stdout
    r = run("explain", "--dup", "p01.txt", "p02.txt", d)
    assert "not near-duplicates" in r.stdout and "not joined" in r.stdout
    r = run("explain", "--dup", "p01.txt", "nope.txt", d)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "nope.txt" in r.stderr
    r = run("explain", "--dup", "p01.txt", "p01.txt", d)  # it read as both joined and not
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "both name the id p01.txt" in r.stderr


def test_explain_dup_of_two_files_of_one_name_names_them_by_their_paths(tmp_path, monkeypatch):
    d = _corpus(tmp_path)
    monkeypatch.chdir(tmp_path)
    for folder, page in (("x1", "p00.txt"), ("x2", "p10.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "a.txt").write_text((d / page).read_text())
    r = run("explain", "--dup", "x1/a.txt", "x2/a.txt")
    assert r.exit_code == 0, r.output
    assert r.stdout.startswith("A: x1/a.txt: ") and "\nB: x2/a.txt: " in r.stdout
    assert "result: same cluster, kept x1/a.txt" in r.stdout
    r = run("explain", "--dup", "x1/a.txt", d / "p10.txt")  # names that differ stay the ids
    assert r.stdout.startswith("A: a.txt: ") and "\nB: p10.txt: " in r.stdout


def test_learn_writes_rules_that_rules_check_accepts(tmp_path):
    d = _corpus(tmp_path)
    out = tmp_path / "learned-harbour.toml"
    r = run("learn", d, "-o", out)
    assert r.exit_code == 0, r.output
    assert "Skip to main menu" in out.read_text()
    r = run("rules", "check", out)
    assert r.exit_code == 0 and "all hold" in r.stdout
    # and they work as ordinary rules
    r = run("clean", d, "--rules", out, "--no-boilerplate", "-q")
    assert "Skip to main menu" not in r.stdout


def test_learn_warns_when_it_writes_where_default_rules_are_loaded_from(tmp_path, monkeypatch):
    # The README's example once wrote into rules/, which a source checkout
    # loads as shipped packs: unreviewed rules ran on every later run.
    from scrubber import cli

    d = _corpus(tmp_path)
    packs = tmp_path / "packs"
    packs.mkdir()
    monkeypatch.setattr(cli, "default_rules_dir", lambda: packs)
    r = run("learn", d, "-o", packs / "learned.toml")
    assert r.exit_code == 0 and "every run loads the files of" in r.stderr
    r = run("learn", d, "-o", tmp_path / "learned.toml")
    assert r.exit_code == 0 and "every run loads" not in r.stderr


def test_learn_says_why_a_site_of_seven_pages_learns_nothing(tmp_path):
    d = _corpus(tmp_path)
    for p in sorted(d.glob("*.txt"))[7:]:
        p.unlink()
    r = run("learn", d, "-j", "1")
    assert r.exit_code == 0 and "[[rule]]" not in r.stdout
    # its footer is on all seven pages, so only the size of the site explains it
    assert r.stderr == ("scrubber: 0 repeated lines learned from 7 documents (a line must repeat in "
                        "4 clusters of copies, within a source of 8 documents or more)\n")


def test_index_across_runs_and_refused_parameters(tmp_path):
    d = _corpus(tmp_path)
    db = tmp_path / "seen.db"
    assert run("clean", d, "-o", tmp_path / "1.jsonl", "--index", db, "-q").exit_code == 0
    r = run("clean", d / "p11.txt", "--index", db)
    assert r.exit_code == 0 and r.stdout == ""  # a copy of what was kept yesterday
    assert "1 duplicate dropped (1 copy of documents in the index)" in r.stderr  # why nothing came out
    r = run("index", "info", db)
    assert "10 documents" in r.stdout
    r = run("index", "remove", db, "p00.txt")
    assert r.stderr == f"scrubber: 1 document removed from {db} (all those with the 1 id given)\n"

    from scrubber import Params
    from scrubber.index import Index
    Index(str(tmp_path / "other.db"), Params(num_perm=64, bands=32, rows=2)).close()
    r = run("clean", d, "--index", tmp_path / "other.db")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1
    assert "built with num_perm=64" in r.stderr and "Traceback" not in r.output


def test_a_bad_index_file_is_one_line_and_exit_1(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"\x00garbage" * 100)
    r = run("clean", SEEDS, "--index", bad)
    assert r.exit_code == 1 and r.stderr.startswith("scrubber: error:") and r.stderr.count("\n") == 1
    r = run("index", "info", tmp_path / "missing.db")
    assert r.exit_code == 1 and "no such index" in r.stderr


def test_index_without_dedup_is_refused(tmp_path):
    r = run("clean", SEEDS, "--no-dedup", "--index", tmp_path / "x.db")
    assert r.exit_code == 1 and "--index needs deduplication" in r.stderr


def test_outputs_never_overwrite_the_rule_files_or_the_model_a_run_reads(tmp_path):
    rules = tmp_path / "site.toml"
    rules.write_text('[[rule]]\nid = "r"\ndescription = "d"\npattern = "^Powered by"\nmatch = ["Powered by X"]\n'
                     'no_match = ["X"]\n')
    before = rules.read_text()
    d = _corpus(tmp_path)
    for flag in ("-o", "--clusters", "--stats"):
        r = run("clean", d, "--rules", rules, flag, rules, *([] if flag == "-o" else ["-o", tmp_path / "o.jsonl"]))
        assert r.exit_code == 1 and f"{flag} names an input ({rules})" in r.stderr, flag
    r = run("learn", d, "--rules", rules, "-o", rules)
    assert r.exit_code == 1 and "-o names an input" in r.stderr
    assert rules.read_text() == before
    model = tmp_path / "model.json"
    model.write_text("{}")
    r = run("clean", d, "--model", model, "-o", model)
    assert r.exit_code == 1 and "-o names an input" in r.stderr and model.read_text() == "{}"


def test_lang_field_is_refused_over_fields_scrubber_writes_and_when_empty(tmp_path):
    d = _corpus(tmp_path)
    for name in ("duplicate_of", "cluster", "removed"):
        r = run("clean", d, "--lang-field", name)
        assert r.exit_code == 1 and r.stderr.count("\n") == 1 and f"--lang-field '{name}'" in r.stderr
    r = run("clean", d, "--lang-field", "")
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "internal error" not in r.stderr


@pytest.mark.parametrize("flags", [["--clusters", "c.jsonl"], ["--keep-duplicates"], ["--dup-threshold", "0.8"]])
def test_dedup_flags_without_dedup_are_refused(tmp_path, monkeypatch, flags):
    monkeypatch.chdir(tmp_path)
    r = run("clean", SEEDS, "--no-dedup", *flags)
    assert r.exit_code == 1 and r.stdout == "" and os.listdir(tmp_path) == []
    assert r.stderr == f"scrubber: error: {flags[0]} needs deduplication: drop --no-dedup\n"


def _overlapping_pair() -> str:
    """Two JSONL records, the second sharing 7 of the first's 10 paragraphs
    (containment about 0.7)."""
    word = lambda p, k: "w" + chr(97 + p) + chr(97 + k)  # letters: digits are all 0 to dedup
    para = [" ".join(word(p, k) for k in range(16)) + "." for p in range(13)]
    a, b = "\n\n".join(para[:10]), "\n\n".join(para[:7] + para[10:])
    return json.dumps({"id": "a", "text": a}) + "\n" + json.dumps({"id": "b", "text": b}) + "\n"


def test_dup_threshold_sets_how_much_of_a_document_makes_it_a_copy(tmp_path):
    src = tmp_path / "pair.jsonl"
    src.write_text(_overlapping_pair())
    by_default = records(run("clean", src, "--no-classifier", "-q").stdout)
    assert [r["id"] for r in by_default] == ["a"]  # 0.7 of b is in a: a copy at 0.5
    strict = records(run("clean", src, "--no-classifier", "-q", "--dup-threshold", "0.9").stdout)
    assert [r["id"] for r in strict] == ["a", "b"]
    said = run("explain", "--dup", "a", "b", src, "--no-classifier", "--dup-threshold", "0.9").stdout
    assert "< 0.90: not near-duplicates" in said


@pytest.mark.parametrize("value", ["0", "1.5", "nan"])
def test_dup_threshold_outside_zero_to_one_is_refused_in_one_line(tmp_path, value):
    src = tmp_path / "pair.jsonl"
    src.write_text(_overlapping_pair())
    r = run("clean", src, "--dup-threshold", value)
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.count("\n") == 1
    assert r.stderr.startswith(f"scrubber: error: --dup-threshold {value}: must be over 0")


def test_dup_threshold_in_explain_needs_dup(tmp_path):
    r = run("explain", SEEDS, "--dup-threshold", "0.8")
    assert r.exit_code == 1 and r.stderr == "scrubber: error: --dup-threshold needs --dup A B (clean takes it too)\n"


@pytest.mark.parametrize("flags", [["--address", "auto"], ["--shard-bytes", "1000"]])
def test_ray_flags_without_the_ray_engine_are_refused(tmp_path, monkeypatch, flags):
    monkeypatch.chdir(tmp_path)
    r = run("clean", SEEDS, *flags)
    assert r.exit_code == 1 and r.stdout == "" and os.listdir(tmp_path) == []
    assert r.stderr == f"scrubber: error: {flags[0]} needs --engine ray: add it, or drop {flags[0]}\n"


def test_explain_with_nothing_after_it_prints_its_help_as_the_others_do():
    r = run("explain")
    assert r.exit_code == 2 and "Usage: " in r.stdout and "--dup" in r.stdout and r.stderr == ""


@pytest.mark.parametrize("flags, field", [(["--lang-field", "text"], "--text-field"),
                                          (["--lang-field", "id"], "--id-field"),
                                          (["--lang-field", "body", "--text-field", "body"], "--text-field"),
                                          (["--lang-field", "key", "--id-field", "key"], "--id-field")])
def test_a_lang_field_that_would_overwrite_the_text_or_id_is_refused(flags, field):
    r = run("clean", "-", "--no-dedup", *flags, input=json.dumps({"id": "a", "key": "k", "body": ARTICLE,
                                                                   "text": ARTICLE}) + "\n")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == (f"scrubber: error: --lang-field {flags[1]}: that is the {field} too, which the "
                        "language would overwrite; name another field\n")


PAGE = "\n".join(["Example Times", "Home | News | Sport", "Login", "Search",
                  "Council approves the tram plan"] + [ARTICLE] * 4
                 + ["About us | Contact | Advertise", "Privacy Policy", "\u00a9 2021 Example Times"])


def test_explain_shows_the_classifier_evidence(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(PAGE)
    r = run("explain", src)
    assert r.exit_code == 0, r.output
    assert "- Home | News | Sport   [classifier" in r.stdout
    assert "p=0." in r.stdout
    r = run("explain", src, "--no-classifier")
    assert "[classifier" not in r.stdout


def test_explain_says_how_the_classifier_read_the_page(tmp_path):
    from scrubber.classify import Model
    src = tmp_path / "page.txt"
    src.write_text(PAGE)
    assert "; the classifier read it as en\n" in run("explain", src).stdout
    r = run("explain", src, "--lang", "de")
    offset = Model.load().offset("de")
    assert f"; the classifier read it as de{f', its thresholds {offset:+.2f}' if offset else ''}\n" in r.stdout
    short = tmp_path / "short.txt"
    short.write_text("Council approves the tram plan\n" + ARTICLE)
    out = run("explain", short).stdout
    assert "[classifier" not in out and "read it as" not in out  # too short to judge: left to the rules


def test_clean_annotate_lists_what_went(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(PAGE)
    rec = records(run("clean", src, "--no-dedup", "-q", "--annotate").stdout)[0]
    menu = [x for x in rec["removed"] if x["text"] == "Home | News | Sport"]
    assert menu and menu[0]["reason"].startswith("classifier") and menu[0]["line"] == 2
    assert 0 <= menu[0]["p"] <= 1
    assert "removed" not in records(run("clean", src, "--no-dedup", "-q").stdout)[0]
    # in the page's order, whichever step took each line
    seeds = records(run("clean", SEEDS, "--no-dedup", "-q", "--annotate").stdout)
    lines = [[x["line"] for x in rec["removed"]] for rec in seeds]
    assert all(ls == sorted(ls) for ls in lines) and sum(map(len, lines)) > 10


def test_clean_no_classifier_keeps_the_menu(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(PAGE)
    assert "Home | News" not in records(run("clean", src, "--no-dedup", "-q").stdout)[0]["text"]
    for flags in (["--no-classifier"], ["--disable", "classifier"]):
        rec = records(run("clean", src, "--no-dedup", "-q", *flags).stdout)[0]
        assert "Home | News" in rec["text"]


def test_clean_favor_and_lang_flags(tmp_path):
    src = tmp_path / "page.txt"
    src.write_text(PAGE)
    for favor in ("precision", "balanced", "recall"):
        assert run("clean", src, "--no-dedup", "-q", "--favor", favor).exit_code == 0
    assert run("clean", src, "--favor", "greedy").exit_code == 2
    r = run("clean", src, "--no-dedup", "--lang", "xx")
    assert r.exit_code == 0 and "no stop-word list for language 'xx'" in r.stderr


def _site_pages(tmp_path, n=30):
    sys.path.insert(0, str(ROOT / "tests"))
    from texts import article, site_furniture

    top, bottom = site_furniture(3)
    path = tmp_path / "site.jsonl"
    path.write_text("".join(json.dumps({"id": f"p{i}", "text": f"{top}\n\n{article(700 + i)}\n\n{bottom}"}) + "\n"
                            for i in range(n)))
    return path, bottom.split("\n")[0]


@pytest.mark.parametrize("corpus", [[], ["--corpus"]])
def test_explain_an_id_no_document_has_is_one_line(tmp_path, corpus):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"id": "d00012.txt", "text": ARTICLE}) + "\n")
    r = run("explain", src, *corpus, "--id", "d0012")
    assert r.exit_code == 1 and r.stdout == ""
    assert r.stderr == f"scrubber: error: --id d0012: no document in {src} has that id\n"
    r = run("explain", src, *corpus, "--id", "d00012.txt", "--id", "x", "--id", "y")
    assert r.exit_code == 1 and "council voted" in r.stdout
    assert r.stderr == f"scrubber: error: --id x, y: no document in {src} has these ids\n"
    assert run("explain", src, *corpus, "--id", "d00012.txt").exit_code == 0


def test_explain_corpus_shows_what_the_corpus_pass_removes(tmp_path):
    path, newsletter = _site_pages(tmp_path)
    alone = run("explain", path, "--id", "p3", "--no-classifier")
    assert alone.exit_code == 0 and f"  {newsletter}\n" in alone.stdout and "== p4" not in alone.stdout
    r = run("explain", path, "--corpus", "--id", "p3", "--no-classifier")
    assert r.exit_code == 0, r.output
    assert f"- {newsletter}   [boilerplate:corpus]" in r.stdout
    assert r.stdout.count("== ") == 1


def test_summary_and_stats_count_documents_that_lost_over_half_to_one_step(tmp_path):
    long_menu = "\n".join(["Home | News | Sport | Business | Contact | Weather | Travel"] * 20)
    src = json.dumps({"id": "a", "text": f"{long_menu}\n\n{ARTICLE}"}) + "\n" + \
        json.dumps({"id": "b", "text": ARTICLE + " And more."}) + "\n"
    st = tmp_path / "stats.json"
    r = run("clean", "-", "--no-dedup", "--stats", st, input=src)
    assert r.exit_code == 0, r.output
    assert "1 document lost over half its text to one step (rule 1)" in r.stderr
    stats = json.loads(st.read_text())
    assert stats["halved_by_rule"] == 1 and stats["halved_by_classifier"] == 0
    assert stats["documents_spared"] == 0


def test_half_of_a_document_is_half_of_its_repaired_text(tmp_path):
    # mojibake makes the input longer than the text it repairs to: the menu
    # is more than half of the repaired page, less than half of the input
    body = " ".join(["We\u00e2\u20ac\u2122re sure it\u00e2\u20ac\u2122s what they\u00e2\u20ac\u2122d want."] * 30)
    fixed = body.replace("\u00e2\u20ac\u2122", "\u2019")
    menu = "\n".join(["Home | News | Sport | Business | Contact | Weather | Travel"] * 18)
    assert len(menu) < len(body) and len(menu) > len(fixed)
    src = json.dumps({"id": "a", "text": f"{menu}\n\n{body}"}) + "\n"
    st = tmp_path / "stats.json"
    r = run("clean", "-", "--no-dedup", "--no-classifier", "--stats", st, input=src)
    (rec,) = records(r.stdout)
    assert rec["text"] == fixed
    assert json.loads(st.read_text())["halved_by_rule"] == 1


# --- formats in and out -----------------------------------------------------

def _warc_of_two_sites(path):
    from warcs import page, write_warc

    body = "<nav><a>Home</a> <a>News</a></nav><h1>{t}</h1><p>{a}</p><footer>Share this:</footer>"
    articles = [ARTICLE,
                "Heavy rain flooded the river meadows overnight, and the ferry will not run "
                "until the water level drops below the warning mark again.",
                "The library reopens on Monday after two years of repairs to its roof, with "
                "longer opening hours and a new reading room for schoolchildren."]
    recs = [("warcinfo", None, b"", None, None)]
    for i, host in enumerate(["a.example", "b.example", "a.example"]):
        recs.append(("request", f"http://{host}/{i}", b"GET / HTTP/1.1\r\n\r\n", "application/http; msgtype=request", None))
        recs.append(("response", f"http://{host}/{i}", page(body.format(t=f"Story {i}", a=articles[i])),
                     "text/html; charset=utf-8", 200))
    return write_warc(path, recs)


def test_a_warc_of_html_responses_runs_end_to_end(tmp_path):
    out = tmp_path / "clean.jsonl"
    r = run("clean", _warc_of_two_sites(tmp_path / "crawl.warc.gz"), "-o", out, "--source-field", "url")
    assert r.exit_code == 0, r.output
    recs = records(out.read_text())
    assert [list(rec) for rec in recs] == [["id", "url", "date", "text"]] * 3
    assert [rec["url"] for rec in recs] == ["http://a.example/0", "http://b.example/1", "http://a.example/2"]
    assert ARTICLE in recs[0]["text"] and not any("Share this:" in rec["text"] for rec in recs)
    assert "4 WARC records skipped (request 3, warcinfo 1)" in r.stderr


def test_parquet_out_from_a_warc(tmp_path):
    import pyarrow.parquet as pq

    out = tmp_path / "clean.parquet"
    r = run("clean", _warc_of_two_sites(tmp_path / "crawl.warc.gz"), "-o", out, "--no-dedup")
    assert r.exit_code == 0, r.output
    t = pq.read_table(out)
    assert t.column_names == ["id", "url", "date", "text"] and t.num_rows == 3


@pytest.mark.parametrize("out", ["out", "out.jsonl.gz", "out.parquet", "-"])
def test_shard_size_without_a_folder_of_shards_is_refused(tmp_path, monkeypatch, out):
    # -o out --shard-size 2 wrote one file named out: the slash was forgotten
    monkeypatch.chdir(tmp_path)
    r = run("clean", SEEDS, "-o", out, "--shard-size", "2")
    assert r.exit_code == 1 and r.stdout == "" and os.listdir(tmp_path) == []
    what = "standard output" if out == "-" else "one file: end the name with /"
    assert r.stderr == (f"scrubber: error: --shard-size needs -o DIR/ (a folder of shards); -o {out} "
                        f"is {what}, or drop --shard-size\n")


def test_shard_size_with_ray_parts_is_refused(tmp_path, monkeypatch):
    # each Ray shard writes one part: --shard-size was ignored without a word
    monkeypatch.chdir(tmp_path)
    r = run("clean", SEEDS, "-o", "out/", "--shard-size", "2", "--engine", "ray")
    assert r.exit_code == 1 and r.stdout == "" and os.listdir(tmp_path) == []
    assert r.stderr == ("scrubber: error: --shard-size does not apply with --engine ray: each input "
                        "shard writes one part (--shard-bytes sizes them); drop --shard-size\n")


def test_parquet_shards_with_shard_size(tmp_path):
    import pyarrow.parquet as pq

    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": f"{ARTICLE} Number {i} of five."}) + "\n"
                           for i in range(5)))
    out = tmp_path / "clean.parquet"
    r = run("clean", src, "-o", f"{out}/", "--shard-size", "2", "--no-dedup")
    assert r.exit_code == 0, r.output
    assert sorted(os.listdir(out)) == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
    assert pq.read_table(out).column("id").to_pylist() == ["0", "1", "2", "3", "4"]


def test_gzipped_jsonl_on_stdin(tmp_path):
    import gzip

    data = gzip.compress((json.dumps({"id": "a", "text": ARTICLE}) + "\n").encode())
    r = runner.invoke(app, ["clean", "-"], input=data)
    assert r.exit_code == 0, r.output
    assert [rec["id"] for rec in records(r.stdout)] == ["a"]


def test_one_empty_file_in_a_folder_is_dropped_not_fatal(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    (tmp_path / "b.txt").write_text("")
    r = run("clean", tmp_path)
    assert r.exit_code == 0, r.output
    assert len(records(r.stdout)) == 1 and "1 empty and 0 too short" in r.stderr


def test_a_missing_extra_is_one_line_naming_the_pip_install(tmp_path, monkeypatch):
    import sys

    from warcs import wet

    p = wet(tmp_path / "c.wet.gz", [("http://a.example/", ARTICLE)])
    monkeypatch.setitem(sys.modules, "fastwarc", None)
    r = run("clean", p)
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"scrubber: error: {p}: reading WARC/WET needs fastwarc, which is not installed: "
        "pip install 'fastwarc>=2.0' 'resiliparse>=2.0'"]


def test_an_extra_installed_but_broken_says_why_not_to_install_it(tmp_path, monkeypatch):
    # pyarrow 26 beside numpy 1.x: installed, so "pip install" would not help
    import sys

    fake = tmp_path / "site"
    (fake / "pyarrow").mkdir(parents=True)
    (fake / "pyarrow" / "__init__.py").write_text(
        'raise ImportError("pyarrow requires NumPy 2.0 or newer, found 1.24.0")\n')
    monkeypatch.syspath_prepend(str(fake))
    for name in [m for m in sys.modules if m == "pyarrow" or m.startswith("pyarrow.")]:
        monkeypatch.delitem(sys.modules, name)
    (tmp_path / "a.txt").write_text(ARTICLE)
    out = tmp_path / "out.parquet"
    r = run("clean", tmp_path / "a.txt", "-o", out, "--no-dedup")
    assert r.exit_code == 1
    assert r.stderr.strip().splitlines() == [
        f"scrubber: error: {out}: writing parquet needs pyarrow, which is installed but cannot "
        "be imported: pyarrow requires NumPy 2.0 or newer, found 1.24.0"]


def test_clean_uses_every_core_it_may_run_on_by_default_and_one_with_j1(monkeypatch, tmp_path):
    import scrubber.cli as cli
    seen = []

    class Recording(cli.Pipeline):
        def __init__(self, config):
            seen.append(config.workers)
            super().__init__(config.with_(workers=1))  # the count is what is tested, not the pool

    monkeypatch.setattr(cli, "Pipeline", Recording)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2}, raising=False)
    (tmp_path / "a.txt").write_text(ARTICLE)
    assert run("clean", tmp_path / "a.txt", "-q").exit_code == 0
    assert run("clean", tmp_path / "a.txt", "-q", "-j", "1").exit_code == 0
    assert seen == [3, 1]


def test_more_workers_than_cores_are_capped_with_a_warning(monkeypatch, tmp_path):
    import scrubber.cli as cli
    seen = []

    class Recording(cli.Pipeline):
        def __init__(self, config):
            seen.append(config.workers)
            super().__init__(config.with_(workers=1))

    monkeypatch.setattr(cli, "Pipeline", Recording)
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    (tmp_path / "a.txt").write_text(ARTICLE)
    r = run("clean", tmp_path / "a.txt", "-j", "10000", "-o", tmp_path / "out.jsonl")
    assert r.exit_code == 0, r.output
    assert r.stderr.splitlines()[0] == ("scrubber: warning: -j 10000 is more than the 2 CPU cores "
                                        "this process may use; running 2 workers")
    assert run("learn", tmp_path / "a.txt", "-j", "3").exit_code == 0
    assert run("clean", tmp_path / "a.txt", "-j", "2", "-q").exit_code == 0
    assert seen == [2, 2, 2]


@pytest.mark.parametrize("command", ["clean", "learn"])
def test_an_absurd_number_of_workers_is_refused_as_the_option_is_parsed(command, tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE)
    r = run(command, tmp_path / "a.txt", "-j", "99999999999999999999")
    assert r.exit_code == 2 and "Invalid value for '--workers' / '-j'" in r.output
    assert "internal error" not in r.output and r.exception is None or isinstance(r.exception, SystemExit)


def test_lang_field_writes_each_documents_language(tmp_path):
    r = run("clean", "-", "--lang-field", "lang", "--no-dedup",
            input=json.dumps({"id": "a", "text": ARTICLE, "lang": "xx"}) + "\n")
    assert r.exit_code == 0, r.output
    assert records(r.stdout) == [{"id": "a", "text": ARTICLE, "lang": "en"}]


def test_a_retrained_model_is_used_and_a_bad_one_is_one_line(tmp_path):
    import json as _json
    from importlib import resources
    shipped = _json.loads((resources.files("scrubber") / "data" / "classifier.json").read_text(encoding="utf-8"))
    strict = tmp_path / "strict.json"  # the shipped networks, but every line must be sure to stay
    strict.write_text(_json.dumps({**shipped, "thresholds": {k: 0.999 for k in shipped["thresholds"]},
                                   "region": {"enabled": False}}))
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("clean", SEEDS, "-o", a, "-q").exit_code == 0
    assert run("clean", SEEDS, "-o", b, "-q", "--model", strict).exit_code == 0
    assert len(b.read_text()) < len(a.read_text())
    bad = tmp_path / "old.json"
    bad.write_text(_json.dumps({**shipped, "features": shipped["features"][:-1]}))
    out = tmp_path / "c.jsonl"
    r = run("clean", SEEDS, "-o", out, "--model", bad)
    assert r.exit_code == 1 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and str(bad) in r.stderr and "retrain" in r.stderr
    binary = tmp_path / "img.png"  # not text at all: one line too, not an internal error
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe\x00")
    r = run("clean", SEEDS, "-o", out, "--model", binary)
    assert r.exit_code == 1 and not out.exists()
    assert r.stderr.strip().count("\n") == 0 and str(binary) in r.stderr and "not a classifier model" in r.stderr


def test_ctrl_c_while_the_command_loads_exits_130_without_a_traceback(monkeypatch):
    import types

    from scrubber import entry

    class Loading(types.ModuleType):
        def __getattr__(self, name):
            raise KeyboardInterrupt  # as if Ctrl-C came while the CLI's modules load

    monkeypatch.setitem(sys.modules, "scrubber.cli", Loading("scrubber.cli"))
    with pytest.raises(SystemExit) as exit_:
        entry.main()
    assert exit_.value.code == 130


def test_importing_scrubber_loads_nothing_heavy():
    code = "import sys, scrubber; print(sorted(m for m in ('numpy', 're2', 'regex', 'ftfy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    code = "from scrubber import Config, clean; print(Config().text_field, callable(clean))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "text True"


def _main(monkeypatch, capsys, *args):
    """The installed command's own entry, with its exit status, stdout and stderr."""
    from scrubber import cli
    monkeypatch.setattr(sys, "argv", ["scrubber", *map(str, args)])
    monkeypatch.setattr(signal, "signal", lambda *a: None)  # leave pytest's handlers alone
    with pytest.raises(SystemExit) as e:
        cli.main()
    out = capsys.readouterr()
    return e.value.code, out.out, out.err


def test_a_command_line_that_does_not_parse_is_one_line_naming_the_command(monkeypatch, capsys):
    code, out, err = _main(monkeypatch, capsys, "clean", "--frobnicate", "x")
    assert code == 2 and out == ""
    assert err.splitlines() == ["scrubber clean: No such option: --frobnicate (see 'scrubber clean --help')"]
    code, _, err = _main(monkeypatch, capsys, "clean", "x", "--favor", "greedy")
    assert code == 2 and len(err.splitlines()) == 1 and "'--favor'" in err


def test_the_command_alone_prints_its_help_and_a_run_keeps_its_exit_status(monkeypatch, capsys, tmp_path):
    code, out, err = _main(monkeypatch, capsys)
    assert code == 2 and "Usage: scrubber" in out and err == ""
    code, _, err = _main(monkeypatch, capsys, "clean", tmp_path / "missing")
    assert code == 1 and err.splitlines() == [f"scrubber: error: {tmp_path / 'missing'}: no such file or directory"]
    (tmp_path / "a.txt").write_text("One short line of text that stays as it is.\n")
    code, out, _ = _main(monkeypatch, capsys, "clean", tmp_path / "a.txt", "-q")
    assert code == 0 and json.loads(out)["text"].startswith("One short line")


def test_explain_marks_a_line_removed_whole_after_a_span_cut_as_removed(tmp_path):
    # date-prefix cuts a span, then menu-line takes what is left: clean
    # removes the whole line (and counts it as a line), so explain must say
    # "- " (removed), not "~ " (cut, the rest kept).
    page = tmp_path / "a.txt"
    page.write_text("date 2022-01-19 Home | News | Sport | Contact\n\n"
                    + "\n".join(f"{ARTICLE} Sentence {i} adds a point." for i in range(6)) + "\n")
    r = run("clean", page, "--no-dedup", "--annotate", "-q")
    removed = records(r.stdout)[0]["removed"]
    assert [(x["reason"], "span" in x) for x in removed if x["line"] == 1] == \
        [("rule:date-prefix", True), ("rule:menu-line", False)]
    r = run("explain", page)
    assert r.exit_code == 0
    first = r.stdout.split("\n")[1]
    assert first == ("- date 2022-01-19 Home | News | Sport | Contact   "
                     "[rule:date-prefix removed 'date 2022-01-19 '; rule:menu-line]")
    assert r.stdout.startswith("== a.txt: 1 line and 1 span removed")


def test_explain_dup_judges_the_texts_the_cleaning_options_make(tmp_path):
    # --no-classifier (like --favor, --model, --lang) changes the texts clean
    # compares, so explain --dup must take it too.
    from scrubber.minhash import sketch

    menu = ["Weather", "Traffic cameras", "Obituaries", "Classifieds", "Jobs board", "Horoscopes"]
    for name, lead in (("a.txt", ARTICLE), ("b.txt", "Engineers at the port said the new cranes "
                       "would double the containers handled each day once the second quay opens.")):
        (tmp_path / name).write_text("\n".join([f"{lead} Sentence {i} adds a point about the plan."
                                                for i in range(6)] + menu) + "\n")
    for opts in ([], ["--no-classifier"]):
        out = records(run("clean", tmp_path, "-q", *opts).stdout)
        words = {rec["id"]: sketch(rec["text"], 5, 128, 1).words for rec in out}
        r = run("explain", "--dup", "a.txt", "b.txt", tmp_path, *opts)
        assert r.exit_code == 0, r.output
        assert f"A: a.txt: {words['a.txt']} words" in r.stdout
        assert f"B: b.txt: {words['b.txt']} words" in r.stdout


def test_explain_corpus_finds_furniture_in_a_line_a_span_rule_cut(tmp_path):
    # The corpus pass reads the cleaned text, where date-prefix has cut the
    # date off the first line: what is left is the site's furniture, and
    # clean removes it. explain --corpus must mark that line removed too.
    import random

    words = ("river council budget school harbour tram bridge festival library market election "
             "hospital museum stadium factory airport farmers teachers nurses drivers").split()
    motto = "Example Daily is the only paper of record in the valley since 1901"
    for i in range(10):
        rnd = random.Random(i)  # ten distinct articles, none a copy of another
        paras = [f"Story {i} paragraph {p}: the " + " and the ".join(
                     " ".join(rnd.choice(words) for _ in range(3)) for _ in range(10)) + ", officials said."
                 for p in range(5)]
        (tmp_path / f"d{i:02}.txt").write_text(f"date 2022-01-{i + 10:02} {motto}\n\n" + "\n".join(paras)
                                               + f"\n{motto}\n")
    r = run("clean", tmp_path, "--annotate", "-q")
    rec = next(x for x in records(r.stdout) if x["id"] == "d00.txt")
    assert [(x["reason"], x["text"]) for x in rec["removed"] if "span" not in x] == \
        [("boilerplate:corpus", motto)] * 2
    r = run("explain", tmp_path, "--corpus", "--id", "d00.txt")
    assert r.exit_code == 0, r.output
    out = r.stdout.split("\n")
    assert out[0].startswith("== d00.txt: 2 lines and 1 span removed")
    assert out[1] == (f"- date 2022-01-10 {motto}   "
                      "[rule:date-prefix removed 'date 2022-01-10 '; boilerplate:corpus]")


def test_a_jsonl_record_with_a_null_id_is_named_in_the_output_as_its_cluster_names_it(tmp_path):
    # The output kept "id": null while the copy's duplicate_of named
    # "…/n.jsonl:1": no output record carried the id the cluster named.
    body = ("The council voted on Tuesday to expand the tram network to the northern districts, "
            "a plan that has been debated for more than a decade. ") * 3
    src = tmp_path / "n.jsonl"
    src.write_text("".join(json.dumps({"id": None, "text": body}) + "\n" for _ in range(2)))
    result = run("clean", src, "--keep-duplicates", "-q", "-j", "1")
    assert result.exit_code == 0, result.output
    out = records(result.stdout)
    assert [r["id"] for r in out] == [f"{src}:1", f"{src}:2"]
    assert out[1]["duplicate_of"] == out[0]["id"]


def test_a_source_field_no_record_holds_is_a_warning_not_a_silent_single_source(tmp_path):
    # a typo pooled every file into one source: furniture learnt across sites
    src = tmp_path / "a.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": f"{ARTICLE} {i}", "url": f"https://s{i % 3}.example/{i}"})
                           + "\n" for i in range(12)))
    r = run("clean", src, "--source-field", "nosuch")
    assert r.exit_code == 0
    assert "no record has the --source-field 'nosuch': all documents count as one source" in r.stderr
    assert "--source-field" not in run("clean", src, "--source-field", "url").stderr


def test_an_error_is_one_line_whatever_the_file_name_holds(tmp_path):
    # A file name with a line break split the error over two lines; one
    # with an ESC reached the terminal raw.
    d = tmp_path / "in"
    d.mkdir()
    (d / "bad\nname.jsonl").write_text("{not json\n")
    (d / "esc\x1b[31mred.txt").write_text(ARTICLE)
    r = run("clean", d, "--on-error", "skip", "-o", tmp_path / "out.jsonl")
    lines = [x for x in r.stderr.splitlines() if "name.jsonl" in x]
    assert len(lines) == 1 and "bad\\nname.jsonl:1: not valid JSON" in lines[0]
    assert "\x1b" not in r.stderr
