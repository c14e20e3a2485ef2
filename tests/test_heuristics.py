import pytest

from scrubber import Cleaner, Config

BODY = ("The minister arrived in the capital on Wednesday for talks that officials "
        "described as difficult but necessary.")


def strip(text, **cfg):
    c = Cleaner(Config(default_rules=False, classifier=False, **cfg))
    out = c.clean(__import__("scrubber").Document("d", text))
    return out.text, [r.reason for r in out.removals]


def test_site_name_and_tagline_above_the_headline_go():
    text, why = strip(f"DealMakerz\n\nComplete British News World\n\nMinister visits the capital for talks\n\n{BODY}")
    assert text == f"Minister visits the capital for talks\n\n{BODY}"
    assert why == ["heuristic:head-furniture"] * 2


def test_byline_and_dateline_after_the_headline_stay():
    src = f"Minister visits the capital for talks\n\nBy Jane Doe\n\nMarch 3\n\n{BODY}"
    assert strip(src)[0] == src


def test_a_byline_longer_than_the_headline_does_not_take_its_place():
    # the longest line was taken for the headline, and the real one above
    # it went as the header's furniture
    for byline in ("By Jane Doe, Political Correspondent, and Tom Reed",
                   "Von Anna Schmidt und Thomas Müller, Lokalredaktion",
                   "Posted on May 12, 2024 by Julia in Desserts"):
        src = f"The Daily Ledger\n\nCouncil approves school budget\n\n{byline}\n\n{BODY}"
        text, why = strip(src)
        assert text == f"Council approves school budget\n\n{byline}\n\n{BODY}", byline
        assert why == ["heuristic:head-furniture"]


def test_no_header_block_no_change():
    src = f"{BODY}\n\nShort line\n\n{BODY}"
    assert strip(src)[0] == src


def test_short_sentences_above_the_headline_stay():
    src = f"Breaking.\n\nMinister visits the capital for talks\n\n{BODY}"
    assert strip(src)[0] == src


def test_a_short_standfirst_does_not_make_the_headline_furniture():
    # The standfirst is longer than the headline, but a headline does not
    # end in a full stop: it is the article's first sentence.
    src = ("The Pinecrest Gazette\n\nTsar for children appointed\n\n"
           f"The first children's commissioner for England has been appointed.\n\n{BODY}")
    text, why = strip(src)
    assert text == src.split("\n\n", 1)[1]
    assert why == ["heuristic:head-furniture"]


def test_a_line_introducing_the_story_is_not_its_headline():
    src = f"Site Name\n\nBarbarians 19-47 New Zealand\n\nNEW YORK (AP) — The Ashford Observer adds:\n\n{BODY}"
    text, why = strip(src)
    assert text == src.split("\n\n", 1)[1]


def test_a_hard_wrapped_first_paragraph_ends_the_header():
    src = ("Site Name\n\nBarbarians 19-47 New Zealand\n\n"
           "New Zealand proved too strong for an Australian-dominated Barbarians to round\n"
           "off their unbeaten northern hemisphere tour with an easy win.\n\n" + BODY)
    text, why = strip(src)
    assert text == src.split("\n\n", 1)[1]


