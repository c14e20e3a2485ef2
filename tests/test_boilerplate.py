"""Corpus-learned boilerplate: repeated lines, counted per cluster."""

import textwrap

import numpy as np
import pytest
from texts import FURNITURE_BOTTOM, FURNITURE_TOP, article, sentences, with_furniture

from scrubber import Stats, clean
from scrubber.boilerplate import (REASON, Learned, common_shingles, count_per_cluster, drop_lines, drop_lines_each,
                                  learn, line_keys, line_words, source_of, strip, to_rules, without)
from scrubber.rules import check_examples, parse_rule_file


def test_line_keys_ignore_case_punctuation_and_digits_but_not_the_source():
    a = line_keys("Updated 5 hours ago\n\nSHARE this!", "site-a")
    b = line_keys("updated 12 hours ago\n\nShare this", "site-a")
    assert a[0] == b[0] and a[2] == b[2] and a[1] == 0
    assert line_keys("Share this", "site-b")[0] != b[2]


def test_source_is_the_url_host_the_jsonl_file_or_the_directory():
    assert source_of("x", {"url": "https://news.example.com/a/1"}, "url") == "news.example.com"
    assert source_of("x", {"site": "Harbour Times"}, "site") == "Harbour Times"
    assert source_of("crawl/part-1.jsonl:17") == "crawl/part-1.jsonl"
    assert source_of("crawl/site/page.txt") == "crawl/site"


def test_a_url_that_does_not_parse_is_its_own_source():
    # A crawl's WARC-Target-URI can be anything; one bad URL must not stop the run.
    assert source_of("x", {"url": "http://[bad/"}, "url") == "http://[bad/"


def test_copies_of_one_article_count_once():
    keys = [np.array([7, 8], np.uint64)] * 5 + [np.array([7], np.uint64)]
    uniq, counts = count_per_cluster(keys, np.array([0, 0, 0, 0, 0, 5]))
    assert dict(zip(uniq.tolist(), counts.tolist())) == {7: 2, 8: 1}


def test_learn_needs_enough_clusters_and_more_for_long_lines():
    short, long_ = np.uint64(1), np.uint64(2)
    keys = [np.array([short, long_], np.uint64) for _ in range(6)]
    words = [np.array([3, 30], np.int32) for _ in range(6)]
    sources = [""] * 6
    got = learn(keys, words, np.arange(6), sources, min_clusters=4, min_source_docs=1)
    assert set(got.counts) == {1}  # the 30-word line needs 8 clusters
    assert not learn(keys, words, np.zeros(6), sources, min_clusters=4, min_source_docs=1).counts


WRAPPED = textwrap.fill(
    "The council met on Tuesday evening to decide the future of the old bridge, which has been "
    "closed to traffic since the floods of last spring. Engineers told members that repairs would "
    "take at least two years and cost more than the town had set aside for all its roads, and "
    "that a new crossing further upstream would be cheaper to build and to keep. The mayor said a "
    "decision would come in March, after the residents of both banks had been heard at a meeting "
    "in the school hall, and that the ferry would run every day until then.", 62)


def test_a_hard_wrapped_paragraph_is_prose_however_short_its_lines():
    # Copies of one article that clustering left apart must not vote its
    # wrapped lines away as they would a menu of short lines.
    docs = [f"From the {town} desk\n\n{WRAPPED}" for town in ("Ayr", "Bude", "Cork", "Deal", "Ely", "Fife")]
    keys = [line_keys(d) for d in docs]
    words = [line_words(d) for d in docs]
    got = learn(keys, words, np.arange(6), [""] * 6, min_clusters=4, min_source_docs=1)
    assert not got.counts
    menus = [WRAPPED.replace("\n", "\n\n") for _ in range(6)]  # the same lines, each on its own
    got = learn([line_keys(d) for d in menus], [line_words(d) for d in menus], np.arange(6), [""] * 6,
                min_clusters=4, min_source_docs=1)
    assert len(got.counts) == WRAPPED.count("\n") + 1


