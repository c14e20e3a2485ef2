"""The rule engine: load, validate, compile and apply rules kept as TOML data.

A rule file holds ``[[rule]]`` tables and, optionally, a top-level
``disable = [ids]``. A rule says what text it recognises (a ``regex`` pattern,
searched in each line), what it removes (``line``: the line; ``span``: the
matched text inside the line; ``tail``: the line and everything after it),
where it may fire (``anywhere``, or only in the first or last ``lines``
non-empty lines; with ``after_body``, only once the article has begun),
optionally on which lines (``max_words``), whether what it takes stays in
a timeline (``timeline``) or as a subheading (``subheading``), and carries its
own examples: ``match`` lines it must fire on and ``no_match`` lines it must
leave alone. ``scrubber rules check`` runs those examples.
"""

from __future__ import annotations

import bisect
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Iterable, Literal

import regex

from .errors import RuleError
from .prefilter import Prefilter

ACTIONS = ("line", "span", "tail")
WHERES = ("anywhere", "head", "tail")
_KEYS = {"id", "description", "pattern", "prefilter", "action", "where", "lines", "max_words",
         "after_body", "timeline", "subheading", "quotation", "ignore_case", "match", "no_match"}


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    pattern: str
    action: Literal["line", "span", "tail"] = "line"
    where: Literal["anywhere", "head", "tail"] = "anywhere"
    #: Size of the head or tail region, in non-empty lines.
    lines: int = 0
    #: Only lines of at most this many words (0: any length). Furniture lines
    #: are short; the limit keeps a loose pattern off article paragraphs and
    #: saves matching long lines at all.
    max_words: int = 0
    #: Only on a line below the start of the article: a kept line of at
    #: least BODY_WORDS words that ends a sentence (see Cleaner._rules).
    after_body: bool = False
    #: The lines it takes stay when the document holds at least
    #: ``cleaner.TIMELINE_LINES`` of them, each between two article
    #: paragraphs: a timeline's date headings ("12 March 2020" over each
    #: entry), not a dateline (see cleaner._timeline).
    timeline: bool = False
    #: A line of one word it takes stays when it stands between two article
    #: paragraphs and the article's paragraphs use the word: a subheading
    #: ("WhatsApp" in an article about WhatsApp), not a widget's label
    #: (see cleaner._subheadings).
    subheading: bool = False
    #: A line it takes stays when the next line opens a quotation: it
    #: introduces the quotation ("The Times writes:" over the paper's words),
    #: not a comment (see heuristics.quoted_next).
    quotation: bool = False
    ignore_case: bool = True
    #: A looser pattern for the RE2 pre-filter to screen lines with in the
    #: pattern's place: it must match every line the pattern matches (the
    #: ``match`` examples are checked against it). A precise pattern whose
    #: contexts and alternatives cost RE2 automaton states can name the
    #: words any match holds instead ("" : the pattern itself).
    prefilter: str = ""
    match: tuple[str, ...] = ()
    no_match: tuple[str, ...] = ()
    #: The file the rule came from, for messages.
    source: str = ""

    @property
    def reason(self) -> str:
        return f"rule:{self.id}"


class CompiledRule:
    """A rule and its ``regex`` pattern, compiled when first used.

    Compiling the shipped packs' patterns took 0.28 s of every process's
    start (docs/performance.md), while a small input reaches few of them
    past the pre-filter."""

    __slots__ = ("rule", "_regex")

    def __init__(self, rule: Rule, pattern: regex.Pattern | None = None):
        self.rule = rule
        self._regex = pattern

    @property
    def regex(self) -> regex.Pattern:
        if self._regex is None:
            self._regex = compile_rule(self.rule).regex
        return self._regex

    def search(self, line: str, timeout: float) -> regex.Match | None:
        """The first match in ``line``, honouring ``max_words``.

        A match that runs past ``timeout`` seconds raises ``TimeoutError``:
        a pathological pattern costs one line's time, never the run, and
        the caller decides what a line with no answer means (``Cleaner``
        keeps it, counts it, and switches a rule that keeps timing out off).
        """
        if self.rule.max_words and line.count(" ") >= self.rule.max_words:
            return None
        return self.regex.search(line, timeout=timeout)


def default_rules_dir() -> Path:
    """The rule packs shipped with scrubber.

    Installed, they sit inside the package; in a source checkout they are
    the repository's top-level ``rules/``.
    """
    checkout = Path(__file__).resolve().parents[2] / "rules"
    if checkout.is_dir() and Path(__file__).resolve().parent.parent.name == "src":
        return checkout
    return Path(str(resources.files("scrubber") / "rules"))


