"""What a figure measures, and whether two figures measure the same thing. Pure: extractor fields in, a decision out.

A figure's identity is built from the extractor's fields (DESIGN.md, "The extractor contract"):

- *what is measured*: its measure (the counted noun, or the measure noun of its sentence: "toll", "area", "pay"),
  with its unit and its rate ("a day"), equivalent words mapped to one term (evacuees/residents/people);
- *what happened to it*: the event (killed ≠ injured ≠ evacuated);
- *when*: the period (the 2019 strike, last year, a forecast) — a different period is a different thing;
- *where and who*: the anchors, the places, actors and modifiers of its subject ("in the Kursk region", "North
  Korean", "volunteer").

Two figures with the same identity and the same value (within rounding; approximators ignored) corroborate each
other; with another value they conflict. A figure that says less (no event, fewer anchors, no rate) may corroborate
one that says more, never conflict with it: a false conflict alert costs a newsroom more than a missed one. Figures
far apart in time are the same thing only when they share an anchor, and one that names nothing at all is never
enough to corroborate across news cycles.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from bot.core.terms import NAME_WEIGHT, terms, weighted_terms

FigureRelation = Literal["same", "conflict", "different"]
Kinship = Literal["same", "looser", "other"]

# Figures reported further apart than this are one story's only when an anchor (a place, an actor) says so: an
# "8,000 soldiers arrived in the region" two years later is not the seeds' 8,000.
NEWS_CYCLE = timedelta(days=7)
_GENERIC_PLACES = frozenset(
    {"oblast", "site"}
)  # classes of 'region', 'area', 'place': the name is the anchor
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")


@dataclass(frozen=True)
class FigureRef:
    """What a figure measures and its value, as stored with a claim and with the cluster it founded.

    Fields added after a cluster was stored default to None, so identities stored by older versions still load."""

    value: float
    unit: str | None
    counted: str | None
    subject: str | None
    rate: str | None = None
    approximate: bool = False
    event: str | None = None  # what happened to what is counted (killed, injured, …), when the sentence says
    measure: str | None = None  # the counted noun or the sentence's measure noun ("toll", "magnitude", "pay")
    period: str | None = None  # the time it refers to when not the article's present ("2019", "last year")
    low: float | None = None  # a range's ends: "10,000 to 12,000"
    high: float | None = None
    part: bool = (
        False  # a part of a whole ("8,000 of the 10,000"): a subset, which never conflicts with the whole
    )


@dataclass(frozen=True)
class Reading:
    """One reported value, as figure identity compares it."""

    value: float
    approximate: bool = False
    low: float | None = None
    high: float | None = None


def figure_ref(value: float | None, data: dict[str, object]) -> FigureRef | None:
    """A figure's identity from the extractor's fields (a claim's stored `data`)."""
    if value is None or not math.isfinite(value):
        return None
    return FigureRef(
        float(value),
        _str(data.get("unit")),
        _str(data.get("counted")),
        _str(data.get("subject")),
        _str(data.get("rate")),
        data.get("approx") is not None,
        _str(data.get("event")),
        _str(data.get("measure")),
        _str(data.get("period")),
        _num(data.get("low")),
        _num(data.get("high")),
        data.get("whole") is not None,
    )


def _str(x: object) -> str | None:
    return x if isinstance(x, str) and x else None


def _num(x: object) -> float | None:
    return float(x) if isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x) else None


def measure_class(f: FigureRef) -> str:
    """The measured thing as one term: 'evacuees', 'residents' and 'people' alike (data/equivalents.txt)."""
    word = f.measure or f.counted
    return min(terms(word), default="") if word else ""


def measured_thing(f: FigureRef) -> tuple[str, str]:
    """(unit, measure class): the part of a figure's identity that must be equal, and its index key."""
    return (f.unit or "", measure_class(f))


def anchors(f: FigureRef) -> frozenset[str]:
    """The places and actors of the figure's subject: its names ('North Korean soldiers in the Kursk region' →
    north_korea, kursk; 'Kursk-Oblast area' alike). Common words of the subject ('pine forest', 'hot meals')
    describe the measured thing, and outlets drop or vary them at will: they are not anchors."""
    if not f.subject:
        return frozenset()
    return frozenset(t for t, w in weighted_terms(f.subject).items() if w == NAME_WEIGHT) - _GENERIC_PLACES


