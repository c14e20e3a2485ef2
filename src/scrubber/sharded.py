"""The corpus-wide passes as map and reduce steps over shards.

The local engine makes its corpus-wide decisions (corpus furniture, exact
copies, near-duplicate clusters) in one process that holds every document's
sketch. Here the same decisions are made from shards, so that no process
holds the corpus: each step maps over the shards, partitions what it
emits by a key, and reduces each partition on its own. The Ray engine runs
the steps as Ray tasks (``ray_engine.py``); ``Serial`` runs them in this
process, which is how the tests check that the two agree.

Documents are numbered as the local engine numbers them: the documents
kept by pass 1, in input order; shard ``s`` holds numbers ``base[s]`` to
``base[s + 1] - 1``. Every step only compares these numbers, so the
clusters, the learned lines and the common shingles are exactly the local
engine's, and so is the output.

How a clustering runs (``cluster``), and what each step holds:

1. exact copies: each shard sends (digest, number) to the partition of its
   digest; a partition finds its first copies and their later copies;
2. band keys of the first copies: each shard sends its keys of band ``b``
   to partition ``b mod parts``; a partition buckets each of its bands over
   the whole corpus (``dedup.bucket_pairs``) and sends each pair to the
   shard of its first document;
3. verification: a shard checks its pairs against the exact shingle sets,
   its own and, one shard at a time, the other shard's;
4. the driver joins the verified pairs into star clusters (``dedup.star``)
   and keeps only what concerns duplicates: copies, verified pairs, and
   the words and ids of the documents in them.

Counting lines and shingles per cluster (corpus furniture) is the same
shape: each shard sends its distinct (key, cluster) pairs to the key's
partition; a partition counts the clusters of each key.
"""

from __future__ import annotations

import logging
import os
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Callable, Iterator

import numpy as np

from . import boilerplate
from .config import Config
from .dedup import MIN_SHINGLES, Cluster, band_key, bucket_pairs, exact_groups, neighbours, star, unique_pairs, verify
from .ids import reused_ids, reused_ids_warning
from .minhash import Params, sorted_unique
from .shards import Docs, View, resolve
from .steps import annotate, cluster_fields, cluster_record, resign_items, restrip_items
from .sinks import Sink, shard_name
from .stats import Stats, warn_timeouts

log = logging.getLogger("scrubber")


# --- clustering -----------------------------------------------------------------

def _part_of(keys: np.ndarray, parts: int) -> np.ndarray:
    return (keys % np.uint64(parts)).astype(np.int64)


def exact_map(view: View, base: int, parts: int) -> list:
    """(digests, numbers) of a shard, split by the digest's partition."""
    dig = np.frombuffer(b"".join(view.exact), dtype=np.uint8).reshape(len(view.exact), 16) \
        if view.exact else np.zeros((0, 16), np.uint8)
    num = base + view.pos
    part = _part_of(np.ascontiguousarray(dig[:, :8]).view(np.uint64).ravel(), parts)
    return [(dig[part == r], num[part == r]) for r in range(parts)]


def exact_reduce(*pieces) -> dict[int, list[int]]:
    """Later exact copies of each first copy, from every shard's piece of
    one partition (pieces come in shard order, so numbers increase)."""
    dig = np.concatenate([d for d, _ in pieces]) if pieces else np.zeros((0, 16), np.uint8)
    num = np.concatenate([n for _, n in pieces]) if pieces else np.zeros(0, np.int64)
    order = np.argsort(num, kind="stable")
    dig, num = dig[order], num[order]
    _, copies = exact_groups(dig)
    return {int(num[i]): [int(num[j]) for j in js] for i, js in copies.items()}


def band_map(view: View, base: int, later: np.ndarray, params: Params, parts: int) -> list:
    """For each partition, (numbers, keys of its bands) of a shard's
    documents that are not later exact copies."""
    num = base + view.pos
    keep = ~np.isin(num, later)
    sigs, num, words = view.sigs[keep], num[keep], np.asarray(view.words)[keep]
    out = []
    for r in range(parts):
        bands = range(r, params.bands, parts)
        keys = np.stack([band_key(sigs, b, params.rows) for b in bands], axis=1) \
            if len(bands) and len(num) else np.zeros((len(num), len(bands)), np.uint64)
        out.append((num, keys, words))
    return out


