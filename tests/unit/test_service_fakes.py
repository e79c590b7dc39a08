"""The article write (bot.core.placing.record_article) on an in-memory fake of the store's ports: no SQLite, no
model. As cosmicpython's FakeUnitOfWork: the fake's repositories are dicts and lists, and its unit of work keeps
what a block wrote only when the block ends without raising. Articles written for these tests."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from bot.core.alerts import AlertDraft, ArticleInfo, TeamWatch
from bot.core.claims import ClaimDraft
from bot.core.figure_identity import FigureRef
from bot.core.keywords import KeywordSet
from bot.core.matching import ClusterValue, ClusterView
from bot.core.placing import record_article
from bot.core.ports import UnitOfWork
from bot.core.records import (
    Candidates,
    FeedChange,
    FirstReport,
    NewArticle,
    NoticeTeam,
    QueuedAlert,
    QueuedGroup,
)

CANDIDATES = 25  # as the SQLite adapter: clusters compared per claim, best index overlap first
WORDINGS = 5  # wordings a quote cluster keeps


@dataclass
class Cluster:
    kind: str
    key: str
    speaker: str | None
    first_article: int
    first_seen: str
    texts: list[str]
    thing: FigureRef | None
    values: list[ClusterValue] = field(default_factory=list)


@dataclass
class State:
    """Everything the fake store holds; a unit of work works on a copy and hands it back when it commits."""

    articles: dict[int, NewArticle] = field(default_factory=dict)
    clusters: dict[int, Cluster] = field(default_factory=dict)
    index: dict[str, set[int]] = field(default_factory=dict)
    claims: list[tuple[int, int, str, str]] = field(default_factory=list)  # article, cluster, text, status
    vectors: dict[str, bytes] = field(default_factory=dict)
    alerts: dict[str, AlertDraft] = field(default_factory=dict)  # by dedupe key


class FakeArticles:
    def __init__(self, state: State) -> None:
        self.state = state

    async def add(self, a: NewArticle) -> int | None:
        if await self.stored(a):
            return None
        article_id = len(self.state.articles) + 1
        self.state.articles[article_id] = a
        return article_id

    async def stored(self, a: NewArticle) -> bool:
        return any((o.feed_id, o.entry_key) == (a.feed_id, a.entry_key) for o in self.state.articles.values())

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]:
        raise NotImplementedError


class FakeClaims:
    def __init__(self, state: State) -> None:
        self.state = state

    async def lock(self, keys: Sequence[str]) -> None:
        """One writer, as on SQLite: nothing to hold."""

    async def candidates(self, kind: str, keys: Sequence[str], exact_key: str, article_id: int) -> Candidates:
        exact = [i for i, c in self.state.clusters.items() if (c.kind, c.key) == (kind, exact_key)]
        shared: dict[int, int] = {}
        for k in keys:
            for i in self.state.index.get(k, ()):
                shared[i] = shared.get(i, 0) + 1
        best = sorted(shared, key=lambda i: (-shared[i], -i))[:CANDIDATES]
        ids = exact + [i for i in best if i not in exact]
        return Candidates([self._view(i, article_id) for i in ids], bool(exact))

    def _view(self, cluster_id: int, article_id: int) -> ClusterView:
        c = self.state.clusters[cluster_id]
        here = any(a == article_id and k == cluster_id for a, k, _, _ in self.state.claims)
        return ClusterView(
            cluster_id,
            c.kind,
            c.speaker,
            tuple(c.texts),
            c.thing,
            tuple(c.values),
            frozenset({article_id} if here else ()),
        )

    async def vectors(self, texts: Sequence[str]) -> dict[str, bytes]:
        return {t: self.state.vectors[t] for t in texts if t in self.state.vectors}

    async def add_vectors(self, vectors: Mapping[str, bytes]) -> None:
        self.state.vectors.update(vectors)

    async def found_cluster(
        self, article: ArticleInfo, c: ClaimDraft, key: str, figure: FigureRef | None
    ) -> int:
        cluster_id = len(self.state.clusters) + 1
        texts = [c.text] if c.kind == "quote" else []
        self.state.clusters[cluster_id] = Cluster(
            c.kind, key, c.speaker, article.id, article.published or "", texts, figure
        )
        return cluster_id

    async def first_report(self, cluster_id: int) -> FirstReport:
        c = self.state.clusters[cluster_id]
        a = self.state.articles[c.first_article]
        return FirstReport(a.source, a.title, c.first_seen)

    async def add_wording(self, cluster_id: int, text: str) -> bool:
        texts = self.state.clusters[cluster_id].texts
        if len(texts) >= WORDINGS or text in texts:
            return False
        texts.append(text)
        return True

    async def index(self, cluster_id: int, keys: Sequence[str]) -> None:
        for k in keys:
            self.state.index.setdefault(k, set()).add(cluster_id)

    async def insert_claim(self, article: ArticleInfo, c: ClaimDraft, cluster_id: int, status: str) -> int:
        self.state.claims.append((article.id, cluster_id, c.text, status))
        cluster = self.state.clusters[cluster_id]
        if c.kind == "figure" and c.value is not None and c.value not in {v.value for v in cluster.values}:
            approx = c.data.get("approx") is not None
            cluster.values.append(
                ClusterValue(c.value, approx, article.source, article.id, c.low, c.high, article.published)
            )
        return len(self.state.claims)


class FakeOutbox:
    def __init__(self, state: State) -> None:
        self.state = state

    async def add_alerts(self, article_id: int, drafts: Iterable[AlertDraft]) -> int:
        added = 0
        for d in drafts:
            if d.dedupe_key not in self.state.alerts:  # writing an alert twice is a no-op
                self.state.alerts[d.dedupe_key] = d
                added += 1
        return added

    async def lock_planning(self) -> None:
        raise NotImplementedError

    async def queued_groups(self) -> list[QueuedGroup]:
        raise NotImplementedError

    async def queued(self, team_id: int, channel: str, limit: int) -> list[QueuedAlert]:
        raise NotImplementedError

    async def busy(self, channel: str, since: datetime) -> int:
        raise NotImplementedError

    async def add_delivery(
        self, team_id: int, channel: str, kind: str, payload: dict[str, Any], alert_ids: Sequence[int] = ()
    ) -> int:
        raise NotImplementedError

    async def hold(self, alert_ids: Sequence[int], reason: str | None) -> None:
        raise NotImplementedError


class FakeFeeds:
    async def mark_ok(
        self,
        feed_id: int,
        title: str | None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        moved_to: str | None = None,
        next_poll_at: str | None = None,
        keep_validators: bool = False,
    ) -> FeedChange:
        raise NotImplementedError

    async def mark_failed(
        self, feed_id: int, error: str, *, next_poll_at: str | None = None, pause: bool = False
    ) -> FeedChange | None:
        raise NotImplementedError


class FakeTeams:
    async def told_about(self, feed_url: str) -> list[NoticeTeam]:
        raise NotImplementedError


class FakeUnitOfWork:
    """The repositories over one working copy of the store's state."""

    def __init__(self, state: State, outbox: type[FakeOutbox] = FakeOutbox) -> None:
        self.state = state
        self.articles = FakeArticles(state)
        self.claims = FakeClaims(state)
        self.outbox = outbox(state)
        self.feeds = FakeFeeds()
        self.teams = FakeTeams()


