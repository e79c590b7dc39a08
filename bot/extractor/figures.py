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

from bot.extractor.lexicon import Lexicon, lexicon
from bot.extractor.patterns import trie_alternation
from bot.extractor.types import Figure

_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+"
_WORD_SCALES = ("hundred", "thousand", "million", "billion", "trillion")
_PERCENT = re.compile(
    r"(?:\s?%|\s+percentage\s+points?\b|-percentage-points?\b|\s+per\s?cent\b|-?percent\b|\s+points?\b(?=\s+(?:lead|gap|margin|drop|rise|increase|decrease|advantage)))",
    re.IGNORECASE,
)
_RANGE_JOIN = re.compile(r"\s*(?:-|–|—|\bto\b)\s*", re.IGNORECASE)
_WHOLE_JOIN = re.compile(
    r"\s+(?:out\s+)?of\s+(?:the\s+|every\s+|each\s+|all\s+|its\s+|their\s+)?(?:[A-Za-z][\w.]*['’]s\s+)?",
    re.IGNORECASE,
)
_PRONOUN_WHOLE = re.compile(r"\s+of\s+(?:them|those|these)\b", re.IGNORECASE)
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
    return _word_value(num, lx) if _is_words(num) else float(num.replace(",", ""))


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
        if not w[0].isalpha() or low in _STOP or low in _MORE_STOPS or low in cues or len(run) >= 4:
            break
        if "’" in w or "'" in w:
            break  # shouldn't, Russia's
        if run and (low.endswith("ly") or low in _PARTICIPLES or (len(low) > 3 and low.endswith("ed"))):
            break
        if run and len(low) > 5 and low.endswith("ing"):
            break
        if run and w[0].isupper() and not run[-1][0].isupper():
            break
        run.append(w.rstrip("."))
        end = m.end()
    return run, end


def _subject(run: list[str], text: str, pos: int, limit: int) -> str | None:
    if not run:
        return None
    words = list(run)
    m = _ANCHOR.search(text, pos, min(limit, pos + 80))
    if m:
        place = m.group(0).strip().rstrip(".,;")
        words.append(place)
    return " ".join(words)


def _counted(run: list[str]) -> str | None:
    lower = [w for w in run if w[0].islower()]
    return lower[-1] if lower else None


def find_figures(text: str, sentences: Sequence[tuple[int, int]]) -> list[Figure]:
    """Every figure in `text`; `sentences` are (start, end) spans covering it, in order."""
    lx = lexicon()
    out: list[Figure] = []
    amount_re = _amount_re()
    starts = _candidate_starts(text)
    for s_start, s_end in sentences:
        pos = s_start
        last_counted: tuple[str | None, list[str]] = (None, [])
        for cand in starts[bisect.bisect_left(starts, s_start) : bisect.bisect_left(starts, s_end)]:
            if cand < pos:
                continue
            m = amount_re.match(text, cand, s_end)
            if m is None:
                continue
            a = _parse_amount(m, lx)
            pos = max(a.end, pos + 1)
            end = a.end
            unit = a.currency
            pm = _PERCENT.match(text, end)
            if pm:
                unit = "percentage points" if "point" in pm.group(0).lower() else "percent"
                end = pm.end()
            if _excluded(text, a, unit is not None, lx):
                continue
            low = high = whole = None
            value: float | None = a.value
            cents = _CENTS.match(text, end) if unit is None else None
            if cents:
                value, unit, end = a.value / 100, "USD", cents.end()  # "37 cents"
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
                    if b.value > a_value and (unit is None or b_unit is None or unit == b_unit):
                        # a range keeps both ends; its value is the low end, the figure a reader quotes first
                        low, high, value, end = a_value, b.value, a_value, b.end
                        if pm2:
                            unit = unit or b_unit
                            end = pm2.end()
            wj = _WHOLE_JOIN.match(text, end)
            if wj and low is None:
                m3 = amount_re.match(text, wj.end())
                if m3:
                    whole = _parse_amount(m3, lx).value
                    end = m3.end()
            post = _POST_APPROX.match(text, end)
            start, approx = _approx_before(text, a.start, lx)
            if post:
                approx = approx or post.group(0).strip().lower()
                end = post.end()
            pos = max(pos, end)
            after = end
            pronoun = _PRONOUN_WHOLE.match(text, end)
            if pm or a.currency:
                # "45 percent of the world's voters", "$212 billion in additional taxes", "$4 billion worth of goods"
                of = (_MONEY_OF if a.currency else _PERCENT_OF).match(text, after, s_end)
                if of:
                    after = of.end()
            run, run_end = _noun_run(text, after, s_end)
            if pronoun:
                counted, run = last_counted
            else:
                counted = _counted(run)
            rate_m = _RATE.match(text, run_end)
            subject = _subject(run, text, run_end, s_end)
            if counted:
                last_counted = (counted, run)
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
                )
            )
    return out
