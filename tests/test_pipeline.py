"""The library API: the same pipeline as the CLI, from Python."""

import json
import os

import pytest

from texts import LONG_ARTICLE, LONG_OTHER

from scrubber import Config, Document, InputError, Pipeline, Stats, clean, clean_text

ARTICLE, OTHER = LONG_ARTICLE, LONG_OTHER


def test_clean_text_strips_furniture():
    assert clean_text(f"Share this:\n\n{ARTICLE}\n\nLike this:") == ARTICLE


def test_clean_accepts_dicts_strings_and_documents_in_order():
    out = list(clean([{"id": "a", "text": ARTICLE, "url": "http://x"}, OTHER,
                      Document("c", "Share this:")], dedup=False))
    assert [r["id"] for r in out] == ["a", "<record 2>"]
    assert out[0] == {"id": "a", "text": ARTICLE, "url": "http://x"}


def test_a_documents_own_id_names_it_whatever_id_its_meta_row_holds():
    # Document(url, text, meta=row) came out under the row's id while
    # cluster and duplicates named the urls: ids no output record held
    rows = [{"id": 1, "url": "https://a/1", "text": ARTICLE}, {"id": 2, "url": "https://b/2", "text": ARTICLE + " More."}]
    out = list(clean([Document(r["url"], r["text"], meta=r) for r in rows]))
    assert [(r["id"], r["url"], r["cluster"], r["duplicates"]) for r in out] == \
        [("https://b/2", "https://b/2", "https://b/2", ["https://a/1"])]
    out = list(Pipeline(Config()).run([Document(r["url"], r["text"], meta=r) for r in rows]))
    assert [__import__("json").loads(x)["id"] for x in out] == ["https://b/2"]
    # a row's own id, typed as it came, stays
    assert [(r["id"], r["cluster"]) for r in clean(rows)] == [(2, "2")]


def test_pipeline_run_makes_a_documents_meta_json_as_clean_does():
    # a datetime or NaN in a caller's Document.meta was a TypeError deep in
    # the writer under Pipeline.run, where clean() made them JSON
    import datetime
    import json
    docs = [Document("x", ARTICLE, meta={"id": float("nan"), "seen": datetime.datetime(2024, 5, 1, 12, 30)})]
    [line] = Pipeline(Config(dedup=False)).run(docs)
    assert json.loads(line) == {"id": "x", "seen": "2024-05-01T12:30:00", "text": ARTICLE}


def test_a_missing_text_from_pandas_is_named_as_missing_not_as_a_number():
    with pytest.raises(InputError, match=r"<record 1>: 'text' is NaN \(a missing value\), not a string"):
        list(clean([{"id": "a", "text": float("nan")}]))


def test_exact_duplicates_are_always_caught_even_when_short():
    out = list(clean([{"id": "1", "text": "Short note."}, {"id": "2", "text": "short   NOTE"}]))
    assert [r["id"] for r in out] == ["1"]
    assert out[0]["duplicates"] == ["2"] and out[0]["cluster"] == "1"


def test_near_duplicate_keeps_the_most_complete_copy():
    teaser = ARTICLE.split(". ")[0] + ". " + ARTICLE.split(". ")[1] + "."
    recs = [{"id": "teaser", "text": teaser + " Read the full story on our site"},
            {"id": "full", "text": ARTICLE + "\n\nSource: Example Wire"},
            {"id": "other", "text": OTHER}]
    out = list(clean(recs))
    assert [r["id"] for r in out] == ["full", "other"]
    assert out[0]["duplicates"] == ["teaser"]


def test_keep_duplicates_marks_instead_of_dropping():
    out = list(clean([{"id": "1", "text": ARTICLE}, {"id": "2", "text": ARTICLE + " Extra."}],
                     keep_duplicates=True))
    # the longer copy represents the cluster; both stay, in input order
    assert [(r["id"], r.get("duplicate_of")) for r in out] == [("1", "2"), ("2", None)]
    assert [r["cluster"] for r in out] == ["2", "2"] and out[1]["duplicates"] == ["1"]


def test_distinct_articles_are_all_kept():
    assert len(list(clean([ARTICLE, OTHER]))) == 2


