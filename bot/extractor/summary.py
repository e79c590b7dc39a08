"""Title, page furniture and a short extractive summary.

Scraped articles carry site chrome ("Site icon …", "Source link", "Exit mobile version"), photo captions and
bylines. They are recognised line by line so the title and summary come from the story itself.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence

from bot.extractor.sentences import paragraphs

_FURNITURE = re.compile(
    r"""^(?:site\ icon\b.*|source\ link|exit\ mobile\ version|advertisement|share\ this(?:\ article)?|
    read\ more\b.*|related:?.*|sign\ up\b.*|skip\ to\ (?:main\ )?content|listen\ to\ this\ (?:article|report).*|
    this\ (?:article|story|report)\ (?:was\ )?(?:translated|originally|first|updated)\b.*|
    by\ [A-Z][\w.'-]+(?:\ [A-Z][\w.'-]+){0,3}(?:\ and\ [A-Z][\w.'-]+(?:\ [A-Z][\w.'-]+){0,3})?
    (?:\ in\ [A-Z][\w.'-]+)?(?:\s*[|·,—–]\s*.{0,60})?|
    (?:updated|published|posted)\b.{0,40}\d.*|.*\ -\ a\ story\ for\ you)$""",
    re.IGNORECASE | re.VERBOSE,
)
_CAPTION = re.compile(
    r"(?:\bphoto(?:graph)?\s+by\b|\|\s*license\s+photo|\bgetty\s+images\b|\bap\s+photo\b|"
    r"\breuters/|\bphoto:|\bimage:|\bcredit:)",
    re.IGNORECASE,
)
_DATELINE = re.compile(r"^[A-Z][\w. ,]{0,40}?\([A-Z][\w ]{1,20}\)\s*[-–—]\s*")
_MAX_SUMMARY = 420
_QUOTE_OPENERS = '“"«„-–—‘'  # a paragraph opening with one of these is speech, not narrative


_MAX_FURNITURE = (
    300  # characters: a longer paragraph is story (and checking it whole per sentence is quadratic)
)


_LABEL_END = (".", "!", "?", "”", '"', "’", ":", ";", ")")


def _past_label_lines(sentence: str) -> str:
    """A "sentence" that runs from a label line into the story ("THE HARBOUR GAZETTE | Saltmere and the coast
    Cranes stood idle …") starts after the label: a line that ends without a sentence's closing mark, or is page
    furniture, is a site name, a section, a byline or a date line, never the lead."""
    lines = sentence.split("\n")
    while len(lines) > 1 and (not lines[0].rstrip().endswith(_LABEL_END) or is_furniture(lines[0])):
        lines.pop(0)
    return "\n".join(lines)


def is_furniture(line: str) -> bool:
    s = line.strip()
    if not s or len(s) > _MAX_FURNITURE:
        return False
    return bool(_FURNITURE.match(s)) or bool(_CAPTION.search(s))


def title_of(text: str) -> tuple[str, int]:
    """The headline (first line that is not furniture, when it reads like one) and where the body starts."""
    pos = 0
    for line in text.split("\n"):
        s = line.strip()
        nxt = pos + len(line) + 1
        if s and not is_furniture(s):
            looks_like_headline = len(s) <= 160 and not s.endswith((".", "”", '"', "!", "?", ":"))
            return (s, nxt) if looks_like_headline else ("", pos)
        pos = nxt
    return "", 0


def summarize(
    text: str, sentences: Sequence[tuple[int, int]], body_start: int, max_sentences: int = 3
) -> str:
    """The lead: up to three sentences from the first paragraphs that are story, not furniture.

    Narrative sentences are preferred: an article that opens with a run of quotes (common in translated press)
    is summarised by its first reported facts, and by the quotes only when it has nothing else.
    """
    paras = paragraphs(text)
    return _lead(text, sentences, paras, body_start, max_sentences, narrative=True) or _lead(
        text, sentences, paras, body_start, max_sentences, narrative=False
    )


def _lead(
    text: str,
    sentences: Sequence[tuple[int, int]],
    paras: Sequence[tuple[int, int]],
    body_start: int,
    max_sentences: int,
    narrative: bool,
) -> str:
    picked: list[str] = []
    total = 0
    skip_line: dict[int, bool] = {}  # per paragraph start: judged once, not once per sentence
    starts = [p for p, _ in paras]
    for s, e in sentences:
        if s < body_start:
            continue
        n = max(0, bisect.bisect_right(starts, s) - 1)
        line_start, line_end = paras[n] if paras else (0, len(text))
        if line_start not in skip_line:
            line = text[line_start:line_end]
            short = len(line) < 200 and len(line.split()) < 6
            speech = narrative and line.lstrip()[:1] in _QUOTE_OPENERS  # dash style or quote marks
            skip_line[line_start] = is_furniture(line) or short or speech
        if skip_line[line_start]:
            continue
        raw = _past_label_lines(text[s:e]).strip()
        if not raw.endswith(_LABEL_END) and text[e : e + 1] in ("\n", ""):
            continue  # a whole line without a closing mark: a site name, section, byline or date line
        sent = " ".join(raw.split())
        sent = _DATELINE.sub("", sent)
        if not sent or (not sent[0].isalnum() and (narrative or sent[0] not in _QUOTE_OPENERS)):
            continue
        if total and total + len(sent) > _MAX_SUMMARY:
            break
        picked.append(sent)
        total += len(sent)
        if len(picked) >= max_sentences or total >= _MAX_SUMMARY * 0.6:
            break
    summary = " ".join(picked)
    if not summary and not narrative:  # a short or unusual item: its opening words beat an empty summary
        head = text[body_start : body_start + 4 * _MAX_SUMMARY]
        body = " ".join(ln for ln in head.split("\n") if ln.strip() and not is_furniture(ln))
        summary = " ".join(body.split())
    if len(summary) <= _MAX_SUMMARY:
        return summary
    cut = (
        summary[:_MAX_SUMMARY].rsplit(" ", 1)[0] if " " in summary[:_MAX_SUMMARY] else summary[:_MAX_SUMMARY]
    )
    return cut + "…"