class FakeStore:
    """A bot.core.ports.UnitOfWorkFactory in memory: `commits` counts the blocks that ended cleanly."""

    def __init__(self, outbox: type[FakeOutbox] = FakeOutbox) -> None:
        self.state = State()
        self.commits = 0
        self.outbox = outbox

    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]:
        return self._unit_of_work()

    @asynccontextmanager
    async def _unit_of_work(self) -> AsyncIterator[UnitOfWork]:
        working = copy.deepcopy(self.state)
        yield FakeUnitOfWork(
            working, self.outbox
        )  # an exception raised in the block leaves self.state as it was
        self.state = working
        self.commits += 1


TEAMS = [
    TeamWatch(
        1,
        "harbour desk",
        "harbour",
        frozenset({"new_quote", "new_figure", "corroboration", "conflicting_figure"}),
        KeywordSet.of(["ferry"]),
    )
]


def article(key: str, source: str, title: str, body: str, published: str) -> NewArticle:
    return NewArticle(1, key, f"https://{source}.test/{key}", title, source, published, body, "", None, True)


def quote(text: str, speaker: str) -> ClaimDraft:
    return ClaimDraft(
        "quote", text, 0, len(text), text, f"q:{speaker}:{text}", f"{speaker}: “{text}”", {}, speaker=speaker
    )


def ferries(value: float) -> ClaimDraft:
    text = f"{value:g} ferries"
    data: dict[str, Any] = {"counted": "ferries", "subject": "ferries on the Lowmere crossing"}
    return ClaimDraft(
        "figure",
        text,
        0,
        len(text),
        f"{text} sail the Lowmere crossing each day.",
        f"f:ferries:{value:g}",
        f"{text} on the Lowmere crossing",
        data,
        value=value,
        counted="ferries",
        subject="ferries on the Lowmere crossing",
    )