def test_strip_drops_lines_and_collapses_blank_runs():
    text = "Nav\n\nBody one.\n\nFooter\n\nBody two."
    keys = line_keys(text)
    learned = Learned({int(keys[0]): 9, int(keys[4]): 9})
    assert strip(text, drop_lines(keys, learned)) == "Body one.\n\nBody two."
    assert line_words(text).tolist() == [1, 0, 2, 0, 1, 0, 2]


def test_furniture_lines_are_found_in_each_of_many_documents():
    texts = ["Nav\nBody one.\nFooter", "", "Body two.", "Footer\n\nNav\nBody three."]
    keys = [line_keys(t) for t in texts]
    learned = Learned({int(keys[0][0]): 9, int(keys[0][2]): 9})  # Nav, Footer
    assert drop_lines_each(keys, learned) == [[0, 2], [], [], [0, 2]]
    assert [drop_lines(k, learned) for k in keys] == [[0, 2], [], [], [0, 2]]
    assert drop_lines_each(keys, Learned({})) == [[], [], [], []]


def test_common_shingles_are_counted_once_per_cluster():
    rng = np.random.default_rng(5)
    sets = [np.unique(rng.integers(0, 40, 12).astype(np.uint32)) for _ in range(60)]
    groups = rng.integers(0, 20, 60)
    uniq, counts = count_per_cluster([s.astype(np.uint64) for s in sets], groups)
    want = uniq[counts >= 6].astype(np.uint32)  # shingle 0 is no key there
    assert common_shingles(sets, groups, 6).tolist() == want.tolist()
    assert 0 in np.concatenate(sets) and len(want)


def test_common_shingles_leave_the_set():
    s = np.array([1, 3, 5, 7], np.uint32)
    assert without(s, np.array([3, 7, 9], np.uint32)).tolist() == [1, 5]


def test_site_furniture_is_removed_and_counted_but_syndicated_text_stays():
    pages = [with_furniture(article(i)) for i in range(10)]
    syndicated = article(99)
    pages += [with_furniture(syndicated)] * 6  # one article, six copies on the site
    stats = Stats()
    out = list(clean(pages, stats=stats))
    assert len(out) == 11
    texts = [r["text"] for r in out]
    assert not any(line in t for t in texts for line in ("Skip to main menu", FURNITURE_BOTTOM[1]))
    assert any(syndicated.split("\n\n")[1] in t for t in texts)
    assert stats.removed[REASON] > 0


def test_a_small_corpus_learns_nothing():
    pages = [with_furniture(article(i)) for i in range(3)]
    # Without the classifier, which may judge the footer line on its own:
    # this is about the corpus pass.
    assert all("Contact the newsroom" in r["text"] for r in clean(pages, classifier=False))


def test_learned_rules_load_and_their_examples_hold(tmp_path):
    keys = line_keys("\n".join(FURNITURE_TOP))
    learned = Learned({int(k): 12 for k in keys}, {int(k): line for k, line in zip(keys, FURNITURE_TOP)})
    path = tmp_path / "learned-harbour.toml"
    path.write_text(to_rules(learned, "Harbour Times"))
    rules, _ = parse_rule_file(path)
    assert len(rules) == len(FURNITURE_TOP)
    assert rules[0].id.startswith("learned-harbour-times-")
    assert all(not check_examples(r) for r in rules)
    assert "# repeated in 12 clusters" in path.read_text()


def test_copies_kept_apart_by_their_furniture_keep_their_own_lines():
    # Nine copies of one article, each under its own long "Most read" list:
    # before stripping they share too little to be grouped strictly, and
    # counted apart their paragraphs would be learned as furniture.
    import random

    from texts import WORDS

    rng = random.Random("most read")
    story = article(77, 8)
    pages = [with_furniture(article(i)) for i in range(10)]
    for _ in range(9):
        most_read = [" ".join(rng.choice(WORDS) for _ in range(9)).capitalize() for _ in range(11)]
        pages.append(with_furniture(story + "\n\nMost read\n" + "\n".join(most_read)))
    out = list(clean(pages))
    lede = story.split("\n\n")[1]
    assert sum(lede in r["text"] for r in out) == 1  # one cluster, its text kept


