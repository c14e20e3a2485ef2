"""A Hugging Face ``datasets.Dataset`` cleaned and deduplicated as a whole.

``datasets.map`` sees one batch at a time, so near-duplicates in two
batches would never meet and furniture would be learnt per batch; this
helper runs scrubber's pipeline once over the whole dataset instead (the
same passes as ``scrubber clean``) and gives back a Dataset of the kept
rows, in their order::

    from scrubber.integrations.hf import clean_dataset
    clean = clean_dataset(ds, min_words=20, lang_field="lang")

Every column other than the text keeps its values and its feature type
(the kept rows are ``ds.select``-ed, not rebuilt from JSON); the text
column holds the cleaned text in the input's type (``large_string`` stays
so), and the fields scrubber adds (``cluster``, ``duplicates``,
``duplicate_of``, ``removed``, the language field) become columns of fixed
types, null where a row has none. An input's columns of those names are
replaced by this run's, as ``clean`` replaces the fields. Cleaned texts and
the added fields of the kept rows are held in memory until the Dataset is
built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import orjson

from ..config import Config, config_of
from ..pipeline import Pipeline, check_local
from ..stats import Stats, check_stats
from ..steps import _DEDUP_FIELDS

if TYPE_CHECKING:
    from datasets import Dataset

#: Where a record keeps its row number on its way through the pipeline.
_ROW = "\x00row"
_BATCH_ROWS = 1000


def clean_dataset(ds: "Dataset", config: Config | None = None, *, stats: Stats | None = None,
                  **options: Any) -> "Dataset":
    """``ds`` cleaned and deduplicated across all its rows, as a Dataset.

    ``config`` and keyword ``options`` are those of ``scrubber.clean``
    (``text_field``, ``id_field``, ``min_words``, ``dedup``,
    ``keep_duplicates``, ``lang_field``, ``workers`` …); ``stats``, when
    given, receives the run's counters. A row without an ``id_field`` value
    is named ``<row N>`` (0-based, as ``ds[N]``) in ``cluster`` and
    ``duplicates`` and in error messages. A row whose text is missing or
    not a string raises ``InputError``, or with ``on_error="skip"`` is
    warned about, counted in ``stats.counts["bad_inputs"]`` and left out.

    Columns scrubber writes are this run's, as in ``clean``'s records: with
    ``dedup`` an input's ``cluster``, ``duplicates`` and ``duplicate_of``
    are dropped (an earlier run's would name copies this run never saw)
    and come back only where this run found copies; with ``annotate`` its
    ``removed``, and with ``lang_field`` that column, are replaced.

    Only a ``Dataset`` will do: the kept rows are selected from it after
    the pipeline has seen all of them. A ``DatasetDict`` is refused (pass
    one split), and so is an ``IterableDataset``, which cannot be read
    twice (``scrubber.clean(ids)`` cleans its rows as records).
    """
    import datasets  # the caller has a Dataset, so it is installed

    _check_dataset(ds, datasets)
    config = config_of(config, "clean_dataset()", **options)
    check_local(config, "clean_dataset()")
    check_stats(stats, "clean_dataset()")
    if config.text_field not in ds.column_names:
        from ..errors import InputError

        raise InputError("<dataset>", f"no '{config.text_field}' column "
                         f"(columns: {', '.join(ds.column_names)}; name another with text_field=)")
    pipe = Pipeline(config)
    if stats is not None:
        pipe.stats = stats
    own = [c for c in (config.id_field, config.source_field) if c and c in ds.column_names]
    rows: list[int] = []
    texts: list[str] = []
    # Every kept record has the language and ``removed`` when asked, so they
    # are columns even when no row is kept; the dedup fields only when some
    # row has one, as a record of clean() has them only then.
    added: dict[str, dict[int, Any]] = {k: {} for k in (config.lang_field,
                                                        "removed" if config.annotate else None) if k}
    docs = pipe.reader().read_records(_records(ds, config, own), label="row", first=0)
    for line in pipe.run(docs):
        rec = orjson.loads(line)
        n = len(rows)
        rows.append(rec.pop(_ROW))
        texts.append(rec.pop(config.text_field))
        for key, value in rec.items():
            if key not in own and key != config.id_field:
                added.setdefault(key, {})[n] = value
    # The fields scrubber sets are this run's, never the input's: an input
    # column of one this run did not set goes (an earlier run's cluster
    # would name copies this run never saw), as clean() drops the field.
    ours = set(added) | (set(_DEDUP_FIELDS) if config.dedup else set())
    # A replaced column keeps its place, as a replaced field does in a
    # record; a new one goes after the input's, in scrubber's JSONL order.
    columns = [c for c in ds.column_names if c not in ours or c in added]
    order = [config.lang_field, "removed", *_DEDUP_FIELDS]
    columns += sorted((k for k in added if k not in columns),
                      key=lambda k: order.index(k) if k in order else len(order))
    features = _features(config)
    features[config.text_field] = ds.features[config.text_field]  # a large_string stays one
    parts = [_column(datasets, config.text_field, texts, features)]
    parts += [_column(datasets, k, [v.get(i) for i in range(len(rows))], features)
              for k, v in added.items()]
    rest = [c for c in ds.column_names if c != config.text_field and c not in ours]
    if not rows:  # concatenate_datasets would leave out the parts with no rows
        types = {c: ds.features[c] for c in rest}
        for part in parts:
            types.update(part.features)
        return datasets.Dataset.from_dict({c: [] for c in columns},
                                          features=datasets.Features({c: types[c] for c in columns}))
    if rest:  # a table of no column has no rows either, so it cannot lead
        # select() keeps these columns' values and feature types as they were.
        parts.insert(0, ds.select(rows).select_columns(rest))
    out = parts[0] if len(parts) == 1 else datasets.concatenate_datasets(parts, axis=1)
    return out.select_columns(columns)


def _check_dataset(ds: Any, datasets: Any) -> None:
    """Refuse, before any row is read, what is not one Dataset: the run
    would otherwise end in an AttributeError after cleaning everything."""
    if isinstance(ds, datasets.Dataset):
        return
    if isinstance(ds, (datasets.DatasetDict, datasets.IterableDatasetDict)):
        splits = list(ds)
        raise TypeError(f"clean_dataset takes one Dataset, not a {type(ds).__name__} of splits "
                        f"{', '.join(map(repr, splits))}: pass one split, e.g. ds[{splits[0]!r}]"
                        if splits else f"clean_dataset takes one Dataset, not an empty {type(ds).__name__}")
    if isinstance(ds, datasets.IterableDataset):
        raise TypeError("clean_dataset needs a Dataset, not an IterableDataset: it selects the kept "
                        "rows after seeing them all, and a stream is read once. Load it without "
                        "streaming=True, or clean its rows as records: scrubber.clean(ids)")
    raise TypeError(f"clean_dataset takes a datasets.Dataset, not {type(ds).__name__} "
                    "(records: scrubber.clean)")


def _features(config: Config) -> dict[str, Any]:
    """The feature type of each column scrubber adds, whatever its values:
    inferred, a column of nulls would be typed ``null`` and a ``removed``
    list would lack ``span`` until some row had one."""
    from datasets import Value

    features: dict[str, Any] = {
        "cluster": Value("string"), "duplicate_of": Value("string"),
        "duplicates": [Value("string")],
        "removed": [{"reason": Value("string"), "line": Value("int64"), "text": Value("string"),
                     "span": [Value("int64")], "p": Value("float64")}],
    }
    if config.lang_field:
        features[config.lang_field] = Value("string")
    return features


def _column(datasets: Any, name: str, values: list, features: dict[str, Any]) -> "Dataset":
    feature = features.get(name)
    return datasets.Dataset.from_dict({name: values}, features=datasets.Features({name: feature})
                                      if feature is not None else None)


def _records(ds: "Dataset", config: Config, own: list[str]) -> Iterator[dict]:
    """Each row's text and the columns the pipeline reads (id, source),
    with its row number; the other columns stay in ``ds``."""
    n = 0
    for batch in ds.select_columns([config.text_field, *own]).iter(batch_size=_BATCH_ROWS):
        for values in zip(*(batch[c] for c in (config.text_field, *own))):
            rec = dict(zip((config.text_field, *own), values))
            rec[_ROW] = n
            n += 1
            yield rec
