import re
from collections import Counter

from scrubber.stats import Stats


def _listed(summary: str) -> list[str]:
    """The items of the summary's list of removals by reason."""
    return re.search(r"spans removed \((.*?)\);", summary).group(1).split(", ")


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
