"""WARC and WET files made on the fly with warcio, for the reader tests."""

import io

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter


def page(body: str, title: str = "A page") -> bytes:
    return f"<html><head><title>{title}</title><style>p{{}}</style></head><body>{body}</body></html>".encode()


def write_warc(path, records, gzip=True):
    """``records``: (type, url, payload bytes, content type, HTTP status or None),
    optionally followed by more HTTP headers as (name, value) pairs; the
    payload is written as given, whatever they say of its encoding."""
    with open(path, "wb") as f:
        w = WARCWriter(f, gzip=gzip)
        for kind, url, payload, ctype, status, *more in records:
            if kind == "warcinfo":
                w.write_record(w.create_warcinfo_record(str(path), {"software": "tests"}))
                continue
            http = None
            if status is not None:
                http = StatusAndHeaders(f"{status} X", [("Content-Type", ctype), *(more[0] if more else [])], protocol="HTTP/1.1")
            w.write_record(w.create_warc_record(
                url, kind, payload=io.BytesIO(payload), http_headers=http,
                warc_content_type=None if http else ctype))
    return path


def wet(path, texts, gzip=True):
    """A WET file: one ``conversion`` record per (url, text), after a warcinfo."""
    return write_warc(path, [("warcinfo", None, b"", None, None)]
                      + [("conversion", url, text.encode(), "text/plain", None) for url, text in texts],
                      gzip=gzip)
