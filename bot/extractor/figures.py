"""Figures: a quantity stated as fact, its normalised value and what it counts (DESIGN.md, "What counts").

Rules work on characters, not tokens, so offsets are exact and no tagger is needed: an amount (digits or number
words, with currency and scale) is found first, then grown to the right (percent, range, part of a whole,
"or more") and to the left (approximators), then checked against what DESIGN.md excludes (dates, years, times,
ages, durations, identifiers, list numbers, phone numbers, addresses). The counted noun is read from the words
that follow, and the subject adds the place the sentence anchors it to.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from bot.extractor.lexicon import FigureWords, Lexicon, figure_words, lexicon
from bot.extractor.patterns import trie_alternation
from bot.extractor.types import Figure

# thousands grouped by commas, or by a space: no-break, narrow no-break or thin as typeset ("8\u00a0000" in translated
# press), or a plain one where a feed's HTML was flattened to text ("8 000")
_DIGITS = (
    r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d{1,3}(?:[ \u00a0\u202f\u2009]\d{3}(?!\d))+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
)
_GROUP_MARKS = str.maketrans("", "", ", \u00a0\u202f\u2009")
_WORD_SCALES = ("hundred", "thousand", "million", "billion", "trillion")
_PERCENT = re.compile(
    r"(?:\s?%|\s+percentage\s+points?\b|-percentage-points?\b|\s+per\s?cent\b|-?percent\b|[\s-]points?\b(?=\s+(?:lead|gap|margin|drop|rise|increase|decrease|advantage)))",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|\bto\b)\s*", re.IGNORECASE)
_WHOLE_JOIN = re.compile(
    r"\s+(?:out\s+)?of\s+(?:the\s+|every\s+|each\s+|all\s+|its\s+|their\s+)?(?:[A-Za-z][\w.]*['’]s\s+)?",
    re.IGNORECASE,
)
_PRONOUN_WHOLE = re.compile(r"\s+of\s+(?:them|those|these|whom|which)\b", re.IGNORECASE)
_POST_APPROX = re.compile(r"\s+or\s+(?:more|so|less|fewer)\b|\+|-plus\b", re.IGNORECASE)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’\-]*\.?|\d[\d,.]*|[^\sA-Za-z\d]")
_RATE = re.compile(r"\s+(?:every|each|a|per)\s+(day|week|month|year|hour|minute)\b", re.IGNORECASE)
_ANCHOR = re.compile(
    r"\b(?:in|inside|into|to|from|across|near)\s+(?:the\s+)?"
    r"((?:[A-Z][\w’'.-]*)(?:[\s-](?:[A-Z][\w’'.-]*|of))*)"
    r"(?:\s+(region|oblast|area|province|city|district|border|state|county))?"
)
_ADDRESS = re.compile(
    r"\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St\.|Avenue|Ave\.?|Road|Rd\.|Boulevard|Blvd\.?|Lane)\b"
)
_CLOCK = re.compile(r"(?::\d\d|\s?(?:a\.m\.|p\.m\.|am\b|pm\b|o['’]clock|GMT|EST|ET\b|UTC))", re.IGNORECASE)
_PHONE = re.compile(r"[-.]\d{3,4}\b")

_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "from",
        "by",
        "with",
        "and",
        "or",
        "but",
        "nor",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "being",
        "has",
        "have",
        "had",
        "will",
        "would",
        "could",
        "should",
        "can",
        "may",
        "might",
        "must",
        "do",
        "does",
        "did",
        "that",
        "which",
        "who",
        "whom",
        "whose",
        "this",
        "these",
        "those",
        "it",
        "its",
        "their",
        "his",
        "her",
        "them",
        "they",
        "we",
        "he",
        "she",
        "you",
        "i",
        "as",
        "than",
        "per",
        "each",
        "every",
        "into",
        "across",
        "over",
        "under",
        "about",
        "so",
        "while",
        "since",
        "after",
        "before",
        "during",
        "including",
        "among",
        "between",
        "more",
        "less",
        "fewer",
        "most",
        "least",
        "last",
        "next",
        "ago",
        "not",
        "no",
        "also",
        "only",
        "just",
        "still",
        "already",
        "there",
        "here",
        "what",
        "when",
        "where",
        "why",
        "how",
        "if",
        "then",
        "too",
        "very",
        "such",
        "other",
        "another",
        "all",
        "any",
        "both",
        "some",
        "many",
        "much",
    ]
)


_MORE_STOPS = frozenset(["because", "although", "though", "unless", "until", "whether", "worth", "out"])
_PARTICIPLES = frozenset(
    [
        "sent",
        "held",
        "made",
        "taken",
        "given",
        "seen",
        "known",
        "left",
        "lost",
        "kept",
        "brought",
        "built",
        "found",
        "put",
        "set",
        "shot",
        "hit",
        "cut",
        "paid",
        "sold",
        "told",
        "spent",
        "won",
        "led",
        "fled",
        "flown",
        "driven",
        "drawn",
        "grown",
        "shown",
        "thrown",
    ]
)


@dataclass(frozen=True)
class _Amount:
    start: int
    end: int
    value: float
    currency: str | None
    words: bool  # spelled out ("nine million") rather than digits


@cache
def _amount_re() -> re.Pattern[str]:
    lx = lexicon()
    small = sorted((w for w in lx.units if " " not in w), key=len, reverse=True)
    tens = "|".join(lx.tens)
    word_num = rf"(?:(?:{tens})(?:[- ](?:{'|'.join(small)}))?|a\s+dozen|{'|'.join(small)})"
    scale = "|".join(_WORD_SCALES)
    currency = "|".join(re.escape(c) for c in sorted(lx.currencies, key=len, reverse=True))
    return re.compile(
        rf"(?<![\w$€£¥₴₽.,:/])(?P<cur>{currency})?\s?(?P<num>{_DIGITS}|(?i:\b{word_num}\b))"
        rf"(?P<scale>(?:[\s-]?(?i:{scale})\b)*)(?P<suffix>(?<=\d)(?:bn|mn|[kmMK])\b)?"
    )


_PERCENT_OF = re.compile(r"\s+of\s+(?:the\s+|all\s+|those\s+)?(?:[A-Za-z][\w.-]*['’]s\s+)?")
_MONEY_OF = re.compile(
    r"\s+(?:worth\s+of|of|in)\s+(?:the\s+|all\s+|new\s+|additional\s+)?(?:[A-Za-z][\w.-]*['’]s\s+)?"
)
_CENTS = re.compile(r"\s+cents?\b", re.IGNORECASE)


_DIGIT_START = re.compile(r"\d+|US\$|\.\d|[$€£¥₴₽]")


@cache
def _number_word_re() -> re.Pattern[str]:
    """Number words on lower-cased text: far cheaper than a case-insensitive scan with the full amount regex."""
    lx = lexicon()
    # no leading \b, so the engine can skip ahead by first letter; the caller checks the boundary before
    return re.compile(rf"(?:{trie_alternation([*lx.units, *lx.tens])})\b")


def _candidate_starts(text: str) -> list[int]:
    """Positions where an amount may start: the amount regex is then only tried there."""
    lowered = text.lower()
    if len(lowered) == len(text):
        found = _number_word_re().finditer(lowered)
    else:  # a few characters change length when lower-cased: keep offsets exact
        found = re.finditer(_number_word_re().pattern, text, re.IGNORECASE)
    words = [m.start() for m in found if not m.start() or not text[m.start() - 1].isalnum()]
    return sorted(set(words).union(m.start() for m in _DIGIT_START.finditer(text)))


def _word_value(words: str, lx: Lexicon) -> float:
    total = 0.0
    for part in re.split(r"[\s-]+", words.lower().strip()):
        if part in lx.tens:
            total += lx.tens[part]
        elif part in lx.units:
            total += lx.units[part]
        elif part == "a":
            continue
    return total


def _is_words(num: str) -> bool:
    return not num[0].isdigit() and num[0] != "."


def _number(num: str, lx: Lexicon) -> float:
    """The bare number before any scale: "8,000" → 8000, ".5" → 0.5, "twenty-five" → 25."""
    return _word_value(num, lx) if _is_words(num) else float(num.translate(_GROUP_MARKS))


def _parse_amount(m: re.Match[str], lx: Lexicon) -> _Amount:
    num = m.group("num")
    words = _is_words(num)
    value = _number(num, lx)
    for s in re.findall(r"[A-Za-z]+", m.group("scale") or ""):
        value *= lx.scales[s.lower()]
    if m.group("suffix"):
        value *= lx.scales[m.group("suffix").lower()]
    cur = m.group("cur")
    start = m.start("cur") if cur else m.start("num")
    return _Amount(start, m.end(), value, lx.currencies[cur] if cur else None, words)


_PREV_WORD = re.compile(r"([A-Za-z][A-Za-z.]*)\W*$")
_NEXT_WORD = re.compile(r"[\s-]*([A-Za-z]+)")


def _prev_word(text: str, pos: int) -> str:
    m = _PREV_WORD.search(text, max(0, pos - 30), pos)
    return m.group(1).lower().rstrip(".") if m else ""


def _next_word(text: str, pos: int) -> str:
    m = _NEXT_WORD.match(text, pos, pos + 30)
    return m.group(1).lower() if m else ""


def _excluded(text: str, a: _Amount, has_unit: bool, lx: Lexicon) -> bool:
    """True for numbers DESIGN.md says are not figures."""
    before = text[a.start - 1] if a.start else " "
    after = text[a.end] if a.end < len(text) else " "
    if before.isalpha() or (before == "-" and a.start >= 2 and text[a.start - 2].isalnum()):
        return True  # COVID-19, F-16, G7
    if after.isalpha() and not has_unit:
        return True  # 26th, 5G, 3D
    if before == "#":
        return True
    prev, nxt = _prev_word(text, a.start), _next_word(text, a.end)
    if prev in lx.months or nxt in lx.months:
        return True  # Sept. 26, 26 September
    if prev in lx.identifier_heads:
        return True  # Article 5, Flight 17
    if has_unit or a.currency:
        return False
    raw = text[a.start : a.end]
    if re.fullmatch(r"1\d{3}|20\d{2}", raw):
        return True  # years
    if after == "s" or text[a.end : a.end + 2] in ("'s", "’s"):
        return True  # the 1990s
    if _CLOCK.match(text, a.end) or _PHONE.match(text, a.end) or _ADDRESS.match(text, a.end):
        return True
    if nxt in lx.time_units or prev == "every":
        return True  # three years ago, every 22 minutes
    if re.match(r"[\s-]+years?[\s-]+old|-year-old", text[a.end : a.end + 12]) or prev == "aged":
        return True
    before_on_line = text[max(0, a.start - 80) : a.start].rsplit(
        "\n", 1
    )  # bounded: never a scan to the start
    at_line_start = before_on_line[-1].strip() == "" and (len(before_on_line) == 2 or a.start <= 80)
    if at_line_start and re.match(r"[.)]\s", text[a.end : a.end + 2]):
        return True  # list numbers
    return a.words and a.value == 1 and not has_unit  # "one of the", "one day": not an amount


@cache
def _approx_re(approximators: tuple[str, ...]) -> re.Pattern[str]:
    # longest first (the lexicon's order), so "more than" wins over "more"
    alternatives = "|".join(re.escape(ap) for ap in approximators)
    return re.compile(rf"(?<![\w])({alternatives})\s+$")


def _approx_before(text: str, start: int, lx: Lexicon) -> tuple[int, str | None]:
    head = text[max(0, start - 25) : start].lower()
    m = _approx_re(lx.approximators).search(head)
    if m:
        return start - (len(head) - m.start(1)), m.group(1)
    return start, None


def _noun_run(text: str, pos: int, limit: int) -> tuple[list[str], int]:
    """The words that name what is counted: up to four content words right after `pos`."""
    run: list[str] = []
    end = pos
    cues = lexicon().cues
    nounish = lexicon().grammar["nounish_cues"]
    compound = False  # inside "coal- and gas-fired": the half-words and their "and" are skipped
    for m in _WORD.finditer(text, pos, min(limit, pos + 200)):
        w = m.group(0)
        if text[end : m.start()].strip():
            break
        low = w.lower()
        if low.endswith("-") and w[0].isalpha():
            compound, end = True, m.end()
            continue
        if compound and low in ("and", "or"):
            end = m.end()
            continue
        compound = False
        if low in cues and not (low in nounish and (run or _noun_follows(text, m.end()))):
            break  # "45 percent say", but "Democratic claims", "38 percent support, …"
        if not w[0].isalpha() or low in _STOP or low in _MORE_STOPS or len(run) >= 4:
            break
        if "’" in w or "'" in w:
            break  # shouldn't, Russia's
        if run and (low.endswith("ly") or low in _PARTICIPLES or (len(low) > 3 and low.endswith("ed"))):
            break
        if run and len(low) > 5 and low.endswith("ing"):
            break
        if run and w[0].isupper() and not run[-1][0].isupper() and "-" not in run[-1]:
            break  # but "middle-income Americans"
        run.append(w.rstrip("."))
        end = m.end()
    return run, end


def _subject(run: list[str], text: str, pos: int, limit: int) -> str | None:
    if not run:
        return None
    words = list(run)
    # "140 homes, most of them in Cresta": a place after the clause is a breakdown, not the subject's
    stop = _CLAUSE_BREAK.search(text, pos, min(limit, pos + 80))
    m = _ANCHOR.search(text, pos, stop.start() if stop else min(limit, pos + 80))
    if m:
        place = m.group(0).strip().rstrip(".,;")
        words.append(place)
    return " ".join(words)


def _noun_follows(text: str, pos: int) -> bool:
    """After a word that is a noun or a verb ("support"): punctuation or a preposition makes it a noun."""
    rest = text[pos : pos + 20].lstrip()
    if not rest or not rest[0].isalpha():
        return True
    return _next_word(rest, 0) in _NOUN_CUE_FOLLOWERS


def _counted(run: list[str]) -> str | None:
    if len(run) > 1 and run[-1][0].isupper() and "-" in run[-2]:
        return run[-1]  # "low- and middle-income Americans"
    lower = [w for w in run if w[0].islower()]
    return lower[-1] if lower else None


# --- measure, event, period; page furniture -------------------------------------------------------------------

_PHONE_SPAN = re.compile(
    r"(?<![\w.,])(?:\+\d{1,3}[\s\u00a0-]?)?\(?0\d{2,4}\)?(?:[ \u00a0.-]\d{2,4}){1,3}(?![\w])"
)
_DATE_LINE = re.compile(r"^[^\n.!?]{0,40}\b(?:1[89]|20)\d\d[ \t]*$", re.MULTILINE)
_IDENT_TAIL = frozenset(["fm", "mhz", "khz", "ghz"])
_AGE_AFTER = re.compile(r"(?:,|\)|\s+(?:and|or)\s+\d{1,3},|\s*$)")
_AGE_BEFORE = re.compile(r"(?:\bages?\s+(?:of\s+)?|\bage\s+(?:of\s+)?|[A-Z][\w’'.-]+,\s)$")
_AGE_RANGE = re.compile(r"-?(?:\s+(?:and|or|to)\s+\d{1,3})?[\s-]+years?[\s-]+old\b")
_BETWEEN = re.compile(r"\bbetween\s+$", re.IGNORECASE)
_AND = re.compile(r"\s+and\s+")
_IN_RATIO = re.compile(r"\s+in\s+(?=\d)")
_RATIO_NOUNS = frozenset(["margin", "ratio", "majority", "vote", "votes", "decision", "split", "edge"])
_NOUN_BEFORE = re.compile(
    r"(?:\b([A-Za-z][a-z]+(?:-[a-z]+)*)\s+(?:of|above|below|exceeding|topping)\s+|\b([A-Za-z][a-z]+)\s*\(\s*)$"
)
_NOUN_BEFORE_APPROX = re.compile(r"\b([a-z]+(?:-[a-z]+)*)\s+$")
_OVER_UNDER = frozenset(["over", "under", "above", "below", "more than", "less than", "fewer than"])
_NUMBER_OF = re.compile(r"\b(?:number|total|count|tally)\s+of\s+(?:the\s+|all\s+)?", re.IGNORECASE)
_PARTITIVE = re.compile(r"\s+of\s+(?:the|their|its|his|her|our|these|those|all)\s+")
# Nouns that name people by their tie to others: "three of their colleagues" counts more of what "their" refers
# to, the people the previous sentence counted ("Two firefighters died … Three of their colleagues were hurt").
_RELATIONAL = frozenset(
    ["colleagues", "comrades", "co-workers", "coworkers", "teammates", "crewmates", "peers", "fellows"]
)
_HYPHEN_NOUN = re.compile(r"-([a-z]+)\b")
_NOUN_CUE_FOLLOWERS = frozenset(
    [
        "of",
        "in",
        "on",
        "as",
        "were",
        "was",
        "are",
        "is",
        "from",
        "by",
        "for",
        "and",
        "or",
        "to",
        "that",
        "which",
    ]
)
_HUMAN_EVENTS = frozenset(["killed", "injured", "evacuated", "missing", "arrested", "rescued"])
_PERIOD = re.compile(
    r"\b(?:(?:in|during|of|by|from|for)\s+((?:19|20)\d\d)(?![\w-])()"
    r"|the\s+((?:19|20)\d\d)\s+([a-z]+)"
    r"|((?:19|20)\d\d)['’]s\s+([a-z]+)"
    r"|(last\s+year|the\s+previous\s+year|a\s+year\s+(?:earlier|before|ago)|in\s+the\s+(?:19|20)\d0s))",
    re.IGNORECASE,
)
_PERIOD_WINDOW = 90  # characters either side of a figure where its period may be named
_MEASURE_WINDOW = 70
_LETTERS = re.compile(r"[a-z]+")


@cache
def _measure_head_re() -> re.Pattern[str]:
    """A measure noun right before the number names what it measures: "a magnitude 6.4 quake"."""
    return re.compile(rf"\b(?i:an?|the)\s+(?i:{trie_alternation(figure_words().measure_nouns)})\s+$")


@cache
def _unit_word_re() -> re.Pattern[str]:
    fw = figure_words()
    return re.compile(rf"[\s-]?(?i:{trie_alternation(fw.measure_units)})(?![\w/²])")


@cache
def _currency_word_re() -> re.Pattern[str]:
    fw = figure_words()
    quals = trie_alternation(fw.currency_qualifiers)
    return re.compile(rf"\s+(?i:(?P<qual>{quals})\s+)?(?i:(?P<word>{trie_alternation(fw.currency_words)}))\b")


@cache
def _furniture_re() -> re.Pattern[str]:
    openers = trie_alternation(figure_words().furniture)
    # an opener followed by a colon or bar, or a line with no sentence end: "Read more: 5 things", "Share this story"
    return re.compile(
        rf"^[ \t]*(?i:{openers})(?!\w)(?:[ \t]*[:|/—–]|[^\n]*[^\n.!?\"”’ \t][ \t]*$)[^\n]*", re.MULTILINE
    )


def _blocked_spans(text: str) -> list[tuple[int, int]]:
    """Spans whose numbers are never figures: page furniture lines, date lines, phone numbers (one pass each)."""
    spans = [m.span() for m in _furniture_re().finditer(text)]
    spans += [m.span() for m in _DATE_LINE.finditer(text)]
    spans += [m.span() for m in _PHONE_SPAN.finditer(text)]
    spans.sort()
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] <= pos < spans[i][1]


def _present_year(text: str) -> str | None:
    """The year of the article's own date line, when its first lines carry one ("Friday 8 August 2025")."""
    m = _DATE_LINE.search(text, 0, min(len(text), 1500))
    if m:
        y = re.findall(r"(?:1[89]|20)\d\d", m.group(0))
        return y[-1] if y else None
    return None


