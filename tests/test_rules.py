import pytest

from scrubber import Cleaner, Config, RuleError
from scrubber.prefilter import Prefilter
from scrubber.rules import check_examples, default_rule_files, load_rules, parse_rule_file

SHIPPED = load_rules()


@pytest.mark.parametrize("rule", SHIPPED, ids=lambda r: r.id)
def test_shipped_rule_examples_hold(rule):
    assert check_examples(rule) == []


def test_every_shipped_rule_has_a_counter_example():
    assert [r.id for r in SHIPPED if not r.no_match] == []


def write(tmp_path, name, body):
    p = tmp_path / name
    p.write_text(body)
    return str(p)


RULE = '''
[[rule]]
id = "my-footer"
description = "My site's footer"
pattern = '^Powered by MySite\\b'
match = ["Powered by MySite 2024"]
no_match = ["MySite was founded in 2024"]
'''


def clean(text, **cfg):
    return Cleaner(Config(**cfg)).clean_text(text)


def test_user_rule_file_adds_a_rule(tmp_path):
    f = write(tmp_path, "site.toml", RULE)
    text = "An article body that is long enough to matter here.\n\nPowered by MySite 2024"
    assert clean(text, rule_files=(f,)) == "An article body that is long enough to matter here."
    assert "MySite" in clean(text)


def test_user_rule_overrides_a_default_by_id(tmp_path):
    f = write(tmp_path, "o.toml", RULE.replace("my-footer", "share-buttons"))
    rules = {r.id: r for r in load_rules([f])}
    assert rules["share-buttons"].description == "My site's footer"
    assert "Share this:" in clean("Share this:\n\nBody text of the article.", rule_files=(f,))


def test_disable_by_flag_and_by_file(tmp_path):
    text = "Body text of the article, long enough.\n\nShare this:"
    assert "Share this:" in clean(text, disabled=("share-buttons",))
    f = write(tmp_path, "d.toml", 'disable = ["share-buttons"]\n')
    assert "Share this:" in clean(text, rule_files=(f,))
    assert "Share this:" not in clean(text)


def test_disabling_an_unknown_id_is_an_error():
    with pytest.raises(RuleError, match="no rule or heuristic has that id"):
        load_rules(disabled=["no-such-rule"])


def test_no_default_rules():
    assert load_rules(defaults=False) == []
    assert "Share this:" in clean("Body text.\n\nShare this:", default_rules=False)


