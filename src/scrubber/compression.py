"""Compressed input: gzip, zstd, bzip2 and xz told by their magic bytes, and
streams that report a file cut short instead of ending quietly."""

from __future__ import annotations

import gzip
import io
import sys
import zlib
from typing import BinaryIO

# A Python built without libbz2's or liblzma's headers (a bare pyenv build)
# lacks these modules: such files are then refused as before, not a crash.
try:
    import bz2
except ImportError:
    bz2 = None
try:
    import lzma
except ImportError:
    lzma = None

from . import files

GZIP_MAGIC = b"\x1f\x8b"


ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
XZ_MAGIC = b"\xfd7zXZ\x00"
#: Bytes that tell every compression read here.
MAGIC_BYTES = 10


_BZIP2_BLOCKS = (b"1AY&SY", b"\x17rE8P\x90")


def is_zstd(head: bytes) -> bool:
    """A zstd frame, or a skippable frame (magic 0x184D2A50-5F, little
    endian), which pzstd writes first to say how its frames are cut."""
    return head[:4] == ZSTD_MAGIC or (len(head) >= 4 and 0x50 <= head[0] <= 0x5F and head[1:4] == b"\x2a\x4d\x18")


def is_bzip2(head: bytes) -> bool:
    """bzip2's "BZh", its block size, then a block's magic (or, for no
    data, the end-of-stream magic): a text that starts "BZh1 is" is text.
    ``head`` is the input's first MAGIC_BYTES bytes, fewer only where it
    ends: an input that ends inside those magic bytes is a bzip2 file cut
    short, which its decompressor then reports, not a text "BZh91AY"."""
    if head[:3] != b"BZh" or head[3:4] not in b"123456789" or len(head) < 4:
        return False
    return head[4:10] in _BZIP2_BLOCKS or (len(head) < 10 and any(m.startswith(head[4:]) for m in _BZIP2_BLOCKS))


class Bzip2Error(ValueError):
    """Damaged bzip2 data (``bz2`` says so with an OSError, as if the disk
    had failed)."""


def _bzip2_errors(method):
    def read(self, *args):
        try:
            return method(self, *args)
        except OSError as e:
            if e.errno is not None:  # the disk's, not the data's
                raise
            raise Bzip2Error(str(e)) from None
    return read


if bz2 is not None:
    class _Bz2(bz2.BZ2File):
        """A bzip2 file that closes the file it reads, as gzip.open's does,
        and calls damage damage."""

        def __init__(self, raw: BinaryIO):
            super().__init__(raw)
            self._raw_file = raw

        read = _bzip2_errors(bz2.BZ2File.read)
        read1 = _bzip2_errors(bz2.BZ2File.read1)
        readinto = _bzip2_errors(bz2.BZ2File.readinto)
        readline = _bzip2_errors(bz2.BZ2File.readline)
        peek = _bzip2_errors(bz2.BZ2File.peek)

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._raw_file.close()

if lzma is not None:
    class _Xz(lzma.LZMAFile):
        """An xz file that closes the file it reads."""

        def __init__(self, raw: BinaryIO):
            super().__init__(raw)
            self._raw_file = raw

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._raw_file.close()


def stdlib_inflating(fh: BinaryIO) -> bool:
    """Whether ``fh`` inflates bzip2 or xz (which fastwarc does not read)."""
    return ((bz2 is not None and isinstance(fh, bz2.BZ2File))
            or (lzma is not None and isinstance(fh, lzma.LZMAFile)))


def magic(path: str, n: int = 4) -> bytes:
    """A file's first ``n`` bytes as stored; four name its compression if any."""
    with files.open_raw(path) as f:
        return f.read(n)


