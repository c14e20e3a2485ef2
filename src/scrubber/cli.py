"""The ``scrubber`` command: flags to a Config, then one library call.

Everything here is about the terminal: parsing options, progress on
standard error, the summary, exit codes and one-line error messages.
"""

from __future__ import annotations

import io
import json
import logging
import os
import re
import signal
import stat
import sys
import time
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import List, Optional, Tuple

import typer

from .__about__ import __version__
from .files import file_links, local_path
from .config import Config
from .errors import ScrubberError
from .cleaner import STEPS
from .heuristics import HEURISTICS
from . import boilerplate
from .boilerplate import to_rules
from .explain import corpus_removals, explain_document, explain_pair, two_files
from .index import open_index
from .pipeline import Pipeline
from .stats import counted
from .workers import fewer_collections, signals_held, single_threaded_blas, usable_cores
from .rules import (check_backtracking, check_examples, default_rule_files, default_rules_dir,
                    load_rules_and_disabled, off_fast_path, parse_rule_file, unknown_disabled)
from .sinks import (Sink, check_target, descriptor, inside, is_parquet, is_part, is_shard_dir,
                    open_sink, pending_file, same_file)

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
EXIT_TERMINATED = 143


class Terminated(BaseException):
    """SIGTERM arrived (``kill``, ``timeout``, a scheduler stopping the job).
    Not an Exception, so no ``except Exception`` on the way up swallows it."""


def _on_sigterm(signum, frame):
    # Raised where the main thread is, so the same cleanup as Ctrl-C runs:
    # workers are shut down and the temporary output file is removed.
    raise Terminated()

def _rich_writes_help() -> bool:
    """Whether standard output is a terminal (rich's colours) or a pipe,
    whose reader going away rich meets itself (see main)."""
    try:
        mode = os.fstat(sys.stdout.fileno()).st_mode
    except (AttributeError, OSError, ValueError):  # closed (None), or not a file (a test's capture)
        return False
    return sys.stdout.isatty() or stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


class _HelpOut:
    """typer's help written as a command's output is (``_echo``): a full
    disk or a closed standard output is one line, not rich's traceback or
    silence."""

    def format_help(self, ctx, formatter) -> None:
        if _rich_writes_help():
            return super().format_help(ctx, formatter)
        saved, sys.stdout = sys.stdout, io.StringIO()
        try:
            super().format_help(ctx, formatter)
        finally:
            text, sys.stdout = sys.stdout.getvalue(), saved
        _run(lambda: _echo(text))

    def get_help_option(self, ctx):
        option = super().get_help_option(ctx)
        if option is not None:
            option.callback = _show_help
        return option


def _show_help(ctx, param, value) -> None:
    """--help, as click's would show it, but with the line end click adds
    written as the help is (_HelpOut), so that its failures are one line too."""
    if value and not ctx.resilient_parsing:
        text = ctx.get_help()  # written by _HelpOut.format_help; "" unless rich is missing
        _run(lambda: _echo(text + "\n"))
        ctx.exit()


class _Group(_HelpOut, typer.core.TyperGroup):
    pass


class _Command(_HelpOut, typer.core.TyperCommand):
    pass


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=_Group,
                  help="Turn scraped web text into clean, deduplicated JSONL.")
rules_app = typer.Typer(no_args_is_help=True, cls=_Group, help="List the rules in force, or check their examples.")
app.add_typer(rules_app, name="rules")
index_app = typer.Typer(no_args_is_help=True, cls=_Group, help="Look into or edit a --index file.")
app.add_typer(index_app, name="index")


class InputFormat(str, Enum):
    auto = "auto"
    jsonl = "jsonl"
    json = "json"
    csv = "csv"
    tsv = "tsv"
    text = "text"
    html = "html"
    warc = "warc"
    parquet = "parquet"


class Engine(str, Enum):
    local = "local"
    ray = "ray"


class Favor(str, Enum):
    balanced = "balanced"
    precision = "precision"
    recall = "recall"


class OnError(str, Enum):
    fail = "fail"
    skip = "skip"


class LongDocs(str, Enum):
    skip = "skip"
    truncate = "truncate"


#: Control characters as escapes: a message is one line (a file name with
#: a line break or an ESC in it, pyarrow's messages ending in "\n\n", split
#: it or reached the terminal raw).
_ESCAPES = {c: f"\\x{c:02x}" for c in (*range(32), 127) if c != 9} | {10: "\\n", 13: "\\r"}


def one_line(msg: str) -> str:
    """``msg`` as one line: trailing space gone, control characters escaped."""
    return msg.rstrip().translate(_ESCAPES)


