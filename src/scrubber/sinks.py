"""Writing JSONL: to standard output, atomically to a file, or to shards.

A file is written to a temporary name beside it and renamed into place only
when the run succeeds, so an interrupted or failed run never leaves a
partial file, and an existing file is never half overwritten. A directory
(``-o out/``) receives ``part-00000.jsonl.gz``, ``part-00001.jsonl.gz`` …, each
written the same way and all renamed into place only at the end. A name
ending in ``.parquet`` gets parquet instead (``parquet.py``): ``-o x.parquet``
one file, ``-o x.parquet/`` a directory of ``part-00000.parquet`` … (the
layout Spark, Dask and Hugging Face datasets read as one data set).
"""

from __future__ import annotations

import gzip
import io
import json
import logging
import os
import re
import select
import socket
import stat
import sys
import tempfile
from typing import BinaryIO, Callable

import orjson

from .errors import ScrubberError

log = logging.getLogger("scrubber")

#: A temporary file's name carries the host and the id of the process
#: writing it. A run killed outright (SIGKILL, the out-of-memory killer)
#: runs no clean-up and leaves its hidden file, as large as the output it
#: had written; the next run into the same place removes it once that
#: process is gone (``sweep_stale``), and leaves alone one another run,
#: or another host sharing the directory, is writing.
_HOST = re.sub(r"[^A-Za-z0-9_.-]", "_", socket.gethostname())[:40] or "host"
#: Shard directories whose stale temporary parts this process has removed.
_SWEPT: set[str] = set()
_TEMP = re.compile(r"\.(?P<name>.+)\.scrubber-(?P<host>[A-Za-z0-9_.-]+)-(?P<pid>\d+)-[A-Za-z0-9_]+\.tmp")


def open_sink(path: str | None, per_shard: int = 100_000, fields: tuple[str, str] = ("id", "text"),
              commit: bool = True):
    """The sink ``-o path`` asks for: standard output, a file, or shards.
    ``fields``: the id and text fields every record has (``--id-field``,
    ``--text-field``), the columns of a parquet file with no records. With
    ``commit=False`` the finished output waits for the sink's
    ``commit_now()`` (or ``discard()``), as ``Sink``'s does."""
    if is_parquet(path):
        from .parquet import ParquetShards, ParquetSink

        if is_shard_dir(path):
            return ParquetShards(path, per_shard, commit=commit)
        return ParquetSink(path, commit=commit, fields=fields)
    if is_shard_dir(path):
        return ShardedSink(path, per_shard, commit=commit)
    return Sink(path, commit=commit)


def is_parquet(path: str | None) -> bool:
    """Whether ``-o path`` asks for parquet (a file, or a directory of shards)."""
    return path not in (None, "-") and path.rstrip("/" + os.sep).lower().endswith(".parquet")