@pytest.mark.parametrize("src", [
    # an FAQ: its questions are a series of labelled lines
    "Häufige Fragen zum Deutschlandticket\n\nFrage: Wo gilt das Deutschlandticket?\n"
    "Antwort: Im gesamten Nahverkehr in Deutschland, also in Bussen, Straßenbahnen und Regionalzügen.\n"
    "Frage: Gilt es auch im ICE?\nAntwort: Nein.",
    "Частые вопросы о загранпаспорте\n\nВопрос: Сколько стоит загранпаспорт нового образца?\n"
    "Ответ: Госпошлина составляет шесть тысяч рублей, её можно оплатить на портале со скидкой.\n"
    "Вопрос: Можно ли подать заявление через Госуслуги?\nОтвет: Да.",
    # terms of use: numbered clauses
    "Terms of Use\n\n1. Acceptance of Terms\n"
    "By accessing or using this website, you agree to be bound by these Terms of Use and our policies.\n"
    "2. Governing Law\nThese Terms are governed by the laws of England and Wales.",
    "Allgemeine Geschäftsbedingungen\n\n§ 1 Geltungsbereich\n"
    "(1) Diese Allgemeinen Geschäftsbedingungen gelten für alle Verträge zwischen der Beispiel GmbH und ihren Kunden.\n"
    "§ 2 Haftung\nWir haften unbeschränkt für Vorsatz.",
    "用户协议\n\n第一条 总则\n本协议是用户与本网站之间关于使用本网站服务所订立的协议，用户注册即表示同意本协议的全部条款。\n"
    "第二条 知识产权\n本网站所有内容的著作权归本公司所有。",
    # a recipe's fields
    "Борщ по-домашнему\n\nПорций: 6\nВремя приготовления: 2 часа\n\n"
    "Этот борщ варила ещё моя бабушка в Полтаве, и с тех пор ни один праздник не обходится без него.",
    # a poem: its lines run on, none is a headline
    "L'infinito\n\nSempre caro mi fu quest'ermo colle,\ne questa siepe, che da tanta parte\n"
    "dell'ultimo orizzonte il guardo esclude. Ma sedendo e mirando, interminati spazi di là da quella.",
], ids=["faq-de", "faq-ru", "terms-en", "agb-de", "terms-zh", "recipe-ru", "poem-it"])
def test_a_documents_title_above_its_own_text_stays(src):
    # The line below the title is where the text begins (an item of a
    # series, a field, verse), not a headline with a site's name above it.
    assert strip(src) == (src, [])


def test_a_site_name_above_a_labelled_headline_still_goes():
    # One "Analysis:" is a headline's kicker, not a series of items.
    src = f"The Lakeview Echo\n\nAnalysis: Tigers wary of Farrell gamble\n\n{BODY}"
    text, why = strip(src)
    assert text == src.split("\n\n", 1)[1]
    assert why == ["heuristic:head-furniture"]


def test_title_printed_twice_is_kept_once():
    text, why = strip(f"Minister visits the capital\n\nMinister visits the capital\n\n{BODY}")
    assert text == f"Minister visits the capital\n\n{BODY}"
    assert why == ["heuristic:repeated-title"]


def test_repeated_line_far_down_is_left_alone():
    src = "\n\n".join([BODY] * 2 + ["Chorus line"] + [BODY + " More."] * 8 + ["Chorus line"])
    assert strip(src)[0].count("Chorus line") == 2


def test_heuristics_can_be_disabled():
    src = f"DealMakerz\n\nMinister visits the capital for talks\n\n{BODY}"
    assert strip(src, disabled=("head-furniture",))[0] == src
    assert strip(src, heuristics=False)[0] == src


def thread(comments, header="{n} Comments", action="Reply", stamp="July 23, 2012 at 4:39 pm"):
    out = [header.format(n=len(comments))] if header else []
    for name, said in comments:
        out += [f"{name} {stamp}", said, action]
    return out


COMMENTS = [("Deborah", "Thank you for this, it made my day."),
            ("Jack", "I disagree with most of it, but well argued."),
            ("Ladyday", "Lovely post as always."),
            ("Martha", "Where can I read more about the talks?")]


def test_a_comment_thread_under_the_article_goes_to_the_end_of_the_page():
    article = ["Minister visits the capital for talks", BODY, BODY.replace("Wednesday", "Thursday")]
    text, why = strip("\n".join(article + thread(COMMENTS) + ["© 2012 The Ledger"]))
    assert text == "\n".join(article)
    assert why.count("heuristic:comment-thread") == 1 + 3 * len(COMMENTS) + 1


def test_comment_threads_in_other_languages_are_found():
    german = thread([("Anna", "Danke für den Artikel, sehr gut erklärt."), ("Jörg", "Das sehe ich anders."),
                     ("Lena", "Toller Beitrag!"), ("Max", "Wo gibt es mehr dazu?")],
                    header="4 Kommentare", action="Antworten", stamp="23. Juli 2012 um 16:39")
    text, _ = strip("\n".join([BODY] + german))
    assert text == BODY
    french = [line for name, said in [("Marie", "Merci pour cet article."), ("Luc", "Je ne suis pas d'accord."),
                                      ("Paul", "Très bien écrit."), ("Anne", "Où en lire plus ?")]
              for line in (f"{name} dit :", said, "Répondre")]
    text, _ = strip("\n".join([BODY] + french))
    assert text == BODY


