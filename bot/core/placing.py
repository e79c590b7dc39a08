"""Where a new claim goes, and the article write as one unit of work.

`add_claim` is the decision the store used to make: the claim's index keys → the store's candidate clusters →
bot.core.matching.place → for a quote no candidate's words match and whose speaker has candidates, the meaning
of its words (sentence embeddings, each wording embedded once and kept) and place again → the writes. The store
(bot.core.ports.ClaimRepository) only reads and writes. `record_article` is the whole write of one article, its
claims and the alerts they raise: the service and the bench call it alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.core.alerts import ArticleInfo, ClaimOutcome, TeamWatch, decide_alerts
from bot.core.claims import ClaimDraft
from bot.core.figure_identity import figure_ref
from bot.core.matching import ClusterView, Meaning, Placement, index_keys, place
from bot.core.ports import ClaimRepository, UnitOfWorkFactory
from bot.core.quote_identity import meaning_may_decide, same_speaker
from bot.core.records import NewArticle
from bot.errors import StoreConflict


async def add_claim(
    claims: ClaimRepository,
    article: ArticleInfo,
    c: ClaimDraft,
    meaning: Meaning | None = None,
    siblings: Sequence[ClaimDraft] = (),
) -> ClaimOutcome:
    """Store one claim, joining the cluster it matches (bot.core.matching) or founding one.

    Candidates come from the store's index (a quote by speaker and content term, a figure by its measured thing),
    a bounded number of them, so the cost does not grow with the store. A quote that no candidate's words match is
    compared by meaning (`meaning`: sentence embeddings) with the candidates of its speaker, if it has any: a quote
    whose speaker has no candidate costs no model call. `siblings`: the article's other claims (a statement close
    in meaning to a cluster that another of them states in words is not that one)."""
    figure = figure_ref(c.value, c.data) if c.kind == "figure" else None
    keys = index_keys(c.kind, c.speaker, c.text, figure)
    found = await claims.candidates(c.kind, keys, c.key, article.id)
    views = found.views
    placement = place(c.kind, article.id, c.speaker, c.text, figure, views, article.published)
    if c.kind == "quote" and placement.cluster_id is None and meaning is not None:
        views = await _with_meaning(claims, meaning, c, views)
        said = [
            s.text
            for s in siblings
            if s.kind == "quote" and s is not c and same_speaker(s.speaker, c.speaker)
        ]
        placement = place(c.kind, article.id, c.speaker, c.text, figure, views, article.published, said)
    legacy = found.exact and views[0].thing is None and not views[0].texts  # stored by schema v1
    if legacy and placement.cluster_id is None:
        placement = Placement(views[0].id, "repeat" if article.id in views[0].article_ids else "corroborated")
    if placement.cluster_id is None:
        # the exact key may belong to another thing ("800 containers" in another port): keep keys unique
        key = f"{c.key}#a{article.id}:{c.start}" if found.exact else c.key
        cluster_id = await claims.found_cluster(article, c, key, figure)
        outcome = ClaimOutcome(c, cluster_id, "new")
    else:
        cluster_id = placement.cluster_id
        first = await claims.first_report(cluster_id)
        other = placement.conflicts_with
        outcome = ClaimOutcome(
            c,
            cluster_id,
            placement.status,
            first.source,
            first.title,
            first.seen,
            conflicting_value=other.value if other else None,
            conflicting_source=other.source if other else None,
            earlier=tuple((v.value, v.source) for v in placement.earlier),
        )
        if c.kind == "quote" and not (
            placement.status == "corroborated" and await claims.add_wording(cluster_id, c.text)
        ):
            keys = []  # a quote cluster is found by the wordings it keeps, so its index stays bounded
    await claims.index(cluster_id, keys)
    await claims.insert_claim(article, c, outcome.cluster_id, outcome.status)
    return outcome


async def _compared(meaning: Meaning, c: ClaimDraft, views: list[ClusterView]) -> list[ClusterView]:
    """The candidates a quote is compared with by meaning, each with the wordings to compare: the first
    MEANING_CANDIDATES of its speaker with a wording that passes the meaning guards (of each its first and latest
    such wording), and of those the wordings the first look finds near it (no model call)."""
    mine = [
        replace(v, texts=tuple(dict.fromkeys((could[0], could[-1]))))  # its first and latest wordings
        for v in views
        if v.kind == "quote" and same_speaker(c.speaker, v.speaker)
        if (could := tuple(t for t in v.texts if meaning_may_decide(c.text, t)))
    ][:MEANING_CANDIDATES]
    if mine:  # a first look, without the model: most wordings are far too different for it to join them
        wordings = list(dict.fromkeys(t for v in mine for t in v.texts))
        near = {t for t, ok in zip(wordings, await meaning.near(c.text, wordings), strict=True) if ok}
        mine = [replace(v, texts=kept) for v in mine if (kept := tuple(t for t in v.texts if t in near))]
    return mine


async def _with_meaning(
    claims: ClaimRepository, meaning: Meaning, c: ClaimDraft, views: list[ClusterView]
) -> list[ClusterView]:
    """The candidates of the quote's speaker with their `meaning`: the best cosine of the quote with one of their
    wordings. Each wording is embedded once (kept by the store), the quote too, and only when its speaker has a
    candidate."""
    mine = await _compared(meaning, c, views)
    if not mine:
        return views  # no candidate meaning could join: no model call
    texts = list(dict.fromkeys([c.text, *(t for v in mine for t in v.texts)]))
    known = await claims.vectors(texts)
    missing = [t for t in texts if t not in known]
    if missing:
        made = dict(zip(missing, await meaning.vectors(missing), strict=True))
        known.update(made)
        await claims.add_vectors(made)
    own = known[c.text]
    scored = {v.id: max(meaning.cosine(own, known[t]) for t in v.texts) for v in mine}
    return [replace(v, meaning=scored[v.id]) if v.id in scored else v for v in views]


# Same-speaker candidates compared by meaning, best index overlap first. The model costs 12–16 ms a text on one
# core, and a speaker met for the first time since the upgrade to schema v11 brings wordings never embedded:
# the first two candidates held 31 of the 35 cosines ≥ 0.70 in bench_claims' ingests (issue 17's notes). Of each,
# the first and the latest wordings are compared: a quote costs at most five texts, one once they are stored.
MEANING_CANDIDATES = 2


class _Prepared:
    """A Meaning whose vectors for an article's quotes were computed before its unit of work (`_prepare`): the
    write asks for them and gets them at once; a text not prepared (a cluster founded meanwhile) goes to the
    model then. First looks are remembered, as the write looks again at the same pairs."""

    def __init__(self, inner: Meaning) -> None:
        self._inner = inner
        self._made: dict[str, bytes] = {}
        self._looked: dict[tuple[str, str], bool] = {}

    async def vectors(self, texts: Sequence[str]) -> list[bytes]:
        missing = [t for t in dict.fromkeys(texts) if t not in self._made]
        if missing:
            self._made.update(zip(missing, await self._inner.vectors(missing), strict=True))
        return [self._made[t] for t in texts]

    def cosine(self, a: bytes, b: bytes) -> float:
        return self._inner.cosine(a, b)

    async def near(self, text: str, others: Sequence[str]) -> list[bool]:
        new = [o for o in dict.fromkeys(others) if (text, o) not in self._looked]
        if new:
            for o, ok in zip(new, await self._inner.near(text, new), strict=True):
                self._looked[text, o] = ok
        return [self._looked[text, o] for o in others]


async def _prepare(
    store: UnitOfWorkFactory, article: NewArticle, drafts: Sequence[ClaimDraft], meaning: Meaning
) -> Meaning:
    """Embed, before the article's unit of work and in one batch, every quote wording its placing will compare by
    meaning: the store's write lock is then held for the reads and writes alone, not for the model (10–20 ms a
    text). The candidates are read as add_claim reads them, in a unit of work that writes nothing; an article
    stored already (a wire copy from another feed) is not prepared, as it will not be written."""
    prepared = _Prepared(meaning)
    wanted: list[str] = []
    # the clusters the article's earlier quotes will found, as the write will see them
    founding: list[tuple[ClusterView, set[str]]] = []  # and their index keys
    async with store.unit_of_work() as uow:
        if await uow.articles.stored(article):
            return meaning
        for c in drafts:
            if c.kind != "quote" or not c.speaker:
                continue
            keys = index_keys(c.kind, c.speaker, c.text, None)
            views = (await uow.claims.candidates(c.kind, keys, c.key, 0)).views
            # the article's own new clusters that share an index key with it, as the index will find them
            ours = [v for v, found_by in founding if found_by.intersection(keys)]
            if place(c.kind, 0, c.speaker, c.text, None, [*views, *ours]).cluster_id is not None:
                continue  # its words find its cluster: no meaning asked
            # the write may rank the article's own new clusters otherwise among the stored ones: then it embeds
            # what it lacks itself (rare: a speaker quoted twice in one article, in other words)
            wanted += [t for v in await _compared(prepared, c, [*views, *ours]) for t in (c.text, *v.texts)]
            view = ClusterView(-len(founding) - 1, c.kind, c.speaker, (c.text,), None, (), frozenset())
            founding.append((view, set(keys)))
        texts = list(dict.fromkeys(wanted))
        stored = await uow.claims.vectors(texts) if texts else {}
    await prepared.vectors([t for t in texts if t not in stored])
    return prepared


def _candidate_keys(c: ClaimDraft) -> list[str]:
    """The keys `add_claim` reads the claim's candidates by: its exact key and its index keys."""
    figure = figure_ref(c.value, c.data) if c.kind == "figure" else None
    return [f"{c.kind}|{c.key}", *index_keys(c.kind, c.speaker, c.text, figure)]