@pytest.mark.parametrize("body, problem", [
    ("[[rule]\nid = 1", "invalid TOML"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "(unclosed"\nmatch = ["a"]\n', "does not compile"),
    ('[[rule]]\nid = "x"\ndescription = "d"\nmatch = ["a"]\n', "needs a 'pattern'"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\naction = "zap"\nmatch = ["a"]\n', "'action' must be"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\nwhere = "head"\nmatch = ["a"]\n', "needs 'lines'"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\n', "at least one 'match'"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\nmatch = ["a"]\ncolour = 1\n', "unknown key"),
    ('rule = [1, 2]\n', "rule #1 is not a table"),
    ('rule = ["x"]\n', "rule #1 is not a table"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\nmatch = ["a"]\nmax_words = true\n', "'max_words' must be"),
    ('[[rule]]\nid = "x"\ndescription = "d"\npattern = "a"\nwhere = "tail"\nlines = true\nmatch = ["a"]\n',
     "needs 'lines'"),
])
def test_bad_rule_files_name_the_file_and_rule(tmp_path, body, problem):
    f = write(tmp_path, "bad.toml", body)
    with pytest.raises(RuleError) as e:
        load_rules([f])
    msg = str(e.value)
    assert msg.startswith(f) and problem in msg
    if "rule #" not in msg and "TOML" not in msg:
        assert "rule 'x'" in msg


def test_missing_rule_file(tmp_path):
    with pytest.raises(RuleError, match="no such rule file"):
        load_rules([str(tmp_path / "nope.toml")])


def test_failing_example_is_reported(tmp_path):
    f = write(tmp_path, "r.toml", RULE.replace('match = ["Powered by MySite 2024"]', 'match = ["Other"]'))
    rules, _ = parse_rule_file(f)
    assert "does not match its example 'Other'" in check_examples(rules[0])[0]


def test_a_pattern_with_an_empty_alternative_is_reported(tmp_path):
    # '^(?:powered by mysite||hosted by mysite).*$' matches every line; its
    # examples alone do not show it unless a counter-example happens to.
    f = write(tmp_path, "r.toml", RULE.replace("'^Powered by MySite\\b'", "'^(?:Powered by MySite||Hosted by MySite).*$'")
              .replace('no_match = ["MySite was founded in 2024"]', 'no_match = []'))
    rules, _ = parse_rule_file(f)
    assert rules[0].pattern == "^(?:Powered by MySite||Hosted by MySite).*$"
    assert any("matches a line of made-up words" in p for p in check_examples(rules[0]))
    # a rule for the first line only may match anything there
    head = write(tmp_path, "h.toml", RULE.replace("'^Powered by MySite\\b'", "'^.+$'")
                 .replace('no_match = ["MySite was founded in 2024"]', 'no_match = []')
                 + 'where = "head"\nlines = 1\n')
    assert check_examples(parse_rule_file(head)[0][0]) == []


def test_an_example_the_prefilter_rejects_is_reported(tmp_path):
    # A pre-filter pattern that does not cover the rule's example: in a run
    # the line never reaches the rule.
    f = write(tmp_path, "pf.toml", '[[rule]]\nid = "related"\ndescription = "d"\n'
                                   'pattern = "^related( news)?$"\nprefilter = "^related$"\n'
                                   'match = ["Related news"]\n')
    rules, _ = parse_rule_file(f)
    assert "pre-filter rejects it" in check_examples(rules[0])[0]
    text = "Related news\n\nBody."
    assert clean(text, rule_files=(f,), default_rules=False, heuristics=False) == text


def test_turkish_dotted_and_dotless_i_reach_a_rule_spelt_with_plain_i(tmp_path):
    # To the regex module "i" matches "İ" (and "I" "ı") when case is ignored;
    # RE2 does not fold them, and the pre-filter used to keep such lines
    # from the rule. It screens i, ı and İ as one another now.
    f = write(tmp_path, "tr.toml", '[[rule]]\nid = "related-tr"\ndescription = "d"\n'
                                   'pattern = "^ilgili haberler$"\nmatch = ["İlgili haberler"]\n'
                                   '[[rule]]\nid = "print-tr"\ndescription = "d"\n'
                                   'pattern = "^tarifi yazdır$"\nmatch = ["TARIFI YAZDIR"]\n')
    rules, _ = parse_rule_file(f)
    assert [check_examples(r) for r in rules] == [[], []]
    text = "İlgili haberler\nTARIFI YAZDIR\n\nBody."
    assert clean(text, rule_files=(f,), default_rules=False, heuristics=False) == "Body."


def test_a_rule_screened_by_its_own_prefilter_fires_as_its_pattern_says(tmp_path):
    rule = ('[[rule]]\nid = "credit"\ndescription = "d"\npattern = "^(?:Photo|Image): [A-Z][a-z]+$"\n'
            'prefilter = "^(?:photo|image):"\nmatch = ["Photo: Reuters"]\nno_match = ["Photo: the river"]\n')
    rules, _ = parse_rule_file(write(tmp_path, "ok.toml", rule))
    assert check_examples(rules[0]) == []
    text = "Photo: Reuters\nPhoto: the river at dawn\nBody."
    assert clean(text, rule_files=(str(tmp_path / "ok.toml"),), default_rules=False,
                 heuristics=False) == "Photo: the river at dawn\nBody."
    # a prefilter narrower than the pattern keeps lines from it: rules check says so
    narrow, _ = parse_rule_file(write(tmp_path, "narrow.toml", rule.replace('"^(?:photo|image):"', '"^image:"')))
    assert "pre-filter rejects it" in check_examples(narrow[0])[0]
    with pytest.raises(RuleError, match="prefilter does not compile"):
        load_rules([write(tmp_path, "bad.toml", rule.replace('"^(?:photo|image):"', '"(unclosed"'))],
                   defaults=False)


def test_catastrophic_pattern_times_out_instead_of_hanging(tmp_path):
    f = write(tmp_path, "slow.toml", '[[rule]]\nid = "slow"\ndescription = "d"\npattern = "^(a+)+$"\n'
                                     'match = ["aaa"]\n')
    text = "a" * 40 + "b\n\nBody."
    assert clean(text, rule_files=(f,), rule_timeout=0.01).startswith("a" * 40)


def test_span_head_tail_and_max_words(tmp_path):
    f = write(tmp_path, "r.toml", '''
[[rule]]
id = "kicker"
description = "d"
pattern = '^EXCLUSIVE:\\s*'
action = "span"
where = "head"
lines = 1
match = ["EXCLUSIVE: x"]

[[rule]]
id = "short-end"
description = "d"
pattern = '^Thanks'
where = "tail"
lines = 1
max_words = 3
match = ["Thanks for reading"]
''')
    text = ("EXCLUSIVE: The first line stays, minus its label.\n\nEXCLUSIVE: not in the head.\n\n"
            "Thanks for reading the long line here\n\nThanks for reading")
    out = clean(text, rule_files=(f,), default_rules=False, heuristics=False)
    assert out == ("The first line stays, minus its label.\n\nEXCLUSIVE: not in the head.\n\n"
                   "Thanks for reading the long line here")


BODY = ("The council voted on Tuesday to approve the new bridge across the river, "
        "ending a debate that has divided the town.")


def stays_in_an_article(line):
    """Whether rules and heuristics keep ``line`` between two article paragraphs."""
    text = "\n".join([BODY, line, BODY.replace("Tuesday", "Friday")])
    return clean(text, classifier=False) == text


def test_tail_action_removes_everything_after(tmp_path):
    text = f"{BODY}\n\nBody paragraph two is here.\n\nLeave a Reply\n\nGreat post!\n\nI disagree."
    assert clean(text) == f"{BODY}\n\nBody paragraph two is here."


def test_a_comment_count_in_the_byline_does_not_cut_the_article_below_it():
    # "1 comments" above a short article of long paragraphs is within the
    # rule's last 60 lines; the rule waits for the article's first sentence
    last = BODY.replace("Tuesday", "Friday")
    text = "\n".join(["Bridge approved", "by Ann Lee", "1 comments", BODY, last])
    assert clean(text, classifier=False).endswith(f"{BODY}\n{last}")
    # below the article, the same line still opens the thread
    out = clean(f"{text}\n1 comments\nGreat post!", classifier=False)
    assert out.endswith(last) and "Great post!" not in out


@pytest.mark.parametrize("heading", ["Comments (3)", "Kommentare (3)", "Commentaires (3)", "Komentarze (3)"])
def test_a_comment_count_in_brackets_below_the_article_opens_the_thread(heading):
    last = BODY.replace("Tuesday", "Friday")
    text = "\n".join(["Bridge approved", "Comments (3)", BODY, last, heading, "Anna, 3 March", "Great post!"])
    out = clean(text, classifier=False)
    # above the article it is a link in the header; below it, the thread's heading
    assert out.endswith(f"{BODY}\n{last}") and "Great post!" not in out


def test_agency_signatures_go_and_a_signature_inside_a_sentence_stays():
    text = "\n".join([BODY, "aja/PAP", "Der Minister trat zurück, wie die Agentur meldete (dpa/lby).", "(AFP)"])
    assert clean(text, classifier=False) == f"{BODY}\nDer Minister trat zurück, wie die Agentur meldete (dpa/lby)."


def test_a_list_item_or_sentence_opening_with_c_or_copyright_is_not_a_footer():
    text = "\n".join(["Under the new law a landlord must meet three conditions:",
                      "(a) the tenant must be told in writing two months ahead;",
                      "(c) the landlord must show that the flat meets the new energy standards.",
                      "Copyright disputes over the station design delayed the tender by six months.",
                      "Copyright © 2021 Example News. All rights reserved."])
    assert clean(text, classifier=False) == "\n".join(text.split("\n")[:4])


def test_a_legal_list_item_c_without_a_stop_is_not_a_photo_credit():
    # photo-credit: "(c)" before a credit is a name or a year, not a verb
    items = ["(a) inspect the flat within 7 days", "(b) tell the tenant in writing what will be done",
             "(c) carry out repairs within 14 days"]
    assert all(stays_in_an_article(item) for item in items)
    for caption in ["The new bridge at dusk (c) Reuters", "(c) Getty Images", "The mayor at the opening © Getty Images"]:
        assert clean("\n".join([BODY, caption]), classifier=False) == BODY


def test_no_comment_as_a_reply_in_an_interview_stays():
    # comment-count: an empty thread's heading is plural ("No Comments"); "No comment." is an answer
    interview = ["Did your brother's firm get the contract because of you?", "No comment.",
                 "Will you publish the tender documents before the election?"]
    text = "\n".join([BODY] + interview + [BODY.replace("Tuesday", "Friday")])
    assert clean(text, classifier=False) == text
    assert stays_in_an_article("No comment.")
    for heading in ["No Comments", "0 Comments", "0 comment", "No comments yet.", "No responses yet"]:
        assert clean("\n".join([BODY, heading]), classifier=False) == BODY


@pytest.mark.parametrize("sentence", [
    "One response to the shortage has been to convert empty offices into flats, a policy adopted last spring.",
    "Ein Kommentar zu den Plänen der Ministerin erschien am Montag in der Lokalzeitung.",
    "Un commentaire sur les réseaux sociaux du ministre a mis le feu aux poudres.",
    "3 respuestas a la crisis de la vivienda",
])
def test_a_sentence_that_opens_with_a_count_of_comments_does_not_cut_the_article(sentence):
    assert stays_in_an_article(sentence)


def test_an_article_about_copyright_in_japanese_or_chinese_keeps_its_lines():
    lines = ["生成AIと著作権、文化庁が新たな考え方を公表", "文化庁は、生成AIと著作権の関係について新たな考え方をまとめ、意見を募集すると発表した。",
             "该软件的版权所有人是一家深圳公司，去年因侵权被起诉。"]
    assert clean("\n".join(lines), classifier=False) == "\n".join(lines)
    assert clean("\n".join(lines + ["版权所有 © 2021 新闻网"]), classifier=False) == "\n".join(lines)


@pytest.mark.parametrize("line", [
    "We use cookies and cream sandwich biscuits for the base, then a layer of mascarpone.",
    "For the crust we use cookies crushed with a little melted butter.",
    "Para la base usamos galletas María trituradas con mantequilla.",
    "Follow us to the river, the rebels told the villagers.",
    "Join us on the march to the town hall on Saturday.",
    "Folgt uns, riefen die Demonstranten, und zogen zum Rathaus.",
])
def test_a_sentence_about_cookies_or_a_call_to_follow_in_a_story_stays(line):
    assert stays_in_an_article(line)


@pytest.mark.parametrize("line", ["We use cookies to improve your experience on our site.", "Follow us on Twitter and Facebook",
                                  "Privacy Policy | Cookie Policy | Terms of Use", "Folgen Sie uns auf:"])
def test_the_banners_and_prompts_those_rules_are_for_still_go(line):
    text = "\n".join([BODY, line])
    assert clean(text, classifier=False) == BODY


def kept_as_prose_or_removed_as_furniture(line, furniture):
    """Prose stays between two article paragraphs; furniture after one goes."""
    if furniture:
        assert clean("\n".join([BODY, line]), classifier=False) == BODY
    else:
        assert stays_in_an_article(line)


@pytest.mark.parametrize("line, furniture", [
    # cookie-notice(-intl): an article about cookie law says "accept all cookies" mid-sentence
    # and names the EU's "Cookie-Richtlinie"; a banner's button opens its line, follows a
    # separator or sits in quotes, and its link to the site's policy ends the line
    ("Under the new rules, websites may no longer force visitors to accept all cookies before they can read an article.", False),
    ("Nach den neuen Regeln müssen Besucher nicht mehr alle Cookies akzeptieren, bevor sie einen Artikel lesen können.", False),
    ("Selon les nouvelles règles, les sites ne peuvent plus obliger les visiteurs à accepter tous les cookies avant de lire un article.", False),
    ("Die Cookie-Richtlinie der EU gilt seit 2009 und soll nun überarbeitet werden.", False),
    ("Accept all cookies", True),
    ('By clicking "Accept All Cookies", you agree to the storing of cookies on your device to enhance site navigation.', True),
    ("Alle Cookies akzeptieren", True),
    ("Tout refuser | Accepter les cookies", True),
    ("Wenn Sie dieses Video sehen möchten, müssen Sie die externen YouTube-Cookies akzeptieren.", True),
    ("Weitere Informationen zu unseren Cookie-Richtlinien", True),
    ("Weitere Informationen, beispielsweise zur Kontrolle von Cookies, findest du hier: Cookie-Richtlinie", True),
])
def test_an_article_about_cookie_law_stays_and_the_banners_words_go(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # browser-notice: "please enable JavaScript" ends the notice's sentence or goes on
    # with what for ("to view the comments") or where ("in your browser"); a tutorial's
    # step goes on with its own instructions
    ("Please enable JavaScript in the browser settings before you run the installer, as described in step 3.", False),
    ("Please enable JavaScript to view the comments powered by Disqus.", True),
    ("Please enable JavaScript in your browser to search the SMART Exchange.", True),
    ("To comment, please enable JavaScript so you can sign into TypeKey.", True),
    ("For best viewing experience, please enable Javascripts!", True),
])
def test_a_tutorials_step_about_javascript_stays_and_the_browser_notice_goes(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # follow-us-intl: after "auf", "sur", "en" … a network or the site's own channels,
    # not a walk or a journey
    ("Folgen Sie uns auf einen Rundgang durch die Altstadt, sagte die Führerin.", False),
    ("Folgen Sie uns auf einen Rundgang durch die Altstadt von Lübeck.", False),
    ("Suivez-nous sur les traces des premiers colons de la vallée.", False),
    ("Folge uns auf unseren Social Mediakanälen", True),
    ("Folgen Sie uns auf Mastodon", True),
    ("Suivez-nous sur notre page Facebook", True),
    ("Folgen Sie uns auf Facebook und Twitter", True),
])
def test_a_walk_with_the_reader_stays_and_the_call_to_follow_the_site_goes(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # see-also: a legal cross-reference names a case ("Smith v Jones"), a teaser a title
    ("See also Smith v Jones [2004] UKHL 12, where the court held that the duty of care extends to visitors.", False),
    ("See also Roe v. Wade, 410 U.S. 113 (1973), on which the lower court relied.", False),
    ("See also Neuro-Linguistic Programming (NLP)", True),
    ("See also Van der Horst article on Culture Center", True),
    ("See also: Arsenal v Chelsea, five things we learned", True),
])
def test_a_legal_cross_reference_stays_and_the_see_also_teaser_goes(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # affiliate-disclosure-intl: a quotation attributed without a speech verb after a comma
    # ("so der Gründer", "reconnaît la fondatrice") is the article quoting the business
    ("„Für jeden Vertrag, der über unser Portal zustande kommt, erhalten wir eine kleine Provision“, so der Gründer.", False),
    ("« Nous touchons une petite commission sur chaque vente », reconnaît la fondatrice.", False),
    ('"We earn a small commission on every product readers buy through our links," the founder concedes.', False),
    ("Dieser Beitrag enthält Affiliate-Links. Wenn du darüber einkaufst, erhalten wir eine kleine Provision.", True),
    ("We may earn a commission when you buy through links on our site.", True),
])
def test_a_quoted_business_model_stays_and_the_affiliate_disclosure_goes(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # author-bio: a bio says what the author is or has been; an obituary says what he was
    ("Ellis was a writer who spent forty years at the paper and is survived by his wife and two daughters.", False),
    ("She was a columnist for thirty years and filed her last piece in March.", False),
    ("Jane Doe is a freelance journalist based in Kyiv.", True),
    ("Sam Lee has been a senior editor at the site since 2015.", True),
])
def test_an_obituarys_last_paragraph_stays_and_the_author_bio_goes(line, furniture):
    kept_as_prose_or_removed_as_furniture(line, furniture)