class _OneLine(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        return one_line(super().format(record))


def _say(msg: str) -> None:
    if sys.stderr is None:  # started with it closed (`2>&-`): the exit status must do
        return
    try:
        print(one_line(msg), file=sys.stderr, flush=True)
    except OSError:
        pass  # nowhere left to say it; the exit status still does


def _echo(text: str) -> None:
    """A command's text to standard output; a failed write (a full disk, a
    closed stream) is one line, as for clean's records (sinks.Sink)."""
    with Sink() as out:
        out.write(text.encode("utf-8"))


def _setup_logging(quiet: bool) -> None:
    log = logging.getLogger("scrubber")
    log.handlers.clear()
    handler = logging.StreamHandler(sys.stderr) if sys.stderr is not None else logging.NullHandler()
    handler.setFormatter(_OneLine("scrubber: warning: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.ERROR if quiet else logging.WARNING)
    log.propagate = False


def _version(value: bool) -> None:
    if value:
        _run(lambda: _echo(f"scrubber {__version__}\n"))  # eager: before any command's _run
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    pass


def _lang(code: Optional[str]) -> Optional[str]:
    """--lang: an ISO 639-1 code; one without a stop-word list is accepted
    (the classifier then does without stop words), and the Cleaner says so
    once, for library callers too."""
    return None if code is None else code.strip().lower()


def _split(values: Optional[List[str]]) -> tuple[str, ...]:
    """--disable a,b --disable c -> (a, b, c)"""
    return tuple(v.strip() for item in values or [] for v in item.split(",") if v.strip())


class _Progress:
    """Documents, megabytes and rate on one standard-error line, only on a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled
        self.docs = self.bytes = 0
        self.start = self.last = time.perf_counter()

    def __call__(self, docs: int, size: int) -> None:
        self.docs += docs
        self.bytes += size
        now = time.perf_counter()
        if self.enabled and now - self.last >= 0.2:
            self.last = now
            mb = self.bytes / 1e6
            sys.stderr.write(f"\rscrubber: {self.docs:,} documents, {mb:,.1f} MB, "
                             f"{mb / max(now - self.start, 1e-9):.1f} MB/s ")
            sys.stderr.flush()

    def done(self) -> None:
        if self.enabled and self.docs:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


#: The most ``-j`` accepts: anything above is a typo (no machine has so
#: many cores), refused as the option is parsed.
MAX_WORKERS = 1 << 16


def _workers(n: int) -> int:
    """``-j``, with 0 meaning the CPU cores this process may run on. More
    than those gains nothing, cleaning being CPU-bound, and costs a process
    and its memory each (-j 10000 woke the OOM killer): capped at them, with
    a warning. The output is the same for any number."""
    cores = usable_cores()
    if n > cores:
        logging.getLogger("scrubber").warning(
            f"-j {n} is more than the {cores} CPU cores this process may use; running {cores} workers")
        return cores
    return n or cores


def _config(**settings) -> Config:
    """``Config(**settings)``, a setting it refuses (``--lang-field ''``) one
    error line in the option's name rather than a traceback."""
    try:
        return Config(**settings)
    except (TypeError, ValueError) as e:
        raise ScrubberError(re.sub(r"Config\.(\w+)", lambda m: "--" + m.group(1).replace("_", "-"),
                                   str(e))) from None


def _threshold(value: float | None) -> dict:
    """``--dup-threshold`` as ``Config`` settings: none when not given."""
    if value is None:
        return {}
    if not 0 < value <= 1:
        raise ScrubberError(f"--dup-threshold {value:g}: must be over 0 and at most 1 "
                            "(the share of the smaller document's 5-grams in the larger)")
    return {"containment_threshold": value}


def _run(fn) -> None:
    """Run a command body with scrubber's exit-code conventions."""
    try:
        fn()
    except ScrubberError as e:
        _say(f"scrubber: error: {e}")
        raise typer.Exit(EXIT_ERROR)
    except KeyboardInterrupt:
        _say("scrubber: interrupted")
        raise typer.Exit(EXIT_INTERRUPTED)
    except Terminated:
        _say("scrubber: terminated")
        raise typer.Exit(EXIT_TERMINATED)
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly, and keep Python from
        # complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise typer.Exit(EXIT_BROKEN_PIPE)
    except (typer.Exit, typer.Abort):
        raise
    except Exception as e:
        # A bug of scrubber's, not bad input: one line, as for any error, and
        # the traceback for a report when asked for.
        if os.environ.get("SCRUBBER_TRACEBACK"):
            raise
        _say(f"scrubber: internal error: {type(e).__name__}: {e} "
             "(please report it; SCRUBBER_TRACEBACK=1 shows where)")
        raise typer.Exit(EXIT_ERROR)


@app.command(cls=_Command)
def clean(
    paths: List[str] = typer.Argument(..., metavar="PATHS", help="Directories, files (.txt .md .jsonl .json .csv .tsv .html .warc .wet, each also .gz/.zst/.bz2/.xz; .parquet) or - for standard input (compression detected)."),
    output: str = typer.Option("-", "--output", "-o", help="Output JSONL file (.gz/.zst/.bz2/.xz compress; .parquet for parquet); - for standard output; DIR/ for shards part-00000.jsonl.gz …, DIR.parquet/ for part-00000.parquet …"),
    shard_size: Optional[int] = typer.Option(None, "--shard-size", min=1, help="Records per shard when -o is a directory (default: 100000)."),
    text_field: str = typer.Option("text", help="Field of each record (JSONL, JSON, CSV, parquet) holding the text."),
    id_field: str = typer.Option("id", help="Field of each record holding its id; a record without one gets FILE:LINE."),
    input_format: InputFormat = typer.Option(InputFormat.auto, help="Force how files and standard input are read."),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help="Extra rule file (TOML); repeatable."),
    disable: Optional[List[str]] = typer.Option(None, "--disable", help="Rule id or heuristic to switch off; repeatable or comma-separated."),
    no_default_rules: bool = typer.Option(False, "--no-default-rules", help="Do not load the rule packs shipped with scrubber."),
    no_heuristics: bool = typer.Option(False, "--no-heuristics", help="Rules only: no heuristics for unnamed furniture."),
    no_classifier: bool = typer.Option(False, "--no-classifier", help="No content classifier (same as --disable classifier)."),
    favor: Favor = typer.Option(Favor.balanced, "--favor", help="Classifier threshold: precision drops more doubtful lines, recall keeps more."),
    model: Optional[Path] = typer.Option(None, "--model", help="Classifier model file written by benchmarks/train_classifier.py (default: the shipped one)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language of the documents (ISO 639-1, e.g. de) for stop words; default: guessed per document."),
    annotate: bool = typer.Option(False, "--annotate", help="Add a 'removed' list (reason, line, text) to each output record."),
    lang_field: Optional[str] = typer.Option(None, "--lang-field", help="Write each document's language (ISO 639-1, guessed from its script or stop words; null if unsure) into this field, e.g. lang."),
    min_words: int = typer.Option(1, min=0, help="Drop documents with fewer words after cleaning."),
    no_dedup: bool = typer.Option(False, "--no-dedup", help="Do not remove near-duplicates (output streams)."),
    keep_duplicates: bool = typer.Option(False, "--keep-duplicates", help="Keep near-duplicates, marked with duplicate_of."),
    dup_threshold: Optional[float] = typer.Option(None, "--dup-threshold", help="Share of the smaller document's word 5-grams that must be in the larger for two documents to be near-duplicates, in (0, 1] (default 0.5); higher keeps more near-copies apart, and under about 0.3 MinHash starts to miss pairs."),
    clusters: Optional[str] = typer.Option(None, "--clusters", help="Also write one JSON line per near-duplicate cluster: members and similarities."),
    index: Optional[str] = typer.Option(None, "--index", help="SQLite index of documents kept by earlier runs: deduplicate against it, then add this run's."),
    no_boilerplate: bool = typer.Option(False, "--no-boilerplate", help="Do not strip lines that repeat across many documents of a source."),
    source_field: Optional[str] = typer.Option(None, "--source-field", help="Record field naming the source (site, url) furniture is learned within; default: input file or directory."),
    workers: int = typer.Option(0, "--workers", "-j", min=0, max=MAX_WORKERS, help="Worker processes (default 0: one per CPU core this process may use, also the most it runs; 1: none); output is identical for any number."),
    engine: Engine = typer.Option(Engine.local, help="local: this machine; ray: Ray tasks over shards (pip install 'scrubber\\[ray]')."),
    shard_bytes: Optional[int] = typer.Option(None, "--shard-bytes", min=1, help="With --engine ray: plain JSONL files are cut into shards of about this many bytes (default: 64 MiB)."),
    address: Optional[str] = typer.Option(None, "--address", help="With --engine ray: the cluster to join (auto: this machine's); default: start a local Ray."),
    on_error: OnError = typer.Option(OnError.fail, help="fail: stop at the first bad input; skip: warn, count and go on."),
    max_doc_bytes: int = typer.Option(10_000_000, "--max-doc-bytes", min=0, help="Longest document read, in bytes (0: no limit); see --long-docs."),
    long_docs: LongDocs = typer.Option(LongDocs.skip, "--long-docs", help="A document over --max-doc-bytes: skip (warn and count) or truncate (cut at a line break)."),
    stats: Optional[str] = typer.Option(None, "--stats", help="Also write the run summary as JSON to this file."),
    tmp_dir: Optional[Path] = typer.Option(None, "--tmp-dir", help="Where deduplication's temporary files go (default: $TMPDIR, else /tmp); about 3.5 to 3.7 times the input."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No summary, no progress, no warnings."),
) -> None:
    """Clean documents and write JSONL, one record per kept document.

    \b
    Examples:
      scrubber clean seeds/ -o clean.jsonl
      cat article.txt | scrubber clean - | jq -r .text
      zcat crawl.jsonl.gz | scrubber clean - --text-field content > clean.jsonl
      scrubber clean CC-MAIN-*.warc.wet.gz --source-field url -o clean.parquet
      scrubber clean crawl/ -o clean.jsonl --rules my-site.toml --disable share-buttons
      scrubber clean crawl/ -o out/ --engine ray --address auto
    """
    _setup_logging(quiet)

    def body() -> None:
        for flag, given in (("--index", index), ("--clusters", clusters), ("--keep-duplicates", keep_duplicates),
                            ("--dup-threshold", dup_threshold is not None)):
            if given and no_dedup:  # each would do nothing, silently
                raise ScrubberError(f"{flag} needs deduplication: drop --no-dedup")
        for flag, given in (("--address", address), ("--shard-bytes", shard_bytes)):
            if given is not None and engine is not Engine.ray:  # each would do nothing, silently
                raise ScrubberError(f"{flag} needs --engine ray: add it, or drop {flag}")
        if shard_size is not None and not is_shard_dir(output):  # it would do nothing, silently
            what = "standard output" if output == "-" else "one file: end the name with /"
            raise ScrubberError(f"--shard-size needs -o DIR/ (a folder of shards); -o {output} is "
                                f"{what}, or drop --shard-size")
        if shard_size is not None and engine is Engine.ray and not index and not is_parquet(output):
            # each Ray shard writes its own part, whatever the records in it
            raise ScrubberError("--shard-size does not apply with --engine ray: each input shard "
                                "writes one part (--shard-bytes sizes them); drop --shard-size")
        for flag, field in (("--text-field", text_field), ("--id-field", id_field)):
            if lang_field == field:
                raise ScrubberError(f"--lang-field {lang_field}: that is the {flag} too, which the "
                                    "language would overwrite; name another field")
        _check_outputs(paths, [("-o", output), ("--clusters", clusters), ("--stats", stats)],
                       [("--index", index)], shards=True,
                       reads=[*(rules or ()), *([str(model)] if model else [])])
        with _tmp_dir(tmp_dir):
            run()

    def run() -> None:
        config = _config(
            text_field=text_field, id_field=id_field, input_format=input_format.value,
            on_error=on_error.value, max_doc_bytes=max_doc_bytes, long_docs=long_docs.value,
            rule_files=tuple(rules or ()), disabled=_split(disable),
            default_rules=not no_default_rules, heuristics=not no_heuristics,
            classifier=not no_classifier, favor=favor.value, lang=_lang(lang), annotate=annotate,
            classifier_model=str(model) if model else None,
            lang_field=lang_field, min_words=min_words, dedup=not no_dedup, keep_duplicates=keep_duplicates,
            workers=_workers(workers), boilerplate=not no_boilerplate, source_field=source_field, index=index,
            engine=engine.value, ray_address=address,
            **({} if shard_bytes is None else {"shard_bytes": shard_bytes}),
            **_threshold(dup_threshold),
        )
        pipe = Pipeline(config)
        pipe.hold_index = True
        fewer_collections()  # the command owns its process; before the workers fork
        progress = _Progress(not quiet and sys.stderr is not None and sys.stderr.isatty())
        # Every file of a run is finished before any is committed, and the
        # index is committed last: a run that fails changes nothing on disk.
        finished = []  # the output, --clusters, --stats: written, not yet committed
        try:
            try:
                # Ray's tasks write JSONL parts; parquet shards are written here.
                if engine is Engine.ray and is_shard_dir(output) and not index and not is_parquet(output):
                    from .ray_engine import write_parts

                    # each shard's task writes its part
                    finished.append(write_parts(pipe, paths, output, progress, commit=False))
                else:
                    with open_sink(output, fields=(id_field, text_field), commit=False,
                                   **({} if shard_size is None else {"per_shard": shard_size})) as sink:
                        for line in pipe.run_paths(paths, progress):
                            sink.write(line)
                    finished.append(sink)
                finished += _sidecars(pipe, clusters, stats)
            finally:
                progress.done()
            with signals_held():
                for f in finished:
                    f.commit_now()
                pipe.commit_index()
        finally:
            for f in finished:
                f.discard()
            pipe.release_index()
        if not quiet:
            _say(pipe.stats.summary())

    _run(body)


@contextmanager
def _tmp_dir(path: Optional[Path]):
    """Temporary files of this process and its workers go to ``path``
    during the block (the process-wide setting, as the command owns its
    process; restored after, for a caller that runs the command in its own)."""
    if path is None:
        yield
        return
    import tempfile

    if not path.is_dir() or not os.access(path, os.W_OK | os.X_OK):
        raise ScrubberError(f"{path}: --tmp-dir must be a directory scrubber can write to")
    saved = tempfile.tempdir, os.environ.get("TMPDIR")
    tempfile.tempdir = str(path)
    os.environ["TMPDIR"] = str(path)  # worker processes, Ray
    try:
        yield
    finally:
        tempfile.tempdir = saved[0]
        if saved[1] is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = saved[1]


def _check_outputs(paths: List[str], outputs: List[Tuple[str, Optional[str]]],
                   others: List[Tuple[str, Optional[str]]] = (), shards: bool = False,
                   reads: List[str] = ()) -> None:
    """Refuse, before any work, a run that would write over its own input or
    into a folder it reads (the next run would read the output as input),
    or two of its files to one (the last would win, silently). ``outputs``
    and ``others`` (files a run updates, as ``--index``) are (flag, path);
    an output's own directory is checked too (with ``shards``, an ``-o``
    naming a directory is one of shards). ``reads`` are the other files the
    run reads (rule files, a model), inputs as much as ``paths``."""
    named = [(flag, p) for flag, p in [*outputs, *others] if p is not None]
    for flag, out in named:
        if not out:
            raise ScrubberError(f"{flag} '': an empty path names no file; give a file name")
        if out == "-" and (flag, out) in others:
            raise ScrubberError(f"{flag} -: it is a file that is read and updated, not a stream; "
                                "give a file name")
        if flag in ("--clusters", "--stats") and is_parquet(out):  # only -o writes parquet
            raise ScrubberError(f"{out}: {flag} is written as JSON, not parquet; name the file "
                                "for plain or compressed JSON")
    # Two streams on one standard output would interleave: JSONL, then a cluster
    # line, then the indented stats, which no reader of either could take apart.
    # /dev/stdout, /dev/fd/1 and the like are written through the same
    # descriptor as - (sinks.descriptor), so they count as it does.
    by_fd: dict[int, list[Tuple[str, str]]] = {}
    for flag, out in named:
        fd = 1 if out == "-" else descriptor(out)
        if fd is not None:
            by_fd.setdefault(fd, []).append((flag, out))
    for fd, streamed in sorted(by_fd.items()):
        if len(streamed) > 1:
            (f1, _), (f2, o2) = streamed[:2]
            what = {1: "standard output", 2: "standard error"}.get(fd, f"descriptor {fd}")
            raise ScrubberError(f"{o2}: {f1} and {f2} name the same file ({what})")
    # (as named, the local path): a file:// URL is a file of this disk too
    inputs = [(p, local) for p in [*paths, *reads] if p != "-"
              for local in [local_path(p)] if local is not None and os.path.exists(local)]
    stdin = _stdin_file() if "-" in paths else None
    for flag, out in named:
        if out == "-":
            continue
        if stdin is not None and _identity(out) == stdin:
            raise ScrubberError(f"{out}: {flag} is the file standard input reads; write elsewhere")
        for p, local in inputs:
            if same_file(local, out):
                raise ScrubberError(f"{out}: {flag} names an input ({p}); write elsewhere")
            if (shards and flag == "-o" and is_shard_dir(out) and is_part(os.path.realpath(local))
                    and same_file(os.path.dirname(os.path.realpath(local)), out)):
                raise ScrubberError(f"{out}: -o is the folder of the input {p}, a part the run would "
                                    "replace or remove as stale; write elsewhere")
            if os.path.isdir(local) and (flag, out) in outputs and inside(out, local):
                why = ("it would overwrite an input" if os.path.isfile(out)
                       else "a later run would read it as input")
                raise ScrubberError(f"{out}: {flag} lies inside the input folder {p}, so {why}; "
                                    "write elsewhere")
        if (flag, out) in outputs and not (shards and flag == "-o" and is_shard_dir(out)):
            check_target(out)
    linked = [(flag, out, os.path.realpath(out)) for flag, out in named if out != "-"]
    for p, local in inputs:
        if linked and os.path.isdir(local):
            for link in file_links(local):
                target = os.path.realpath(link)
                for flag, out, real in linked:
                    if target == real:
                        raise ScrubberError(f"{out}: {flag} is where the link {link} in the input "
                                            f"folder {p} points, so the run would read it; write elsewhere")
    files = [(flag, p) for flag, p in named if p != "-"]
    for i, (fa, a) in enumerate(files):
        for fb, b in files[i + 1:]:
            if same_file(a, b):
                raise ScrubberError(f"{b}: {fa} and {fb} name the same file")


def _sidecars(pipe: Pipeline, clusters: Optional[str], stats: Optional[str]) -> list:
    """--clusters and --stats written, not yet committed (sinks.pending_file)."""
    out = []
    try:
        if clusters is not None:
            out.append(pending_file(clusters, (json.dumps(c, ensure_ascii=False).encode() + b"\n"
                                                    for c in pipe.clusters)))
        if stats is not None:
            out.append(pending_file(stats, [json.dumps(pipe.stats.to_dict(), indent=1).encode() + b"\n"]))
    except BaseException:
        for s in out:
            s.discard()
        raise
    return out


@app.command(cls=_Command, no_args_is_help=True)
def explain(
    paths: Optional[List[str]] = typer.Argument(None, metavar="PATHS", help="Documents to explain (files, directories, JSONL, or -)."),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help="Extra rule file (TOML); repeatable."),
    disable: Optional[List[str]] = typer.Option(None, "--disable", help="Rule id or heuristic to switch off."),
    no_default_rules: bool = typer.Option(False, "--no-default-rules", help="Do not load the rule packs shipped with scrubber."),
    no_heuristics: bool = typer.Option(False, "--no-heuristics", help="Rules only: no heuristics for unnamed furniture."),
    no_classifier: bool = typer.Option(False, "--no-classifier", help="No content classifier."),
    favor: Favor = typer.Option(Favor.balanced, "--favor", help="Classifier threshold."),
    model: Optional[Path] = typer.Option(None, "--model", help="Classifier model file (default: the shipped one)."),
    lang: Optional[str] = typer.Option(None, "--lang", help="Language (ISO 639-1) for stop words."),
    text_field: str = typer.Option("text", help="Field of each record (JSONL, JSON, CSV, parquet) holding the text."),
    id_field: str = typer.Option("id", help="Field of each record holding its id; a record without one gets FILE:LINE."),
    input_format: InputFormat = typer.Option(InputFormat.auto, help="Force how files and standard input are read."),
    dup: Optional[Tuple[str, str]] = typer.Option(None, "--dup", help="Two document ids: why they were or were not joined as near-duplicates in the corpus of PATHS (without PATHS: two files, named by their paths when their names are one)."),
    corpus: bool = typer.Option(False, "--corpus", help="Run the corpus-wide pass over all PATHS, as clean does, and show the lines it removes as corpus furniture too."),
    source_field: Optional[str] = typer.Option(None, help="With --corpus or --dup: record field naming each document's site (as clean's)."),
    dup_threshold: Optional[float] = typer.Option(None, "--dup-threshold", help="With --dup: the containment that joins two documents, as clean's (default 0.5)."),
    no_boilerplate: bool = typer.Option(False, "--no-boilerplate", help="With --corpus or --dup: no corpus furniture pass (as clean's)."),
    ids: Optional[List[str]] = typer.Option(None, "--id", help="Show only this document (repeatable); with --corpus the rest still count."),
) -> None:
    """Show each document line by line: what was kept, what was removed and by which rule, heuristic or the classifier.

    \b
    Lines start with '  ' (kept), '- ' (removed) or '~ ' (a span removed);
    the reason follows in brackets, with the classifier's probability that
    the line is content (p) for every line it judged.
    With --dup A B: the evidence for or against joining documents A and B.
    """
    _setup_logging(False)

    def cleaning(**settings) -> Config:
        # Every option that changes what is kept, for --dup as for the
        # line-by-line view: the pair is judged on the texts clean would make.
        return _config(rule_files=tuple(rules or ()), disabled=_split(disable),
                       default_rules=not no_default_rules, heuristics=not no_heuristics,
                       text_field=text_field, id_field=id_field, input_format=input_format.value,
                       classifier=not no_classifier, favor=favor.value, lang=_lang(lang),
                       classifier_model=str(model) if model else None,
                       boilerplate=not no_boilerplate, **settings)

    def dup_body() -> None:
        config = cleaning(source_field=source_field, **_threshold(dup_threshold))
        pipe = Pipeline(config)
        a, b = dup
        if paths:
            docs = pipe.reader().read_paths(paths)
        else:
            docs, a, b = two_files(pipe.reader(), a, b)
        _echo(explain_pair(pipe, docs, a, b) + "\n")

    if dup:
        _run(dup_body)
        return

    def body() -> None:
        if not paths:
            raise ScrubberError("explain needs documents (PATHS), or --dup A B")
        if dup_threshold is not None:  # it would do nothing, silently
            raise ScrubberError("--dup-threshold needs --dup A B (clean takes it too)")
        config = cleaning(dedup=False)
        pipe = Pipeline(config)
        docs = pipe.reader().read_paths(paths)
        by_corpus: dict[str, set[str]] = {}
        if corpus and not no_boilerplate:
            docs = list(docs)  # read twice: standard input cannot be
            by_corpus = corpus_removals(Pipeline(config.with_(source_field=source_field)), docs)
        wanted = set(ids or ())
        shown = set()
        with Sink() as out:
            for doc in docs:
                if wanted and doc.id not in wanted:
                    continue
                shown.add(doc.id)
                out.write(explain_document(pipe.cleaner, doc, by_corpus.get(doc.id, set())).encode("utf-8"))
        missing = sorted(wanted - shown)
        if missing:  # a mistyped id would otherwise look like a document with nothing to say
            raise ScrubberError(f"--id {', '.join(missing)}: no document in {' '.join(paths)} has "
                                f"{'that id' if len(missing) == 1 else 'these ids'}")

    _run(body)


@app.command(cls=_Command)
def learn(
    paths: List[str] = typer.Argument(..., metavar="PATHS", help="Documents of one site (directory, JSONL, or -)."),
    output: str = typer.Option("-", "--output", "-o", help="Rule file to write (TOML); - for standard output."),
    name: Optional[str] = typer.Option(None, "--name", help="Name used in the rule ids (default: the first path's name)."),
    text_field: str = typer.Option("text", help="Field of each record (JSONL, JSON, CSV, parquet) holding the text."),
    source_field: Optional[str] = typer.Option(None, "--source-field", help="Record field naming the source (site, url)."),
    rules: Optional[List[str]] = typer.Option(None, "--rules", help="Extra rule file (TOML); repeatable."),
    workers: int = typer.Option(0, "--workers", "-j", min=0, max=MAX_WORKERS, help="Worker processes (default 0: one per CPU core, also the most it runs; 1: none)."),
) -> None:
    """Find the lines that repeat across many documents of a source and write them as reviewable rules.

    \b
    Example:
      scrubber learn crawl/example.com/ -o learned-example.toml
      scrubber rules check learned-example.toml
    """
    _setup_logging(False)

    def body() -> None:
        _check_outputs(paths, [("-o", output)], reads=list(rules or ()))
        # Without the classifier: learned rules should name the furniture a
        # rules-only run meets, including what the classifier would only guess.
        config = _config(text_field=text_field, source_field=source_field,
                        rule_files=tuple(rules or ()), workers=_workers(workers), classifier=False)
        pipe = Pipeline(config)
        fewer_collections()
        learned = pipe.learn(pipe.reader().read_paths(paths))
        label = name or Path(paths[0].rstrip("/")).name.split(".")[0] or "corpus"
        text = to_rules(learned, label)
        if output == "-":
            _echo(text)
        else:
            pending_file(output, [text.encode("utf-8")]).commit_now()
            if Path(output).resolve().parent == default_rules_dir().resolve():
                logging.getLogger("scrubber").warning(
                    "%s: every run loads the files of %s as default rules, before anyone has "
                    "reviewed these; keep learned rules elsewhere and pass them with --rules",
                    output, default_rules_dir())
        # An empty file is puzzling when a footer is on every page: a small
        # site learns nothing at all (boilerplate.MIN_SOURCE_DOCS), so say so.
        why = "" if learned.counts else (
            f" (a line must repeat in {config.boilerplate_min_clusters} clusters of copies, "
            f"within a source of {boilerplate.MIN_SOURCE_DOCS} documents or more)")
        _say(f"scrubber: {len(learned.counts)} repeated lines learned from "
             f"{pipe.stats.counts['documents_in']} documents{why}")

    _run(body)


@index_app.command("info", cls=_Command)
def index_info(path: str = typer.Argument(..., metavar="INDEX", help="Index file (SQLite).")) -> None:
    """How many documents an index holds, and its parameters."""

    _setup_logging(False)

    def body() -> None:
        idx = open_index(path)
        try:
            _echo(f"{path}: {len(idx)} documents; {idx.params.describe()}; "
                  f"{os.path.getsize(path):,} bytes\n")
        finally:
            idx.close()

    _run(body)


@index_app.command("remove", cls=_Command)
def index_remove(path: str = typer.Argument(..., metavar="INDEX", help="Index file (SQLite)."),
                 ids: List[str] = typer.Argument(..., metavar="IDS", help="Ids of documents to forget: every indexed document with one of them.")) -> None:
    """Forget documents, so that a later run keeps their copies again.

    Ids repeat across runs (FILE:LINE names another document each day), and
    an index keeps every document any run kept: an id forgets all of its
    documents."""
    _setup_logging(False)

    def body() -> None:
        idx = open_index(path)
        try:
            unknown = idx.unknown(ids)  # a typo'd id removed nothing, and the line read as success
            gone = idx.remove(ids)
        finally:
            idx.close()
        docs, given = ("document" if gone == 1 else "documents"), ("id" if len(ids) == 1 else "ids")
        _say(f"scrubber: {gone} {docs} removed from {path} (all those with the {len(ids)} {given} given)")
        if unknown:
            shown = ", ".join(repr(i) for i in unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
            _say(f"scrubber: warning: {len(unknown)} of the ids given {'is' if len(unknown) == 1 else 'are'} "
                 f"in no indexed document: {shown}")

    _run(body)


@rules_app.command("list", cls=_Command)
def rules_list(
    rules: Optional[List[str]] = typer.Option(None, "--rules", help="Extra rule file (TOML); repeatable."),
    no_default_rules: bool = typer.Option(False, "--no-default-rules", help="Do not load the rule packs shipped with scrubber."),
) -> None:
    """List the rules in force (defaults, then --rules files) and the heuristics."""

    def body() -> None:
        # A file's `disable` list switches off heuristics and the classifier
        # too: what it names is not in force, so it is not listed.
        in_force, off = load_rules_and_disabled(rules or (), defaults=not no_default_rules, known_extra=STEPS)
        rows = []
        for r in in_force:
            region = r.where if r.where == "anywhere" else f"{r.where} {r.lines}"
            rows.append((r.id, r.action, region, Path(r.source).name, r.description))
        for name, h in HEURISTICS.items():
            if name in off:
                continue
            first = " ".join((h.__doc__ or "").split()).split(". ")[0].rstrip(".")  # its first sentence
            rows.append((name, "line", "heuristic", "heuristics.py", first + "."))
        if "classifier" not in off:
            rows.append(("classifier", "line", "model", "classify.py",
                         "Text-level content classifier: menus, teasers, footers, comment threads"))
        # columns as wide as their longest entry: ids of rules in other languages run long
        widths = [max(len(row[k]) for row in rows) for k in range(4)] if rows else [0] * 4
        lines = [" ".join(f"{v:<{w}}" for v, w in zip(row, widths)) + " " + row[4] for row in rows]
        _echo("".join(line + "\n" for line in lines))

    _run(body)


@rules_app.command("check", cls=_Command)
def rules_check(files: Optional[List[str]] = typer.Argument(None, metavar="FILES", help="Rule files to check (default: the shipped packs).")) -> None:
    """Load rule files and run every rule's own examples; exit 1 if any fails or if a rule's pattern backtracks catastrophically on long lines."""

    def body() -> None:
        shipped = [str(p) for p in default_rule_files()]
        paths = files or shipped
        problems, n_rules, n_examples, parsed, off = [], 0, 0, [], []
        for path in paths:
            try:
                rs, disable = parse_rule_file(path)
                for r in rs:
                    n_rules += 1
                    n_examples += len(r.match) + len(r.no_match)
                    problems += check_examples(r) + check_backtracking(r)
                parsed += rs
                off += [(rid, path) for rid in disable]
            except ScrubberError as e:
                problems.append(str(e))
        # As clean resolves a file's disable list: against the shipped rules,
        # every file given, the heuristics and the classifier.
        known = {*STEPS, *(r.id for r in parsed)}
        if files:
            known |= {r.id for p in shipped for r in parse_rule_file(p)[0]}
        problems += [str(e) for e in unknown_disabled(off, known)]
        for p in problems:
            _say(f"scrubber: error: {p}")
        for r in off_fast_path(parsed):
            _say(f"scrubber: warning: {r.source}: rule '{r.id}': RE2 cannot pre-filter its pattern, "
                 "so it is tried on every line (slower)")
        _echo(f"{counted(len(paths), 'file')}, {counted(n_rules, 'rule')}, "
              f"{counted(n_examples, 'example')}: "
              + (counted(len(problems), 'problem') if problems else "all hold") + "\n")
        if problems:
            raise typer.Exit(EXIT_ERROR)

    _run(body)


def main() -> None:
    # Default SIGPIPE handling would kill us mid-write with no cleanup; we
    # handle BrokenPipeError instead. SIGINT stays Python's KeyboardInterrupt;
    # SIGTERM's default would kill us just as abruptly, leaving the temporary
    # output file behind and the workers waiting forever for work.
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _on_sigterm)
    single_threaded_blas()  # the command owns its process; see pipeline.py
    stdout = _identity(1)
    try:
        code = app(prog_name="scrubber", standalone_mode=False)
    except SystemExit as e:
        # rich, which prints typer's help, meets a closed pipe by pointing
        # stdout at /dev/null and exiting 1; a closed pipe is 141 here.
        if e.code == 1 and stdout is not None and _identity(1) == _identity(os.devnull) != stdout:
            sys.exit(EXIT_BROKEN_PIPE)
        raise
    except Exception as e:
        if not _usage_error(e):
            raise
        if type(e).__name__ != "NoArgsIsHelpError":  # that one has printed the help
            _say(_usage_line(e))
        sys.exit(e.exit_code)
    sys.exit(code if isinstance(code, int) else 0)


def _stdin_file() -> tuple[int, int] | None:
    """(device, inode) of the regular file standard input is redirected
    from (``< FILE``), which an output must not replace; None for a pipe, a
    terminal, or a stream with no descriptor (a test's)."""
    try:
        st = os.fstat(sys.stdin.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return (st.st_dev, st.st_ino) if stat.S_ISREG(st.st_mode) else None


def _identity(file: int | str) -> tuple[int, int] | None:
    """(device, inode) of a descriptor or a path; None if it is not there."""
    try:
        st = os.stat(file)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _usage_error(e: BaseException) -> bool:
    """Whether ``e`` is click's error for a command line it cannot parse.
    By class name: typer carries its own copy of click, whose classes are
    not those of the ``click`` package."""
    return any(c.__name__ == "ClickException" for c in type(e).__mro__)


def _usage_line(e) -> str:
    """A usage error as one line, as every other error is; typer would
    print the usage and a framed box."""
    ctx = getattr(e, "ctx", None)
    where = ctx.command_path if ctx is not None else "scrubber"
    return f"{where}: {' '.join(e.format_message().split())} (see '{where} --help')"