def band_reduce(bounds: np.ndarray, *pieces) -> list:
    """The candidate pairs of one partition's bands over the whole corpus,
    split by the shard of each pair's first document (``bounds``: the
    first number of each shard, then the total)."""
    num = np.concatenate([n for n, _, _ in pieces])
    keys = np.concatenate([k for _, k, _ in pieces])
    words = np.concatenate([w for _, _, w in pieces])
    total = int(bounds[-1])
    pairs = unique_pairs([bucket_pairs(keys[:, j], num, words) for j in range(keys.shape[1])],
                         max(total, 1))
    shard = np.searchsorted(bounds, pairs[:, 0], side="right") - 1
    return [pairs[shard == s] for s in range(len(bounds) - 1)]


class Views:
    """Every shard's view (handles) and base, for a step that reads other
    shards than its own."""

    def __init__(self, views: list, bases: list[int]):
        self.views, self.bases = views, np.asarray(bases, dtype=np.int64)

    def shard_of(self, num: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.bases, num, side="right") - 1

    def get(self, s: int) -> View:
        return resolve(self.views[s])


def verify_map(me: int, view: View, views: Views, containment: float, *pieces) -> tuple:
    """Shard ``me``'s verified pairs (x, y, Jaccard, containment), x in
    this shard, and the words of the documents in them. The other shards'
    sets are read one shard at a time."""
    found: list = []
    words: dict[int, int] = {}
    pieces = [p for p in pieces if len(p)]
    if not pieces:
        return found, words
    pairs = unique_pairs(pieces, int(max(p.max() for p in pieces)) + 1)
    base = int(views.bases[me])
    here = {int(p): i for i, p in enumerate(view.pos.tolist())}
    shard_y = views.shard_of(pairs[:, 1])
    for s in np.unique(shard_y).tolist():
        other = view if s == me else views.get(s)
        there = here if s == me else {int(p): i for i, p in enumerate(other.pos.tolist())}
        obase = int(views.bases[s])
        for x, y in pairs[shard_y == s].tolist():
            i, j = here[x - base], there[y - obase]
            a, b = view.shingles[i], other.shingles[j]
            if min(len(a), len(b)) < MIN_SHINGLES:
                continue
            ok, jac, con = verify(a, b, containment)
            if ok:
                found.append((x, y, jac, con))
                words[x] = int(view.words[i])
                words[y] = int(other.words[j])
    return found, words


def ids_map(view: View, base: int, wanted: np.ndarray) -> dict[int, str]:
    """The ids of some of a shard's documents, by number."""
    at = {int(p): i for i, p in enumerate(view.pos.tolist())}
    return {int(n): view.ids[at[int(n) - base]] for n in wanted.tolist()}


def split(nums, bases: list[int], total: int) -> list[np.ndarray]:
    """Numbers (sorted) cut into one array per shard."""
    nums = np.asarray(sorted(nums), dtype=np.int64)
    cuts = np.searchsorted(nums, list(bases) + [total])
    return [nums[cuts[s]:cuts[s + 1]] for s in range(len(bases))]


def cluster(ex, views: list, bases: list[int], total: int, params: Params, containment: float,
            parts: int) -> list[Cluster]:
    """``dedup.cluster`` over the shards' views (handles); see the module
    docstring for the steps."""
    if total == 0:
        return []
    shards = len(views)
    pieces = [ex.split(exact_map, parts, v, b, parts) for v, b in zip(views, bases)]
    copies: dict[int, list[int]] = {}
    for h in [ex.call(exact_reduce, *[p[r] for p in pieces]) for r in range(parts)]:
        copies.update(ex.get(h))
    later = split((j for js in copies.values() for j in js), bases, total)
    bounds = np.array(list(bases) + [total], dtype=np.int64)
    pieces = [ex.split(band_map, parts, v, b, later[s], params, parts)
              for s, (v, b) in enumerate(zip(views, bases))]
    pairs = [ex.split(band_reduce, shards, bounds, *[p[r] for p in pieces]) for r in range(parts)]
    everyone = ex.put(Views(views, bases))
    words: dict[int, int] = {}

    def verified(per_shard: list[list]) -> list:
        found = []
        # Handles (the first time) or arrays: only arrays can be seen empty.
        for h in [ex.call(verify_map, s, views[s], everyone, containment, *per_shard[s])
                  for s in range(shards)
                  if not all(isinstance(p, np.ndarray) and not len(p) for p in per_shard[s])]:
            f, w = ex.get(h)
            found += f
            words.update(w)
        return found

    found = verified([[pr[s] for pr in pairs] for s in range(shards)])

    def check(repair: np.ndarray) -> list:
        repair = unique_pairs([repair], max(total, 1))
        shard = np.searchsorted(bounds, repair[:, 0], side="right") - 1
        return verified([[repair[shard == s]] for s in range(shards)])

    nbrs = neighbours(found)
    for i in copies:
        words.setdefault(i, 0)  # a first copy with no neighbour: its words decide nothing
    return star(nbrs, copies, words, check=check)