@pytest.mark.parametrize("heading", ["Комментарии", "Yorumlar", "Hozzászólások", "Σχόλια", "댓글",
                                     "التعليقات", "Bình luận", "Kommentare", "Comments"])
def test_a_bare_comments_heading_in_any_listed_language_heads_a_stamped_thread(heading):
    # stamps alone are also a live blog's; the heading makes them a thread
    said = ["Спасибо за статью, очень интересно.", "Я не согласен с автором.",
            "Отличный материал!", "Где можно прочитать больше?"]
    comments = [line for i, s in enumerate(said, 1) for line in (f"Иван 12.03.24 14:0{i}", s)]
    article = [BODY, BODY.replace("Wednesday", "Friday")]
    text, why = strip("\n".join(article + [heading] + comments))
    assert text == "\n".join(article)
    assert set(why) == {"heuristic:comment-thread"}


@pytest.mark.parametrize("intros", [
    ("In October 1914 the eldest brother wrote:", "His mother replied:", "His sister replied:"),
    ("Thomas Mann schrieb:", "Anna Seghers schrieb:", "Bertolt Brecht schrieb:"),
])
def test_a_letters_story_is_not_a_comment_thread(intros):
    letter = "We marched for three days and slept in barns, and the men are in good spirits."
    text = "\n".join([BODY, BODY.replace("Wednesday", "Thursday")] + [x for intro in intros for x in (intro, letter)]
                    + ["The letters will be on display until the end of the year, the museum said."])
    out, reasons = strip(text)
    assert out.count(letter) == 3 and out.endswith("the museum said.") and not reasons


@pytest.mark.parametrize("label", ["Responses: 8124", "Ответ: 42"])
def test_a_survey_or_exercise_label_below_the_article_is_not_a_comment_heading(label):
    paras = [BODY, BODY.replace("Wednesday", "Thursday"), BODY.replace("Wednesday", "Friday")]
    after = "Most teachers said their workload had grown over the past five years, the survey found."
    text = "\n".join(paras + [label, after])
    out, reasons = strip(text)
    assert out == text and not reasons
    out, reasons = strip("\n".join(paras + ["Comments (12)", after]))  # a thread's heading still is
    assert after not in out and "heuristic:comment-heading" in reasons


def test_a_live_blog_with_time_stamps_is_not_a_comment_thread():
    entries = [line for h in ("09:12", "09:30", "10:05", "10:41", "11:02")
               for line in (f"1 March 2024 {h}", BODY)]
    src = "\n".join(["Live: the minister's visit", BODY] + entries)
    assert strip(src)[0] == src


def test_a_single_reply_link_or_a_page_that_is_all_thread_is_left_alone():
    src = "\n".join([BODY, "Reply", BODY])
    assert strip(src)[0] == src
    forum = "\n".join(thread(COMMENTS, header=None))  # no article above: a forum page
    assert strip(forum)[0] == forum


MENU = ["News", "Tips & Reviews", "Forum", "Gallery", "Events", "Classifieds", "Log in", "Register",
        "Search the forum for older threads and answers to your question"]


def test_a_forum_question_under_the_site_menus_is_not_a_comment_thread():
    # menus and a breadcrumb trail are not an article: the first post is the page's content
    posts = thread([("macbacchi", "Since the update to iOS 13 none of my devices reach the App Store "
                                  "over mobile data, only over WLAN. Has anyone an idea what I can change?")]
                   + COMMENTS, header=None, stamp="28.09.19 12:44")
    src = "\n".join(MENU + ["Forum > iPhone > No App Store over mobile data with iOS 13 since the update ?"] + posts)
    assert strip(src)[0] == src