@pytest.mark.parametrize("line, furniture", [
    # taxonomy-intl: "published in" before category names, not a sentence
    ("Publicado en 1985, el libro de cocina se convirtió en un clásico.", False),
    ("Veröffentlicht in der Zeitschrift Nature, zeigt die Studie erhebliche Mängel.", False),
    ("Publicado en Noticias, Política", True),
    ("Veröffentlicht in: Originalbeitrag", True),
    # browser-notice: a notice opens its sentence (or follows a stop, a comma, "Sorry,")
    ("If your browser does not support WebSockets, the admin panel falls back to polling.", False),
    ("Ist JavaScript deaktiviert, lädt die Seite nur den Text ohne Bilder.", False),
    ("To fully experience the site, please enable JavaScript.", True),
    ("Sorry, your browser does not support the video tag.", True),
    # prev-next-intl: a post's title after the label, not a sentence
    ("Nächster Beitrag der Reihe erscheint am kommenden Montag.", False),
    ("Następny artykuł ustawy dotyczy kar za wykroczenia.", False),
    ("Nächster Beitrag: Die Wahl in Bayern", True),
    # see-also: before a title or a separator, not advice or an in-text pointer
    ("Also read the small print before signing, the ombudsman advises.", False),
    ("See also the infographic below.", False),
    ("See also: Putin criticized Kiev in a conversation with the President of Azerbaijan", True),
    ("See also Presidential elections in Finland: Pekka Haavisto and Alexander Stubb advance", True),
])
def test_a_label_rule_takes_the_label_line_not_a_sentence_that_opens_with_it(line, furniture):
    text = "\n".join([BODY, line])
    assert clean(text, classifier=False) == (BODY if furniture else text)