def ids_of(ex, views: list, bases: list[int], total: int, nums) -> dict[int, str]:
    """Ids of the documents numbered ``nums``."""
    out: dict[int, str] = {}
    for s, want in enumerate(split(nums, bases, total)):
        if len(want):
            out.update(ex.get(ex.call(ids_map, views[s], bases[s], want)))
    return out


def labels(clusters: list[Cluster], bases: list[int], total: int) -> list[dict[int, int]]:
    """Per shard, the cluster label (the kept document's number) of each of
    its documents in a cluster; the others are their own label."""
    lab = {d: cl.keep for cl in clusters for d in cl.dropped}
    cuts = split(lab, bases, total)
    return [{int(d): lab[int(d)] for d in c.tolist()} for c in cuts]


# --- corpus furniture -------------------------------------------------------------

def learn_map(docs: Docs, base: int, label: dict[int, int], use: set[str], parts: int) -> list:
    """Distinct (line key, cluster) pairs of a shard's documents from the
    sources in ``use``, with the line's most words, split by key."""
    ks, gs, ws, ds = [], [], [], []
    for i, (k, lw, src) in enumerate(zip(docs.keys, docs.lwords, docs.sources)):
        if src in use:
            ks.append(k)
            ws.append(lw.astype(np.int64))
            gs.append(np.full(len(k), label.get(base + i, base + i), dtype=np.int64))
            ds.append(np.full(len(k), base + i, dtype=np.int64))
    if not ks:
        z = np.zeros(0, np.int64)
        return [(np.zeros(0, np.uint64), z, z, z)] * parts
    k, g, w, d = boilerplate.line_ids(np.concatenate(ks)), np.concatenate(gs), np.concatenate(ws), np.concatenate(ds)
    live = k != 0
    k, g, w, d = k[live], g[live], w[live], d[live]
    part = _part_of(k, parts)
    return [(k[part == r], g[part == r], w[part == r], d[part == r]) for r in range(parts)]


def learn_reduce(min_clusters: int, min_clusters_long: int, *pieces) -> dict[int, int]:
    """``boilerplate.learn`` for one partition's keys."""
    k = np.concatenate([p[0] for p in pieces])
    g = np.concatenate([p[1] for p in pieces])
    w = np.concatenate([p[2] for p in pieces])
    d = np.concatenate([p[3] for p in pieces])
    if not len(k):
        return {}
    kd = np.unique(np.stack((k, d.astype(np.uint64)), axis=1), axis=0)[:, 0]
    dk, docs = np.unique(kd, return_counts=True)
    order = np.lexsort((g, k))
    k, g, w = k[order], g[order], w[order]
    new_key = np.ones(len(k), dtype=bool)
    new_key[1:] = k[1:] != k[:-1]
    new_pair = new_key.copy()
    new_pair[1:] |= g[1:] != g[:-1]
    starts = np.flatnonzero(new_key)
    uniq = k[starts]
    counts = np.add.reduceat(new_pair.astype(np.int64), starts)
    longest = np.maximum.reduceat(w, starts)
    ok = (counts >= min_clusters) & (~boilerplate.is_long(uniq, longest) | (counts >= min_clusters_long))
    ok &= counts >= boilerplate.MIN_GROUP_SHARE * docs[np.searchsorted(dk, uniq)]
    return dict(zip(uniq[ok].tolist(), counts[ok].tolist()))


