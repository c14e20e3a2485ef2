"""Test isolation: the CLI, run in this process by CliRunner, sets up the
``scrubber`` logger as the command does (its own handler, no propagation,
ERROR under --quiet); the next test gets it as a library caller finds it."""

import logging

import pytest


@pytest.fixture(autouse=True)
def _fresh_scrubber_logger():
    yield
    log = logging.getLogger("scrubber")
    log.handlers.clear()
    log.setLevel(logging.NOTSET)
    log.propagate = True