def test_min_words_and_empty_documents_are_dropped_and_counted():
    stats = Stats()
    out = list(clean(["Share this:", "Two words", ARTICLE], stats=stats, min_words=3))
    assert len(out) == 1
    assert stats.counts["dropped_empty"] == 1 and stats.counts["dropped_short"] == 1
    assert stats.removed["rule:share-buttons"] == 1


def test_a_document_of_punctuation_or_emoji_has_no_word_and_is_dropped():
    # "...", "***" or "😀😀😀" counted as a word each and were kept (two of
    # them even clustered as duplicates).
    stats = Stats()
    out = list(clean(["...", "\u2014", "***\n---\n###", "\u3002\u3002\u3002", "\U0001F600" * 3, "OK", "\u6570"],
                     stats=stats, dedup=False))
    assert [r["text"] for r in out] == ["OK", "\u6570"] and stats.counts["dropped_short"] == 5
    assert len(list(clean(["...", "OK"], dedup=False, min_words=0))) == 2  # 0: keep whatever is not empty


def test_min_words_counts_chinese_and_thai_words_by_their_characters():
    zh = "\u5e02\u653f\u5e9c\u5468\u4e8c\u5ba3\u5e03\uff0c\u5c06\u5728\u6cb3\u4e0a\u65b0\u5efa\u4e00\u5ea7\u5927\u6865\u3002"  # 18 characters, ~9 words
    th = "\u0e23\u0e31\u0e10\u0e1a\u0e32\u0e25\u0e1b\u0e23\u0e30\u0e01\u0e32\u0e28\u0e2a\u0e23\u0e49\u0e32\u0e07\u0e2a\u0e30\u0e1e\u0e32\u0e19"  # 22 characters, ~5 words
    kept = [r["text"] for r in clean([zh, th, "\u5927\u6865"], classifier=False, dedup=False, min_words=5)]
    assert kept == [zh, th]


def test_options_equal_a_config():
    recs = [ARTICLE, ARTICLE]
    assert list(clean(recs, Config(dedup=False))) == list(clean(recs, dedup=False))


def _many_rows():
    import random
    rng = random.Random(7)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=6)) for _ in range(3000)]
    rows = [{"id": str(i), "text": "Share this:\n\n" + " ".join(rng.choices(vocab, k=80)) + "."}
            for i in range(150)]  # more than one batch, so workers really share the work
    rows += [{"id": "copy", "text": rows[3]["text"] + "\n\nLeave a Reply"}]
    return rows


def test_output_is_byte_identical_whatever_the_number_of_workers():
    rows = _many_rows()
    docs = lambda: (Document(r["id"], r["text"]) for r in rows)  # noqa: E731
    outputs = [b"".join(Pipeline(Config(workers=w)).run(docs())) for w in (1, 2, 3)]
    assert outputs[0] == outputs[1] == outputs[2]
    assert outputs[0].count(b"\n") == 150
    assert b'"duplicates":["copy"]' in outputs[0]


def test_workers_started_from_a_threaded_caller_give_the_same_output():
    # A caller with threads of its own gets workers from a fork server
    # (forking a threaded process can inherit a held lock); same output.
    import threading
    rows = _many_rows()
    docs = lambda: (Document(r["id"], r["text"]) for r in rows)  # noqa: E731
    alone = b"".join(Pipeline(Config(workers=2)).run(docs()))
    stop = threading.Event()
    busy = threading.Thread(target=stop.wait)
    busy.start()
    try:
        threaded = b"".join(Pipeline(Config(workers=2)).run(docs()))
    finally:
        stop.set()
        busy.join()
    assert threaded == alone
    assert threaded == b"".join(Pipeline(Config(workers=1)).run(docs()))


# --- in a caller's loop, in a caller's processes ------------------------------


