"""The content classifier on small pages, built the way web pages come as
plain text: site furniture around an article, in several languages."""

import numpy as np
import pytest

from scrubber import Config, clean_text
from scrubber.classify import MIN_LINES, Model, classify, classify_batch, decide, region


def page(nav, title, byline, paras, tail):
    return "\n".join(nav + [title, byline] + paras + tail)


EN = dict(
    nav=["Example Times", "Home | News | Sport | Weather | Culture", "Login", "Search", "Menu"],
    title="Council approves the new river bridge after two years of debate",
    byline="By Jane Smith, March 3, 2021",
    paras=[
        "The city council voted on Tuesday to approve the new bridge across the river, ending a debate "
        "that has divided the town for more than two years and filled every public meeting.",
        "Supporters say the bridge will cut the drive to the hospital by twenty minutes and bring new "
        "shops to the east bank, where many buildings have stood empty since the factory closed.",
        "Opponents, many of whom live near the water, argue that the traffic will ruin the quiet streets "
        "that drew them there in the first place, and they have promised to keep fighting.",
        "Construction is expected to begin in the spring and to last for about eighteen months, "
        "according to the engineers who presented the final plans to the council last week.",
        "The mayor said that the town would hold a series of meetings so that residents could see "
        "the designs and ask questions before the first stone is laid next year.",
    ],
    tail=["Most Read", "Five things to do this weekend", "Local team wins the cup",
          "Weather: rain all week", "About us | Contact | Advertise", "Privacy Policy", "Terms of Use",
          "© 2021 Example Times"],
)

DE = dict(
    nav=["Beispiel Zeitung", "Startseite | Politik | Wirtschaft | Sport | Kultur", "Anmelden", "Suche", "Menü"],
    title="Stadtrat genehmigt die neue Brücke über den Fluss",
    byline="Von Anna Schmidt, 3. März 2021",
    paras=[
        "Der Stadtrat hat am Dienstag den Bau der neuen Brücke über den Fluss genehmigt und damit eine "
        "Debatte beendet, die die Stadt seit mehr als zwei Jahren gespalten hat.",
        "Die Befürworter sagen, dass die Brücke die Fahrt zum Krankenhaus um zwanzig Minuten verkürzen "
        "und neue Geschäfte auf das Ostufer bringen wird, wo viele Gebäude seit Jahren leer stehen.",
        "Die Gegner, von denen viele in der Nähe des Wassers wohnen, befürchten, dass der Verkehr die "
        "ruhigen Straßen zerstören wird, und sie haben angekündigt, dass sie weiter kämpfen werden.",
        "Der Bau soll im Frühjahr beginnen und etwa achtzehn Monate dauern, wie die Ingenieure sagten, "
        "die dem Rat in der vergangenen Woche die endgültigen Pläne vorgestellt haben.",
        "Die Bürgermeisterin sagte, dass die Stadt eine Reihe von Versammlungen abhalten werde, damit "
        "die Bürger die Entwürfe sehen und Fragen stellen können, bevor der erste Stein gelegt wird.",
    ],
    tail=["Meistgelesen", "Fünf Tipps für das Wochenende", "Heimischer Verein gewinnt den Pokal",
          "Wetter: Regen die ganze Woche", "Impressum | Kontakt | Werbung", "Datenschutz", "AGB",
          "© 2021 Beispiel Zeitung"],
)