@pytest.mark.parametrize("line", [
    "Comments are moderated, the regulator said, by a team of forty lawyers in Leeds.",
    "The contract left all rights reserved to the label, court papers show, the lawyer said.",
    "Der Anbieter hat sich alle Rechte vorbehalten, sagte ein Sprecher der Stadt.",
    "Tous droits réservés à l'auteur, précise l'éditeur du livre.",
    "Por cada venta recibimos una comisión, explicó el gerente ante el juez.",
    "Все права защищены Конституцией, напомнил судья.",
    "\u201cWe use cookies to show you relevant ads,\u201d a spokeswoman said.",  # the comma inside the quote
    "\u201eWir verwenden Cookies, um Ihnen Werbung zu zeigen,\u201c sagte eine Sprecherin.",
])
def test_a_line_that_reports_speech_is_the_article_quoting_not_furniture(line):
    assert stays_in_an_article(line)


def test_a_line_that_introduces_a_quotation_in_a_letters_story_stays():
    # comment-byline: "said", "wrote", "replied" also introduce a letter;
    # a comment's author is a name or carries a time stamp
    assert stays_in_an_article("His mother replied:")
    assert stays_in_an_article("In October 1914 the eldest brother wrote:")


@pytest.mark.parametrize("line", ["John Smith says:", "Mary Smith said:", "Anna replied: 3 May 2019 at 4:15 pm",
                                  "jean jett on October 7, 2012 at 7:21 pm said:"])
