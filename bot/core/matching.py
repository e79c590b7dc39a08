"""Whether two claims from different articles are the same claim. Pure: strings and numbers in, a decision out.

Quotes: the same statement by the same speaker, also shortened, paraphrased, turned into indirect speech or
translated differently. Two outlets quoting one statement share most of its *content words* (after function words
and pronouns are dropped, plurals and verb endings stripped, and equivalent words — troops/soldiers, North
Korea/North Korean, `data/equivalents.txt` — mapped to one term). The score is the share of the shorter side's terms
found in the other side (a shortened quote is wholly contained in the full one), damped when the shorter side has
few terms, because three shared words say less than ten. A side that puts a fragment of the other's words in quote
marks ('she would speak directly to “white people”') is reporting that statement. Terms shared by a negated and an
affirmative statement weigh less ("I pay federal taxes" / "not paying taxes makes me smart").

Figures: the same measured thing is the same unit, the same counted noun (up to equivalents), the same rate, and
the same place and actor anchors; the same value within rounding corroborates, a different value conflicts.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from typing import Literal

from bot.extractor.lexicon import lexicon

QUOTE_THRESHOLD = 0.6
_NAME_WEIGHT = 0.5
_MAX_WORDS = 300  # words compared in order: bounds the quadratic run search (a quote is rarely longer)
_MAX_KEYS = 40  # index keys per quote
_MIN_EVIDENCE = 3.0  # terms of content the lighter side needs for its full score
_TOKEN = re.compile(r"[a-z0-9][a-z0-9_.’'-]*[a-z0-9]|[a-z0-9]")  # '_' joins an equivalents phrase


@dataclass(frozen=True)
class Match:
    same: bool
    score: float


@cache
def _lines(name: str) -> tuple[str, ...]:
    text = resources.files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    return tuple(line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#"))


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(w for line in _lines("stopwords.txt") for w in line.split())


def is_function_word(word: str) -> bool:
    """A word that says nothing of a claim's content ('the', 'of', 'said', pronouns): data/stopwords.txt."""
    return word.lower().replace("’", "'") in _stopwords()


@cache
def _classes() -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """word → class name, and the multi-word phrases (as 'a b' → 'a_b') to join before splitting words."""
    words: dict[str, str] = {}
    phrases: list[tuple[str, str]] = []
    for line in _lines("equivalents.txt"):
        members = line.split()
        for m in members:
            words[m] = members[0]
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


def weighted_terms(text: str) -> dict[str, float]:
    """The content terms of a claim's text with their weight: lower-cased, function words out, stems mapped to
    equivalence classes. Names weigh half: outlets covering one story share its names whatever each claim says."""
    words, phrases = _classes()
    flat = " ".join(text.replace("-", " ").split())  # 'Kursk-Oblast' is 'Kursk Oblast
    low = flat.lower()
    for phrase, joined in phrases:
        if phrase in low:
            low = low.replace(phrase, joined)
            flat = flat.replace(
                phrase, joined
            )  # keep offsets aligned only loosely: capitals are read per word
    capitals = {w.lower() for w in re.findall(r"(?<![.!?“\"‘'] )(?<=\s)[A-Z][\w’'-]*", " " + flat)}
    stop = _stopwords()
    out: dict[str, float] = {}
    if re.search(r"\bUS\b", flat):  # the country in capitals, not the pronoun 'us'
        out["united_states"] = _NAME_WEIGHT
    for tok in _TOKEN.findall(low):
        if tok in stop or tok.replace("’", "'") in stop:
            continue
        cls = words.get(tok)
        if cls is None:
            s = stem(tok)
            if s in stop or len(s) < 2:
                continue
            cls = words.get(s, s)
        weight = _NAME_WEIGHT if tok in capitals else 1.0
        out[cls] = max(out.get(cls, 0.0), weight)
    return out


def terms(text: str) -> frozenset[str]:
    return frozenset(weighted_terms(text))


@cache
def _titles() -> frozenset[str]:
    """Words of a title before a name (the extractor's own list), which outlets add or drop at will."""
    return lexicon().titles | {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "the"}


def speaker_key(name: str | None) -> str:
    """The surname a speaker is compared by ('Pentagon Chief Lloyd Austin' and 'Lloyd J. Austin' → 'austin')."""
    if not name:
        return ""
    parts = [p for p in re.findall(r"[\w’'-]+", name.lower()) if p not in _titles() and len(p) > 1]
    while parts and parts[-1] in ("jr", "sr", "ii", "iii"):
        parts.pop()
    return parts[-1].replace("’", "'") if parts else ""