ES = dict(
    nav=["Diario Ejemplo", "Portada | Nacional | Deportes | Cultura | Opinión", "Entrar", "Buscar", "Menú"],
    title="El ayuntamiento aprueba el nuevo puente sobre el río",
    byline="Por Ana García, 3 de marzo de 2021",
    paras=[
        "El ayuntamiento aprobó el martes la construcción del nuevo puente sobre el río, poniendo fin a un "
        "debate que ha dividido a la ciudad durante más de dos años y que llenó todas las reuniones.",
        "Los partidarios dicen que el puente reducirá en veinte minutos el viaje hasta el hospital y que "
        "traerá nuevas tiendas a la orilla este, donde muchos edificios están vacíos desde hace años.",
        "Los opositores, muchos de los cuales viven cerca del agua, creen que el tráfico arruinará las "
        "calles tranquilas que los atrajeron allí, y han prometido que seguirán luchando.",
        "Las obras comenzarán en primavera y durarán unos dieciocho meses, según los ingenieros que "
        "presentaron los planos definitivos al ayuntamiento la semana pasada.",
        "La alcaldesa dijo que la ciudad celebrará una serie de reuniones para que los vecinos puedan "
        "ver los diseños y hacer preguntas antes de que se coloque la primera piedra.",
    ],
    tail=["Lo más leído", "Cinco planes para el fin de semana", "El equipo local gana la copa",
          "El tiempo: lluvia toda la semana", "Quiénes somos | Contacto | Publicidad",
          "Política de privacidad", "Aviso legal", "© 2021 Diario Ejemplo"],
)


# Written without spaces between words: a paragraph is one or two
# whitespace "words" (see scripts.CJK_CHARS_PER_WORD).
ZH = dict(
    nav=["示例日报", "首页 | 新闻 | 体育 | 天气 | 文化", "登录", "搜索", "菜单"],
    title="经过两年争论，市议会批准修建新的跨河大桥",
    byline="记者 张丽 2021年3月3日",
    paras=[
        "市议会周二投票批准修建一座新的跨河大桥，结束了这场让全镇分裂两年多、让每次公开会议都座无虚席的争论。",
        "支持者说，这座桥将使前往医院的车程缩短二十分钟，并为东岸带来新的商店，那里自工厂关闭以来许多建筑一直空置。",
        "反对者大多住在河边，他们认为交通会毁掉当初吸引他们搬来的安静街道，并表示将继续抗争下去。",
        "据上周向议会提交最终方案的工程师介绍，工程预计将于春季开工，工期约为十八个月。",
        "市长表示，在明年奠基之前，镇上将举行一系列会议，让居民看到设计方案并提出问题。",
    ],
    tail=["热门文章", "本周末可做的五件事", "本地球队夺得杯赛冠军", "天气：整周有雨",
          "关于我们 | 联系我们 | 广告服务", "隐私政策", "使用条款", "© 2021 示例日报"],
)

JA = dict(
    nav=["サンプル新聞", "ホーム | ニュース | スポーツ | 天気 | 文化", "ログイン", "検索", "メニュー"],
    title="市議会、2年間の議論の末に新しい橋の建設を承認",
    byline="山田花子 2021年3月3日",
    paras=[
        "市議会は火曜日、川に新しい橋を架ける計画を承認する投票を行い、2年以上にわたって町を二分し、すべての公開会議を埋め尽くしてきた議論に終止符を打った。",
        "支持者によると、橋ができれば病院までの車での移動が20分短くなり、工場の閉鎖以来多くの建物が空き家になっている東岸に新しい店が集まるという。",
        "川の近くに住む反対派の多くは、交通量の増加が自分たちを引きつけた静かな街並みを台無しにすると主張し、今後も反対を続ける考えを示した。",
        "先週議会に最終計画を説明した技術者によると、工事は春に始まり、約18か月続く見込みだという。",
        "市長は、来年の着工前に一連の説明会を開き、住民が設計を見て質問できるようにすると述べた。",
    ],
    tail=["人気記事", "今週末にできる5つのこと", "地元チームが優勝", "天気：一週間ずっと雨",
          "会社概要 | お問い合わせ | 広告掲載", "プライバシーポリシー", "利用規約", "© 2021 サンプル新聞"],
)


