"""Optional dependencies: import one, or say which extra installs it.

WARC, HTML and parquet need parsers that most users of JSONL never do
(fastwarc, resiliparse, pyarrow), so they are extras of the package. A
run that meets such a file without its extra stops with one line naming
the ``pip install`` to run, not an ImportError. One installed but unable to
load (pyarrow 26 refuses a numpy older than 2.0, which its metadata does not
declare, so pip installs it beside numpy 1.x) says why instead: naming the
``pip install`` of a package already installed would send the user in a
circle.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import re
from types import ModuleType

from .errors import ScrubberError


def need(module: str, extra: str, where: str, what: str) -> ModuleType:
    """``module`` imported, or a ScrubberError: ``where: what needs ...``.

    Not an InputError: a missing package is not bad input, so
    ``--on-error skip`` does not quietly skip every file of the format.
    """
    package = module.split(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as e:
        missing = isinstance(e, ModuleNotFoundError) and (e.name or "").split(".")[0] == package
        if not missing:
            reason = (str(e).strip().splitlines() or [type(e).__name__])[0]
            raise ScrubberError(f"{where}: {what} needs {package}, which is installed but "
                                f"cannot be imported: {reason}") from None
        raise ScrubberError(f"{where}: {what} needs {package}, which is not installed: "
                            f"{install_command(extra)}") from None


_EXTRA_REQUIREMENT = re.compile(r"""^([^;]+);\s*extra\s*==\s*['"]([^'"]+)['"]\s*$""")


def install_command(extra: str) -> str:
    """The ``pip install`` of an extra's packages, named one by one from
    scrubber's installed metadata: ``pip install 'scrubber[ray]'`` would
    fetch another project of that name from PyPI, where this one is not."""
    try:
        requires = importlib.metadata.requires("scrubber") or []
    except importlib.metadata.PackageNotFoundError:  # run from a source tree, not installed
        requires = []
    wanted = [m[1].strip() for m in map(_EXTRA_REQUIREMENT.match, requires) if m and m[2] == extra]
    if wanted:
        return "pip install " + " ".join(f"'{r}'" for r in wanted)
    return f"pip install '.[{extra}]' in scrubber's source tree"
