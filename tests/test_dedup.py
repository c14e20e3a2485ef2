"""Near-duplicate detection: signatures, candidates, proof, clusters."""

import zlib

import numpy as np
import pytest
from datasketch import MinHash
from texts import FURNITURE_BOTTOM, article, sentences, with_furniture

from scrubber import Config, Params, clean, cluster, sketch
from scrubber.dedup import MIN_SHINGLES, Corpus, ShingleSpool, candidate_pairs
from scrubber.minhash import overlap, overlaps, shingle_hashes, signature, signatures, sketch_many, sorted_unique, words_of


def kept_ids(texts, **options):
    return [r["id"] for r in clean([{"id": str(i), "text": t} for i, t in enumerate(texts)], **options)]


# --- signatures -------------------------------------------------------------

@pytest.mark.parametrize("size", [1, 7, 300, 5000])
def test_signature_equals_datasketch_minhash_on_the_same_shingles(size):
    rng = np.random.default_rng(size)
    sh = np.unique(rng.integers(0, 2**32, size=size, dtype=np.uint64).astype(np.uint32))
    m = MinHash(num_perm=128, seed=1, hashfunc=int, scheme="affine32")
    m.update_batch([int(x) for x in sh])
    assert np.array_equal(signature(sh), m.hashvalues.astype(np.uint32))


def test_words_split_at_every_non_word_character_but_only_newlines_end_lines():
    w = words_of("Straße, 2024!\n\n\u201cQuoted\u201d\u2014dash\u2026\u00a0nbsp\tTAB\x85x_y")
    assert w.lines == [b"strasse 0000", b"", b"quoted dash nbsp tab x_y"]
    assert w.per_line.tolist() == [2, 0, 5]
    assert w.hashes.tolist() == [zlib.crc32(x) for x in b"strasse 0000 quoted dash nbsp tab x_y".split()]


def test_unspaced_scripts_are_shingled_by_character():
    w = words_of("\u65b0\u534e\u793e\u62a5\u9053\uff0c3\u6708 ok \u0e01\u0e02")
    assert w.lines == ["\u65b0 \u534e \u793e \u62a5 \u9053 0 \u6708 ok \u0e01 \u0e02".encode()]


def test_combining_marks_stay_in_their_words():
    # Python's \w leaves out vowel signs and points: "कितनी" was the words
    # "क" and "तन", and two Hindi texts that differ in their vowels alone
    # ("काम" work, "कम" little) shared their shingles.
    w = words_of("कितनी बार\nகாதல் கதை\nשָׁלוֹם")
    assert [x.decode() for x in w.lines] == ["कितनी बार", "காதல் கதை", "שָׁלוֹם"]
    assert words_of("काम").hashes.tolist() != words_of("कम").hashes.tolist()
    # a Thai mark stays on its letter (a word of its own, it made furniture
    # lines "long"); an emoji's variation selector is no word
    thai = words_of("ขอบคุณที่ติดตาม")
    assert thai.lines == ["ข อ บ คุ ณ ที่ ติ ด ต า ม".encode()] and thai.per_line.tolist() == [11]
    assert words_of("\u2764\ufe0f love").lines == [b"love"]


# Two Chinese news stories (written for these tests), each three paragraphs.
ZH_A = ["\u5e02\u653f\u5e9c\u5468\u4e8c\u5ba3\u5e03\uff0c\u5c06\u5728\u6cb3\u4e0a\u65b0\u5efa\u4e00\u5ea7\u5927\u6865\uff0c\u8fde\u63a5\u8001\u57ce\u533a\u548c\u5f00\u53d1\u533a\uff0c\u9884\u8ba1\u4e09\u5e74\u5185\u5b8c\u5de5\u3002"
        "\u8fd9\u9879\u5de5\u7a0b\u603b\u6295\u8d44\u7ea6\u4e8c\u5341\u4ebf\u5143\uff0c\u5176\u4e2d\u4e00\u534a\u6765\u81ea\u7701\u8d22\u653f\u62e8\u6b3e\u3002",
        "\u5e02\u957f\u5728\u65b0\u95fb\u53d1\u5e03\u4f1a\u4e0a\u8868\u793a\uff0c\u5927\u6865\u5efa\u6210\u540e\uff0c\u4e24\u5cb8\u5c45\u6c11\u7684\u901a\u52e4\u65f6\u95f4\u5c06\u4ece\u4e00\u5c0f\u65f6\u7f29\u77ed\u5230\u4e8c\u5341\u5206\u949f\u3002"
        "\u4ed6\u8fd8\u8bf4\uff0c\u65bd\u5de5\u671f\u95f4\u5c06\u5c3d\u91cf\u51cf\u5c11\u5bf9\u6e14\u6c11\u548c\u822a\u8fd0\u7684\u5f71\u54cd\u3002",
        "\u4e0d\u5c11\u5e02\u6c11\u5bf9\u6b64\u8868\u793a\u6b22\u8fce\uff0c\u4f46\u4e5f\u6709\u73af\u4fdd\u7ec4\u7ec7\u62c5\u5fc3\u5de5\u7a0b\u4f1a\u7834\u574f\u6cb3\u6d41\u6e7f\u5730\uff0c\u5e0c\u671b\u653f\u5e9c\u516c\u5f00\u73af\u5883\u8bc4\u4f30\u62a5\u544a\u3002"
        "\u5e02\u653f\u5e9c\u56de\u5e94\u79f0\uff0c\u62a5\u544a\u5c06\u4e8e\u4e0b\u6708\u5728\u7f51\u4e0a\u516c\u5e03\u3002"]