def learn(ex, docs: list, bases: list[int], label: list[dict], use: set[str], parts: int,
          min_clusters: int, min_clusters_long: int) -> boilerplate.Learned:
    if not use:
        return boilerplate.Learned({})
    use_h = ex.put(use)
    pieces = [ex.split(learn_map, parts, d, b, lab, use_h, parts)
              for d, b, lab in zip(docs, bases, label)]
    counts: dict[int, int] = {}
    for h in [ex.call(learn_reduce, min_clusters, min_clusters_long, *[p[r] for p in pieces])
              for r in range(parts)]:
        counts.update(ex.get(h))
    learned = boilerplate.Learned(dict(sorted(counts.items())))
    if not learned.counts:
        return learned
    learned_h = ex.put(learned)
    got = [ex.get(h) for h in [ex.call(votes_map, d, learned_h) for d in docs]]
    return boilerplate.unlearn(learned, *(np.concatenate(x) for x in zip(*got)))


def votes_map(docs: Docs, learned: boilerplate.Learned) -> tuple:
    """``boilerplate.votes`` of a shard's documents."""
    return boilerplate.votes(docs.keys, docs.lwords, learned)


def regroup_map(docs: Docs, view: View, first: boilerplate.Learned, config: Config) -> View:
    """A shard's view with the lines of ``first`` out of each set, re-signed
    where a document lost lines (the second grouping of ``Pipeline._learn``)."""
    sets = list(view.shingles)
    changed = [(i, d.tolist()) for i, d in enumerate(boilerplate.regroup_drop_lines(docs.keys, docs.lwords, first))
               if len(d)]
    sigs = view.sigs.copy()
    items = ((np.asarray(docs.wordhashes[i]), docs.lwords[i], d) for i, d in changed)
    for (i, _), (shingles, sig) in zip(changed, resign_items(config, items)):
        sets[i], sigs[i] = shingles, sig
    return View(view.pos, view.ids, sigs, sets, view.words, view.exact)


def common_map(view: View, base: int, label: dict[int, int], parts: int) -> list:
    """Distinct (shingle, cluster) pairs of a shard, packed in one uint64
    each, split by shingle."""
    z = np.zeros(0, np.uint64)
    if not view.shingles:
        return [(z, z, np.zeros(0, np.int64))] * parts
    lens = np.fromiter(map(len, view.shingles), dtype=np.int64, count=len(view.shingles))
    groups = np.array([label.get(base + i, base + i) for i in view.pos.tolist()], dtype=np.uint64)
    sh = np.concatenate([np.asarray(s, dtype=np.uint64) for s in view.shingles])
    packed = sorted_unique((sh << np.uint64(32)) | np.repeat(groups, lens))
    part = _part_of(packed >> np.uint64(32), parts)
    uniq, docs = np.unique(sh, return_counts=True)  # a set holds a shingle once
    upart = _part_of(uniq, parts)
    return [(packed[part == r], uniq[upart == r], docs[upart == r]) for r in range(parts)]


def common_reduce(min_clusters: int, *pieces) -> np.ndarray:
    """Shingles of one partition found in ``min_clusters`` clusters or more,
    and in clusters numbering ``boilerplate.MIN_GROUP_SHARE`` of their documents."""
    shingle = sorted_unique(np.concatenate([p[0] for p in pieces])) >> np.uint64(32)
    if not len(shingle):  # short documents have no shingle; ``starts`` would name one
        return np.zeros(0, np.uint32)
    starts = np.flatnonzero(np.concatenate(([True], shingle[1:] != shingle[:-1])))
    uniq, counts = shingle[starts], np.diff(np.append(starts, len(shingle)))
    ds, inv = np.unique(np.concatenate([p[1] for p in pieces]), return_inverse=True)
    docs = np.bincount(inv, weights=np.concatenate([p[2] for p in pieces]), minlength=len(ds))
    per = docs[np.searchsorted(ds, uniq)] if len(uniq) else np.zeros(0)
    ok = (counts >= min_clusters) & (uniq != 0) & (counts >= boilerplate.MIN_GROUP_SHARE * per)
    return uniq[ok].astype(np.uint32)