def test_a_list_of_dated_events_and_a_zero_comments_link_are_not_a_thread():
    # "Latest posts" of a club's site above its article, and "Comments 0" under the post's title
    events = [f"{d}.02.2020 20:00 {what}" for d, what in
              (("20", "Regulars' table"), ("13", "Regulars' table"), ("06", "Board meeting"), ("30", "Regulars' table"))]
    src = "\n".join(MENU + ["Latest posts"] + events + ["We support Fridays for Future", "Comments 0", BODY, BODY])
    assert strip(src)[0] == src


def test_a_bare_comments_heading_over_posted_by_stamps_is_a_thread():
    comments = [line for name, said in COMMENTS
                for line in (said, f"Posted by: {name} at November 7, 2012 7:00 AM")]
    text, _ = strip("\n".join([BODY, "Comments"] + comments))
    assert text == BODY


def test_stamps_with_a_numeric_date_and_a_two_digit_year_mark_a_thread():
    # "Tim 11.06.12 at 11:06 am" (WordPress themes, forums); without the
    # heading and the stamps it would take a Reply link under each comment
    comments = [line for i, (name, said) in enumerate(COMMENTS, 1)
                for line in (str(i), f"{name} 11.06.12 at 11:{i:02} am", said)]
    text, _ = strip("\n".join([BODY, "{ 4 comments… read them below or add one }"] + comments))
    assert text == BODY
    # a live blog stamped the same way is still not a thread
    entries = [line for h in ("09:12", "09:30", "10:05", "10:41") for line in (f"11.06.12 {h}", BODY)]
    src = "\n".join(["Live: the minister's visit", BODY] + entries)
    assert strip(src)[0] == src


def test_a_blog_front_page_with_a_comments_link_under_each_post_keeps_its_posts():
    posts = [line for n in range(5)
             for line in (f"Post number {n + 1} about the talks", BODY, f"Comments ({n})")]
    src = "\n".join(posts)
    assert strip(src)[0] == src


def test_a_long_comment_in_the_middle_does_not_save_the_comments_above_it():
    poem = [f"Line {n} of a poem a reader left under the post" for n in range(15)]
    comments = thread(COMMENTS) + ["Keith July 4, 2012 at 8:00 pm"] + poem + ["Reply"] + thread(COMMENTS, header=None)
    text, _ = strip("\n".join([BODY] + comments))
    assert text == BODY


def test_comments_under_a_heading_after_a_long_first_comment_still_go():
    first = [f"Point {n} a reader made at some length under the post" for n in range(14)]
    stamps = [line for name, said in COMMENTS
              for line in (f"Posted by: {name} at October 29, 2012 05:23 PM", said)]
    src = [BODY, "Comments", "A first reader's comment.", "Posted by: Jo at October 29, 2012 05:01 PM"]
    text, _ = strip("\n".join(src + first + stamps))
    assert text == BODY


ARTICLE = [BODY, BODY.replace("Wednesday", "Thursday"), BODY.replace("Wednesday", "Friday")]


def numbered(comments, stamp="October 26, 2012"):
    return [line for i, (name, said) in enumerate(comments, 1) for line in (f"{i}. {name} - {stamp}", said)]


def test_numbered_comment_headers_with_a_date_mark_a_thread():
    # "12. Greg - October 26, 2012": no time, no Reply link, only the number and the date
    text, why = strip("\n".join(ARTICLE + ["Comments »"] + numbered(COMMENTS)))
    assert text == "\n".join(ARTICLE)
    assert set(why) == {"heuristic:comment-thread"}
    german = [("Anna", "Danke für den Artikel."), ("Jörg", "Das sehe ich anders."),
              ("Lena", "Toller Beitrag!"), ("Max", "Wo gibt es mehr dazu?")]
    text, _ = strip("\n".join([BODY, "Kommentare »"] + numbered(german, "12. März 2012")))
    assert text == BODY


def test_a_numbered_list_of_dated_items_is_not_a_thread():
    events = [line for i, city in enumerate(("Berlin", "Paris", "Madrid", "Rome"), 1)
              for line in (f"{i}. Concert in {city} - 12 March 2013", BODY)]
    src = "\n".join([BODY] + events)
    assert strip(src)[0] == src
    steps = "\n".join([BODY, "Comments »"] + [f"{i}. Preheat the oven - 20 minutes" for i in range(1, 5)])
    assert strip(steps)[0] == steps


