"""Config refuses settings a library caller got wrong, naming them."""

import re
from pathlib import Path

import pytest

from scrubber import Config, clean, clean_text


@pytest.mark.parametrize("changes, message", [
    ({"on_error": "ignore"}, "Config.on_error must be one of 'fail', 'skip'"),
    ({"favor": "speed"}, "Config.favor must be one of"),
    ({"workers": "4"}, "Config.workers must be an integer"),
    ({"workers": -1}, "Config.workers must be at least 0"),
    ({"max_doc_bytes": -5}, "Config.max_doc_bytes must be at least 0"),
    ({"dedup": "no"}, "Config.dedup must be True or False"),
    ({"text_field": ""}, "Config.text_field must be a field name"),
    ({"lang_field": 3}, "Config.lang_field must be a non-empty string or None"),
    ({"lsh_bands": 100}, "must not exceed num_perm"),
    ({"lang_field": "text"}, "Config.lang_field 'text' is the text or id field"),
    ({"lang_field": "duplicate_of"}, "Config.lang_field 'duplicate_of' is the text or id field or one"),
    ({"dedup": False, "index": "runs.db"}, "Config.index needs dedup=True"),
    ({"dedup": False, "keep_duplicates": True}, "Config.keep_duplicates needs dedup=True"),
    ({"containment_threshold": 1.5}, "Config.containment_threshold must be a number in (0, 1]"),
    ({"rule_files": [1]}, "Config.rule_files must be a tuple of strings"),
    ({"rule_timeout": float("inf")}, "Config.rule_timeout must be a number above 0 (and finite)"),
    ({"seed": 2**40}, "Config.seed must be below 2**32"),
    ({"text_field": "id"}, "Config.text_field and Config.id_field are both 'id'"),
    ({"text_field": "body", "id_field": "body"}, "Config.text_field and Config.id_field are both 'body'"),
    ({"lang": "  "}, "Config.lang must be a language code (ISO 639-1) or None, not '  '"),
])
def test_a_wrong_setting_is_refused_by_name(changes, message):
    with pytest.raises((TypeError, ValueError)) as err:
        Config(**changes)
    assert message in str(err.value)


def test_options_to_clean_are_checked_before_any_record_is_read():
    def records():
        raise AssertionError("read a record")
        yield {}
    with pytest.raises(ValueError, match="on_error"):
        list(clean(records(), on_error="explode"))


def test_lists_single_strings_and_paths_are_taken_as_what_they_mean(tmp_path):
    c = Config(rule_files=[str(tmp_path / "a.toml"), tmp_path / "b.toml"], disabled="share-buttons",
               index=tmp_path / "i.db")
    assert c.rule_files == (str(tmp_path / "a.toml"), str(tmp_path / "b.toml"))
    assert c.disabled == ("share-buttons",)
    assert c.index == str(tmp_path / "i.db")
    hash(c)  # a Config is hashed to find its cached Cleaner


def test_clean_refuses_one_string_rather_than_cleaning_its_characters():
    with pytest.raises(TypeError, match="clean_text"):
        list(clean("Just one article, not a list of records."))


def test_clean_refuses_one_record_or_a_data_frame_rather_than_cleaning_their_keys():
    record = {"id": "a", "text": "Just one article, not a list of records."}
    with pytest.raises(TypeError, match=r"clean\(\[record\]\)"):
        clean(record)
    pd = pytest.importorskip("pandas")
    with pytest.raises(TypeError, match="to_dict\\('records'\\)"):
        clean(pd.DataFrame([record]))
    assert [r["id"] for r in clean(pd.DataFrame([record]).to_dict("records"))] == ["a"]


def test_a_language_is_read_as_the_command_reads_it_and_one_without_stop_words_is_said(caplog):
    assert Config(lang=" DE ").lang == "de"
    with caplog.at_level("WARNING", logger="scrubber"):
        clean_text("An article of a few words. " * 5, lang="xx")
    assert "no stop-word list for language 'xx'" in caplog.text


def test_clean_checks_its_arguments_when_called_not_when_first_iterated():
    with pytest.raises(TypeError, match="clean_text"):
        clean("Just one article, not a list of records.")
    with pytest.raises(TypeError, match="workers"):
        clean([{"text": "An article."}], workers="4")
    # records in memory are cleaned in this process: Ray takes paths
    with pytest.raises(ValueError, match="engine='ray' is for paths"):
        clean([{"text": "An article."}], engine="ray")


def test_clean_text_says_to_decode_bytes():
    from scrubber import Cleaner
    for call in (clean_text, Cleaner().clean_text):
        with pytest.raises(TypeError, match="decode"):
            call(b"An article as bytes.")
        with pytest.raises(TypeError, match="not NoneType"):
            call(None)


def test_a_config_that_is_not_a_config_is_refused_by_each_entry_point():
    # A dict of settings was an AttributeError from inside ('rule_files', 'engine').
    from scrubber import Cleaner, Pipeline
    settings = {"min_words": 3}
    for name, call in (("clean()", lambda: clean(["An article."], settings)),
                       ("clean_text()", lambda: clean_text("An article.", settings)),
                       ("Cleaner()", lambda: Cleaner(settings)), ("Pipeline()", lambda: Pipeline(settings))):
        with pytest.raises(TypeError, match=rf"^{re.escape(name)} takes a Config or None as config, "
                                            r"not dict: pass Config\(\*\*settings\)"):
            call()


def test_clean_refuses_stats_that_are_not_stats_and_records_that_do_not_iterate_when_called():
    with pytest.raises(TypeError, match=r"clean\(\) takes a scrubber.Stats or None as stats, not dict"):
        clean(["An article."], stats={})
    with pytest.raises(TypeError, match=r"clean\(\) takes an iterable of records .*, not NoneType"):
        clean(None)


def test_type_hints_take_the_lists_and_paths_the_docs_pass():
    # Config(rule_files=[Path("my.toml")]) ran, but its hints (tuple[str, ...],
    # str | None) made type checkers reject what docs/python.md shows.
    import os
    import typing
    from collections.abc import Sequence
    hints = typing.get_type_hints(Config)
    for name in ("rule_files", "classifier_model", "index"):
        assert os.PathLike[str] in typing.get_args(hints[name]), name
    assert Sequence[str | os.PathLike[str]] in typing.get_args(hints["rule_files"])
    assert Sequence[str] in typing.get_args(hints["disabled"]) and str in typing.get_args(hints["disabled"])


def test_help_on_config_lists_every_setting():
    # help(Config) showed only the generated signature; the fields'
    # documentation was in #: comments that help() never shows.
    import dataclasses
    doc = Config.__doc__ or ""
    missing = [f.name for f in dataclasses.fields(Config)
               if not re.search(rf"^\s+{f.name}\s+\S", doc, re.M)]
    assert missing == []
