"""Cleaning documents: repair, then rules, heuristics and the classifier.

This is the per-document step; it is pure (documents in, documents out) so
that the pipeline can run it in any number of worker processes. The
classifier takes a batch's documents together (see ``Cleaner.clean_batch``).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
import threading
from collections import OrderedDict
from typing import Iterable

from .config import Config, config_of
from .document import Document, Removal, check_document, document_name
from .classify import Model, classify_batch
from .heuristics import (AFTER_CLASSIFIER, HEURISTICS, REPORTED_SPEECH, body_line, comment_heading,
                         prose_follows, quoted_next, trailing_heading)
from . import howto
from .languages import languages
from .repair import repair, squeeze_blank_lines
from .rules import CompiledRule, Rule, RuleSet, load_rules_and_disabled
from . import scripts
from .wrapping import wrapped_runs

log = logging.getLogger("scrubber")

#: Names ``--disable`` accepts besides rule ids.
STEPS = (*HEURISTICS, "classifier")


class _BodyStart:
    """Whether a document's article has begun above a line: a kept
    ``heuristics.body_line``, or a kept line of a hard-wrapped paragraph
    (``wrapping.wrapped_runs``: e-mail and plain-text archives have no
    line of a whole sentence). Made and asked only when an ``after_body``
    rule matches, which is rare, so no line pays for it; each line is
    looked at once however often it is asked (the rules never change a
    line above the one they are on)."""

    __slots__ = ("lines", "alive", "upto", "found", "runs")

    def __init__(self, lines: list[str], alive: list[bool]):
        self.lines, self.alive, self.upto, self.found = lines, alive, 0, False
        self.runs: list[tuple[int, int]] | None = None

    def above(self, i: int) -> bool:
        if self.found:
            return True
        lines, alive = self.lines, self.alive
        for j in range(self.upto, i):
            if alive[j] and body_line(lines[j]):
                self.found = True
                break
        self.upto = max(self.upto, i)
        if not self.found:
            if self.runs is None:
                self.runs = wrapped_runs(lines)
            self.found = any(alive[j] for lo, hi in self.runs if lo < i for j in range(lo, min(hi, i)))
        return self.found


#: Lines of ``timeline`` rules, each between two article paragraphs, that
#: make a timeline: one such date is a dateline under the headline or the
#: lead; several are the headings of a timeline's entries. Over the four
#: sets' input lines, two or more dates alone were so on four pages: two
#: timelines (7 lines, in the gold), a list of teasers cut short with "..."
#: (why a paragraph must not end so) and a comment thread (2 lines, which
#: the comment-thread heuristic takes).
TIMELINE_LINES = 2
#: A time of day: a date with one stamps a comment or a post, between the
#: comments of a thread; a timeline's headings are dates alone.
_CLOCK = re.compile(r"\d{1,2}:\d{2}")


def _kept_around(lines: list[str], alive: list[bool]) -> tuple[list[int], list[int]]:
    """For each line, the index of the nearest kept non-empty line above it
    and below it (-1: none), in two passes: looking for each taken line
    would cost the square of a document of thousands of dates."""
    above, below = [-1] * len(lines), [-1] * len(lines)
    last = -1
    for i, line in enumerate(lines):
        above[i] = last
        if alive[i] and line:
            last = i
    last = -1
    for i in range(len(lines) - 1, -1, -1):
        below[i] = last
        if alive[i] and lines[i]:
            last = i
    return above, below


def _paragraph(lines: list[str], j: int) -> bool:
    """Whether line ``j`` (-1: none) is an article paragraph, not a teaser
    cut short."""
    if j < 0:
        return False
    line = lines[j].rstrip()
    return body_line(line) and not line.endswith(("...", "\u2026"))


def _timeline(lines: list[str], alive: list[bool], removals: list[Removal], taken: list[int]) -> list[int]:
    """Those of ``taken`` (lines of ``timeline`` rules, as indexes into
    ``removals``) that stand between two article paragraphs, when there are
    at least TIMELINE_LINES of them: a timeline's headings."""
    above, below = _kept_around(lines, alive)
    between = [k for k in taken if not _CLOCK.search(removals[k].text)
               and _paragraph(lines, above[removals[k].line - 1])
               and _paragraph(lines, below[removals[k].line - 1])]
    return between if len(between) >= TIMELINE_LINES else []


def _next_to_paragraph(lines: list[str], alive: list[bool], i: int, step: int) -> bool:
    """Whether the nearest non-empty line from ``i`` in direction ``step``
    is a kept article paragraph: a widget's label beside other labels (a
    share bar, gone already) is not."""
    j = i + step
    while 0 <= j < len(lines):
        if lines[j]:
            return alive[j] and body_line(lines[j])
        j += step
    return False


