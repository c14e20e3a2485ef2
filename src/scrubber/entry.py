"""The ``scrubber`` command's entry point.

Loading the command (numpy, RE2, the rules' modules) takes about a third of
a second; a Ctrl-C in that time would print Python's traceback of the
import. Here it is an exit with status 130, as it is once the command runs.
"""

from __future__ import annotations

import sys


def main() -> None:
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        sys.exit(130)
    run()
