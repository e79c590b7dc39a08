"""Whether a claim joins a cluster already stored, and with what status. Pure: a claim and its candidate clusters
in, a placement out.

Quotes: bot.core.quote_identity decides whether two quotes are the same (speaker and statement, by words or by
meaning); here a quote joins the candidate it matches best. Figures: bot.core.figure_identity decides what is the
same measured thing; here a figure is placed among the candidate clusters: the same value reported by an earlier
article corroborates, another value conflicts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core import figure_identity as fid
from bot.core.figure_identity import FigureRef, Reading
from bot.core.quote_identity import MAX_WORDS, quote_decision, quote_match, same_speaker, speaker_key
from bot.core.terms import weighted_terms

# the command line (bot.cli) imports these from here; they are bot.core.quote_identity's
__all__ = [
    "ClusterValue",
    "ClusterView",
    "Meaning",
    "Placement",
    "Status",
    "index_keys",
    "place",
    "quote_match",
    "same_speaker",
]

_MAX_KEYS = 40  # index keys per quote


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

    async def near(self, text: str, others: Sequence[str]) -> list[bool]:
        """A cheap first look, before any vector: False for each of `others` the model could not call close to
        `text` (so the pair costs no model call)."""
        ...


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
            weighted_terms(text[: MAX_WORDS * 12]).items(), key=lambda kv: (-kv[1], -len(kv[0]), kv[0])
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