ZH_B = ["\u53bf\u91cc\u7684\u4e2d\u5b66\u4eca\u5e74\u79cb\u5929\u5f00\u8bbe\u4e86\u673a\u5668\u4eba\u8bfe\u7a0b\uff0c\u5b66\u751f\u4eec\u53ef\u4ee5\u81ea\u5df1\u52a8\u624b\u7ec4\u88c5\u548c\u7f16\u7a0b\u3002"
        "\u6821\u957f\u8bf4\uff0c\u8fd9\u95e8\u8bfe\u6bcf\u5468\u4e24\u8282\uff0c\u5df2\u6709\u4e00\u767e\u591a\u540d\u5b66\u751f\u62a5\u540d\u3002",
        "\u8d1f\u8d23\u8bfe\u7a0b\u7684\u8001\u5e08\u8868\u793a\uff0c\u5b69\u5b50\u4eec\u6700\u559c\u6b22\u7684\u662f\u8ba9\u673a\u5668\u4eba\u8d70\u8ff7\u5bab\uff0c\u8fd9\u9700\u8981\u8010\u5fc3\u548c\u56e2\u961f\u5408\u4f5c\u3002"
        "\u5979\u5e0c\u671b\u660e\u5e74\u80fd\u5e26\u5b66\u751f\u53c2\u52a0\u5168\u7701\u6bd4\u8d5b\u3002",
        "\u6559\u80b2\u5c40\u8ba1\u5212\u660e\u5e74\u5728\u5168\u53bf\u63a8\u5e7f\u8fd9\u4e00\u505a\u6cd5\uff0c\u5e76\u4e3a\u6bcf\u6240\u5b66\u6821\u914d\u5907\u4e00\u95f4\u5b9e\u9a8c\u5ba4\u3002"
        "\u4e00\u4f4d\u5bb6\u957f\u8bf4\uff0c\u5b69\u5b50\u56de\u5bb6\u540e\u603b\u662f\u8ba8\u8bba\u81ea\u5df1\u7684\u673a\u5668\u4eba\u3002"]


def test_a_chinese_copy_with_edits_in_every_paragraph_joins_its_original():
    # the copy changes three characters in each paragraph and has other
    # furniture; with whitespace words each edit took a whole clause's shingles
    copy = ["".join("\u7684" if i in (12, 33, 55) else c for i, c in enumerate(p)) for p in ZH_A]
    docs = ["\u9996\u9875\n" + "\n".join(ZH_A) + "\n\u7248\u6743\u6240\u6709",
            "\u5bfc\u822a\n" + "\n".join(copy) + "\n\u8054\u7cfb\u6211\u4eec",
            "\u9996\u9875\n" + "\n".join(ZH_B) + "\n\u7248\u6743\u6240\u6709"]
    kept = kept_ids(docs)
    assert len(kept) == 2 and kept[0] in ("0", "1") and kept[1] == "2"


@pytest.mark.parametrize("size", [0, 1, 2, 300])
def test_sorted_unique_is_np_unique(size):
    a = np.random.default_rng(size).integers(0, 50, size=size).astype(np.uint32)
    got = sorted_unique(a)
    assert got.dtype == a.dtype and got.tolist() == np.unique(a).tolist()


def test_signatures_of_a_batch_equal_one_by_one_and_empty_is_all_max():
    sets = [shingle_hashes(t.lower().split()) for t in (article(1), "", article(2))]
    batch = signatures(sets)
    assert np.array_equal(batch[0], signature(sets[0]))
    assert (batch[1] == np.iinfo(np.uint32).max).all()