def test_a_comment_byline_still_goes(line):
    assert clean("\n".join([BODY, line]), classifier=False) == BODY


@pytest.mark.parametrize("dates", [("12 March 2020", "23 March 2020", "1 June 2020"),
                                   ("1. April 2021", "15. Juli 2021", "3. August 2021")])
def test_a_timeline_keeps_its_date_headings_and_a_lone_dateline_still_goes(dates):
    # dateline-only, dateline-intl: a date between two paragraphs, more than once, heads a timeline's entry
    entries = [BODY.replace("Tuesday", day) for day in ("Monday", "Wednesday", "Thursday")]
    timeline = [BODY] + [x for d, e in zip(dates, entries) for x in (d, e)]
    assert clean("\n".join(timeline), classifier=False) == "\n".join(timeline)
    assert stays_in_an_article(dates[0]) is False  # one date between two paragraphs is a dateline
    assert clean("\n".join([dates[0]] + timeline[2:]), classifier=False) == "\n".join(timeline[2:])
    teasers = [x for d in dates for x in (d, "Teaser: " + BODY[:60] + "...")]  # a list of teasers cut short
    assert dates[1] not in clean("\n".join([BODY] + teasers), classifier=False)
    stamps = [x for d, e in zip(dates, entries) for x in (d + ", 16:15", e)]  # comments' stamps
    assert clean("\n".join([BODY] + stamps), classifier=False, heuristics=False) == "\n".join([BODY] + entries)


