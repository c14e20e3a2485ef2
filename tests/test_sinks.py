import gzip
import io
import os

import pytest

from scrubber.errors import ScrubberError
from scrubber.sinks import Sink, ShardedSink, open_sink


def lines(n):
    return [f'{{"id":"{i}"}}\n'.encode() for i in range(n)]


def test_gzip_output_is_byte_identical_across_runs(tmp_path):
    for name in ("a.jsonl.gz", "b.jsonl.gz"):
        with Sink(str(tmp_path / name)) as s:
            for line in lines(3):
                s.write(line)
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()


def test_a_directory_gets_numbered_gzip_shards(tmp_path):
    out = tmp_path / "out"
    with open_sink(str(out) + "/", per_shard=2) as s:
        for line in lines(5):
            s.write(line)
    assert sorted(os.listdir(out)) == ["part-00000.jsonl.gz", "part-00001.jsonl.gz", "part-00002.jsonl.gz"]
    got = b"".join(gzip.decompress((out / n).read_bytes()) for n in sorted(os.listdir(out)))
    assert got == b"".join(lines(5))


def test_failed_run_leaves_no_shards_and_keeps_earlier_ones(tmp_path):
    out = tmp_path / "out"
    with ShardedSink(str(out), per_shard=2) as s:
        for line in lines(2):
            s.write(line)
    before = (out / "part-00000.jsonl.gz").read_bytes()
    with pytest.raises(RuntimeError):
        with ShardedSink(str(out), per_shard=2) as s:
            for line in lines(5):
                s.write(line)
            raise RuntimeError("interrupted")
    assert os.listdir(out) == ["part-00000.jsonl.gz"]
    assert (out / "part-00000.jsonl.gz").read_bytes() == before


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".parquet"])
def test_a_failed_run_leaves_no_output_directory_it_made(tmp_path, suffix):
    pytest.importorskip("pyarrow")
    out = tmp_path / "new" / f"out{suffix}"  # made with its parent
    with pytest.raises(RuntimeError):
        with open_sink(f"{out}/", per_shard=2) as s:
            for line in lines(5):
                s.write(line)
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == []
    (tmp_path / "kept").mkdir()  # a directory that was there stays
    with pytest.raises(RuntimeError):
        with open_sink(f"{tmp_path / 'kept'}/") as s:
            raise RuntimeError("interrupted")
    assert os.listdir(tmp_path) == ["kept"]


def test_stale_shards_of_a_larger_earlier_run_are_removed(tmp_path):
    out = tmp_path / "out"
    for n in (6, 2):
        with ShardedSink(str(out), per_shard=2) as s:
            for line in lines(n):
                s.write(line)
    assert os.listdir(out) == ["part-00000.jsonl.gz"]


def test_only_files_named_as_shards_are_removed_as_stale(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    for name in ("part-00007.jsonl.gz", "part-00003.parquet", "part-final.jsonl.gz", "part-1.jsonl.gz", "notes.txt"):
        (out / name).write_bytes(b"kept?")
    with ShardedSink(str(out), per_shard=2) as s:
        s.write(lines(1)[0])
    assert sorted(os.listdir(out)) == ["notes.txt", "part-00000.jsonl.gz", "part-1.jsonl.gz",
                                       "part-final.jsonl.gz"]


def test_file_in_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ScrubberError, match="does not exist"):
        with Sink(str(tmp_path / "nope" / "x.jsonl")):
            pass


def test_a_pipe_is_written_to_not_replaced(tmp_path):
    import threading
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    got = []
    reader = threading.Thread(target=lambda: got.append(open(fifo, "rb").read()), daemon=True)
    reader.start()
    with Sink(str(fifo)) as s:
        for line in lines(3):
            s.write(line)
    reader.join(timeout=10)
    assert got == [b"".join(lines(3))]
    assert os.path.exists(fifo) and not os.path.isfile(fifo)  # still the FIFO
    assert os.listdir(tmp_path) == ["out.fifo"]  # and no temporary file beside it


def test_a_symlink_keeps_pointing_at_the_new_output(tmp_path):
    target = tmp_path / "runs" / "today.jsonl"
    target.parent.mkdir()
    target.write_bytes(b"old\n")
    link = tmp_path / "latest.jsonl"
    link.symlink_to(target)
    with Sink(str(link)) as s:
        s.write(lines(1)[0])
    assert link.is_symlink() and target.read_bytes() == lines(1)[0]


class _Full:
    """A file whose disk is full."""
    def write(self, data):
        raise OSError(28, "No space left on device")

    def close(self):
        pass


def test_a_full_disk_is_a_clear_error_and_leaves_no_file(tmp_path):
    out = tmp_path / "out.jsonl"
    with pytest.raises(ScrubberError, match=r"out\.jsonl: cannot write: No space left on device"):
        with Sink(str(out)) as s:
            s._raw.close()
            s._fh = s._raw = _Full()
            s.write(lines(1)[0])
    assert os.listdir(tmp_path) == []


