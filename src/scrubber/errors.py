"""Errors a user can act on. Each renders as one line naming the place."""

from __future__ import annotations


class ScrubberError(Exception):
    """Base class: anything the CLI reports as a one-line message and exit 1."""


class InputError(ScrubberError):
    """A document or input file that cannot be read as asked.

    ``where`` is ``path`` or ``path:line``; the message says what is wrong.
    """

    def __init__(self, where: str, problem: str) -> None:
        self.where = where
        self.problem = problem
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):  # pickled by worker processes and Ray tasks
        return type(self), (self.where, self.problem)


class RuleError(ScrubberError):
    """A rule file or a rule in it that cannot be used."""

    def __init__(self, path: str, problem: str, rule: str | None = None) -> None:
        self.path = path
        self.rule = rule
        self.problem = problem
        where = f"{path}: rule '{rule}'" if rule else path
        super().__init__(f"{where}: {problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem, self.rule)


class ModelError(ScrubberError):
    """A classifier model file that cannot be used."""

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")

    def __reduce__(self):
        return type(self), (self.path, self.problem)
