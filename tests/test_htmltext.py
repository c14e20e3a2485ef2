import sys

import pytest

from scrubber.errors import ScrubberError
from scrubber.htmltext import to_text


def lines(text):
    return [ln.strip() for ln in text.split("\n") if ln.strip()]


def test_every_visible_block_is_a_line_and_furniture_stays_for_the_rules():
    html = (b"<html><head><title>T</title><style>p{color:red}</style><script>track()</script></head>"
            b"<body><nav><a href='/'>Home</a></nav><h1>Tram plan</h1><p>The council <b>voted</b>.</p>"
            b"<div>Share this:</div><footer>Copyright 2024</footer></body></html>")
    assert lines(to_text(html, "p.html")) == [
        "Home", "Tram plan", "The council voted.", "Share this:", "Copyright 2024"]


def test_text_for_readers_without_script_is_kept():
    # A page rendered by script keeps its article in <noscript> for readers
    # without it; and a <noscript> left unclosed swallows the whole page.
    rendered = (b"<html><body><div id='app'></div><noscript><h1>Tram plan</h1>"
                b"<p>The council voted for the tram.</p></noscript></body></html>")
    assert lines(to_text(rendered, "p.html")) == ["Tram plan", "The council voted for the tram."]
    unclosed = (b"<html><body><noscript><div id='nojs'></noscript><div><h1>Orso marsicano</h1>"
                b"<p>Un anno da record per l'orso.</p></div></body></html>")
    assert lines(to_text(unclosed, "p.html")) == ["Orso marsicano", "Un anno da record per l'orso."]


def test_alt_texts_are_not_text():
    page = b"<p>The council voted.</p><img src='a.jpg' alt='Photo of the mayor at the council meeting'>"
    assert lines(to_text(page, "p.html")) == ["The council voted."]


def test_list_items_carry_no_bullets():
    assert lines(to_text(b"<ul><li>News</li><li>Sport</li></ul>", "p.html")) == ["News", "Sport"]


def test_the_encoding_comes_from_the_page_or_the_http_charset():
    page = "<html><head><meta charset='windows-1252'></head><body><p>Caf\u00e9 cr\u00e8me</p></body></html>"
    assert lines(to_text(page.encode("cp1252"), "p.html")) == ["Caf\u00e9 cr\u00e8me"]
    bare = "<p>na\u00efve</p>".encode("latin-1")
    assert lines(to_text(bare, "p.html", charset="latin-1")) == ["na\u00efve"]


@pytest.mark.parametrize("charset, words", [
    ("windows-1250", "The council said za\u017c\u00f3\u0142\u0107 g\u0119\u015bl\u0105 ja\u017a\u0144 on Tuesday, officials said."),
    ("shift_jis", "The mayor of \u6771\u4eac said on Tuesday that the plan would go ahead, officials said."),
])
def test_a_meta_charset_is_read_before_the_bytes_are_guessed(charset, words):
    # mostly ASCII pages: guessing from the bytes alone gives cp1252 mojibake
    page = f'<!DOCTYPE html><html><head><meta charset="{charset}"></head><body><p>{words}</p></body></html>'
    assert lines(to_text(page.encode(charset), "p.html")) == [words]


def test_an_unknown_http_charset_falls_back_to_the_page():
    assert lines(to_text("<p>Caf\u00e9</p>".encode(), "p.html", charset="x-made-up")) == ["Caf\u00e9"]


def test_without_resiliparse_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "resiliparse", None)
    with pytest.raises(ScrubberError, match=r"^p.html: reading HTML needs resiliparse, which is not installed: pip install 'resiliparse>=2.0'$"):
        to_text(b"<p>x</p>", "p.html")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-be", "utf-32", "utf-32-be"])
def test_a_page_with_a_utf16_or_utf32_mark_is_decoded_by_it(encoding):
    mark = "\ufeff" if encoding.endswith("-be") else ""  # the codec without byte order writes its own
    page = (mark + "<html><body><p>A page in UTF-32 or UTF-16.</p></body></html>").encode(encoding)
    assert lines(to_text(page, "p.html")) == ["A page in UTF-32 or UTF-16."]
    assert lines(to_text(page, "p.html", charset="iso-8859-1")) == ["A page in UTF-32 or UTF-16."]
    lone_mark = page[:4 if "32" in encoding else 2]
    assert to_text(lone_mark, "p.html") == ""  # an empty page, not the mark read as Latin-1


def test_a_utf8_mark_outranks_the_http_charset():
    # As in browsers (WHATWG's encoding sniffing): read as Latin-1, the mark
    # is text before <html>, which pulls the <title> into the body.
    page = "\ufeff<html><head><title>T</title></head><body><p>Gr\u00fc\u00dfe aus K\u00f6ln</p></body></html>"
    assert lines(to_text(page.encode(), "p.html", charset="iso-8859-1")) == ["Gr\u00fc\u00dfe aus K\u00f6ln"]