def common_shingles(ex, views: list, bases: list[int], label: list[dict], parts: int,
                    min_clusters: int) -> np.ndarray:
    pieces = [ex.split(common_map, parts, v, b, lab, parts) for v, b, lab in zip(views, bases, label)]
    found = [ex.get(h) for h in [ex.call(common_reduce, min_clusters, *[p[r] for p in pieces])
                                 for r in range(parts)]]
    return np.sort(np.concatenate(found)) if found else np.zeros(0, np.uint32)


def restrip_map(config: Config, docs: Docs, view: View, learned: boilerplate.Learned,
                common: np.ndarray) -> list:
    """Pass 2 for a shard: its records without learned furniture, and a view
    signed in full (``steps.restrip_batch``); [Docs, View, Stats]."""
    stats = Stats()
    drops, spared = boilerplate.guarded_drops(docs.keys, docs.lwords, learned)
    if spared:
        stats.counts["documents_spared"] += spared
    items = [(line, d, None, (np.asarray(docs.wordhashes[i]), docs.lwords[i])) if d
             else (line, d, np.asarray(view.shingles[i]), None)
             for i, (line, d) in enumerate(zip(docs.records, drops))]
    records, pos, ids, sigs, sets, words, exact = [], [], [], [], [], [], []
    for i, (line, sk, dropped) in enumerate(restrip_items(config, common, items)):
        if drops[i]:
            stats.counts["lines_removed"] += len(drops[i])
            stats.removed[boilerplate.REASON] += len(drops[i])
            if line is None:
                stats.counts[f"dropped_{dropped}"] += 1
                continue
        else:
            sk.words, sk.exact = int(view.words[i]), view.exact[i]
        records.append(line)
        pos.append(int(view.pos[i]))
        ids.append(view.ids[i])
        sigs.append(sk.sig)
        sets.append(sk.shingles)
        words.append(sk.words)
        exact.append(sk.exact)
    new = View(np.array(pos, dtype=np.int64), ids,
               np.stack(sigs) if sigs else np.zeros((0, config.num_perm), np.uint32),
               sets, np.array(words, dtype=np.int64), exact)
    return [Docs(records, np.array(pos, dtype=np.int64)), new, stats]


# --- output ----------------------------------------------------------------------

def render_map(docs: Docs, base: int, extra: dict[int, bytes],
               dup_of: dict[int, bytes], keep_duplicates: bool, path: str | None) -> list:
    """A shard's output lines with their cluster fields (``Pipeline._dedup``);
    written to a temporary file beside ``path`` when given, else returned.
    Returns [lines or the temporary file's name, counts]."""
    c: Counter = Counter()
    out = []
    nums = range(base, base + len(docs.records)) if docs.pos is None else (base + docs.pos).tolist()
    for n, line in zip(nums, docs.records):
        line, dup = annotate(line, n, extra, dup_of, keep_duplicates)
        if dup:
            c[dup] += 1
        if line is not None:
            c["documents_out"] += 1
            out.append(line)
    if path is None:
        return [out, c]
    with Sink(path, commit=False, sweep=False) as sink:  # the driver swept the directory (write_parts)
        for line in out:
            sink.write(line)
    return [sink.tmp, c]


def part_path(directory: str, n: int) -> str:
    return os.path.join(directory, shard_name(n))


# --- the whole run ---------------------------------------------------------------

@dataclass
class Outcome:
    """What a run leaves besides its output: counters and clusters."""

    stats: Stats
    clusters: list[dict] = field(default_factory=list)


