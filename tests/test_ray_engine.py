"""The Ray engine gives exactly the local engine's output."""

import gzip
import json
import os
from dataclasses import replace

import pytest

from scrubber import Config, InputError, Pipeline
from scrubber.steps import process_batch
from scrubber.ray_engine import clean_shard, line_starts_in, plan_shards, write_parts

from texts import site

PARA = ("The regional council approved the new budget on Monday after a debate that "
        "lasted late into the night, with members split over transport spending.")


def corpus(tmp_path):
    d = tmp_path / "in"
    d.mkdir()
    rows = []
    for i in range(40):
        text = f"Share this:\n\nStory {i}: " + " ".join(f"{PARA} Item {i}-{j} word{i * 7 + j}." for j in range(3))
        rows.append({"text": text} if i % 3 else {"id": f"doc-{i}", "text": text})
    rows.append({"text": rows[5]["text"].replace("Share this:", "Like this:") + "\n\nLeave a Reply"})
    (d / "a.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    (d / "b.txt").write_text(rows[7]["text"] + "\n\nSource: Example Wire")
    return d


def test_shards_of_a_file_read_every_line_once_with_its_number(tmp_path):
    d = corpus(tmp_path)
    config = Config(shard_bytes=700, dedup=False)
    pipe = Pipeline(config)
    shards = plan_shards(pipe.reader(), [str(d)], config.shard_bytes)
    assert len(shards) > 5
    ids = [r.id for s in shards for r in clean_shard(config, s)[0]]
    local = [r.id for r in process_batch(pipe.cleaner, list(pipe.reader().read_paths([str(d)])))]
    assert ids == local
    assert f"{d / 'a.jsonl'}:2" in ids


def test_a_shard_counts_its_rule_timeouts_and_the_run_says_so_once(tmp_path, caplog):
    # A Ray task's Cleaner counted its rules' timeouts but nobody took them:
    # the summary and --stats of a Ray run never showed them, nor the warning
    # that the local engine gives.
    from collections import Counter
    from scrubber import Stats, sharded, shards as shardlib
    rules = tmp_path / "slow.toml"
    rules.write_text('[[rule]]\nid = "slow"\ndescription = "backtracks"\n'
                     'pattern = \'(a|a)+$|!$\'\nmatch = ["aaaa!"]\n')
    src = tmp_path / "in.jsonl"
    doc = "\n".join(["a" * 40 + "!"] * 30)
    src.write_text("".join(json.dumps({"id": f"d{i}", "text": doc}) + "\n" for i in range(3)))
    config = Config(rule_files=(str(rules),), default_rules=False, classifier=False,
                    heuristics=False, dedup=False, shard_bytes=1 << 20)
    (shard,) = plan_shards(Pipeline(config).reader(), [str(src)], config.shard_bytes)
    _, counts, _ = clean_shard(config, shard)
    assert counts["rule_timeouts:rule:slow"] == config.rule_max_timeouts
    stats = Stats()
    def pass1():  # what ray_engine.pass1_task does for each shard
        results, counts, messages = clean_shard(config, shard)
        return shardlib.first_pass(results, False, counts, messages)

    passed = [pass1(), pass1()]  # two shards, each a Cleaner of its own
    out = list(sharded.run(shardlib.Serial(), config, iter(passed), sharded.Outcome(stats), 1))
    assert len(out) == 6
    assert stats.counts["rule_timeouts:rule:slow"] == 2 * config.rule_max_timeouts
    said = [r for r in caplog.records if "rule:slow" in r.getMessage()]
    assert len(said) == 1 and "switched off" in said[0].getMessage()


def test_new_formats_are_one_shard_per_file_read_as_the_local_engine_reads_them(tmp_path):
    from warcs import wet

    d = tmp_path / "in"
    d.mkdir()
    wet(d / "a.wet.gz", [("http://a.example/", f"{PARA} One."), ("http://b.example/", f"{PARA} Two.")])
    (d / "b.jsonl").write_bytes(gzip.compress(b"".join(
        json.dumps({"text": f"{PARA} Row {i}."}).encode() + b"\n" for i in range(30))))  # gzip, plain name
    config = Config(shard_bytes=100, dedup=False)
    pipe = Pipeline(config)
    shards = plan_shards(pipe.reader(), [str(d)], config.shard_bytes)
    assert [(os.path.basename(s[0]), s[2]) for s in shards] == [("a.wet.gz", None), ("b.jsonl", None)]
    ids = [r.id for s in shards for r in clean_shard(config, s)[0]]
    local = [r.id for r in process_batch(pipe.cleaner, list(pipe.reader().read_paths([str(d)])))]
    assert ids == local and len(ids) == 32


def test_json_lines_named_json_are_cut_into_shards_and_an_array_is_not(tmp_path):
    rows = [{"text": f"{PARA} Row {i}."} for i in range(30)]
    lines, array = tmp_path / "lines.json", tmp_path / "array.json"
    lines.write_text("".join(json.dumps(r) + "\n" for r in rows))
    array.write_text(json.dumps(rows, indent=1))
    config = Config(shard_bytes=700, dedup=False)
    pipe = Pipeline(config)
    shards = plan_shards(pipe.reader(), [str(lines), str(array)], config.shard_bytes)
    assert sum(s[0] == str(lines) for s in shards) > 3 and [s[2] for s in shards if s[0] == str(array)] == [None]
    ids = [r.id for s in shards for r in clean_shard(config, s)[0]]
    local = [r.id for r in process_batch(pipe.cleaner, list(pipe.reader().read_paths([str(lines), str(array)])))]
    assert ids == local and len(ids) == 60


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_wide_jsonl_file_is_one_shard_read_as_the_local_engine_reads_it(tmp_path, encoding):
    d = tmp_path / "in"
    d.mkdir()
    (d / "wide.jsonl").write_bytes("".join(json.dumps({"text": f"{PARA} Row {i}."}) + "\n"
                                           for i in range(30)).encode(encoding))
    config = Config(shard_bytes=500, dedup=False)
    pipe = Pipeline(config)
    shards = plan_shards(pipe.reader(), [str(d)], config.shard_bytes)
    assert [s[2] for s in shards] == [None]
    got = [r.line for s in shards for r in clean_shard(config, s)[0]]
    local = [r.line for r in process_batch(pipe.cleaner, list(pipe.reader().read_paths([str(d)])))]
    assert got == local and len(got) == 30


def test_line_starts_count_like_line_iteration(tmp_path):
    p = tmp_path / "x.jsonl"
    p.write_bytes(b"a\nbb\n\nccc\n")
    assert line_starts_in(str(p), 0, 100) == 4
    assert sum(line_starts_in(str(p), s, s + 3) for s in range(0, 10, 3)) == 4


def test_ray_engine_output_equals_local_engine(tmp_path):
    ray = pytest.importorskip("ray")
    d = site(tmp_path)
    local_pipe = Pipeline(Config())
    local = b"".join(local_pipe.run_paths([str(d)]))
    out = tmp_path / "out"
    out.mkdir()
    (out / "part-00099.jsonl.gz").write_bytes(b"stale")
    try:
        config = Config(engine="ray", workers=2, shard_bytes=2000)
        pipe = Pipeline(config)
        got = b"".join(pipe.run_paths([str(d)]))
        write_parts(Pipeline(config), [str(d)], str(out))
        from_url = b"".join(Pipeline(config).run_paths(["file://" + str(d)]))  # shards of a URL too
        bad = tmp_path / "bad.jsonl"
        bad.write_text('{"text": "fine"}\n{broken\n')
        with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):  # the task's own error
            b"".join(Pipeline(config).run_paths([str(bad)]))
        with pytest.raises(InputError, match=r"bad.jsonl:2: not valid JSON"):  # -o DIR/ too
            write_parts(Pipeline(config), [str(bad)], str(tmp_path / "new" / "out"))
        assert not (tmp_path / "new").exists()  # a failed run leaves no directory it made
        # with an index, the driver runs the corpus-wide passes
        indexed = [b"".join(Pipeline(replace(c, index=str(tmp_path / f"seen-{c.engine}.db"))).run_paths([str(d)]))
                   for c in (Config(), config)]
    finally:
        ray.shutdown()
    assert got == local
    assert pipe.clusters == local_pipe.clusters
    assert b'"duplicates"' in local  # the corpus does exercise deduplication
    parts = sorted(os.listdir(out))
    assert len(parts) > 3 and parts[0] == "part-00000.jsonl.gz" and "part-00099.jsonl.gz" not in parts
    assert b"".join(gzip.open(out / p).read() for p in parts) == local
    assert indexed[0] == indexed[1] == local
    assert from_url == local