def dumps(record: dict) -> bytes:
    """One JSONL line, UTF-8 rather than \\u escapes, keys in record order."""
    try:
        return orjson.dumps(record) + b"\n"
    except TypeError:  # integers beyond 64 bits, which orjson refuses
        return (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# orjson reads an integer past 64 bits as a float, silently. Only a line
# with a container among its values, or a float as large as 2**63, can
# hold one; only such a line pays for this search.
_LONG_INT = re.compile(rb"(?<![\d.eE+-])-?\d{19,}(?![\d.eE])")
_FLAT = (str, int, bool, type(None))


def loads(line: bytes, strict: bool = False) -> object:
    """A JSON line to a record, integers of any size kept exact: orjson
    first, the standard parser (exact integers) when orjson would have
    turned one into a float, or refused it (one past a double's range, such
    as 10**400, which the JSONL writer writes digit for digit). Raises
    ``ValueError`` (orjson's or json's ``JSONDecodeError``) or
    ``RecursionError`` for a line that is not JSON. ``strict``: a line
    orjson refuses is orjson's ``JSONDecodeError`` whatever it holds (the
    reader's first try, which then checks what orjson would have refused)."""
    try:
        rec = orjson.loads(line)
    except orjson.JSONDecodeError:
        if strict or not _LONG_INT.search(line):
            raise
        return json.loads(line)
    if isinstance(rec, dict) and _may_hold_long_int(rec) and _LONG_INT.search(line):
        return json.loads(line)
    return rec


def _may_hold_long_int(rec: dict) -> bool:
    for v in rec.values():
        t = type(v)
        if t is float:
            if not -9.2e18 < v < 9.2e18:
                return True
        elif t not in _FLAT:
            return True
    return False


def pending_file(path: str, lines) -> Sink:
    """``lines`` (bytes) written to a temporary file beside ``path``, not yet
    committed: ``commit_now()`` renames it into place, ``discard()`` removes
    it. For the files a run writes besides its output (``--clusters``,
    ``--stats``), so that all of them appear together or none does."""
    sink = Sink(path, commit=False)
    with sink:
        for line in lines:
            sink.write(line)
    return sink


def is_shard_dir(path: str | None) -> bool:
    """Whether ``-o path`` names a directory of shards rather than a file."""
    return path not in (None, "-") and (path.endswith(("/", os.sep)) or os.path.isdir(path))


#: The names shard_name gives (part-00000 … part-123456), the only files of
#: a shard directory a run removes as stale.
_PART = re.compile(r"part-\d{5,}\..*")


def is_part(path: str) -> bool:
    """Whether ``path`` is named as a shard of ``-o DIR/`` is, which a run
    into its folder replaces or removes as stale."""
    return bool(_PART.fullmatch(os.path.basename(path)))


def shard_name(n: int, suffix: str = ".jsonl.gz", width: int = 5) -> str:
    return f"part-{n:0{width}d}{suffix}"


def shard_width(count: int) -> int:
    """Digits in the names of ``count`` shards: five, or as many as the
    last one needs, so that the names of one run sort in their order
    (``part-100000`` would sort before ``part-99999`` otherwise)."""
    return max(5, len(str(max(count - 1, 0))))


class ShardedSink:
    """JSONL lines to ``part-NNNNN.jsonl.gz`` files of at most ``per_shard``
    records each; shards appear (and stale ones of an earlier run go) only
    when the run succeeds (with ``commit=False``, at ``commit_now()``)."""

    def __init__(self, directory: str, per_shard: int = 100_000, suffix: str = ".jsonl.gz",
                 sink=None, commit: bool = True):
        self.dir, self.per_shard, self.suffix, self.commit = directory, per_shard, suffix, commit
        self._make = sink or Sink  # a class taking (path, commit=False), as Sink does
        self._done: list[str] = []  # temporary names of finished shards
        self._sink: Sink | None = None
        self._n = 0
        self._pending: PendingParts | None = None

    def __enter__(self) -> "ShardedSink":
        self._created = make_dirs(self.dir)
        sweep_stale(self.dir, is_part)
        # Its shards' own look would list the directory once a shard.
        _SWEPT.add(os.path.realpath(self.dir))
        return self

    def write(self, line: bytes) -> None:
        if self._sink is None:
            self._sink = self._make(os.path.join(self.dir, shard_name(len(self._done), self.suffix)),
                                    commit=False).__enter__()
        self._sink.write(line)
        self._n += 1
        if self._n == self.per_shard:
            self._close_shard()

    def _close_shard(self) -> None:
        self._sink.__exit__(None, None, None)
        self._done.append(self._sink.tmp)
        self._sink, self._n = None, 0

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            try:
                if self._sink is not None:
                    self._close_shard()
            except BaseException as e:  # its last bytes did not fit
                self._fail(type(e), e, e.__traceback__)
                raise
            self._pending = PendingParts(self.dir, self.suffix, self._done, self._created)
            if self.commit:
                self.commit_now()
        else:
            self._fail(exc_type, exc, tb)

    def _fail(self, exc_type, exc, tb) -> None:
        if self._sink is not None:
            self._sink.__exit__(exc_type, exc, tb)
            self._sink = None
        PendingParts(self.dir, self.suffix, self._done, self._created).discard()

    def commit_now(self) -> None:
        """Commit the finished shards of a ``commit=False`` sink."""
        if self._pending is not None:
            try:
                self._pending.commit_now()
            finally:
                self._pending.discard()  # the parts not renamed, if a rename failed

    def discard(self) -> None:
        """Remove the finished shards of a ``commit=False`` sink that is not to be committed."""
        if self._pending is not None:
            self._pending.discard()


class PendingParts:
    """Finished parts of a shard directory under their temporary names, all
    renamed into place by ``commit_now()`` once stale parts of an earlier
    run are gone, or removed by ``discard()`` with the directories the run
    made."""

    def __init__(self, directory: str, suffix: str, tmps: list[str], made: list[str]):
        self.dir, self.suffix, self._tmps, self._made = directory, suffix, list(tmps), made

    def commit_now(self) -> None:
        width = shard_width(len(self._tmps))
        names = {shard_name(i, self.suffix, width) for i in range(len(self._tmps))}
        for old in os.listdir(self.dir):
            # of any format: a folder of this run's .jsonl.gz and an earlier
            # run's .parquet parts would read as one mixed data set
            if _PART.fullmatch(old) and old not in names:
                os.unlink(os.path.join(self.dir, old))
        for i, tmp in enumerate(self._tmps):
            Sink.commit_file(tmp, os.path.join(self.dir, shard_name(i, self.suffix, width)))
        self._tmps, self._made = [], []

    def discard(self) -> None:
        for tmp in self._tmps:
            if os.path.exists(tmp):
                os.unlink(tmp)
        self._tmps = []
        remove_dirs(self._made)
        self._made = []


def temp_prefix(name: str) -> str:
    """The start of the temporary name an output called ``name`` is
    written under (``tempfile.mkstemp`` adds random letters and ``.tmp``)."""
    prefix = f".{name}.scrubber-{_HOST}-{os.getpid()}-"
    # A name near the file system's limit of 255 bytes keeps the short form.
    return prefix if len(prefix.encode()) < 230 else f".{name}."


def sweep_stale(directory: str, owns: Callable[[str], bool]) -> list[str]:
    """Remove the temporary files in ``directory`` that runs of this host
    left behind when they were killed, for the outputs whose names ``owns``
    accepts; each removal is a warning. Those of a process still running
    stay. Returns the paths removed."""
    try:
        names = os.listdir(directory or ".")
    except OSError:
        return []
    removed = []
    for n in sorted(names):
        m = _TEMP.fullmatch(n)
        if m is None or m["host"] != _HOST or not owns(m["name"]):
            continue
        pid = int(m["pid"])
        if pid == os.getpid() or _running(pid):
            continue
        path = os.path.join(directory, n)
        try:
            size = os.path.getsize(path)
            os.unlink(path)
        except OSError:
            continue
        log.warning("%s: removed a temporary file (%s bytes) that a run killed before it could "
                    "clean up (process %d) left behind", path, f"{size:,}", pid)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if os.name != "posix":
        return True  # Windows' os.kill(pid, 0) would end the process, not test it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True  # another user's process, or not a pid this host has: leave it
    return True


def make_dirs(path: str) -> list[str]:
    """Create directory ``path`` and any parent missing (``-o a/b/out/``);
    the directories made, deepest first, for ``remove_dirs``."""
    made, p = [], os.path.abspath(path)
    while not os.path.isdir(p) and p != os.path.dirname(p):
        made.append(p)
        p = os.path.dirname(p)
    try:
        os.makedirs(path, exist_ok=True)
    except OSError as e:
        remove_dirs(made)
        raise ScrubberError(f"{path}: cannot create output directory: {e.strerror}") from None
    return made


def remove_dirs(made: list[str]) -> None:
    """Remove what ``make_dirs`` made, if still empty: a failed run leaves no
    output directory it created behind."""
    for d in made:
        try:
            os.rmdir(d)
        except OSError:  # not empty (someone else's files), or gone
            return


def _waits_for_us(fh: BinaryIO) -> bool:
    """Whether ``fh`` is a pipe, socket or terminal: a reader there (``jq``,
    ``head``, a person) gets each record as it is written, not 8 kB at a
    time, so that output streams as input comes (a write per record costs
    nothing beside cleaning it)."""
    try:
        mode = os.fstat(fh.fileno()).st_mode
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return False
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode) or stat.S_ISCHR(mode)