def test_clean_text_builds_its_cleaner_once_per_configuration(monkeypatch):
    import scrubber.cleaner as cleaner_module
    built = []
    real = cleaner_module.load_rules_and_disabled
    monkeypatch.setattr(cleaner_module, "load_rules_and_disabled", lambda *a, **k: built.append(1) or real(*a, **k))
    monkeypatch.setattr(cleaner_module, "_cache", type(cleaner_module._cache)())
    for _ in range(3):
        assert clean_text(f"Share this:\n\n{ARTICLE}") == ARTICLE
    assert len(built) == 1
    clean_text(ARTICLE, favor="recall")  # another configuration, another Cleaner
    assert len(built) == 2


def test_clean_text_checks_the_settings_of_one_call_signature_once(monkeypatch):
    # Each call made and checked its Config again (Config(), then with_):
    # on a short text that cost as much as cleaning it.
    from scrubber import config as config_module
    checked = []
    real = config_module.Config.__post_init__
    monkeypatch.setattr(config_module.Config, "__post_init__", lambda self: checked.append(1) or real(self))
    for round in range(3):
        if round == 1:
            checked.clear()  # the first round may make them
        assert clean_text(f"Share this:\n\n{ARTICLE}", favor="recall") == ARTICLE
        clean_text(ARTICLE)
    assert checked == []
    clean_text(ARTICLE, classifier=True)
    with pytest.raises(TypeError, match="Config.annotate must be True or False, not 1"):
        clean_text(ARTICLE, annotate=1)  # equal to True, yet refused as before
    with pytest.raises(TypeError, match="Config.workers must be an integer"):
        clean_text(ARTICLE, workers="4")

def test_clean_text_refuses_settings_one_text_in_one_text_out_cannot_honour():
    # min_words=50 returned the short text, engine and index did nothing
    for options in ({"min_words": 50}, {"engine": "ray"}, {"index": "seen.db"}, {"dedup": True},
                    {"annotate": True, "favor": "recall"}):
        with pytest.raises(ValueError, match=r"clean_text\(\) returns one cleaned text, so "):
            clean_text(ARTICLE, **options)
    with pytest.raises(ValueError, match="so min_words would do nothing"):
        clean_text(ARTICLE, min_words=50, disabled=["x"])  # the unhashable path too
    assert clean_text(ARTICLE, dedup=False, boilerplate=False, min_words=Config().min_words) == ARTICLE


def test_clean_text_sees_a_rule_file_edited_between_calls(tmp_path):
    rules = tmp_path / "mine.toml"
    rule = '[[rule]]\nid = "promo"\ndescription = "promo"\npattern = "^{0}$"\nmatch = ["{0}"]\n'
    rules.write_text(rule.format("Buy now"))
    cfg = Config(rule_files=(str(rules),))
    assert clean_text(f"Buy now\n\n{ARTICLE}\n\nSale today", cfg) == f"{ARTICLE}\n\nSale today"
    rules.write_text(rule.format("Sale today"))  # another size: a new stamp even in the same ns
    assert clean_text(f"Buy now\n\n{ARTICLE}\n\nSale today", cfg) == f"Buy now\n\n{ARTICLE}"


def _in_another_process(payload: bytes) -> tuple:
    import pickle
    cleaner, config, pipe = pickle.loads(payload)
    text = f"Share this:\n\n{ARTICLE}\n\nLike this:"
    lines = b"".join(pipe.run([Document("a", text), Document("b", OTHER)]))
    return cleaner.clean_text(text), config.min_words, lines


def test_cleaner_config_and_pipeline_pickle_and_work_in_a_spawned_process(tmp_path):
    import multiprocessing
    import pickle
    from scrubber import Cleaner
    rules = tmp_path / "mine.toml"
    rules.write_text('[[rule]]\nid = "promo"\ndescription = "promo"\npattern = "^Buy now$"\n'
                     'match = ["Buy now"]\n')
    config = Config(min_words=3, rule_files=(str(rules),))
    payload = pickle.dumps((Cleaner(config), config, Pipeline(config)))
    rules.unlink()  # the rules travel in the pickle, not the path
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        text, min_words, lines = pool.apply(_in_another_process, (payload,))
    assert text == ARTICLE and min_words == 3
    here = pickle.loads(payload)[2]
    assert lines == b"".join(here.run([Document("a", f"Share this:\n\n{ARTICLE}\n\nLike this:"),
                                       Document("b", OTHER)]))
    assert pickle.loads(payload)[0].clean_text(f"Buy now\n\n{ARTICLE}") == ARTICLE


