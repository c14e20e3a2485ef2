"""The Cleaner: one configuration's rules applied to documents."""

import pytest

from scrubber import Cleaner, Document

T = ("The city council voted on Tuesday to expand the tram network to the northern districts, "
     "a plan debated for a decade.")


def test_clean_batch_takes_any_iterable_and_loses_no_document():
    # It read its argument twice: a generator came back as [].
    out = Cleaner().clean_batch(Document(str(i), "Share this:\n\n" + T) for i in range(2))
    assert [(d.id, d.text) for d in out] == [("0", T), ("1", T)]


@pytest.mark.parametrize("doc, message", [
    (Document("a", None), "a: Document text is NoneType, not a string"),
    (Document("a", b"bytes"), "a: Document text is bytes, not a string"),
    (Document(7, T), "<document 1>: Document id is int, not a string"),
    ({"id": "a", "text": T}, "<document 1>: expected a Document, got dict"),
])
def test_a_document_of_the_wrong_types_is_an_input_error_naming_it(doc, message):
    # Was a TypeError or AttributeError from inside repair.
    from scrubber import InputError
    with pytest.raises(InputError) as err:
        Cleaner().clean(doc)
    assert str(err.value) == message
