"""The extractor's word lists, loaded once from the data files shipped in this package.

Keeping vocabulary in data files (not in code) lets the Extractor issue grow them, and lets tests validate them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


def _cues(name: str) -> dict[str, str]:
    """Cue form -> class ("speech" or "object"), from a file of `[class]` sections of space-separated forms.

    Multi-word forms are written out with their inflected word ("pointed out"): a line lists one verb's forms,
    so a line whose words share the last particle ("call for calls for ...") is split on that particle.
    """
    out: dict[str, str] = {}
    section = ""
    for line in _lines(name):
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1]
            continue
        if not section:
            raise ValueError(f"{name}: cue {line!r} is outside a [section]")
        words = line.split()
        particle = words[1] if len(words) > 1 and words[1] in _PARTICLES else None
        if line in _FIXED_PHRASES:
            forms = [line]
        elif particle:
            forms = [f"{w} {particle}" for w in words if w != particle]
        else:
            forms = words
        for form in forms:
            out.setdefault(form, section)
    return out


_PARTICLES = frozenset({"out", "for", "on", "to", "about", "against", "with"})
_FIXED_PHRASES = frozenset({"according to", "went on to say"})


def _lines(name: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    out: list[str] = []
    for raw in text.splitlines():
        line = raw.split("#", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if line:
            out.append(line)
    return tuple(dict.fromkeys(out))


@dataclass(frozen=True)
class Lexicon:
    cues: dict[str, str]
    titles: frozenset[str]
    role_nouns: frozenset[str]
    places: tuple[str, ...]
    units: dict[str, int]
    tens: dict[str, int]
    scales: dict[str, int]
    currencies: dict[str, str]
    approximators: tuple[str, ...]
    time_units: frozenset[str]
    months: frozenset[str]
    identifier_heads: frozenset[str]
    grammar: dict[str, frozenset[str]]  # role -> words, from grammar_words.json


def _json(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    )
    return loaded


@cache
def lexicon() -> Lexicon:
    numbers = _json("number_words.json")
    return Lexicon(
        cues=_cues("cues.txt"),
        titles=frozenset(_lines("titles.txt")),
        role_nouns=frozenset(_lines("role_nouns.txt")),
        places=_lines("places.txt"),
        units=dict(numbers["units"]),
        tens=dict(numbers["tens"]),
        scales=dict(numbers["scales"]),
        currencies=dict(numbers["currencies"]),
        # longest first, so "more than" wins over "more"
        approximators=tuple(sorted(numbers["approximators"], key=len, reverse=True)),
        time_units=frozenset(numbers["time_units"]),
        months=frozenset(numbers["months"]),
        identifier_heads=frozenset(numbers["identifier_heads"]),
        grammar={
            role: frozenset(entry["words"])
            for role, entry in _json("grammar_words.json").items()
            if role != "_comment"
        },
    )


@dataclass(frozen=True)
class FigureWords:
    """The figure rules' own vocabulary: events, measure nouns and units, currency words, page furniture."""

    events: dict[str, str]  # form -> event class ("killing" -> "killed"), from events.txt
    measure_nouns: frozenset[str]  # "magnitude", "toll": what a figure that counts nothing measures
    measure_units: dict[str, tuple[str, str]]  # "hectares" -> ("hectares", "area")
    currency_words: dict[str, str]  # "euros" -> "EUR"
    currency_qualifiers: dict[str, str]  # "canadian" (dollars) -> "CAD"
    furniture: tuple[str, ...]  # line openers of page furniture ("read more")


@cache
def figure_words() -> FigureWords:
    numbers = _json("number_words.json")
    events: dict[str, str] = {}
    for line in _lines("events.txt"):
        forms = line.split()
        for form in forms:
            if events.setdefault(form, forms[0]) != forms[0]:
                raise ValueError(f"events.txt: {form!r} is in two classes")
    return FigureWords(
        events=events,
        measure_nouns=frozenset(w for line in _lines("measure_nouns.txt") for w in line.split()),
        measure_units={k: (v[0], v[1]) for k, v in numbers["measure_units"].items()},
        currency_words=dict(numbers["currency_words"]),
        currency_qualifiers=dict(numbers["currency_qualifiers"]),
        furniture=_lines("furniture.txt"),
    )
