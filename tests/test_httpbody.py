import gzip
import zlib

import pytest

from scrubber.httpbody import BodyError, codings, decode

PAGE = b"<html><body><p>" + b"tram " * 1000 + b"</p></body></html>"


def test_codings_are_undone_transfer_first_each_list_backwards():
    assert codings("gzip, Chunked", "identity, X-GZIP , deflate") == ["chunked", "gzip", "deflate", "x-gzip"]
    assert codings(None, "") == []


@pytest.mark.parametrize("coding, pack", [
    ("gzip", lambda b: gzip.compress(b)),
    ("deflate", lambda b: zlib.compress(b)),
    ("zstd", lambda b: __import__("zstandard").ZstdCompressor().compress(b)),
])
def test_inflating_stops_one_byte_past_the_limit(coding, pack):
    bomb = pack(b"x" * 50_000_000)
    data, cut = decode(bomb, [coding], limit=1000)
    assert cut and 1000 < len(data) <= 1001
    assert decode(pack(PAGE), [coding], limit=len(PAGE)) == (PAGE, False)


def test_several_gzip_members_are_one_payload():
    assert decode(gzip.compress(PAGE[:10]) + gzip.compress(PAGE[10:]), ["gzip"]) == (PAGE, False)


def test_a_chunked_payload_with_extensions_and_trailers():
    body = b"5;name=x\r\n<html\r\n3\r\n><p\r\n0\r\nExpires: never\r\n\r\n"
    assert decode(body, ["chunked"]) == (b"<html><p", False)


def test_a_chunk_shorter_than_its_size_is_an_error():
    with pytest.raises(BodyError, match="broken chunked encoding"):
        decode(b"5\r\n<ht\r\n0\r\n\r\n", ["chunked"])
