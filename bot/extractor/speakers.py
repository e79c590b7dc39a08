"""Speaker mentions and their resolution to one canonical name per person.

A mention is what the text says next to a speech cue: a name with its title ("Pentagon Chief Lloyd Austin"), a
surname ("Austin"), a pronoun ("he"), a description ("the Ukrainian leader") or a group ("U.S. officials").
`PeopleIndex` walks the article's person names in text order so that a surname joins the full name first
mentioned, a spelling variant (Zelensky / Zelenskyy) joins the earlier form, and a pronoun or a singular
description resolves to the last person named before it.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from bot.extractor.lexicon import lexicon

PRONOUNS = frozenset({"he", "she"})
GROUP_PRONOUNS = frozenset({"they", "we"})
_CONNECTORS = frozenset({"of", "and", "de", "van", "von", "der", "bin", "al", "da", "du", "la", "le"})
_NAME_WORD = r"(?:(?:[A-Z]\.){2,}|[A-Z][\w’'-]*)"
_NAME_RUN = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:of|de|van|von|der|bin|al|da|du|la|le)[ \t]+)?{_NAME_WORD})+"
)
TOKEN = re.compile(r"(?:[A-Za-z]\.){2,}|[A-Za-z][\w’'-]*|[^\s\w]")


@cache
def _non_name_words() -> frozenset[str]:
    text = resources.files("bot.extractor").joinpath("data", "non_name_words.txt").read_text(encoding="utf-8")
    return frozenset(ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#"))


@cache
def _place_words() -> frozenset[str]:
    words: set[str] = set()
    for place in lexicon().places:
        words.update(place.split())
    return frozenset(words)


def _is_demonym(word: str) -> bool:
    """'Korean', 'Ukrainian', 'Russian': derived from a known place, so not part of a person's name."""
    w = word.rstrip("s")
    for place in _place_words():
        stem = place.rstrip("ae")
        if len(stem) >= 4 and w.startswith(stem[:-1]) and w.endswith(("an", "ian", "ese", "i")):
            return True
    return False


def strip_title(words: list[str]) -> tuple[list[str], list[str]]:
    """Split 'U.S. Secretary of Defense Lloyd Austin' into (role words, name words)."""
    titles = lexicon().titles
    last_title = -1
    for i, w in enumerate(words):
        if w.lower() in titles:
            last_title = i
    name = words[last_title + 1 :]
    while name and name[0].lower() in _CONNECTORS:
        name = name[1:]
    return words[: last_title + 1], name


def looks_like_person(name: list[str]) -> bool:
    if not 1 <= len(name) <= 4:
        return False
    bad = _non_name_words() | _place_words()
    return all(w not in bad and not _is_demonym(w) and w[0].isupper() for w in name if w not in _CONNECTORS)


@lru_cache(maxsize=65536)
def same_surname(a: str, b: str) -> bool:
    """Spelling variants of one surname: Zelensky / Zelenskyy / Zelenskiy."""
    a, b = a.lower(), b.lower()
    if a == b:
        return True
    if min(len(a), len(b)) < 5 or a[:3] != b[:3]:
        return False
    return _edit_distance_at_most_two(a, b)


def _edit_distance_at_most_two(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 2:
        return False
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1] <= 2 and a[:3] == b[:3]


@dataclass(frozen=True)
class Person:
    name: str
    start: int
    end: int


class PeopleIndex:
    """The people an article names, in text order, with canonical full names."""

    def __init__(self, text: str) -> None:
        self._people: list[Person] = []
        self._canon: list[str] = []  # canonical full names, first-seen order
        for m in _NAME_RUN.finditer(text):
            words = [
                (w.group(0), m.start() + w.start(), m.start() + w.end())
                for w in re.finditer(r"\S+", m.group(0))
            ]
            _, name = strip_title([w for w, _, _ in words])
            while name and name[0] in _non_name_words():
                name = name[1:]
            if len(name) < 2 or not looks_like_person(name):
                continue
            first, last = words[len(words) - len(name)], words[-1]
            canon = self.canonical(" ".join(name))
            self._people.append(Person(canon, first[1], last[2]))
        # later surname-only mentions ("Austin said") count as mentions of the full name
        for m in re.finditer(r"\b[A-Z][\w’'-]{2,}\b", text):
            for known in self._canon:
                if same_surname(known.split()[-1], m.group(0)) and not any(
                    p.start <= m.start() < p.end for p in self._people
                ):
                    self._people.append(Person(known, m.start(), m.end()))
                    break
        self._people.sort(key=lambda p: p.start)
        self._starts = [p.start for p in self._people]

    def canonical(self, name: str) -> str:
        """The first-seen full name this name (or surname, or variant) refers to; registers new full names."""
        words = name.split()
        if not words:
            return name
        for known in self._canon:
            kw = known.split()
            if same_surname(kw[-1], words[-1]) and (len(words) == 1 or same_surname(kw[0], words[0])):
                return known
        if len(words) >= 2:
            self._canon.append(name)
        return name

    @property
    def people(self) -> tuple[Person, ...]:
        return tuple(self._people)

    def last_person_before(self, pos: int) -> Person | None:
        i = bisect.bisect_left(self._starts, pos)
        return self._people[i - 1] if i else None


def resolve(mention: str, pos: int, people: PeopleIndex) -> str | None:
    """The canonical speaker for a mention at `pos`, or None when the text does not support one."""
    words = mention.split()
    if not words:
        return None
    low = mention.lower()
    if low in GROUP_PRONOUNS:
        return None
    described = words[0].lower() in ("the", "a") and words[-1].lower() in lexicon().role_nouns
    if low in PRONOUNS or (described and not low.endswith("s")):
        person = people.last_person_before(pos)
        return person.name if person else None
    _, name = strip_title(words)
    if name and looks_like_person(name):
        return people.canonical(" ".join(name))
    return mention
