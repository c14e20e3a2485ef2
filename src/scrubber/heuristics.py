"""Furniture that no pattern names, recognised by its shape.

Each heuristic looks at the lines that survived the rules and marks more of
them dead, recording why under ``heuristic:<name>``. They work in place on
``lines`` (the document's lines) and ``alive`` (whether each is kept) so
that the cleaner can run them in sequence without copying.
"""

from __future__ import annotations

import re
from itertools import accumulate
from typing import Callable

import re2

from . import scripts
from .document import Removal

Heuristic = Callable[[list[str], list[bool], list[Removal]], None]

#: How far into a document the top-of-page heuristics look, in non-empty lines.
HEAD_LINES = 8
#: A line at least this long reads as article body, not a header.
BODY_WORDS = 12
#: Lines before the headline at most this long are site names and taglines.
FURNITURE_WORDS = 6
#: Longest line the repeated-title heuristic treats as a title.
TITLE_WORDS = 20
#: Sentence ends: Latin, Cyrillic and Greek (and closing quotes), the CJK
#: full stop and marks, the Arabic question mark, the Devanagari danda, the
#: Urdu, Khmer, Myanmar, Ethiopic and Armenian full stops and the Tibetan shad.
SENTENCE_END = (".", "!", "?", "\u201d", '"', "\u3002", "\uff01", "\uff1f", "\u061f", "\u0964",
                "\u06d4", "\u17d4", "\u17d5", "\u104b", "\u1362", "\u0589", "\u0f0d")
#: Thai and Lao end a sentence with a space, not a mark: a line that ends
#: in their letters may end a paragraph.
_UNMARKED_END = ("\u0e00", "\u0eff")
_ENDS = frozenset(SENTENCE_END)
#: A line of this many words that ends in a full stop is a sentence of the
#: article (a standfirst, a short first paragraph), not the header's
#: headline: a headline is not punctuated so.
LEAD_WORDS = 7
_FULL_STOPS = (".", "\u3002", "\u0964", "\u06d4")


def _head(lines: list[str], alive: list[bool]) -> list[int]:
    """Indices of the first non-empty kept lines."""
    out = []
    for i, line in enumerate(lines):
        if alive[i] and line:
            out.append(i)
            if len(out) == HEAD_LINES:
                break
    return out


_words = scripts.words


def body_line(line: str) -> bool:
    """Whether ``line`` reads as an article's paragraph: at least BODY_WORDS
    words, ending a sentence; twice as many where no mark tells the end
    (a Thai or Lao letter), since a line of menu links ends so too."""
    # the end first: counting words takes two regex calls on a line outside ASCII
    end = line.rstrip()[-1:]
    if end and end in _ENDS:
        return _words(line) >= BODY_WORDS
    return _UNMARKED_END[0] <= end <= _UNMARKED_END[1] and _words(line) >= 2 * BODY_WORDS


