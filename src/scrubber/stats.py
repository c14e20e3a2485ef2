"""Counters of a run under stable names, and the summary a user reads."""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable

#: The counters every run reports, in the order the summary gives them.
NAMES = (
    "documents_in", "documents_out", "bytes_in", "files", "dropped_empty",
    "dropped_short", "clusters", "duplicates_dropped", "duplicates_marked",
    "lines_removed", "spans_removed", "documents_repaired", "invalid_utf8_bytes",
    "legacy_encoding_files", "legacy_encoding_records", "bad_inputs", "files_ignored",
    "halved_by_rule", "halved_by_heuristic", "halved_by_classifier", "documents_spared",
)
#: Steps whose ``halved_by_<step>`` counter tells how many documents lost
#: more than half their text to that one step.
STEPS = ("rule", "heuristic", "classifier")
#: Reasons the summary names; the others are counted together (``--stats``
#: has them all, in ``removed_by_reason``).
TOP_REASONS = 8


@dataclass
class Stats:
    """A run's counters, filled as its output is iterated: pass one to
    ``clean(..., stats=)`` or read ``Pipeline.stats``.

    ``counts`` holds the counters under the stable names of ``NAMES``
    (``documents_in``, ``dropped_short``, ``bad_inputs`` …) and a few more
    when they happen; ``removed`` counts removals by reason; ``seconds``
    is the run's wall time. ``summary()`` is what the command prints,
    ``to_dict()`` what ``--stats`` writes.
    """

    counts: Counter = field(default_factory=Counter)
    #: removals, lines and spans alike, by reason (``rule:<id>`` / ``heuristic:<name>``)
    removed: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict:
        """The counters as plain JSON (what ``--stats`` writes): every name
        of ``NAMES`` (0 when it never happened) first, then the others
        sorted, ``removed_by_reason`` most frequent first, ``seconds``."""
        d = {name: self.counts.get(name, 0) for name in NAMES}
        d.update({k: v for k, v in sorted(self.counts.items()) if k not in d})
        d["removed_by_reason"] = dict(sorted(self.removed.items(), key=lambda kv: (-kv[1], kv[0])))
        d["seconds"] = round(self.seconds, 3)
        return d

    def summary(self) -> str:
        """One paragraph for standard error at the end of a run."""
        c = self.counts
        mb = c["bytes_in"] / 1e6
        size = f"{mb:.1f} MB" if mb >= 0.1 else f"{c['bytes_in'] / 1e3:.1f} kB"
        parts = [f"{counted(c['documents_in'], 'document')} in ({size}), {c['documents_out']} out"]
        if c["dropped_empty"] or c["dropped_short"]:
            parts.append(f"{c['dropped_empty']} empty and {c['dropped_short']} too short after cleaning dropped")
        parts.append(f"{counted(c['clusters'], 'near-duplicate cluster')}, "
                     f"{counted(c['duplicates_dropped'], 'duplicate')} dropped"
                     + (f", {c['duplicates_marked']} marked" if c["duplicates_marked"] else "")
                     # A rerun of a batch the index already took keeps nothing: say why.
                     + (f" ({counted(c['duplicates_of_index'], 'copy', 'copies')} of documents in the index)"
                        if c["duplicates_of_index"] else ""))
        ranked = sorted(self.removed.items(), key=lambda kv: (-kv[1], kv[0]))
        top = ", ".join(f"{k} {v}" for k, v in ranked[:TOP_REASONS])
        if len(ranked) > TOP_REASONS:  # else the list reads as the whole count and falls short of it
            rest = ranked[TOP_REASONS:]
            top += (f", {sum(v for _, v in rest)} more by {len(rest)} other "
                    f"reason{'s' if len(rest) > 1 else ''}")
        parts.append(f"{counted(c['lines_removed'], 'line')} and {counted(c['spans_removed'], 'span')} removed"
                     + (f" ({top})" if top else ""))
        halved = [f"{s} {c[f'halved_by_{s}']}" for s in STEPS if c[f"halved_by_{s}"]]
        if halved:
            n = sum(c[f"halved_by_{s}"] for s in STEPS)
            parts.append(f"{counted(n, 'document')} lost over half {'its' if n == 1 else 'their'} "
                         f"text to one step ({', '.join(halved)})")
        if n := c["documents_spared"]:
            their = "its" if n == 1 else "their"
            parts.append(f"{counted(n, 'document')} kept {their} corpus furniture "
                         f"(it would have taken over half {their} words)")
        parts.append(f"{counted(c['documents_repaired'], 'document')} repaired"
                     + (f", {counted(c['invalid_utf8_bytes'], 'invalid UTF-8 byte')} replaced" if c["invalid_utf8_bytes"] else "")
                     + (f", {counted(c['legacy_encoding_files'], 'file')} read as Latin-1" if c["legacy_encoding_files"] else "")
                     + (f", {counted(c['legacy_encoding_records'], 'JSONL record')} read as Latin-1"
                        if c["legacy_encoding_records"] else ""))
        if c["warc_records_skipped"]:
            why = ", ".join(f"{k[len('warc_skipped_'):].replace('_', ' ')} {v}"
                            for k, v in sorted(c.items()) if k.startswith("warc_skipped_"))
            parts.append(f"{counted(c['warc_records_skipped'], 'WARC record')} skipped ({why})")
        timeouts = sorted(((k.split(":", 1)[1], v) for k, v in c.items()
                           if k.startswith("rule_timeouts:") and v), key=lambda kv: (-kv[1], kv[0]))
        if timeouts:
            parts.append(f"{counted(sum(v for _, v in timeouts), 'rule match', 'rule matches')} timed out, lines kept ("
                         + ", ".join(f"{k} {v}" for k, v in timeouts) + ")")
        if c["documents_too_long"] or c["documents_truncated"]:
            parts.append(f"{counted(c['documents_too_long'], 'document')} over --max-doc-bytes skipped, "
                         f"{c['documents_truncated']} truncated")
        parts.append(f"{counted(c['bad_inputs'], 'bad input')} skipped")
        rate = f", {mb / self.seconds:.1f} MB/s" if self.seconds > 0 else ""
        return "scrubber: " + "; ".join(parts) + f"; {self.seconds:.2f} s{rate}."


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun`` in the number it takes: "1 document", "2 documents"."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


def check_stats(stats: object, caller: str) -> None:
    """Refuse a ``stats=`` that is not a ``Stats`` (or None), naming the
    caller: a dict failed at the first record, with an AttributeError."""
    if stats is not None and not isinstance(stats, Stats):
        raise TypeError(f"{caller} takes a scrubber.Stats or None as stats, not {type(stats).__name__}")


log = logging.getLogger("scrubber")


def warn_timeouts(counts: Counter, new: Iterable[str], config, said: set[str]) -> None:
    """Say, once a run, that a rule among the counters ``new`` has now timed
    out ``rule_max_timeouts`` times in all (``counts``). Said by the main
    process, not in each worker (or Ray task) that switched it off."""
    for key in new:
        if key.startswith("rule_timeouts:") and counts[key] >= config.rule_max_timeouts \
                and key not in said:
            said.add(key)
            reason = key.split(":", 1)[1]
            log.warning("%s timed out on %d lines (over %s s each), those lines kept; after %d "
                        "timeouts in a batch of documents it is switched off for the rest of "
                        "the batch (scrubber rules check tells which rules backtrack)",
                        reason, counts[key], config.rule_timeout, config.rule_max_timeouts)