# Thai spaces phrases, not words.
TH = dict(
    nav=["หนังสือพิมพ์ตัวอย่าง", "หน้าแรก | ข่าว | กีฬา | สภาพอากาศ | วัฒนธรรม", "เข้าสู่ระบบ", "ค้นหา", "เมนู"],
    title="สภาเมืองอนุมัติสะพานข้ามแม่น้ำแห่งใหม่",
    byline="โดย สมศรี ใจดี 3 มีนาคม 2564",
    paras=[
        "สภาเมืองลงมติเมื่อวันอังคารอนุมัติการสร้างสะพานแห่งใหม่ข้ามแม่น้ำ ยุติการถกเถียงที่แบ่งแยกเมือง"
        "มานานกว่าสองปีและทำให้การประชุมสาธารณะทุกครั้งเต็มไปด้วยผู้คน",
        "ผู้สนับสนุนกล่าวว่าสะพานจะช่วยลดเวลาเดินทางไปโรงพยาบาลลงยี่สิบนาที และจะนำร้านค้าใหม่มาสู่"
        "ฝั่งตะวันออก ซึ่งอาคารหลายแห่งถูกทิ้งร้างตั้งแต่โรงงานปิดตัวลง",
        "ฝ่ายคัดค้านซึ่งส่วนใหญ่อาศัยอยู่ใกล้แม่น้ำโต้แย้งว่าการจราจรจะทำลายถนนที่เงียบสงบซึ่งดึงดูด"
        "พวกเขามาตั้งแต่แรก และสัญญาว่าจะต่อสู้ต่อไป",
        "วิศวกรที่นำเสนอแผนขั้นสุดท้ายต่อสภาเมื่อสัปดาห์ที่แล้วระบุว่า การก่อสร้างคาดว่าจะเริ่มในฤดูใบไม้ผลิ"
        "และใช้เวลาประมาณสิบแปดเดือน",
    ],
    tail=["ข่าวยอดนิยม", "ห้าสิ่งที่ควรทำในสุดสัปดาห์นี้", "ทีมท้องถิ่นคว้าถ้วยรางวัล", "สภาพอากาศ: ฝนตกทั้งสัปดาห์",
          "เกี่ยวกับเรา | ติดต่อเรา | โฆษณา", "นโยบายความเป็นส่วนตัว", "ข้อกำหนดการใช้งาน",
          "© 2564 หนังสือพิมพ์ตัวอย่าง"],
)


def kept(text, **options):
    return clean_text(text, **options)


@pytest.mark.parametrize("lang", [EN, DE, ES, ZH, JA, TH], ids=["en", "de", "es", "zh", "ja", "th"])
def test_article_paragraphs_stay(lang):
    out = kept(page(**lang))
    for p in lang["paras"]:
        assert p in out


# Not JA: judged without stop words (kana and kanji are not split into
# words), the model keeps its footer's three-item link line (README).
@pytest.mark.parametrize("lang", [EN, DE, ES, ZH], ids=["en", "de", "es", "zh"])
def test_navigation_and_footer_lines_go(lang):
    out = kept(page(**lang)).split("\n")
    for line in [lang["nav"][1], lang["tail"][4], lang["tail"][-1]]:
        assert line not in out


@pytest.mark.parametrize("lang", [EN, DE, ES, ZH, JA, TH], ids=["en", "de", "es", "zh", "ja", "th"])
def test_headline_stays_with_the_article(lang):
    assert lang["title"] in kept(page(**lang))


@pytest.mark.parametrize("lang", [ZH, JA, TH], ids=["zh", "ja", "th"])
def test_a_page_in_an_unspaced_script_keeps_its_article_and_loses_its_head(lang):
    # Read as a few "words" a line, every line of such a page looked
    # alike, and the page was judged as one the model cannot read.
    out = kept(page(**lang)).split("\n")
    assert all(p in out for p in lang["paras"])
    assert lang["nav"][0] not in out and lang["nav"][2] not in out


def test_the_same_page_without_the_classifier_keeps_the_teasers():
    src = page(**EN)
    teaser = EN["tail"][2]
    assert teaser not in kept(src)
    assert teaser in kept(src, classifier=False)
    assert teaser in kept(src, disabled=("classifier",))