def test_copies_of_a_pickled_cleaner_share_one_rebuilt_cleaner():
    import pickle
    from scrubber import Cleaner
    data = pickle.dumps(Cleaner(Config(min_words=7)))
    assert pickle.loads(data) is pickle.loads(data)


def test_values_json_cannot_hold_pass_through_as_their_json_form():
    import datetime
    import decimal
    import numpy as np
    rec = {"id": np.int64(7), "text": ARTICLE, "when": datetime.datetime(2024, 5, 1, 12, 30),
           "day": datetime.date(2024, 5, 1), "score": np.float32(0.5), "n": np.int32(3),
           "raw": b"\x00\xff", "price": decimal.Decimal("19.90"), "count": decimal.Decimal("4"),
           "exact": decimal.Decimal("0.1000000000000000000001"), "vec": np.arange(3),
           "tags": {"b", "a"}}
    [out] = clean([rec], dedup=False)
    assert out == {"id": 7, "text": ARTICLE, "when": "2024-05-01T12:30:00", "day": "2024-05-01",
                   "score": 0.5, "n": 3, "raw": "AP8=", "price": 19.9, "count": 4,
                   "exact": "0.1000000000000000000001", "vec": [0, 1, 2], "tags": ["a", "b"]}


def test_field_names_that_are_not_strings_become_json_names_or_are_refused():
    from scrubber import InputError
    # a DataFrame whose columns are numbered gives records with int names
    [out] = clean([{"text": ARTICLE, 0: "a", 1.5: "b", None: "c"}], dedup=False)
    assert out == {"text": ARTICLE, "0": "a", "1.5": "b", "null": "c", "id": out["id"]}
    with pytest.raises(InputError, match="field name \\(1, 2\\) is a tuple, not a string"):
        list(clean([{"text": ARTICLE, (1, 2): 3}], dedup=False))


def test_a_documents_meta_passes_through_as_json_and_the_document_is_left_alone():
    import numpy as np
    doc = Document("d", ARTICLE, {"text": None, "score": np.float32(0.25)})
    [out] = clean([doc], dedup=False)
    assert out == {"id": "d", "text": ARTICLE, "score": 0.25}
    assert type(doc.meta["score"]) is np.float32


def test_a_value_with_no_json_form_is_an_error_naming_the_record_and_field():
    import pytest
    from scrubber import InputError
    with pytest.raises(InputError, match=r"<record 2>: field 'handle'"):
        list(clean([ARTICLE, {"text": OTHER, "handle": object()}], dedup=False))


def test_a_long_double_passes_through_as_a_number_or_is_refused_by_name():
    # np.longdouble.item() gives back a long double, not a float: the JSON
    # fallback asked _plain again and again until RecursionError
    import numpy as np
    from scrubber import InputError
    [out] = clean([{"text": ARTICLE, "x": np.longdouble(1.5), "v": np.array([2.5], np.longdouble)}],
                  dedup=False)
    assert out["x"] == 1.5 and out["v"] == [2.5]
    with pytest.raises(InputError, match=r"<record 1>: field 'z'"):
        list(clean([{"text": ARTICLE, "z": np.clongdouble(1j)}], dedup=False))


def test_an_id_is_named_in_clusters_as_the_output_record_holds_it():
    # a missing id from pandas (NaN, NaT) is no id, as None is: two such
    # rows were both named "nan" in cluster and duplicates; a Timestamp or
    # bytes id was named by its str() while the record held its JSON form
    import datetime
    import numpy as np
    import pandas as pd
    copy = ARTICLE + " More."
    for missing in (float("nan"), np.float64("nan"), np.float32("nan"), pd.NaT, pd.NA):
        [out] = clean([{"id": missing, "text": ARTICLE}, {"id": missing, "text": copy}])
        assert out["id"] == out["cluster"] == "<record 2>", missing
        assert out["duplicates"] == ["<record 1>"]
    [out] = clean([{"id": datetime.datetime(2024, 5, 1), "text": ARTICLE},
                   {"id": b"\x00\xff", "text": copy}])
    assert out["id"] == out["cluster"] == "AP8=" and out["duplicates"] == ["2024-05-01T00:00:00"]
    [out] = clean([{"id": 7, "text": ARTICLE}, {"id": np.int64(8), "text": copy}])
    assert out["id"] == 8 and out["cluster"] == "8" and out["duplicates"] == ["7"]
    # true is "true" (the string "True" is another id); an object id is its JSON text
    [out] = clean([{"id": True, "text": ARTICLE}, {"id": {"k": 1}, "text": copy}])
    assert out["cluster"] == '{"k":1}' and out["duplicates"] == ["true"]