def _open_binary(path: str) -> BinaryIO:
    """The file's bytes, decompressed when its magic bytes say gzip or zstd
    (whatever its name says). The file is opened once and its first bytes
    peeked at: a FIFO named on the command line cannot be opened twice."""
    if files.is_url(path):
        head = magic(path, MAGIC_BYTES)
        if head.startswith(GZIP_MAGIC) or _cut_as_named(head, path, GZIP_MAGIC, (".gz",)):
            return files.open_raw(path, "gzip")
        raw = files.open_raw(path)
    else:
        raw = open(path, "rb")
        head = raw.peek(MAGIC_BYTES)[:MAGIC_BYTES]
        if head.startswith(GZIP_MAGIC) or _cut_as_named(head, path, GZIP_MAGIC, (".gz",)):
            g = gzip.GzipFile(fileobj=raw, mode="rb")
            g.myfileobj = raw  # closed with it, as gzip.open does with the file it opens
            return g
    if is_zstd(head) or _cut_as_named(head, path, ZSTD_MAGIC, (".zst", ".zstd")):
        return _zstd_reader(raw)
    if bz2 is not None and (is_bzip2(head) or _cut_as_named(head, path, b"BZh", (".bz2",))):
        return _Bz2(raw)
    if lzma is not None and (head.startswith(XZ_MAGIC) or _cut_as_named(head, path, XZ_MAGIC, (".xz",))):
        return _Xz(raw)
    return raw


def _cut_as_named(head: bytes, path: str, magic_bytes: bytes, suffixes: tuple[str, ...]) -> bool:
    """A file cut inside its magic bytes is still what its name says: its
    decompressor then reports the cut, where plain reading would not. A
    file of no bytes is empty, whatever its name (bz2 and xz called it
    corrupt, gzip and zstd empty)."""
    return (0 < len(head) < len(magic_bytes) and magic_bytes.startswith(head)
            and path.lower().endswith(suffixes))


class _Zstd(io.RawIOBase):
    """The decompressed bytes of a .zst file, frame after frame.

    zstandard's own stream reader ends quietly where a cut file ends, even
    inside a frame: a truncated crawl read as complete. This one raises
    ``EOFError`` there, as gzip does.

    Its ``decompressobj`` takes no output bound, and zstd inflates a byte
    to 32 kB at most (an RLE block): a 64 kB read of a bomb was 2 GB at
    once. So the compressed bytes are fed ``_FEED`` at a time, and feeding
    stops once ``_CHUNK`` bytes are out: one read holds 8 MB past
    that at most, whatever the data (256 bytes of a bomb inflate to 8 MB;
    128 bytes, as httpbody's zstd feeds, read normal files at half the speed).
    """

    _CHUNK = 1 << 16
    _FEED = 256

    def __init__(self, raw: BinaryIO):
        import zstandard

        self._raw, self._dctx = raw, zstandard.ZstdDecompressor()
        self._obj = None    # the frame being decompressed
        self._in = b""      # compressed, fed up to ``_at``
        self._at = 0
        self._error = None  # damage found after bytes not yet read
        self._out = b""     # decompressed, not yet read
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        while self._pos == len(self._out):
            if self._error is not None:
                raise self._error
            if not self._in:
                self._in = self._raw.read(self._CHUNK)
                if not self._in:
                    if self._obj is not None:
                        raise EOFError("file ends inside a zstd frame (truncated?)")
                    return 0
            self._out, self._pos = self._feed(), 0
        n = min(len(b), len(self._out) - self._pos)
        b[:n] = self._out[self._pos:self._pos + n]
        self._pos += n
        return n

    def _feed(self) -> bytes:
        out, size, data, pos = [], 0, self._in, self._at
        while pos < len(data) and size < self._CHUNK:
            if self._obj is None:
                self._obj = self._dctx.decompressobj()
            end = min(pos + self._FEED, len(data))
            try:
                part = self._obj.decompress(data[pos:end])
            except Exception as e:  # zstandard.ZstdError: damage
                if not out:
                    raise
                # Raised at the next read: the bytes inflated before the
                # damage are read first (whole records, in JSONL or WARC).
                self._error = e
                break
            pos = end
            out.append(part)
            size += len(part)
            if self._obj.eof:  # a frame ended; what follows is the next one
                pos -= len(self._obj.unused_data)
                self._obj = None
        if pos == len(data):
            self._in, pos = b"", 0
        self._at = pos
        return b"".join(out)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def _zstd_reader(raw: BinaryIO) -> BinaryIO:
    return io.BufferedReader(_Zstd(raw))  # line iteration