def test_shingles_ignore_case_punctuation_and_digits():
    a, b = sketch("The Mayor said: 12 new trams!"), sketch("the mayor said 99 new trams")
    assert np.array_equal(a.shingles, b.shingles) and a.exact == b.exact


# --- candidates and proof -----------------------------------------------------

def test_exact_overlap_of_shingle_sets():
    a = np.array([1, 2, 3, 4], np.uint32)
    b = np.array([3, 4, 5, 6, 7, 8, 9, 10], np.uint32)
    jac, con = overlap(a, b)
    assert jac == pytest.approx(2 / 10) and con == pytest.approx(2 / 4)


def test_overlaps_of_one_set_with_many_are_each_pair_s_overlap():
    rng = np.random.default_rng(3)
    a = np.unique(rng.integers(0, 500, 120).astype(np.uint32))
    bs = [np.unique(rng.integers(lo, lo + 400, n).astype(np.uint32))
          for lo, n in [(0, 50), (300, 200), (600, 30), (0, 1)]]
    bs += [np.zeros(0, np.uint32), a.copy(), np.array([a.max() + 1], np.uint32)]
    assert overlaps(a, bs) == [overlap(a, b) for b in bs]
    assert overlaps(np.zeros(0, np.uint32), bs) == [(0.0, 0.0)] * len(bs)


@pytest.mark.parametrize("limit", [1 << 20, 40])
def test_verified_pairs_are_those_verify_passes_in_order_however_the_sets_are_grouped(monkeypatch, limit):
    from scrubber import dedup
    monkeypatch.setattr(dedup, "_OVERLAP_SHINGLES", limit)  # 40: a group per set or two
    rng = np.random.default_rng(5)
    base = np.unique(rng.integers(0, 300, 60).astype(np.uint32))
    sets = [base] + [np.unique(np.concatenate([base[: int(n)], rng.integers(300, 600, 20).astype(np.uint32)]))
                     for n in rng.integers(0, 60, 30)] + [np.arange(5, dtype=np.uint32)]
    pairs = np.array([(0, j) for j in range(1, len(sets))] + [(3, 4), (2, 0)], dtype=np.int64)
    want = [(x, y, jac, con) for x, y in pairs.tolist()
            for ok, jac, con in [dedup.verify(sets[x], sets[y])]
            if ok and min(len(sets[x]), len(sets[y])) >= dedup.MIN_SHINGLES]
    assert list(dedup.verified(sets, pairs)) == want and 0 < len(want) < len(pairs)


