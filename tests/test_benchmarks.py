"""The benchmark scripts that need no data still run against the library
(one of them broke unseen when an API it used changed)."""

import io
import json
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent.parent / "benchmarks"


def test_dedup_memory_finds_exactly_the_planted_copies():
    out = subprocess.run([sys.executable, BENCH / "dedup_memory.py", "--one", "2000", "--index"],
                         check=True, capture_output=True, text=True).stdout
    r = json.loads(out)
    assert r["clusters"] == r["expected_clusters"] == 40
    assert r["index_bytes_per_doc"] > 0


def test_readers_benchmark_reads_every_record_of_each_format(tmp_path):
    out = subprocess.run([sys.executable, BENCH / "readers.py", tmp_path, "--records", "20", "--repeat", "1"],
                         check=True, capture_output=True, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines()]
    assert [(r["format"], r["records"]) for r in rows] == [
        ("wet.gz", 20), ("wet", 20), ("jsonl", 20), ("jsonl.gz", 20)]


DE = ("Der Gemeinderat hat am Dienstag den Bau der neuen Brücke über den Fluss beschlossen, "
      "nach einem Streit, der die Stadt seit Jahren spaltet und die Bürger bewegt hat.")
EN = ("The council voted on Tuesday to approve the new bridge across the river, "
      "ending a debate that has divided the town for years and moved the people.")


def make_set(tmp_path, gold, *options):
    (tmp_path / "input").mkdir()
    for rec, text in gold:
        (tmp_path / "input" / f"{rec['id']}.txt").write_text(text)
    (tmp_path / "gold.jsonl").write_text("".join(json.dumps(rec) + "\n" for rec, _ in gold))
    out = subprocess.run([sys.executable, BENCH / "extraction.py", tmp_path, "--no-classifier", *options],
                         check=True, capture_output=True, text=True).stdout
    return out.splitlines()


def test_extraction_scores_a_snippet_set_per_language(tmp_path):
    lines = make_set(tmp_path, [
        ({"id": "a", "with": ["Brücke über den Fluss"], "without": ["Teilen"]}, f"{DE}\n{DE}\nTeilen"),
        ({"id": "b", "with": ["the new bridge", "not there"], "without": ["Share this"]}, f"{EN}\n{EN}\nShare this"),
    ])
    assert "scored on snippets" in lines[0]
    assert "lang de: F1=1.000 P=1.000 R=1.000 n=1" in lines
    # one of its two snippets is not on the page: half the recall
    assert "lang en: F1=0.667 P=1.000 R=0.500 n=1" in lines
    assert lines[-1] == "F1=0.800 P=1.000 R=0.667 n=2"


def test_extraction_takes_a_pages_language_from_the_gold_when_given(tmp_path):
    lines = make_set(tmp_path, [({"id": "a", "text": DE, "lang": "de-AT"}, DE),
                                ({"id": "b", "text": ""}, "1 2 3")])
    assert "lang de-at: F1=1.000 P=1.000 R=1.000 n=1" in lines
    assert any(line.startswith("lang und:") for line in lines)
    assert "scored on gold text" in lines[0]



