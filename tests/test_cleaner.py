"""The Cleaner: one configuration's rules applied to documents."""

import pytest

from scrubber import Cleaner, Document

T = ("The city council voted on Tuesday to expand the tram network to the northern districts, "
     "a plan debated for a decade.")


def test_clean_batch_takes_any_iterable_and_loses_no_document():
    # It read its argument twice: a generator came back as [].
    out = Cleaner().clean_batch(Document(str(i), "Share this:\n\n" + T) for i in range(2))
    assert [(d.id, d.text) for d in out] == [("0", T), ("1", T)]