def test_lsh_proposes_a_copy_that_kept_a_third_of_the_text():
    full = article(3, 12)
    third = " ".join(full.split()[: len(full.split()) // 3])
    s = sketch_many([full, third, article(4, 12)])
    pairs = candidate_pairs(np.stack([x.sig for x in s]), 64, 2).tolist()
    assert [0, 1] in pairs and [0, 2] not in pairs


def test_truncated_copy_joins_though_its_jaccard_is_low():
    full = article(5, 12)
    truncated = " ".join(full.split()[: len(full.split()) * 2 // 5])
    jac, con = overlap(sketch(full).shingles, sketch(truncated).shingles)
    assert jac < 0.5 and con > 0.9
    assert kept_ids([truncated, full, article(6)]) == ["1", "2"]


def test_copy_with_new_furniture_and_headline_joins():
    body = article(7).split("\n\n", 1)[1]
    copy = "World Wire | Home | Politics\n\nA New Headline For It\n\n" + body + "\n\nFollow us on Twitter"
    assert len(kept_ids([article(7), copy])) == 1


def test_mojibake_copy_joins_after_repair():
    original = article(8).replace("council", "café council").replace("market", "“market”")
    broken = original.encode("utf-8").decode("cp1252", errors="replace")
    assert broken != original
    assert len(kept_ids([original, broken])) == 1


def test_article_quoting_two_sentences_of_another_is_kept():
    quoted = sentences(9)[:2]
    other = article(10).split("\n\n")
    other.insert(2, f'As the report put it: "{" ".join(quoted)}"')
    assert len(kept_ids([article(9), "\n\n".join(other)])) == 2


def test_short_text_contained_in_many_articles_does_not_chain_them():
    # A block of furniture on its own is contained in every page that
    # carries it; joining through it would merge distinct articles.
    block = "\n".join(FURNITURE_BOTTOM)
    pages = [article(11) + "\n\n" + block, article(12) + "\n\n" + block, block]
    out = cluster(sketch_many(pages))
    assert all({c.keep, *c.dropped} != {0, 1} for c in out)
    assert not any({0, 1} <= {c.keep, *c.dropped} for c in out)


def test_distinct_short_articles_in_the_same_heavy_furniture_are_all_kept():
    # The generated articles have no stop words, so the classifier rightly
    # doubts them; this is about the corpus pass and the clusters.
    pages = [with_furniture(article(20 + i, 2)) for i in range(12)]
    assert len(kept_ids(pages, classifier=False)) == 12
    # without the corpus pass the furniture alone makes them look alike
    assert len(kept_ids(pages, boilerplate=False, classifier=False)) < 12


def test_tiny_texts_join_only_when_exactly_equal():
    words = article(13).split()
    tiny = " ".join(words[:MIN_SHINGLES])  # fewer shingles than needed for proof
    assert len(kept_ids([article(13), tiny])) == 2
    assert len(kept_ids([tiny, tiny.upper()])) == 1


# --- clusters -------------------------------------------------------------------

def test_most_complete_copy_is_kept_and_ties_go_to_the_earliest():
    full = article(14, 10)
    short = full.rsplit("\n\n", 1)[0]
    out = cluster(sketch_many([short, full, full + " ", short]))
    assert [(c.keep, c.dropped) for c in out] == [(1, (0, 2, 3))]
    assert all(con >= 0.5 for _, con in out[0].scores)


def test_documents_below_fixed_always_win():
    full = article(15, 10)
    short = full.rsplit("\n\n", 1)[0]
    out = cluster(sketch_many([short, full]), fixed=1)
    assert [(c.keep, c.dropped) for c in out] == [(0, (1,))]


def test_params_refuse_more_band_rows_than_permutations():
    with pytest.raises(ValueError):
        Params(num_perm=64, bands=64, rows=2)


def test_shingle_spool_reads_back_what_was_written():
    sp = ShingleSpool()
    sets = [np.array([1, 5, 9], np.uint32), np.zeros(0, np.uint32), np.array([2], np.uint32)]
    sp.extend(np.concatenate(sets[:2]), np.array([3, 0]))  # as pass 1 writes a batch
    sp.extend(sets[2], np.array([1]))
    assert [sp[i].tolist() for i in range(3)] == [s.tolist() for s in sets]
    joined, lengths = sp.block(1, 3)
    assert joined.tolist() == [2] and lengths.tolist() == [0, 1]
    sp.close()


def test_corpus_of_sketches_clusters_like_the_list():
    sks = sketch_many([article(16), article(16) + " More.", article(17)])
    assert cluster(Corpus.of(sks)) == cluster(sks)


def test_config_defaults_are_the_documented_lsh():
    p = Config().dedup_params
    assert (p.num_perm, p.bands, p.rows, p.shingle_size) == (128, 64, 2, 5)


@pytest.mark.parametrize("num_perm,seed", [(128, 1), (32, 1), (64, 42)])
def test_permutations_are_datasketchs_affine32(num_perm, seed):
    from scrubber.minhash import permutations

    a, b = MinHash(num_perm=num_perm, seed=seed, scheme="affine32").permutations
    mine = permutations(num_perm, seed)
    assert np.array_equal(mine[0], a.astype(np.uint32)) and np.array_equal(mine[1], b.astype(np.uint32))


def test_sketch_goes_into_datasketch_lsh_and_finds_its_copy():
    from datasketch import MinHashLSH

    from scrubber.minhash import sketch

    text = " ".join(f"word{chr(97 + i % 26)}{chr(97 + i // 26 % 26)}" for i in range(300))
    a, b = sketch(text), sketch(text + " and a short coda at the end")
    lsh = MinHashLSH(threshold=0.8, num_perm=128)
    lsh.insert("a", a.to_minhash())
    assert lsh.query(b.to_minhash()) == ["a"]


# --- clusters of any size ---------------------------------------------------------

def _copies(n: int, count: int) -> list[str]:
    """``count`` copies of one article, each with a sentence of its own."""
    base = article(n, 10)
    return [base + "\n\n" + sentences(5000 + k, 1)[0] for k in range(count)]


def test_a_cluster_larger_than_any_bucket_joins_completely():
    from scrubber.dedup import MAX_BUCKET

    texts = _copies(3, 4 * MAX_BUCKET) + [article(i) for i in range(20, 30)]
    clusters = cluster(sketch_many(texts))
    assert len(clusters) == 1
    assert len(clusters[0].dropped) == 4 * MAX_BUCKET - 1


def test_a_copy_that_only_met_other_copies_is_verified_against_the_kept_one():
    from scrubber.dedup import star

    # 2 and 3 were only compared with 1, which joins 0 (the most words).
    nbrs = {0: [(1, 0.9, 0.9)], 1: [(0, 0.9, 0.9), (2, 0.8, 0.8), (3, 0.2, 0.3)],
            2: [(1, 0.8, 0.8)], 3: [(1, 0.2, 0.3)]}
    words = {0: 100, 1: 90, 2: 80, 3: 70}
    asked = []

    def check(pairs):
        asked.extend(map(tuple, pairs.tolist()))
        return [(int(c), int(i), 0.7, 0.7) for c, i in pairs.tolist() if i == 2]  # 3 is no copy of 0

    got = star(nbrs, {}, words, check=check)
    assert [(c.keep, c.dropped) for c in got] == [(0, (1, 2))]
    assert sorted(asked) == [(0, 2), (0, 3)]
    assert [(c.keep, c.dropped) for c in star(nbrs, {}, words)] == [(0, (1,))]  # no repair


def test_a_stray_star_joins_the_kept_copy_whole_in_one_repair_round():
    from scrubber.dedup import star

    # 2 met the cluster only through 1, and 3-9 met only 2: a star of its
    # own. Repair moved its lead a round at a time, so a star of twenty
    # copies of a 2,000-copy story stayed apart after the last round.
    nbrs = {0: [(1, 0.9, 0.9)], 1: [(0, 0.9, 0.9), (2, 0.8, 0.8)],
            2: [(1, 0.8, 0.8)] + [(j, 0.8, 0.8) for j in range(3, 10)]}
    nbrs.update({j: [(2, 0.8, 0.8)] for j in range(3, 10)})
    words = {i: 100 - i for i in range(10)}

    def check(pairs):
        return [(int(c), int(i), 0.7, 0.7) for c, i in pairs.tolist()]

    got = star(nbrs, {}, words, check=check, rounds=1)
    assert [(c.keep, c.dropped) for c in got] == [(0, tuple(range(1, 10)))]


def test_a_bucket_is_paired_around_the_copy_to_keep_not_the_earliest():
    from scrubber.dedup import MAX_BUCKET, bucket_pairs

    n = MAX_BUCKET + 10
    keys = np.zeros(n, np.uint64)
    words = np.full(n, 50)
    words[7] = 90
    pairs = bucket_pairs(keys, np.arange(n), words)
    assert len(pairs) == n - 1 and (pairs == 7).any(axis=1).all()


# --- the public sketch / cluster / Params refuse what they cannot use ---------

@pytest.mark.parametrize("call, error, message", [
    (lambda: sketch(None), TypeError, r"sketch\(\) takes a str, not NoneType"),
    (lambda: sketch("a b c d e f", k=0), ValueError, r"sketch\(\): k must be an integer of at least 1, not 0"),
    (lambda: sketch("a b c d e f", num_perm=0), ValueError, r"sketch\(\): num_perm must be an integer of at least 1"),
    (lambda: sketch("a b c d e f", seed=-1), ValueError, r"sketch\(\): seed must be an integer in \[0, 2\*\*32\)"),
    (lambda: Params(num_perm=0, bands=0), ValueError, r"Params: num_perm must be an integer of at least 1, not 0"),
    (lambda: cluster(["a text", "a text"]), TypeError, r"cluster\(\) takes Sketches \(scrubber.sketch\(text\)\), not str"),
    (lambda: cluster([sketch(article(1), num_perm=64), sketch(article(1) + " More.", num_perm=64)]),
     ValueError, r"sketch 0 has 64 permutations but params has num_perm=128"),
    (lambda: cluster([sketch(article(1)), sketch(article(1), num_perm=64)]),
     ValueError, r"sketch 1 has 64 permutations but params has num_perm=128"),
    # copies sketched with another shingle size or seed were silently not joined
    (lambda: cluster([sketch(article(1)), sketch(article(1) + " More.", seed=2)]),
     ValueError, r"sketch 1 was made with k=5, seed=2 but params has shingle_size=5, seed=1"),
    (lambda: cluster([sketch(article(1)), sketch(article(1) + " More.", k=3)]),
     ValueError, r"sketch 1 was made with k=3, seed=1 but params has shingle_size=5, seed=1"),
    (lambda: cluster([sketch(article(1)), sketch(article(1))], Params(shingle_size=3)),
     ValueError, r"sketch 0 was made with k=5, seed=1 but params has shingle_size=3"),
])
def test_sketch_cluster_and_params_refuse_what_they_cannot_use_by_name(call, error, message):
    # These were AttributeErrors, an IndexError and numpy's errors, or accepted.
    with pytest.raises(error, match=message):
        call()