def run(ex, config: Config, passed: Iterator[list], outcome: Outcome, parts: int,
        directory: str | None = None, progress: Callable[[int, int], None] | None = None) -> Iterator:
    """The corpus-wide passes over pass-1 handles ([docs, view, summary] per
    shard, in input order). Yields the output lines in input order, or,
    with ``directory``, the temporary part files the shards wrote, in order."""
    stats = outcome.stats
    docs, views, bases, sources = [], [], [], Counter()
    total = 0
    said: set[str] = set()
    hashes: list[np.ndarray] = []
    for d, v, summary in passed:
        s = ex.get(summary)
        for m in s.messages:
            log.warning("%s", m)
        stats.counts.update(s.stats.counts)
        warn_timeouts(stats.counts, s.stats.counts, config, said)
        stats.removed.update(s.stats.removed)
        sources.update(s.sources)
        if progress:
            progress(s.stats.counts["documents_in"], s.stats.counts["bytes_in"])
        docs.append(d)
        views.append(v)
        bases.append(total)
        total += s.kept
        hashes.append(s.id_hashes)
    extra: dict[int, bytes] = {}
    dup_of: dict[int, bytes] = {}
    if config.dedup and total:
        every = np.concatenate(hashes)
        hashes = []  # the shards' arrays go before the count's sorted copy is made
        n, first = reused_ids(every)
        del every
        if n:
            stats.counts["ids_reused"] += n
            log.warning("%s", reused_ids_warning(n, ids_of(ex, views, bases, total, {first})[first]))
        if config.boilerplate:
            boilerplate.warn_unsourced(config.source_field, sources)
            docs, views = _boilerplate(ex, config, docs, views, bases, total, sources, stats, parts)
        clusters = cluster(ex, views, bases, total, config.dedup_params, config.containment_threshold, parts)
        ids = ids_of(ex, views, bases, total, {n for cl in clusters for n in (cl.keep, *cl.dropped)})
        outcome.clusters = [cluster_record(cl, ids) for cl in clusters]
        extra, dup_of, _ = cluster_fields(clusters, ids)
        stats.counts["clusters"] = len(clusters)
    extras = _by_shard(extra, bases, total)
    dups = _by_shard(dup_of, bases, total)
    def rendered():
        # A bounded window of shards in flight: the driver writes one shard
        # at a time, so rendering them all at once would only pile their
        # records up in the object store.
        window: deque = deque()
        for s, d in enumerate(docs):
            window.append(ex.split(render_map, 2, d, bases[s], extras[s], dups[s], config.keep_duplicates,
                                   part_path(directory, s) if directory is not None else None))
            if len(window) > parts:
                yield window.popleft()
        yield from window

    for out, counts in rendered():
        c = ex.get(counts)
        stats.counts.update(c)
        got = ex.get(out)
        if directory is None:
            yield from got
        else:
            yield got, c["documents_out"]


def _by_shard(values: dict[int, bytes], bases: list[int], total: int) -> list[dict[int, bytes]]:
    return [{n: values[n] for n in c.tolist()} for c in split(values, bases, total)]


def _boilerplate(ex, config, docs, views, bases, total, sources, stats, parts):
    """``Pipeline._learn`` and ``Pipeline._boilerplate`` over shards."""
    pp = boilerplate.PRELIM
    params = Params(config.shingle_size, pp.num_perm, pp.bands, pp.rows, config.seed)
    clusters = cluster(ex, views, bases, total, params, boilerplate.PRELIM_CONTAINMENT, parts)
    label = labels(clusters, bases, total)
    use = {s for s, n in sources.items() if n >= boilerplate.MIN_SOURCE_DOCS}
    if total >= boilerplate.MIN_SOURCE_DOCS:
        first = learn(ex, docs, bases, label, use, parts, config.boilerplate_min_clusters, total + 1)
        if first.counts:
            first_h = ex.put(first)
            second = [ex.call(regroup_map, d, v, first_h, config) for d, v in zip(docs, views)]
            clusters = cluster(ex, second, bases, total, params, config.containment_threshold, parts)
            label = labels(clusters, bases, total)
    learned = learn(ex, docs, bases, label, use, parts, config.boilerplate_min_clusters,
                    boilerplate.MIN_CLUSTERS_LONG)
    common = common_shingles(ex, views, bases, label, parts, boilerplate.COMMON_MIN_CLUSTERS) \
        if total >= boilerplate.MIN_SOURCE_DOCS else np.zeros(0, np.uint32)
    stats.counts["common_shingles"] = len(common)
    learned_h, common_h = ex.put(learned), ex.put(common)
    new_docs, new_views = [], []
    for d, v, s in [ex.split(restrip_map, 3, config, d, v, learned_h, common_h)
                    for d, v in zip(docs, views)]:
        st = ex.get(s)
        stats.counts.update(st.counts)
        stats.removed.update(st.removed)
        new_docs.append(d)
        new_views.append(v)
    return new_docs, new_views
