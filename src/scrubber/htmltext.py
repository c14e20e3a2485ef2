"""HTML to text the way Common Crawl's WET files have it.

Every visible block (paragraph, heading, list item, table cell, menu entry)
on its own line, scripts, styles and hidden elements gone, and nothing else
judged: menus, footers and share buttons stay in, for scrubber's own rules,
heuristics and classifier to remove with a recorded reason. A main-content
extractor would drop them silently instead, and unevenly from page to page.
Uses resiliparse (``pip install 'scrubber[html]'``), whose
``extract_plain_text(main_content=False)`` is this conversion at C speed.
"""

from __future__ import annotations

from .extras import need


def to_text(data: bytes, where: str, charset: str | None = None) -> str:
    """The visible text of an HTML page given as bytes.

    ``charset`` is the one the HTTP headers declare, if any; otherwise the
    encoding is detected from the page (its meta tag, else its bytes).
    """
    need("resiliparse", "html", where, "reading HTML")
    from resiliparse.extract.html2text import extract_plain_text
    from resiliparse.parse.encoding import bytes_to_str, detect_encoding

    html = bytes_to_str(data, charset or detect_encoding(data))
    # No list bullets: WET text has none, and a bullet would hide a menu
    # entry from the rules that match the bare line.
    return extract_plain_text(html, preserve_formatting=True, main_content=False,
                              list_bullets=False)
