"""One frozen configuration object, filled from defaults, rule files and flags.

Every default is documented here with where it comes from, so that a library
user and a CLI user get the same behaviour from the same settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .minhash import Params


@dataclass(frozen=True)
class Config:
    """Every setting of a run, the same for the library and the command.

    Frozen: ``with_(**changes)`` makes a changed copy. Each setting is
    checked when the object is made (a wrong type or value is a TypeError
    or ValueError naming it). The ``#:`` comment above each field in
    config.py says why its default is what it is; in one line each:

    Input:
      text_field      record field holding the text ("text")
      id_field        record field holding the id ("id"; else file:line, <record N>)
      input_format    auto, jsonl, json, csv, tsv, text, html, warc or parquet (auto: sniffed)
      on_error        fail at the first bad input, or skip it with a warning
      max_doc_bytes   longest document read, in UTF-8 bytes (0: no limit)
      long_docs       a longer one is skipped or truncated at a line break
    Rules:
      rule_files      extra rule files (paths), after the default packs
      disabled        rule ids or heuristic names switched off
      default_rules   whether the packs shipped in rules/ are loaded
      rule_timeout    seconds one regex match may take
      rule_max_timeouts  timeouts before a rule is off for the rest of a batch
      heuristics      heuristics for furniture no pattern names
    Classifier:
      classifier      the line classifier, after rules and heuristics
      favor           balanced, precision (drop more) or recall (keep more)
      lang            ISO 639-1 code for stop words (None: guessed per document)
      classifier_model  a model file (None: the shipped one)
    Output:
      annotate        add a "removed" list: what cleaning took out and why
      min_words       documents with fewer words after cleaning are dropped
      lang_field      field to write each document's guessed language into
    Corpus furniture:
      boilerplate     remove lines repeated across near-duplicate clusters
      source_field    field naming a document's source (default: its file)
      boilerplate_min_clusters  clusters a line must repeat in to go
    Deduplication:
      dedup           find near-duplicates and keep one of each cluster
      keep_duplicates mark copies with duplicate_of rather than drop them
      shingle_size    words per shingle (5)
      num_perm        MinHash permutations (128)
      lsh_bands       LSH bands; lsh_bands * lsh_rows <= num_perm
      lsh_rows        rows per LSH band
      containment_threshold  shingle containment that joins a verified pair
      seed            seed of the MinHash permutations
      index           SQLite file keeping the LSH index across runs
    Execution:
      workers         worker processes (0 or 1: this process; with Ray, CPUs, 0: one per core)
      engine          local, or ray for tasks on a Ray cluster (paths only)
      ray_address     Ray cluster to join (None: start a local one)
      shard_bytes     size of the shards plain JSONL is cut into for Ray
    """

    # --- input -----------------------------------------------------------
    #: JSONL field holding the text; other fields pass through unchanged.
    text_field: str = "text"
    #: JSONL field holding the id; records without one get ``file:line``
    #: (``<record N>`` from ``clean``, also for a null id).
    id_field: str = "id"
    #: ``auto`` tells a file's format from its first bytes, else its name,
    #: and standard input's from its first bytes or line (JSONL when that
    #: is a JSON object); the others force it (see docs/formats.md).
    input_format: Literal["auto", "jsonl", "json", "csv", "tsv", "text", "html", "warc", "parquet"] = "auto"
    #: ``fail`` stops at the first bad input with exit 1; ``skip`` warns,
    #: counts it and goes on.
    on_error: Literal["fail", "skip"] = "fail"
    #: Longest document read, in bytes of UTF-8 text (0: no limit). Memory
    #: follows the longest document (a 200 MB one took 6 GB); web pages are
    #: kilobytes, and a 10 MB one is a data dump or a crawler's accident.
    max_doc_bytes: int = 10_000_000
    #: What happens to a longer one: ``skip`` (warned and counted as
    #: ``documents_too_long``) or ``truncate`` (cut at the last line break
    #: within the limit, counted as ``documents_truncated``).
    long_docs: Literal["skip", "truncate"] = "skip"

    # --- rules -----------------------------------------------------------
    #: Extra rule files, applied after the default packs; a rule with the
    #: same id as an earlier one replaces it.
    rule_files: Sequence[str | os.PathLike[str]] | str | os.PathLike[str] = ()
    #: Rule ids (or heuristic names) switched off.
    disabled: Sequence[str] | str = ()
    #: Whether the packs shipped in ``rules/`` are loaded.
    default_rules: bool = True
    #: Seconds one regex match may take before it is abandoned; protects a
    #: run from a catastrophic-backtracking user pattern.
    rule_timeout: float = 0.05
    #: Timeouts after which a rule is switched off for the rest of a batch
    #: of documents (said once a run, counted per rule): a rule that
    #: backtracks on one long line usually does on many, and each costs
    #: ``rule_timeout``.
    rule_max_timeouts: int = 5
    #: Heuristics for furniture no pattern names (see heuristics.py).
    heuristics: bool = True

    # --- classifier (see classify.py) --------------------------------------
    #: The text-level content classifier, run after rules and heuristics;
    #: ``--disable classifier`` or ``--no-classifier`` turns it off.
    classifier: bool = True
    #: ``balanced`` uses the threshold that maximised F1 on the training
    #: pages; ``precision`` drops more doubtful lines, ``recall`` keeps more
    #: (trafilatura's favor_precision / favor_recall, same spirit).
    favor: Literal["balanced", "precision", "recall"] = "balanced"
    #: ISO 639-1 code of the documents' language for stop words; None
    #: guesses it per document from stop-word hits.
    lang: str | None = None
    #: A model file written by ``benchmarks/train_classifier.py``; None uses
    #: the one shipped in the package.
    classifier_model: str | os.PathLike[str] | None = None

    # --- output ----------------------------------------------------------
    #: Add a ``removed`` list to each output record: what cleaning took
    #: out, as ``{"reason", "line", "text"}`` (and ``"p"`` for the
    #: classifier's removals), for auditing a run.
    annotate: bool = False
    #: Documents with fewer words than this after cleaning are dropped and
    #: counted; 1 drops only documents left empty.
    min_words: int = 1
    #: Field to write each document's language into (e.g. ``lang``), as an
    #: ISO 639-1 code guessed from its cleaned text (languages.language_of):
    #: by script where the script names one language (Hangul, kana, Han,
    #: Greek, Thai...), else by the 33 stop-word lists when one wins clearly;
    #: null when unsure (a language with no list, a few words of close
    #: neighbours). None writes no field. The guess is made whatever
    #: ``lang`` says.
    lang_field: str | None = None

    # --- corpus-learned boilerplate (see boilerplate.py) -------------------
    #: Remove lines that repeat across many near-duplicate clusters of the
    #: same source (a global pass over the run; needs ``dedup``).
    boilerplate: bool = True
    #: Record field naming a document's source (``site``, ``url``: a URL
    #: gives its host); default: its input file or directory.
    source_field: str | None = None
    #: Distinct clusters a line must repeat in to be furniture.
    boilerplate_min_clusters: int = 4

    # --- deduplication (see dedup.py for why these values) ----------------
    dedup: bool = True
    keep_duplicates: bool = False
    shingle_size: int = 5
    num_perm: int = 128
    #: LSH banding (bands, rows); bands * rows must not exceed num_perm.
    lsh_bands: int = 64
    lsh_rows: int = 2
    #: A verified pair is joined when the smaller document's shingles are
    #: this much contained in the larger's (exact, not estimated).
    containment_threshold: float = 0.5
    seed: int = 1
    #: SQLite file keeping the LSH index across runs (``--index``).
    index: str | os.PathLike[str] | None = None

    # --- execution -------------------------------------------------------
    #: Worker processes. The library works in the caller's process unless
    #: asked (the caller's cores are not scrubber's to take); the command
    #: defaults to one per core. Output is the same for any number.
    workers: int = 1
    #: ``local`` (this machine, ``workers`` processes) or ``ray`` (tasks on a
    #: Ray cluster; the ``ray`` extra).
    engine: Literal["local", "ray"] = "local"
    #: Ray cluster address (``auto``: the one this machine belongs to); None
    #: starts a local Ray instance.
    ray_address: str | None = None
    #: Plain JSONL files larger than this are split into shards of about this
    #: many bytes for the Ray engine.
    shard_bytes: int = 64 << 20

    def __post_init__(self) -> None:
        """Refuse a setting of the wrong type or out of range, naming it:
        the CLI's options are checked by their parser, but a library caller
        who passes ``workers="4"`` or ``on_error="ignore"`` would otherwise
        get a run that misbehaves far from the cause. A list, or a single
        string, for the rule files or disabled ids is made a tuple (the
        configuration is hashed and compared), and paths strings."""
        for name in _PATHS:  # a pathlib.Path is as good as its string
            if isinstance(getattr(self, name), os.PathLike):
                object.__setattr__(self, name, os.fspath(getattr(self, name)))
        for name in ("rule_files", "disabled"):
            value = getattr(self, name)
            if isinstance(value, (str, os.PathLike)):
                value = (value,)
            if name == "rule_files" and isinstance(value, Sequence):
                value = [os.fspath(v) if isinstance(v, os.PathLike) else v for v in value]
            if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
                raise TypeError(f"Config.{name} must be a tuple of strings, not {value!r}")
            object.__setattr__(self, name, tuple(value))
        for name, choices in _CHOICES.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"Config.{name} must be one of {', '.join(map(repr, choices))}, "
                                 f"not {getattr(self, name)!r}")
        for name in _BOOLS:
            if not isinstance(getattr(self, name), bool):
                raise TypeError(f"Config.{name} must be True or False, not {getattr(self, name)!r}")
        for name in ("text_field", "id_field"):
            if not isinstance(getattr(self, name), str) or not getattr(self, name):
                raise TypeError(f"Config.{name} must be a field name (a non-empty string), "
                                f"not {getattr(self, name)!r}")
        for name in _OPTIONAL_STRS:
            value = getattr(self, name)
            if value is not None and (not isinstance(value, str) or not value):
                raise TypeError(f"Config.{name} must be a non-empty string or None, not {value!r}")
        for name, low in _INTS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"Config.{name} must be an integer, not {value!r}")
            if value < low:
                raise ValueError(f"Config.{name} must be at least {low}, not {value}")
        if self.seed >= 1 << 32:  # numpy's generators take 32 bits, and datasketch's seeds are theirs
            raise ValueError(f"Config.seed must be below 2**32, not {self.seed}")
        if self.text_field == self.id_field:
            raise ValueError(f"Config.text_field and Config.id_field are both {self.text_field!r}: the cleaned "
                             "text would overwrite the id, and clusters name copies by their id")
        if self.lang is not None:  # as --lang is read: "DE " is de
            if not self.lang.strip():
                raise ValueError(f"Config.lang must be a language code (ISO 639-1) or None, not {self.lang!r}")
            object.__setattr__(self, "lang", self.lang.strip().lower())
        if self.lang_field is not None and self.lang_field in (self.text_field, self.id_field, *OWN_FIELDS):
            raise ValueError(f"Config.lang_field {self.lang_field!r} is the text or id field or one "
                             "scrubber writes, which the language would overwrite; name another field")
        if not self.dedup and (self.index or self.keep_duplicates):
            raise ValueError(f"Config.{'index' if self.index else 'keep_duplicates'} needs dedup=True: "
                             "without deduplication it would do nothing")
        if self.lsh_bands * self.lsh_rows > self.num_perm:
            raise ValueError(f"Config.lsh_bands * lsh_rows ({self.lsh_bands} * {self.lsh_rows}) "
                             f"must not exceed num_perm ({self.num_perm})")
        for name, ok, what in (("rule_timeout", lambda v: 0 < v < float("inf"), "above 0 (and finite)"),
                               ("containment_threshold", lambda v: 0 < v <= 1, "in (0, 1]")):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not ok(value):
                raise ValueError(f"Config.{name} must be a number {what}, not {value!r}")

    @property
    def dedup_params(self) -> "Params":
        """The MinHash and LSH settings as ``Params``, what ``sketch``,
        ``cluster`` and an ``Index`` take."""
        from .minhash import Params
        return Params(self.shingle_size, self.num_perm, self.lsh_bands, self.lsh_rows, self.seed)

    def with_(self, **changes: Any) -> "Config":
        """A copy with some settings changed (the object itself is frozen)."""
        return replace(self, **changes)


def config_of(config: object, caller: str, **options: Any) -> Config:
    """``config`` (None: the defaults) with keyword ``options`` on top, as
    every entry point takes them. Anything but a Config is a TypeError
    naming the caller: a dict of settings failed later with an
    AttributeError from inside."""
    if config is None:
        config = Config()
    elif not isinstance(config, Config):
        hint = ": pass Config(**settings), or the settings as keywords" if isinstance(config, dict) else ""
        raise TypeError(f"{caller} takes a Config or None as config, not {type(config).__name__}{hint}")
    return config.with_(**options) if options else config


#: Fields scrubber itself writes into output records (deduplication's and
#: ``annotate``'s), which no other setting may name.
OWN_FIELDS = ("cluster", "duplicates", "duplicate_of", "removed")

_CHOICES = {
    "input_format": ("auto", "jsonl", "json", "csv", "tsv", "text", "html", "warc", "parquet"),
    "on_error": ("fail", "skip"),
    "long_docs": ("skip", "truncate"),
    "favor": ("balanced", "precision", "recall"),
    "engine": ("local", "ray"),
}
_BOOLS = ("default_rules", "heuristics", "classifier", "annotate", "boilerplate", "dedup",
          "keep_duplicates")
_PATHS = ("classifier_model", "index")
_OPTIONAL_STRS = ("lang", "classifier_model", "lang_field", "source_field", "index", "ray_address")
#: Integer settings and their least value.
_INTS = {"max_doc_bytes": 0, "rule_max_timeouts": 1, "min_words": 0,
         "boilerplate_min_clusters": 1, "shingle_size": 1, "num_perm": 1, "lsh_bands": 1,
         "lsh_rows": 1, "seed": 0, "workers": 0, "shard_bytes": 1}
