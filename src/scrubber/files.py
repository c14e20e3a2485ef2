"""Where input bytes come from: local paths, or URLs through fsspec.

A local path goes to ``os`` and ``open`` directly. A path with a scheme
(``s3://bucket/crawl/``, ``gs://…``, ``https://…``, ``file://…``) goes to
fsspec, the file-system layer Ray, Dask and pandas read object stores with
(the ``s3`` extra, or fsspec and the scheme's own package);
its files seek, so the Ray engine's byte-range shards read only their range
of an object. Output stays local (or on a shared file system): a part file
is renamed into place at the end of a run, which object stores cannot do
atomically.
"""

from __future__ import annotations

import os
import re
import stat
from typing import BinaryIO, Iterator

from .errors import InputError
from .extras import install_command

_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def is_url(path: str) -> bool:
    return bool(_SCHEME.match(path))


def _fs(url: str):
    """(file system, path inside it) for a URL."""
    try:
        import fsspec
    except ImportError:
        raise InputError(url, f"reading URLs needs fsspec: {install_command('s3')} "
                              "(or fsspec and the package for this scheme)") from None
    try:
        return fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:  # a scheme whose package is missing, or unknown
        raise InputError(url, f"cannot read this URL: {e}") from None


def shown(path: str) -> str:
    """``path`` as text an id, a message or the output can hold: the bytes
    of a file name that are not UTF-8 (which ``os`` hands over as lone
    surrogates, and no UTF-8 writer takes) become U+FFFD, as undecodable
    bytes in a text do. The file is still opened by ``path`` itself."""
    if path.isascii():
        return path
    try:
        raw = path.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate no file name made (a caller's string)
        raw = path.encode("utf-8", "surrogatepass")
    return raw.decode("utf-8", "replace")


def local_path(path: str) -> str | None:
    """The local file ``path`` names: itself, or the path of a ``file://``
    (``local://``) URL; None for any other URL. For the checks that no
    output lands on an input, which an input read through fsspec from this
    machine's disk is as much as one named by its path."""
    if not is_url(path):
        return path
    try:
        fs, p = _fs(path)
    except InputError:  # reading it will say why
        return None
    return p if "file" in (fs.protocol if isinstance(fs.protocol, tuple) else (fs.protocol,)) else None


def exists(path: str) -> bool:
    if not is_url(path):
        return os.path.exists(path)
    fs, p = _fs(path)
    return fs.exists(p)


def isdir(path: str) -> bool:
    if not is_url(path):
        return os.path.isdir(path)
    fs, p = _fs(path)
    return fs.isdir(p)


def size(path: str) -> int:
    if not is_url(path):
        return os.path.getsize(path)
    fs, p = _fs(path)
    return int(fs.size(p))


def open_raw(path: str, compression: str | None = None) -> BinaryIO:
    """The file's bytes as stored, seekable; or, for a URL with
    ``compression`` ("gzip"), decompressed by fsspec (which closes both
    streams together)."""
    if not is_url(path):
        return open(path, "rb")
    fs, p = _fs(path)
    return fs.open(p, "rb", compression=compression)


def _regular(path: str) -> bool:
    """Whether ``path`` (followed if a link) is a regular file; a broken
    link counts as one, so that reading it names the problem."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return True


def file_links(root: str) -> Iterator[str]:
    """The symbolic links under local directory ``root`` that ``walk``
    would read through (not hidden, not links to directories), found
    without a stat of each file: the output check runs before any work."""
    stack = [root]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for e in entries:
                    if e.name.startswith("."):
                        continue
                    if e.is_symlink():
                        if not os.path.isdir(e.path):
                            yield e.path
                    elif e.is_dir(follow_symlinks=False):
                        stack.append(e.path)
        except OSError:  # walk reports what it cannot list
            continue


def walk(root: str, unreadable: list | None = None, special: list | None = None,
         links: list | None = None) -> list[tuple[tuple[str, ...], str]]:
    """Every file under ``root`` that is not hidden (no part of its path
    below ``root`` starts with a dot), as (relative path parts, path).

    A directory that cannot be listed goes to ``unreadable`` as (path,
    OSError); a file that is not a regular one (a FIFO, socket or device,
    which would block or never end) goes to ``special``, not to the result.
    A symbolic link to a directory is not followed, as ``find`` and
    ``rsync`` do not (it may loop, or lead to files read already); it goes
    to ``links``."""
    out = []
    if not is_url(root):
        def failed(e: OSError) -> None:
            if unreadable is not None:
                unreadable.append((e.filename or root, e))

        for dirpath, dirnames, filenames in os.walk(root, onerror=failed):
            dirnames[:] = [d for d in dirnames if not d.startswith(".")]
            if links is not None:  # os.walk lists them but does not enter them
                links += [os.path.join(dirpath, d) for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
            for name in filenames:
                if not name.startswith("."):
                    path = os.path.join(dirpath, name)
                    if not _regular(path):
                        if special is not None:
                            special.append(path)
                        continue
                    out.append((tuple(os.path.relpath(path, root).split(os.sep)), path))
        return out
    fs, top = _fs(root)
    top = top.rstrip("/")
    for p, info in sorted(fs.find(top, detail=True).items()):
        parts = tuple(p[len(top):].lstrip("/").split("/"))
        if not any(part.startswith(".") for part in parts):
            if info.get("type", "file") not in ("file", "directory") and not (
                    info.get("islink") and fs.isfile(p)):
                # a FIFO under a file:// folder: opened, it blocked for ever
                # (fsspec calls a link "other" too: one to a file is read)
                if special is not None:
                    special.append(fs.unstrip_protocol(p))
                continue
            out.append((parts, fs.unstrip_protocol(p)))
    return out