def test_a_list_page_is_not_emptied():
    # A links page: every line is short, none is prose. There is no
    # article to prefer, so most of it must survive.
    items = [f"{name} - {what}" for name, what in [
        ("Python tutorial", "the official introduction"), ("NumPy guide", "arrays and broadcasting"),
        ("Pandas cookbook", "recipes for data frames"), ("SciPy lectures", "scientific computing"),
        ("Matplotlib gallery", "plots with source code"), ("Jupyter docs", "notebooks explained"),
        ("Requests", "HTTP for humans"), ("Flask quickstart", "a small web app"),
        ("Django tutorial", "a bigger web app"), ("pytest docs", "testing made simple"),
    ]]
    src = "\n".join(["Useful Python links", "A list I keep for my students."] + items)
    out = kept(src)
    assert sum(item in out for item in items) >= len(items) // 2


def test_a_forum_thread_is_not_emptied():
    posts = [
        "I have the same problem with my laptop since the last update, it will not wake up from sleep.",
        "Did you try to update the BIOS? That fixed it for me on the same model last year.",
        "Yes, I updated it yesterday and it still does the same thing every time I close the lid.",
        "Then it might be the graphics driver. Roll back to the previous version and see if it helps.",
        "That worked! Thank you so much, I was about to send it back to the shop.",
    ]
    lines = ["Forum", "Hardware > Laptops", "Laptop does not wake up from sleep"]
    for n, post in enumerate(posts):
        lines += [f"user{n} wrote:", post]
    out = kept("\n".join(lines))
    assert sum(p in out for p in posts) >= 4


def test_comment_thread_after_the_article_goes():
    comments = ["12 Comments", "Bob says:", "March 3, 2021 at 4:15 pm",
                "I live on that street and I can tell you nobody asked us about this at all.", "Reply",
                "Mary says:", "March 3, 2021 at 6:02 pm",
                "Finally! We have waited for this bridge for twenty years, well done council.", "Reply"]
    src = page(EN["nav"], EN["title"], EN["byline"], EN["paras"], comments + EN["tail"])
    out = kept(src)
    assert EN["paras"][-1] in out
    assert "nobody asked us" not in out and "Bob says:" not in out


def test_a_page_in_a_language_without_stop_words_is_not_emptied():
    # Swahili: no stop-word list ships for it.
    paras = [
        "Baraza la jiji lilipiga kura Jumanne kuidhinisha daraja jipya kuvuka mto, na kumaliza mjadala "
        "ambao umegawanya mji kwa zaidi ya miaka miwili.",
        "Wafuasi wanasema daraja litapunguza safari ya kwenda hospitalini kwa dakika ishirini na kuleta "
        "maduka mapya upande wa mashariki, ambapo majengo mengi yamekuwa matupu.",
        "Wapinzani, wengi wao wanaoishi karibu na maji, wanasema msongamano utaharibu mitaa tulivu, na "
        "wameahidi kuendelea kupigana.",
    ]
    src = "\n".join(["Habari | Michezo | Biashara", "Ingia", "Baraza laidhinisha daraja jipya"] + paras
                    + ["Wasiliana nasi | Faragha", "© 2021"])
    out = kept(src)
    assert sum(p in out for p in paras) == len(paras)


def test_lang_option_overrides_the_guess():
    src = page(**DE)
    assert kept(src, lang="de") == kept(src)


def test_favor_moves_the_threshold():
    src = page(**EN)
    sizes = [len(kept(src, favor=f)) for f in ("precision", "balanced", "recall")]
    assert sizes[0] <= sizes[1] <= sizes[2]
    model = Model.load()
    assert model.thresholds["precision"] > model.thresholds["balanced"] > model.thresholds["recall"]