UNMARKED = ["Deborah", "Thank you for this, it made my day.", "Jack", "I disagree with most of it, but well argued."]


def test_a_comment_count_below_the_article_heads_the_thread_wherever_it_is():
    for heading in ("{ 167 comments }", "20 Comments +", "12 Responses to “Minister visits the capital”",
                    "23 thoughts on “Minister visits the capital”", "One comment", "3 Kommentare:",
                    "Comments (12)", "Reader comments 97", "Комментарии (5)", "12 Yorum", "Коментарі (3)",
                    "7 kommentarer", "15 komentar", "Σχόλια (4)", "댓글 (8)", "12 تعليقات", "3 bình luận"):
        text, why = strip("\n".join(ARTICLE + [heading] + UNMARKED * 20 + ["© 2012 The Ledger"]))
        assert text == "\n".join(ARTICLE), heading
        assert set(why) == {"heuristic:comment-heading"}


def test_a_comment_count_in_the_byline_or_of_none_is_left_alone():
    # one paragraph in, a count is still the byline's
    src = "\n".join([BODY, "{ 12 comments }"] + ARTICLE)
    assert strip(src)[0] == src
    src = "\n".join(ARTICLE + ["0 Comments", "Comments (0)"] + UNMARKED)
    assert strip(src)[0] == src
    src = "\n".join(ARTICLE + ["12 replies to the consultation were received by the ministry before May."])
    assert strip(src)[0] == src
    front = [line for n in range(5) for line in (f"Post number {n + 1} about the talks", ARTICLE[n % 3],
                                                 f"{n + 1} Comments")]
    assert strip("\n".join(front))[0] == "\n".join(front)  # a blog's front page


def test_the_classifier_reads_the_page_before_the_comments_go():
    # it was trained on whole pages: cut short, its last lines read as the article's end
    page = ["Minister visits the capital"] + ARTICLE * 2
    text = "\n".join(page + ["{ 40 comments }"] + UNMARKED * 5)
    cleaner = Cleaner(Config(default_rules=False))
    scores = {}
    lines, alive, removals = cleaner.strip(text, scores)
    assert max(scores) == len(lines)  # it scored the thread's lines too
    assert not any(alive[len(page):])
    gone = [r.line for r in removals]
    assert len(gone) == len(set(gone))  # each line went once, for one reason


