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
column holds the cleaned text, and the fields scrubber adds (``cluster``,
``duplicates``, ``duplicate_of``, ``removed``, the language field) become
columns, null where a row has none. Cleaned texts and the added fields of
the kept rows are held in memory until the Dataset is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterator

import orjson

from ..config import Config
from ..pipeline import Pipeline
from ..stats import Stats

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
    """
    config = (config or Config()).with_(**options) if options else (config or Config())
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
    added: dict[str, dict[int, Any]] = {}
    docs = pipe.reader().read_records(_records(ds, config, own), label="row", first=0)
    for line in pipe.run(docs):
        rec = orjson.loads(line)
        n = len(rows)
        rows.append(rec.pop(_ROW))
        texts.append(rec.pop(config.text_field))
        for key, value in rec.items():
            if key not in own and key != config.id_field:
                added.setdefault(key, {})[n] = value
    out = ds.select(rows)
    columns = list(ds.column_names)
    # Added before the old one goes: a table left with no column has no rows
    # either, and the text could not be added back to a one-column dataset.
    spare = "__scrubber_text__"
    out = out.add_column(spare, texts).remove_columns([config.text_field]).rename_column(spare, config.text_field)
    # In the order scrubber's JSONL records have them, whichever row first had one.
    order = [config.lang_field, "removed", "cluster", "duplicates", "duplicate_of"]
    for key in sorted(added, key=lambda k: order.index(k) if k in order else len(order)):
        values = added[key]
        if key in out.column_names:  # scrubber's to set, as in its JSONL
            out = out.remove_columns([key])
        else:
            columns.append(key)
        out = out.add_column(key, [values.get(i) for i in range(len(rows))])
    return out.select_columns(columns)


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