def test_favoring_precision_never_keeps_more_than_balanced_on_an_article():
    # a menu line, an article whose weakest paragraph scores 0.6, a footer
    p = np.array([0.33, 0.75, 0.95, 0.6, 0.75, 0.95, 0.33])
    words = np.full(7, 10.0)
    settings = {"enabled": True, "confident": 0.7, "min_share": 0.8, "rescue": 0.9,
                "inner": 0.35, "unfocused": 0.3}
    keeps = {t: decide(p, words, t, settings, base=0.5)[0] for t in (0.8, 0.5, 0.3)}
    assert keeps[0.5].tolist() == [False, True, True, True, True, True, False]
    # stricter: the doubtful paragraph goes, the menu and the footer stay out
    assert keeps[0.8].tolist() == [False, True, True, False, True, True, False]
    assert keeps[0.3].all()
    # looked for at 0.8, the span would be one line, the page judged as one
    # with no article, and the menu and footer kept
    assert decide(p, words, 0.8, settings)[0].all()


def test_a_language_offset_moves_the_thresholds_for_that_language_only():
    import dataclasses
    model = Model.load()
    plain = dataclasses.replace(model, offsets={})
    lowered = dataclasses.replace(model, offsets={"en": 0.0, "*": -0.45})
    assert lowered.offset("de") == lowered.offset(None) == -0.45 and lowered.offset("en") == 0.0
    de, en = page(**DE).split("\n"), page(**EN).split("\n")
    # the German page is judged at a threshold near zero: its menus stay too
    assert classify(de, lowered, lang="de").keep.sum() > classify(de, plain, lang="de").keep.sum()
    assert classify(en, lowered, lang="en").keep.tolist() == classify(en, plain, lang="en").keep.tolist()


def test_unknown_favor_is_refused():
    with pytest.raises(ValueError):
        classify(["a"] * MIN_LINES, Model.load(), favor="aggressive")


def test_a_batch_gets_the_verdicts_each_page_gets_alone():
    model = Model.load()
    pages = [page(**EN).split("\n"), page(**DE).split("\n"), ["Menu", "Login"], [],
             page(**ES).split("\n")[3:], page(**EN).split("\n")[::-1]]
    for lang in (None, "en"):
        batch = classify_batch(pages, model, "balanced", lang)
        for lines, got in zip(pages, batch):
            alone = classify(lines, model, "balanced", lang)
            assert np.array_equal(got.p, alone.p)  # equal floats, not close ones
            assert got.keep.tolist() == alone.keep.tolist() and got.why == alone.why
            assert got.lang == alone.lang


def test_a_documents_scores_do_not_depend_on_its_batch():
    # Lengths on both sides of a network block (16 rows), in two orders: a
    # BLAS rounds a product's rows by the product's shape, so the networks
    # must see each document the same way whatever its neighbours.
    from scrubber.network import BLOCK_ROWS
    from scrubber.features import bounds_of, names
    model = Model.load()
    rng = np.random.default_rng(5)
    lengths = [1, BLOCK_ROWS - 1, BLOCK_ROWS, BLOCK_ROWS + 1, 3 * BLOCK_ROWS + 5, 200]
    docs = [rng.normal(size=(n, len(names()))).astype(np.float32) for n in lengths]
    for order in (range(len(docs)), reversed(range(len(docs)))):
        order = list(order)
        x = np.vstack([docs[i] for i in order])
        bounds = bounds_of([lengths[i] for i in order])
        p = model.scores(x, bounds)
        for k, i in enumerate(order):
            assert np.array_equal(p[bounds[k]:bounds[k + 1]], model.scores(docs[i]))


def test_clean_batch_is_clean_of_each_document():
    from scrubber import Cleaner, Document
    cleaner = Cleaner(Config(dedup=False))
    docs = [Document(str(n), text) for n, text in enumerate(
        [page(**EN), page(**DE), "Menu\nHello world", "", page(**ES)])]
    for got, doc in zip(cleaner.clean_batch(docs), docs):
        alone = cleaner.clean(doc)
        assert (got.id, got.text, got.removals, got.repairs) == (alone.id, alone.text, alone.removals, alone.repairs)