@dataclass(frozen=True)
class Recorded:
    """An article written with its claims: its id, each claim's outcome, and how many alerts were queued."""

    article_id: int
    outcomes: list[ClaimOutcome]
    queued: int


async def record_article(
    store: UnitOfWorkFactory,
    article: NewArticle,
    drafts: Sequence[ClaimDraft],
    teams: Sequence[TeamWatch],
    loud: bool,
    meaning: Meaning | None = None,
) -> Recorded | None:
    """One article, its claims and (when `loud`) the alerts they raise, in one unit of work: all of it or none.
    None when the article is not new (stored meanwhile: another feed's poll, a restart). The model runs before
    the unit of work (`_prepare`), so the store is not held while it does."""
    if meaning is not None and any(c.kind == "quote" for c in drafts):
        meaning = await _prepare(store, article, drafts, meaning)
    for attempt in range(1, CONFLICT_TRIES + 1):
        try:
            return await _record(store, article, drafts, teams, loud, meaning)
        except StoreConflict:
            # another process's write and this one waited for each other; nothing of this one was written
            if attempt == CONFLICT_TRIES:
                raise
    raise AssertionError("unreachable")


CONFLICT_TRIES = 5


async def _record(
    store: UnitOfWorkFactory,
    article: NewArticle,
    drafts: Sequence[ClaimDraft],
    teams: Sequence[TeamWatch],
    loud: bool,
    meaning: Meaning | None,
) -> Recorded | None:
    async with store.unit_of_work() as uow:
        article_id = await uow.articles.add(article)  # holds the article's identity keys (bot.core.ports)
        if article_id is None:
            return None
        # and every key its claims' candidates are found by, all at once, before any is read: a process placing
        # the same story's claims waits for this one and joins its clusters (one cluster a claim, one new alert)
        await uow.claims.lock([k for c in drafts for k in _candidate_keys(c)])
        info = ArticleInfo(
            article_id,
            article.title,
            article.source,
            article.url,
            article.published_at,
            article.summary,
            article.body,
        )
        outcomes = [await add_claim(uow.claims, info, c, meaning, drafts) for c in drafts]
        queued = await uow.outbox.add_alerts(article_id, decide_alerts(info, outcomes, teams)) if loud else 0
    return Recorded(article_id, outcomes, queued)