LONG_ARTICLE = [BODY.replace("Wednesday", day) for day in ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday")]


def test_a_bare_comments_heading_well_below_the_article_heads_the_thread():
    for heading in ("Comments", "COMMENTS", "Kommentare", "Yorumlar", "Kommentarer", "Komentar", "Σχόλια",
                    "댓글", "التعليقات", "Bình luận", "Hozzászólások"):
        text, why = strip("\n".join(LONG_ARTICLE + [heading] + UNMARKED * 5))
        assert text == "\n".join(LONG_ARTICLE), heading
        assert set(why) == {"heuristic:comment-heading"}


def test_a_bare_heading_word_over_more_article_paragraphs_is_a_section_heading():
    # "Bình luận" is also "analysis" in Vietnamese; a thread under it would
    # open with names, dates and reply lines, not with paragraphs
    article = ["Giá xăng RON95 tăng thêm 500 đồng mỗi lít từ chiều nay, lần tăng thứ ba kể từ đầu tháng theo quyết định.",
               "Theo Bộ Công Thương, giá dầu thế giới tăng mạnh trong hai tuần qua do nguồn cung bị cắt giảm đáng kể.",
               "Nhiều doanh nghiệp vận tải cho biết họ sẽ phải điều chỉnh giá cước nếu giá nhiên liệu tiếp tục tăng.",
               "Hiệp hội taxi thành phố đề nghị giảm phí đường bộ để các hãng không phải tăng giá cước ngay trong tháng.",
               "Người dân đổ xăng sớm trước giờ điều chỉnh, nhiều cây xăng ở trung tâm xếp hàng dài từ trưa nay."]
    analysis = ["Các chuyên gia cho rằng việc điều chỉnh giá theo chu kỳ mười ngày giúp thị trường minh bạch hơn nhiều.",
                "Theo họ, quỹ bình ổn giá cần được sử dụng linh hoạt hơn để giảm tác động của những đợt tăng giá đột ngột."]
    src = "\n".join(article + ["Bình luận"] + analysis)
    assert strip(src) == (src, [])
    # the same word over a thread still cuts it
    text, why = strip("\n".join(article + ["Bình luận"] + UNMARKED * 3))
    assert text == "\n".join(article) and set(why) == {"heuristic:comment-heading"}
    # a section may open with one short sentence, and may be the page's last paragraph
    src = "\n".join(article + ["Bình luận", "Lãi suất thấp là chưa đủ."] + analysis)
    assert strip(src) == (src, [])
    src = "\n".join(article + ["Bình luận", "Lãi suất thấp là chưa đủ.", analysis[0]])
    assert strip(src) == (src, [])
    # a thread whose first comment is a short sentence is still a thread
    text, why = strip("\n".join(article + ["Bình luận", "Bài viết hay quá."] + UNMARKED * 3))
    assert text == "\n".join(article) and set(why) == {"heuristic:comment-heading"}


def test_a_thread_whose_stamps_a_rule_took_first_is_still_a_thread():
    # dateline-intl takes "12.03.2021, 14:15" before the heuristics run;
    # the comments left then read as an article's closing paragraphs
    comments = ["Toller Artikel, danke dafür. Endlich tut sich etwas in unserer Stadt, ich fahre jeden Tag mit dem Rad.",
                "Das glaube ich erst, wenn ich es sehe. Seit zehn Jahren wird uns das versprochen, passiert ist nichts."]
    src = "\n".join(LONG_ARTICLE + ["Kommentare", "12.03.2021, 14:15", comments[0], "13.03.2021, 09:02", comments[1]])
    out = Cleaner(Config(classifier=False)).clean(__import__("scrubber").Document("d", src))
    assert out.text == "\n".join(LONG_ARTICLE)
    assert {r.reason for r in out.removals} == {"heuristic:comment-heading", "rule:dateline-intl"}


def test_a_thai_or_lao_paragraph_ends_a_sentence_without_a_mark():
    from scrubber.heuristics import body_line
    paragraph = ("ฝนตกหนักต่อเนื่องในจังหวัดเชียงราย ทำให้แม่น้ำสายเอ่อล้นตลิ่งและท่วมพื้นที่"
                 "อำเภอแม่สายอย่างรวดเร็ว")
    assert body_line(paragraph)
    assert not body_line("ข่าวสยามรายวัน")  # a site's name is short
    assert not body_line("ติดต่อโฆษณา นโยบายความเป็นส่วนตัว เงื่อนไขการใช้งาน เกี่ยวกับเรา")  # a footer's links
    assert body_line("ភ្លៀងធ្លាក់ខ្លាំងនៅខេត្តសៀមរាប ធ្វើឲ្យទឹកជំនន់ហូរចូលភូមិជាច្រើនក្នុងរយៈពេលពីរថ្ងៃ។")  # Khmer ends with its own mark


def test_dates_between_thai_paragraphs_are_a_timeline_not_datelines():
    # dateline-intl spares a date between article paragraphs; Thai ones
    # have no full stop to be known by
    entries = ["ฝนตกหนักต่อเนื่องในจังหวัดเชียงราย ทำให้แม่น้ำสายเอ่อล้นตลิ่งและท่วมพื้นที่อำเภอแม่สายอย่างรวดเร็ว",
               "น้ำท่วมขยายวงกว้างเข้าสู่ตัวเมืองเชียงใหม่ ประชาชนหลายพันครัวเรือนได้รับผลกระทบและต้องอพยพไปยังศูนย์พักพิง",
               "รัฐบาลประกาศให้ 5 จังหวัดภาคเหนือเป็นเขตประสบภัยพิบัติ และอนุมัติงบประมาณฉุกเฉินเพื่อช่วยเหลือผู้ประสบภัย"]
    lines = ["ลำดับเหตุการณ์น้ำท่วมภาคเหนือ",
             "สรุปเหตุการณ์สำคัญของสถานการณ์น้ำท่วมในภาคเหนือตลอดสัปดาห์ที่ผ่านมา ตั้งแต่ฝนเริ่มตกหนักจนถึงการประกาศเขตภัยพิบัติ"]
    for day, entry in zip(("10", "12", "15"), entries):
        lines += [f"{day} กันยายน 2567", entry]
    src = "\n".join(lines)
    c = Cleaner(Config(classifier=False))
    assert c.clean(__import__("scrubber").Document("d", src)).text == src


def test_a_bare_comments_heading_near_the_top_or_under_each_post_is_left_alone():
    src = "\n".join(ARTICLE + ["Comments"] + LONG_ARTICLE)  # a menu link a few paragraphs in
    assert strip(src)[0] == src
    src = "\n".join(LONG_ARTICLE + ["COMMENT"] + LONG_ARTICLE)  # the singular heads notes or a form
    assert strip(src)[0] == src
    front = [line for n in range(8) for line in (f"Post number {n + 1} about the talks", LONG_ARTICLE[n % 5], "Comments")]
    assert strip("\n".join(front))[0] == "\n".join(front)


def test_a_rule_files_disable_switches_a_heuristic_off_as_the_flag_does(tmp_path):
    import pickle
    from scrubber import Document
    src = f"DealMakerz\n\nComplete British News World\n\nMinister visits the capital for talks\n\n{BODY}"
    off = tmp_path / "off.toml"
    off.write_text('disable = ["head-furniture"]\n')
    assert strip(src, disabled=("head-furniture",)) == (src, [])
    assert strip(src, rule_files=(str(off),)) == (src, [])
    # the rules travel in a pickle, not the file: so must what it switched off
    c = pickle.loads(pickle.dumps(Cleaner(Config(default_rules=False, classifier=False,
                                                 rule_files=(str(off),)))))
    assert c.clean(Document("d", src)).text == src


def test_a_rule_files_disable_switches_the_classifier_off(tmp_path):
    off = tmp_path / "off.toml"
    off.write_text('disable = ["classifier"]\n')
    assert Cleaner(Config(rule_files=(str(off),))).model is None
    assert Cleaner(Config()).model is not None


# Articles in scripts without spaces between words, or whose sentences end
# in other marks: their paragraphs are body text as an English one is.
ZH_BODY = "15日，来自20个国家的200多位艺术家参加的当代艺术展在北京开幕。主办方表示，展览的筹备工作历时近三年。"
JA_BODY = "東京都内で15日、20か国の200人以上の作家が参加する現代美術展が開幕した。準備にはおよそ3年かかったという。"
HI_BODY = ("गुरुवार को दिल्ली में अंतरराष्ट्रीय पुस्तक मेले की शुरुआत हुई, जिसमें पचास देशों के "
           "एक हजार से अधिक प्रकाशक भाग ले रहे हैं।")


@pytest.mark.parametrize("body", [ZH_BODY, JA_BODY, HI_BODY], ids=["zh", "ja", "hi"])
def test_a_paragraph_in_any_script_is_body_text(body):
    from scrubber.heuristics import body_line

    assert body_line(body)
    assert not body_line(body[:8])


@pytest.mark.parametrize("body, heading, after", [
    (ZH_BODY, "发表评论", "版权所有 © 2024 新闻网"),
    (JA_BODY, "コメントを書く", "プライバシーポリシー"),
], ids=["zh", "ja"])
def test_a_comment_section_under_a_chinese_or_japanese_article_goes(body, heading, after):
    # The heading opens the thread only below the article (after_body):
    # an article in Chinese or Japanese used never to have begun.
    from scrubber import Document

    c = Cleaner(Config(classifier=False))
    out = c.clean(Document("d", f"标题\n\n{body}\n\n{body}\n\n{heading}\n\n{after}"))
    assert out.text == f"标题\n\n{body}\n\n{body}"
    assert {r.reason for r in out.removals} == {"rule:comment-section-intl"}


def _case_variants(line):
    # capitals as sites print them, and the letters Python's case folding
    # takes for ASCII ones: Turkish İ and ı for i, long s, the Kelvin sign
    return [line, line.upper(), line.title(), line.swapcase(), line.replace("i", "ı"),
            line.upper().replace("I", "İ"), line.replace("s", "ſ"), line.upper().replace("K", "\u212a")]


FURNITURE_LINES = [
    "Anna says:", "Jörg schreibt:", "Marie a écrit :", "Иван пишет:", "Reply", "Report abuse",
    "Link to this comment", "Antworten", "Ответить", "返信", "Bob | Permalink", "12 likes", "3 replies",
    "23 Comments", "No comments", "Reader comments (12)", "Kommentare 4", "{ 167 comments }",
    "Komentáře", "Комментарии 5", "Yorumlar", "Hozzászólások", "Σχόλια", "댓글 3", "التعليقات",
    "Bình luận", "23 thoughts on “Title”", "11 comments to What Advocates Can Learn",
    "12. Greg - October 26, 2012", "#3. Joel Leigh - 29 August, 2011", "July 23, 2012 at 4:39 am",
    "03.12.24 14:05", "3 hours ago", "vor 2 Tagen", "il y a 3 jours", "hace 5 minutos",
    "Posted: 3 hours\u00a0ago", "Gepostet: VOR 2 Tagen", "Comentários (3)", "kommentti 1",
    "コメント (3)", "3 コメント", "返信する",
]


def test_the_page_wide_search_finds_every_line_the_comment_heuristics_would_mark():
    # comment-thread and comment-heading test only the lines one search over
    # the page points at: a line it missed would stay furniture, silently
    from scrubber import heuristics as h
    missed = []
    for line in (v for line in FURNITURE_LINES for v in _case_variants(line)):
        lines = [BODY, line, BODY]
        if h._mark(line) is not None and h._hinted(lines, h._MARK_HINTS) != [1]:
            missed.append(("mark", line))
        heading = h._COMMENT_HEAD.match(line) or h._COUNT_HEAD.match(line) or h._BARE_HEAD.match(line)
        if heading and h._hinted(lines, h._HEADING_HINTS) != [1]:
            missed.append(("heading", line))
    assert missed == []


def test_the_furniture_lines_above_are_marked_at_all():
    # keeps the test above from passing by marking nothing
    from scrubber import heuristics as h
    marked = [line for line in FURNITURE_LINES if h._mark(line) is not None]
    assert len(marked) >= len(FURNITURE_LINES) - 2
    assert h._hinted(["x", "", "y"], h._MARK_HINTS) == []


def test_a_comment_heading_the_page_would_end_on_goes_with_its_thread():
    # the thread under it went line by line (a comment form's tail rule
    # here); the heading alone would end the article
    article = [BODY, BODY.replace("Wednesday", "Thursday")]
    page = article + ["Commentaires", "Laisser un commentaire", "Jean-Pierre a écrit :", "Enfin une régulation."]
    c = Cleaner(Config(classifier=False))
    out = c.clean(__import__("scrubber").Document("d", "\n".join(page)))
    assert out.text == "\n".join(article)
    assert [r.reason for r in out.removals if r.text == "Commentaires"] == ["heuristic:comment-heading"]
    for page in (article + ["Comments (3)"], article + ["コメント"], article + ["留言"]):
        assert strip("\n".join(page))[0] == "\n".join(article)
    # under kept text, or all a page keeps, it stays
    assert strip("\n".join(article + ["Comments", BODY]))[0].count("Comments") == 1
    assert strip("Comments")[0] == "Comments"
    # a Chinese blog's guestbook link in its menu heads no thread, however much text is above
    menu = article * 3 + ["留言"] + ["新竹尖石_美樹營地賞楓 一波波 接續性 低溫寒流報到"] * 3
    assert strip("\n".join(menu))[0] == "\n".join(menu)
    assert strip("\n".join(article + ["Comments"]), disabled=("comment-heading",))[0].endswith("Comments")