def test_furniture_is_learned_per_source_field():
    from scrubber import Config, Pipeline

    recs = [{"id": f"a{i}", "site": "harbour", "text": with_furniture(article(i))} for i in range(8)]
    recs += [{"id": f"b{i}", "site": "other", "text": article(50 + i) + "\n\nContact the newsroom"} for i in range(3)]
    pipe = Pipeline(Config(source_field="site", dedup=False, classifier=False))
    reader = pipe.reader()
    learned = pipe.learn(reader.record_to_document(r, r["id"]) for r in recs)
    assert "Contact the newsroom" in learned.examples.values()
    # the classifier alone would take the footer too; this is about the corpus pass
    out = {r["id"]: r["text"] for r in clean(recs, source_field="site", classifier=False)}
    assert "Contact the newsroom" not in out["a0"]
    assert out["b0"].endswith("Contact the newsroom")  # too few pages of "other" to learn from


def test_annotated_records_name_the_lines_the_corpus_pass_took():
    pages = [with_furniture(article(i)) for i in range(10)]
    out = list(clean(pages, annotate=True, classifier=False))  # what the classifier takes is not counted
    mine = [x for r in out for x in r["removed"] if x["reason"] == REASON]
    assert {x["text"] for x in mine} >= {FURNITURE_BOTTOM[0], FURNITURE_BOTTOM[1]}
    assert not any(x["text"] in r["text"].split("\n") for r in out for x in r["removed"] if x["reason"] == REASON)


def test_two_hundred_copies_with_local_paragraphs_give_one_whole_article():
    from texts import sentences, site_furniture, syndicated

    story = article(500, 10)
    others = [f"{site_furniture(i % 20)[0]}\n\n{article(600 + i)}\n\n{site_furniture(i % 20)[1]}"
              for i in range(60)]
    stats = Stats()
    out = list(clean(syndicated(story, 200) + others, stats=stats))
    paras = story.split("\n\n")
    holding = [r for r in out if paras[1] in r["text"]]
    assert len(holding) == 1
    assert all(p in holding[0]["text"] for p in paras)  # the whole article, headline included
    locals_ = [" ".join(sentences(10_000 + k, 2)) for k in range(200)]
    assert sum(any(p in r["text"] for p in locals_) for r in out) == 1  # no fragment left behind
    assert len(out) == 61


def test_a_sites_footer_across_two_hundred_different_articles_goes_from_all():
    from texts import site_furniture

    top, bottom = site_furniture(3)
    pages = [f"{top}\n\n{article(700 + i)}\n\n{bottom}" for i in range(200)]
    out = list(clean(pages, classifier=False))
    assert len(out) == 200
    assert not any(line in r["text"] for r in out for line in bottom.split("\n"))
    assert all(article(700 + i).split("\n\n")[1] in r["text"] for i, r in enumerate(out))


def test_no_document_loses_most_of_its_words_to_corpus_furniture():
    from scrubber.boilerplate import guarded_drops

    keys = [line_keys("Menu\nA long paragraph of the article itself, in many words here."),
            line_keys("Menu\nA long paragraph of the article itself, in many words here.\nMore text.")]
    words = [line_words("Menu\nA long paragraph of the article itself, in many words here."),
             line_words("Menu\nA long paragraph of the article itself, in many words here.\nMore text.")]
    learned = Learned({int(keys[0][0]): 9, int(keys[0][1]): 9})
    drops, whole = guarded_drops(keys, words, learned)
    assert drops == [[], []] and whole == 2
    drops, whole = guarded_drops(keys, words, Learned({int(keys[0][0]): 9}))
    assert drops == [[0], [0]] and whole == 0


