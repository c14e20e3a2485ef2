import csv
import io

import pytest

from scrubber import delimited
from scrubber.errors import InputError


def rows(data: str, **kw):
    return list(delimited.rows(io.BytesIO(data.encode()), "f.csv", **kw))


def test_each_row_after_the_header_is_a_record_quoted_newlines_and_all():
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerows([["id", "text"], ["a", 'Line one.\nShe said "yes", then left.'], [], ["b", "Two."]])
    assert rows(buf.getvalue()) == [(1, {"id": "a", "text": 'Line one.\nShe said "yes", then left.'}),
                                    (2, {"id": "b", "text": "Two."})]  # the blank line is no row


def test_tsv_written_without_quoting_keeps_a_text_that_opens_with_a_quote():
    # "Hello," she said. stopped the whole file as "not valid TSV"
    got = rows('id\ttext\n1\t"Hello," she said.\n2\t"Fine"\n3\t"a"b\n', delimiter="\t")
    assert got == [(1, {"id": "1", "text": '"Hello," she said.'}), (2, {"id": "2", "text": "Fine"}),
                   (3, {"id": "3", "text": '"a"b'})]
    # a quote that never closes is text, and the rows after it are rows
    got = rows('id\ttext\n1\t"Open to the end\n2\tNext.\n', delimiter="\t")
    assert got == [(1, {"id": "1", "text": '"Open to the end'}), (2, {"id": "2", "text": "Next."})]
    # a cell of "" is an empty value, as in CSV, not a blank line
    assert rows('id\ttext\n1\t""\n\n2\tx\n', delimiter="\t") == [
        (1, {"id": "1", "text": ""}), (2, {"id": "2", "text": "x"})]
    assert rows('text\n""\nThe council met.\n') == [(1, {"text": ""}), (2, {"text": "The council met."})]


def test_quoted_tsv_fields_hold_tabs_line_breaks_and_doubled_quotes():
    buf = io.StringIO()
    w = csv.writer(buf, dialect="excel-tab")
    w.writerows([["id", "text", "url"], ["a", 'Line one.\r\nShe said "yes"\tthen left.', "u"], ["b", "Two.", "v"]])
    assert rows(buf.getvalue(), delimiter="\t") == [
        (1, {"id": "a", "text": 'Line one.\r\nShe said "yes"\tthen left.', "url": "u"}),
        (2, {"id": "b", "text": "Two.", "url": "v"})]


def test_tsv_and_a_short_row():
    assert rows("id\ttext\turl\na\tOne, with a comma.\n", delimiter="\t") == [
        (1, {"id": "a", "text": "One, with a comma.", "url": None})]


@pytest.mark.parametrize("data, where, said", [
    ('id,text\n1,"open quote\n2,next\n', "f.csv:1", "unexpected end of data"),  # not every row after it as one field
    ("id,text\n1,a\n2,b,c\n", "f.csv:2", "row 2 (line 3) has 3 fields, the header 2"),
    ("id,id,text\n", "f.csv:1", "names the column 'id' twice"),
])
def test_what_cannot_be_read_as_rows_is_an_error_naming_the_row(data, where, said):
    with pytest.raises(InputError) as e:
        rows(data)
    assert e.value.where == where and said in str(e.value)


def test_a_field_longer_than_csvs_default_limit_is_read():
    long = "word " * 40_000  # 200 kB: past the csv module's 128 kB default
    assert rows(f"id,text\n1,{long}\n")[0][1]["text"] == long


def test_a_csv_line_is_read_only_as_far_as_its_columns_can_fill():
    # The csv module read a whole line before it checked a field: a 1 GB
    # line in a 1 MB gzip file cost 2 GB before "field larger than field limit".
    import csv
    lines = delimited._Lines(io.StringIO("id,text\n1,short\n2," + "x" * 1000 + "\n"), limit=100)
    lines.fields = 2
    assert next(lines) == "id,text\n" and next(lines) == "1,short\n"
    with pytest.raises(csv.Error, match="longer than 206 characters"):
        next(lines)