def test_a_document_of_the_wrong_types_is_a_bad_record_named_not_an_internal_error(caplog):
    with pytest.raises(InputError, match=r"<record 1>: Document id is int, not a string"):
        list(clean([Document(7, ARTICLE)]))
    stats = Stats()
    out = list(clean([Document("a", None), Document("b", ARTICLE)], on_error="skip", stats=stats))
    assert [r["id"] for r in out] == ["b"] and stats.counts["bad_inputs"] == 1


def test_the_library_counts_the_bytes_it_cleaned():
    stats = Stats()
    list(clean([{"id": "a", "text": "é" * 10}, "plain"], stats=stats, dedup=False, min_words=0))
    assert stats.counts["bytes_in"] == 25


def test_on_error_skip_warns_counts_and_goes_on_in_the_library(caplog):
    stats = Stats()
    with caplog.at_level("WARNING", logger="scrubber"):
        out = list(clean([{"text": None}, {"id": "x", "text": OTHER, "handle": object()},
                          {"title": "no text"}, ARTICLE], on_error="skip", stats=stats, dedup=False))
    assert [r["text"] for r in out] == [ARTICLE]
    assert stats.counts["bad_inputs"] == 3
    assert "<record 1>: 'text' is null, not a string" in caplog.text and "(skipped)" in caplog.text


def test_on_error_fail_raises_for_a_record_without_text():
    import pytest
    from scrubber import InputError
    with pytest.raises(InputError, match="<record 1>: no 'text' field"):
        list(clean([{"title": "no text"}, ARTICLE]))


GERMAN = ("Der Stadtrat hat am Dienstag beschlossen, das Straßenbahnnetz in die nördlichen "
          "Bezirke zu erweitern, ein Plan, über den seit mehr als einem Jahrzehnt gestritten "
          "wird. Die erste neue Linie soll im Jahr 2027 eröffnet werden und wird etwa 400 "
          "Millionen Euro kosten, sagten die Beamten.")


def test_lang_field_holds_each_documents_language_or_null():
    out = list(clean([{"id": "en", "text": ARTICLE}, {"id": "de", "text": GERMAN},
                      {"id": "none", "text": "4711 0815 4242 1234 9999 31337"}],
                     lang_field="lang", dedup=False))
    assert [(r["id"], r["lang"]) for r in out] == [("en", "en"), ("de", "de"), ("none", None)]
    assert "lang" not in next(clean([ARTICLE], dedup=False))


def test_the_package_tells_type_checkers_it_is_typed():
    from importlib import resources
    assert resources.files("scrubber").joinpath("py.typed").is_file()


def test_clean_passes_integers_past_64_bits_through():
    from scrubber import clean
    text = ("The city council voted on Tuesday to expand the tram network to the northern "
            "districts, a plan that has been debated for more than a decade.")
    recs = [{"id": 10 ** 30, "text": text, "n": [-(10 ** 25), 2 ** 64]}]
    for dedup in (True, False):
        out = list(clean(recs, dedup=dedup))
        assert out[0]["id"] == 10 ** 30 and out[0]["n"] == [-(10 ** 25), 2 ** 64]