def test_a_line_on_copies_that_grouping_split_is_not_furniture():
    from scrubber.boilerplate import spare

    # Six copies of an article that grouping split into six groups, and six
    # other articles; the site's footer is on all twelve. The article's
    # line is most of each document it is on; the footer a small part of half.
    body = "word " * 40
    texts = [f"{body}\nFooter of the site\nlocal {i}" for i in range(6)]
    texts += [f"{article(800 + i)}\nFooter of the site" for i in range(6)]
    keys = [line_keys(t) for t in texts]
    words = [line_words(t) for t in texts]
    learned = learn(keys, words, np.arange(12), [""] * 12, min_clusters=4, min_clusters_long=4,
                    min_source_docs=1)
    assert {int(keys[0][0]), int(keys[0][1])} <= set(learned.counts)
    kept = spare(keys, words, learned)
    assert int(keys[0][0]) not in kept and int(keys[0][1]) in kept


def test_one_line_documents_keep_their_line_however_often_it_repeats():
    # Furniture keys read any number as one 0; exact copies need the same
    # count of digits. These are 4 groups of one line that repeats in all.
    rows = [f"Daily price of wheat: {10 ** (i % 4) + i} cents a bushel, said the market" for i in range(40)]
    stats = Stats()
    out = list(clean(rows, min_words=1, stats=stats))
    assert len(out) == 4 and all(r["text"].startswith("Daily price of wheat") for r in out)
    assert stats.removed[REASON] == 0


def test_a_short_page_keeps_the_furniture_that_would_be_most_of_it():
    footer = "Sign up for the morning briefing from the harbour desk today"
    pages = [f"{article(900 + i)}\n\n{footer}" for i in range(12)] + ["Storm closes the harbour road\n" + footer]
    stats = Stats()
    out = list(clean(pages, classifier=False, min_words=1, stats=stats))
    assert all(footer not in r["text"] for r in out[:12])
    assert out[12]["text"].endswith(footer)
    assert stats.counts["documents_spared"] == 1 and "1 document kept its corpus furniture" in stats.summary()


def test_documents_that_differ_only_in_their_numbers_are_one_cluster():
    # As CCNet normalises paragraphs: every digit is 0, so a ticker or score
    # page that differs only in its numbers is a copy of the first.
    out = list(clean(["Wheat closed at 412 cents on the Chicago board today.",
                      "Wheat closed at 398 cents on the Chicago board today."], min_words=1))
    assert [r["text"] for r in out] == ["Wheat closed at 412 cents on the Chicago board today."]


def test_common_shingles_in_partitions_on_disk_are_the_same():
    # A corpus over the budget is counted a partition of values at a time.
    rng = np.random.default_rng(11)
    sets = [np.unique(rng.integers(0, 3000, 200).astype(np.uint32)) for _ in range(300)]
    groups = rng.integers(0, 120, 300)
    whole = common_shingles(sets, groups, 4)
    assert len(whole) > 100
    assert common_shingles(sets, groups, 4, budget=2000).tolist() == whole.tolist()


def test_lines_learned_a_range_of_keys_at_a_time_are_the_same():
    # A corpus over the budget is counted one range of key values at a time.
    rng = np.random.default_rng(12)
    pool = rng.integers(1, 2**64 - 1, 400, dtype=np.uint64)
    pool[:5] = [1, 2, 2**63, 2**64 - 2, 0]  # both ends of the range, and lines without words
    keys = [pool[rng.integers(0, 400, rng.integers(0, 30))] for _ in range(500)]
    words = [rng.integers(0, 40, len(k)).astype(np.int32) for k in keys]
    groups, sources = rng.integers(0, 150, 500), [f"s{i % 3}" for i in range(500)]
    whole = learn(keys, words, groups, sources, min_clusters=3)
    assert len(whole.counts) > 50
    for budget in (1000, 50):
        part = learn(keys, words, groups, sources, min_clusters=3, budget=budget)
        assert list(part.counts.items()) == list(whole.counts.items())


# --- scrubber learn: rules that fire in any script, files that always parse ---

#: Furniture lines whose words carry combining marks (Unicode Mn, Mc): the
#: regex module's \w holds them, Python's re does not.
MARKED = ["বাংলা খবর আজকের",          # Bengali vowel signs
          "ताज़ा ख़बरें हिंदी में",           # Devanagari matras, nukta, anusvara
          "ข่าววันนี้ ล่าสุด",               # Thai vowels and tone marks
          "Sekce x\u0301 zpravodajství"]  # a decomposed accent with no precomposed form