#: Names of a descriptor this process holds, as ``/dev/stdout`` leads to it.
_DESCRIPTOR = re.compile(r"/dev/(?:(stdout)|(stderr)|fd/(\d+))|/proc/(?:self|thread-self|(\d+))/fd/(\d+)")


def descriptor(path: str) -> int | None:
    """The descriptor ``path`` names (``/dev/stdout``, ``/dev/stderr``,
    ``/dev/fd/N``, ``/proc/self/fd/N``, or a link to one), else None.

    Such a path leads to whatever the shell opened there, perhaps a
    regular file: ``{ echo header; scrubber clean x -o /dev/stdout; } > f``
    or ``-o /dev/stdout >> log``. Replaced by a renamed temporary file,
    the run threw away what came before it, and what the shell wrote after
    it went to the file it replaced; opened anew, it would be truncated.
    So it is written through a copy of the descriptor, as standard output is."""
    p = os.path.abspath(path)
    for _ in range(40):  # the kernel's own bound on links followed
        m = _DESCRIPTOR.fullmatch(p)
        if m:
            stdout, stderr, dev_fd, pid, proc_fd = m.groups()
            if pid is not None and int(pid) != os.getpid():
                return None
            return 1 if stdout else 2 if stderr else int(dev_fd or proc_fd)
        if not os.path.islink(p):
            return None
        p = os.path.normpath(os.path.join(os.path.dirname(p), os.readlink(p)))
    return None


