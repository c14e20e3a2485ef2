"""Optional dependencies: import one, or say which extra installs it.

WARC, HTML and parquet need parsers that most users of JSONL never do
(fastwarc, resiliparse, pyarrow), so they are extras of the package. A
run that meets such a file without its extra stops with one line naming
the ``pip install`` to run, not an ImportError.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from .errors import ScrubberError


def need(module: str, extra: str, where: str, what: str) -> ModuleType:
    """``module`` imported, or a ScrubberError: ``where: what needs ...``.

    Not an InputError: a missing package is not bad input, so
    ``--on-error skip`` does not quietly skip every file of the format.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        package = module.split(".")[0]
        raise ScrubberError(f"{where}: {what} needs {package}, which is not installed: "
                            f"pip install 'scrubber[{extra}]'") from None