def test_parquet_shards_are_byte_identical_for_any_workers_and_ray_with_one_schema(tmp_path):
    ray = pytest.importorskip("ray")
    pq = pytest.importorskip("pyarrow.parquet")
    from scrubber.errors import ScrubberError
    from scrubber.sinks import open_sink

    def write(config, paths, out, per_shard):  # as the CLI writes -o DIR.parquet/
        with open_sink(out, per_shard) as sink:
            for line in Pipeline(config).run_paths(paths):
                sink.write(line)

    d = corpus(tmp_path)
    mixed = tmp_path / "mixed.jsonl"
    mixed.write_text(json.dumps({"text": PARA, "x": 1}) + "\n" + json.dumps({"text": PARA + " More.", "x": "a"}) + "\n")
    outs = []
    try:
        for config in (Config(workers=1, keep_duplicates=True), Config(workers=2, keep_duplicates=True),
                       Config(engine="ray", workers=2, shard_bytes=2000, keep_duplicates=True)):
            out = tmp_path / f"out{len(outs)}.parquet"
            write(config, [str(d)], f"{out}/", 3)
            outs.append({p: (out / p).read_bytes() for p in sorted(os.listdir(out))})
        # a type that changes between shards is refused, as a single file refuses it
        with pytest.raises(ScrubberError, match="field 'x' has values of different types"):
            write(Config(engine="ray", workers=2, dedup=False), [str(mixed)], f"{tmp_path}/m.parquet/", 1)
    finally:
        ray.shutdown()
    assert len(outs[0]) > 3 and outs[0] == outs[1] == outs[2]
    schemas = {pq.read_schema(tmp_path / "out0.parquet" / p) for p in outs[0]}
    assert len(schemas) == 1 and "duplicate_of" in schemas.pop().names
    assert not (tmp_path / "m.parquet").exists()  # nor the directory it made


