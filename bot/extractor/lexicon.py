"""The extractor's word lists, loaded once from the data files shipped in this package.

Keeping vocabulary in data files (not in code) lets the Extractor issue grow them, and lets tests validate them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


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
    speech_verbs: frozenset[str]
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


@cache
def lexicon() -> Lexicon:
    numbers: dict[str, Any] = json.loads(
        resources.files(__package__).joinpath("data", "number_words.json").read_text(encoding="utf-8")
    )
    return Lexicon(
        speech_verbs=frozenset(_lines("speech_verbs.txt")),
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
    )
