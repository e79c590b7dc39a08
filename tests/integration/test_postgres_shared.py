"""Several processes on one PostgreSQL database (issue 19): what two of them could both write is taken under the
store's locks and leases. Each `PostgresStore` here is what one `claimdesk run` process opens — its own pool of
server sessions and its own presence lock — so two of them race as two processes do.

The race is forced: every read of a claim's candidates waits (up to RACE_WAIT) until the other article's unit of
work has read its own, so without the candidate-key locks both would read "no cluster yet" and found two. The
control test takes the locks away and sees exactly that; with them, one cluster a claim and one new alert.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Any

import asyncpg
import pytest

from bot.adapters.postgres import PostgresStore
from bot.adapters.postgres.claims import PostgresClaims
from bot.core.alerts import TeamWatch
from bot.core.claims import ClaimDraft
from bot.core.placing import Recorded, record_article
from bot.core.records import Candidates, NewArticle
from tests.integration.test_repositories import Feed, Team
from tests.unit.test_service_fakes import quote

RACE_WAIT = 0.3  # seconds a candidate read waits for the other article's
ROUNDS = 6


@pytest.fixture
async def two(pg_url: str) -> AsyncIterator[tuple[PostgresStore, PostgresStore]]:
    a = await PostgresStore.open(pg_url)
    b = await PostgresStore.open(pg_url)
    try:
        yield a, b
    finally:
        await a.close()
        await b.close()


class _Race:
    """Makes the two articles' units of work read their claims' candidates at the same time, as far as the
    store's locks let them (a reader held on a lock is waited for RACE_WAIT, then the other goes on)."""

    def __init__(self) -> None:
        self.arrived = 0
        self.both = asyncio.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = PostgresClaims.candidates

        async def candidates(
            claims: PostgresClaims, kind: str, keys: Sequence[str], exact_key: str, article_id: int
        ) -> Candidates:
            found = await original(claims, kind, keys, exact_key, article_id)
            self.arrived += 1
            if self.arrived >= 2:
                self.both.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.both.wait(), RACE_WAIT)
            return found

        monkeypatch.setattr(PostgresClaims, "candidates", candidates)


THINGS = ["ferries", "buses", "trains", "lorries", "barges", "tugboats"]


def _figure(n: int) -> ClaimDraft:
    thing = THINGS[n]
    text = f"{100 + n} {thing}"
    data: dict[str, Any] = {"counted": thing, "subject": f"{thing} on the Lowmere crossing"}
    return ClaimDraft(
        "figure",
        text,
        0,
        len(text),
        f"{text} cross the Lowmere each day.",
        f"f:{thing}:{100 + n}",
        f"{text} on the Lowmere crossing",
        data,
        value=100.0 + n,
        counted=thing,
        subject=f"{thing} on the Lowmere crossing",
    )


def _story(n: int) -> list[ClaimDraft]:
    return [
        quote(f"The ferry timetable will be restored in full before storm number {n} arrives", "Mara Quell"),
        _figure(n),
    ]


def _article(feed_id: int, n: int, outlet: str) -> NewArticle:
    # two outlets' own articles of one story: other keys, links and titles, the same claims
    return NewArticle(
        feed_id,
        f"{outlet}-{n}",
        f"https://{outlet}.test/{n}",
        f"{outlet}: ferries on the Lowmere crossing, day {n}",
        outlet,
        f"2026-03-01T08:{n:02d}:00+00:00",
        "…",
        "",
        None,
        True,
    )


async def _setup(store: PostgresStore) -> tuple[int, int, list[TeamWatch]]:
    one = await store.ensure_feed(Feed("coastwire", "https://coastwire.test/feed"))
    other = await store.ensure_feed(Feed("harbour", "https://harbour.test/feed"))
    await store.sync_teams([Team("desk", "news", ("ferry",))])
    return one, other, await store.team_watches()


async def _ingest_concurrently(
    a: PostgresStore, b: PostgresStore, monkeypatch: pytest.MonkeyPatch
) -> list[list[Recorded | BaseException | None]]:
    one, other, teams = await _setup(a)
    results = []
    for n in range(ROUNDS):
        race = _Race()
        race.install(monkeypatch)
        story = _story(n)
        results.append(
            await asyncio.gather(
                record_article(a, _article(one, n, "coastwire"), story, teams, loud=True),
                record_article(b, _article(other, n, "harbour"), story, teams, loud=True),
                return_exceptions=True,
            )
        )
    return results