def test_short_texts_are_left_to_the_rules():
    src = "\n".join(["Menu", "Shop", "Hello world"][:MIN_LINES - 1])
    assert kept(src) == src


def test_removals_record_the_classifier_and_its_score():
    from scrubber import Cleaner, Document
    doc = Cleaner(Config(dedup=False)).clean(Document("x", page(**EN)))
    mine = [r for r in doc.removals if r.reason.startswith("classifier")]
    assert mine and all(r.score is not None and 0 <= r.score <= 1 for r in mine)
    assert any(r.text == EN["tail"][2] for r in mine)


def test_region_needs_one_dense_span_of_content():
    words = np.full(10, 20.0)
    article = np.array([0.1, 0.1, 0.95, 0.95, 0.95, 0.95, 0.1, 0.1, 0.1, 0.1])
    assert region(article, words, 0.5, {"confident": 0.8, "min_share": 0.9}) == (2, 5)
    spread = np.array([0.95, 0.1, 0.1, 0.95, 0.1, 0.1, 0.95, 0.1, 0.1, 0.95])
    assert region(spread, words, 0.5, {"confident": 0.8, "min_share": 0.9}) is None


def test_a_page_without_an_article_is_judged_at_the_lower_threshold_even_without_the_region_pass():
    words = np.full(6, 5.0)
    links = np.array([0.65, 0.35, 0.4, 0.3, 0.45, 0.35])  # no line confident: no article span
    keep, _ = decide(links, words, 0.5, {"enabled": False, "unfocused": 0.3})
    assert keep.all()
    assert decide(links, words, 0.5, {"enabled": False})[0].tolist() == [True] + [False] * 5
    # a page with an article keeps the usual threshold, and the pass stays off
    article = np.array([0.95, 0.95, 0.35, 0.95, 0.1, 0.6])
    keep, why = decide(article, words, 0.5, {"enabled": False, "unfocused": 0.3})
    assert keep.tolist() == [True, True, False, True, False, True] and why[5] is None


def test_on_a_page_in_another_language_long_paragraphs_next_to_the_article_stay():
    # the article (lines 1-3), two more paragraphs the networks scored low,
    # a short line, then a paragraph that no longer touches the article
    p = np.array([0.05, 0.95, 0.95, 0.95, 0.25, 0.2, 0.2, 0.25, 0.05])
    words = np.array([3, 40, 40, 40, 30, 25, 5, 30, 3], dtype=float)
    settings = {"confident": 0.8, "min_share": 0.9, "inner": 0.4}
    # English: the thresholds as trained, no offset; the low paragraphs go
    keep, why = decide(p, words, 0.55, settings)
    assert keep.tolist() == [False, True, True, True] + [False] * 5
    # another language (offset -0.05): the two that touch the article stay,
    # the short line stops the span, and what lies beyond it goes
    keep, why = decide(p, words, 0.5, settings, base=0.5, offset=-0.05)
    assert keep.tolist() == [False, True, True, True, True, True, False, False, False]
    assert why[7] == "classifier"


def test_a_short_line_between_kept_lines_stays():
    p = np.array([0.9, 0.3, 0.9, 0.01, 0.9])
    keep, why = decide(p, np.full(5, 10.0), 0.5, {"enabled": False, "sandwich": 0.05})
    assert keep.tolist() == [True, True, True, False, True]
    assert why[3] == "classifier"


def test_a_run_of_short_lines_between_kept_lines_stays_up_to_the_gap():
    # a subheading and its dateline between two paragraphs; then four menu items
    p = np.array([0.9, 0.3, 0.25, 0.9, 0.3, 0.3, 0.3, 0.3, 0.9])
    settings = {"enabled": False, "sandwich": 0.2, "sandwich_gap": 3}
    keep, why = decide(p, np.full(9, 10.0), 0.5, settings)
    assert keep.tolist() == [True] * 4 + [False] * 4 + [True]
    assert why[4] == "classifier"
    # the default gap is one line, as the rule always was
    keep, _ = decide(p, np.full(9, 10.0), 0.5, {"enabled": False, "sandwich": 0.2})
    assert keep.tolist()[:4] == [True, False, False, True]
    # a run of two at the page's edge has no kept line before it
    keep, _ = decide(np.array([0.3, 0.3, 0.9, 0.9]), np.full(4, 10.0), 0.5, settings)
    assert keep.tolist() == [False, False, True, True]


