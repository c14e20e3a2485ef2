"""HTML to text the way Common Crawl's WET files have it.

Every visible block (paragraph, heading, list item, table cell, menu entry)
on its own line, ``<noscript>`` text included, scripts, styles, hidden
elements and images' alt texts gone, and nothing else
judged: menus, footers and share buttons stay in, for scrubber's own rules,
heuristics and classifier to remove with a recorded reason. A main-content
extractor would drop them silently instead, and unevenly from page to page.
Uses resiliparse (the ``html`` extra), whose
``extract_plain_text(main_content=False)`` is this conversion at C speed.
"""

from __future__ import annotations

import codecs

from .decoding import wide_encoding
from .errors import InputError
from .extras import need


def to_text(data: bytes, where: str, charset: str | None = None) -> str:
    """The visible text of an HTML page given as bytes.

    ``charset`` is the one the HTTP headers declare, if any; otherwise
    UTF-8 when the bytes are valid UTF-8, else the encoding is detected
    from the page (its meta tag, else its bytes).
    """
    need("resiliparse", "html", where, "reading HTML")
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding
    from resiliparse.parse.html import HTMLParserException

    wide = wide_encoding(data[:4])
    if wide:
        # A byte-order mark outranks any declared charset, as in browsers;
        # detection misses UTF-32, and a mark alone is an empty page.
        data, charset = data.decode(wide, "replace").encode("utf-8"), None
    elif data.startswith(codecs.BOM_UTF8):
        # The UTF-8 mark too: read in the declared charset, it is text
        # before <html>, and the <title> lands in the body.
        data, charset = data[len(codecs.BOM_UTF8):], "utf-8"
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:  # a server's made-up charset: the page's own bytes decide
            charset = None
    if charset:
        html = bytes_to_str(data, charset)
    else:
        try:
            # Valid UTF-8 is UTF-8 (most of the web); detection guesses
            # wrong on short pages (a lone "é" read as cp1250).
            html = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            html = bytes_to_str(data, detect_encoding(data, from_html_meta=True))
    try:
        # No list bullets: WET text has none, and a bullet would hide a menu
        # entry from the rules that match the bare line. No alt texts: a
        # reader never sees them, and WET text has none. <noscript> is text:
        # a crawler runs no script, so that is the page it reads (a page
        # rendered by script keeps its article there), and a <noscript> left
        # unclosed takes the rest of the page into it (docs/formats.md).
        return extract_plain_text(html, preserve_formatting=True, main_content=False,
                                  list_bullets=False, alt_texts=False, noscript=True)
    except HTMLParserException as e:
        raise InputError(where, f"cannot parse HTML: {e}") from None
