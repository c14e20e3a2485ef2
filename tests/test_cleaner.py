"""The Cleaner: one configuration's rules applied to documents."""

import pytest

from scrubber import Cleaner, Document

T = ("The city council voted on Tuesday to expand the tram network to the northern districts, "
     "a plan debated for a decade.")


def test_clean_batch_takes_any_iterable_and_loses_no_document():
    # It read its argument twice: a generator came back as [].
    out = Cleaner().clean_batch(Document(str(i), "Share this:\n\n" + T) for i in range(2))
    assert [(d.id, d.text) for d in out] == [("0", T), ("1", T)]


@pytest.mark.parametrize("doc, message", [
    (Document("a", None), "a: Document text is NoneType, not a string"),
    (Document("a", b"bytes"), "a: Document text is bytes, not a string"),
    (Document(7, T), "<document 1>: Document id is int, not a string"),
    ({"id": "a", "text": T}, "<document 1>: expected a Document, got dict"),
])
def test_a_document_of_the_wrong_types_is_an_input_error_naming_it(doc, message):
    # Was a TypeError or AttributeError from inside repair.
    from scrubber import InputError
    with pytest.raises(InputError) as err:
        Cleaner().clean(doc)
    assert str(err.value) == message


def test_an_author_bio_goes_under_an_article_but_a_document_that_is_one_such_sentence_stays():
    # a one-line document "X is an American author of …" came out empty and was dropped
    from scrubber import Config
    c = Cleaner(Config(classifier=False))
    one = "Stephen King is an American author of horror, supernatural fiction and fantasy novels."
    assert c.clean(Document("a", one)).text == one
    bio = "Jane Doe is a freelance journalist based in Kyiv."
    assert c.clean(Document("b", f"{T}\n{T}\n{bio}")).text == f"{T}\n{T}"
    # under a hard-wrapped article too, whose lines are no sentence each
    wrapped = ("The city council voted on Tuesday to expand the tram\n"
               "network to the northern districts, a plan that has been\n"
               "debated for a decade and that officials said would cost\n"
               "more than four hundred million euros over the next ten\n"
               "years, most of it paid for by the regional government and\n"
               "a loan from the European Investment Bank, they added.")
    assert c.clean(Document("c", f"{wrapped}\n{bio}")).text == wrapped
    story = f"{T}\n{T}\nHilary Mantel is the only author to have won the prize twice."
    assert c.clean(Document("d", story)).text == story


def test_a_chinese_article_loses_its_footer_links():
    # Without stop words to read, the classifier kept "关于我们" (About us),
    # "联系我们" (Contact us) under the article (p 0.7); site-links-intl takes them.
    body = ["市政府宣布新建跨河大桥",
            "市政府周二宣布，将在河上新建一座大桥，连接老城区和开发区，预计三年内完工。这项工程总投资约二十亿元，其中一半来自省财政拨款。",
            "市长在新闻发布会上表示，大桥建成后，两岸居民的通勤时间将从一小时缩短到二十分钟。他还说，施工期间将尽量减少对渔民和航运的影响。",
            "不少市民对此表示欢迎，但也有环保组织担心工程会破坏河流湿地，希望政府公开环境评估报告。市政府回应称，报告将于下月在网上公布。"]
    page = "\n".join(["首页", "新闻", "财经", "体育", *body, "关于我们", "联系我们", "隐私政策"])
    assert Cleaner().clean(Document("zh", page)).text.splitlines() == body
