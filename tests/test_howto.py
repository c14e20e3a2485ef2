"""Numbered steps: the classifier's removals inside a run of them go back."""

import pytest

from scrubber import Cleaner, Document
from scrubber.document import Removal
from scrubber.howto import _runs, give_back

INTRO = ("Ferns are easy to keep indoors as long as their soil stays moist and they get a little "
         "indirect light. Potting one takes a quarter of an hour and needs nothing you cannot find "
         "in a garden centre, and a fern potted this way will grow happily for years.")
STEPS = ["Step 1", "Fill the pot with compost.", "Step 2", "Water it well.", "Step 3",
         "Set the fern in the middle.", "Step 4", "Press the soil down around it."]
PAGE = "\n".join(["Home", "Garden", "Crafts", "Recipes", "Contact", "How to Pot a Fern", INTRO, *STEPS,
                  "Related Articles", "How to Grow Basil", "How to Prune Roses", "Privacy Policy",
                  "Terms of Use", "Contact Us"])


def test_a_how_to_keeps_its_steps_and_still_loses_its_footer():
    # The classifier read each short step as a widget's label (p 0.01-0.16)
    # and the page kept its intro alone.
    out = Cleaner().clean(Document("a", PAGE)).text.splitlines()
    assert out[-len(STEPS):] == STEPS
    assert "Privacy Policy" not in out and "How to Prune Roses" not in out


def test_the_classifier_drops_the_steps_without_the_run():
    # what the test above guards: the same page with unnumbered steps loses them
    page = PAGE.replace("Step ", "Stage ")
    out = Cleaner().clean(Document("a", page)).text
    assert "Water it well." not in out


@pytest.mark.parametrize("headings, runs", [
    (["Step 1", "Step 2", "Step 3"], 1),
    (["Schritt 1:", "Schritt 2:", "Schritt 3:"], 1),
    (["Étape 1 – couper", "Étape 2 – cuire", "Étape 3 – servir"], 1),
    (["第1步", "第2步", "第3步"], 1),
    (["1단계", "2단계", "3단계"], 1),
    (["1. Schritt", "2. Schritt", "3. Schritt"], 1),
    (["1. ADIM", "2. ADIM", "3. ADIM"], 1),  # Turkish capitals lower to "adim"
    (["ΒΗΜΑ 1", "ΒΗΜΑ 2", "ΒΗΜΑ 3"], 1),
    (["1. The council met", "2. It voted", "3. It adjourned"], 0),  # a numbered list is no how-to
    (["Step 1", "Step 2"], 0),                       # two: a sign-up banner's
    (["Step 1", "Step 3", "Step 5"], 0),             # not one after another
    (["Step 1 of 3", "Step 2 of 3", "Step 3 of 3"], 0),  # a form's progress
    (["Steps 1", "Steps 2", "Steps 3"], 0),
    (["Steg 1 av 3", "Steg 2 av 3", "Steg 3 av 3"], 0),
    (["Krok 1 ze 3", "Krok 2 ze 3", "Krok 3 ze 3"], 0),
])
def test_a_run_is_three_or_more_headings_numbered_in_order(headings, runs):
    lines = [x for h in headings for x in (h, "Do the next thing.")]
    assert len(_runs(lines)[0]) == runs


def test_rules_removals_in_a_run_stand():
    lines = ["Step 1", "Cut it.", "Photo: Jane Doe", "Step 2", "Cook it.", "Step 3", "Serve it.", "Share this"]
    alive = [False] * len(lines)
    removals = [Removal("rule:photo-credit", 3, lines[2])] + [
        Removal("classifier", i + 1, line, None, 0.1) for i, line in enumerate(lines) if i != 2]
    give_back(lines, alive, removals)
    # the last step ends where the others do: two lines, then the share bar
    assert [line for line, keep in zip(lines, alive) if keep] == [
        "Step 1", "Cut it.", "Step 2", "Cook it.", "Step 3", "Serve it."]
    assert [r.reason for r in removals] == ["rule:photo-credit", "classifier"]


RECIPE = "\n".join([
    "Home", "Rezepte", "Backen", "Magazin", "Community",
    "Mandarinen-Schmand-Kuchen",
    "Ein saftiger Kuchen mit Mürbeteig, Pudding und Mandarinen, der sich gut am Vortag backen lässt und "
    "auf jeder Kaffeetafel schnell verschwindet, weil er frisch und cremig zugleich ist.",
    "Für den Mürbeteig:", "125 g Mehl", "65 g Zucker", "65 g Margarine oder Butter", "1 Ei", "1 TL Backpulver",
    "Für die Füllung:", "500 ml Milch", "2 Pck. Vanillepuddingpulver",
    "Impressum", "Datenschutz", "Kontakt", "Jobs", "Newsletter"])


def test_a_recipe_keeps_its_ingredient_list_and_its_labels():
    # "125 g Mehl" read as a menu item (p 0.03-0.26) on a German recipe page
    out = Cleaner().clean(Document("r", RECIPE)).text.splitlines()
    assert out[-9:] == RECIPE.splitlines()[7:16]
    assert "Datenschutz" not in out


@pytest.mark.parametrize("lines, lists", [
    (["125 g Mehl", "65 g Zucker", "1 Ei"], [(0, 2)]),
    (["2 tbsp olive oil", "For the sauce:", "1 ½ cups stock", "3 cloves garlic"], [(0, 3)]),
    (["125 g Mehl", "65 g Zucker"], []),                           # two lines: a price, a weight
    (["125 g Mehl", "a", "b", "c", "65 g Zucker", "1 Ei"], []),   # too far apart
    (["3G wireless", "4G LTE", "30 Small Bedrooms Ideas"], []),    # units are case sensitive
    (["2 ст. л. муки", "1 ч. л. соли", "1 c. flour"], [(0, 2)]),    # units that end in a full stop
])
def test_an_ingredient_list_is_three_quantity_lines_close_together(lines, lists):
    assert _runs(lines)[1] == lists


def test_steps_far_apart_are_no_run():
    # Twelve lines of furniture between "Step 2" and "Step 3" were given back
    # as if a step's; a step holds at most MAX_STEP_LINES lines.
    from scrubber.howto import MAX_STEP_LINES

    furniture = [f"Link {i}" for i in range(MAX_STEP_LINES + 2)]
    lines = ["Step 1", "Cut it.", "Step 2", "Cook it.", *furniture, "Step 3", "Serve it."]
    assert _runs(lines)[0] == []
    assert _runs(["Step 1", "Cut it.", "Step 2", "Cook it.", *furniture[:5], "Step 3", "Serve it."])[0] == [[0, 2, 9]]


def test_explain_says_why_a_line_the_classifier_took_stayed():
    # A given-back step showed as kept with p=0.04 and no reason.
    from scrubber.explain import explain_document

    shown = explain_document(Cleaner(), Document("a", PAGE))
    assert "Water it well.   [classifier p=0.0" in shown and "; kept: numbered steps]" in shown
    recipe = explain_document(Cleaner(), Document("r", RECIPE))
    assert "125 g Mehl   [classifier p=" in recipe and "; kept: ingredient list]" in recipe
