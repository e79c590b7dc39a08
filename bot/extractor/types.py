"""The extractor's output: plain, immutable data matching the contract in DESIGN.md.

Offsets are Python `str` indices into the text exactly as given to the extractor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Quote:
    text: str
    start: int
    end: int
    direct: bool
    speaker: str | None = None
    speaker_start: int | None = None
    speaker_end: int | None = None
    cue: str | None = None
    cue_start: int | None = None
    cue_end: int | None = None
    speaker_role: str | None = None  # "Pentagon Chief" for "Pentagon Chief Lloyd Austin"
    # (start, end) of each quoted part: one part, or several when the quote is split around its attribution
    # ('"…," Austin said. "…"'); `text` is the parts joined by a space.
    parts: tuple[tuple[int, int], ...] = ()

    def __post_init__(self) -> None:
        if not self.parts:
            object.__setattr__(self, "parts", ((self.start, self.end),))


@dataclass(frozen=True, slots=True)
class Figure:
    text: str
    start: int
    end: int
    value: float | None
    low: float | None = None
    high: float | None = None
    approx: str | None = None
    unit: str | None = None
    counted: str | None = None
    subject: str | None = None
    sentence_start: int = 0
    sentence_end: int = 0
    whole: float | None = None
    rate: str | None = None
    # what the figure measures: its counted noun, or the sentence's measure noun ("magnitude", "toll", "area")
    measure: str | None = None
    event: str | None = None  # what happened to it: "killed", "evacuated", "deployed" (data/events.txt)
    period: str | None = None  # the time it refers to when not the article's present: "1963", "last year"


@dataclass(frozen=True, slots=True)
class Entity:
    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Extraction:
    title: str
    summary: str
    quotes: tuple[Quote, ...] = ()
    figures: tuple[Figure, ...] = ()
    entities: tuple[Entity, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The JSON shape of `claimdesk extract` (without the path, which the caller adds)."""
        return {
            "title": self.title,
            "summary": self.summary,
            "quotes": [asdict(q) for q in self.quotes],
            "figures": [_number_friendly(asdict(f)) for f in self.figures],
            "entities": [asdict(e) for e in self.entities],
        }


def _number_friendly(d: dict[str, Any]) -> dict[str, Any]:
    """Whole-number floats print as ints (8000, not 8000.0) so the JSON reads like the text."""
    for key in ("value", "low", "high", "whole"):
        v = d.get(key)
        if isinstance(v, float) and v.is_integer() and abs(v) < 1e15:
            d[key] = int(v)
    return d
