"""The plain data types that flow through every stage."""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import InputError


# Not frozen: a frozen dataclass's __init__ sets each field through
# object.__setattr__, 1.4 us a removal against 0.4; the classifier makes
# some 120k removals on the 20 MB throughput corpus.
@dataclass(slots=True)
class Removal:
    """One thing cleaning took out of a document, and why.

    ``reason`` is a stable name (``rule:<id>`` or ``heuristic:<name>``) that
    also keys the counters of the run summary. ``line`` is 1-based in the
    repaired text. ``span`` is the character range inside that line for span
    removals, ``None`` when the whole line went. ``score`` is the
    classifier's probability that the line was content, for its removals.
    """

    reason: str
    line: int
    text: str
    span: tuple[int, int] | None = None
    score: float | None = None


@dataclass(slots=True)
class Document:
    """A document on its way through the pipeline.

    ``meta`` holds every input field other than the text, passed through to
    the output unchanged. ``origin`` names where it came from (``file`` or
    ``file:line``) for error messages.
    """

    id: str
    text: str
    meta: dict = field(default_factory=dict)
    origin: str = ""
    removals: list[Removal] = field(default_factory=list)
    repairs: int = 0


def document_name(doc: object, n: int) -> str:
    """What a message calls ``doc``, the ``n``-th (1-based) of its stream:
    where it came from, else its id, else ``<document N>``."""
    for name in (getattr(doc, "origin", None), getattr(doc, "id", None)):
        if isinstance(name, str) and name:
            return name
    return f"<document {n}>"


def check_document(doc: object, where: str) -> Document:
    """``doc`` when it is a Document whose id and text are strings, else an
    ``InputError`` naming ``where``: each stage that takes Documents from a
    caller (``clean``, ``Pipeline.run``, ``Cleaner.clean``) refuses one in
    these words, where a None text would otherwise fail deep inside."""
    if not isinstance(doc, Document):
        raise InputError(where, f"expected a Document, got {type(doc).__name__}")
    for name, value in (("text", doc.text), ("id", doc.id)):
        if not isinstance(value, str):
            raise InputError(where, f"Document {name} is {type(value).__name__}, not a string")
    return doc
