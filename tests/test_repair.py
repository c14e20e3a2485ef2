import ftfy
import pytest

import sys

from scrubber.repair import (_ODD_SPACES, FTFY_CONFIG, LONG_LINE, fix_unicode, fix_whitespace, needs_ftfy, pieces,
                             repair, spaced_evenly)


def test_mojibake_is_fixed():
    text, changed = repair("Poland\u00e2\u20ac\u2122s representative")
    assert text == "Poland\u2019s representative"
    assert changed


def test_clean_ascii_is_untouched_and_not_counted():
    assert repair("Plain text. Nothing to fix.") == ("Plain text. Nothing to fix.", False)


def test_typographic_quotes_width_and_ligatures_are_the_authors():
    s = "\u201cQuoted\u201d \u2018single\u2019 \uff21\uff22\uff23 \ufb01nal"
    assert repair(s)[0] == s


def test_html_entities_and_control_characters():
    assert repair("Tom &amp; Jerry\x07 &eacute;t\u00e9")[0] == "Tom & Jerry \u00e9t\u00e9"


def test_unicode_is_nfc():
    assert repair("cafe\u0301 ok")[0] == "caf\u00e9 ok"


def test_whitespace_keeps_paragraphs_and_single_line_breaks():
    raw = "  Title  \r\n\r\n\r\n\r\nFirst   line\t\there \nsecond line\u00a0\n\n\n\nLast  "
    assert fix_whitespace(raw) == "Title\n\nFirst line here\nsecond line\n\nLast"


def test_a_line_of_invisible_characters_is_blank_but_they_stay_inside_text():
    raw = "First paragraph.\n\u200b\nSecond \u200b\u00ad paragraph.\n \u2060\u200c \n\n\nThird."
    assert fix_whitespace(raw) == "First paragraph.\n\nSecond \u200b\u00ad paragraph.\n\nThird."
    thai = "\u0e20\u0e32\u0e29\u0e32\u200b\u0e44\u0e17\u0e22"
    assert fix_whitespace(thai) == thai


def test_whitespace_other_than_space_and_newline_is_always_seen():
    assert set(_ODD_SPACES) == {chr(c) for c in range(sys.maxunicode + 1)
                                if chr(c).isspace() and chr(c) not in " \n"}
    for c in _ODD_SPACES.replace("\r", ""):  # fix_whitespace reads \r as a line break
        text = f"caf\u00e9 one{c}two"
        assert not spaced_evenly(text) and fix_whitespace(text) == "caf\u00e9 one two"
    for text in ("a  b", "a \nb", "a\n b", " a", "a "):
        assert not spaced_evenly(text)
    assert spaced_evenly("One line.\n\nTwo lines\nhere.")


def test_controls_that_are_whitespace_separate_words():
    # ftfy deletes every C0 control but tab, newline, form feed and CR; the
    # vertical tab (Word's line break inside a paragraph) and the
    # information separators are whitespace to str.split, so they become a
    # space, not nothing that runs two words together.
    for c in "\x0b\x1c\x1d\x1e\x1f":
        assert repair(f"First line{c}second line") == ("First line second line", True)
        assert repair(f"Poland\u00e2\u20ac\u2122s{c}{c}next") == ("Poland\u2019s next", True)
    assert repair("bell\x07and NUL\x00gone") == ("belland NULgone", True)  # other controls still go

# The pre-check decides whether ftfy runs at all; it must never skip a text
# ftfy would change. Each case: (text, whether ftfy changes it).
PRECHECK_CASES = [
    ("Poland\u00e2\u20ac\u2122s representative", True),          # UTF-8 read as Windows-1252
    ("\u00c3\u00a9t\u00c3\u00a9 \u00c3\u00a0 Paris", True),       # été à Paris, doubly encoded
    ("first line\n\u00c3 la carte", True),                         # BADNESS_RE's ^ branch, on a later line
    ("\u00c2 la carte, first line", True),                          # ... and on the first
    ("\u0432\u0402\u2122 Cyrillic mojibake", True),                # ’ read as Windows-1251
    ("Tom &amp; Jerry", True),
    ("bell\x07 and C1 \x85 controls", True),
    ("\u201cCurly\u201d quotes, caf\u00e9, na\u00efve, \u00a9 2024 \u2014 fine", False),
    ("\u041f\u0440\u0438\u0432\u0435\u0442, \u043c\u0438\u0440! \u0394\u03b5\u03bd", False),  # Russian, Greek
    ("\u00c9l\u00e8ve \u00e0 l\u2019\u00e9cole, \u00bfqu\u00e9 tal?", False),
]