def same_speaker(a: str | None, b: str | None) -> bool:
    """Both named and sharing a surname (first names may be dropped or abbreviated by one outlet)."""
    ka, kb = speaker_key(a), speaker_key(b)
    if not ka or ka != kb:
        return False
    # given names on both sides must share an initial: "Hillary Clinton" is not "Bill Clinton"
    given_a, given_b = _initials(a, ka), _initials(b, kb)
    return not (given_a and given_b and not given_a & given_b)


def _initials(name: str | None, surname: str) -> set[str]:
    words = [p.replace("’", "'") for p in re.findall(r"[\w’'-]+", (name or "").lower()) if p not in _titles()]
    return {w[0] for w in words if w != surname}


def term_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted share of the lighter side's terms found in the other (a shortened quote is wholly contained),
    damped when the lighter side has fewer than three terms that are not names: "Trump's tweets" shares a name
    and one word with any claim about the tweets, which says little."""
    wa, wb = sum(a.values()), sum(b.values())
    if not wa or not wb:
        return 0.0
    small, other = (a, b) if wa <= wb else (b, a)
    shared = sum(w for t, w in small.items() if t in other)
    plain = sum(1 for w in small.values() if w == 1.0)
    return shared / min(wa, wb) * min(1.0, plain / _MIN_EVIDENCE)


# Placing one claim compares it with up to 25 candidates, each with up to 5 wordings, and the same clusters come up
# for claim after claim: the per-text readings below are cached (pure functions of the text; immutable results).
_TEXTS_CACHED = 4096


@lru_cache(maxsize=_TEXTS_CACHED)
def _words(text: str) -> tuple[str, ...]:
    """A claim's words in order, lower-cased, at most _MAX_WORDS."""
    return tuple(w.replace("’", "'") for w in _TOKEN.findall(text.lower()))[:_MAX_WORDS]


@lru_cache(maxsize=_TEXTS_CACHED)
def _trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    w = _words(text)
    return frozenset(zip(w, w[1:], w[2:], strict=False))


@lru_cache(maxsize=_TEXTS_CACHED)
def _content_terms(text: str) -> dict[str, float]:
    """weighted_terms, cached for quote_similarity; callers must not change the dict."""
    return weighted_terms(text)


