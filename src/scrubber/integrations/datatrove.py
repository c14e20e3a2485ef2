"""scrubber as a datatrove pipeline step.

``ScrubberCleaner`` cleans each ``Document.text`` as ``scrubber clean``
does per document (repair, rules, heuristics, the classifier), records
what it removed in the document's metadata, and drops documents left
empty (or under ``min_words``) with the reason, as datatrove's filters do::

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from scrubber.integrations.datatrove import ScrubberCleaner

    LocalPipelineExecutor(pipeline=[
        JsonlReader("crawl/"),
        ScrubberCleaner(min_words=20, lang_field="lang"),
        JsonlWriter("clean/"),
    ], tasks=4).run()

A step sees one stream of documents, so there is no corpus pass here:
near-duplicates and corpus-learnt furniture are the job of datatrove's
own deduplication stages (or of ``scrubber clean`` over the output).
"""

from __future__ import annotations

from typing import Any

try:
    from datatrove.data import Document as DatatroveDocument
    from datatrove.pipeline.filters.base_filter import BaseFilter
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError as e:  # one line saying what to install, not a traceback into datatrove
    raise ImportError("scrubber.integrations.datatrove needs datatrove: "
                      "pip install 'scrubber[datatrove]'") from e

from ..cleaner import cleaner_for
from ..config import Config
from ..document import Document
from ..languages import language_of
from ..steps import _removal_record, _too_short

#: Documents the classifier takes at once (as the pipeline's batches).
BATCH_SIZE = 64


class ScrubberCleaner(BaseFilter):
    """Clean ``Document.text``; drop documents cleaning leaves too short.

    ``config`` and keyword ``options`` are scrubber's (``Config``):
    ``min_words``, ``rule_files``, ``disabled``, ``favor``, ``lang`` …; the
    corpus settings (dedup, boilerplate) do not apply to a step.
    ``removed_key`` names the metadata field that receives the list of
    removals (reason, line, text; ``span`` and the classifier's ``p`` when
    there are), None for none; ``lang_field`` (an option) names the one
    that receives the language code. Stats, under datatrove's names:
    ``total``, ``forwarded``, ``dropped``, ``dropped_empty``,
    ``dropped_short``, and scrubber's ``lines_removed``,
    ``spans_removed``, ``documents_repaired`` and ``removed_<reason>``.
    """

    name = "🧽 scrubber"

    def __init__(self, config: Config | None = None, *, removed_key: str | None = "removed",
                 exclusion_writer: DiskWriter | None = None, batch_size: int = BATCH_SIZE,
                 **options: Any) -> None:
        super().__init__(exclusion_writer, batch_size)
        self.config = (config or Config()).with_(**options) if options else (config or Config())
        self.removed_key = removed_key
        cleaner_for(self.config)  # a bad rule file fails here, not in the first task

    def filter(self, doc: DatatroveDocument) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[DatatroveDocument]) -> list[bool | tuple[bool, str]]:
        # The Cleaner is looked up here, not kept: a step is pickled to its
        # tasks, and the lookup builds it once per process (cleaner_for).
        cleaner = cleaner_for(self.config)
        cfg = self.config
        out: list[bool | tuple[bool, str]] = []
        for doc, c in zip(batch, cleaner.clean_batch([Document(d.id, d.text) for d in batch])):
            lines = [r for r in c.removals if r.span is None]
            if lines:
                self.stat_update("lines_removed", value=len(lines))
            if len(lines) != len(c.removals):
                self.stat_update("spans_removed", value=len(c.removals) - len(lines))
            for r in c.removals:
                self.stat_update(f"removed_{r.reason}")
            if c.repairs:
                self.stat_update("documents_repaired")
            doc.text = c.text
            if self.removed_key:
                doc.metadata[self.removed_key] = [_removal_record(r) for r in c.removals]
            if cfg.lang_field:
                doc.metadata[cfg.lang_field] = language_of(c.text)
            dropped = _too_short(c.text, cfg)
            out.append((False, dropped) if dropped else True)
        return out
