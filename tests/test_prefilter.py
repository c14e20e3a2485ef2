import pytest
import regex

from scrubber.prefilter import Prefilter, Untranslatable, for_lowered, loosen
from scrubber.rules import default_rule_files, parse_rule_file

# (pattern, ignore_case, lines it must be allowed to try). The looser RE2
# form must never reject a line the regex module's pattern matches.
CASES = [
    (r"^\p{Lu}\w+ is a writer\b", False, ["Émile is a writer", "Łukasz is a writer."]),
    (r"\bcaf\w\b", True, ["CAFÉ au lait", "un café"]),
    (r"^\d{1,2}\s+\p{L}+\s+\d{4}$", False, ["19 janvier 2022", "١٩ يناير ٢٠٢٢"]),
    (r"[^.!?]{2,80}$", False, ["no end punctuation here"]),
    (r"^share\s*:$", True, ["SHARE\u00a0:"]),
    # lines are screened with their ASCII letters lowered: capitals, letters
    # outside ASCII, case-sensitive parts and letters that fold to ASCII
    (r"^share this$", True, ["ſhare this", "SHARE THIS"]),
    (r"\bkilo", True, ["\u212Ailo"]),
    (r"^été$", True, ["ÉTÉ", "Été"]),
    (r"^(?-i:[\p{Lu}])\w+ wrote:$", True, ["Émile wrote:", "ANNA wrote:"]),
    (r"^[A-Z][a-z]+ \p{Lu}\.? said$", False, ["Anna K. said"]),
    (r"^(?:Foto|Bild)\s*:", False, ["Foto: dpa"]),
    # negated classes must exclude no more than they did where case counts
    (r"^[^ v]+ said$", False, ["Vera said"]),
    (r"^(?-i:[^a-z])x", True, ["AX"]),
    (r"^[^\p{Lu}]+$", False, ["abc"]),
    (r"^(?-i:[^é])x", True, ["Éx"]),
    # capitals a class names other than as letters
    (r"^[@-Z]+$", False, ["ABC"]),
    (r"^[\x41-\x5a]+$", False, ["ABC"]),
    (r"^[[:upper:]]+$", False, ["ABC"]),
    (r"^[^[:upper:]]+$", False, ["abc"]),
]


@pytest.mark.parametrize("pattern, ignore_case, lines", CASES)
def test_prefilter_never_rejects_a_line_the_rule_matches(pattern, ignore_case, lines):
    pf = Prefilter([(pattern, ignore_case)])
    rx = regex.compile(pattern, regex.I if ignore_case else 0)
    for line in lines:
        assert rx.search(line), line  # the case is meaningful
        assert pf.possible(line) == [0], line


def test_prefilter_rejects_lines_no_rule_can_match():
    pf = Prefilter([(r"^share this:?$", True), (r"^like this:?$", True)])
    assert pf.possible("A sentence of article text, long and ordinary.") == []
    assert pf.possible("Like this:") == [1]


def test_untranslatable_pattern_is_always_tried():
    pf = Prefilter([(r"^(?=.*cookies)we", True), (r"^share$", True)])
    assert pf.always == [0]
    assert pf.possible("anything at all") == [0]
    assert pf.possible("share") == [0, 1]


def test_negated_class_with_a_widened_escape_is_refused():
    with pytest.raises(Untranslatable):
        loosen(r"[^\w.]+")


def test_every_shipped_rule_passes_its_own_examples_through_the_prefilter():
    rules = [r for f in default_rule_files() for r in parse_rule_file(f)[0]]
    pf = Prefilter([(r.pattern, r.ignore_case) for r in rules])
    for i, r in enumerate(rules):
        for ex in r.match:
            assert i in pf.possible(ex), (r.id, ex)


def test_a_pattern_re2_cannot_take_is_not_logged_to_stderr(capfd):
    # RE2 logs its parse errors from C++ straight to file descriptor 2,
    # even under --quiet (issue 23, item 16); such a rule is simply always tried.
    pf = Prefilter([(r"share(?= this)", True), (r"(\w+)\s\1", False), ("plain", True)])
    assert pf.always == [0, 1]
    assert capfd.readouterr().err == ""


def test_a_negated_case_property_is_not_screened_on_lowered_lines():
    # "not a capital" cannot be told once capitals are lowered
    for pattern in (r"^\P{Lu}+$", r"^[\P{Lu}]+$", r"^[\p{^Lu}]+$"):
        with pytest.raises(Untranslatable):
            for_lowered(loosen(pattern))
    pf = Prefilter([(r"^\P{Lu}+$", False)])
    assert pf.always == [0]


def test_every_shipped_rule_passes_its_examples_in_any_case_through_the_prefilter():
    # Lines reach RE2 with their ASCII letters lowered and the patterns are
    # rewritten for that (for_lowered): whatever case a line is in, a line
    # the rule matches gets through.
    rules = [r for f in default_rule_files() for r in parse_rule_file(f)[0]]
    pf = Prefilter([(r.prefilter or r.pattern, r.ignore_case) for r in rules])
    checked = 0
    for i, r in enumerate(rules):
        rx = regex.compile(r.pattern, regex.I if r.ignore_case else 0)
        for ex in r.match:
            for line in {ex.upper(), ex.lower(), ex.swapcase(), ex.title()}:
                if rx.search(line):
                    checked += 1
                    assert i in pf.possible(line), (r.id, line)
    assert checked > 2000


_ATOMS = ["a", "A", "s", "S", "k", "K", "i", "I", "ı", "İ", "é", "É", "ß", "σ", "Σ", "ж", " ", r"\.", "1",
          "[a-c]", "[A-C]", "[^a]", "[^A]", "[sS]", "[éb]", "[^é]", "[^ı]", r"\p{Lu}", r"\p{Ll}", r"[\p{Lu}1]",
          r"[^\p{Lu}]", r"\w", r"\W", r"\s", ".", "[[:upper:]]", "[@-Z]", "[^@-Z]"]
_CHARS = "aAbBsSkKiIıİſKéÉßσςΣжЖ -.1"


def test_random_patterns_in_any_case_never_lose_a_line_they_match():
    # Small patterns of letters in both cases, classes, case properties and
    # case-sensitive groups, against short lines of the letters case folding
    # treats specially (Turkish i, long s, Kelvin sign, final sigma).
    import random
    rnd = random.Random(7)
    checked = 0
    for _ in range(400):
        atoms = [rnd.choice(_ATOMS) for _ in range(rnd.randint(1, 3))]
        atoms = [f"(?-i:{a})" if rnd.random() < 0.15 else a + rnd.choice(["", "", "+", "?"]) for a in atoms]
        pattern, ignore_case = ("^" if rnd.random() < 0.5 else "") + "".join(atoms), rnd.random() < 0.6
        rx = regex.compile(pattern, regex.I if ignore_case else 0)
        pf = Prefilter([(pattern, ignore_case)])
        for _ in range(40):
            line = "".join(rnd.choice(_CHARS) for _ in range(rnd.randint(1, 5)))
            if rx.search(line):
                checked += 1
                assert pf.possible(line) == [0], (pattern, ignore_case, line)
    assert checked > 1000
