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
own deduplication stages (or of ``scrubber clean`` over the output), and
settings only deduplication reads are refused rather than ignored.
"""

from __future__ import annotations

import logging
from typing import Any

try:
    from datatrove.data import Document as DatatroveDocument
    from datatrove.pipeline.filters.base_filter import BaseFilter
    from datatrove.pipeline.writers.disk_base import DiskWriter
except ImportError as e:  # one line saying what to install, not a traceback into datatrove
    from ..extras import install_command

    raise ImportError(f"scrubber.integrations.datatrove needs datatrove: {install_command('datatrove')}") from e

from ..cleaner import Cleaner, cleaner_for
from ..config import Config, config_of
from ..decoding import _cut_bytes
from ..document import Document, check_document
from ..errors import InputError
from ..languages import language_of
from ..steps import _removal_record, _too_short

log = logging.getLogger("scrubber")

#: Documents the classifier takes at once (as the pipeline's batches).
BATCH_SIZE = 64


#: Settings only deduplication and the corpus pass read, which a step of one
#: document at a time cannot honour (``dedup`` and ``boilerplate`` are on in
#: a default Config, so a Config is refused only for the others).
CORPUS_SETTINGS = ("dedup", "keep_duplicates", "index", "shingle_size", "num_perm", "lsh_bands",
                   "lsh_rows", "containment_threshold", "seed", "boilerplate",
                   "boilerplate_min_clusters", "source_field")


class ScrubberCleaner(BaseFilter):
    """Clean ``Document.text``; drop documents cleaning leaves too short.

    ``config`` and keyword ``options`` are scrubber's (``Config``):
    ``min_words``, ``rule_files``, ``disabled``, ``favor``, ``lang``,
    ``max_doc_bytes``, ``long_docs`` …. A document over ``max_doc_bytes``
    (UTF-8 bytes of its text) is dropped with the reason ``too_long``, or
    with ``long_docs="truncate"`` cut at its last line break within the
    limit before cleaning, as ``scrubber clean`` reads one. The corpus
    settings do not apply to a step: ``dedup=True``, ``index``,
    ``keep_duplicates``, ``boilerplate=True`` and the MinHash parameters
    are a ``ValueError`` (``dedup=False`` and ``boilerplate=False`` say what
    the step does anyway).

    The rules are read when the step is made, and the step carries them,
    not the paths of its rule files: a copy pickled to datatrove's tasks,
    on another machine or in another working directory, cleans as this one
    does (and an edit to a rule file afterwards is not seen).

    ``removed_key`` names the metadata field that receives the list of
    removals (reason, line, text; ``span`` and the classifier's ``p`` when
    there are), None for none; ``lang_field`` (an option) names the one
    that receives the language code, another than ``removed_key``. A kept
    document's text is the cleaned text; a dropped one keeps its text as it
    came in, for the ``exclusion_writer`` to show what was dropped. A
    document whose text is not a string is an ``InputError`` naming it, or
    with ``on_error="skip"`` a warning and a drop with the reason
    ``bad_input`` (its text made empty: datatrove's writers need one).
    Stats, under datatrove's names: ``total``, ``forwarded``, ``dropped``,
    ``dropped_empty``, ``dropped_short``, ``dropped_too_long``,
    ``dropped_bad_input``, and scrubber's ``bad_inputs``,
    ``documents_truncated``, ``lines_removed``, ``spans_removed``,
    ``documents_repaired`` and ``removed_<reason>``.
    """

    name = "🧽 scrubber"

    def __init__(self, config: Config | None = None, *, removed_key: str | None = "removed",
                 exclusion_writer: DiskWriter | None = None, batch_size: int = BATCH_SIZE,
                 **options: Any) -> None:
        super().__init__(exclusion_writer, batch_size)
        self.config = config_of(config, "ScrubberCleaner()", **options)
        _refuse_corpus_settings(self.config, options)
        if removed_key is not None and removed_key == self.config.lang_field:
            # The language would overwrite the removals, as Config refuses for
            # lang_field against the fields it writes.
            raise ValueError(f"ScrubberCleaner: removed_key and lang_field are both {removed_key!r}, "
                             "and the language would overwrite the removals; name two fields")
        self.removed_key = removed_key
        self._seen = 0  # documents this copy of the step was given, to name one by its place
        # Held, not looked up by configuration in each task: a Cleaner pickles
        # as its configuration and rules (not its rule files' paths) and is
        # compiled again once per process however many copies arrive there.
        # A bad rule file fails here, not in the first task.
        self.cleaner: Cleaner = cleaner_for(self.config)

    def filter(self, doc: DatatroveDocument) -> bool | tuple[bool, str]:
        return self.filter_batch([doc])[0]

    def filter_batch(self, batch: list[DatatroveDocument]) -> list[bool | tuple[bool, str]]:
        cfg = self.config
        out: list[bool | tuple[bool, str] | None] = [None] * len(batch)
        todo: list[int] = []
        texts: list[str] = []  # what to clean: the text, or the text cut to max_doc_bytes
        for i, doc in enumerate(batch):
            if not self._readable(doc):
                out[i] = (False, "bad_input")
                continue
            text = self._sized(doc.text)
            if text is None:
                out[i] = (False, "too_long")
            else:
                todo.append(i)
                texts.append(text)
        cleaned = self.cleaner.clean_batch([Document(str(batch[i].id), t) for i, t in zip(todo, texts)])
        for i, c in zip(todo, cleaned):
            doc = batch[i]
            lines = [r for r in c.removals if r.span is None]
            if lines:
                self.stat_update("lines_removed", value=len(lines))
            if len(lines) != len(c.removals):
                self.stat_update("spans_removed", value=len(c.removals) - len(lines))
            for r in c.removals:
                self.stat_update(f"removed_{r.reason}")
            if c.repairs:
                self.stat_update("documents_repaired")
            if self.removed_key:
                doc.metadata[self.removed_key] = [_removal_record(r) for r in c.removals]
            if cfg.lang_field:
                doc.metadata[cfg.lang_field] = language_of(c.text)
            dropped = _too_short(c.text, cfg)
            if dropped:
                # A dropped document keeps its text as it came in: the
                # exclusion writer's copy is for auditing what was dropped,
                # as one dropped too_long is (its removals say what went).
                out[i] = (False, dropped)
            else:
                doc.text = c.text
                out[i] = True
        return out  # type: ignore[return-value]  # every slot is filled

    def _readable(self, doc: object) -> bool:
        """Whether ``doc`` is a datatrove Document with a string text. Else
        an ``InputError`` naming it, as ``scrubber.clean`` gives for a bad
        record, or with ``on_error="skip"`` a warning and ``bad_inputs``."""
        self._seen += 1
        if not isinstance(doc, DatatroveDocument):
            # Refused even when skipping: datatrove itself would then fail on
            # it (its stats, the exclusion writer), far from the cause.
            raise InputError(f"<document {self._seen}>",
                             f"expected a datatrove Document, got {type(doc).__name__}")
        where = str(doc.id) if doc.id not in (None, "") else f"<document {self._seen}>"
        try:
            check_document(Document(where, doc.text), where)
        except InputError as e:
            if self.config.on_error == "fail":
                raise
            log.warning("%s (skipped)", e)
            self.stat_update("bad_inputs")
            # datatrove's writers take the length of a text and write it as
            # JSON: an exclusion writer would fail on this one's None or bytes.
            doc.text = ""
            return False
        return True

    def _sized(self, text: str) -> str | None:
        """``text`` when within ``max_doc_bytes``; else None, or with
        ``long_docs="truncate"`` the text cut to fit (as
        ``sources.Reader._sized``). The document keeps its own text until
        it is kept, so a dropped one goes to the exclusion writer whole."""
        limit = self.config.max_doc_bytes
        # characters <= UTF-8 bytes <= 4 x characters: most texts need no encoding
        if not limit or 4 * len(text) <= limit or (len(text) <= limit and len(text.encode()) <= limit):
            return text
        if self.config.long_docs == "skip":
            return None
        self.stat_update("documents_truncated")
        return _cut_bytes(text.encode(), limit).decode()


def _refuse_corpus_settings(config: Config, options: dict[str, Any]) -> None:
    """A ``ValueError`` naming the deduplication settings asked for, which a
    step cleaning one document at a time would silently not honour:
    ``dedup`` or ``boilerplate`` passed as True, any other set otherwise
    than by default (in ``config`` or the ``options`` it was made with)."""
    default = Config()
    asked = [k for k in CORPUS_SETTINGS if (options.get(k) if k in ("dedup", "boilerplate")
                                            else getattr(config, k) != getattr(default, k))]
    if asked:
        raise ValueError(
            f"ScrubberCleaner cleans one document at a time and cannot deduplicate or learn "
            f"furniture across documents, so {', '.join(asked)} "
            "would do nothing: deduplicate after it with datatrove's MinHash stages "
            "(datatrove.pipeline.dedup), or run scrubber clean (or scrubber.clean) over its output")