def _is_special(path: str) -> bool:
    """Whether ``path`` exists and is neither a regular file nor a directory."""
    try:
        mode = os.stat(path).st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _check_link(path: str) -> None:
    """Refuse to follow a symlink that another user planted in a shared
    (sticky, e.g. /tmp) directory: writing through it would replace a file
    of the victim's choosing. The rule of Linux's ``protected_symlinks``:
    follow only one's own link, or one owned by the directory's owner."""
    try:
        link = os.lstat(path)
        if not stat.S_ISLNK(link.st_mode):
            return
        parent = os.stat(os.path.dirname(os.path.abspath(path)))
    except OSError:
        return
    if parent.st_mode & stat.S_ISVTX and link.st_uid not in (os.geteuid(), parent.st_uid):
        raise ScrubberError(f"{path}: refusing to follow a symlink owned by another user in a "
                            "shared (sticky) directory")


def check_target(path: str) -> None:
    """Refuse a file to be written that cannot be, before anything is: an
    empty name, a directory, or one in a directory that does not exist or
    cannot be written (a run would otherwise find out only at its end)."""
    if not path:
        raise ScrubberError("'': an empty path names no file to write")
    if path.endswith(("/", os.sep)):  # written to as a file, it would be one named without the slash
        raise ScrubberError(f"{path}: names a directory (a trailing /); give a file name")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise ScrubberError(f"{path}: cannot write: directory {directory} does not exist")
    if os.path.isdir(path):
        raise ScrubberError(f"{path}: is a directory")
    suffix = next((x for x in UNWRITTEN_SUFFIXES if path.lower().endswith(x)), None)
    if suffix:
        raise ScrubberError(f"{path}: scrubber does not write {suffix} files (it writes plain, .gz, "
                            ".zst, .bz2, .xz or .parquet); name the file for one of those")
    stdlib = _stdlib_compression(path)
    if stdlib:
        try:
            __import__(stdlib[0])
        except ImportError:  # a bare pyenv build, without libbz2's or liblzma's headers
            raise ScrubberError(f"{path}: this Python was built without its {stdlib[0]} module; name "
                                "the file .gz or .zst") from None
    if not _is_special(path):  # a device or a pipe is opened as it is (Sink)
        # The temporary file goes beside the target: a directory that cannot
        # take it (read-only, another user's) would otherwise be found only
        # when --clusters and --stats are written, after the whole run.
        _check_link(path)  # not into a directory another user's link chose
        try:
            fd, probe = tempfile.mkstemp(dir=os.path.dirname(os.path.realpath(path)),
                                         prefix=f".{os.path.basename(path)}.", suffix=".tmp")
        except OSError as e:
            raise ScrubberError(f"{path}: cannot write: {e.strerror}") from None
        os.close(fd)
        os.unlink(probe)