def default_rule_files() -> list[Path]:
    return sorted(default_rules_dir().glob("*.toml"))


def parse_rule_file(path: str | Path) -> tuple[list[Rule], list[str]]:
    """Read one rule file: its rules and the ids it disables."""
    path = str(path)
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except FileNotFoundError:
        raise RuleError(path, "no such rule file") from None
    except OSError as e:
        raise RuleError(path, f"cannot read: {e.strerror}") from None
    except tomllib.TOMLDecodeError as e:
        raise RuleError(path, f"invalid TOML: {e}") from None
    except RecursionError:  # tomllib recurses per level of nesting
        raise RuleError(path, "invalid TOML: nested too deeply") from None
    except UnicodeDecodeError:
        raise RuleError(path, "not UTF-8 text") from None

    unknown_top = set(data) - {"rule", "disable"}
    if unknown_top:
        raise RuleError(path, f"unknown top-level key(s): {', '.join(sorted(unknown_top))}")
    disable = data.get("disable", [])
    if not isinstance(disable, list) or not all(isinstance(x, str) for x in disable):
        raise RuleError(path, "'disable' must be a list of rule ids")
    tables = data.get("rule", [])
    if not isinstance(tables, list):
        raise RuleError(path, "'rule' must be an array of tables ([[rule]])")

    rules, seen = [], set()
    for n, t in enumerate(tables, 1):
        rule = _rule_from_table(path, n, t)
        if rule.id in seen:
            raise RuleError(path, "defined twice in this file", rule.id)
        seen.add(rule.id)
        rules.append(rule)
    return rules, disable


def _rule_from_table(path: str, n: int, t: dict) -> Rule:
    if not isinstance(t, dict):  # `rule = [1, 2]` is valid TOML but holds no tables
        raise RuleError(path, f"rule #{n} is not a table ([[rule]] with keys)")
    rid = t.get("id")
    if not isinstance(rid, str) or not rid:
        raise RuleError(path, f"rule #{n} has no 'id'")

    def bad(problem: str) -> RuleError:
        return RuleError(path, problem, rid)

    unknown = set(t) - _KEYS
    if unknown:
        raise bad(f"unknown key(s): {', '.join(sorted(unknown))}")
    for key in ("description", "pattern"):
        if not isinstance(t.get(key), str) or not t[key]:
            raise bad(f"needs a '{key}' string")
    action, where = t.get("action", "line"), t.get("where", "anywhere")
    if action not in ACTIONS:
        raise bad(f"'action' must be one of {', '.join(ACTIONS)}, not {action!r}")
    if where not in WHERES:
        raise bad(f"'where' must be one of {', '.join(WHERES)}, not {where!r}")
    lines, max_words = t.get("lines", 0), t.get("max_words", 0)
    # TOML's true is a Python int (1): `max_words = true` silently limited a
    # rule to one-word lines, so booleans are refused by name.
    if where != "anywhere" and (isinstance(lines, bool) or not isinstance(lines, int) or lines < 1):
        raise bad(f"where = '{where}' needs 'lines', a positive whole number")
    if isinstance(max_words, bool) or not isinstance(max_words, int) or max_words < 0:
        raise bad("'max_words' must be a whole number >= 0")
    examples = {}
    for key in ("match", "no_match"):
        v = t.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad(f"'{key}' must be a list of strings")
        examples[key] = tuple(v)
    if not examples["match"]:
        raise bad("needs at least one 'match' example")
    ignore_case, after_body = t.get("ignore_case", True), t.get("after_body", False)
    if not isinstance(ignore_case, bool):
        raise bad("'ignore_case' must be true or false")
    if not isinstance(after_body, bool):
        raise bad("'after_body' must be true or false")
    screen = t.get("prefilter", "")
    if not isinstance(screen, str):
        raise bad("'prefilter' must be a string")
    timeline, subheading = t.get("timeline", False), t.get("subheading", False)
    quotation = t.get("quotation", False)
    for key, value in (("timeline", timeline), ("subheading", subheading), ("quotation", quotation)):
        if not isinstance(value, bool):
            raise bad(f"'{key}' must be true or false")
        if value and action != "line":
            raise bad(f"'{key}' needs action = 'line'")
    return Rule(id=rid, description=t["description"], pattern=t["pattern"], action=action,
                where=where, lines=lines, max_words=max_words, after_body=after_body,
                timeline=timeline, subheading=subheading, quotation=quotation, ignore_case=ignore_case,
                prefilter=screen,
                source=path, **examples)


