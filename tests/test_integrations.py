"""scrubber inside datatrove and Hugging Face datasets, run for real."""

import gzip
import json
import random

import pytest

from texts import LONG_ARTICLE, LONG_OTHER

from scrubber import Config, InputError, Stats

ARTICLE, OTHER = LONG_ARTICLE, LONG_OTHER


def _jsonl_gz(folder):
    return [json.loads(line) for f in sorted(folder.glob("*.jsonl.gz"))
            for line in gzip.open(f, "rt", encoding="utf-8")]


def test_datatrove_step_cleans_records_removals_and_drops_emptied_documents(tmp_path):
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from scrubber.integrations.datatrove import ScrubberCleaner

    docs = [Document(text=f"Share this:\n\n{ARTICLE}", id="a"),
            Document(text="Share this:\nLike this:", id="b"),
            Document(text=OTHER, id="c")]
    LocalPipelineExecutor(pipeline=[
        docs,
        ScrubberCleaner(lang_field="lang", exclusion_writer=JsonlWriter(str(tmp_path / "dropped"))),
        JsonlWriter(str(tmp_path / "out")),
    ], tasks=1, logging_dir=str(tmp_path / "logs")).run()

    out = _jsonl_gz(tmp_path / "out")
    assert [(d["id"], d["text"]) for d in out] == [("a", ARTICLE), ("c", OTHER)]
    assert out[0]["metadata"]["removed"] == [{"reason": "rule:share-buttons", "line": 1,
                                              "text": "Share this:"}]
    assert out[0]["metadata"]["lang"] == "en" and out[1]["metadata"]["removed"] == []
    [dropped] = _jsonl_gz(tmp_path / "dropped")
    assert dropped["id"] == "b" and dropped["metadata"]["filter_reason"] == "empty"
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "scrubber" in s["name"])["stats"]
    assert step["total"] == 3 and step["forwarded"] == 2 and step["dropped_empty"] == 1
    assert step["removed_rule:share-buttons"] == 2 and step["removed_rule:like-buttons"] == 1


def test_hf_clean_dataset_deduplicates_across_the_whole_dataset_and_keeps_columns():
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.hf import clean_dataset

    n = 2500  # the copy of row 0 is in another batch of map's 1000 rows
    rng = random.Random(3)
    vocab = ["".join(rng.choices("abcdefghijklmnopqrstuvwxyz", k=7)) for _ in range(5000)]
    texts = [f"Share this:\n\n{ARTICLE}"] + [" ".join(rng.choices(vocab, k=12)) for _ in range(1, n)]
    texts[-1] = ARTICLE + " Updated."
    ds = datasets.Dataset.from_dict({"text": texts, "n": list(range(n))},
                                    features=datasets.Features({"text": datasets.Value("string"),
                                                                "n": datasets.Value("int16")}))
    stats = Stats()
    out = clean_dataset(ds, Config(boilerplate=False), stats=stats, lang_field="lang")
    assert isinstance(out, datasets.Dataset)
    assert out.column_names == ["text", "n", "lang", "cluster", "duplicates"]
    assert out.features["n"] == datasets.Value("int16")  # passed through untouched
    assert len(out) == n - 1 and 0 not in out["n"]  # the shorter copy went, batches apart
    last = out[-1]
    assert last["text"] == ARTICLE + " Updated." and last["duplicates"] == ["<row 0>"]
    assert last["cluster"] == f"<row {n - 1}>" and last["lang"] == "en"
    assert out[0]["cluster"] is None and stats.counts["duplicates_dropped"] == 1


def test_hf_clean_dataset_of_the_text_column_alone():
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.hf import clean_dataset

    out = clean_dataset(datasets.Dataset.from_dict({"body": [f"Share this:\n\n{ARTICLE}"]}), text_field="body")
    assert out.column_names == ["body"] and out["body"] == [ARTICLE]


def test_hf_clean_dataset_skips_or_names_a_row_without_text():
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.hf import clean_dataset

    ds = datasets.Dataset.from_dict({"id": ["x", "y"], "text": [None, ARTICLE]})
    with pytest.raises(InputError, match="<row 0>: 'text' is null, not a string"):
        clean_dataset(ds)
    stats = Stats()
    out = clean_dataset(ds, on_error="skip", stats=stats)
    assert out["id"] == ["y"] and stats.counts["bad_inputs"] == 1
    with pytest.raises(InputError, match="no 'body' column"):
        clean_dataset(ds, text_field="body")