def test_clean_skips_and_counts_a_bad_record_when_asked():
    from scrubber import InputError, Stats, clean
    recs = [{"id": "a", "text": "one two three"}, {"id": "\ud800", "text": "x"}, {"text": 5}]
    with pytest.raises(InputError, match=r"^<record 2>: field 'id' holds a lone surrogate"):
        list(clean(recs, dedup=False))
    stats = Stats()
    assert [r["id"] for r in clean(recs, stats=stats, dedup=False, on_error="skip")] == ["a"]
    assert stats.counts["bad_inputs"] == 2


# --- pass-through fidelity, property-based (issue 23, item 4) -------------------------

from hypothesis import given, settings, strategies as st  # noqa: E402

_scalar = (st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.booleans()
           | st.none() | st.text(st.characters(blacklist_categories=("Cs",)), max_size=8))
_value = st.recursive(_scalar, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=3), inner, max_size=3), max_leaves=6)
_PIPE = Pipeline(Config(dedup=False, classifier=False, heuristics=False))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(max_size=4).filter(lambda k: k not in ("id", "text")), _value,
                       max_size=4), st.booleans())
def test_every_pass_through_field_comes_out_as_it_went_in(meta, ascii_only):
    import io
    import json
    rec = {"id": "x", "text": ARTICLE, **meta}
    line = (json.dumps(rec, ensure_ascii=ascii_only) + "\n").encode()
    reader = _PIPE.reader(stdin=io.BytesIO(line))
    out = [json.loads(x) for x in _PIPE.run(reader.read_paths(["-"]))]
    assert out == [rec]


def test_more_workers_than_cores_run_as_many_as_there_are_cores(caplog):
    from scrubber.workers import usable_cores
    records = [{"id": str(i), "text": f"{ARTICLE}\n\nStory {i} of the series."} for i in range(8)]
    with caplog.at_level("WARNING", logger="scrubber"):
        out = list(clean(records, workers=100_000))  # was 100,000 processes
    assert out == list(clean(records, workers=1))
    assert f"workers=100000 is more than the {usable_cores()} CPU cores" in caplog.text


def test_clean_yields_huge_integers_and_decimals_as_the_jsonl_writer_writes_them():
    import decimal

    recs = [{"text": LONG_ARTICLE, "n": 10**400, "d": decimal.Decimal("1e400"), "m": 2**70 + 1}]
    out = list(clean(recs, dedup=False)) + list(clean(recs))
    assert len(out) == 2
    for rec in out:
        assert rec["n"] == 10**400 and type(rec["d"]) is int and rec["d"] == 10**400 and rec["m"] == 2**70 + 1


@pytest.mark.parametrize("docs, message", [
    ([{"id": "a", "text": "An article."}], "<document 1>: expected a Document, got dict"),
    ([Document("ok", "An article."), Document("a", None)], "a: Document text is NoneType, not a string"),
    ([Document(1, "An article."), Document(2, "An article.")], "<document 1>: Document id is int"),
])
def test_pipeline_run_names_a_bad_document_as_clean_does(docs, message):
    # Was an AttributeError or TypeError from inside the batches.
    with pytest.raises(InputError, match=message):
        list(Pipeline().run(docs))


def test_pipeline_run_skips_and_counts_a_bad_document_when_asked(caplog):
    pipe = Pipeline(Config(on_error="skip"))
    with caplog.at_level("WARNING", logger="scrubber"):
        out = list(pipe.run([Document("a", None), Document("b", "A rare orchid was found growing on a hillside.")]))
    assert [json.loads(line)["id"] for line in out] == ["b"]
    assert pipe.stats.counts["bad_inputs"] == 1
    assert "a: Document text is NoneType, not a string (skipped)" in caplog.text


def test_a_null_id_is_the_records_name_in_the_output_so_clusters_join_back():
    # The output kept None while cluster fields named <record N>: no output
    # record carried the id a cluster named.
    out = list(clean([{"id": None, "text": ARTICLE}, {"id": None, "text": ARTICLE},
                      {"text": OTHER}], keep_duplicates=True))
    assert [r["id"] for r in out] == ["<record 1>", "<record 2>", "<record 3>"]
    assert out[0]["duplicates"] == ["<record 2>"] and out[1]["duplicate_of"] == "<record 1>"