def compile_rule(rule: Rule) -> CompiledRule:
    flags = regex.IGNORECASE if rule.ignore_case else 0
    try:
        compiled = CompiledRule(rule, regex.compile(rule.pattern, flags))
    except regex.error as e:
        raise RuleError(rule.source, f"pattern does not compile: {e}", rule.id) from None
    if rule.prefilter:
        try:
            regex.compile(rule.prefilter, flags)
        except regex.error as e:
            raise RuleError(rule.source, f"prefilter does not compile: {e}", rule.id) from None
    return compiled


def load_rules(files: Iterable[str | Path] = (), *, defaults: bool = True,
               disabled: Iterable[str] = (), known_extra: Iterable[str] = ()) -> list[Rule]:
    """The rules in force: default packs, then ``files`` in order.

    A later rule with an earlier rule's id replaces it in place. Ids in
    ``disabled`` (or in a file's ``disable`` list) are dropped; an id that
    names no rule, and is not in ``known_extra`` (heuristic names), is an
    error rather than a silent no-op.
    """
    return load_rules_and_disabled(files, defaults=defaults, disabled=disabled,
                                   known_extra=known_extra)[0]


def load_rules_and_disabled(files: Iterable[str | Path] = (), *, defaults: bool = True,
                            disabled: Iterable[str] = (), known_extra: Iterable[str] = ()
                            ) -> tuple[list[Rule], tuple[str, ...]]:
    """``load_rules``, and every id switched off: ``disabled`` and the
    files' ``disable`` lists together. A ``known_extra`` id (a heuristic,
    the classifier) named in a file must be switched off by the caller
    exactly as one passed in ``disabled`` is (``Cleaner`` does)."""
    shipped = default_rule_files() if defaults else []
    by_id: dict[str, Rule] = {}
    off: dict[str, str] = {}
    for path in shipped + [Path(f) for f in files]:
        rules, disable = parse_rule_file(path)
        for r in rules:
            if path not in shipped:  # the shipped packs' patterns are tested
                compile_rule(r)  # fail at load time, naming the file and rule
            by_id[r.id] = r
        off.update({d: str(path) for d in disable})
    off.update({d: "--disable" for d in disabled})
    for error in unknown_disabled(off.items(), {*by_id, *known_extra}):
        raise error
    return [r for rid, r in by_id.items() if rid not in off], tuple(off)


def unknown_disabled(off: Iterable[tuple[str, str]], known: Iterable[str]) -> list[RuleError]:
    """An error for each id switched off, as (id, the file or flag that
    does), that nothing in ``known`` (rule ids, heuristics, the classifier)
    has: a typo would otherwise switch off nothing, silently."""
    known = set(known)
    return [RuleError(where, f"cannot disable '{rid}': no rule or heuristic has that id")
            for rid, where in off if rid not in known]


def screened(rule: Rule) -> tuple[str, bool]:
    """What the pre-filter screens lines with for ``rule``: its
    ``prefilter`` pattern, or else its own."""
    return rule.prefilter or rule.pattern, rule.ignore_case


def check_examples(rule: Rule, timeout: float = 1.0) -> list[str]:
    """Problems with a rule's own examples; empty when they all hold.

    An example counts as matched only when the RE2 pre-filter lets it
    through as well, as a run does: the pre-filter is a translation of the
    pattern for RE2, and a line it rejects never reaches the rule."""
    c = compile_rule(rule)
    prefilter = Prefilter([screened(rule)])
    problems = []
    for want, examples in ((True, rule.match), (False, rule.no_match)):
        for ex in examples:
            try:
                got = c.search(ex, timeout) is not None
            except TimeoutError:
                problems.append(f"{rule.source}: rule '{rule.id}': times out on its example {ex!r}")
                continue
            if got != want:
                problems.append(f"{rule.source}: rule '{rule.id}': " + (
                    f"does not match its example {ex!r}" if want else f"matches its counter-example {ex!r}"))
            elif want and 0 not in prefilter.possible(ex):
                problems.append(f"{rule.source}: rule '{rule.id}': its example {ex!r} matches, but the RE2 "
                                "pre-filter rejects it, so a run never fires the rule there (RE2 reads "
                                "some syntax and case folding differently: spell the letters out, or "
                                "give the rule a looser 'prefilter' pattern)")
    if rule.where == "anywhere":
        for probe in ANY_TEXT:
            try:
                hit = c.search(probe, timeout) is not None
            except TimeoutError:
                continue
            if hit:
                problems.append(f"{rule.source}: rule '{rule.id}': matches a line of made-up words ({probe!r}), "
                                "so it would remove lines of any text (an empty alternative, '||' or '(|'?)")
                break
    return problems