@pytest.mark.parametrize("text, changes", PRECHECK_CASES)
def test_precheck_runs_ftfy_whenever_ftfy_would_change_the_text(text, changes):
    assert (ftfy.fix_text(text, FTFY_CONFIG) != text) == changes
    if changes:
        assert needs_ftfy(text)
    assert fix_unicode(text) == ftfy.fix_text(text, FTFY_CONFIG)


def test_only_flagged_lines_go_to_ftfy_with_the_configuration_it_would_use():
    # ftfy stops unescaping entities from the first line with a "<" on
    text = "Tom &amp; Jerry\nPoland\u00e2\u20ac\u2122s <b>\n&amp; caf\u00e9\n\n\u00c3 la carte\n"
    fixed = fix_unicode(text)
    assert fixed == ftfy.fix_text(text, FTFY_CONFIG)
    assert fixed.startswith("Tom & Jerry\nPoland\u2019s <b>\n&amp; caf\u00e9\n")


def test_a_document_on_one_line_is_repaired_as_its_lines_would_be():
    # 40 kB on one line: ftfy sees it in pieces cut at spaces, so the
    # mojibake near its end is fixed and the entity before a "<" stays, as
    # ftfy leaves entities on a line that holds markup.
    sentence = "The \u201cquick\u201d brown fox jumps over the lazy dog. "
    line = "Tom &amp; Jerry " + sentence * 700 + "Poland\u00e2\u20ac\u2122s <b> " + sentence * 50 + "caf\u00c3\u00a9"
    assert len(line) > 2 * LONG_LINE
    fixed = fix_unicode(line)
    assert fixed == ftfy.fix_text(line, FTFY_CONFIG)
    assert fixed.startswith("Tom &amp; Jerry") and "Poland\u2019s <b>" in fixed and fixed.endswith("caf\u00e9")


def test_long_lines_are_cut_only_after_a_space_or_ideographic_stop():
    text = "\u00c3\u00a9" * 30 + " " + "x" * 50 + "\u3002" + "y" * 50
    assert pieces(text, size=10) == ["\u00c3\u00a9" * 30 + " ", "x" * 50 + "\u3002", "y" * 50]
    assert pieces("\u6f22" * 100, size=10) == ["\u6f22" * 100]  # nowhere to cut: whole
    assert "".join(pieces(text * 3, size=7)) == text * 3


def test_precheck_skips_clean_non_ascii_text():
    assert not needs_ftfy("\u201cCurly\u201d quotes and caf\u00e9 \u2014 nothing to repair")


# --- one call reaches the fixed point (issue 23, item 17) --------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from scrubber import clean_text  # noqa: E402


@pytest.mark.parametrize("text", ["x\xa0\u00c3\u00a9", "\u00c2\t\u00b6", "a&amp;nbsp;\u00c3\u00a9"])
def test_repair_reaches_its_fixed_point_in_one_call(text):
    once = repair(text)[0]
    assert repair(once)[0] == once


# Characters that make mojibake, entities and odd spaces, mixed with plain ones.
_TRICKY = st.text(st.sampled_from(list("aé xÃÂ©¶€™\xa0\t\n\r&;#nbsp\u2028\u200b\u00ad\u2060\x85â€\u201d\u00e2\u0080\u0099")),
                  max_size=12)


@settings(max_examples=2000, deadline=None)
@given(_TRICKY)
def test_repair_is_idempotent(text):
    once = repair(text)[0]
    assert repair(once)[0] == once


@settings(max_examples=300, deadline=None)
@given(_TRICKY)
def test_clean_text_is_idempotent_without_learned_steps(text):
    once = clean_text(text, classifier=False, heuristics=False)
    assert clean_text(once, classifier=False, heuristics=False) == once
