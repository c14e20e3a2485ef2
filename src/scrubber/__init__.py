"""scrubber: scraped web text to clean, deduplicated JSONL.

The public API; the ``scrubber`` command is a thin layer over it::

    from scrubber import clean, clean_text, Config
    clean_text(raw_page)                      # one string, furniture stripped
    for rec in clean(records, min_words=20):  # records: dicts, strings or Documents
        ...
"""

from .__about__ import __version__
from .cleaner import Cleaner
from .config import Config
from .dedup import Cluster, cluster
from .minhash import Params, Sketch, sketch
from .document import Document, Removal
from .errors import InputError, RuleError, ScrubberError
from .index import Index
from .api import clean, clean_text
from .pipeline import Pipeline
from .stats import Stats

__all__ = [
    "__version__", "Cleaner", "Cluster", "Config", "Document", "Index", "InputError", "Pipeline",
    "Params", "Removal", "RuleError", "ScrubberError", "Sketch", "Stats", "clean", "clean_text",
    "cluster", "sketch",
]
