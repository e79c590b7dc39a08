"""From an extraction to claims, and what makes two claims "the same" (their cluster key).

v0 matching is exact after normalisation: a figure is its unit, value and counted noun (singular); a quote is its
speaker and its words. The "Claims across sources" issue replaces `cluster_key` with paraphrase- and
subject-aware matching; everything else keys off this one function.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

from bot.extractor.types import Extraction, Figure, Quote

ClaimKind = Literal["figure", "quote"]
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True)
class ClaimDraft:
    """One claim of one article, before it is stored."""

    kind: ClaimKind
    text: str
    start: int
    end: int
    context: str
    key: str
    label: str
    data: dict[str, Any]
    speaker: str | None = None
    direct: bool | None = None
    value: float | None = None
    low: float | None = None
    high: float | None = None
    unit: str | None = None
    counted: str | None = None
    subject: str | None = None


def singular(word: str) -> str:
    w = word.lower()
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if w.endswith(("ches", "shes", "sses", "xes")):
        return w[:-2]
    if w.endswith("s") and not w.endswith(("ss", "us", "is")) and len(w) > 3:
        return w[:-1]
    return w


def format_number(v: float) -> str:
    return f"{int(v):,}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")


def figure_key(f: Figure) -> str:
    amount = f"{f.low:g}-{f.high:g}" if f.low is not None and f.high is not None else f"{f.value:g}"
    noun = singular(f.counted) if f.counted else ""
    return f"{f.unit or ''}|{amount}|{noun}|{'rate:' + f.rate if f.rate else ''}"


def quote_key(q: Quote) -> str:
    words = " ".join(_WORDS.findall(q.text.lower()))
    digest = hashlib.sha1(words.encode()).hexdigest()[:16]
    return f"{(q.speaker or '').lower()}|{digest}"


def _sentence(text: str, start: int, end: int) -> str:
    return " ".join(text[start:end].split())


def figure_label(f: Figure) -> str:
    what = f.subject or f.counted or ""
    rate = f" a {f.rate}" if f.rate else ""
    unit = " percent" if f.unit == "percent" and "%" not in f.text and "percent" not in f.text else ""
    return f"{f.text}{unit} {what}{rate}".strip()


MIN_QUOTE_WORDS = 4


_QUOTE_EDGE = ' \t\r\n"“”‘’«»„'


def statements(q: Quote, text: str) -> list[Quote]:
    """The statements in one quote. A quote split around its attribution *between sentences* ('“Russia intends
    to use these troops,” Austin said. “That would make them targets.”') is one quote to the extractor but two
    statements to claimdesk: each may be new or already reported on its own. Split *within* a sentence
    ('“The harbour,” she said, “will stay closed.”') it is one statement."""
    if len(q.parts) < 2:
        return [q]
    groups: list[list[tuple[int, int]]] = [[q.parts[0]]]
    for prev, nxt in zip(q.parts, q.parts[1:], strict=False):
        gap = text[prev[1] : nxt[0]].strip(_QUOTE_EDGE)
        if gap.endswith((".", "!", "?")):
            groups.append([nxt])
        else:
            groups[-1].append(nxt)
    if len(groups) == 1:
        return [q]
    return [
        replace(
            q,
            text=" ".join(text[a:b].strip(_QUOTE_EDGE + ",") for a, b in g),
            start=g[0][0],
            end=g[-1][1],
            parts=tuple(g),
        )
        for g in groups
    ]


def claims_from(extraction: Extraction, text: str) -> list[ClaimDraft]:
    """The claims worth storing: attributed statements, and figures that say what they count or their unit."""
    out: list[ClaimDraft] = []
    for q in (s for quote in extraction.quotes for s in statements(quote, text)):
        if not q.speaker:
            continue  # an unattributed quote (a headline, a scare quote) is not a claim anyone made
        if len(q.text.split()) < MIN_QUOTE_WORDS:
            continue  # "Zelensky urges action": an attribution, but too short to be a statement worth an alert
        out.append(
            ClaimDraft(
                kind="quote",
                text=q.text,
                start=q.start,
                end=q.end,
                context=_sentence(text, q.start, q.end),
                key=quote_key(q),
                label=f"{q.speaker}: “{q.text}”" if q.direct else f"{q.speaker} said {q.text}",
                data=asdict(q),
                speaker=q.speaker,
                direct=q.direct,
            )
        )
    for f in (g for fig in extraction.figures for g in (fig, *_whole_of(fig))):
        if not (f.counted or f.unit or f.measure):
            continue  # says nothing of what it measures: not a claim anyone can check
        out.append(
            ClaimDraft(
                kind="figure",
                text=f.text,
                start=f.start,
                end=f.end,
                context=_sentence(text, f.sentence_start, f.sentence_end),
                key=figure_key(f),
                label=figure_label(f),
                data=asdict(f),
                value=f.value,
                low=f.low,
                high=f.high,
                unit=f.unit,
                counted=f.counted,
                subject=f.subject,
            )
        )
    out.sort(key=lambda c: c.start)
    return out


_LAST_NUMBER = re.compile(r"\d(?:[\d,.\u00a0 ]*\d)?(?!.*\d)", re.DOTALL)


def _whole_of(f: Figure) -> tuple[Figure, ...]:
    """The whole of a part-of-whole figure as a figure of its own: "about 7,000 of the union's 8,500 members" also
    reports the union's 8,500 members, which a later article may confirm or contradict."""
    if f.whole is None:
        return ()
    m = _LAST_NUMBER.search(f.text)
    if m is None or m.start() == 0:
        return ()
    return (
        replace(
            f,
            text=m.group(0),
            start=f.start + m.start(),
            end=f.start + m.end(),
            value=f.whole,
            low=None,
            high=None,
            approx=None,
            whole=None,
            subject=f.counted,  # "8,000 of the 10,000 soldiers in Kursk": the place is the part's, not the whole's
        ),
    )
