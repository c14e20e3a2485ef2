"""Writing JSONL: to standard output, or atomically to a file.

A file is written to a temporary name beside it and renamed into place only
when the run succeeds, so an interrupted or failed run never leaves a
partial file, and an existing file is never half overwritten.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
import tempfile
from typing import BinaryIO

import orjson

from .errors import ScrubberError


def dumps(record: dict) -> bytes:
    """One JSONL line, UTF-8 rather than \\u escapes, keys in record order."""
    try:
        return orjson.dumps(record) + b"\n"
    except TypeError:  # integers beyond 64 bits, which orjson refuses
        return (json.dumps(record, ensure_ascii=False) + "\n").encode("utf-8")


class Sink:
    """Context manager taking JSONL lines; commits the file on clean exit."""

    def __init__(self, path: str | None = None, stdout: BinaryIO | None = None):
        self.path = None if path in (None, "-") else path
        self._stdout = stdout
        self._tmp: str | None = None
        self._fh: BinaryIO | None = None
        self._raw: BinaryIO | None = None

    def __enter__(self) -> "Sink":
        if self.path is None:
            self._fh = self._stdout if self._stdout is not None else sys.stdout.buffer
            return self
        directory = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(directory):
            raise ScrubberError(f"{self.path}: cannot write: directory {directory} does not exist")
        if os.path.isdir(self.path):
            raise ScrubberError(f"{self.path}: is a directory")
        try:
            fd, self._tmp = tempfile.mkstemp(dir=directory, prefix=f".{os.path.basename(self.path)}.",
                                             suffix=".tmp")
        except OSError as e:
            raise ScrubberError(f"{self.path}: cannot write: {e.strerror}") from None
        self._raw = os.fdopen(fd, "wb")
        low = self.path.lower()
        if low.endswith(".gz"):
            # mtime=0: the same records give byte-identical files
            self._fh = gzip.GzipFile(fileobj=self._raw, mode="wb", mtime=0)
        elif low.endswith((".zst", ".zstd")):
            import zstandard

            self._fh = zstandard.ZstdCompressor().stream_writer(self._raw, closefd=False)
        else:
            self._fh = self._raw
        return self

    def write(self, line: bytes) -> None:
        self._fh.write(line)

    def __exit__(self, exc_type, exc, tb) -> None:
        if self.path is None:
            if exc_type is None:
                self._fh.flush()
            return
        try:
            if self._fh is not self._raw:
                self._fh.close()
            self._raw.close()
            if exc_type is None:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(self._tmp, 0o666 & ~umask)
                os.replace(self._tmp, self.path)
                self._tmp = None
        finally:
            if self._tmp is not None and os.path.exists(self._tmp):
                os.unlink(self._tmp)