def wording_similarity(a: str, b: str) -> float:
    """The longest run of words both sides share, over the shorter side's length: the same words in the same order,
    quoted in full or in part ('That makes me smart' / 'Not paying taxes "makes me smart"'). Runs under three words
    count for nothing."""
    if _trigrams(a).isdisjoint(_trigrams(b)):  # a shared run of three words or more is a shared trigram
        return 0.0
    wa, wb = _words(a), _words(b)
    if len(wa) < 3 or len(wb) < 3:
        return 0.0
    best, prev = 0, [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best / min(len(wa), len(wb)) if best >= 3 else 0.0


_QUOTED = re.compile(r"[“\"]([^“”\"]{2,300}?)[”\"]|‘([^‘’]{2,300}?)’(?![a-z])|''(.{2,300}?)''")
_NEGATIONS = frozenset(
    {"not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without", "cannot"}
)
FRAGMENT_SCORE = (
    0.8  # a quoted fragment of the other side's words: strong evidence, short of the same wording
)
POLARITY_DAMPING = 0.85  # shared terms, opposite polarity: "I pay federal taxes" vs "not paying taxes …"


def quotes_a_fragment_of(a: str, b: str) -> bool:
    """True when `a` puts in quote marks a fragment of `b`'s words, in order: an outlet reporting a statement
    quotes the telling words of it ('she would speak directly to “white people”'; 'be recognised as
    “intolerable”'). The fragment must hold a content word, and must not be the whole of `a`."""
    wa, wb = _words(a), _words(b)
    stop = _stopwords()
    for m in _QUOTED.finditer(a[: _MAX_WORDS * 12]):
        frag = _words(m.group(1) or m.group(2) or m.group(3))
        if not frag or len(frag) >= len(wa) - 1 or all(w in stop for w in frag):
            continue
        n = len(frag)
        if any(wb[i : i + n] == frag for i in range(len(wb) - n + 1)):
            return True
    return False


@lru_cache(maxsize=_TEXTS_CACHED)
def negated(text: str) -> bool:
    """Whether a statement holds a negation (not, never, no, …, or a word ending in n't)."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in _words(text))


def quote_similarity(a_text: str, b_text: str) -> float:
    """The best of three readings: the same wording, a quoted fragment of the other's wording, or the same
    content terms. Terms shared by a negated and an affirmative statement count for less: they say opposite
    things about the same words."""
    terms_score = term_similarity(_content_terms(a_text), _content_terms(b_text))
    if negated(a_text) != negated(b_text):
        terms_score *= POLARITY_DAMPING
    fragment = quotes_a_fragment_of(a_text, b_text) or quotes_a_fragment_of(b_text, a_text)
    return max(wording_similarity(a_text, b_text), FRAGMENT_SCORE if fragment else 0.0, terms_score)


def quote_match(a_text: str, a_speaker: str | None, b_text: str, b_speaker: str | None) -> Match:
    """Same speaker, and the same statement by its wording or by its content terms."""
    if not same_speaker(a_speaker, b_speaker):
        return Match(False, 0.0)
    score = quote_similarity(a_text, b_text)
    return Match(score >= QUOTE_THRESHOLD, round(score, 3))


# --- figures ---------------------------------------------------------------------------------------------------

FigureRelation = Literal["same", "conflict", "different"]


@dataclass(frozen=True)
class FigureRef:
    """What a figure measures and its value, as stored with a claim."""

    value: float
    unit: str | None
    counted: str | None
    subject: str | None
    rate: str | None = None
    approximate: bool = False
    event: str | None = None  # what happened to what is counted (killed, injured, …), when the sentence says


@cache
def _events() -> dict[str, str]:
    return {w: line.split()[0] for line in _lines("events.txt") for w in line.split()}


_EVENT_AFTER = 6  # words after the figure: "12 people were killed", "30 people, most of them wounded"
_EVENT_BEFORE = 4  # words before it: "police arrested 25 protesters", "the deaths of 14 civilians"


def figure_event(context: str, figure_text: str) -> str | None:
    """The event class nearest after the figure in its sentence (else just before it), or None."""
    at = context.find(figure_text) if figure_text else -1
    if at < 0:
        return None
    events = _events()
    clause = re.split(r"[;:.!?]| and | but ", context[at + len(figure_text) :], maxsplit=1)[0]
    for word in re.findall(r"[a-z]+", clause.lower())[:_EVENT_AFTER]:
        if word in events:
            return events[word]
    before = re.split(r"[;:.!?,]", context[:at])[-1]
    for word in reversed(re.findall(r"[a-z]+", before.lower())[-_EVENT_BEFORE:]):
        if word in events:
            return events[word]
    return None


_GENERIC_PLACES = frozenset(
    {"oblast", "site"}
)  # classes of 'region', 'area', 'place': the name is the anchor


def subject_terms(f: FigureRef) -> frozenset[str]:
    """A figure's anchors: its counted noun, places and actors ('Kursk region' and 'Kursk-Oblast area' alike)."""
    return terms(" ".join(p for p in (f.counted, f.subject) if p)) - _GENERIC_PLACES


def measured_thing(f: FigureRef) -> tuple[str, str, str]:
    """(unit, counted class, rate): the part of a figure's identity that must match exactly."""
    counted = min(terms(f.counted), default="") if f.counted else ""
    return (f.unit or "", counted, f.rate or "")


def within_rounding(a: float, b: float, approximate: bool = False) -> bool:
    """8,000 and 8,000; 9 million and 9.2 million only when one is approximate ('about 9 million')."""
    if a == b:
        return True
    big = max(abs(a), abs(b))
    tolerance = 0.05 if approximate else 0.005
    return abs(a - b) <= tolerance * big


def kinship(a: FigureRef, b: FigureRef) -> Literal["same", "looser", "other"]:
    """How two figures' measured things relate. same: the same unit, counted noun, rate, anchors and event.
    looser: nothing differs, but one says less (fewer anchors, or no event): it may corroborate, never conflict.
    other: something differs ("in the Kursk region" ≠ "in Russia"; killed ≠ wounded)."""
    ta = measured_thing(a)
    if ta != measured_thing(b) or (not ta[1] and not (subject_terms(a) or subject_terms(b))):
        # a figure that says neither what it counts nor of what ("$18 million", "45 percent") names no
        # measured thing: two of them are not the same claim, and never conflict
        return "other"
    if a.event and b.event and a.event != b.event:
        return "other"
    sa, sb = subject_terms(a), subject_terms(b)
    if sa == sb and a.event == b.event:
        return "same"
    if sa == sb or (sa and sb and (sa < sb or sb < sa)):
        return "looser"
    return "other"


def same_measured_thing(a: FigureRef, b: FigureRef) -> bool:
    return kinship(a, b) == "same"


def figure_relation(a: FigureRef, b: FigureRef) -> FigureRelation:
    """same (corroboration), conflict (the same thing, another value) or different."""
    k = kinship(a, b)
    agree = within_rounding(a.value, b.value, a.approximate or b.approximate)
    if k == "same":
        return "same" if agree else "conflict"
    return "same" if k == "looser" and agree else "different"


# --- placing a new claim among the clusters already stored -----------------------------------------------------


@dataclass(frozen=True)
class ClusterValue:
    """One reported value of a figure cluster and who reported it first."""

    value: float
    approximate: bool
    source: str
    article_id: int


@dataclass(frozen=True)
class ClusterView:
    """What matching needs to know of a stored cluster."""

    id: int
    kind: str
    speaker: str | None
    texts: tuple[str, ...]  # quote clusters: the wordings seen so far (a few)
    thing: FigureRef | None  # figure clusters: the measured thing (the first claim's)
    values: tuple[ClusterValue, ...]  # figure clusters: every distinct value, first reporter first
    article_ids: frozenset[int]


@dataclass(frozen=True)
class Placement:
    """Where a claim goes: a new cluster (cluster_id None) or an existing one, and what that means."""

    cluster_id: int | None
    status: Literal["new", "corroborated", "conflicting", "repeat"]
    score: float = 0.0
    agrees_with: ClusterValue | None = None  # corroborated figure: the value it confirms
    conflicts_with: ClusterValue | None = None  # conflicting figure: the first value it contradicts


def figure_ref(value: float | None, data: dict[str, object], context: str = "") -> FigureRef | None:
    """A stored figure's identity, from the extractor's data and the sentence it stands in (for its event)."""
    if value is None or not math.isfinite(value):
        return None
    return FigureRef(
        float(value),
        _str(data.get("unit")),
        _str(data.get("counted")),
        _str(data.get("subject")),
        _str(data.get("rate")),
        data.get("approx") is not None,
        figure_event(context, _str(data.get("text")) or ""),
    )


def _str(x: object) -> str | None:
    return x if isinstance(x, str) and x else None


def index_keys(kind: str, speaker: str | None, text: str, figure: FigureRef | None) -> list[str]:
    """The keys a claim is found by: a quote by speaker and content term, a figure by its measured thing."""
    if kind == "quote":
        who = speaker_key(speaker)
        found = sorted(
            weighted_terms(text[: _MAX_WORDS * 12]).items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])
        )
        return [f"q:{who}:{t}" for t, _ in found[:_MAX_KEYS]] if who else []
    if figure is None:
        return []
    unit, counted, rate = measured_thing(figure)
    if not counted and not subject_terms(figure):
        return []  # nothing it measures to be found by (see kinship)
    thing = f"f:{unit}|{counted}|{rate}"
    # the anchors rank candidates: "soldiers in Kursk" finds Kursk's clusters first among every soldiers cluster
    return [thing] + [f"{thing}|{a}" for a in sorted(subject_terms(figure))]