async def _clusters_and_new_alerts(store: PostgresStore) -> tuple[list[int], list[int]]:
    """Per story: how many clusters its claims are in, and how many new_* alerts it raised."""
    clusters, news = [], []
    for n in range(ROUNDS):
        clusters.append(
            (
                await store.query(
                    "SELECT count(DISTINCT cl.cluster_id) AS n FROM claims cl JOIN articles a ON a.id = cl.article_id "
                    "WHERE a.entry_key IN ($1, $2)",
                    f"coastwire-{n}",
                    f"harbour-{n}",
                )
            )[0]["n"]
        )
        news.append(
            (
                await store.query(
                    "SELECT count(*) AS n FROM alerts al JOIN articles a ON a.id = al.article_id "
                    "WHERE a.entry_key IN ($1, $2) AND al.kind IN ('new_quote', 'new_figure')",
                    f"coastwire-{n}",
                    f"harbour-{n}",
                )
            )[0]["n"]
        )
    return clusters, news


async def test_two_processes_ingesting_one_story_at_once_make_one_cluster_a_claim_and_one_new_alert(
    two: tuple[PostgresStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = two
    results = await _ingest_concurrently(a, b, monkeypatch)
    for first, second in results:
        assert isinstance(first, Recorded) and isinstance(second, Recorded)  # two articles, both stored
        statuses = sorted([o.status for o in first.outcomes] + [o.status for o in second.outcomes])
        assert statuses == ["corroborated", "corroborated", "new", "new"], statuses
    clusters, news = await _clusters_and_new_alerts(a)
    assert clusters == [2] * ROUNDS  # one cluster a claim
    assert news == [2] * ROUNDS  # one new alert a claim


async def test_without_the_candidate_locks_the_same_race_founds_two_clusters(
    two: tuple[PostgresStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: the race above is real. With `lock` doing nothing, both articles read no cluster and each
    founds its own: the second founder of one exact key fails on the clusters' unique key (that article is not
    stored: its poll fails), and where the keys differ — two outlets' wordings — there would be two clusters."""

    async def no_lock(self: PostgresClaims, keys: Sequence[str]) -> None:
        return None

    monkeypatch.setattr(PostgresClaims, "lock", no_lock)
    a, b = two
    results = await _ingest_concurrently(a, b, monkeypatch)
    clusters, _ = await _clusters_and_new_alerts(a)
    broken = [
        n
        for n, pair in enumerate(results)
        if any(isinstance(r, asyncpg.UniqueViolationError) for r in pair) or clusters[n] > 2
    ]
    assert broken == list(range(ROUNDS))


async def test_one_article_from_two_feeds_at_once_is_stored_once(
    two: tuple[PostgresStore, PostgresStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A wire copy: the same link and title in two feeds, stored by two processes at the same instant."""
    a, b = two
    one, other, teams = await _setup(a)
    for n in range(ROUNDS):
        race = _Race()
        race.install(monkeypatch)
        link = f"link:wire.test/{n}"
        title = f"Wire: ferries on the Lowmere crossing, day {n}"
        first = NewArticle(one, f"wire-{n}", None, title, "Wire", None, "…", "", None, True, link)
        second = NewArticle(other, f"harbour-{n}", None, title, "Harbour", None, "…", "", None, True, link)
        got = await asyncio.gather(
            record_article(a, first, _story(n), teams, loud=True),
            record_article(b, second, _story(n), teams, loud=True),
        )
        assert sorted(r is None for r in got) == [False, True]
    rows = await a.query("SELECT count(*) AS n, count(DISTINCT link_key) AS links FROM articles")
    assert (rows[0]["n"], rows[0]["links"]) == (ROUNDS, ROUNDS)
    keys = await a.query("SELECT count(*) AS n FROM entry_keys")
    assert keys[0]["n"] == 2 * ROUNDS  # both feeds' keys name the one article


async def test_a_feed_is_leased_to_one_process_until_it_dies_or_its_lease_lapses(pg_url: str) -> None:
    a = await PostgresStore.open(pg_url)
    b = await PostgresStore.open(pg_url)
    c = await PostgresStore.open(pg_url)
    try:
        feed = await a.ensure_feed(Feed("coastwire", "https://coastwire.test/feed"))
        hold = timedelta(minutes=5)
        assert await a.claim_feed(feed, hold)
        assert not await b.claim_feed(feed, hold)  # leased to a
        assert await a.claim_feed(feed, hold)  # a keeps its own
        await a.close()  # a's process ends: its presence lock goes with its connection
        assert await b.claim_feed(feed, timedelta(seconds=-1))  # taken over at once; and b's lapses at once
        assert await c.claim_feed(feed, hold)  # taken over though b lives
        assert not await b.claim_feed(feed, hold)
    finally:
        await b.close()
        await c.close()


async def test_a_discord_shard_is_held_by_one_process_until_it_ends(pg_url: str) -> None:
    a = await PostgresStore.open(pg_url)
    b = await PostgresStore.open(pg_url)
    try:
        assert await a.hold_shards([0, 1]) == []
        assert await a.hold_shards([1]) == []  # its own: still held
        assert await b.hold_shards([2, 1]) == [1]  # and b holds none of them then
        assert await b.hold_shards([2]) == []
        await a.close()  # a's process ends: its shards go with its presence connection
        assert await b.hold_shards([0, 1]) == []
    finally:
        await b.close()