def test_scrubber_imports_no_framework_and_a_missing_one_says_what_to_install():
    import subprocess
    import sys
    code = ("import sys, scrubber, scrubber.integrations\n"
            "assert not {'datatrove', 'datasets', 'pandas'} & set(sys.modules), sys.modules.keys()\n"
            "sys.modules['datatrove'] = None\n"
            "try:\n"
            "    import scrubber.integrations.datatrove\n"
            "except ImportError as e:\n"
            "    print(e)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == ("scrubber.integrations.datatrove needs datatrove: "
                                "pip install 'datatrove>=0.3'")


def test_datatrove_step_drops_or_cuts_a_document_over_max_doc_bytes(tmp_path):
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from scrubber.integrations.datatrove import ScrubberCleaner

    assert len(OTHER.encode()) < 330 < len(ARTICLE.encode())
    LocalPipelineExecutor(pipeline=[
        [Document(text=ARTICLE, id="long"), Document(text=OTHER, id="short")],
        ScrubberCleaner(max_doc_bytes=330, exclusion_writer=JsonlWriter(str(tmp_path / "dropped"))),
        JsonlWriter(str(tmp_path / "out")),
    ], tasks=1, logging_dir=str(tmp_path / "logs")).run()
    assert [d["id"] for d in _jsonl_gz(tmp_path / "out")] == ["short"]
    [dropped] = _jsonl_gz(tmp_path / "dropped")
    assert dropped["id"] == "long" and dropped["metadata"]["filter_reason"] == "too_long"
    assert dropped["text"] == ARTICLE  # not cleaned: skipped as it was read
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    assert next(s for s in stats if "scrubber" in s["name"])["stats"]["dropped_too_long"] == 1

    step = ScrubberCleaner(max_doc_bytes=330, long_docs="truncate")
    doc = Document(text=ARTICLE, id="long")
    assert step.filter(doc) is True
    assert doc.text == ARTICLE.encode()[:330].rsplit(b" ", 1)[0].decode()  # cut between words
    assert step.stats["documents_truncated"].total == 1


@pytest.mark.parametrize("config, options, named", [
    (None, {"dedup": True}, "dedup"),
    (None, {"index": "seen.db"}, "index"),
    (None, {"keep_duplicates": True}, "keep_duplicates"),
    (None, {"boilerplate": True, "source_field": "site"}, "boilerplate, source_field"),
    (Config(shingle_size=3), {}, "shingle_size"),
])
def test_datatrove_step_refuses_settings_only_deduplication_reads(config, options, named):
    pytest.importorskip("datatrove")
    from scrubber.integrations.datatrove import ScrubberCleaner

    with pytest.raises(ValueError, match=rf"cannot deduplicate .*, so {named} would do nothing: "
                                         r"deduplicate after it with datatrove's MinHash stages"):
        ScrubberCleaner(config, **options)


def test_datatrove_step_accepts_what_it_does_and_the_default_config():
    pytest.importorskip("datatrove")
    from scrubber.integrations.datatrove import ScrubberCleaner

    ScrubberCleaner(Config(), dedup=False, boilerplate=False)  # dedup is on in a default Config
    ScrubberCleaner(Config(dedup=False), min_words=5)


def test_datatrove_step_travels_with_its_rules_not_their_paths(tmp_path, monkeypatch):
    pytest.importorskip("datatrove")
    import pickle

    from datatrove.data import Document
    from scrubber.integrations.datatrove import ScrubberCleaner

    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    rules = tmp_path / "here" / "myrule_tmp.toml"
    rules.write_text('[[rule]]\nid = "promo"\ndescription = "promo line"\n'
                     'pattern = "^Buy our app"\nmatch = ["Buy our app now"]\n')
    blob = pickle.dumps(ScrubberCleaner(rule_files=("myrule_tmp.toml",)))
    rules.unlink()  # as on a datatrove worker without the file, or elsewhere
    monkeypatch.chdir(tmp_path)
    doc = Document(text=f"Buy our app now\n{ARTICLE}", id="a")
    assert pickle.loads(blob).filter(doc) is True
    assert doc.text == ARTICLE and doc.metadata["removed"][0]["reason"] == "rule:promo"


