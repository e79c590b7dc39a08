"""Content terms of a claim's text: function words out, light stems, equivalent words mapped to one term.

Shared by quote matching (which statements share content) and figure identity (what a figure measures, and its
place and actor anchors), so both read "troops" and "soldiers", "Kursk-Oblast" and "Kursk Oblast" alike.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

from bot.extractor.figures import find_figures
from bot.extractor.types import Figure

NAME_WEIGHT = 0.5
TOKEN = re.compile(r"[a-z0-9][a-z0-9_.’'-]*[a-z0-9]|[a-z0-9]")  # '_' joins an equivalents phrase


@cache
def lines(name: str) -> tuple[str, ...]:
    text = resources.files("bot.core").joinpath("data", name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def stopwords() -> frozenset[str]:
    return frozenset(w for line in lines("stopwords.txt") for w in line.split())


def is_function_word(word: str) -> bool:
    """A word that says nothing of a claim's content ('the', 'of', 'said', pronouns): data/stopwords.txt."""
    return word.lower().replace("’", "'") in stopwords()


@cache
def _classes() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """word → class name, and the multi-word phrases (as 'a b' → 'a_b') to join before splitting words."""
    words: dict[str, str] = {}
    phrases: list[tuple[str, str]] = []
    for line in lines("equivalents.txt"):
        members = line.split()
        for m in members:
            words[m] = members[0]
            words.setdefault(stem(m), members[0])  # 'evacuees' is stemmed to 'evacue' before it is looked up
            if "_" in m:
                phrases.append((m.replace("_", " "), m))
    phrases.sort(key=lambda p: -len(p[0]))
    return words, tuple(phrases)


def stem(word: str) -> str:
    """A light stemmer: enough to make 'gathers'/'gathering'/'gathered' and 'sites'/'site' one term."""
    w = word.strip(".’'-").replace("’", "'")
    if w.endswith("'s"):
        w = w[:-2]
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3:
            if suffix == "s" and w.endswith(("ss", "us", "is")):
                continue
            if suffix == "es" and not w.endswith(("ches", "shes", "sses", "xes", "zes")):
                continue
            w = w[: len(w) - len(suffix)] + keep
            break
    if w.endswith("e") and len(w) > 4:
        w = w[:-1]  # 'police' and 'policing', 'make' and 'making' meet at 'polic', 'mak'
    return w


def _amount(f: Figure) -> str:
    """One token for a figure's value and unit, however it is written: '€40m' and '40 million euros' alike."""

    def num(v: float | None) -> str:
        return "" if v is None else (f"{int(v)}" if float(v).is_integer() else f"{v:g}".replace(".", "p"))

    amount = f"{num(f.low)}_{num(f.high)}" if f.low is not None and f.high is not None else num(f.value)
    return f" n_{re.sub(r'[^a-z]', '', (f.unit or '').lower())}_{amount} "


def _with_amounts(text: str) -> str:
    """The text with each figure written as one normalised token (bot.extractor's figure rules read the values)."""
    if not re.search(r"\d|million|billion|thousand|hundred|dozen", text, re.IGNORECASE):
        return text
    found = find_figures(text, [(0, len(text))])
    for f in sorted(found, key=lambda f: -f.start):
        text = text[: f.start] + _amount(f) + text[f.end :]
    return text


def weighted_terms(text: str) -> dict[str, float]:
    """The content terms of a claim's text with their weight: lower-cased, function words out, stems mapped to
    equivalence classes, amounts as one token each ('€40m' = '40 million euros'). Names weigh half: outlets
    covering one story share its names whatever each claim says."""
    words, phrases = _classes()
    text = _with_amounts(text)
    flat = " ".join(text.replace("-", " ").split())  # 'Kursk-Oblast' is 'Kursk Oblast
    low = flat.lower()
    for phrase, joined in phrases:
        if phrase in low:
            low = low.replace(phrase, joined)
            flat = flat.replace(
                phrase, joined
            )  # keep offsets aligned only loosely: capitals are read per word
    capitals = {w.lower() for w in re.findall(r"(?<![.!?“\"‘'] )(?<=\s)[A-Z][\w’'-]*", " " + flat)}
    stop = stopwords()
    out: dict[str, float] = {}
    if re.search(r"\bUS\b", flat):  # the country in capitals, not the pronoun 'us'
        out["united_states"] = NAME_WEIGHT
    for tok in TOKEN.findall(low):
        if tok in stop or tok.replace("’", "'") in stop:
            continue
        cls = words.get(tok)
        if cls is None:
            s = stem(tok)
            if s in stop or len(s) < 2:
                continue
            cls = words.get(s, s)
        weight = NAME_WEIGHT if tok in capitals else 1.0
        out[cls] = max(out.get(cls, 0.0), weight)
    return out


def terms(text: str) -> frozenset[str]:
    return frozenset(weighted_terms(text))