def test_extraction_reads_the_pages_html_when_asked(tmp_path):
    # The text conversion lost the second paragraph; the HTML has it.
    html = f"<html><body><p>{EN}</p><p>{EN} Again.</p><div>Share this</div></body></html>".encode()
    with tarfile.open(tmp_path / "html.tar.gz", "w:gz") as tar:
        info = tarfile.TarInfo("html/b.html")
        info.size = len(html)
        tar.addfile(info, io.BytesIO(html))
    gold = [({"id": "b", "with": ["the new bridge", "people. Again."], "without": ["Share this"]},
             f"{EN}\nShare this")]
    assert make_set(tmp_path, gold)[-1] == "F1=0.667 P=1.000 R=0.500 n=1"
    out = subprocess.run([sys.executable, BENCH / "extraction.py", tmp_path, "--no-classifier", "--html"],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert "of text from HTML" in out[0]
    assert "HTML to text" in out[1]
    assert out[-1] == "F1=1.000 P=1.000 R=1.000 n=1"


def test_rules_speed_times_both_passes_and_each_changed_rule_file(tmp_path):
    pages = tmp_path / "pages"
    pages.mkdir()
    (pages / "a.txt").write_text(EN + "\nShare this:\nLeave a Reply")
    (pages / "b.txt").write_text(DE + "\nTeilen")
    old = tmp_path / "old"
    shutil.copytree(BENCH.parent / "rules", old)
    (old / "social.toml").write_text((old / "social.toml").read_text() + "\n# changed\n")
    out = subprocess.run([sys.executable, BENCH / "rules_speed.py", pages, "--against", old],
                         check=True, capture_output=True, text=True).stdout.splitlines()
    assert "first pass" in out[0] and "second" in out[0]
    assert [line.split(" as before")[0].strip() for line in out[1:]] == ["social.toml"]


def test_syndication_upscale_grows_a_cluster_with_recombined_copies(tmp_path):
    src, out = tmp_path / "dev", tmp_path / "up"
    src.mkdir()
    story = ["Town's harbour bridge to close for two years", "The council said the harbour bridge will close in May.",
             "Repairs to the steel deck are expected to cost forty million pounds."]
    docs, truth, bodies = [], [], []
    for k in range(50):  # a story copied 50 times, each on its own site with a local paragraph
        local = f"Drivers in town number {k} should plan their own route to work from May onwards."
        body = [f"{story[0]} | Site {k}", story[1], local, story[2]]
        page = [f"The Daily Site {k}", "Home | News | Sport", "", *body, "", f"Copyright Site {k}"]
        page[3] = page[3].replace("'", "\u2019")  # the input's curly quotes are not in the true body
        docs.append((f"d{k:03d}", "\n".join(page)))
        truth.append({"id": f"d{k:03d}", "cluster": "s0", "kind": "variant"})
        bodies.append("\n".join(body))
    docs.append(("d100", "A different short article about the weather on the coast this weekend."))
    truth.append({"id": "d100", "cluster": "s1", "kind": "original"})
    bodies.append(docs[-1][1])
    (src / "input.jsonl").write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in docs))
    (src / "truth.jsonl").write_text("".join(json.dumps(t) + "\n" for t in truth))
    (src / "bodies.jsonl").write_text("".join(json.dumps({"id": t["id"], "body": b}) + "\n"
                                              for t, b in zip(truth, bodies)))
    subprocess.run([sys.executable, BENCH / "syndication_upscale.py", src, out, "--largest", "120"],
                   check=True, capture_output=True, text=True)

    def read(name):
        return [json.loads(line) for line in (out / name).read_text().splitlines()]
    inp, tru, bod = read("input.jsonl"), read("truth.jsonl"), read("bodies.jsonl")
    assert [r["id"] for r in inp] == [r["id"] for r in tru] == [r["id"] for r in bod]
    assert sum(t["cluster"] == "s0" for t in tru) == 120
    assert sum(t["cluster"] == "s1" for t in tru) == 1
    # the originals are all there, as they were and in their order
    assert [(r["id"], r["text"]) for r in inp if r["id"].startswith("d")] == docs
    texts = {r["id"]: r["text"] for r in inp}
    assert len(set(texts.values())) == len(texts)  # no copy is an exact duplicate
    old_body = dict(zip([i for i, _ in docs], bodies))
    new = [(t, b) for t, b in zip(tru, bod) if t["id"].startswith("u")]
    assert len(new) == 70
    for t, b in new:
        a, art = int(t["furniture"][1:]), int(t["article"][1:])
        assert a != art and b["body"] == old_body[t["article"]]
        text = texts[t["id"]]
        assert text.startswith(f"The Daily Site {a}\n") and text.endswith(f"Copyright Site {a}")
        assert f"town number {art} " in text and text.count("town number") == 1
        assert text.count("bridge to close") == 1 and f"two years | Site {art}\n" in text


def test_languages_scores_each_label_and_length(tmp_path):
    data = tmp_path / "langs.txt"
    data.write_text("# comment\n=== en prose\n" + " ".join(["the cat sat on the mat and it was happy"] * 3)
                    + "\n=== - names\nZanzibar Mombasa Nairobi Kampala\n", encoding="utf-8")
    out = subprocess.run([sys.executable, str(BENCH / "languages.py"), str(data)],
                         capture_output=True, text=True, check=True).stdout
    assert "| en | yes | 3/3 | 1/1 | 1/1 |  |  |" in out
    assert "| - | no |  |  |  | 1/1 |  |" in out
