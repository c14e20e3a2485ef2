"""A linear-time pre-filter that tells which rules could match a line.

Most lines match no rule, yet trying each rule's ``regex`` pattern on each
line costs a call per rule (and more under a timeout): 17 rules ran at about
3 MB/s. RE2 matches a whole set of patterns in one pass over a line, in time
linear in its length, so a pathological pattern cannot hang it. Its syntax
and semantics differ from the ``regex`` module's, so each rule enters the set
as a *looser* translation: a superset of what the rule matches (word
boundaries dropped, ``\\w``/``\\d``/``\\s`` widened to Unicode classes, long
counted repetitions left open). A line the set rejects cannot match the
rule; a line it accepts is tried with the rule's own pattern, under its
timeout, so what fires is exactly what the rules say. A rule that does not
translate (look-arounds, possessive quantifiers, ``\\X`` …) is simply always
tried.
"""

from __future__ import annotations

import re

import re2

# Widened escapes, outside and inside a character class (RE2's own \W \D \S
# are ASCII-based and so already wider than the regex module's). \w of the regex
# module is Alphabetic, marks, decimal digits and connector punctuation;
# letters, marks, numbers, connectors and symbols cover it.
_WIDE = {
    "w": (r"[\p{L}\p{M}\p{N}\p{Pc}\p{So}]", r"\p{L}\p{M}\p{N}\p{Pc}\p{So}"),
    "d": (r"\p{N}", r"\p{N}"),
    "s": (r"[\s\p{Z}\x{85}\x{0b}\x{1c}-\x{1f}]", r"\s\p{Z}\x{85}\x{0b}\x{1c}-\x{1f}"),
}
_DROP = {"b", "B"}  # zero-width: dropping it only loosens the pattern
# {m,n} with a large n multiplies RE2's automaton; {m,} accepts more and is small.
_COUNTED = re.compile(r"\{(\d+),(\d+)\}")
#: The automaton's memory budget; the set of shipped rules needs ~20 MB.
MAX_MEM = 256 << 20


class Untranslatable(ValueError):
    pass


def loosen(pattern: str) -> str:
    """An RE2 pattern that matches at least wherever ``pattern`` (regex
    module syntax) matches. Raises ``Untranslatable`` when unsure."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = negated = False
    class_start = 0
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nx = pattern[i + 1]
            if nx.lower() in _WIDE and in_class and negated:
                raise Untranslatable(f"\\{nx} in a negated class cannot be widened safely")
            if nx in _WIDE:
                out.append(_WIDE[nx][in_class])
            elif nx in _DROP and not in_class:
                pass
            else:
                out.append(pattern[i:i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class, class_start = True, i
            negated = pattern.startswith("^", i + 1)
        elif ch == "]" and in_class and i > class_start + 1 + negated:
            in_class = False
        out.append(ch)
        i += 1
    text = "".join(out)
    return _COUNTED.sub(lambda m: m[0] if int(m[2]) <= 3 else "{%s,}" % m[1], text)


class Prefilter:
    """Which of a list of patterns could match a line.

    ``possible(line)`` returns the indices (ascending) of the patterns that
    may match it: those the RE2 set accepts plus those it could not take.
    """

    def __init__(self, patterns: list[tuple[str, bool]]):
        """``patterns``: (regex-module pattern, ignore_case) pairs."""
        self.always: list[int] = []
        self._set = None
        self._match = None
        self._index: list[int] = []  # RE2 set index -> pattern index
        options = re2.Options()
        options.max_mem = MAX_MEM
        # RE2 would log each pattern it cannot parse from C++ to standard
        # error, past --quiet; not translating one is expected, not an error.
        options.log_errors = False
        rset = re2.Set.SearchSet(options)
        for i, (pattern, ignore_case) in enumerate(patterns):
            try:
                rset.Add(("(?i)" if ignore_case else "") + loosen(pattern))
                self._index.append(i)
            except Exception:  # Untranslatable, or RE2 refusing the syntax
                self.always.append(i)
        if self._index:
            try:
                rset.Compile()
                self._set = rset
                # The binding's own Match takes bytes; the wrapper's encodes
                # and checks the type on every line, a third of the call.
                raw = getattr(rset, "_set", None)
                self._match = raw.Match if raw is not None and hasattr(raw, "Match") else None
            except Exception:
                self.always = list(range(len(patterns)))
                self._index = []

    def possible(self, line: str) -> list[int]:
        if self._match is not None:
            hits = self._match(line.encode())
        else:
            hits = self._set.Match(line) if self._set is not None else None
        if not hits:
            return self.always
        found = [self._index[h] for h in hits]
        return sorted(found + self.always) if self.always else sorted(found)