def place(
    kind: str,
    article_id: int,
    speaker: str | None,
    text: str,
    figure: FigureRef | None,
    candidates: list[ClusterView],
) -> Placement:
    """Join the best matching cluster, or found a new one. Pure: the store fetches the candidates by index_keys."""
    if kind == "quote":
        best: tuple[float, ClusterView] | None = None
        for c in candidates:
            if c.kind != "quote" or not same_speaker(speaker, c.speaker):
                continue
            score = max((quote_similarity(text, t) for t in c.texts), default=0.0)
            if score >= QUOTE_THRESHOLD and (best is None or score > best[0]):
                best = (score, c)
        if best is None:
            return Placement(None, "new")
        score, c = best
        return Placement(c.id, "repeat" if article_id in c.article_ids else "corroborated", round(score, 3))
    if figure is None:
        return Placement(None, "new")
    loose: Placement | None = None
    for c in candidates:
        if c.kind != "figure" or c.thing is None:
            continue
        k = kinship(figure, c.thing)
        if k == "other":
            continue
        agrees = next(
            (
                v
                for v in c.values
                if within_rounding(figure.value, v.value, figure.approximate or v.approximate)
            ),
            None,
        )
        if k == "same":
            if article_id in c.article_ids:
                return Placement(c.id, "repeat", 1.0)
            if agrees is not None:
                return Placement(c.id, "corroborated", 1.0, agrees_with=agrees)
            return Placement(c.id, "conflicting", 1.0, conflicts_with=c.values[0] if c.values else None)
        if agrees is not None and loose is None:
            # "10,000 North Korean troops" agreeing with "10,000 North Korean soldiers in Russia": one says less,
            # so it may corroborate; it never conflicts (a false conflict alert costs a newsroom more)
            status: Literal["repeat", "corroborated"] = (
                "repeat" if article_id in c.article_ids else "corroborated"
            )
            loose = Placement(c.id, status, 0.9, agrees_with=agrees)
    return loose or Placement(None, "new")
