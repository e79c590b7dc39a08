"""Whether a claim joins a cluster already stored, and with what status. Pure: strings and numbers in, a decision out.

Quotes: the same statement by the same speaker, also shortened, paraphrased, turned into indirect speech or
translated differently. Two kinds of evidence, the better one decides:

- *words*: two outlets quoting one statement share most of its content words (bot.core.terms: function words
  out, light stems, equivalents such as troops/soldiers mapped to one term), or a run of its words in order, or a
  fragment of it in quote marks. The term score is the share of the shorter side's terms found in the other (a
  shortened quote is wholly contained in the full one), damped when the shorter side has few terms;
- *meaning*: the cosine of the two statements' sentence embeddings (all-MiniLM-L6-v2, computed by the caller:
  bot.adapters.minilm), for paraphrases that share few words ("the ministry will look at the contract again" /
  "officials plan a second review of the deal").

Either must clear its threshold, the speakers must be the same person, and two statements that disagree on a
negation or on their numbers are different statements whatever their words or meaning share.

Figures: bot.core.figure_identity decides what is the same measured thing; here a figure is placed among the
candidate clusters: the same value reported by an earlier article corroborates, another value conflicts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Literal, Protocol

from bot.core import figure_identity as fid
from bot.core.figure_identity import FigureRef, Reading
from bot.core.names import spelling_variants
from bot.core.terms import TOKEN, stopwords, weighted_terms
from bot.extractor.lexicon import lexicon

QUOTE_THRESHOLD = 0.6  # the word evidence's threshold
# the embeddings' cosine threshold, chosen on the tune half of bench/data/quote-pairs-train.jsonl and the 57 dev
# pairs under the false-merge bound (0.85% of 4,000 random same-speaker pairs at 0.70): README "Same quote or not"
MEANING_THRESHOLD = 0.7
_MAX_WORDS = 300  # words compared in order: bounds the quadratic run search (a quote is rarely longer)
_MAX_KEYS = 40  # index keys per quote
_MIN_EVIDENCE = 3.0  # terms of content the lighter side needs for its full score


@dataclass(frozen=True)
class Match:
    same: bool
    score: float


@cache
def _titles() -> frozenset[str]:
    """Words of a title before a name (the extractor's own list), which outlets add or drop at will."""
    return lexicon().titles | {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "the"}


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})
# a word that makes a name a body's, not a person's: "Chamber of Commerce", "Ministry for Health", "Smith & Co"
_BODY_WORDS = frozenset({"of", "for", "and", "&", "on", "de", "du", "la"})


def _name_words(name: str | None) -> list[str]:
    words = [p.replace("’", "'") for p in re.findall(r"[\w’'&-]+", (name or "").lower())]
    words = [w for w in words if w not in _titles()]
    while words and words[-1] in _SUFFIXES:
        words.pop()
    return words


def _canonical(word: str) -> str:
    """One spelling for every transliteration of a name word (Zelensky, Zelenskyy, Zelenskiy → one)."""
    return min(spelling_variants(word))


def speaker_key(name: str | None) -> str:
    """The surname a speaker is compared and found by ('Pentagon Chief Lloyd Austin', 'Lloyd J. Austin' → 'austin';
    'Zelenskyy' and 'Zelensky' alike)."""
    words = [w for w in _name_words(name) if len(w) > 1]
    return _canonical(words[-1]) if words else ""


def _is_body(words: list[str]) -> bool:
    return bool(_BODY_WORDS.intersection(words)) or len(words) > 4


def same_speaker(a: str | None, b: str | None) -> bool:
    """The same person or body. People: the same surname, and given names that agree where both are given — the
    same name in any spelling, or an initial of it ("Hillary Clinton" is not "Bill Clinton", nor "Petra Gallagher"
    "Priya Gallagher"; "P. Gallagher" may be either). Bodies: one name holds the other ("The Chamber of Commerce",
    "Lorvanian Chamber of Commerce")."""
    ka, kb = speaker_key(a), speaker_key(b)
    if not ka or ka != kb:
        return False
    wa, wb = _name_words(a), _name_words(b)
    if _is_body(wa) or _is_body(wb):
        sa, sb = {_canonical(w) for w in wa}, {_canonical(w) for w in wb}
        return sa <= sb or sb <= sa
    full_a, full_b = ({_canonical(w) for w in words[:-1] if len(w) > 1} for words in (wa, wb))
    if full_a and full_b:
        return bool(full_a & full_b)  # a role word before the name ("Pentagon Chief …") may differ, not all
    initials_a, initials_b = ({w[0] for w in words[:-1]} for words in (wa, wb))
    return not (initials_a and initials_b) or bool(initials_a & initials_b)  # one outlet dropped it, or "P."


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
    return tuple(w.replace("’", "'") for w in TOKEN.findall(text.lower()))[:_MAX_WORDS]


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
    stop = stopwords()
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


