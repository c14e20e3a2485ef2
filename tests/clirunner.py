"""Driving the scrubber command as a user would, for the CLI tests."""

import json

from typer.testing import CliRunner

from scrubber.cli import app

runner = CliRunner()


def run(*args, input=None):
    """``scrubber ARGS``, with ``input`` on standard input."""
    return runner.invoke(app, [str(a) for a in args], input=input)


def records(text):
    """The JSONL records of an output."""
    return [json.loads(line) for line in text.splitlines()]