def test_timeline_must_be_true_or_false_and_on_a_line_rule(tmp_path):
    f = write(tmp_path, "bad.toml", RULE + "timeline = 1\n")
    with pytest.raises(RuleError, match="'timeline' must be true or false"):
        load_rules([f])
    f = write(tmp_path, "bad2.toml", RULE + "timeline = true\naction = 'tail'\n")
    with pytest.raises(RuleError, match="'timeline' needs action = 'line'"):
        load_rules([f])


WHATSAPP = ["Almost every smartphone owner now uses a messenger, and the market has settled on WhatsApp, a new survey shows.",
            "The app owned by Meta reaches 80 percent of adults, the survey found, far ahead of Signal and Telegram.",
            "Das Teilen von Fotos in Gruppen ist der häufigste Grund, die App zu öffnen, gefolgt von Sprachnachrichten.",
            "Entrar no mercado brasileiro foi o maior desafio da empresa, que teve de competir com aplicativos locais."]


@pytest.mark.parametrize("word, at", [("WhatsApp", 1), ("Teilen", 2), ("Entrar", 3)])
def test_a_one_word_subheading_that_the_article_is_about_stays(word, at):
    # share-buttons-intl, login-prompt-intl: a lone word between two
    # paragraphs that use it is the article's subheading
    text = "\n".join(WHATSAPP[:at] + [word] + WHATSAPP[at:])
    assert clean(text, classifier=False) == text


def test_a_one_word_subheading_in_chinese_is_found_in_unspaced_paragraphs():
    # "微信" could never be a word of a Chinese paragraph: the subheading went
    paragraphs = ["微信是中国最常用的聊天软件，每天有超过十亿用户登录，腾讯在最新的财报中表示增长仍在继续。",
                  "除了聊天，用户还用它支付、打车和预约医院门诊，几乎覆盖了城市生活的每一个方面。",
                  "微博则更像一个公共广场，明星、媒体和政府机构都在上面发布消息，热搜榜每天吸引数亿次浏览。"]
    text = "\n".join(paragraphs[:1] + ["微信"] + paragraphs[1:2] + ["微博"] + paragraphs[2:])
    assert clean(text, classifier=False) == text
    # a label the article never names still goes
    text = "\n".join(paragraphs[:2] + ["QQ空间"] + paragraphs[2:])
    assert clean(text, classifier=False) == "\n".join(paragraphs)


def test_a_share_bar_or_a_lone_button_between_paragraphs_still_goes():
    bar = "\n".join(WHATSAPP[:2] + ["Teilen", "WhatsApp", "Facebook"] + WHATSAPP[2:])
    assert clean(bar, classifier=False) == "\n".join(WHATSAPP)
    assert stays_in_an_article("Teilen") is False  # an article that never says "teilen"
    assert stays_in_an_article("WhatsApp") is False


PRESS_REVIEW = ["The papers are split over the Budget that the Chancellor presented to the Commons on Wednesday afternoon.",
                "Most of them agree that it was written with the coming election in mind rather than the economy.",
                "The Times writes:",
                "\u201cThis was a Budget for the campaign, not for the country, and the markets will notice soon enough.\u201d",
                "The Guardian writes:",
                "\u201cThe cuts to public services are deeper than the Chancellor admitted, and councils will pay the price.\u201d",
                "Mark Harper said:",
                "\u201cWe have delivered the stability that families and businesses asked us for, and we will build on it.\u201d",
                "The Office for Budget Responsibility will publish its own analysis of the measures next week."]