def _marked_site(d, n=40):
    import random
    rng = random.Random(1)
    words = ("council tram network district voted plan debate decade hillside town orchid "
             "found rare botanist river bridge school mayor budget street market").split()
    d.mkdir()
    for i in range(n):
        body = "\n\n".join(" ".join(rng.choice(words) for _ in range(40)) + "." for _ in range(4))
        (d / f"{i:02d}.txt").write_text(body + "\n\n" + "\n\n".join(MARKED), encoding="utf-8")
    return d


def test_learned_rules_match_their_lines_in_any_script_and_fire(tmp_path):
    from clirunner import run

    from scrubber import Cleaner, Config, Document
    from scrubber.rules import off_fast_path

    site = _marked_site(tmp_path / "site")
    out = tmp_path / "learned.toml"
    r = run("learn", site, "-o", out, "-j", "1")
    assert r.exit_code == 0, r.output
    rules, _ = parse_rule_file(out)
    learned = {ex for rule in rules for ex in rule.match}
    import unicodedata
    assert {unicodedata.normalize("NFC", x) for x in MARKED} <= {unicodedata.normalize("NFC", x) for x in learned}
    assert [p for rule in rules for p in check_examples(rule)] == []
    assert off_fast_path(rules) == []  # the RE2 pre-filter takes them all
    assert run("rules", "check", out).exit_code == 0
    # and in a run (rules only: nothing else may take the lines first)
    cleaner = Cleaner(Config(rule_files=(str(out),), default_rules=False, heuristics=False, classifier=False))
    doc = cleaner.clean(Document("p", (site / "00.txt").read_text(encoding="utf-8")))
    assert not any(line in doc.text for line in learned)
    assert sum(r.reason.startswith("rule:learned-site-") for r in doc.removals) == len(MARKED)


def test_learned_patterns_keep_marks_inside_words():
    from scrubber.boilerplate import _pattern
    assert _pattern("বাংলা খবর আজকের") == r"^\W*বাংলা\W+খবর\W+আজকের\W*$"
    assert _pattern("Updated 5 mins, page 12") == r"^\W*Updated\W+\d+\W+mins\W+page\W+\d+\W*$"


@pytest.mark.parametrize("name", ["a\nb", "x\r\ny\x7f\x00z", "\u2028", "\udcff"])
def test_learn_writes_valid_toml_whatever_the_name(tmp_path, name):
    from clirunner import run

    site = _marked_site(tmp_path / "site", 12)
    out = tmp_path / "n.toml"
    assert run("learn", site, "--name", name, "-o", out, "-j", "1").exit_code == 0
    rules, _ = parse_rule_file(out)
    assert rules and all(r.id.startswith("learned-") and "\n" not in r.id for r in rules)


def test_learn_writes_valid_toml_for_a_folder_name_with_a_line_break(tmp_path):
    from clirunner import run

    site = _marked_site(tmp_path / "news\nsite", 12)
    out = tmp_path / "n.toml"
    assert run("learn", site, "-o", out, "-j", "1").exit_code == 0
    rules, _ = parse_rule_file(out)
    assert rules and rules[0].id.startswith("learned-news-site-")