def test_hf_clean_dataset_replaces_an_earlier_runs_dedup_columns_as_clean_does():
    datasets = pytest.importorskip("datasets")
    from scrubber import clean
    from scrubber.integrations.hf import clean_dataset

    ds = datasets.Dataset.from_dict({"id": ["a", "b", "c"], "text": [ARTICLE, ARTICLE + " More.", OTHER],
                                     "duplicate_of": [None, None, "old-doc-9"],
                                     "cluster": ["old-doc-9", "x", "old-doc-9"]})
    out = clean_dataset(ds)
    assert out.column_names == ["id", "text", "cluster", "duplicates"]  # duplicate_of: none this run
    assert out.to_list() == [{"id": "b", "text": ARTICLE + " More.", "cluster": "b", "duplicates": ["a"]},
                             {"id": "c", "text": OTHER, "cluster": None, "duplicates": None}]
    records = list(clean(ds.to_list()))
    assert [{k: r.get(k) for k in out.column_names} for r in records] == out.to_list()

    # No copies this run: every stale dedup column goes; removed is this run's with annotate.
    old = ds.select([0, 2]).add_column("duplicates", [["gone"], None]).add_column(
        "removed", [[{"reason": "rule:old", "line": 1, "text": "x"}], []])
    assert clean_dataset(old).column_names == ["id", "text", "removed"]
    out = clean_dataset(old, annotate=True)
    assert out.column_names == ["id", "text", "removed"] and out["removed"] == [[], []]
    # Without deduplication they are input columns like any other, as in clean().
    assert clean_dataset(old, dedup=False).to_list() == old.to_list()


def test_hf_clean_dataset_refuses_a_stream_or_a_dict_of_splits_before_reading_a_row():
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.hf import clean_dataset

    ds = datasets.Dataset.from_dict({"text": [ARTICLE, OTHER]})
    stats = Stats()
    with pytest.raises(TypeError, match=r"needs a Dataset, not an IterableDataset: .* "
                                        r"Load it without streaming=True, or .*scrubber\.clean\(ids\)"):
        clean_dataset(ds.to_iterable_dataset(), stats=stats)
    assert not stats.counts  # refused before the pipeline read anything
    splits = datasets.DatasetDict({"train": ds, "test": ds})
    with pytest.raises(TypeError, match=r"^clean_dataset takes one Dataset, not a DatasetDict of "
                                        r"splits 'train', 'test': pass one split, e\.g\. ds\['train'\]$"):
        clean_dataset(splits)
    with pytest.raises(TypeError, match="not list"):
        clean_dataset([{"text": ARTICLE}])


def test_hf_clean_dataset_keeps_every_columns_type_and_types_its_own():
    datasets = pytest.importorskip("datasets")
    from datasets import ClassLabel, Features, Value
    from scrubber.integrations.hf import clean_dataset

    features = Features({"text": Value("large_string"), "label": ClassLabel(names=["news", "blog"]),
                         "meta": {"url": Value("large_string"), "tags": [Value("string")]},
                         "score": Value("float32")})
    ds = datasets.Dataset.from_dict({"text": ["Share this:\n\n1 2 3 4", "Share this:\nLike this:"],
                                     "label": [1, 0], "meta": [{"url": "u", "tags": ["t"]}] * 2,
                                     "score": [0.5, 0.25]}, features=features)
    removed = [{"reason": Value("string"), "line": Value("int64"), "text": Value("string"),
                "span": [Value("int64")], "p": Value("float64")}]
    own = {"lang": Value("string"), "removed": removed}
    for rows in ([0, 1], [1]):  # one row kept (no language found in it), none
        out = clean_dataset(ds.select(rows), lang_field="lang", annotate=True)
        assert out.features == Features({**features, **own})
    assert out.num_rows == 0
    out = clean_dataset(ds, lang_field="lang", annotate=True)
    assert out.to_list() == [{"text": "1 2 3 4", "label": 1, "meta": {"url": "u", "tags": ["t"]},
                              "score": 0.5, "lang": None,
                              "removed": [{"reason": "rule:share-buttons", "line": 1,
                                           "text": "Share this:", "span": None, "p": None}]}]


def test_datatrove_step_refuses_removals_and_language_in_one_field():
    # The language code overwrote the list of removals.
    pytest.importorskip("datatrove")
    from scrubber.integrations.datatrove import ScrubberCleaner

    with pytest.raises(ValueError, match="removed_key and lang_field are both 'lang'"):
        ScrubberCleaner(lang_field="lang", removed_key="lang")
    ScrubberCleaner(lang_field="lang", removed_key=None)


