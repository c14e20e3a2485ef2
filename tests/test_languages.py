import pytest

import unicodedata

from scrubber.languages import _lists, detect, language_of, languages, stopwords

PARAGRAPHS = {
    "en": "The council said on Tuesday that the new bridge would open in the spring, "
          "but residents who live near the river are worried about the noise and the traffic "
          "that it will bring to their streets.",
    "de": "Der Stadtrat hat am Dienstag mitgeteilt, dass die neue Brücke im Frühjahr eröffnet "
          "werden soll, aber die Anwohner, die in der Nähe des Flusses wohnen, machen sich "
          "Sorgen über den Lärm und den Verkehr, den sie in ihre Straßen bringen wird.",
    "es": "El ayuntamiento dijo el martes que el nuevo puente se abrirá en primavera, pero los "
          "vecinos que viven cerca del río están preocupados por el ruido y el tráfico que "
          "traerá a sus calles, y piden que se escuche su opinión.",
    "fr": "Le conseil municipal a déclaré mardi que le nouveau pont ouvrirait au printemps, "
          "mais les habitants qui vivent près de la rivière s'inquiètent du bruit et de la "
          "circulation qu'il apportera dans leurs rues, et ils veulent être entendus.",
    "it": "Il consiglio comunale ha detto martedì che il nuovo ponte sarà aperto in primavera, "
          "ma i residenti che vivono vicino al fiume sono preoccupati per il rumore e il "
          "traffico che porterà nelle loro strade.",
    "nl": "De gemeenteraad zei dinsdag dat de nieuwe brug in het voorjaar open zal gaan, maar "
          "de bewoners die bij de rivier wonen maken zich zorgen over het lawaai en het verkeer "
          "dat het naar hun straten zal brengen.",
    "ru": "Городской совет заявил во вторник, что новый мост откроется весной, но жители, "
          "которые живут у реки, обеспокоены шумом и движением, которое он принесёт на их улицы.",
}


def test_at_least_twenty_languages_have_lists():
    assert len(languages()) >= 20
    assert {"en", "de", "es", "fr", "ru", "ar", "pl"} <= set(languages())


@pytest.mark.parametrize("lang", sorted(PARAGRAPHS))
def test_language_is_told_from_its_stop_words(lang):
    assert detect(PARAGRAPHS[lang].lower().split()) == lang


def test_no_language_for_text_without_stop_words():
    assert detect("1234 5678 9012 3456 | 42 | 17 %".split()) is None
    assert detect("Zanzibar Mombasa Nairobi Kampala Kigali Dodoma Arusha".lower().split()) is None


def test_punctuated_forms_are_in_the_lookup_set():
    sw = stopwords("en")
    assert {"the", "the,", "(the", "and.", "\u201cthe"} <= sw
    assert "bridge" not in sw


def test_language_without_list_gives_an_empty_set():
    assert stopwords("sw") == frozenset()


# Ordinary modern sentences in the languages whose lists the package ships
# damaged (tools/make_stopwords.py repairs them): before the repair, Greek's
# list was Ancient Greek in polytonic spelling, Turkish's was mojibake
# (``nasýl``, ``þu``) and Hebrew's words were still in quotes with their
# commas, so none of these was recognised.
MODERN = {
    "el": "Η κυβέρνηση ανακοίνωσε ότι θα αυξήσει τις συντάξεις και τους μισθούς από τον "
          "Ιανουάριο. Ο υπουργός είπε ότι η οικονομία της χώρας είναι σε καλύτερη θέση.",
    "tr": "Uzmanlar, bu kararın ekonomiyi nasıl etkileyeceğini ve bazı sektörlerin şu anki "
          "durumunu tartışıyor.",
    "he": "הממשלה הודיעה כי היא תעלה את שכר המורים בשנה הבאה, אבל השר אמר שזה לא יקרה "
          "לפני הבחירות.",
}


@pytest.mark.parametrize("lang", sorted(MODERN))
def test_modern_text_of_a_repaired_list_is_recognised(lang):
    assert language_of(MODERN[lang]) == lang


def test_repaired_lists_hold_the_modern_spellings():
    assert {"και", "το", "την", "της", "θα", "να", "για", "ότι", "από"} <= stopwords("el")
    assert {"şey", "kırk", "nasıl", "şu", "altı"} <= stopwords("tr")
    assert {"אבל", "של", "את"} <= stopwords("he")
    # Romanian in both forms of ş and ţ, Italian accents, Slovak "a"
    # (behind a byte-order mark) and Ukrainian "а" (a Latin letter).
    assert {"și", "şi", "în", "că", "după", "si", "in"} <= stopwords("ro")
    assert {"così", "già", "più"} <= stopwords("it")
    assert "a" in stopwords("sk")
    assert "\u0430" in stopwords("uk") and "a" not in stopwords("uk")
    assert {"who", "s"}.isdisjoint(stopwords("gu"))


@pytest.mark.parametrize("lang", languages())
def test_no_list_carries_encoding_damage(lang):
    words = _lists()[lang]
    for w in words:
        assert w == unicodedata.normalize("NFC", w), w
        assert "\ufeff" not in w and not any(unicodedata.category(c) == "Cc" and c != "\t" for c in w), w
        assert not w.startswith('"') and not w.endswith(('"', ",")), w
    if lang == "el":  # modern spelling: final ς, no polytonic letters
        assert not any(w.endswith("σ") or any(0x1F00 <= ord(c) <= 0x1FFF for c in w) for w in words)
    if lang == "tr":  # cp1254 read as cp1252
        assert not any(c in w for w in words for c in "ýþðÝÞÐ")