def test_a_page_the_model_cannot_read_is_judged_against_its_best_line():
    from scrubber.classify import UNSURE, _verdict
    model = Model.load()
    words = np.full(8, 6.0)
    # kept: a quarter of the best line (0.45) or more
    p = np.array([0.45, 0.4, 0.24, 0.08, 0.3, 0.1, 0.05, 0.35])
    assert p.max() < UNSURE
    v = _verdict(p, words, 0.5, model, "en")
    assert v.keep.tolist() == [True, True, True, False, True, False, False, True]
    assert v.why[3] == "classifier"
    # a page with confident lines goes through the usual decision
    p2 = np.array([0.95, 0.9, 0.3, 0.95, 0.9, 0.1, 0.05, 0.9])
    assert _verdict(p2, words, 0.5, model, "en").keep.tolist() == \
        decide(p2, words, 0.5, model.region)[0].tolist()


def test_a_page_the_classifier_would_empty_falls_back_to_keeping_it():
    from scrubber.classify import _fallback
    words = np.full(10, 5.0)
    keep, why = _fallback(np.full(10, 0.01), words, 0.3)
    assert keep.all() and why == [None] * 10
    keep, _ = _fallback(np.array([0.5] * 5 + [0.01] * 5), words, 0.3)
    assert keep.tolist() == [True] * 5 + [False] * 5


def test_a_short_article_drowned_in_comments_keeps_its_best_run_not_the_page():
    from scrubber.classify import _fallback
    # title, menu, headline, one-paragraph article, then a long comment thread
    p = np.array([0.16, 0.12, 0.40, 0.29] + [0.15, 0.02, 0.12, 0.07] * 10)
    words = np.array([8.0, 3.0, 4.0, 35.0] + [1.0, 4.0, 20.0, 1.0] * 10)
    keep, why = _fallback(p, words, 0.3)
    assert keep.tolist()[:4] == [False, False, True, True]
    assert not keep[4:].any() and why[10] == "classifier"


def _context_reference(p, words):
    """context_of as it was written for one page, before batching."""
    from scrubber import features
    ps = p[:, None]
    means = features.window_means(ps)
    before = np.maximum.accumulate(np.vstack((np.zeros((1, 1)), ps[:-1])), axis=0)
    after = np.maximum.accumulate(np.vstack((np.zeros((1, 1)), ps[::-1][:-1])), axis=0)[::-1]
    idx = np.arange(len(p))
    mass = words * p
    total = max(float(mass.sum()), 1.0)
    mass_before = (np.cumsum(mass) - mass) / total
    gain = words * (p - 0.5)
    prefix = np.concatenate(([0.0], np.cumsum(gain)))
    rise = prefix[1:] - np.minimum.accumulate(prefix[:-1])
    hi = int(rise.argmax())
    lo, hi = (int(prefix[:hi + 1].argmin()), hi) if rise[hi] > 0 else (0, -1)
    dist = np.where(idx < lo, lo - idx, np.where(idx > hi, idx - hi, 0))
    cols = [p] + [m[:, 0] for m in means] + [before[:, 0], after[:, 0], mass_before,
                                             1.0 - mass_before - mass / total,
                                             (dist == 0).astype(np.float64), np.log1p(dist)]
    return np.column_stack(cols).astype(np.float32)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_context_of_is_unchanged_by_batching(dtype):
    # The training script passes the first network's float32 scores: sums
    # must still be taken in that dtype, as they were.
    from scrubber.classify import context_of
    rng = np.random.default_rng(3)
    for n in (1, 2, 9, 60):
        p = rng.random(n).astype(dtype)
        words = rng.integers(1, 40, n).astype(np.float64)
        assert np.array_equal(context_of(p, words), _context_reference(p, words))


