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
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

from bot.extractor.lexicon import lexicon

PRONOUNS = frozenset({"he", "she"})
GROUP_PRONOUNS = frozenset({"they", "we"})
_CONNECTORS = frozenset({"of", "and", "de", "van", "von", "der", "bin", "al", "da", "du", "la", "le"})
# Starts with a bare character class so the regex engine can skip non-capitals quickly (3x faster).
# Bounded repeats keep hostile input ("A.A.A.…", "Kursk-Kursk-…") linear: no name word is 40 characters long.
_NAME_WORD = r"[A-Z](?:(?:\.[A-Z]){1,4}\.|[\w’'-]{0,40})"
_NAME_RUN = re.compile(
    rf"{_NAME_WORD}(?:[ \t]+(?:(?:of|de|van|von|der|bin|al|da|du|la|le)[ \t]+)?{_NAME_WORD})+"
)
_CAPITALISED = re.compile(r"[A-Z][\w’'-]{2,}")  # no leading \b: lets the engine skip to capitals fast


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


@cache
def _demonym_re() -> re.Pattern[str]:
    """Adjectives of nationality derived from the place list: Korea → Korean, Russia → Russian, Iraq → Iraqi,
    China → Chinese, Israel → Israeli, Germany → German."""
    places = _place_words()
    stems = {
        p.rstrip("ae")[:-1] for p in places if len(p.rstrip("ae")) >= 4
    }  # Iraq → Ira(qi), Iran → Ira(nian)
    stems |= {p[:-1] if p[-1] in "aey" else p[:-2] for p in places if len(p) >= 5}  # Korea → Kore(an)
    whole = {p[:-1] for p in places if p.endswith("y") and len(p) >= 5}  # Germany → German
    alternatives = "|".join(map(re.escape, sorted(stems, key=len, reverse=True)))
    return re.compile(
        rf"(?:{alternatives})\w{{0,2}}(?:an|ian|ese|i)|{'|'.join(map(re.escape, sorted(whole)))}"
    )


@cache
def _not_name_words() -> frozenset[str]:
    return _non_name_words() | _place_words()


@lru_cache(maxsize=16384)
def _is_demonym(word: str) -> bool:
    """'Korean', 'Ukrainian', 'Russian': derived from a known place, so not part of a person's name."""
    return _demonym_re().fullmatch(word.rstrip("s")) is not None


def strip_title(words: list[str]) -> tuple[list[str], list[str]]:
    """Split 'U.S. Secretary of Defense Lloyd Austin' into (role words, name words)."""
    titles = lexicon().titles
    last_title = -1
    for i, w in enumerate(words):
        if w.lower() in titles or (w[:1].islower() and w not in _CONNECTORS):
            last_title = i  # a title, or a lower-case description: "hydrologist Karl Brandt"
    name = words[last_title + 1 :]
    while name and name[0].lower() in _CONNECTORS:
        name = name[1:]
    return words[: last_title + 1], name


def looks_like_person(name: list[str]) -> bool:
    if not 1 <= len(name) <= 4:
        return False
    bad = _not_name_words()
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


@lru_cache(maxsize=8192)
def _name_in_run(run: str) -> tuple[int, str] | None:
    """The person's name at the end of a capitalised run, with its offset: 'Pentagon Chief Lloyd Austin' →
    (15, 'Lloyd Austin'). Cached: the same runs recur within and across articles."""
    words = run.split()
    owner = max((i for i, w in enumerate(words) if w.endswith(("'s", "’s"))), default=-1)
    if owner == len(words) - 1:
        words[-1] = words[-1][:-2]  # "Donald Trump's": the name is Donald Trump
    else:
        words = words[owner + 1 :]  # "Vancouver's Bo Horvat": the name is Bo Horvat
    _, name = strip_title(words)
    while name and name[0] in _non_name_words():
        name = name[1:]
    if len(name) < 2 or not looks_like_person(name):
        return None
    offset = len(run)
    for w in reversed(name):
        offset = run.rindex(w, 0, offset)
    return offset, " ".join(name)


class Person(NamedTuple):
    name: str
    start: int
    end: int


class PeopleIndex:
    """The people an article names, in text order, with canonical full names."""

    def __init__(self, text: str) -> None:
        self._people: list[Person] = []
        self._canon: list[str] = []  # canonical full names, first-seen order
        for m in _NAME_RUN.finditer(text):
            found = _name_in_run(m.group(0))
            if found is None:
                continue
            offset, name = found
            self._people.append(Person(self.canonical(name), m.start() + offset, m.end()))
        # later surname-only mentions ("Austin said") count as mentions of the full name
        by_prefix: dict[str, list[str]] = {}
        for known in self._canon:
            by_prefix.setdefault(known.split()[-1][:3], []).append(known)
        covered = {p.start for p in self._people} | {p.end for p in self._people}
        spans = sorted((p.start, p.end) for p in self._people)
        for m in _CAPITALISED.finditer(text) if by_prefix else ():
            candidates = by_prefix.get(m.group(0)[:3])
            if not candidates or m.start() in covered or (m.start() and text[m.start() - 1].isalnum()):
                continue
            full = next((k for k in candidates if same_surname(k.split()[-1], m.group(0))), None)
            i = bisect.bisect_right(spans, (m.start(), len(text) + 1))
            inside = i > 0 and spans[i - 1][0] <= m.start() < spans[i - 1][1]
            if full is not None and not inside:
                self._people.append(Person(full, m.start(), m.end()))
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

    def first_from(self, pos: int) -> Person | None:
        """The first person named at or after `pos`."""
        i = bisect.bisect_left(self._starts, pos)
        return self._people[i] if i < len(self._people) else None

    def people_before(self, pos: int) -> Iterator[Person]:
        """The people named before `pos`, nearest first."""
        i = bisect.bisect_left(self._starts, pos)
        return reversed(self._people[:i])

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


def role_of(mention: str) -> str | None:
    """The role a mention gives its speaker: 'Pentagon Chief Lloyd Austin' → 'Pentagon Chief',
    'the Ukrainian leader' → 'Ukrainian leader'; None for a bare name or a pronoun."""
    words = mention.split()
    if (
        len(words) >= 2
        and words[0].lower() in ("the", "a", "an")
        and words[-1].lower() in lexicon().role_nouns
    ):
        return " ".join(words[1:])
    role, name = strip_title(words)
    return " ".join(role).rstrip(",") if role and name else None