_NUMBER = re.compile(r"\d[\d,.]*")


@lru_cache(maxsize=_TEXTS_CACHED)
def _numbers(text: str) -> frozenset[str]:
    return frozenset(n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text))


def numbers_differ(a_text: str, b_text: str) -> bool:
    """Both statements give numbers and none of them is the same: "we lost 12 ships" is not "we lost 40 ships"."""
    na, nb = _numbers(a_text), _numbers(b_text)
    return bool(na and nb and na.isdisjoint(nb))


_CONTRADICTION_OVERLAP = 0.8  # share of both sides' terms in common: the same words, one of them negated


def contradicts(a_text: str, b_text: str) -> bool:
    """One statement is the other negated: the same content terms on both sides (not merely the shorter side's
    in the longer one, as for a shortened quote) and a negation on one side only ("we will sign the contract" /
    "we will not sign the contract"). A long quote holding a 'not' somewhere is not a contradiction of its
    summary: both sides must carry nearly the same terms."""
    if negated(a_text) == negated(b_text):
        return False
    ta, tb = set(_content_terms(a_text)), set(_content_terms(b_text))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= _CONTRADICTION_OVERLAP


def quote_decision(a_text: str, b_text: str, meaning: float | None = None) -> Match:
    """Whether two statements by one speaker are the same statement: by their words, or by their meaning (the
    embeddings' cosine, when the caller has it). Statements that disagree on a negation or on their numbers need
    their words to agree: meaning alone cannot tell "we will" from "we will not"."""
    words = quote_similarity(a_text, b_text)
    same, score = words >= QUOTE_THRESHOLD, words
    if (
        not same
        and meaning is not None
        and meaning >= MEANING_THRESHOLD
        and negated(a_text) == negated(b_text)
        and not numbers_differ(a_text, b_text)
    ):
        same, score = True, meaning
    if same and (
        contradicts(a_text, b_text)
        or (numbers_differ(a_text, b_text) and wording_similarity(a_text, b_text) < 0.9)
    ):
        same = False
    return Match(same, round(score, 3))


def quote_match(
    a_text: str, a_speaker: str | None, b_text: str, b_speaker: str | None, meaning: float | None = None
) -> Match:
    """Same speaker, and the same statement by its wording, its content terms or its meaning."""
    if not same_speaker(a_speaker, b_speaker):
        return Match(False, 0.0)
    return quote_decision(a_text, b_text, meaning)


# --- placing a new claim among the clusters already stored -----------------------------------------------------


@dataclass(frozen=True)
class ClusterValue:
    """One reported value of a figure cluster, who reported it first and when."""

    value: float
    approximate: bool
    source: str
    article_id: int
    low: float | None = None
    high: float | None = None
    seen_at: str | None = None

    def reading(self) -> Reading:
        return Reading(self.value, self.approximate, self.low, self.high)


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
    meaning: float | None = (
        None  # quote clusters: the best cosine of the new claim with a wording, if computed
    )


class Meaning(Protocol):
    """Sentence embeddings, the port bot.adapters.minilm implements: packed vectors, and their cosine."""

    async def vectors(self, texts: Sequence[str]) -> list[bytes]: ...

    def cosine(self, a: bytes, b: bytes) -> float: ...


Status = Literal["new", "corroborated", "conflicting", "repeat"]


@dataclass(frozen=True)
class Placement:
    """Where a claim goes: a new cluster (cluster_id None) or an existing one, and what that means."""

    cluster_id: int | None
    status: Status
    score: float = 0.0
    agrees_with: ClusterValue | None = None  # corroborated figure: the value it confirms
    conflicts_with: ClusterValue | None = None  # conflicting figure: the latest earlier value it contradicts
    earlier: tuple[ClusterValue, ...] = ()  # conflicting figure: every value reported before, first first