def test_a_speaker_line_over_a_quotation_is_the_article_not_a_comment_byline():
    # comment-byline took each "writes:" line, and comment-thread cut the
    # page from the first of them to its end
    text = "\n".join(PRESS_REVIEW)
    assert clean(text, classifier=False) == text
    # a comment's author over its unquoted text still goes
    thread = PRESS_REVIEW[:2] + ["Bob says:", "I think the Chancellor got this one badly wrong, frankly."]
    assert clean("\n".join(thread), classifier=False) == "\n".join(PRESS_REVIEW[:2] + thread[3:])


HOW_TO = ["Google Docs lets several people work on one document at the same time, and comments keep the discussion in one place.",
          "Add a comment",
          "Select the text you want to talk about, then click the comment icon that appears in the right margin of the page.",
          "Type your note in the box, mention a colleague with the @ sign if you like, and press the blue Comment button.",
          "Resolve a comment",
          "When the point is settled, click the tick above the comment and it moves out of the way into the history."]


def test_a_tail_rules_heading_over_the_articles_paragraphs_is_a_section():
    # comment-section took "Add a comment" in a how-to and every step after it
    text = "\n".join(HOW_TO)
    assert clean(text, classifier=False) == text
    # over a form, a thread's author or a count, it still ends the page
    for below in (["Your email address will not be published. Required fields are marked *", "Name *"],
                  ["Anna says:", HOW_TO[2]], ):
        assert clean("\n".join(HOW_TO[:1] + ["Add a comment"] + below), classifier=False) == HOW_TO[0]
    assert clean("\n".join(HOW_TO[:1] + ["2 Comments"] + HOW_TO[2:4]), classifier=False) == HOW_TO[0]


def test_quotation_must_be_true_or_false_on_a_line_rule(tmp_path):
    f = write(tmp_path, "bad.toml", RULE + "quotation = 'yes'\n")
    with pytest.raises(RuleError, match="'quotation' must be true or false"):
        load_rules([f])
    f = write(tmp_path, "bad2.toml", RULE + "quotation = true\naction = 'tail'\n")
    with pytest.raises(RuleError, match="'quotation' needs action = 'line'"):
        load_rules([f])


def test_after_body_must_be_true_or_false(tmp_path):
    f = write(tmp_path, "bad.toml", RULE + "after_body = 1\n")
    with pytest.raises(RuleError, match="'after_body' must be true or false"):
        load_rules([f])


def test_default_rule_files_are_found():
    names = {p.name for p in default_rule_files()}
    assert {"social.toml", "comments.toml", "links.toml"} <= names


def test_an_empty_threads_heading_in_the_header_does_not_cut_the_article():
    from scrubber import Document
    body = BODY
    src = "\n".join(["Bridge approved", "Aug 9, 2012", "0 Comments", body, body.replace("Tuesday", "Friday")])
    out = Cleaner(Config(dedup=False, classifier=False)).clean(Document("d", src))
    assert body in out.text and "0 Comments" not in out.text
    assert "rule:comment-count" in [r.reason for r in out.removals]


def test_every_shipped_rule_is_on_the_re2_fast_path():
    # a pattern RE2 cannot take is tried on every line of every page
    from scrubber.rules import off_fast_path
    assert [r.id for r in off_fast_path(SHIPPED)] == []


def test_every_shipped_rule_example_passes_the_prefilter():
    """A rule whose own example the RE2 set rejects would never fire,
    though its pattern matches the example."""
    prefilter = Prefilter([(r.pattern, r.ignore_case) for r in SHIPPED])
    missed = [(r.id, ex) for i, r in enumerate(SHIPPED) for ex in r.match if i not in prefilter.possible(ex)]
    assert missed == []


DE_BODY = ("Der Gemeinderat hat am Dienstag den Bau der neuen Brücke über den Fluss beschlossen, "
           "nach einem Streit, der die Stadt seit Jahren spaltet.")


def test_a_german_comment_form_goes_and_prose_about_comments_stays():
    prose = "Im Kommentar des Bürgermeisters hieß es, man werde die Kosten genau prüfen und berichten."
    text = "\n".join([DE_BODY, prose, "Teilen", "Schreibe einen Kommentar",
                      "Deine E-Mail-Adresse wird nicht veröffentlicht. Erforderliche Felder sind mit * markiert.",
                      "Kommentar *", "Name *"])
    assert clean(text, classifier=False) == f"{DE_BODY}\n{prose}"


def test_share_and_read_more_labels_go_in_other_languages_too():
    for label in ("Partager sur Facebook", "Compartir", "Lire la suite", "Leer más", "Weiterlesen", "阅读全文"):
        out = clean(f"{DE_BODY}\n{label}", classifier=False)
        assert out == DE_BODY, label