#: Lines no furniture rule should match: made-up words, in two scripts. A
#: pattern with an empty alternative ("a||b") matches them, and every line.
ANY_TEXT = ("Qwv zxkt plomb", "Бвк жзщ плотн")


def off_fast_path(rules: list[Rule]) -> list[Rule]:
    """The rules whose pattern the RE2 pre-filter cannot take (look-arounds,
    possessive quantifiers, ``\\X`` …): each is tried with the ``regex``
    module on every line it may fire on, which slows every run that loads it.
    Such a rule still works; ``scrubber rules check`` names it."""
    prefilter = Prefilter([screened(r) for r in rules])
    return [rules[i] for i in prefilter.always]


#: Length of the lines ``check_backtracking`` tries; web pages have longer.
PROBE_CHARS = 2000


def check_backtracking(rule: Rule, timeout: float = 0.05) -> list[str]:
    """A problem when the rule's pattern backtracks catastrophically on a
    long line (empty when it does not seem to).

    The lines tried are made from the rule's own examples: each example
    repeated to ``PROBE_CHARS`` characters, and a run of each of their
    characters followed by one that fits nothing; nested quantifiers such
    as ``(a|a)+$`` take exponential time on the second kind. A run meets
    such a rule on a long line; ``Cleaner`` then counts it and switches it
    off, and this check says so before the run.
    """
    c = compile_rule(rule)
    probes = []
    for ex in (*rule.match, *rule.no_match):
        if ex:
            probes.append((ex + " ") * (PROBE_CHARS // (len(ex) + 1)))
        probes += [ch * PROBE_CHARS + "\x00" for ch in sorted(set(ex))[:16]]
    for probe in dict.fromkeys(probes):
        try:
            c.regex.search(probe, timeout=timeout)
        except TimeoutError:
            shown = probe[:12] + "..." if len(probe) > 12 else probe
            return [f"{rule.source}: rule '{rule.id}': pattern backtracks catastrophically: "
                    f"a {len(probe):,}-character line ({shown!r}) took over {timeout} s; "
                    "on such lines a run counts a timeout and switches the rule off"]
    return []


class RuleSet:
    """The compiled rules of a run, and a pre-filter that keeps them cheap.

    Which rules may run on a line depends on its place (head, tail) and its
    word count; which of those could match it, the RE2 pre-filter says in one
    pass (see prefilter.py). Only those are tried, in order, with their own
    patterns and timeouts, so the outcome is exactly that of trying each.
    """

    def __init__(self, rules: Iterable[Rule]):
        self.compiled = [CompiledRule(r) for r in rules]
        self.prefilter = Prefilter([screened(c.rule) for c in self.compiled])
        self._head = sorted({c.rule.lines for c in self.compiled if c.rule.where == "head"})
        self._tail = sorted({c.rule.lines for c in self.compiled if c.rule.where == "tail"})
        self._words = sorted({c.rule.max_words for c in self.compiled if c.rule.max_words})
        self._groups: dict[tuple[int, int, int], frozenset[int]] = {}

    def candidates(self, line: str, k: int, nonempty: int, after: int = -1) -> list[int]:
        """Indices (into ``compiled``, ascending) of the rules to try on
        ``line``, the ``k``-th of ``nonempty`` non-empty lines; only those
        after index ``after``."""
        possible = self.prefilter.possible(line)
        if not possible:  # most lines: one RE2 call and done
            return possible
        spaces = line.count(" ")
        key = (bisect.bisect_right(self._head, k),
               bisect.bisect_right(self._tail, nonempty - 1 - k),
               bisect.bisect_right(self._words, spaces))
        applicable = self._groups.get(key)
        if applicable is None:
            applicable = self._groups[key] = self._applicable(k, nonempty, spaces)
        return [i for i in possible if i > after and i in applicable]

    def _applicable(self, k: int, nonempty: int, spaces: int) -> frozenset[int]:
        out = set()
        for i, c in enumerate(self.compiled):
            r = c.rule
            if r.where == "head" and k >= r.lines:
                continue
            if r.where == "tail" and k < nonempty - r.lines:
                continue
            if r.max_words and spaces >= r.max_words:
                continue
            out.add(i)
        return frozenset(out)