def index_keys(kind: str, speaker: str | None, text: str, figure: FigureRef | None) -> list[str]:
    """The keys a claim is found by: a quote by speaker and content term, a figure by its measured thing."""
    if kind == "quote":
        who = speaker_key(speaker)
        found = sorted(
            weighted_terms(text[: _MAX_WORDS * 12]).items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])
        )
        return [f"q:{who}:{t}" for t, _ in found[:_MAX_KEYS]] if who else []
    return fid.index_keys(figure) if figure is not None else []


def place(
    kind: str,
    article_id: int,
    speaker: str | None,
    text: str,
    figure: FigureRef | None,
    candidates: list[ClusterView],
    at: str | None = None,
    siblings: Sequence[str] = (),
) -> Placement:
    """Join the best matching cluster, or found a new one. Pure: the store fetches the candidates by index_keys
    (and the caller computes each quote candidate's `meaning`); `at` is when the claim's article was published;
    `siblings` are the article's other statements by the same speaker."""
    if kind == "quote":
        return _place_quote(article_id, speaker, text, candidates, siblings)
    if figure is None:
        return Placement(None, "new")
    return _place_figure(article_id, figure, candidates, at)


def _place_quote(
    article_id: int, speaker: str | None, text: str, candidates: list[ClusterView], siblings: Sequence[str]
) -> Placement:
    best: tuple[float, ClusterView] | None = None
    for c in candidates:
        if c.kind != "quote" or not same_speaker(speaker, c.speaker):
            continue
        words = max((quote_decision(text, t) for t in c.texts), key=lambda m: (m.same, m.score), default=None)
        m = words if words is not None and words.same else None
        if m is None and c.meaning is not None and not _said_by_a_sibling(c, siblings):
            # meaning is compared with the cluster's best wording; the guards read every wording
            m = max(
                (quote_decision(text, t, c.meaning) for t in c.texts),
                key=lambda x: (x.same, x.score),
                default=None,
            )
        if m is not None and m.same and (best is None or m.score > best[0]):
            best = (m.score, c)
    if best is None:
        return Placement(None, "new")
    score, c = best
    return Placement(c.id, "repeat" if article_id in c.article_ids else "corroborated", round(score, 3))


def _said_by_a_sibling(c: ClusterView, siblings: Sequence[str]) -> bool:
    """Whether another statement of the same article is this cluster's statement by its words: then the article
    says it there, and a statement that comes near it only in meaning is another one ("Russia intends to use these
    troops against Ukraine." / "That would make them legitimate military targets.": the second is the one an earlier
    outlet reported; the first is new, though close in meaning)."""
    return any(quote_decision(s, t).same for s in siblings for t in c.texts)


def _place_figure(
    article_id: int, figure: FigureRef, candidates: list[ClusterView], at: str | None
) -> Placement:
    """Status is against what *earlier* articles reported: a value this article already gave is a repeat; a value
    an earlier article gave corroborates it; another value for the same thing conflicts with the latest one."""
    loose: Placement | None = None
    mine = fid.reading(figure)
    for c in candidates:
        if c.kind != "figure" or c.thing is None:
            continue
        latest = max((v.seen_at for v in c.values if v.seen_at), default=None)
        k = fid.kinship(figure, c.thing, fid.apart(at, latest))
        if k == "other":
            continue
        earlier = tuple(v for v in c.values if v.article_id != article_id)
        agrees = next((v for v in earlier if fid.agree(mine, v.reading())), None)
        if k == "same":
            if agrees is not None:
                return Placement(c.id, "corroborated", 1.0, agrees_with=agrees)
            if any(v.article_id == article_id and fid.agree(mine, v.reading()) for v in c.values):
                return Placement(c.id, "repeat", 1.0)  # this article gave this value already
            if earlier:
                return Placement(c.id, "conflicting", 1.0, conflicts_with=earlier[-1], earlier=earlier)
            # only this article's other values: two things the article itself tells apart ("four water bombers
            # joined the 14 already in the air"), not a conflict with itself
            continue
        if agrees is not None and loose is None:
            # "10,000 North Korean troops" agreeing with "10,000 North Korean soldiers in Russia": one says less,
            # so it may corroborate; it never conflicts (a false conflict alert costs a newsroom more)
            loose = Placement(c.id, "corroborated", 0.9, agrees_with=agrees)
    return loose or Placement(None, "new")