#: Compressions Python writes only when it was built with their library:
#: suffix -> (module, file class).
_STDLIB_COMPRESSIONS = {".bz2": ("bz2", "BZ2File"), ".xz": ("lzma", "LZMAFile")}


def _stdlib_compression(path: str) -> tuple[str, str] | None:
    return next((mc for x, mc in _STDLIB_COMPRESSIONS.items() if path.lower().endswith(x)), None)


#: Compressed or archive names a plain writer would fill with plain JSONL,
#: which nothing (scrubber included) would then read as named.
UNWRITTEN_SUFFIXES = (".lzma", ".lz4", ".br", ".zip", ".7z", ".tgz", ".tar", ".snappy")


def inside(path: str, folder: str) -> bool:
    """Whether ``path`` lies inside ``folder`` (through links; ``path`` need
    not exist yet)."""
    real, top = os.path.realpath(path), os.path.realpath(folder)
    return real != top and os.path.commonpath([real, top]) == top


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file (through links, or as written when
    neither exists yet)."""
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


class _WholeWrites:
    """A raw stream whose writes go through whole: a write(2) to a pipe
    can take part of its bytes (a signal, a non-blocking descriptor), and a
    raw stream returns the count instead of retrying."""

    def __init__(self, raw: io.RawIOBase):
        self._raw = raw

    def write(self, data: bytes) -> int:
        view = memoryview(data)
        while view:
            n = self._raw.write(view)
            if n is None:  # non-blocking and full: wait until it drains
                select.select([], [self._raw.fileno()], [])
                continue
            view = view[n:]
        return len(data)

    def flush(self) -> None:
        self._raw.flush()


class Sink:
    """Context manager taking JSONL lines; commits the file on clean exit
    (with ``commit=False`` it leaves the finished temporary file, ``tmp``,
    for the caller to commit)."""

    def __init__(self, path: str | None = None, stdout: BinaryIO | None = None,
                 commit: bool = True, sweep: bool = True):
        self.commit = commit
        #: Whether to remove what killed runs left for this name first
        #: (``sweep_stale``); a caller that swept the directory once says no.
        self.sweep = sweep
        self.path = None if path in (None, "-") else path
        self._stdout = stdout
        self._tmp: str | None = None
        self._target: str | None = None  # the file the temporary one replaces
        self._fh: BinaryIO | None = None
        self._raw: BinaryIO | None = None
        self._flush_each = False

    def __enter__(self) -> "Sink":
        if self.path is None:
            if self._stdout is None and sys.stdout is None:  # started with it closed (`>&-`)
                raise ScrubberError("<stdout>: cannot write: standard output is closed")
            self._fh = self._stdout if self._stdout is not None else sys.stdout.buffer
            if isinstance(self._fh, io.RawIOBase):
                # PYTHONUNBUFFERED=1 (usual in containers) makes stdout's
                # binary layer raw: one write(2) each, whose partial count
                # would be dropped silently.
                self._fh = _WholeWrites(self._fh)
            self._flush_each = _waits_for_us(self._fh)
            return self
        check_target(self.path)
        try:
            fd = descriptor(self.path)
            if fd is not None:
                self._raw = os.fdopen(os.dup(fd), "wb")
                self._flush_each = _waits_for_us(self._raw)
            elif _is_special(self.path):
                _check_link(self.path)
                # A device or a pipe (/dev/null, /dev/stdout, a FIFO) is written
                # as it is, with no temporary file: renaming one over it would
                # replace it.
                self._raw = open(self.path, "wb")
                self._flush_each = _waits_for_us(self._raw)
            else:
                # A symlink's target is replaced, not the link.
                _check_link(self.path)
                self._target = os.path.realpath(self.path)
                directory, name = os.path.split(self._target)
                if self.sweep and not (directory in _SWEPT and _PART.fullmatch(name)):
                    sweep_stale(directory, name.__eq__)
                fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=temp_prefix(name), suffix=".tmp")
                self._raw = os.fdopen(fd, "wb")
        except OSError as e:
            raise ScrubberError(f"{self.path}: cannot write: {e.strerror}") from None
        low = self.path.lower()
        if low.endswith(".gz"):
            # mtime=0 and no name (it would be the random temporary one): the
            # same records give byte-identical files
            self._fh = gzip.GzipFile(filename="", fileobj=self._raw, mode="wb", mtime=0)
        elif low.endswith((".zst", ".zstd")):
            import zstandard

            self._fh = zstandard.ZstdCompressor().stream_writer(self._raw, closefd=False)
        elif stdlib := _stdlib_compression(low):  # check_target made sure the module is there
            module, cls = stdlib
            self._fh = getattr(__import__(module), cls)(self._raw, "wb")
        else:
            self._fh = self._raw
        return self

    def write(self, line: bytes) -> None:
        try:
            self._fh.write(line)
            if self._flush_each:
                self._fh.flush()
        except BrokenPipeError:
            raise  # the reader went away: not an error of ours (see cli._run)
        except OSError as e:
            raise self._failed(e) from None

    def _failed(self, e: OSError) -> ScrubberError:
        if self.path is not None:
            return ScrubberError(f"{self.path}: cannot write: {e.strerror}")
        if self._stdout is None:
            # What is still buffered would fail again when Python flushes
            # standard output at exit, with a message of its own.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return ScrubberError(f"<stdout>: cannot write: {e.strerror}")

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is None:
            if exc_type is None:
                try:
                    self._fh.flush()
                except BrokenPipeError:
                    raise
                except OSError as e:
                    raise self._failed(e) from None
            return
        failed = exc_type is not None
        try:
            try:
                if self._fh is not self._raw:
                    self._fh.close()
                self._raw.close()
            except OSError as e:  # the last buffered bytes did not fit either
                if not failed:
                    failed = True
                    raise self._failed(e) from None
            if not failed and self._tmp is not None:
                if not self.commit:
                    return
                self.commit_file(self._tmp, self._target)
                self._tmp = None
        finally:
            if self._tmp is not None and os.path.exists(self._tmp) and (failed or self.commit):
                os.unlink(self._tmp)

    @property
    def tmp(self) -> str | None:
        return self._tmp

    def commit_now(self) -> None:
        """Commit a finished ``commit=False`` file."""
        if self._tmp is not None:
            self.commit_file(self._tmp, self._target)
            self._tmp = None

    def discard(self) -> None:
        """Remove a finished ``commit=False`` file that is not to be committed."""
        if self._tmp is not None and os.path.exists(self._tmp):
            os.unlink(self._tmp)
        self._tmp = None

    @staticmethod
    def commit_file(tmp: str, path: str) -> None:
        """Rename ``tmp`` over ``path``; a file replaced keeps its mode (a
        private 0600 file stays private), a new one gets the umask's."""
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, path)
