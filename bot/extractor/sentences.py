"""Sentence and paragraph boundaries as character offsets, found with one regex pass over the text.

spaCy's rule-based sentencizer walks every token in Python; news text only needs a few rules (a line break ends a
sentence; ". ? !" followed by a capital, digit or opening quote ends one, except after an abbreviation or an
initial), and doing it on the string keeps the extractor within twice the cost of bare tokenisation.
"""

from __future__ import annotations

import re

# Words whose trailing period is not a full stop ("Mr. Austin", "Sen. Graham", "Jan. 5").
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "sen",
        "rep",
        "reps",
        "gov",
        "gen",
        "lt",
        "col",
        "sgt",
        "capt",
        "cmdr",
        "adm",
        "maj",
        "prof",
        "rev",
        "st",
        "jr",
        "sr",
        "atty",
        "no",
        "vs",
        "etc",
        "inc",
        "corp",
        "co",
        "ltd",
        "dept",
        "univ",
        "ave",
        "jan",
        "feb",
        "mar",
        "apr",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "ft",
        "mt",
    ]
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then spaces and a plausible
# sentence opener; or a line break.
# The lookbehind and the possessive "++" keep a run of dots linear: without them the engine retries the rest of
# the pattern from every dot of "....." (quadratic on hostile input).
_BOUNDARY = re.compile(r"""(?<![.!?…])([.!?…]++)(["”’'»)\]]*)([ \t]+)(?=["“‘'«(\[]?[A-Z0-9])|\n\s*""")
_WORD_BEFORE = re.compile(r"([A-Za-z]+)\.?$")


def _is_abbreviation(text: str, dot: int) -> bool:
    """True when the '.' at `dot` closes an abbreviation or an initial rather than a sentence."""
    m = _WORD_BEFORE.search(text, max(0, dot - 12), dot)
    if m is None:
        return False
    word = m.group(1)
    if len(word) == 1 and word.isupper():
        return True  # an initial: "James C. Cacheris", "U.S." (its last letter)
    if word.lower() == "no":
        return text[dot + 1 : dot + 3].strip()[:1].isdigit()  # "No. 5", but "Holt said no. The council …"
    return word.lower() in _ABBREVIATIONS and text[m.start() - 1 : m.start()] != "."


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in text[start:end], trimmed of surrounding whitespace."""
    end = len(text) if end is None else end
    out: list[tuple[int, int]] = []
    pos = start
    for m in _BOUNDARY.finditer(text, start, end):
        if m.group(1) is not None:
            if m.group(1) == "." and not m.group(2) and _is_abbreviation(text, m.start(1)):
                continue
            cut, nxt = m.end(2), m.end()
        else:
            cut, nxt = m.start(), m.end()
        _append(text, out, pos, cut)
        pos = nxt
    _append(text, out, pos, end)
    return out


def _append(text: str, out: list[tuple[int, int]], s: int, e: int) -> None:
    while s < e and text[s].isspace():
        s += 1
    while e > s and text[e - 1].isspace():
        e -= 1
    if e > s:
        out.append((s, e))


def paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each non-blank line: a paragraph in scraped news text."""
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


MAX_SENTENCE = 1200  # characters; real sentences are shorter, run-on junk is cut into pieces this long


def bounded(text: str, spans: list[tuple[int, int]], limit: int = MAX_SENTENCE) -> list[tuple[int, int]]:
    """`spans` with any span longer than `limit` cut at whitespace into pieces of at most `limit` characters.

    The rules look around each cue or number within its sentence; on one endless "sentence" (a 5 MB line, a
    list without full stops) that would be quadratic, so every piece they see is bounded.
    """
    out: list[tuple[int, int]] = []
    for start, end in spans:
        while end - start > limit:
            cut = text.rfind(" ", start + limit // 2, start + limit)
            cut = cut if cut > start else start + limit
            _append(text, out, start, cut)
            start = cut
        _append(text, out, start, end)
    return out