_WORD = re.compile(r"\w+")
#: A count on a tail rule's line ("108 comments") says a thread is there.
_COUNT = re.compile(r"\d")


def _subheadings(lines: list[str], alive: list[bool], removals: list[Removal], taken: list[int]) -> list[int]:
    """Those of ``taken`` (one-word lines of ``subheading`` rules, as
    indexes into ``removals``) that stand between two article paragraphs
    and name a word the article's paragraphs use: "WhatsApp" over a
    section of an article about WhatsApp. A share button in the text's
    flow stands between paragraphs too, but the article seldom says its
    label. Over the four sets' input lines this kept 3 lines, all in the
    gold ("Twitter", "Copy", "Like!"); 10 other one-word labels between
    paragraphs ("Tweet", "Share", "Print") went as before, none of them a
    word of its article. The
    placeholders' rules do not ask: "Werbung" stood between two paragraphs
    of an article about advertising, as the ad's label."""
    words = prose = None
    out = []
    for k in taken:
        i = removals[k].line - 1
        if not (_next_to_paragraph(lines, alive, i, -1) and _next_to_paragraph(lines, alive, i, 1)):
            continue
        if words is None:
            paragraphs = [line.casefold() for line, kept in zip(lines, alive) if kept and body_line(line)]
            words = {w for line in paragraphs for w in _WORD.findall(line)}
            prose = "\n".join(paragraphs)
        label = "".join(_WORD.findall(lines[i].casefold()))
        # Chinese or Thai paragraphs are not cut into words: "微信" is looked for in their text
        if label in words or (label and scripts.unspaced(label) and label in prose):
            out.append(k)
    return out


def _give_back(alive: list[bool], removals: list[Removal], keep: list[int]) -> None:
    """Undo the removals at indexes ``keep``."""
    for k in keep:
        alive[removals[k].line - 1] = True
    drop = set(keep)
    removals[:] = [r for k, r in enumerate(removals) if k not in drop]


@dataclasses.dataclass(slots=True)
class _Budget:
    """The rule timeouts of one batch of documents: how many each rule has
    had (index into ``Cleaner.rules``) and the rules switched off for the
    rest of the batch after ``rule_max_timeouts``."""

    total: dict[int, int] = dataclasses.field(default_factory=dict)
    off: set[int] = dataclasses.field(default_factory=set)