def test_workers_0_starts_ray_with_a_cpu_per_core_as_j_0_does(monkeypatch):
    # Passed on as num_cpus=0, no task could be scheduled: the run hung.
    from scrubber import ray_engine
    from scrubber.workers import usable_cores

    class FakeRay:
        def is_initialized(self):
            return False

        def init(self, **kw):
            self.kw = kw

    fake = FakeRay()
    monkeypatch.setattr(ray_engine, "_ray", lambda: fake)
    ray_engine._init(Config(engine="ray", workers=0))
    assert fake.kw["num_cpus"] == usable_cores() >= 1
    ray_engine._init(Config(engine="ray", workers=3))
    assert fake.kw["num_cpus"] == 3
    # a Ray of its own, not a cluster `ray start` left on the machine,
    # which refuses num_cpus (an internal error)
    assert fake.kw["address"] == "local"


def test_starting_ray_leaves_the_commands_sigterm_handler_in_place():
    # ray.init put its own in place: SIGTERM exited 15 with a C++ stack dump,
    # not 143 with `scrubber: terminated` and the temporary output removed.
    import signal

    ray = pytest.importorskip("ray")
    from scrubber import ray_engine

    def on_term(signum, frame):
        pass

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        ray_engine._init(Config(engine="ray", workers=1))
        assert signal.getsignal(signal.SIGTERM) is on_term
    finally:
        ray.shutdown()
        signal.signal(signal.SIGTERM, old)