PROMISE = "The ferry timetable will be restored in full before the autumn storms arrive"


async def test_a_new_quote_then_its_repeat_elsewhere_and_a_figure_conflict() -> None:
    store = FakeStore()
    first = await record_article(
        store,
        article("a1", "Coastwire", "Ferry timetable to return", "…", "2026-03-01T08:00:00+00:00"),
        [quote(PROMISE, "Mara Quell"), ferries(12)],
        TEAMS,
        loud=True,
    )
    assert first is not None
    assert [o.status for o in first.outcomes] == ["new", "new"]
    assert first.queued == 2 and {a.kind for a in store.state.alerts.values()} == {"new_quote", "new_figure"}

    second = await record_article(
        store,
        article("b7", "Harbour Post", "Ferry promise repeated", "…", "2026-03-01T10:00:00+00:00"),
        [quote(PROMISE, "Mara Quell"), ferries(9)],
        TEAMS,
        loud=True,
    )
    assert second is not None
    said, counted = second.outcomes
    assert said.status == "corroborated" and said.cluster_id == first.outcomes[0].cluster_id
    assert said.first_source == "Coastwire"
    assert counted.status == "conflicting" and counted.cluster_id == first.outcomes[1].cluster_id
    assert counted.conflicting_value == 12 and counted.conflicting_source == "Coastwire"
    kinds = sorted(a.kind for a in store.state.alerts.values())
    assert second.queued == 2 and kinds == sorted(
        ["new_quote", "new_figure", "corroboration", "conflicting_figure"]
    )
    assert store.commits == 2 and len(store.state.claims) == 4

    # the same entry again (a restart, another poll): not new, nothing written, no alert
    again = await record_article(
        store,
        article("b7", "Harbour Post", "Ferry promise repeated", "…", "2026-03-01T10:00:00+00:00"),
        [quote(PROMISE, "Mara Quell")],
        TEAMS,
        loud=True,
    )
    assert again is None and len(store.state.claims) == 4 and len(store.state.alerts) == 4


async def test_a_quiet_article_stores_its_claims_and_queues_no_alert() -> None:
    store = FakeStore()
    done = await record_article(
        store,
        article("q1", "Coastwire", "Ferry fleet counted", "…", "2026-03-02T08:00:00+00:00"),
        [ferries(12)],
        TEAMS,
        loud=False,
    )
    assert done is not None and done.queued == 0 and [o.status for o in done.outcomes] == ["new"]
    assert not store.state.alerts and len(store.state.claims) == 1 and store.commits == 1


class Broken(FakeOutbox):
    """An outbox whose write fails after the alerts are in (a full disk at the last statement)."""

    async def add_alerts(self, article_id: int, drafts: Iterable[AlertDraft]) -> int:
        await super().add_alerts(article_id, drafts)
        raise OSError("disk full")


async def test_nothing_is_committed_when_the_unit_of_work_raises() -> None:
    store = FakeStore(outbox=Broken)
    with pytest.raises(OSError, match="disk full"):
        await record_article(
            store,
            article("a1", "Coastwire", "Ferry timetable to return", "…", "2026-03-01T08:00:00+00:00"),
            [quote(PROMISE, "Mara Quell"), ferries(12)],
            TEAMS,
            loud=True,
        )
    assert store.commits == 0
    assert store.state == State()  # no article, no cluster, no claim, no alert
    store.outbox = FakeOutbox
    # the same article once the outbox works again: written whole, as new
    done = await record_article(
        store,
        article("a1", "Coastwire", "Ferry timetable to return", "…", "2026-03-01T08:00:00+00:00"),
        [quote(PROMISE, "Mara Quell"), ferries(12)],
        TEAMS,
        loud=True,
    )
    assert done is not None and done.article_id == 1 and [o.status for o in done.outcomes] == ["new", "new"]
    assert store.commits == 1 and done.queued == 2


async def test_a_quote_said_twice_in_one_article_is_a_repeat_and_alerts_once() -> None:
    store = FakeStore()
    done = await record_article(
        store,
        article("r1", "Coastwire", "Ferry timetable to return", "…", "2026-03-03T08:00:00+00:00"),
        [quote(PROMISE, "Mara Quell"), quote(PROMISE, "Mara Quell")],
        TEAMS,
        loud=True,
    )
    assert done is not None and [o.status for o in done.outcomes] == ["new", "repeat"]
    assert done.outcomes[0].cluster_id == done.outcomes[1].cluster_id
    assert done.queued == 1 and [a.kind for a in store.state.alerts.values()] == ["new_quote"]
