"""Small deterministic texts for the deduplication tests.

``article(n)`` is a distinct made-up news article for each ``n``: sentences
of common words drawn with a fixed seed, so that two articles share no
5-word sequence by chance while a test can still cut, copy and decorate
them the way syndication does.
"""

import json
import random

WORDS = ("the council city plan north south river bridge road train station school "
         "minister report police court judge market price energy water storm farm "
         "village museum team coach season player match goal club fans ticket "
         "doctor hospital patient nurse study research students teacher mayor vote "
         "election party leader budget tax workers union strike factory company "
         "profit shares bank loan housing rent airport flight weather summer winter "
         "festival music film actor singer award book author library garden park "
         "forest fire rescue island coast harbour ship fishing boat bird species").split()

#: The same site furniture around every page of one made-up site.
FURNITURE_TOP = ["The Harbour Times", "Home", "News", "Sport", "Weather", "Opinion",
                 "Skip to main menu"]
FURNITURE_BOTTOM = ["Most popular this week", "Contact the newsroom", "Advertise with The Harbour Times",
                    "The Harbour Times is published by Coastline Media Group, registered in the county.",
                    "All rights reserved by Coastline Media Group and its partners.",
                    "Our reporters follow the editors code and correct mistakes within two working days of a complaint.",
                    "Sign up for the morning briefing and get the day's top stories from the coast in your inbox."]


def sentences(n: int, count: int = 8) -> list[str]:
    rng = random.Random(n)
    out = []
    for _ in range(count):
        words = [rng.choice(WORDS) for _ in range(rng.randint(12, 20))]
        out.append(" ".join(words).capitalize() + ".")
    return out


def article(n: int, count: int = 8) -> str:
    """A headline and paragraphs of two sentences."""
    s = sentences(n, count)
    rng = random.Random(-n - 1)
    head = " ".join(rng.choice(WORDS) for _ in range(6)).title()
    return head + "\n\n" + "\n\n".join(" ".join(s[i:i + 2]) for i in range(0, len(s), 2))


def with_furniture(body: str) -> str:
    return "\n".join(FURNITURE_TOP) + "\n\n" + body + "\n\n" + "\n".join(FURNITURE_BOTTOM)


def site(tmp_path):
    """One site's pages (furniture to learn), syndicated copies with other
    furniture, exact copies, and a page the cleaning empties."""
    rows = []
    for n in range(24):
        rows.append({"id": f"a{n}", "text": with_furniture(article(n))})
    for n in range(0, 24, 3):  # near-duplicates: cut and re-wrapped by another site
        body = article(n).split("\n\n")
        rows.append({"id": f"copy{n}", "text": "Wire Service\n\n" + "\n\n".join(body[:-1])})
    rows.insert(5, {"id": "exact2", "text": rows[2]["text"]})
    rows.insert(17, {"id": "exact9", "text": with_furniture(article(9))})  # a9 has a near-copy too
    rows.insert(11, {"id": "empty", "text": "Share this:"})
    path = tmp_path / "site.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def site_furniture(s: int) -> tuple[str, str]:
    """Top and bottom furniture of made-up site ``s``: its name, a nav line,
    a newsletter prompt and a footer that name it."""
    name = f"The {['North', 'South', 'East', 'West', 'Upper', 'Lower', 'Old', 'New'][s % 8]} " \
           f"{['Courier', 'Herald', 'Gazette', 'Post', 'Echo'][s // 8 % 5]} {s}"
    top = f"{name}\nHome | News | Sport | Business | Contact"
    bottom = (f"Get the best of {name} in your inbox every morning\n"
              f"Copyright {name}. All rights reserved. Registered office at the harbour.")
    return top, bottom


def syndicated(story: str, copies: int, sites: int = 20) -> list[str]:
    """``copies`` of ``story`` as sites syndicate it: each under one of
    ``sites`` sites' furniture, with a local intro line and a local
    paragraph of its own after the first paragraph."""
    paras = story.split("\n\n")
    out = []
    for k in range(copies):
        top, bottom = site_furniture(k % sites)
        local = " ".join(sentences(10_000 + k, 2))
        body = paras[:2] + [local] + paras[2:]
        out.append(f"{top}\n\nLocal desk {k}: this story first appeared on the wire.\n\n"
                   + "\n\n".join(body) + f"\n\n{bottom}")
    return out


#: Two distinct short news paragraphs, for the library and integration tests.
LONG_ARTICLE = ("The city council voted on Tuesday to expand the tram network to the northern "
           "districts, a plan that has been debated for more than a decade. The first new "
           "line is expected to open in 2027, officials said, and will cost about 400 million "
           "euros. Residents of the affected neighbourhoods have long complained about slow "
           "buses and crowded roads during the morning rush.")
LONG_OTHER = ("A rare orchid thought to be extinct has been found growing on a hillside in the "
         "national park, botanists announced. The plant was last recorded more than sixty "
         "years ago. Park rangers will keep its exact location secret to protect it from "
         "collectors, and seeds will be stored in the regional seed bank.")