def test_a_share_bar_of_new_window_buttons_goes_and_prose_naming_a_new_window_stays():
    bar = ["Teilen mit:", "Klick, um über Twitter zu teilen (Wird in neuem Fenster geöffnet)",
           "Klicken zum Ausdrucken (Wird in neuem Fenster geöffnet)", "Click to print (Opens in new window)"]
    assert clean("\n".join([DE_BODY, *bar]), classifier=False) == DE_BODY
    assert stays_in_an_article("The full report (opens in new window) found that the council had overspent.")


@pytest.mark.parametrize("line", ["Oct 15, 2015 \u00b7 18 min read", "By Ana Ruiz Feb 8, 2020 5 min read",
                                  "06.11.2023, 15:20 Uhr \u2022 2 Min. Lesezeit", "Reading Time: 3 mins read"])
def test_a_byline_or_date_line_ending_in_a_reading_time_goes(line):
    assert clean(f"{BODY}\n{line}\n{BODY}", classifier=False) == f"{BODY}\n{BODY}"


def test_a_sentence_about_reading_time_stays():
    assert stays_in_an_article("In a 2019 survey, pupils said they spent 5 minutes reading each day at home.")


def test_a_rule_file_nested_2000_deep_is_one_error(tmp_path):
    p = tmp_path / "deep.toml"
    p.write_text("x = " + "[" * 2000 + "]" * 2000 + "\n")
    with pytest.raises(RuleError, match=f"^{p}: invalid TOML: nested too deeply"):
        parse_rule_file(p)


# --- rules that time out (issue 23, item 5) --------------------------------------

SLOW = '''[[rule]]
id = "slow"
description = "backtracks exponentially on a long run of a's"
pattern = '{pattern}'
match = ["aaaa!"]
'''


@pytest.mark.parametrize("workers", [1, 2])
def test_a_rule_that_keeps_timing_out_is_counted_switched_off_and_said_once(tmp_path, caplog, workers):
    from scrubber import Stats, clean
    rules = tmp_path / "slow.toml"
    rules.write_text(SLOW.format(pattern="(a|a)+$|!$"))
    doc = "\n".join(["a" * 40 + "!"] * 30)
    stats = Stats()
    out = list(clean([{"id": "d", "text": doc}], stats=stats, rule_files=(str(rules),),
                     classifier=False, heuristics=False, dedup=False, default_rules=False,
                     workers=workers))
    limit = Config().rule_max_timeouts  # one document, one batch: one worker counts them all
    assert stats.counts["rule_timeouts:rule:slow"] == limit
    assert out[0]["text"] == doc  # no match could be decided: every line kept
    said = [r for r in caplog.records if "slow" in r.getMessage()]
    assert len(said) == 1 and "switched off" in said[0].getMessage()
    assert "rule:slow 5" in stats.summary() and "timed out" in stats.summary()


def test_a_batch_is_cleaned_alike_whatever_batches_its_worker_cleaned_before(tmp_path):
    # A rule switched off for timing out is off for the rest of its batch
    # only, so which worker gets which batch cannot change the output.
    from scrubber import Cleaner, Document
    rules = tmp_path / "slow.toml"
    rules.write_text(SLOW.format(pattern="(a|a)+$|!$"))
    cfg = Config(rule_files=(str(rules),), default_rules=False, classifier=False, heuristics=False,
                 dedup=False, rule_max_timeouts=2)
    first = [Document("a", "\n".join(["a" * 40 + "!"] * 3))]
    second = [Document("b", "\n".join(["a" * 40 + "!", "Well said!", "More text."]))]
    alone = Cleaner(cfg).clean_batch(second)
    worker = Cleaner(cfg)
    worker.clean_batch(first)
    after = worker.clean_batch(second)
    assert [d.text for d in after] == [d.text for d in alone]
    assert "Well said!" not in after[0].text  # one timeout in this batch: the rule is still on


@pytest.mark.parametrize("pattern", ["(a|a)+$|!$", "^(?!zzz)(a|a)+$"])
def test_rules_check_flags_a_rule_that_backtracks_on_long_lines(tmp_path, pattern):
    from scrubber.rules import check_backtracking
    rules = tmp_path / "slow.toml"
    rules.write_text(SLOW.format(pattern=pattern).replace('"aaaa!"', '"aaaa!", "aaaa"'))
    (rule,), _ = parse_rule_file(rules)
    problems = check_backtracking(rule)
    assert len(problems) == 1 and "rule 'slow'" in problems[0] and "backtrack" in problems[0]


def test_the_shipped_rules_do_not_backtrack():
    from scrubber.rules import check_backtracking
    for path in default_rule_files():
        for rule in parse_rule_file(path)[0]:
            assert check_backtracking(rule) == []
