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

Case is settled before RE2 sees a line: the line's ASCII letters are
lowered (``bytes.lower``), and each pattern is written for such lines
(``for_lowered``) rather than marked case-insensitive as a whole. RE2
builds its automaton state by state as lines reach it, and a whole set
folding case had about a quarter more states to build: the first pass over
new text, which a small input never gets past, ran 20% slower (see
docs/performance.md). Letters outside ASCII keep RE2's own folding, each
in a ``(?i:…)`` of its own; case-sensitive rules are screened as if they
were not, which lets through more, never less (but for a negated class of
ASCII letters where case counts, which leaves its rule always tried).
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


#: ASCII letters screened with letters outside ASCII that fold to them:
#: RE2's (?i) matches "ſ" (long s) for "s" and the Kelvin sign for "k",
#: which lowering ASCII does not; "i" with Turkish ı and İ (_ASCII_KIN).
_FOLDS_TO = {"s": "[s\\x{17f}]", "k": "[k\\x{212a}]", "i": "[i\\x{131}\\x{130}]"}
#: Turkish dotless ı and dotted İ, which the rules' ``regex`` module takes
#: for I and i when case is ignored and RE2 does not: a lowered line spells
#: "YAZDIR" as "yazdir". Each of i, ı and İ is screened as any of them.
#: (Long s and the Kelvin sign are the only other letters outside ASCII
#: with an ASCII case partner; see _FOLDS_TO.)
_ASCII_KIN = {"ı": "iİ", "İ": "iı"}
_TURKISH_I = "\\x{131}\\x{130}"
#: Properties that lowered letters leave: matched as any letter instead.
_CASED = {"Lu", "Lt", "Ll", "Uppercase", "Lowercase", "Upper", "Lower", "Titlecase_Letter",
          "Uppercase_Letter", "Lowercase_Letter"}


def for_lowered(pattern: str, ignore_case: bool = True) -> str:
    """An RE2 pattern (``loosen``'s output) that matches a line with its
    ASCII letters lowered wherever ``pattern`` (case-insensitive with
    ``ignore_case``) matches the line: ASCII letters lowered, other letters
    and classes holding letters folded in a ``(?i:…)`` of their own,
    case-sensitive groups opened up, and upper- or lower-case properties
    widened to letters (dropped from a negated class). Raises
    ``Untranslatable`` when unsure: a negated class of ASCII letters where
    case counts ("[^A-Z]" takes "a", but cannot tell it from a lowered "A")."""
    out: list[str] = []
    folding = [ignore_case]  # per open group: whether case is ignored there
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        if ch == "\\" and i + 1 < n:
            nx = pattern[i + 1]
            if nx in "pP":
                end = pattern.index("}", i) + 1 if pattern.startswith("{", i + 2) else i + 3
                name = pattern[i + 3:end - 1] if end > i + 3 and pattern[i + 2] == "{" else pattern[i + 2:end]
                if name.lstrip("^") in _CASED:
                    if nx == "P" or name.startswith("^"):
                        raise Untranslatable(f"negated case property {pattern[i:end]}")
                    out.append(r"\p{L}")
                else:
                    out.append(pattern[i:end])
                i = end
            elif nx == "x" and pattern.startswith("{", i + 2):
                end = pattern.index("}", i) + 1
                out.append(f"(?i:{pattern[i:end]})")
                i = end
            elif nx.isalpha() and nx not in "dDwWsSbBAzvtnrf":
                raise Untranslatable(f"escape \\{nx}")
            else:
                out.append(pattern[i:i + 2])
                i += 2
            continue
        if ch == "[":
            end = _class_end(pattern, i)
            out.append(_class_for_lowered(pattern[i:end], folding[-1]))
            i = end
            continue
        if ch == "(":
            if pattern.startswith("(?-i:", i):
                out.append("(?:")  # the lowered line has no capitals to tell apart
                folding.append(False)
                i += 5
                continue
            if pattern.startswith("(?i)", i):
                folding[-1] = True
                out.append("(?i)")
                i += 4
                continue
            if pattern.startswith("(?", i) and not pattern.startswith(("(?:", "(?i:"), i):
                raise Untranslatable(f"group {pattern[i:i + 5]}")
            folding.append(True if pattern.startswith("(?i:", i) else folding[-1])
            end = pattern.index(":", i) + 1 if pattern.startswith("(?", i) else i + 1
            out.append(pattern[i:end])
            i = end
            continue
        if ch == ")" and len(folding) > 1:
            folding.pop()
        if ch.isascii() and ch.isalpha():
            low = ch.lower()
            out.append(_FOLDS_TO.get(low, low))
        elif not ch.isascii() and ch.lower() != ch.upper():
            out.append(f"(?i:[{ch}{_ASCII_KIN[ch]}])" if ch in _ASCII_KIN else f"(?i:{ch})")
        else:
            out.append(ch)
        i += 1
    return "".join(out)


