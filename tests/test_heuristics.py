from scrubber import Cleaner, Config

BODY = ("The minister arrived in the capital on Wednesday for talks that officials "
        "described as difficult but necessary.")


def strip(text, **cfg):
    c = Cleaner(Config(default_rules=False, classifier=False, **cfg))
    out = c.clean(__import__("scrubber").Document("d", text))
    return out.text, [r.reason for r in out.removals]


def test_site_name_and_tagline_above_the_headline_go():
    text, why = strip(f"DealMakerz\n\nComplete British News World\n\nMinister visits the capital for talks\n\n{BODY}")
    assert text == f"Minister visits the capital for talks\n\n{BODY}"
    assert why == ["heuristic:head-furniture"] * 2


def test_byline_and_dateline_after_the_headline_stay():
    src = f"Minister visits the capital for talks\n\nBy Jane Doe\n\nMarch 3\n\n{BODY}"
    assert strip(src)[0] == src


def test_no_header_block_no_change():
    src = f"{BODY}\n\nShort line\n\n{BODY}"
    assert strip(src)[0] == src


def test_short_sentences_above_the_headline_stay():
    src = f"Breaking.\n\nMinister visits the capital for talks\n\n{BODY}"
    assert strip(src)[0] == src


def test_title_printed_twice_is_kept_once():
    text, why = strip(f"Minister visits the capital\n\nMinister visits the capital\n\n{BODY}")
    assert text == f"Minister visits the capital\n\n{BODY}"
    assert why == ["heuristic:repeated-title"]


def test_repeated_line_far_down_is_left_alone():
    src = "\n\n".join([BODY] * 2 + ["Chorus line"] + [BODY + " More."] * 8 + ["Chorus line"])
    assert strip(src)[0].count("Chorus line") == 2


def test_heuristics_can_be_disabled():
    src = f"DealMakerz\n\nMinister visits the capital for talks\n\n{BODY}"
    assert strip(src, disabled=("head-furniture",))[0] == src
    assert strip(src, heuristics=False)[0] == src