class Cleaner:
    """Rules compiled once for a configuration, applied to many documents.

    Build one and reuse it in a loop: building reads the rule files,
    compiles every pattern and the RE2 pre-filter and loads the model
    (some 20 ms), where cleaning a page takes about a millisecond.
    A Cleaner pickles (for worker processes, datatrove, ``datasets.map``,
    Ray) as its configuration, rules and, when not the shipped one, its
    model; unpickling compiles them again once per process, not once per
    copy (see ``_unpickle``).
    """

    def __init__(self, config: Config | None = None) -> None:
        config = config_of(config, "Cleaner()")
        rules, off = load_rules_and_disabled(config.rule_files, defaults=config.default_rules,
                                             disabled=config.disabled, known_extra=STEPS)
        # A rule file's ``disable`` may name a heuristic or the classifier:
        # it switches that off exactly as ``Config.disabled`` does. The
        # configuration kept (and pickled) says so, since a copy rebuilt in
        # another process does not read the rule files again.
        steps_off = tuple(d for d in off if d in STEPS and d not in config.disabled)
        if steps_off:
            config = dataclasses.replace(config, disabled=config.disabled + steps_off)
        model = None
        if _uses_classifier(config):
            model = Model.load(config.classifier_model)
            if config.lang is not None and config.lang not in languages():
                log.warning("no stop-word list for language %r; the classifier will do without "
                            "(lists: %s)", config.lang, ", ".join(languages()))
        self._setup(config, rules, model)

    def _setup(self, config: Config, rules: list[Rule], model: Model | None) -> None:
        self.config = config
        self.ruleset = RuleSet(rules)
        self.rules: list[CompiledRule] = self.ruleset.compiled
        on = [(name, h) for name, h in HEURISTICS.items()
              if config.heuristics and name not in config.disabled]
        self.heuristics = [h for name, h in on if name not in AFTER_CLASSIFIER]
        self.late = [h for name, h in on if name in AFTER_CLASSIFIER]
        #: Timeouts per rule (index into ``rules``) since ``take_timeouts``.
        #: Which rules a batch has switched off is the batch's own
        #: (``_Budget``): a Cleaner shared across threads is otherwise unchanged.
        self.timeouts: dict[int, int] = {}
        self.model: Model | None = model

    def __reduce__(self):
        # The RE2 set cannot be pickled, and need not be: the rules are
        # plain data. They travel rather than the rule file paths, which
        # another machine may not have. The shipped model is in every
        # installed scrubber; only a custom one travels.
        custom = self.model if self.config.classifier_model else None
        return _unpickle, (self.config, tuple(c.rule for c in self.rules), custom)

    def strip(self, text: str, scores: dict | None = None, read_as: dict | None = None
              ) -> tuple[list[str], list[bool], list[Removal]]:
        """Apply rules, heuristics and the classifier to repaired text.

        Returns the lines, which of them are kept, and what went and why.
        ``scores``, when given, is filled with the classifier's probability
        of content for each line it saw (1-based line number -> p);
        ``read_as`` with how it read the page: ``lang`` (None: a language
        without stop words) and ``offset``, how far its thresholds moved
        for that language (``Model.offset``); and ``kept``, the lines
        (1-based) the classifier's removals were given back to and why
        (``howto.give_back``).
        """
        draft = self._rules(text)
        late = self._late(draft)
        if self.model is not None:
            self._classify([draft], [scores], [read_as])
        self._drop(draft, late, read_as)
        return draft

    def _rules(self, text: str, budget: "_Budget | None" = None
               ) -> tuple[list[str], list[bool], list[Removal]]:
        """``strip`` without the classifier: rules, then the heuristics that
        do not wait for it (see ``_late``). ``budget``: the timeouts of the
        batch ``text`` is in (a fresh one: a batch of its own)."""
        budget = budget if budget is not None else _Budget()
        lines = text.split("\n")
        alive = [True] * len(lines)
        removals: list[Removal] = []
        nonempty = sum(1 for line in lines if line)
        timeout = self.config.rule_timeout
        k = -1  # index of the current line among non-empty lines
        ended = False  # a tail rule fired: the rest of the document is gone
        body: _BodyStart | None = None
        dated: list[int] = []  # removals by timeline rules (index into removals)
        worded: list[int] = []  # one-word lines removed by subheading rules
        for i, line in enumerate(lines):
            if ended:
                break
            if not line:
                continue
            k += 1
            todo = self.ruleset.candidates(line, k, nonempty)
            n = 0
            while n < len(todo):
                ri = todo[n]
                c = self.rules[ri]
                n += 1
                if ri in budget.off:
                    continue
                r = c.rule
                try:
                    m = c.search(line, timeout)
                except TimeoutError:
                    self._timed_out(ri, budget)
                    continue
                if m is None:
                    continue
                if r.action != "span" and REPORTED_SPEECH.search(line):
                    continue  # the article quoting someone, not the site speaking
                if r.quotation and quoted_next(lines, i):
                    continue  # "The Times writes:" over the paper's words
                if (r.action == "tail" and not _COUNT.search(line)
                        and prose_follows(lines, i, lambda x: self._furniture(x, k, nonempty, timeout))):
                    continue  # a section of the article: "Add a comment" in a how-to
                if r.after_body:
                    body = body or _BodyStart(lines, alive)
                    if not body.above(i):
                        continue
                if r.action == "span":
                    try:
                        line = self._cut_spans(c, line, i, removals, timeout)
                    except TimeoutError:
                        self._timed_out(ri, budget)
                        break
                    lines[i] = line
                    if not line:
                        alive[i] = False
                        break
                    # the shorter line may now be within later rules' max_words
                    todo, n = self.ruleset.candidates(line, k, nonempty, todo[n - 1]), 0
                    continue
                alive[i] = False
                removals.append(Removal(r.reason, i + 1, line))
                if r.timeline:
                    dated.append(len(removals) - 1)
                if r.subheading and " " not in line.strip():
                    worded.append(len(removals) - 1)
                if r.action == "tail":
                    for j in range(i + 1, len(lines)):
                        if lines[j] and alive[j]:
                            alive[j] = False
                            removals.append(Removal(r.reason, j + 1, lines[j]))
                    ended = True
                break
        if len(dated) >= TIMELINE_LINES or worded:
            keep = _timeline(lines, alive, removals, dated) if len(dated) >= TIMELINE_LINES else []
            keep += _subheadings(lines, alive, removals, worded) if worded else []
            _give_back(alive, removals, keep)
        for h in self.heuristics:
            h(lines, alive, removals)
        return lines, alive, removals

    def _furniture(self, line: str, k: int, nonempty: int, timeout: float) -> bool:
        """Whether a line rule would take ``line`` (placed as the ``k``-th
        non-empty line), as far as can be told without its neighbours."""
        for ri in self.ruleset.candidates(line, k, nonempty):
            r = self.rules[ri].rule
            if r.action != "span":  # after_body too: these lines are below the article
                try:
                    if self.rules[ri].search(line, timeout):
                        return True
                except TimeoutError:
                    continue
        return False

    def _late(self, draft: tuple[list[str], list[bool], list[Removal]]) -> list[Removal]:
        """What the heuristics that wait for the classifier (``AFTER_CLASSIFIER``)
        would remove from ``draft`` as the rules and the other heuristics
        left it; ``draft`` itself is not changed."""
        if not self.late:
            return []
        lines, alive, _ = draft
        seen, out = alive.copy(), []
        for h in self.late:
            h(lines, seen, out)
        return out

    def _drop(self, draft: tuple[list[str], list[bool], list[Removal]], late: list[Removal],
              read_as: dict | None = None) -> None:
        """Give back what the classifier took inside a how-to's steps or a
        recipe's ingredients (``howto``; why, in ``read_as["kept"]``), then
        remove ``late``'s lines from ``draft``, those the classifier kept,
        and then a comment heading the page would end on (``trailing_heading``)."""
        lines, alive, removals = draft
        given = howto.give_back(lines, alive, removals)
        if read_as is not None and given:
            read_as["kept"] = given
        for r in late:
            if alive[r.line - 1]:
                alive[r.line - 1] = False
                removals.append(r)
        if comment_heading in self.late:
            trailing_heading(lines, alive, removals)

    def _classify(self, drafts: list[tuple[list[str], list[bool], list[Removal]]],
                  scores: list[dict | None], read_as: list[dict | None] | None = None) -> None:
        """Run the classifier over the lines the rules and heuristics left in
        each of ``drafts`` (what ``_rules`` returns), all documents in one
        batch (see ``classify.classify_batch``), and mark what it drops."""
        cfg = self.config
        idxs = [[i for i, line in enumerate(lines) if alive[i] and line] for lines, alive, _ in drafts]
        verdicts = classify_batch([[d[0][i] for i in idx] for d, idx in zip(drafts, idxs)],
                                  self.model, cfg.favor, cfg.lang)
        for (lines, alive, removals), idx, v, sc, ra in zip(drafts, idxs, verdicts, scores,
                                                           read_as or [None] * len(drafts)):
            if not idx:
                continue
            p = v.p.tolist()
            if sc is not None and v.judged:  # a short page is left to the rules, unjudged
                sc.update((i + 1, p[j]) for j, i in enumerate(idx))
            if ra is not None and v.judged:
                ra.update(lang=v.lang, offset=self.model.offset(v.lang))
            why = v.why
            gone = [j for j, w in enumerate(why) if w is not None]
            for j in gone:
                alive[idx[j]] = False
            removals.extend([Removal(why[j], idx[j] + 1, lines[idx[j]], None, round(p[j], 3))
                             for j in gone])

    def _timed_out(self, i: int, budget: "_Budget") -> None:
        """A match of rule ``i`` ran past ``rule_timeout``: its line is left
        as if the rule did not match, the timeout is counted, and after
        ``rule_max_timeouts`` the rule is off for the rest of ``budget``'s
        batch (see ``clean_batch``)."""
        self.timeouts[i] = self.timeouts.get(i, 0) + 1
        budget.total[i] = total = budget.total.get(i, 0) + 1
        if total >= self.config.rule_max_timeouts:
            budget.off.add(i)

    def take_timeouts(self) -> dict[str, int]:
        """Timeouts since the last call, as counters ``rule_timeouts:<reason>``."""
        out = {f"rule_timeouts:{self.rules[i].rule.reason}": n for i, n in self.timeouts.items()}
        self.timeouts = {}
        return out

    @staticmethod
    def _cut_spans(c: CompiledRule, line: str, i: int, removals: list[Removal],
                   timeout: float) -> str:
        """``line`` without ``c``'s matches; raises ``TimeoutError`` (and
        cuts nothing) when a match runs past ``timeout``."""
        out, pos, cut = [], 0, []
        for m in c.regex.finditer(line, timeout=timeout):
            if m.end() > m.start():
                out.append(line[pos:m.start()])
                cut.append(Removal(c.rule.reason, i + 1, m.group(), (m.start(), m.end())))
                pos = m.end()
        removals.extend(cut)
        out.append(line[pos:])
        return " ".join(part.strip() for part in out if part.strip())

    def clean(self, doc: Document) -> Document:
        """A new document with repaired text and furniture removed."""
        return self.clean_batch([doc])[0]

    def clean_batch(self, docs: Iterable[Document]) -> list[Document]:
        """``clean`` for each of ``docs``: repair, rules and heuristics per
        document, then the classifier once for all of them (its cost was
        numpy's per-call overhead on each document's few dozen lines).

        A rule that times out ``rule_max_timeouts`` times is off for the rest
        of the batch, not of the process: a batch is cleaned alike whichever
        worker gets it after whichever others."""
        # Read twice below (repair, then the final zip): a generator would
        # be empty the second time and every document silently lost.
        docs = [check_document(d, document_name(d, n)) for n, d in enumerate(docs, 1)]
        budget = _Budget()
        fixed = [repair(doc.text) for doc in docs]
        drafts = [self._rules(text, budget) for text, _ in fixed]
        late = [self._late(draft) for draft in drafts]
        if self.model is not None:
            self._classify(drafts, [None] * len(drafts))
        for draft, found in zip(drafts, late):
            self._drop(draft, found)
        return [self._cleaned(doc, text, repaired, draft)
                for doc, (text, repaired), draft in zip(docs, fixed, drafts)]

    @staticmethod
    def _cleaned(doc: Document, text: str, repaired: bool,
                 draft: tuple[list[str], list[bool], list[Removal]]) -> Document:
        lines, alive, removals = draft
        if removals:
            text = squeeze_blank_lines("\n".join([line for line, keep in zip(lines, alive) if keep]))
        return Document(doc.id, text, doc.meta, doc.origin, removals, int(repaired))

    def clean_text(self, text: str) -> str:
        """``text`` repaired and stripped of its furniture."""
        check_text(text)
        return self.clean(Document("", text)).text


