from scrubber.repair import fix_whitespace, repair


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