def period_key(period: str | None) -> str:
    """A period compared as its year when it names one ('the 2019 strike', 'in 2019'), else its words."""
    if not period:
        return ""
    years = _YEAR.findall(period)
    return years[0] if years else " ".join(period.lower().split())


# Events one report may call by another's name: a fire that "destroyed 4,800 hectares" is the fire that "burned"
# them; troops "sent" to a region are the troops "deployed" there. Two such figures say less than "the same
# event": they may corroborate, never conflict (kinship "looser").
OVERLAPPING_EVENTS = ({"burned", "destroyed"}, {"sent", "deployed"})


def kinship(a: FigureRef, b: FigureRef, apart: timedelta | None = None) -> Kinship:
    """How two figures' measured things relate, reported `apart` in time.

    same: the same measure, unit, rate, period, event and anchors. looser: nothing differs, but one says less (no
    event, no rate, fewer anchors): it may corroborate, never conflict. other: something differs (killed ≠ injured;
    "in Ambra" ≠ "in Sollo"; 2019 ≠ now), or they are far apart in time with no anchor in common."""
    if measured_thing(a) != measured_thing(b) or not measure_class(a):
        # a figure that says neither what it measures nor of what ("$18 million") names no measured thing: two of
        # them are not the same claim, and never conflict
        return "other"
    if period_key(a.period) != period_key(b.period):
        return "other"
    if a.event and b.event and a.event != b.event and {a.event, b.event} not in OVERLAPPING_EVENTS:
        return "other"
    if a.rate and b.rate and a.rate != b.rate:
        return "other"
    sa, sb = anchors(a), anchors(b)
    if sa and sb and not (sa <= sb or sb <= sa):
        return "other"
    if apart is not None and abs(apart) > NEWS_CYCLE and not (sa & sb):
        return "other"  # claims far apart in time are not the same event unless their anchors say so
    if sa == sb and a.event == b.event and a.rate == b.rate and a.part == b.part:
        return "same"
    return "looser"


def within_rounding(a: float, b: float, approximate: bool = False) -> bool:
    """8,000 and 8,000; 9 million and 9.2 million only when one is approximate ('about 9 million')."""
    if a == b:
        return True
    big = max(abs(a), abs(b))
    tolerance = 0.05 if approximate else 0.005
    return abs(a - b) <= tolerance * big


def agree(a: Reading, b: Reading) -> bool:
    """The same value: equal within rounding, approximators ignored ("about 10,000" = "10,000"). A range agrees
    only with the same range."""
    loose = a.approximate or b.approximate
    ra, rb = a.low is not None and a.high is not None, b.low is not None and b.high is not None
    if ra or rb:
        return (
            ra
            and rb
            and within_rounding(a.low or 0.0, b.low or 0.0, loose)
            and within_rounding(a.high or 0.0, b.high or 0.0, loose)
        )
    return within_rounding(a.value, b.value, loose)


def reading(f: FigureRef) -> Reading:
    return Reading(f.value, f.approximate, f.low, f.high)


def figure_relation(a: FigureRef, b: FigureRef, apart: timedelta | None = None) -> FigureRelation:
    """same (corroboration), conflict (the same thing, another value) or different."""
    k = kinship(a, b, apart)
    agreeing = agree(reading(a), reading(b))
    if k == "same":
        return "same" if agreeing else "conflict"
    return "same" if k == "looser" and agreeing else "different"


def apart(a: str | None, b: str | None) -> timedelta | None:
    """The time between two ISO timestamps, or None when either is missing or unreadable."""
    if not a or not b:
        return None
    try:
        ta, tb = datetime.fromisoformat(a), datetime.fromisoformat(b)
        if (ta.tzinfo is None) != (tb.tzinfo is None):
            ta, tb = ta.replace(tzinfo=None), tb.replace(tzinfo=None)
        return ta - tb
    except ValueError:
        return None


def index_keys(f: FigureRef) -> list[str]:
    """The keys a figure is found by: its measured thing, then with each anchor (anchors rank candidates: "soldiers
    in Kursk" finds Kursk's clusters first among every soldiers cluster)."""
    unit, measure = measured_thing(f)
    if not measure:
        return []
    thing = f"f:{unit}|{measure}"
    return [thing] + [f"{thing}|{a}" for a in sorted(anchors(f))]
