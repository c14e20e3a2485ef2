"""The public functions: ``clean`` for records, ``clean_text`` for one text."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from typing import Any, Iterator

from .cleaner import CACHE_SIZE, check_text, cleaner_for
from .config import Config, config_of
from .document import Document
from .pipeline import Pipeline, check_local
from .sinks import loads
from .stats import Stats, check_stats


def clean(records: Iterable[dict | str | Document], config: Config | None = None,
          stats: Stats | None = None, **options: Any) -> Iterator[dict]:
    """Clean an iterable of records with the same pipeline as the CLI.

    Records are dicts (with ``config.text_field``), plain strings or
    ``Document`` objects; keyword options override ``config`` fields, e.g.
    ``clean(rows, dedup=False, min_words=20)``. Yields output records as dicts.

    Fields JSON has no type for pass through as the nearest JSON value
    (``records.jsonable``): datetimes as ISO 8601 strings, numpy scalars
    as numbers, bytes as base64. A record that cannot be cleaned (no text
    field, a field of another type) raises ``InputError`` naming it, or
    with ``on_error="skip"`` is logged as a warning and counted in
    ``stats.counts["bad_inputs"]``, as in the CLI.
    """
    # Checked here, when clean() is called, not at the first next(): the
    # records are only read as the output is iterated.
    if isinstance(records, (str, bytes)):
        # A string is iterable, and each character would become a record.
        raise TypeError("clean() takes an iterable of records (dicts, strings or Documents), "
                        "not one text: use clean_text(text) or clean([text])")
    if isinstance(records, (dict, Document)):
        # A dict iterates over its keys, each of which would become a text.
        raise TypeError("clean() takes an iterable of records, not one record: use clean([record])")
    if hasattr(records, "columns") and hasattr(records, "to_dict"):
        # pandas and polars data frames iterate over their column names.
        raise TypeError("clean() takes an iterable of records, and a data frame iterates over its "
                        "column names: pass df.to_dict('records') (pandas) or df.to_dicts() (polars)")
    if not isinstance(records, Iterable):
        raise TypeError("clean() takes an iterable of records (dicts, strings or Documents), "
                        f"not {type(records).__name__}")
    config = config_of(config, "clean()", **options)
    check_local(config, "clean()")
    check_stats(stats, "clean()")
    pipe = Pipeline(config)
    if stats is not None:
        pipe.stats = stats
    return _cleaned(pipe, records)


def _cleaned(pipe: Pipeline, records) -> Iterator[dict]:
    reader = pipe.reader()
    for line in pipe.run(reader.unique(reader.read_records(records))):
        yield loads(line)


def clean_text(text: str, config: Config | None = None, **options: Any) -> str:
    """Repair one text and strip its furniture (no deduplication).

    The Cleaner for a configuration is built on the first call and reused
    by the next ones (``cleaner.cleaner_for``), and the configuration of a
    ``config`` and keyword options is made once, so calling this in a loop
    costs what a loop over one ``Cleaner``'s ``clean_text`` does plus some
    10 us a call (a few percent of a page's cleaning).
    """
    check_text(text)  # before a Cleaner is built for a call that cannot succeed
    try:
        # Each value's type is part of the key: 1 == True, and 3.0 == 3,
        # but Config refuses annotate=1 and min_words=3.0.
        config = _config_for(config, tuple((k, type(v), v) for k, v in options.items()))
    except TypeError:  # an unhashable option (a list), or a refused config or setting
        config = config_of(config, "clean_text()", **options)
        _refuse_idle(options)
    return cleaner_for(config).clean_text(text)


#: What one text in, one text out can use: the rules, the heuristics and
#: the classifier.
_TEXT_SETTINGS = frozenset(("rule_files", "disabled", "default_rules", "rule_timeout", "rule_max_timeouts",
                            "heuristics", "classifier", "favor", "lang", "classifier_model"))


def _refuse_idle(options: dict[str, Any]) -> None:
    """A ValueError naming the options ``clean_text`` was given that it
    would silently not honour (``min_words=50`` returned a short text, an
    ``engine`` or ``index`` nothing used); ``dedup=False`` and
    ``boilerplate=False`` say what it does anyway, and a default is no
    request."""
    default = Config()
    idle = [k for k, v in options.items() if k not in _TEXT_SETTINGS
            and (v is True if k in ("dedup", "boilerplate") else v != getattr(default, k))]
    if idle:
        raise ValueError(f"clean_text() returns one cleaned text, so {', '.join(idle)} would do nothing: "
                         "clean([text], ...) drops, annotates and deduplicates records")


@lru_cache(maxsize=CACHE_SIZE)
def _config_for(config: Config | None, options: tuple) -> Config:
    """``config`` with ``options`` on top, made once per call signature:
    checking every setting again cost a short text's ``clean_text`` as
    much as cleaning it (Config() 40 us, with_ 65 us, against 140 us)."""
    made = config_of(config, "clean_text()", **{k: v for k, _, v in options})
    _refuse_idle({k: v for k, _, v in options})
    return made