def check_text(text: object) -> None:
    """Refuse a text that is not a ``str``, saying what to do with bytes."""
    if not isinstance(text, str):
        kind = "bytes: decode it first, e.g. text.decode('utf-8')" if isinstance(text, (bytes, bytearray)) \
            else type(text).__name__
        raise TypeError(f"clean_text() takes a str, not {kind}")


def _uses_classifier(config: Config) -> bool:
    return config.classifier and "classifier" not in config.disabled


#: Cleaners kept by ``cleaner_for`` and ``_unpickle``: a few configurations
#: in use at once is the norm; more are rebuilt as needed.
CACHE_SIZE = 8
_cache: OrderedDict[tuple, Cleaner] = OrderedDict()
_cache_lock = threading.Lock()


def _stamp(path: str) -> tuple:
    try:
        st = os.stat(path)
    except OSError:
        return (path, None)  # building will say what is wrong with it
    return (path, st.st_mtime_ns, st.st_size)


def _cached(key: tuple, build) -> Cleaner:
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    made = build()  # outside the lock: a build takes a while and may fail
    with _cache_lock:
        _cache[key] = made
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return made


def cleaner_for(config: Config) -> Cleaner:
    """A Cleaner for ``config``, built once and then shared (what
    ``clean_text`` and ``Pipeline`` use, so that calling them in a loop
    does not rebuild it each time).

    The cache holds the last ``CACHE_SIZE`` configurations, keyed by the
    frozen Config and the size and modification time of its rule files and
    model, so that a rule file edited between two calls is read again. A
    Cleaner's rules and model never change once built, and the rules a
    batch switches off for timing out are that batch's own, so sharing it,
    across threads too, cannot leak one call's state into another (only the
    count of timeouts ``take_timeouts`` hands out is shared).
    """
    stamps = tuple(_stamp(str(p)) for p in config.rule_files)
    if config.classifier_model:
        stamps += (_stamp(config.classifier_model),)
    try:
        key = ("config", config, stamps)
        hash(key)
    except TypeError:  # a Config made with lists rather than tuples
        return Cleaner(config)
    return _cached(key, lambda: Cleaner(config))


def _unpickle(config: Config, rules: tuple[Rule, ...], model: Model | None) -> Cleaner:
    """A pickled Cleaner, rebuilt from its rules; copies of one Cleaner
    unpickled in the same process share one rebuilt Cleaner."""

    def build() -> Cleaner:
        c = Cleaner.__new__(Cleaner)
        c._setup(config, list(rules), model if model is not None or not _uses_classifier(config)
                 else Model.load(None))
        return c

    if model is not None:  # numpy arrays: not a key; rare enough to rebuild
        return build()
    try:
        key = ("rules", config, rules)
        hash(key)
    except TypeError:
        return build()
    return _cached(key, build)