def _event(text: str, start: int, end: int, s_start: int, s_end: int, fw: FigureWords) -> str | None:
    """The event class nearest after the figure in its clause (6 words), else just before it (8 words)."""
    clause = re.split(r"[;:.!?]|,\s|\s(?:and|but)\s", text[end : min(s_end, end + 80)], maxsplit=1)[0]
    after = re.findall(r"[a-z]+", clause.lower())
    for i, word in enumerate(after[:6]):
        phrase = "_".join(after[i : i + 3])  # "forcing 6,000 people to leave their homes"
        if phrase in fw.events:
            return fw.events[phrase]
        if word in fw.events:
            return fw.events[word]
    before = re.split(r"[;:.!?,]", text[max(s_start, start - 80) : start])[-1]
    for word in reversed(re.findall(r"[a-z]+", before.lower())[-8:]):
        if word in fw.events:
            return fw.events[word]
    return None


def _measure_noun(text: str, start: int, end: int, s_start: int, s_end: int, fw: FigureWords) -> str | None:
    """The measure noun of the figure's sentence nearest before it (else after it): "the toll rose to 340"."""
    before: list[str] = _LETTERS.findall(text[max(s_start, start - _MEASURE_WINDOW) : start].lower())
    for word in reversed(before):
        if word in fw.measure_nouns:
            return word
    after: list[str] = _LETTERS.findall(text[end : min(s_end, end + _MEASURE_WINDOW // 2)].lower())
    for word in after[:5]:
        if word in fw.measure_nouns:
            return word
    return None


def _period(text: str, start: int, end: int, s_start: int, s_end: int, present: str | None) -> str | None:
    """The time the figure refers to when its sentence names one other than the present ("1963", "last year")."""
    lo, hi = max(s_start, start - _PERIOD_WINDOW), min(s_end, end + _PERIOD_WINDOW)
    best: tuple[int, str] | None = None
    for m in _PERIOD.finditer(text, lo, hi):
        if m.start() < end and start < m.end():
            continue  # the figure itself
        if re.search(
            r"\b(?:since|founded|established|born)\s+(?:in\s+)?$", text[max(lo, m.start() - 14) : m.start()]
        ):
            continue  # a starting point: what is counted is still the present's
        year = m.group(1) or m.group(3) or m.group(5)
        if year and year == present:
            continue
        if m.group(7):
            label = re.sub(r"^in\s+", "", re.sub(r"\s+", " ", m.group(7).lower()))
        elif m.group(1):
            label = str(year)
        else:
            label = f"the {year} {m.group(4) or m.group(6)}"
        gap = m.start() - end if m.start() >= end else start - m.end()
        if best is None or gap < best[0]:
            best = (gap, label)
    if best is None and _FORECAST.search(_clause(text, start, end, s_start, s_end)):
        return "forecast"  # "gusts of up to 30 km/h are forecast for Sunday": not what was observed
    return best[1] if best else None


_FRONTED_PLACE = re.compile(
    r"\s*(?:In|At|Near|Across|Around)\s+(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*){0,3})\s*,"
)
_FORECAST = re.compile(
    r"\b(?:forecasts?|forecasted|predicts?|predicted|projects|projected|expected\s+to|expects?|could\s+reach)\b",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[;:]|,(?=\s)|\s[–—]\s")


def _clause(text: str, start: int, end: int, s_start: int, s_end: int) -> str:
    """The figure's clause: its sentence cut at the commas, semicolons and dashes around it."""
    before = [m.end() for m in _CLAUSE_BREAK.finditer(text, s_start, start)]
    after = _CLAUSE_BREAK.search(text, end, s_end)
    return text[before[-1] if before else s_start : after.start() if after else s_end]


def value_or_zero(v: float | None) -> float:
    return v if v is not None else 0.0


_CAPITAL_BEFORE = re.compile(r"\b[a-z][\w’'-]*\s+([A-Z][A-Za-z]*)[ \u00a0]$")


def _more_excluded(text: str, a: _Amount, has_unit: bool, s_start: int) -> int:
    """Where to resume when the amount is not a figure (phone numbers, markup, identifiers, ages), else 0."""
    raw = text[a.start : a.end]
    if len(raw) >= 3 and raw[0] == "0" and raw[1].isdigit():
        return a.end  # 0800: a phone number or a code
    window = text[max(0, a.start - 300) : a.start]
    lt = window.rfind("<")
    if lt > window.rfind(">") and lt + 1 < len(window) and window[lt + 1].isalpha():
        return a.end  # inside markup: <tweet timestamp="1474387200">
    if has_unit or a.currency:
        return 0
    if _next_word(text, a.end) in _IDENT_TAIL:
        return a.end  # 98.4 FM
    head = text[max(s_start, a.start - 30) : a.start]
    cap = _CAPITAL_BEFORE.search(head)
    if cap and cap.group(1).lower() not in lexicon().months:
        return a.end  # "at Gate 3", "the Boeing 737": an identifier
    if a.words or "." in raw or a.value >= 120:
        return 0
    ages = _AGE_BEFORE.search(head)
    if ages and (not ages.group(0)[0].isupper() or _AGE_AFTER.match(text, a.end)):
        tail = re.match(r"\s+(?:and|or|to)\s+\d{1,3}\b", text[a.end : a.end + 12])
        return a.end + (tail.end() if tail else 0)  # "Olga Pereda, 67,", "ages 16 to 24"
    tail = _AGE_RANGE.match(text, a.end)
    if tail:
        return tail.end()  # "27 and 29 years old"
    return 0


def _number_of(text: str, start: int, s_start: int) -> str | None:
    """The counted noun of "the number of evacuees … has reached 8,000" (the last such phrase before the figure)."""
    lo = max(s_start, start - 120)
    found = None
    for m in _NUMBER_OF.finditer(text, lo, start):
        found = m
    if found is None:
        return None
    run, _ = _noun_run(text, found.end(), start)
    return _counted(run)


def _noun_before(text: str, start: int, s_start: int, approx: str | None) -> str | None:
    """A counted noun just before the figure: "incomes of more than $5 million", "statements (52%)"."""
    head = text[max(s_start, start - 40) : start]
    m = _NOUN_BEFORE.search(head)
    if m is None and approx in _OVER_UNDER:
        m = _NOUN_BEFORE_APPROX.search(head)
    if m is None:
        return None
    word = next(g for g in m.groups() if g)
    low = word.lower()
    lx = lexicon()
    if low in figure_words().measure_nouns:
        return low  # "a tax cut of $2,700", "the rate of 20 percent"
    if (
        low in _STOP
        or low in _MORE_STOPS
        or low in lx.units
        or low in lx.tens
        or low in lx.time_units
        or low.endswith("ly")
        or low in _PARTICIPLES
        or (low.endswith("ed") and len(low) > 4)
        or low in ("ages", "age", "percent", "cent", "cents", "out", "because", "instead", "top", "bottom")
    ):
        return None
    return low


def find_figures(text: str, sentences: Sequence[tuple[int, int]]) -> list[Figure]:
    """Every figure in `text`; `sentences` are (start, end) spans covering it, in order."""
    lx = lexicon()
    fw = figure_words()
    out: list[Figure] = []
    amount_re = _amount_re()
    starts = _candidate_starts(text)
    blocked = _blocked_spans(text)
    blocked_starts = [b[0] for b in blocked]
    present = _present_year(text)
    before: str | None = None  # the last counted noun of the previous sentence (for _RELATIONAL nouns)
    for s_start, s_end in sentences:
        pos = s_start
        earlier, before = before, None
        last_counted: tuple[str | None, list[str]] = (None, [])
        last_by_unit: dict[str | None, tuple[str, list[str]]] = {}  # the last counted noun of each unit
        for cand in starts[bisect.bisect_left(starts, s_start) : bisect.bisect_left(starts, s_end)]:
            if cand < pos or _inside(blocked, blocked_starts, cand):
                continue
            m = amount_re.match(text, cand, s_end)
            if m is None:
                continue
            a = _parse_amount(m, lx)
            pos = max(a.end, pos + 1)
            end = a.end
            unit = a.currency
            unit_measure = None
            pm = _PERCENT.match(text, end)
            if pm:
                unit = "percentage points" if "point" in pm.group(0).lower() else "percent"
                end = pm.end()
            elif unit is None:
                cw = _currency_word_re().match(text, end)
                uw = None if cw else _unit_word_re().match(text, end)
                if cw:  # "425 million dollars", "50 million euros", "2 million Canadian dollars"
                    qual = cw.group("qual")
                    word = fw.currency_words[" ".join(cw.group("word").lower().split())]
                    unit = (
                        fw.currency_qualifiers[" ".join(qual.lower().split())]
                        if qual and word == "USD"
                        else word
                    )
                    end = cw.end()
                elif uw:  # "2,500 hectares", "60 to 80 km/h"
                    unit, unit_measure = fw.measure_units[" ".join(uw.group(0).strip(" -").lower().split())]
                    end = uw.end()
            if _excluded(text, a, unit is not None, lx):
                continue
            skip_to = _more_excluded(text, a, unit is not None, s_start)
            if skip_to:
                pos = max(pos, skip_to)
                continue
            low = high = whole = None
            value: float | None = a.value
            cents = _CENTS.match(text, end) if unit is None else None
            if cents:
                value, unit, end = a.value / 100, "USD", cents.end()  # "37 cents"
            head = text[max(0, a.start - 12) : a.start]
            between = _BETWEEN.search(head)
            if between:  # "between 300 and 400"
                rj = _AND.match(text, end)
            else:
                rj = _RANGE_JOIN.match(text, end) if _prev_word(text, a.start) != "by" else None
            if rj:
                m2 = amount_re.match(text, rj.end())
                if m2:
                    b = _parse_amount(m2, lx)
                    a_value = a.value
                    b_bare = _number(m2.group("num"), lx)
                    if b.value > a.value and a.value < 1000 <= b.value and not m.group("scale") and b_bare:
                        a_value = a.value * (b.value / b_bare)  # "5 to 10 million": the scale is shared
                    pm2 = _PERCENT.match(text, b.end)
                    b_unit = (
                        ("percentage points" if "point" in pm2.group(0).lower() else "percent")
                        if pm2
                        else None
                    )
                    if unit is None and b_unit is None and not pm and b.currency is None:
                        u2 = _unit_word_re().match(text, b.end)
                        if u2:  # "60 to 80 km/h": the unit after the range is the range's
                            unit, unit_measure = fw.measure_units[
                                " ".join(u2.group(0).strip(" -").lower().split())
                            ]
                            b = _Amount(b.start, u2.end(), b.value, None, b.words)
                    if (
                        b.value < a_value
                        and rj.group(0).strip() == "to"
                        and _next_word(text, b.end) in _RATIO_NOUNS
                    ):
                        end = b.end  # "a 2 to 1 margin": a ratio, its value the first term
                    if b.value > a_value and (unit is None or b_unit is None or unit == b_unit):
                        # a range keeps both ends; its value is the low end, the figure a reader quotes first
                        low, high, value, end = a_value, b.value, a_value, b.end
                        if pm2:
                            unit = unit or b_unit
                            end = pm2.end()
            if low is not None and unit is None and _next_word(text, end) in lx.time_units:
                pos = max(pos, end)
                continue  # "two to three years": a duration
            ir = _IN_RATIO.match(text, end) if low is None else None
            m4 = amount_re.match(text, ir.end(), s_end) if ir else None
            if m4 and not re.fullmatch(r"1\d{3}|20\d{2}", m4.group(0)):
                b4 = _parse_amount(m4, lx)
                if b4.value > value_or_zero(value) and b4.currency is None:  # "1 in 4 residents"
                    whole, end = b4.value, b4.end
            wj = _WHOLE_JOIN.match(text, end)
            if wj and low is None and whole is None:
                m3 = amount_re.match(text, wj.end())
                if m3:
                    whole = _parse_amount(m3, lx).value
                    end = m3.end()
            post = _POST_APPROX.match(text, end)
            start, approx = _approx_before(text, a.start, lx)
            if between:
                start, approx = a.start - (len(head) - between.start()), None
            if post:
                approx = approx or post.group(0).strip().lower()
                end = post.end()
            pos = max(pos, end)
            after = end
            pronoun = _PRONOUN_WHOLE.match(text, end)
            if unit is not None:
                # "45 percent of the world's voters", "$212 billion in additional taxes", "$4 billion worth of goods",
                # "2,500 hectares of pine forest"
                of = (_PERCENT_OF if pm else _MONEY_OF).match(text, after, s_end)
                if of:
                    after = of.end()
            hyphen = _HYPHEN_NOUN.match(text, after) if text.startswith("-", after) else None
            if hyphen:  # "a 46-page report", "the 8,500-member union": the joined noun is what is counted
                run, run_end = _noun_run(text, hyphen.end(), s_end)
                run = [hyphen.group(1), *run]
            else:
                run, run_end = _noun_run(text, after, s_end)
            if pronoun:
                counted, run = last_counted
            elif unit_measure:
                counted = unit  # "2,500 hectares of pine forest": what it counts is hectares
            else:
                counted = hyphen.group(1) if hyphen else _counted(run)
            named_before = _noun_before(text, start, s_start, approx) if not unit_measure else None
            if named_before in fw.measure_nouns and unit is not None:
                counted = named_before  # money and percent after "<noun> of": "a tax cut of $1,800 went …"
            if _measure_head_re().search(text, max(s_start, start - 25), start) and not pronoun:
                counted, run = None, []  # "a magnitude 6.4 quake": what is measured comes before the number
            if counted is None and not run and whole is None and not pronoun:
                partitive = _PARTITIVE.match(text, end, s_end)  # "Three of their colleagues were injured"
                if partitive:
                    run, run_end = _noun_run(text, partitive.end(), s_end)
                    counted = _counted(run)
                    if counted in _RELATIONAL and (earlier or last_counted[0]):
                        counted = last_counted[0] or earlier
            if counted is None and not pronoun and not unit_measure:
                counted = named_before or _number_of(text, start, s_start)
                if counted is None and not run and unit in last_by_unit:
                    # a list that names its noun once: "38 percent support, Johnson 3 percent and Stein 3 percent"
                    counted, run = last_by_unit[unit]
            rate_m = _RATE.match(text, run_end)
            subject = _subject(run, text, run_end, s_end)
            fronted = _FRONTED_PLACE.match(text, s_start, start)
            if fronted and not (subject and re.search(r"\b[A-Z]", subject)):
                # "In Varn, 12 cranes were idle": the sentence's frame is where the counted things are
                subject = f"{subject or counted or 'figure'} in {fronted.group(1)}"
            if counted:
                last_counted = (counted, run)
                last_by_unit[unit] = (counted, run)
                before = counted
            event = _event(text, start, end, s_start, s_end, fw)
            measure: str | None
            if unit_measure:  # "a depth of 900 metres": depth; "2,500 hectares": area
                named = _noun_before(text, start, s_start, approx)
                measure = named if named in fw.measure_nouns else unit_measure
            else:
                measure = counted or _measure_noun(text, start, end, s_start, s_end, fw)
            if measure is None and unit is None and event in _HUMAN_EVENTS:
                measure = "people"  # "killing 12 and injuring about 600"
            out.append(
                Figure(
                    text=text[start:end],
                    start=start,
                    end=end,
                    value=value,
                    low=low,
                    high=high,
                    approx=approx,
                    unit=unit,
                    counted=counted,
                    subject=subject,
                    sentence_start=s_start,
                    sentence_end=s_end,
                    whole=whole,
                    rate=rate_m.group(1).lower() if rate_m else None,
                    measure=measure,
                    event=event,
                    period=_period(text, start, end, s_start, s_end, present),
                )
            )
    return out
