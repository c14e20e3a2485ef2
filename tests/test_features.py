import numpy as np

from scrubber.features import line_features, names
from scrubber.languages import stopwords

LINES = [
    "Home | News | Sport | Weather",
    "Minister visits the capital",
    "The minister arrived in the capital on Wednesday for talks that officials called difficult.",
    "\u201cWe will not give up,\u201d she said.",
    "Privacy Policy",
]


def column(x, name):
    return x[:, names().index(name)]


def test_one_row_per_line_one_column_per_name():
    x = line_features(LINES, stopwords("en"))
    assert x.shape == (len(LINES), len(names()))
    assert np.isfinite(x).all()


def test_word_counts_match_str_split():
    x = line_features(LINES, stopwords("en"))
    assert np.expm1(column(x, "log_words")).round().tolist() == [len(s.split()) for s in LINES]


def test_a_line_without_spaces_counts_its_words_by_characters():
    # Chinese and Japanese put no spaces between words: a paragraph is one
    # whitespace token, and must not read as a one-word menu item.
    zh = "市议会周二投票批准修建一座新的跨河大桥，结束了这场争论。"  # 26 Han characters
    ja = "市議会は火曜日、新しい橋を架ける計画を承認した。"  # kana and kanji
    lines = [zh, ja, "首页 | 新闻", "The vote was close, and the mayor spoke for the bridge."]
    x = line_features(lines, stopwords("en"))
    words = np.expm1(column(x, "log_words")).round().tolist()
    assert words[0] == 1 + 26 // 2 and words[1] >= 10
    assert words[2] == 3 + 4 // 2
    # the stop words of a spaced line after them are still its own
    assert column(x, "stop_any").tolist() == [0, 0, 0, 1]
    # Thai spaces phrases, not words: about four characters a word
    th = "สภาเมืองลงมติเมื่อวันอังคารอนุมัติการสร้างสะพานแห่งใหม่ข้ามแม่น้ำ ยุติการถกเถียง"
    words = np.expm1(column(line_features([th], frozenset()), "log_words")).round()
    assert words[0] == 2 + len(th.replace(" ", "")) // 4


def test_menu_separators_are_seen():
    sep = column(line_features(LINES, stopwords("en")), "sep_any")
    assert sep[0] == 1 and sep[2] == 0


def test_sentence_end_counts_a_closing_quote_after_the_full_stop():
    x = line_features(["He left.", "She said: \u201cno.\u201d", "Read more", "Contact:"], frozenset())
    assert column(x, "ends_sentence").tolist() == [1, 1, 0, 0]
    assert column(x, "ends_colon").tolist() == [0, 0, 0, 1]


def test_stop_words_are_dense_in_prose_and_absent_in_menus():
    stop = column(line_features(LINES, stopwords("en")), "stop_rel")
    assert stop[2] > 1 > 2 * stop[0]


def test_without_a_stop_word_list_the_stop_columns_are_zero():
    x = line_features(LINES, frozenset())
    assert column(x, "stop_rel").max() == 0 and column(x, "doc_has_list").max() == 0


def test_position_and_words_before_run_from_top_to_bottom():
    x = line_features(LINES, frozenset())
    assert column(x, "position")[0] == 0 and column(x, "position")[-1] == 1
    assert np.all(np.diff(column(x, "words_before")) > 0)


def test_characters_outside_the_basic_plane_do_not_break_counting():
    x = line_features(["Great news \U0001F600 today.", "plain line"], frozenset())
    assert np.expm1(column(x, "log_words")).round().tolist() == [4, 2]


def test_window_means_are_means_over_neighbours_clipped_at_the_edges():
    import numpy as np
    from scrubber.features import window_means
    cols = np.arange(12, dtype=float).reshape(6, 2) ** 2
    for w, got in zip((1, 3), window_means(cols, (1, 3))):
        want = [cols[max(i - w, 0):i + w + 1].mean(axis=0) for i in range(6)]
        assert np.allclose(got, want)


def test_a_batch_gives_each_document_its_own_features():
    from scrubber.features import batch_features, bounds_of
    docs = [LINES, LINES[1:3], ["Ein Satz, der endet.", "Impressum"] * 4, ["Only one line"], LINES[::-1]]
    stops = [stopwords("en"), frozenset(), stopwords("de"), stopwords("en"), stopwords("en")]
    x = batch_features(docs, stops)
    b = bounds_of([len(d) for d in docs])
    for d, (lines, stop) in enumerate(zip(docs, stops)):
        # the same floats, not just close: the output must not depend on batching
        assert np.array_equal(x[b[d]:b[d + 1]], line_features(lines, stop))


def test_a_long_document_counted_in_blocks_of_characters_gets_the_same_features(monkeypatch):
    import scrubber.features as features
    docs = [LINES * 3, ["x", "\u5e02\u653f\u5e9c\u5ba3\u5e03\u3002" * 9, "\U0001F600 emoji line."] * 4]
    stops = [stopwords("en"), frozenset()]
    whole = features.batch_features(docs, stops)
    monkeypatch.setattr(features, "CHAR_BLOCK", 7)  # blocks shorter than many of the lines
    assert np.array_equal(features.batch_features(docs, stops), whole)


def test_window_means_stop_at_each_documents_edges():
    from scrubber.features import window_means
    rng = np.random.default_rng(1)
    cols = rng.random((40, 3))
    bounds = np.array([0, 7, 8, 40])
    batch = window_means(cols, bounds=bounds)
    for lo, hi in zip(bounds[:-1], bounds[1:]):
        for got, alone in zip(batch, window_means(cols[lo:hi])):
            assert np.array_equal(got[lo:hi], alone)


def test_a_line_repeated_in_its_page_is_marked_in_any_case_and_spacing():
    lines = ["Antworten", "Der Rat hat die Brücke saniert, sagte der Sprecher.", "antworten ",
             "Impressum", "Die Arbeiten dauerten drei Monate.", "ANTWORTEN"]
    repeats = np.expm1(column(line_features(lines, frozenset()), "repeats")).round().tolist()
    assert repeats == [2, 0, 2, 0, 0, 2]


def test_repeats_are_counted_within_a_page_not_across_the_batch():
    from scrubber.features import batch_features
    docs = [["Reply", "One long line of prose here."] * 3, ["Reply", "Another page entirely, with prose."] * 3]
    x = batch_features(docs, [frozenset(), frozenset()])
    assert np.expm1(x[0, names().index("repeats")]).round() == 2


def test_repeats_do_not_depend_on_how_a_page_is_spaced():
    from scrubber.features import batch_features
    even = ["Reply", "Der Rat hat die Brücke saniert.", "reply", "Read more", "READ MORE"]
    odd = ["Reply", "Der Rat hat\tdie Brücke saniert.", "reply\u00a0", "Read\u2009more", " READ  MORE"]
    col = names().index("repeats")
    x = batch_features([even, odd], [frozenset(), frozenset()])
    assert np.expm1(x[:5, col]).round().tolist() == [1, 0, 1, 1, 1]
    assert np.array_equal(x[:5, col], x[5:, col])