def repeated_title(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """A heading printed twice in a row at the top (page title, then article
    title) is kept once: the first copy stays."""
    prev = None
    for i in _head(lines, alive):
        key = lines[i].casefold()
        if key == prev and _words(lines[i]) <= TITLE_WORDS:
            alive[i] = False
            removals.append(Removal("heuristic:repeated-title", i + 1, lines[i]))
        prev = key


def _lead_sentence(line: str) -> bool:
    stripped = line.rstrip()
    return (stripped.endswith(_FULL_STOPS) and not stripped.endswith("...")
            and _words(stripped) >= LEAD_WORDS)


def _wrapped(line: str, following: str) -> bool:
    """Whether ``line`` is the first of a paragraph broken across lines (the
    next line goes on in lower case): body, not a header line."""
    return _words(line) >= LEAD_WORDS and following[:1].islower()


#: A line that opens a numbered clause or step ("1. Acceptance of Terms",
#: "§ 1 Geltungsbereich", "2.1. …", "第一条 总则", "第1条（適用）"), or a
#: short label before a colon ("Q: …", "Frage: …", "Вопрос: …", "问：…",
#: "Cook time: 45 minutes"): with the label, group 1.
_ITEM = re.compile(r"^\W{0,2}(?:(?:§+\s*\d+[a-z]?\.?|\d{1,3}(?:\.\d{1,3})*[.)])\s+(?=[^\W\d_])"
                   r"|第\s*[\d一二三四五六七八九十百]+\s*[条條章節节款項项])"
                   r"|^([^\W\d_][^\s:：]*(?:\s[^\s:：]+){0,2})\s*[:：](?!//)\s*(\S.*)$")
#: A field's value: a small number and its unit at most ("20 minutes",
#: "6", "2 часа"); a year or a longer code is a date line's or an id's.
_FIELD_VALUE = re.compile(r"^[~≈]?\d{1,3}(?:[.,]\d{1,2})?(?:\s*[^\W\d_]+\.?)?$")
#: How a line of verse or of a list breaks off: a headline does not end so.
_RUNNING_ON = (",", ";", "\uff0c", "\u3001", "\uff1b", "\u060c")


def _opens_text(line: str, i: int, last: dict[str, int]) -> bool:
    """Whether ``line`` (at ``i``) is where a document's own text begins,
    below its title: an item of a series (numbered or labelled like a line
    below it, ``last``: a contract's clauses, an FAQ's questions) or a field
    with a number ("Prep time: 20 minutes", "Порций: 6"). Such a line is
    not a headline, so what stands above it is the document's title, not a
    site's name: recipes, terms of use and FAQs lost their titles to the
    header's lines before them (2026-12 genre audit)."""
    m = _ITEM.match(line)
    if m is None:
        return False
    if m[1] is not None and _FIELD_VALUE.match(m[2]):
        return True
    key = _series(m)
    return key is not None and last.get(key, -1) > i


def _series(m: re.Match) -> str | None:
    """The key an ``_ITEM`` match shares with the other items of its
    series: "#" for a numbered clause, a one-word label ("Q", "Frage",
    "Вопрос"), None for a longer label (a headline's "The Hyundai Elantra:"
    recurs in teasers below it)."""
    if m[1] is None:
        return "#"
    return m[1].casefold() if " " not in m[1] else None


def _last_items(lines: list[str], alive: list[bool]) -> dict[str, int]:
    """Each series' last kept line (see ``_series``)."""
    last = {}
    for j, line in enumerate(lines):
        if alive[j] and line:
            m = _ITEM.match(line)
            if m is not None:
                last[_series(m)] = j
    return last


_BYLINE = re.compile(r"(?i:by|von|par|por|di|door|przez|av|af)\s+([^\W\d_])"
                     r"|(?i:posted|published|updated|written)\s+(?:on|by|at|in)\b")


def _byline(line: str) -> bool:
    """Whether ``line`` opens as a byline does: "By Jane Doe", "Von Anna
    Schmidt", "Posted on May 12, 2024 by Julia"."""
    m = _BYLINE.match(line)
    return bool(m) and (m.group(1) is None or m.group(1).isupper())


def head_furniture(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """Short lines above the headline are the site's name, tagline or nav.

    The header block is the run of short lines before the first body line
    (one of BODY_WORDS words, a sentence of LEAD_WORDS ending in a full
    stop, the first line of a hard-wrapped paragraph, or a line where the
    document's own text begins, ``_opens_text``); its headline is
    the longest line in it that does not end in a colon. Shorter lines before the
    headline that do not end a sentence go; lines after it (bylines,
    datelines, standfirsts) stay, since they belong to the article.
    """
    block = []
    head = _head(lines, alive)
    for k, i in enumerate(head):
        if (_words(lines[i]) >= BODY_WORDS or _lead_sentence(lines[i])
                or (k + 1 < len(head) and _wrapped(lines[i], lines[head[k + 1]]))):
            break
        block.append(i)
    else:
        return  # no body line near the top: not an article layout we know
    # Where the document's own text begins, the header ends: cutting the
    # block there only ever spares lines (the headline is then the longest
    # of fewer lines, and no line before it was not before the old one).
    last: dict[str, int] | None = None
    for k, i in enumerate(block[1:], 1):
        if _ITEM.match(lines[i]):
            last = _last_items(lines, alive) if last is None else last
            if _opens_text(lines[i], i, last):
                block = block[:k]
                break
    # A line ending in a colon introduces what follows ("Reuters adds:").
    # A line ending in a comma or a semicolon runs on into the next (verse,
    # a list): not a headline either.
    # A byline or a "Posted on … by …" line may be longer than the headline
    # above it, and is no headline either.
    titles = [i for i in block if not lines[i].rstrip().endswith((":", "\uff1a") + _RUNNING_ON)
              and not _byline(lines[i])]
    if len(block) < 2 or not titles:
        return
    headline = max(titles, key=lambda i: _words(lines[i]))
    h_words = _words(lines[headline])
    if h_words < 3:
        return
    for i in block:
        if i == headline:
            break
        w = _words(lines[i])
        if w < h_words and w <= FURNITURE_WORDS and not lines[i].endswith(SENTENCE_END):
            alive[i] = False
            removals.append(Removal("heuristic:head-furniture", i + 1, lines[i]))


#: What a comment thread prints around each comment: its actions
#: ("Reply", "Permalink", "Report abuse"), its author line ("Bob says:"),
#: and a stamp of when it was posted ("July 23, 2012 at 4:39 am",
#: "3 hours ago"); and the heading above it ("37 Responses to ...").
#: Actions and author verbs in the languages most common in crawls.
_ACTIONS = frozenset((
    "reply", "permalink", "report", "report abuse", "report comment", "report this", "flag",
    "quote", "like", "recommend", "reply to this comment", "link to this comment",
    "antworten", "melden", "répondre", "signaler", "responder", "denunciar", "rispondi",
    "segnala", "reageren", "beantwoorden", "odpowiedz", "ответить", "пожаловаться", "返信", "返信する"))
_COUNTED_ACTION = re.compile(r"(?i)^\d+ (?:likes?|points?|replies|votes?)$")
_AUTHOR = re.compile(r"(?i)\s(says|said|wrote|writes|replied|commented|sagt|schreibt|schrieb|"
                     r"dit|a écrit|dice|escribió|escreveu|scrive|ha scritto|schreef|"
                     r"napisał|написал|пишет)\s*:$")
#: A clause that reports speech after a comma ("…, the spokesperson said.",
#: "…, sagte ein Sprecher.", "…, précise l'éditeur."): a line that holds one
#: is the article quoting someone, whatever furniture its words name
#: ("Comments are moderated, the regulator said, …"), the comma also inside
#: the quotation's closing mark (“…,” a spokeswoman said). Cleaner checks it only
#: when a line or tail rule has matched. A line ending in a colon is a
#: byline ("Smith, John said:"), not speech.
REPORTED_SPEECH = re.compile(
    r"(?i)[,，][\"”“»«’]?\s*(?:[^\W\d_][\w'’.-]*\s+){0,4}?"
    r"(?:said|says|say|told|added|explained|admitted|according to|"
    r"sagte|sagt|erklärte|betonte|schrieb|hieß es|"
    r"a dit|dit|précise|a précisé|a expliqué|explique|a déclaré|déclare|selon|a ajouté|lança|a lancé|"
    r"dijo|dice|explicó|afirmó|aseguró|señaló|según|añadió|"
    r"disse|diz|afirmou|explicou|admitiu|segundo|acrescentou|"
    r"ha detto|ha spiegato|ha ammesso|ha affermato|ha aggiunto|secondo|"
    r"zei|zegt|aldus|volgens|powiedział|powiedziała|według|dodał|dodała|"
    r"сказал|сказала|заявил|заявила|напомнил|напомнила|отметил|отметила|по словам|"
    r"сказав|заявив|зазначив|за словами|dedi|söyledi|açıkladı)\b(?!.*:\s*$)")
_CLOCK = re.compile(r"\d{1,2}[:.h]\d{2}\b")
#: Past-tense verbs of ``_AUTHOR`` that also introduce a quotation in a
#: story ("In 1914 the eldest brother wrote:"): without a time of day on
#: the line (``_CLOCK``), such lines alone do not make a thread.
_QUOTING = frozenset(("said", "wrote", "replied", "schrieb", "a écrit", "escribió", "escreveu",
                      "ha scritto", "schreef", "napisał", "написал"))
_ACTION_AFTER_BAR = re.compile(r"(?i)\|\s*(?:permalink|reply|antworten|répondre|responder|rispondi)\s*$")
_COMMENT_STAMP = re.compile(
    r"(?i)\b\d{4}\b.{0,12}?\b\d{1,2}:\d{2}|\b\d{1,2}[./-]\d{1,2}[./-]\d{2}\b.{0,12}?\b\d{1,2}:\d{2}"
    r"|\b\d+\s+(?:minutes?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|\bvor\s+\d+\s+(?:minuten|stunden|tagen|wochen|monaten|jahren)\b"
    r"|\bil y a\s+\d+\s+(?:minutes?|heures?|jours?|semaines?|mois|ans?)\b"
    r"|\bhace\s+\d+\s+(?:minutos?|horas?|días?|semanas?|meses|años?)\b")
#: A numbered comment's header: "12. Greg - October 26, 2012",
#: "3. Joel Leigh - 29 August, 2011". The number and the date after a dash
#: are what tell it from a numbered list item or a reference.
_MONTH = (r"(?:jan|ene|gen|feb|fév|fev|mar|mär|apr|avr|abr|may|mai|mei|mag|jun|jui|giu|jul|lug|aug|aoû|ago|"
          r"sep|set|oct|okt|ott|nov|dec|dez|déc|dic)[^\W\d_]*\.?")
_NUMBERED_HEAD = re.compile(
    rf"(?i)^#?\d{{1,4}}[.)]\s+\S.{{0,60}}?\s[-\u2013\u2014|]\s+"
    rf"(?:{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}|\d{{1,2}}\.?\s+(?:de\s+)?{_MONTH},?\s+(?:de\s+)?\d{{4}}"
    rf"|\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}})$")
_HEAD_WORD = (r"(?:comments?|responses?|replies|kommentar(?:e|er)?|commentaires?|comentari\w*|comentários?|"
              r"commenti|reacties|komentar\w*|komentář\w*|комментари\w*|ответ\w*|коментар\w*|"
              r"yorum(?:lar)?|kommentit|kommentti\w*|hozzászólás\w*|kommentek|σχόλι[αο]|"
              r"댓글|التعليقات|تعليقات|تعليق|نظرات|دیدگاه\w*|bình luận|コメント)\b")
#: "23 Comments ...", or a bare "Comments" / "Reader comments (12)" heading.
_COMMENT_HEAD = re.compile(rf"(?i)^\W*(?:(?:\d+|no|one|two|three)\s+{_HEAD_WORD}|(?:reader\s+)?{_HEAD_WORD}[\W\d]*$)")
#: Longest line that can be a comment's header or action line, in words.
MARK_WORDS = 14
#: Most non-empty lines between two marks of one thread (a comment's text).
MARK_GAP = 12
#: Fewest marks besides headings that make a thread, and fewest actions
#: among them when it has no heading.
THREAD_MARKS = 3
THREAD_ACTIONS = 2
#: A thread's first mark this many lines above the next, and twice its
#: typical gap, is not the thread's (see ``_thread``).
LEAD_GAP = 4
#: A run of marks without heading or actions still is a thread when it
#: starts at most this many non-empty lines below a "Comments" heading
#: whose own run fell short (a long first comment broke it).
HEAD_GAP = 2 * MARK_GAP


#: Menu and breadcrumb separators: a line with two of them is a trail
#: ("Forum > iPhone > Topic ?"), not body text, however long it is.
_SEPARATOR = re.compile(r"\s[>|»›•/]\s")


def _trail(line: str) -> bool:
    return len(_SEPARATOR.findall(line)) >= 2


def _no_comments(line: str) -> bool:
    """A comment heading that counts none ("Kommentare 0", "No comments"):
    under a post it is a link, and it heads no thread."""
    digits = [c for c in line if c.isdigit()]
    return (bool(digits) and set(digits) == {"0"}) or line.lstrip(" ({[").lower().startswith("no ")


def _mark(line: str) -> str | None:
    """The kind of comment furniture ``line`` looks like ("author",
    "action", "head", "stamp"), or None. Tests on single characters decide
    which patterns to try at all."""
    if line.count(" ") >= MARK_WORDS:
        return None
    first, last = line[0], line[-1]
    author = _AUTHOR.search(line) if last == ":" else None
    if author:
        # "Anna says:" (WordPress) or a byline with its time is a
        # comment's; "His mother replied:" may only quote a letter
        quoting = author[1].lower() in _QUOTING and not _CLOCK.search(line)
        return "author" if quoting else "action"
    if ((len(line) < 22 and line.lower() in _ACTIONS)
            or ("|" in line and _ACTION_AFTER_BAR.search(line))
            or (first.isdigit() and _COUNTED_ACTION.match(line))):
        return "action"
    if (not first.isalpha() or first in _MARK_HEAD_FIRST) and _COMMENT_HEAD.match(line):
        return None if _no_comments(line) else "head"
    if (first.isdigit() or first == "#") and _NUMBERED_HEAD.match(line):
        return "stamp"
    if ((":" in line or " ago" in line or "vor " in line or "il y a " in line or "hace " in line)
            and _COMMENT_STAMP.search(line)):
        return "stamp"
    return None


def _fold(words: str) -> str:
    """``words`` (lower case) for an RE2 pattern that ignores case as
    Python's ``re`` does: RE2 does not take Turkish dotless ı or dotted İ
    for "i"."""
    return words.replace("i", "[iıİ]")


#: Stems of ``_HEAD_WORD``'s words (and "thoughts", of ``_COUNT_HEAD``):
#: a comment heading of any kind holds one.
_HEAD_STEMS = ("comment|coment|koment|komment|respons|replies|reacties|комментари|ответ|коментар|"
               "yorum|hozzászólás|σχόλι|댓글|تعليق|نظرات|دیدگاه|bình luận|コメント|thoughts")


def _hints(*parts: str):
    options = re2.Options()
    options.log_errors = False
    return re2.compile("(?m)" + "|".join(parts), options)._regexp


#: What every line ``_mark`` marks holds, looser: an author's colon at
#: the end, a comment action alone or after a bar, a count of likes, a
#: numbered comment's number, a clock or a relative time ("3 hours ago",
#: "vor 2 Tagen"), a heading's word. One RE2 search over the page finds
#: such lines, so ``_mark`` runs on a few lines of a page, not on each.
_TIME_WORDS = "(?i:ago|vor|" + _fold("il y a") + "|hace)"
_MARK_HINTS = _hints(
    ":$",
    "^(?i:" + _fold("|".join(map(re.escape, sorted(_ACTIONS, key=len, reverse=True)))) + ")$",
    r"\|[^\n]*(?i:" + _fold("permalink|reply|antworten|répondre|responder|rispondi") + ")",
    r"^\p{N}+ (?i:" + _fold("like|point|replie|vote") + ")",
    r"^#?\p{N}{1,4}[.)]",
    r"\p{N}:\p{N}| ago|vor |il y a |hace ",
    f":[^\\n]*{_TIME_WORDS}|{_TIME_WORDS}[^\\n]*:",
    "(?i:" + _fold(_HEAD_STEMS) + ")")
#: The same for ``comment_heading``'s headings: a heading's word.
_HEADING_HINTS = _hints("(?i:" + _fold(_HEAD_STEMS) + ")")
_UNANCHORED = re2._re2.RE2.Anchor.UNANCHORED


def _hinted(lines: list[str], hints) -> list[int]:
    """Indices of the ``lines`` that hold a match of ``hints`` (see
    ``_MARK_HINTS``), ascending."""
    text = "\n".join(lines).encode()
    out, pos, i, end = [], 0, 0, len(text)
    while pos < end:
        at = hints.Match(_UNANCHORED, text, pos, end)[0][0]
        if at < 0:
            break
        i += text.count(b"\n", pos, at)
        out.append(i)
        pos = text.find(b"\n", at) + 1
        if pos == 0:
            break
        i += 1
    return out


#: What a quotation opens with, on the line after "The Times writes:".
_OPENING_QUOTES = ('"', "\u201c", "\u201e", "\u00ab", "\u2018", "\u201a", "\u00bb", "'", "\u300c")


def _marks(lines: list[str]) -> list[tuple[int, str]]:
    """(index, kind) of the lines that look like a comment's furniture.
    A speaker line ("The Times writes:", "Mark Harper said:") over a line
    that opens a quotation introduces the quotation, as a press review or
    a news story prints it; a comment under its author is not quoted."""
    out = []
    for i in _hinted(lines, _MARK_HINTS):
        kind = _mark(lines[i])
        if kind is not None:
            if kind in ("author", "action") and lines[i].endswith(":") and quoted_next(lines, i):
                continue
            out.append((i, kind))
    return out


#: A tail rule's heading over this many article paragraphs, with no
#: comment furniture among the lines below, heads a section of the
#: article ("Add a comment" in a how-to, "Vos réactions" over quoted
#: readers), not a thread or a form (``prose_follows``).
TAIL_PROSE, TAIL_LOOK = 2, 8


def prose_follows(lines: list[str], i: int, furniture=lambda line: False) -> bool:
    """Whether the lines after ``lines[i]`` go on as the article: the next
    non-empty one is a paragraph, TAIL_PROSE of the next TAIL_LOOK are,
    none of them a comment's furniture, and no paragraph among them holds
    a © or is what ``furniture`` (a rule) would take."""
    below = [line for line in lines[i + 1:i + 1 + 4 * TAIL_LOOK] if line][:TAIL_LOOK]
    prose = [body_line(line) for line in below]
    if not below or not prose[0] or sum(prose) < TAIL_PROSE or any(map(_mark, below)):
        return False
    # a paragraph with a © is a footer's (the page's end), or what a rule takes
    return not any("\u00a9" in line or furniture(line) for line, p in zip(below, prose) if p)


def quoted_next(lines: list[str], i: int) -> bool:
    """Whether the next non-empty line after ``lines[i]`` opens a quotation."""
    for j in range(i + 1, min(len(lines), i + 3)):
        if lines[j]:
            return lines[j].lstrip().startswith(_OPENING_QUOTES)
    return False


def comment_thread(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """A comment thread under the article goes, to the end of the page.

    A thread is a run of comment marks (see ``_marks``) recurring every
    few lines, with some actions or a "N Comments" heading among them:
    time stamps alone are also how a live blog prints its entries.
    Comments read like prose, so neither length nor stop words tell them
    from the article; their furniture does. The first such run is the
    thread (a long comment can break the run; later runs are more of it),
    and it must start below body text: a paragraph that ends a sentence,
    not a breadcrumb trail, unless the thread opens with its "N Comments"
    heading. So a page that is all thread (a forum: menus, then the
    question and its answers) is left to the classifier, which keeps such
    pages. A heading that counts no comments ("Kommentare 0")
    is a link under a post, not a thread's heading.
    """
    marks = _marks(lines)
    if len(marks) < THREAD_MARKS:
        return
    # non-empty lines before each line, to measure gaps in lines that hold text
    rank = list(accumulate(map(bool, lines), initial=0))
    thread, run, head = None, [marks[0]], None
    for m in marks[1:] + [None]:
        if m is not None and rank[m[0]] - rank[run[-1][0]] <= MARK_GAP:
            run.append(m)
            continue
        thread = _thread(run, rank)
        if thread is None and head is not None and rank[run[0][0]] - rank[head[0]] <= HEAD_GAP:
            # The comments under a heading, after a first comment too long
            # to keep the run going: the heading's run had too few marks.
            thread = _thread(run, rank, headed=True)
            if thread is not None:
                thread = [head] + thread
        if thread is not None or m is None:
            break
        heads = [x for x in run if x[1] == "head"]
        head = heads[-1] if heads else None
        run = [m]
    if thread is None:
        return
    start = thread[0][0]
    above = [lines[i] for i in range(start) if alive[i] and lines[i]]
    if thread[0][1] == "head":
        # "12 Comments" says what follows; a post of a title and a byline is enough above it
        if sum(map(_words, above)) < BODY_WORDS:
            return
    elif not any(body_line(line) and not _trail(line) for line in above):
        return
    for i in range(start, len(lines)):
        if alive[i] and lines[i]:
            alive[i] = False
            removals.append(Removal("heuristic:comment-thread", i + 1, lines[i]))


def _thread(run: list[tuple[int, str]], rank: list[int],
            headed: bool = False) -> list[tuple[int, str]] | None:
    """``run`` without its leading marks that stand apart from the rest
    (an article's dateline or comment count sits a whole article above
    the first comment), if it then reads as a thread: enough marks besides
    headings, and actions or a heading among them."""
    gaps = [rank[b[0]] - rank[a[0]] for a, b in zip(run, run[1:])]
    if gaps:
        typical = sorted(gaps)[len(gaps) // 2]
        while gaps and gaps[0] > max(LEAD_GAP, 2 * typical):
            run, gaps = run[1:], gaps[1:]
    kinds = [k for _, k in run]
    heads = kinds.count("head")
    # Headings alone ("Comments (0)" under each post) are a blog's front page.
    actions = kinds.count("action") + kinds.count("author")
    if len(run) - heads < THREAD_MARKS or (actions < THREAD_ACTIONS and not (heads or headed)):
        return None
    # Lines that introduce a quotation ("His mother replied:", "Thomas Mann
    # schrieb:") are all a letters story has; a thread has a time stamp, a
    # "Reply" or a heading among its authors too.
    if kinds.count("author") == len(run):
        return None
    return run


#: A comment count as a heading of its own, however the page decorates it
#: ("{ 167 comments }", "20 Comments +", "3 Kommentare:", "Comments (12)",
#: "Reader comments 97"), or naming the post ("11 comments to What
#: Advocates Can Learn", "23 thoughts on “Title”", WordPress's own heading;
#: not a sentence that starts so, "12 replies to the consultation came
#: in.", nor a survey's or an exercise's label, "Responses: 8124", "Ответ:
#: 42"). A count of none heads no thread.
_COUNT_HEAD = re.compile(rf"(?i)^\W*(?:(?:[1-9]\d*|one)\s+{_HEAD_WORD}\W*"
                         rf"|(?:reader\s+)?(?!(?:responses?|replies|ответ\w*)\s*:){_HEAD_WORD}\W*[1-9]\d*\W*"
                         rf"|[1-9]\d*\s+(?:{_HEAD_WORD}|thoughts\b)\s+(?:on|to|about)\s.*[^.])$")
#: Longest line that can be such a heading, in characters.
COUNT_HEAD_CHARS = 200
#: Body paragraphs (kept lines of BODY_WORDS words ending a sentence) that
#: must stand above a comment count before it reads as a thread's heading:
#: above the article the same count is a byline's, and a page's header
#: often holds a paragraph or two of blurb before it.
COUNT_HEAD_BODY = 3
#: A bare "Comments" heading, plural: the singular heads a comment form or
#: a section of an article's notes ("COMMENT") as often as a thread.
_BARE_HEAD = re.compile(r"(?i)^\W*(?:reader\s+)?(?:comments|kommentare|commentaires|comentarios|comentários|"
                        r"commenti|reacties|komentarze|комментарии|коментарі|komentáře|kommentarer|"
                        r"yorumlar|komentar|kommentit|hozzászólások|kommentek|comentarii|σχόλια|"
                        r"댓글|التعليقات|تعليقات|نظرات|bình luận)\W*$")
#: Longest line that can be a bare heading, in characters.
BARE_HEAD_CHARS = 24
#: COUNT_HEAD_BODY for a bare heading: the word alone is also a link in
#: the menus and bylines of a page's header.
BARE_HEAD_BODY = 5
#: A page that prints comment headings of any kind (``_COMMENT_HEAD``'s,
#: counts of none too) more often than this is a list of posts, a blog's
#: front page with "3 Comments" or "Comments (0)" under each: it stays.
#: An article prints its count up to three times (under the headline, on
#: a tab, over the thread): at two, a cleaneval article kept its thread.
HEAD_REPEATS = 3


def comment_heading(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """A comment heading on a line of its own, below the article's first
    few paragraphs, heads the thread: it and everything after it go.

    The ``comment-section`` rule knows such headings in a page's last
    lines; a thread of a hundred comments puts its heading far above them,
    where only the article above it tells it from a byline's count. A
    bare "Comments" is also a menu's link, so it needs more article above it,
    and a section's heading when article paragraphs follow it (``_over_prose``).
    """
    body, j = 0, 0  # body paragraphs above line j (counted up to BARE_HEAD_BODY)
    for i in _hinted(lines, _HEADING_HINTS):
        line = lines[i]
        while j < i and body < BARE_HEAD_BODY:  # past it, how many more makes no difference
            if alive[j] and lines[j] and body_line(lines[j]):
                body += 1
            j += 1
        if not alive[i]:
            continue
        # The first character and the length decide whether the patterns are
        # tried at all. A heading that starts with a letter is a short one
        # ("One comment", "Comments (12)"); only a count with a title is long.
        if (body >= COUNT_HEAD_BODY
                and (not line[0].isalpha() or (len(line) <= BARE_HEAD_CHARS and line[0] in _HEADING_FIRST))
                and _thread_heading(line, body)):
            if _over_prose(line, lines, alive, i):
                continue
            if _headings(lines) <= HEAD_REPEATS:
                for k in range(i, len(lines)):
                    if alive[k] and lines[k]:
                        alive[k] = False
                        removals.append(Removal("heuristic:comment-heading", k + 1, lines[k]))
            return


#: Heading words that head a thread only as a page's last line: as a bare
#: heading further up, "コメント" and "留言" are also links in a page's menus
#: (a Chinese blog's guestbook), "评论" and "評論" an article's commentary.
_LAST_WORD = re.compile(r"^\W*(?:コメント|留言|评论|評論)\W*$")


def trailing_heading(lines: list[str], alive: list[bool], removals: list[Removal]) -> None:
    """A comment heading left as the last line a page keeps heads nothing:
    the thread under it went (to the rules, the classifier) or never came,
    and "Commentaires" or "Comments (3)" would end the article. It goes
    too, unless it is all the page keeps or the page is a list of posts
    (``HEAD_REPEATS``). Run once the classifier has read the page
    (``Cleaner``), as part of ``comment-heading``."""
    i = len(lines) - 1
    while i >= 0 and not (alive[i] and lines[i]):
        i -= 1
    if i <= 0:
        return
    line = lines[i]
    if not ((len(line) <= COUNT_HEAD_CHARS and _COUNT_HEAD.match(line))
            or (len(line) <= BARE_HEAD_CHARS and (_BARE_HEAD.match(line) or _LAST_WORD.match(line)))):
        return
    # On a list of posts each post's count is a link, the last one's too.
    if any(alive[j] and lines[j] for j in range(i)) and _headings(lines) <= HEAD_REPEATS:
        alive[i] = False
        removals.append(Removal("heuristic:comment-heading", i + 1, line))


#: Letters a heading can start with: "one", and the first letters of
#: ``_HEAD_WORD``'s words ("Comments (12)", "Reader comments 97").
_HEADING_FIRST = "OoCcKkRrКкОоYyHhBbΣσ댓اتندコ"
#: The same for ``_COMMENT_HEAD`` as ``_marks`` tries it, with "no", "two"
#: and "three" ("No comments", "Two responses").
_MARK_HEAD_FIRST = frozenset(_HEADING_FIRST + "NnTt")


def _thread_heading(line: str, body: int) -> bool:
    """Whether ``line``, with ``body`` paragraphs above it, heads a comment
    thread (see ``comment_heading``)."""
    if len(line) <= COUNT_HEAD_CHARS and _COUNT_HEAD.match(line):
        return True
    return body >= BARE_HEAD_BODY and len(line) <= BARE_HEAD_CHARS and _BARE_HEAD.match(line) is not None


#: Article paragraphs (``body_line``) right below a bare heading word that
#: make it a section's heading: "Bình luận" is also "analysis" in
#: Vietnamese, "Kommentar" an op-ed's. A thread opens with a name, a date,
#: a reply line or a form; with a comment of a paragraph or more, at most
#: one paragraph comes before its author's line. Over the four sets' input
#: lines this spared one heading, on a blog's front page.
PROSE_BELOW = 2


def _over_prose(line: str, lines: list[str], alive: list[bool], i: int) -> bool:
    """Whether ``line`` (at ``i``), a heading word without a count, stands over
    PROSE_BELOW article paragraphs, or only paragraphs down to the page's
    end: a section of the article, not a thread.
    A section may open with one short sentence ("Rates alone are not
    enough."); a thread opens with a name, a date or an action."""
    if _COUNT_HEAD.match(line):
        return False
    below = 0
    opener = True
    for j in range(i + 1, len(lines)):
        if not (alive[j] and lines[j]):
            # a comment's stamp or author line that a rule took first
            if lines[j] and _mark(lines[j]) is not None:
                return False
            continue
        if not body_line(lines[j]):
            if not (opener and _short_sentence(lines[j])):
                return False
            opener = False
            continue
        opener = False
        below += 1
        if below == PROSE_BELOW:
            return True
    return below > 0  # prose to the page's end: no name, date or action of a thread


def _short_sentence(line: str) -> bool:
    return (line.rstrip().endswith(_FULL_STOPS + ("!", "?")) and _words(line) >= 3
            and _mark(line) is None)


def _headings(lines: list[str]) -> int:
    """How many of ``lines`` read as a comment heading of any kind."""
    return sum(1 for i in _hinted(lines, _HEADING_HINTS)
               if lines[i].count(" ") < MARK_WORDS and _COMMENT_HEAD.match(lines[i]))


#: Name -> heuristic, in the order they run. Names are what ``--disable``
#: takes and what the run summary counts (as ``heuristic:<name>``).
HEURISTICS: dict[str, Heuristic] = {
    "repeated-title": repeated_title,
    "head-furniture": head_furniture,
    "comment-thread": comment_thread,
    "comment-heading": comment_heading,
}
#: Those of them whose lines go only once the classifier has read the
#: page (``Cleaner`` runs them on a copy before it and drops what they
#: found after it): the classifier was trained on whole pages, and on a
#: page cut short at a comment heading it read the furniture left at the
#: new end as the article's last lines (cut before it, 31 dragnet training
#: pages changed, 19 for the worse; cut after it, 7, none for the worse).
AFTER_CLASSIFIER = frozenset({"comment-heading"})