def test_a_full_disk_at_the_last_shards_final_flush_leaves_no_file(tmp_path):
    # gzip keeps a small shard's bytes until it is closed: the disk filled
    # then, and the shard's temporary file stayed behind, on the full disk
    class FullAtClose(Sink):
        def __enter__(self):
            super().__enter__()
            self._fh.fileobj = _FullWhenFlushed()
            return self

    with pytest.raises(ScrubberError, match=r"part-00000\.jsonl\.gz: cannot write: No space left"):
        with ShardedSink(f"{tmp_path}/", per_shard=10, sink=FullAtClose) as s:
            s.write(lines(1)[0])
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("commit", [True, False])
def test_a_full_disk_at_a_files_final_flush_leaves_no_file(tmp_path, commit):
    # commit=False: the run's output and its --clusters and --stats, committed together
    with pytest.raises(ScrubberError, match=r"out\.jsonl\.gz: cannot write: No space left"):
        with Sink(str(tmp_path / "out.jsonl.gz"), commit=commit) as s:
            s._fh.fileobj = _FullWhenFlushed()
            s.write(lines(1)[0])
    assert os.listdir(tmp_path) == []


class _FullWhenFlushed(_Full):
    def write(self, data):
        if data:  # zlib holds a few bytes back until its final flush
            super().write(data)
        return 0


# --- pass-through fidelity (issue 23, item 4) -------------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from scrubber.sinks import dumps, loads  # noqa: E402

_scalars = (st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans()
            | st.none() | st.text(st.characters(blacklist_categories=("Cs",))))
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3)
                       | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=8)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(max_size=5), _values, max_size=5))
def test_any_record_comes_back_as_it_was_written(rec):
    assert loads(dumps(rec)) == rec


def test_integers_past_64_bits_keep_their_digits():
    line = b'{"n":12345678901234567890123,"m":[-98765432109876543210987]}\n'
    assert dumps(loads(line)) == line


# --- symlinks and modes (issue 23, item 14) ----------------------------------

def test_replacing_a_file_keeps_its_mode(tmp_path):
    out = tmp_path / "out.jsonl"
    out.write_text("old\n")
    os.chmod(out, 0o600)
    with Sink(str(out)) as s:
        s.write(b"new\n")
    assert out.read_text() == "new\n" and os.stat(out).st_mode & 0o777 == 0o600


def test_replacing_through_a_symlink_keeps_the_targets_mode(tmp_path):
    target, link = tmp_path / "target.jsonl", tmp_path / "link.jsonl"
    target.write_text("old\n")
    os.chmod(target, 0o600)
    link.symlink_to(target)
    with Sink(str(link)) as s:
        s.write(b"new\n")
    assert link.is_symlink() and target.read_text() == "new\n"
    assert os.stat(target).st_mode & 0o777 == 0o600


@pytest.mark.skipif(os.geteuid() != 0, reason="planting another user's symlink needs root")
def test_another_users_symlink_in_a_sticky_directory_is_not_followed(tmp_path):
    shared, target = tmp_path / "shared", tmp_path / "precious.jsonl"
    shared.mkdir()
    os.chmod(shared, 0o1777)
    target.write_text("precious\n")
    link = shared / "out.jsonl"
    link.symlink_to(target)
    os.lchown(link, 12345, 12345)
    with pytest.raises(ScrubberError, match=f"^{link}: refusing to follow a symlink owned by "
                                            "another user in a shared"):
        with Sink(str(link)) as s:
            s.write(b"x\n")
    assert target.read_text() == "precious\n"
    os.lchown(link, os.geteuid(), os.getegid())  # one's own link is followed
    with Sink(str(link)) as s:
        s.write(b"x\n")
    assert target.read_text() == "x\n"


def test_integers_past_a_doubles_range_are_read_back_exactly():
    # orjson refuses 10**400 ("number is infinity"): the library's clean()
    # raised its JSONDecodeError on a record the JSONL writer had written.
    line = dumps({"n": 10**400, "m": [-(10**400)]})
    assert loads(line) == {"n": 10**400, "m": [-(10**400)]}
    with pytest.raises(ValueError):
        loads(b'{"n": 1' + b"0" * 400 + b", }\n")  # still not JSON


class _Trickle(io.RawIOBase):
    """A raw stream that takes at most five bytes a call, as a pipe's
    write(2) may take part of a large write."""

    def __init__(self):
        self.got = bytearray()

    def writable(self):
        return True

    def write(self, b):
        self.got += bytes(b[:5])
        return min(5, len(b))


def test_a_raw_standard_output_gets_every_byte():
    # PYTHONUNBUFFERED=1 makes sys.stdout.buffer raw: one write(2) a call.
    raw = _Trickle()
    with Sink(stdout=raw) as out:
        out.write(b'{"id":"a","text":"' + b"x" * 1000 + b'"}\n')
    assert bytes(raw.got) == b'{"id":"a","text":"' + b"x" * 1000 + b'"}\n'