def test_an_address_with_no_cluster_is_one_error_line_not_a_wait(monkeypatch):
    # Ray retried a port that refuses connections for minutes, and a missing
    # cluster (auto) was an internal error.
    import socket

    from scrubber import ray_engine
    from scrubber.errors import ScrubberError

    class FakeRay:
        def is_initialized(self):
            return False

        def init(self, **kw):
            raise ConnectionError("Could not find any running Ray instance.")

    monkeypatch.setattr(ray_engine, "_ray", lambda: FakeRay())
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(ScrubberError, match=rf"--address 127.0.0.1:{port}: no Ray cluster reachable there"):
        ray_engine._init(Config(engine="ray", ray_address=f"127.0.0.1:{port}"))
    with pytest.raises(ScrubberError, match="--address auto: Could not find any running Ray instance"):
        ray_engine._init(Config(engine="ray", ray_address="auto"))


def test_writing_parts_removes_what_a_killed_run_left_in_the_directory_once(tmp_path, monkeypatch):
    # The driver sweeps -o DIR/ before the shards' tasks write their parts.
    from scrubber import ray_engine, sinks
    from test_sinks import _gone_pid, _left_behind
    out = tmp_path / "out"
    out.mkdir()
    stale = _left_behind(out, "part-00003.jsonl.gz", _gone_pid())
    swept = []
    monkeypatch.setattr(ray_engine, "run", lambda *a, **k: iter(()))
    monkeypatch.setattr(ray_engine, "sweep_stale", lambda d, owns: swept.append(d) or sinks.sweep_stale(d, owns))
    ray_engine.write_parts(Pipeline(Config(engine="ray")), [], str(out))
    assert swept == [str(out)] and not stale.exists()


def test_a_later_run_that_asks_for_another_ray_gets_it_not_the_one_left_running(tmp_path):
    # Ray stays up after a run, as Ray Data leaves it; a later run aimed at
    # an unreachable address ran on it, and one with workers=1 had two CPUs.
    import socket

    ray = pytest.importorskip("ray")
    from scrubber.errors import ScrubberError

    d = corpus(tmp_path)
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        first = b"".join(Pipeline(Config(engine="ray", workers=2)).run_paths([str(d)]))
        assert ray.is_initialized() and ray.cluster_resources()["CPU"] == 2
        again = b"".join(Pipeline(Config(engine="ray", workers=1)).run_paths([str(d)]))
        assert ray.cluster_resources()["CPU"] == 1 and again == first
        with pytest.raises(ScrubberError, match=rf"--address 127.0.0.1:{port}: no Ray cluster reachable"):
            b"".join(Pipeline(Config(engine="ray", ray_address=f"127.0.0.1:{port}")).run_paths([str(d)]))
        # the caller's own Ray is used as it is
        ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
        assert b"".join(Pipeline(Config(engine="ray", workers=2)).run_paths([str(d)])) == first
        assert ray.cluster_resources()["CPU"] == 1
    finally:
        ray.shutdown()



def test_with_an_address_shards_name_files_as_the_driver_sees_them(tmp_path, monkeypatch):
    # A cluster's workers open files in directories of their own: a
    # relative path was "cannot open" there although it exists here.
    d = corpus(tmp_path)
    config = Config(engine="ray", ray_address="auto", dedup=False)
    monkeypatch.chdir(tmp_path)
    shards = plan_shards(Pipeline(config).reader(), ["in"], config.shard_bytes, absolute=True)
    assert {s[0] for s in shards} == {str(d / "a.jsonl"), str(d / "b.txt")}
    monkeypatch.chdir(d / "..")
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")  # as a worker would be
    assert sum(len(clean_shard(config, s)[0]) for s in shards) == 42
    # the rule and model files the run names too
    from scrubber.ray_engine import _for_workers
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mine.toml").write_text("")
    sent = _for_workers(config.with_(rule_files=("mine.toml",), classifier_model="m.json"))
    assert sent.rule_files == (str(tmp_path / "mine.toml"),) and sent.classifier_model == str(tmp_path / "m.json")
    assert _for_workers(Config(rule_files=("mine.toml",))).rule_files == ("mine.toml",)  # a local Ray shares our cwd