def test_a_hard_wrapped_article_is_classified_a_paragraph_at_a_time():
    import textwrap
    from scrubber.wrapping import unwrap, wrapped_runs
    # paragraphs broken at 60 characters, each ending in a short line
    body = [part for para in EN["paras"] for part in textwrap.wrap(para, 60)]
    lines = EN["nav"] + [EN["title"], EN["byline"]] + body + EN["tail"]
    start = len(EN["nav"]) + 2
    assert wrapped_runs(lines) == [(start, start + len(body))]
    joined, sizes = unwrap(lines)
    assert sizes.sum() == len(lines) and (sizes > 1).any()
    assert joined[:start] == lines[:start] and joined[-len(EN["tail"]):] == EN["tail"]
    assert " ".join(joined[start:len(joined) - len(EN["tail"])]) == " ".join(body)
    # every fragment of the article stays, the furniture still goes
    text = clean_text("\n".join(lines))
    assert all(fragment in text for fragment in body)
    assert "Privacy Policy" not in text and "Most Read" not in text
    v = classify(lines, Model.load())
    assert len(v.p) == len(lines) and v.keep[start:start + len(body)].all()


def test_lists_of_similar_lines_are_not_taken_for_wrapped_text():
    from scrubber.wrapping import wrapped_runs
    headlines = ["Council approves the new river bridge after two years",
                 "Local team wins the cup in a dramatic penalty shootout",
                 "Weather: rain all week as the storm moves in from the west",
                 "Five things to do this weekend in and around the old town",
                 "Schools to close early for the summer as teachers strike",
                 "New bakery opens on the high street with a queue outside",
                 "Police appeal for witnesses after the crash on the bypass"]
    assert wrapped_runs(headlines) == []
    comments = ["by Bob on Aug 9, 2012 1:39 PM EDT reply actions",
                "I think most are not sold on his size, strength and speed.",
                "by Mary on Aug 9, 2012 1:40 PM EDT up reply actions",
                "Moore has to pay more attention to the runners, as ever.",
                "by Sam on Aug 9, 2012 1:41 PM EDT reply actions",
                "carp's whole point is the two starts changing the landscape."]
    assert wrapped_runs(comments) == []
    # web pages, where a line is a paragraph, are left as they are
    assert wrapped_runs(EN["nav"] + EN["paras"] + EN["tail"]) == []


def test_features_are_computed_for_a_bounded_number_of_lines_at_once(monkeypatch):
    # They cost about 3.3 kB a line: a 4 MB document of one-character lines
    # peaked at 5.1 GB. Batches are judged in groups of documents (the same
    # verdicts); a document past the bound in pieces judged as documents.
    from scrubber import classify as c, features
    model = Model.load()
    docs = [page(["Home", "News"], f"Title {i}", "By A", [f"Paragraph {i} of the story goes on here."] * 8,
                 ["Share"]).splitlines() for i in range(5)]
    docs = [[line for line in d if line.strip()] for d in docs]
    whole = classify_batch(docs, model)
    seen, real = [], features.batch_features
    monkeypatch.setattr(features, "batch_features", lambda d, *a: seen.append(sum(map(len, d))) or real(d, *a))
    monkeypatch.setattr(c, "MAX_LINES", 2 * len(docs[0]))
    grouped = classify_batch(docs, model)
    assert max(seen) <= c.MAX_LINES and len(seen) == 3
    assert all((g.keep == w.keep).all() and g.why == w.why for g, w in zip(grouped, whole))
    seen.clear()
    long = [line for d in docs for line in d]
    v = classify_batch([long], model)[0]
    assert max(seen) <= c.MAX_LINES and len(v.keep) == len(v.p) == len(v.why) == len(long)
