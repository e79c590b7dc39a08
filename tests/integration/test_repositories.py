"""The store's contract (bot.core.ports), run against every store adapter: each repository's basic reads and
writes, and the unit of work's all-or-nothing. A new adapter (PostgreSQL) joins by adding itself to ADAPTERS
and passing these."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.postgres import PostgresStore
from bot.adapters.sqlite import SqliteStore
from bot.core.alerts import AlertDraft, ArticleInfo
from bot.core.claims import ClaimDraft
from bot.core.delivery import Pacing
from bot.core.figure_identity import figure_ref
from bot.core.ports import Store
from bot.core.records import NewArticle


async def _sqlite(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    return await SqliteStore.open(tmp_path / "contract.db")


async def _postgres(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """A fresh schema in this session's PostgreSQL database (tests/postgres.py: skips where no server answers)."""
    return await PostgresStore.open(request.getfixturevalue("pg_url"))


ADAPTERS: dict[str, Callable[[pytest.FixtureRequest, Path], Awaitable[Store]]] = {
    "sqlite": _sqlite,
    "postgres": _postgres,
}


@pytest.fixture(params=sorted(ADAPTERS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    s = await ADAPTERS[request.param](request, tmp_path)
    yield s
    await s.close()


@dataclass(frozen=True)
class Feed:
    name: str
    url: str


@dataclass(frozen=True)
class Team:
    name: str
    channel: str
    keywords: tuple[str, ...]
    alerts: tuple[str, ...] = ("new_figure", "new_quote")
    pacing: Pacing = field(default_factory=Pacing)


def _article(feed_id: int, key: str, title: str = "T", body: str = "body", **kw: object) -> NewArticle:
    return NewArticle(
        feed_id, key, None, title, "Outlet", "2026-03-02T08:00:00+00:00", body, "", None, True, **kw
    )  # type: ignore[arg-type]


def _figure(value: float, key: str = "figure:containers") -> ClaimDraft:
    text = f"{value:,.0f} containers"
    data: dict[str, object] = {"counted": "containers", "measure": "containers"}
    return ClaimDraft(
        "figure", text, 0, len(text), f"{text} waited", key, text, data, value=value, counted="containers"
    )


def _quote(text: str, speaker: str = "Lena Marsh") -> ClaimDraft:
    return ClaimDraft(
        "quote", text, 0, len(text), text, f"quote:{text}", f"{speaker}: {text}", {}, speaker=speaker
    )


# -- feeds -------------------------------------------------------------------------------------------------------
async def test_feeds_are_ensured_once_listed_and_added_by_teams(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    assert await store.ensure_feed(Feed("renamed", "https://wire.example/rss")) == feed_id
    row = await store.feed(feed_id)
    assert (row.name, row.url, row.failures, row.team_id, row.target) == (
        "renamed",
        row.url,
        0,
        None,
        row.url,
    )
    team = await store.create_team("desk", "news", ["new_figure"])
    own = await store.add_team_feed(team.id, "https://own.example/rss", "own")
    assert own is not None and own.team_id == team.id
    assert await store.add_team_feed(team.id, "https://wire.example/rss", "again") is None  # polled already
    assert await store.has_feed("https://own.example/rss")
    assert [f.url for f in await store.team_feeds()] == ["https://own.example/rss"]
    other = await store.create_team("other", "elsewhere", ["new_figure"])
    assert {f.name for f in await store.feeds(other.id)} == {"renamed"}
    assert {f.name for f in await store.feeds(team.id)} == {"renamed", "own"}
    removed = await store.remove_team_feed(team.id, "own")
    assert removed is not None and removed.url == "https://own.example/rss"
    assert not await store.has_feed("https://own.example/rss") and await store.team_feeds() == []
    assert await store.remove_team_feed(team.id, "own") is None


async def test_feed_health_reports_what_changed(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    async with store.unit_of_work() as uow:
        assert await uow.feeds.mark_failed(feed_id, "HTTP 500") is None
    async with store.unit_of_work() as uow:
        paused = await uow.feeds.mark_failed(
            feed_id, "HTTP 500", next_poll_at="2030-01-01T00:00:00+00:00", pause=True
        )
    assert paused is not None and paused.changed and (paused.name, paused.failures) == ("wire", 2)
    async with store.unit_of_work() as uow:
        again = await uow.feeds.mark_failed(feed_id, "HTTP 500", pause=True)
    assert again is not None and not again.changed  # paused already
    row = await store.feed(feed_id)
    assert row.failures == 3 and row.paused_at and row.last_error == "HTTP 500"
    async with store.unit_of_work() as uow:
        resumed = await uow.feeds.mark_ok(feed_id, "Wire", etag='"v1"', moved_to="https://new.example/rss")
    assert (
        resumed.changed and resumed.paused_at == row.paused_at and resumed.url == "https://wire.example/rss"
    )
    row = await store.feed(feed_id)
    assert (row.failures, row.paused_at, row.title, row.etag, row.target) == (
        0,
        None,
        "Wire",
        '"v1"',
        "https://new.example/rss",
    )
    async with store.unit_of_work() as uow:
        assert not (await uow.feeds.mark_ok(feed_id, None, keep_validators=True)).changed
    assert (await store.feed(feed_id)).etag == '"v1"'


# -- teams -------------------------------------------------------------------------------------------------------
async def test_teams_and_watches(store: Store) -> None:
    await store.sync_teams([Team("desk", "news", ("kursk", "-sport"))])
    desk = await store.team("desk")
    assert desk is not None and desk.origin == "config" and desk.kinds == ("new_figure", "new_quote")
    made = await store.create_team("server", "general", ["summary"])
    assert made.origin == "command" and await store.create_team("server", "x", []) == made
    assert await store.team_names() == ["desk", "server"] and await store.team("nobody") is None
    assert await store.add_watch(made.id, "harbour", "#port")
    assert not await store.add_watch(made.id, "harbour", "#docks")  # there already: its channel moves
    assert [(w.keyword, w.channel, w.origin) for w in await store.watches(made.id)] == [
        ("harbour", "#docks", "command")
    ]
    assert not await store.remove_watch(desk.id, "kursk")  # the config's: not removed by a command
    assert await store.remove_watch(made.id, "harbour") and await store.watches(made.id) == []
    await store.set_alert_kinds(made.id, ["corroboration"])
    await store.set_pacing(made.id, Pacing("22:00-07:00", "Europe/Berlin", 5))
    again = await store.team("server")
    assert (
        again is not None
        and again.kinds == ("corroboration",)
        and again.pacing == Pacing("22:00-07:00", "Europe/Berlin", 5)
    )
    routes = await store.team_watches()
    assert [(r.name, r.channel, r.keywords.first_match("Kursk today", "", "")) for r in routes] == [
        ("desk", "news", "kursk")
    ]
    await store.sync_teams([Team("desk", "news", ("harbour",))])
    assert [w.keyword for w in await store.watches(desk.id)] == ["harbour"]


async def test_teams_told_about_a_feed(store: Store) -> None:
    shared = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    a = await store.create_team("a", "ca", [])
    b = await store.create_team("b", "cb", [])
    own = await store.add_team_feed(b.id, "https://b.example/rss", "b's")
    assert own is not None and shared
    async with store.unit_of_work() as uow:
        assert [t.name for t in await uow.teams.told_about("https://wire.example/rss")] == ["a", "b"]
        assert [(t.id, t.channel) for t in await uow.teams.told_about("https://b.example/rss")] == [
            (b.id, "cb")
        ]
    assert a.id != b.id


# -- articles ----------------------------------------------------------------------------------------------------
async def test_articles_are_stored_once_under_every_name(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    other = await store.ensure_feed(Feed("mirror", "https://mirror.example/rss"))
    async with store.unit_of_work() as uow:
        first = await uow.articles.add(_article(feed_id, "guid:1", fingerprint="fp1"))
        assert first is not None
        assert await uow.articles.add(_article(feed_id, "guid:1", fingerprint="fp1")) is None
        # the same title and text from another feed, without a link: one more name for the same article
        assert await uow.articles.add(_article(other, "hash:9", fingerprint="fp1")) is None
    assert await store.known_entries(feed_id, ["guid:1", "guid:2"]) == {"guid:1": ("T", "fp1")}
    assert set(await store.known_entries(other, ["hash:9"])) == {"hash:9"}
    assert await store.stored_elsewhere([("hash:x", "T", None, "fp1"), ("hash:y", "Other", None, "fp2")]) == {
        "hash:x"
    }


async def test_a_first_poll_is_decided_once(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    assert await store.first_poll(feed_id, ["a", "b"], ["b"]) == {"a": False, "b": True}
    assert await store.first_poll(feed_id, ["a", "b", "c"], ["a", "c"]) == {"a": False, "b": True}
    async with store.unit_of_work() as uow:
        await uow.feeds.mark_ok(feed_id, None)  # the poll is done: its decision goes
    assert await store.first_poll(feed_id, ["c"], ["c"]) == {"c": True}


# -- claims and clusters -----------------------------------------------------------------------------------------
async def test_claims_found_join_and_are_candidates(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    c = _figure(800)
    async with store.unit_of_work() as uow:
        aid = await uow.articles.add(_article(feed_id, "guid:1"))
        assert aid is not None
        info = ArticleInfo(aid, "T", "Outlet", None, "2026-03-02T08:00:00+00:00", "", "b")
        empty = await uow.claims.candidates("figure", ["f:containers"], c.key, aid)
        assert empty.views == [] and not empty.exact
        cluster = await uow.claims.found_cluster(info, c, c.key, figure_ref(c.value, c.data))
        await uow.claims.index(cluster, ["f:containers"])
        await uow.claims.insert_claim(info, c, cluster, "new")
        found = await uow.claims.candidates("figure", ["f:containers"], c.key, aid)
        assert found.exact and [v.id for v in found.views] == [cluster]
        (view,) = found.views
        assert (
            view.thing is not None and [v.value for v in view.values] == [800.0] and aid in view.article_ids
        )
        by_index = await uow.claims.candidates("figure", ["f:containers"], "figure:other", aid + 1)
        assert not by_index.exact and [v.id for v in by_index.views] == [cluster]
        assert not by_index.views[0].article_ids
        first = await uow.claims.first_report(cluster)
        assert (first.source, first.title, first.seen) == ("Outlet", "T", "2026-03-02T08:00:00+00:00")
    hits = await store.search_claims('"containers"')
    assert [(h.cluster_id, h.kind, h.first.source) for h in hits] == [(cluster, "figure", "Outlet")]
    assert await store.count_clusters('"containers"') == (1, False)
    assert (await store.counts())["claims"] == 1


async def test_quote_clusters_keep_a_few_wordings_and_their_vectors(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    q = _quote("We will clear every berth by Friday")
    async with store.unit_of_work() as uow:
        aid = await uow.articles.add(_article(feed_id, "guid:1"))
        assert aid is not None
        info = ArticleInfo(aid, "T", "Outlet", None, None, "", "b")
        cluster = await uow.claims.found_cluster(info, q, q.key, None)
        await uow.claims.insert_claim(info, q, cluster, "new")
        kept = [await uow.claims.add_wording(cluster, f"wording {n}") for n in range(6)]
        assert kept == [True] * 4 + [False, False]  # five in all with the first
        assert not await uow.claims.add_wording(cluster, "wording 0")
        (view,) = (await uow.claims.candidates("quote", [], q.key, aid)).views
        assert view.texts == (q.text, *(f"wording {n}" for n in range(4))) and view.speaker == "Lena Marsh"
        assert await uow.claims.vectors([q.text]) == {}
        await uow.claims.add_vectors({q.text: b"\x01\x02", "other": b"\x03"})
        assert await uow.claims.vectors([q.text, "unknown"]) == {q.text: b"\x01\x02"}
    assert await store.speakers("marsh") == ["Lena Marsh"]


async def test_a_unit_of_work_commits_all_or_nothing(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            aid = await uow.articles.add(_article(feed_id, "guid:1"))
            assert aid is not None
            info = ArticleInfo(aid, "T", "Outlet", None, None, "", "b")
            c = _figure(5)
            await uow.claims.insert_claim(
                info, c, await uow.claims.found_cluster(info, c, c.key, None), "new"
            )
            raise RuntimeError("crash in the middle")
    assert await store.known_entries(feed_id, ["guid:1"]) == {}
    counts = await store.counts()
    assert (counts["articles"], counts["claims"], counts["clusters"]) == (0, 0, 0)
    assert await store.search_claims('"containers"') == []


# -- the outbox --------------------------------------------------------------------------------------------------
async def test_alerts_are_queued_once_planned_sent_and_routes_paused(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    team = await store.create_team("desk", "news", ["new_figure"])
    drafts = [
        AlertDraft(team.id, "news", "new_figure", None, f"news|new_figure|a{n}", {"n": n}) for n in range(3)
    ]
    async with store.unit_of_work() as uow:
        aid = await uow.articles.add(_article(feed_id, "guid:1"))
        assert aid is not None
        assert await uow.outbox.add_alerts(aid, drafts) == 3
        assert await uow.outbox.add_alerts(aid, drafts[:1]) == 0  # the same key: skipped
    now = datetime.now(UTC)
    async with store.unit_of_work() as uow:
        (group,) = await uow.outbox.queued_groups()
        assert (group.team_id, group.channel, group.team, group.timezone) == (team.id, "news", "desk", "UTC")
        queued = await uow.outbox.queued(team.id, "news", 2)
        assert [a.payload for a in queued] == [{"n": 0}, {"n": 1}] and queued[0].dedupe_key == drafts[
            0
        ].dedupe_key
        assert await uow.outbox.busy("news", now - timedelta(hours=1)) == 0
        one = await uow.outbox.add_delivery(team.id, "news", "new_figure", {"n": 0}, [queued[0].id])
        await uow.outbox.hold([queued[1].id], "quiet hours")
        assert await uow.outbox.busy("news", now - timedelta(hours=1)) == 1
        assert [a.held for a in await uow.outbox.queued(team.id, "news", 5)] == ["quiet hours", None]
    (pending,) = await store.pending_deliveries()
    assert (pending.id, pending.channel, pending.payload, pending.attempts) == (one, "news", {"n": 0}, 0)
    assert pending.key.endswith(f"-{one}") and await store.pending_deliveries(skip_channels=["news"]) == []
    await store.mark_delivery_failed(one, "timeout")
    await store.mark_delivered(one, now)
    assert await store.pending_deliveries() == []
    counts = await store.counts()
    assert (counts["alerts_sent"], counts["alerts_pending"], counts["alerts_held"]) == (1, 2, 1)
    await store.pause_route("news", "403 Forbidden", now + timedelta(minutes=5))
    (route,) = await store.paused_routes()
    assert (route.channel, route.reason) == ("news", "403 Forbidden") and await store.paused_routes(
        team.id
    ) == [route]
    await store.resume_route("news")
    assert await store.paused_routes() == []
    async with store.unit_of_work() as uow:
        two = await uow.outbox.add_delivery(team.id, "news", "digest", {"n": "all"})
    await store.mark_delivery_rejected(two, "400 Bad Request")
    assert (await store.counts())["messages_rejected"] == 1 and await store.pending_deliveries() == []


async def test_export_reads_every_claim_with_its_article(store: Store) -> None:
    feed_id = await store.ensure_feed(Feed("wire", "https://wire.example/rss"))
    async with store.unit_of_work() as uow:
        aid = await uow.articles.add(_article(feed_id, "guid:1", body="800 containers waited"))
        assert aid is not None
        info = ArticleInfo(aid, "T", "Outlet", None, None, "", "800 containers waited")
        for v in (800, 900):
            c = _figure(v, key=f"figure:{v}")
            await uow.claims.insert_claim(
                info, c, await uow.claims.found_cluster(info, c, c.key, None), "new"
            )
    exported = [c async for c in store.export_claims(bodies=True, page=1)]
    assert [(c.value, c.feed_name, c.entry_key, c.body, c.cluster_first_claim_id) for c in exported] == [
        (800.0, "wire", "guid:1", "800 containers waited", exported[0].claim_id),
        (900.0, "wire", "guid:1", "800 containers waited", exported[1].claim_id),
    ]