def test_a_story_printed_a_sentence_to_a_line_is_not_learned_from_its_copies():
    # 20 copies on 50 sites, each cut, edited (8 words) and in its site's
    # furniture, a sentence to a line: grouping split them, their sentences
    # (short lines) were learned as furniture from every copy, and 20 of 20
    # came out as fragments, never joined.
    import random

    from texts import WORDS

    rng = random.Random(1)
    func = "the a of to in and that for on with as by at from was is were has had said will would".split()

    def sentence(lo=10, hi=24):
        ws = " ".join(rng.choice(func) if rng.random() < 0.35 else rng.choice(WORDS)
                      for _ in range(rng.randint(lo, hi)))
        return ws[0].upper() + ws[1:] + "."

    def furniture(s):
        place = ["North", "South", "East", "West", "Upper", "Lower", "Old", "New", "Port", "Lake"][s % 10]
        name = f"The {place} Courier {s}"
        return (f"{name}\nYour trusted source for local news in {place}ville and the valley",
                f"Stay informed with {name}: the stories that matter to {place}ville, every morning in your "
                f"inbox.\n{name} is owned and operated by Valley Publishing, a family business serving "
                "readers for decades.")

    story = [[sentence() for _ in range(rng.randint(2, 4))] for _ in range(6)]
    docs = []
    for _ in range(20):
        top, bottom = furniture(rng.randrange(50))
        c = rng.randint(4, 6)
        o = rng.randint(0, 6 - c)
        paras = [list(p) for p in story[o:o + c]]
        for _ in range(8):
            p = rng.choice(paras)
            q = rng.randrange(len(p))
            w = p[q].split(" ")
            w[rng.randrange(len(w))] = rng.choice(WORDS)
            p[q] = " ".join(w)
        lines = [x for p in paras for x in p]
        lines.insert(1, "Local: " + sentence(8, 14))
        lines.insert(rng.randint(2, len(lines)), sentence() + " " + sentence())
        docs.append(f"{top}\n\n" + "\n".join(lines) + f"\n\n{bottom}")
    out = list(clean(docs, classifier=False))
    assert len(out) <= 2
    flat = [x for p in story for x in p]
    for r in out:  # each kept copy has every sentence it came with
        came = docs[int(r["id"].strip("<>").split()[1]) - 1]
        assert [x for x in flat if x in came] == [x for x in flat if x in r["text"]]


def test_a_run_of_sentences_goes_from_the_second_grouping_only_whole():
    from scrubber.boilerplate import SENTENCE_BIT, regroup_drop_lines, sentence_runs

    s = "The council met on Tuesday to vote on the plan."
    para = " ".join([s] * 4)
    assert sentence_runs([s, s, "", s, para, s]) == [(0, 6)]  # a paragraph-long line does not end it
    assert sentence_runs([s, s, s, "Menu", s]) == []
    story = [f"Sentence {w} of the story that the wire sent out today." for w in "one two three four".split()]
    footer = [f"Footer sentence {w} that the site prints under every page." for w in "one two three four".split()]
    edited = story[:2] + ["Sentence three of the story that a desk edited today."] + story[3:]
    texts = ["\n".join(["Menu"] + edited + [para, para]), "\n".join(["Menu", para, para] + footer)]
    keys = [line_keys(t) for t in texts]
    assert all(k & SENTENCE_BIT for k in keys[0][1:5]) and not keys[0][0] & SENTENCE_BIT
    words = [line_words(t) for t in texts]
    from scrubber.boilerplate import line_ids

    learned = Learned({int(k): 9 for k in line_ids(np.concatenate([keys[0][[0, 1, 2, 4]], keys[1][[0, 3, 4, 5, 6]]]))})
    drops = regroup_drop_lines(keys, words, learned)
    # the story's run has a line not learned (its edit): its learned sentences stay;
    # the footer's run is learned whole and goes; "Menu" goes from both
    assert drops[0].tolist() == [0] and drops[1].tolist() == [0, 3, 4, 5, 6]


def test_a_footer_goes_whether_or_not_it_ends_a_run_of_sentences():
    # The run mark was part of the line's key: under pages printed a
    # sentence to a line the footer was one key, under paragraphs another,
    # and the three paragraph pages fell under the count and kept it.
    footer = ["Sign up for the morning briefing and get the top stories in your inbox.",
              "The Harbour Times is published by Coastline Media Group in the county."]
    docs = []
    for i in range(12):
        s = sentences(2000 + i, 10)
        body = s if i < 9 else [" ".join(s[:5]), " ".join(s[5:])]
        docs.append("\n".join(["The Harbour Times", "Home | News | Sport", *body, *footer]))
    out = list(clean(docs, classifier=False))
    assert len(out) == 12 and not any(footer[0] in r["text"] for r in out)
