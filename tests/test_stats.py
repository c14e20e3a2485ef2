import re
from collections import Counter

from scrubber.stats import Stats


def _listed(summary: str) -> list[str]:
    """The items of the summary's list of removals by reason."""
    return re.search(r"spans? removed \((.*?)\);", summary).group(1).split(", ")


def test_summary_names_the_top_reasons_and_counts_the_rest_so_the_list_adds_up():
    removed = Counter({f"rule:r{i:02d}": 30 - i for i in range(12)})
    stats = Stats(removed=removed)
    stats.counts["lines_removed"] = sum(removed.values())
    listed = _listed(stats.summary())
    assert listed[0] == "rule:r00 30"  # most frequent first
    assert re.fullmatch(r"\d+ more by \d+ other reasons", listed[-1])
    assert sum(int(item.split()[-1] if ":" in item else item.split()[0]) for item in listed) \
        == sum(removed.values())


def test_summary_of_few_reasons_lists_them_all_and_nothing_more():
    stats = Stats(removed=Counter({"rule:a": 2, "classifier": 1}))
    stats.counts["lines_removed"] = 3
    assert "3 lines and 0 spans removed (rule:a 2, classifier 1);" in stats.summary()


def test_summary_counts_one_of_a_thing_in_the_singular():
    one = Stats(counts=Counter(documents_in=1, documents_out=1, lines_removed=1, spans_removed=1,
                               bad_inputs=1, documents_spared=1, halved_by_rule=1))
    said = one.summary()
    assert "1 document in" in said and "1 line and 1 span removed" in said
    assert "1 bad input skipped" in said and "1 document lost over half its text" in said
    assert "1 document kept its corpus furniture (it would have taken over half its words)" in said
    two = Stats(counts=Counter(documents_in=2, lines_removed=2, bad_inputs=2, documents_spared=2))
    said = two.summary()
    assert "2 documents in" in said and "2 lines and 0 spans removed" in said
    assert "2 bad inputs skipped" in said and "2 documents kept their corpus furniture" in said