def decompressing(fh: BinaryIO) -> bool:
    """Whether ``fh`` inflates a compressed file as it is read."""
    return (isinstance(fh, gzip.GzipFile) or stdlib_inflating(fh)
            or isinstance(getattr(fh, "raw", None), _Zstd))


def _peek(fh: BinaryIO, n: int) -> bytes:
    """Up to ``n`` first bytes of ``fh`` without consuming them."""
    if hasattr(fh, "peek"):
        return fh.peek(n)[:n]
    pos = fh.tell()
    head = fh.read(n)
    fh.seek(pos)
    return head


def _corrupt_errors() -> tuple[type[BaseException], ...]:
    # Only a .zst input, whose opener imported zstandard, can raise its
    # error; importing it here instead failed when a reading generator was
    # closed at interpreter exit ("sys.meta_path is None").
    zstd = sys.modules.get("zstandard")
    return ((EOFError, gzip.BadGzipFile, zlib.error, Bzip2Error) + ((lzma.LZMAError,) if lzma else ())
            + ((zstd.ZstdError,) if zstd else ()))


def _decompressed(fh: BinaryIO) -> BinaryIO:
    """Standard input, decompressed when its first bytes are gzip's, zstd's,
    bzip2's or xz's magic; a stream that can ``peek`` either way."""
    head, fh = _head(fh, MAGIC_BYTES)
    if head.startswith(GZIP_MAGIC):
        return gzip.GzipFile(fileobj=fh, mode="rb")
    if is_zstd(head):
        return _zstd_reader(fh)
    if bz2 is not None and is_bzip2(head):
        return _Bz2(fh)
    if lzma is not None and head.startswith(XZ_MAGIC):
        return lzma.LZMAFile(fh)
    return fh


def _head(fh: BinaryIO, n: int) -> tuple[bytes, io.BufferedReader]:
    """The first ``n`` bytes of a stream that cannot seek (fewer only at
    its end, or once they hold a whole line that is not blank), and a
    stream that gives them again. ``peek`` will not do: it reads at most
    once, and a pipe, or the stream of a prefix and the rest, delivers
    fewer bytes than asked (a WARC told by its first four). Each read takes
    what is there (``read1``): a slow producer's first short record is
    all there is to tell its format by for a while, and waiting for ``n``
    bytes held it back (what a format is told by lies in its first line)."""
    read = getattr(fh, "read1", fh.read)
    head = b""
    while len(head) < n and b"\n" not in head.lstrip(_BLANK):
        more = read(n - len(head))
        if not more:
            break
        head += more
    return head, _Prefixed(head, fh)


#: What may come before a stream's first line: a UTF-8 byte-order mark, blank lines.
_BLANK = b"\xef\xbb\xbf \t\r\n"


class _PrefixedRaw(io.RawIOBase):
    def __init__(self, head: bytes, fh: BinaryIO):
        self._head, self._fh = head, fh

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._head:
            n = min(len(b), len(self._head))
            b[:n], self._head = self._head[:n], self._head[n:]
            return n
        if hasattr(self._fh, "readinto1"):
            # One read of what is there: readinto would wait to fill ``b``,
            # and drop what it had when cut-short compressed data raises.
            return self._fh.readinto1(b)
        if hasattr(self._fh, "readinto"):
            return self._fh.readinto(b)
        data = self._fh.read(len(b))
        b[:len(data)] = data
        return len(data)


def _Prefixed(head: bytes, fh: BinaryIO) -> io.BufferedReader:
    """A stream of ``head`` and then the rest of ``fh`` (stdin cannot seek)."""
    return io.BufferedReader(_PrefixedRaw(head, fh), 1 << 16)