def test_a_pipe_gets_each_record_as_it_is_written():
    # a reader at the other end (jq, head, a person) is not kept waiting for 8 kB
    r, w = os.pipe()
    os.set_blocking(r, False)
    with open(w, "wb") as stdout, Sink(stdout=stdout) as sink:
        sink.write(b'{"id":"a"}\n')
        assert os.read(r, 100) == b'{"id":"a"}\n'
    os.close(r)


@pytest.mark.skipif(not os.path.isdir("/dev/fd"), reason="needs /dev/fd")
@pytest.mark.parametrize("name", ["/dev/fd/{fd}", "/proc/self/fd/{fd}"])
def test_a_descriptor_named_as_a_file_is_written_through_not_replaced(tmp_path, name):
    # `{ echo header; scrubber clean x -o /dev/stdout; } > f`, or `>> log`:
    # replacing the file lost what came before, and what came after went
    # to the file it replaced
    log = tmp_path / "log"
    with open(log, "ab") as f:
        f.write(b"before\n")
        f.flush()
        with Sink(name.format(fd=f.fileno())) as sink:
            sink.write(b'{"id":"a"}\n')
        f.write(b"after\n")
    assert log.read_bytes() == b'before\n{"id":"a"}\nafter\n'
    assert os.listdir(tmp_path) == ["log"]


def _gone_pid():
    """The id of a process that has ended."""
    import subprocess
    import sys
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def _left_behind(directory, name, pid, host=None):
    """A temporary file as a run of ``pid`` killed outright leaves it."""
    from scrubber import sinks
    path = directory / f".{name}.scrubber-{host or sinks._HOST}-{pid}-k1ll3d_x.tmp"
    path.write_bytes(b'{"id":"partial"}\n' * 100)
    return path


def test_the_temporary_file_names_its_host_and_process(tmp_path):
    from scrubber import sinks
    sink = Sink(str(tmp_path / "out.jsonl"), commit=False)
    with sink:
        sink.write(lines(1)[0])
    assert os.path.basename(sink.tmp).startswith(f".out.jsonl.scrubber-{sinks._HOST}-{os.getpid()}-")
    sink.discard()


def test_a_killed_runs_temporary_file_goes_with_the_next_run_into_its_place(tmp_path, caplog):
    stale = _left_behind(tmp_path, "out.jsonl", _gone_pid())
    with caplog.at_level("WARNING", logger="scrubber"):
        with Sink(str(tmp_path / "out.jsonl")) as s:
            s.write(lines(1)[0])
    assert sorted(os.listdir(tmp_path)) == ["out.jsonl"]
    assert str(stale) in caplog.text and "killed" in caplog.text


def test_temporary_files_of_running_processes_other_hosts_and_other_outputs_stay(tmp_path):
    import subprocess
    import sys
    alive = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        keep = [_left_behind(tmp_path, "out.jsonl", alive.pid),
                _left_behind(tmp_path, "out.jsonl", _gone_pid(), host="another-host"),
                _left_behind(tmp_path, "other.jsonl", _gone_pid())]
        with Sink(str(tmp_path / "out.jsonl")) as s:
            s.write(lines(1)[0])
    finally:
        alive.kill()
        alive.wait()
    assert all(p.exists() for p in keep)


def test_a_killed_runs_temporary_shards_go_with_the_next_run_into_the_directory(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    gone = _gone_pid()
    _left_behind(out, "part-00000.jsonl.gz", gone)
    _left_behind(out, "part-00012.jsonl.gz", gone)
    mine = _left_behind(out, "notes.txt", gone)
    with ShardedSink(str(out), per_shard=2) as s:
        s.write(lines(1)[0])
    assert sorted(os.listdir(out)) == [mine.name, "part-00000.jsonl.gz"]


def test_a_sink_told_its_directory_was_swept_leaves_it_alone(tmp_path):
    # Ray's tasks each write one part of a directory the driver swept once.
    stale = _left_behind(tmp_path, "part-00000.jsonl.gz", _gone_pid())
    with Sink(str(tmp_path / "part-00000.jsonl.gz"), sweep=False) as s:
        s.write(lines(1)[0])
    assert stale.exists()


def test_shard_names_of_one_run_sort_in_their_order_past_100000_shards():
    from scrubber.sinks import shard_name, shard_width
    assert shard_width(100_000) == 5 and shard_name(99_999, width=shard_width(100_000)) == "part-99999.jsonl.gz"
    width = shard_width(100_001)
    names = [shard_name(i, width=width) for i in (0, 9_999, 10_000, 99_999, 100_000)]
    assert sorted(names) == names and names[0] == "part-000000.jsonl.gz"