def _class_for_lowered(cls: str, folding: bool) -> str:
    """A class (``[…]``) of ``for_lowered``'s pattern, where case is
    ignored (``folding``) or not."""
    if _NEGATED_CASE.search(cls):
        raise Untranslatable(f"negated case property in {cls}")
    if cls.startswith("[^"):
        # A negated class must exclude no more than it did: a case
        # property goes, and where case counts, ASCII letters it may name
        # cannot be told from lowered capitals.
        cls = _CASE_PROPERTY.sub("", cls)
        if cls == "[^]":
            return "(?s:.)"
        if not folding:
            if _may_name_ascii_letters(cls):
                raise Untranslatable(f"negated class of letters where case counts: {cls}")
            return cls  # lowering leaves what it names as it was
    else:
        cls = _CASE_PROPERTY.sub(r"\\p{L}", cls)
        for kin, ascii_kin in _ASCII_KIN.items():
            cls = cls.replace(kin, kin + ascii_kin)
    letters = _CLASS_ESCAPES.sub("", cls)
    if _may_name_ascii_letters(cls):
        if not cls.startswith("[^"):
            cls = cls[:-1] + _TURKISH_I + "]"  # it may name i or I
        return f"(?i:{cls})"
    return f"(?i:{cls})" if any(c.isalpha() for c in letters) else cls


def _may_name_ascii_letters(cls: str) -> bool:
    """Whether a class may hold an ASCII letter: one written as such, by a
    code (``\\x{41}``), or inside a range ("@-Z")."""
    if "\\x" in cls:
        return True
    body = _CLASS_ESCAPES.sub("\0", cls[1:-1])  # an escape is one character, never a letter
    if any(c.isascii() and c.isalpha() for c in body):
        return True
    # an escaped end could be anything: counted as a letter
    return any("\0" in (lo, hi) or (lo <= "z" and hi >= "A") for lo, hi in _RANGE.findall(body))


#: A range inside a class, its ends as written (an escape as NUL).
_RANGE = re.compile(r"(.)-([^\]])", re.S)


#: Upper- or lower-case properties inside a class, and their negations.
_CASE_NAMES = "|".join(sorted(_CASED))
_CASE_PROPERTY = re.compile(r"\\p\{(?:%s)\}|\[:(?:upper|lower):\]" % _CASE_NAMES)
_NEGATED_CASE = re.compile(r"\\P\{(?:%s)\}|\\p\{\^(?:%s)\}|\[:\^(?:upper|lower):\]" % (_CASE_NAMES, _CASE_NAMES))
#: Escapes and property names inside a class, which are not its letters.
_CLASS_ESCAPES = re.compile(r"\\(?:[pP]\{[^}]*\}|[pP].|x\{[^}]*\}|.)|\[:[a-z]+:\]")


def _class_end(pattern: str, start: int) -> int:
    """The index just past the class that opens at ``start``."""
    j = start + 1
    if pattern.startswith("^", j):
        j += 1
    if pattern.startswith("]", j):
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        if pattern[j] == "\\":
            j += 2
        elif pattern.startswith("[:", j):
            j = pattern.index(":]", j) + 2
        else:
            j += 1
    if j >= len(pattern):
        raise Untranslatable("unterminated class")
    return j + 1


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
                rset.Add(for_lowered(loosen(pattern), ignore_case))
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
            hits = self._match(line.encode().lower())
        else:
            hits = self._set.Match(line.encode().lower().decode()) if self._set is not None else None
        if not hits:
            return self.always
        found = [self._index[h] for h in hits]
        return sorted(found + self.always) if self.always else sorted(found)