def test_pipeline_run_refuses_the_ray_engine_rather_than_running_locally():
    with pytest.raises(ValueError, match=r"Pipeline.run\(\) runs in this process .* engine='ray' is for paths"):
        Pipeline(Config(engine="ray")).run([Document("a", ARTICLE)])


def test_run_paths_refuses_one_path_and_takes_a_list_of_pathlib_paths(tmp_path):
    # One string was read as one path per character ("d: no such file").
    src = tmp_path / "a.jsonl"
    src.write_text(json.dumps({"id": "a", "text": ARTICLE}) + "\n")
    with pytest.raises(TypeError, match=r"takes a list of paths, not one path: use run_paths\(\["):
        Pipeline().run_paths(str(src))
    with pytest.raises(TypeError, match="not one path"):
        Pipeline().run_paths(src)
    assert [json.loads(line)["id"] for line in Pipeline().run_paths([src])] == ["a"]


def test_the_errors_a_bad_model_or_index_file_raises_are_exported_and_the_api_is_documented():
    import inspect
    import scrubber
    from scrubber.errors import ModelError
    from scrubber.index import IndexFileError
    assert scrubber.ModelError is ModelError and scrubber.IndexFileError is IndexFileError
    assert {"ModelError", "IndexFileError"} <= set(scrubber.__all__)
    undocumented = []
    for name in scrubber.__all__:
        obj = getattr(scrubber, name)
        if not inspect.isclass(obj) and not inspect.isfunction(obj):
            continue
        doc = obj.__doc__ or ""
        if not doc or doc.startswith(f"{name}("):  # a dataclass's generated signature
            undocumented.append(name)
        for attr, value in vars(obj).items() if inspect.isclass(obj) else ():
            f = value.fget if isinstance(value, property) else value
            if not attr.startswith("_") and inspect.isfunction(f) and not f.__doc__:
                undocumented.append(f"{name}.{attr}")
    assert undocumented == []


def test_a_run_leaves_no_named_file_in_the_temporary_directory_and_removes_a_killed_runs(tmp_path, monkeypatch):
    import tempfile
    from test_sinks import _gone_pid, _left_behind
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    stale = _left_behind(tmp, "scrubber-common-shingles.npy", _gone_pid())
    src = tmp_path / "in.jsonl"
    src.write_text("".join(json.dumps({"id": str(i), "text": f"Story {i}: " + "words of the day " * 20}) + "\n"
                           for i in range(5)))
    out = b"".join(Pipeline(Config()).run_paths([str(src)]))
    assert out.count(b"\n") >= 1
    assert not stale.exists() and os.listdir(tmp) == []


def test_a_signal_taken_by_another_thread_still_waits_for_the_held_block():
    # Blocking SIGINT in the main thread alone let the kernel hand it to a
    # reader's or a pool's thread, and Python raised it in the middle of a
    # pool's start: its workers then waited for ever at exit.
    import os
    import signal
    import threading
    import time

    from scrubber.workers import signals_held

    inside = []
    with pytest.raises(KeyboardInterrupt):
        with signals_held():
            t = threading.Thread(target=lambda: os.kill(os.getpid(), signal.SIGINT))
            t.start()
            t.join()
            for _ in range(100):  # bytecodes enough for Python to act on it
                time.sleep(0.001)
            inside.append("done")
    assert inside == ["done"]


def test_a_stopped_runs_workers_are_gone_within_the_stop_wait_whatever_they_were_doing(monkeypatch):
    # An interrupted run left its workers waiting at exit for ever; they
    # ignore Ctrl-C and SIGTERM, so the main process must end them.
    import time

    from scrubber import Cleaner
    from scrubber import workers as workers_module

    monkeypatch.setattr(workers_module, "STOP_WAIT", 0.5)
    start = time.monotonic()
    with pytest.raises(KeyboardInterrupt):
        with workers_module.started(Cleaner(Config(classifier=False)), 2) as pool:
            if pool is None:
                pytest.skip("one core: no pool")
            procs = list(pool._processes.values())
            pool.submit(time.sleep, 60)
            raise KeyboardInterrupt
    assert time.monotonic() - start < 10
    assert procs and not [p for p in procs if p.is_alive()]