def test_datatrove_exclusion_writer_gets_each_dropped_document_as_it_came_in(tmp_path):
    # It got the cleaned text: an emptied document had none, a short one
    # lost its furniture, so what was dropped could not be audited.
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from scrubber.integrations.datatrove import ScrubberCleaner

    texts = {"empty": "Share this:\nLike this:", "short": "Share this:\nA few words only.",
             "cut": "Share this:\nFour words are here.\n" + "x" * 60}
    LocalPipelineExecutor(pipeline=[
        [Document(text=t, id=k) for k, t in texts.items()] + [Document(text=OTHER, id="kept")],
        ScrubberCleaner(min_words=5, max_doc_bytes=50, long_docs="truncate",
                        exclusion_writer=JsonlWriter(str(tmp_path / "dropped"))),
        JsonlWriter(str(tmp_path / "out")),
    ], tasks=1, logging_dir=str(tmp_path / "logs")).run()
    dropped = _jsonl_gz(tmp_path / "dropped")
    assert {d["id"]: d["text"] for d in dropped} == texts
    assert [d["metadata"]["filter_reason"] for d in dropped] == ["empty", "short", "short"]


def test_datatrove_step_names_a_document_without_a_text_or_skips_it_when_asked(tmp_path, caplog):
    # A None text was a TypeError from len(), bytes one from inside repair.
    pytest.importorskip("datatrove")
    from datatrove.data import Document
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.writers import JsonlWriter
    from scrubber.integrations.datatrove import ScrubberCleaner

    with pytest.raises(InputError, match="^x: Document text is bytes, not a string$"):
        ScrubberCleaner().filter(Document(id="x", text=b"abc"))
    with pytest.raises(InputError, match="^N: Document text is NoneType, not a string$"):
        ScrubberCleaner().filter_batch([Document(id="ok", text=OTHER), Document(id="N", text=None)])
    with pytest.raises(InputError, match="^<document 1>: expected a datatrove Document, got dict$"):
        ScrubberCleaner().filter({"id": "d", "text": OTHER})

    with caplog.at_level("WARNING", logger="scrubber"):
        LocalPipelineExecutor(pipeline=[
            [Document(id="N", text=None), Document(id="ok", text=OTHER)],
            ScrubberCleaner(on_error="skip", exclusion_writer=JsonlWriter(str(tmp_path / "dropped"))),
            JsonlWriter(str(tmp_path / "out")),
        ], tasks=1, logging_dir=str(tmp_path / "logs")).run()
    assert [d["id"] for d in _jsonl_gz(tmp_path / "out")] == ["ok"]
    [bad] = _jsonl_gz(tmp_path / "dropped")
    assert bad["id"] == "N" and bad["metadata"]["filter_reason"] == "bad_input"
    assert "N: Document text is NoneType, not a string (skipped)" in caplog.text
    stats = json.loads((tmp_path / "logs" / "stats.json").read_text())
    step = next(s for s in stats if "scrubber" in s["name"])["stats"]
    assert step["bad_inputs"] == 1 and step["dropped_bad_input"] == 1


def test_hf_clean_dataset_refuses_the_ray_engine_as_clean_does():
    # It ran locally without a word, where clean() refuses engine="ray".
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.hf import clean_dataset

    with pytest.raises(ValueError, match=r"clean_dataset\(\) runs in this process .* engine='ray' is for paths"):
        clean_dataset(datasets.Dataset.from_dict({"text": [ARTICLE]}), engine="ray")


def test_datatrove_step_and_clean_dataset_refuse_a_config_or_stats_of_another_type():
    pytest.importorskip("datatrove")
    datasets = pytest.importorskip("datasets")
    from scrubber.integrations.datatrove import ScrubberCleaner
    from scrubber.integrations.hf import clean_dataset

    with pytest.raises(TypeError, match=r"ScrubberCleaner\(\) takes a Config or None as config, not dict"):
        ScrubberCleaner({"min_words": 3})
    ds = datasets.Dataset.from_dict({"text": [ARTICLE]})
    with pytest.raises(TypeError, match=r"clean_dataset\(\) takes a Config or None as config, not dict"):
        clean_dataset(ds, {"min_words": 3})
    with pytest.raises(TypeError, match=r"clean_dataset\(\) takes a scrubber.Stats or None as stats, not dict"):
        clean_dataset(ds, stats={})


def test_an_extras_install_command_names_its_packages_not_a_pypi_project_called_scrubber():
    # "pip install 'scrubber[ray]'" fetches an unrelated project from PyPI
    from scrubber.extras import install_command
    assert install_command("ray") == "pip install 'ray>=2.9'"
    assert install_command("s3") == "pip install 'fsspec>=2023.1' 's3fs>=2023.1'"
    assert install_command("no-such-extra") == "pip install '.[no-such-extra]' in scrubber's source tree"
