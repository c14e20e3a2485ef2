"""scrubber: scraped web text to clean, deduplicated JSONL.

The public API; the ``scrubber`` command is a thin layer over it::

    from scrubber import clean, clean_text, Config
    clean_text(raw_page)                      # one string, furniture stripped
    for rec in clean(records, min_words=20):  # records: dicts, strings or Documents
        ...

The names are imported when first used (PEP 562): ``import scrubber``
itself costs nothing, so the command can take Ctrl-C as an exit from its
first instant, and a worker or a tool that needs one module does not load
numpy, RE2 and the rules for it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .__about__ import __version__

#: Public name -> the module that defines it.
_HOME = {
    "Cleaner": "cleaner", "Config": "config", "Cluster": "dedup", "cluster": "dedup",
    "Params": "minhash", "Sketch": "minhash", "sketch": "minhash", "Document": "document",
    "Removal": "document", "InputError": "errors", "RuleError": "errors", "ScrubberError": "errors",
    "ModelError": "errors", "IndexFileError": "index", "Index": "index", "clean": "api", "clean_text": "api", "Pipeline": "pipeline", "Stats": "stats",
}

__all__ = [
    "__version__", "Cleaner", "Cluster", "Config", "Document", "Index", "IndexFileError", "InputError",
    "ModelError", "Pipeline", "Params", "Removal", "RuleError", "ScrubberError", "Sketch", "Stats",
    "clean", "clean_text", "cluster", "sketch",
]


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module 'scrubber' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # the next lookup is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


if TYPE_CHECKING:
    from .api import clean, clean_text
    from .cleaner import Cleaner
    from .config import Config
    from .dedup import Cluster, cluster
    from .document import Document, Removal
    from .errors import InputError, ModelError, RuleError, ScrubberError
    from .index import Index, IndexFileError
    from .minhash import Params, Sketch, sketch
    from .pipeline import Pipeline
    from .stats import Stats
