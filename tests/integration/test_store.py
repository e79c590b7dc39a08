"""The store on real SQLite files: migrations, refusals, idempotent articles, backup."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest

from bot.adapters.sqlite import SCHEMA_VERSION, SqliteStore, migrations
from bot.adapters.sqlite.claims import VALUES
from bot.config import FeedSettings
from bot.core.alerts import ArticleInfo
from bot.core.claims import ClaimDraft
from bot.core.matching import index_keys
from bot.core.placing import add_claim
from bot.core.records import NewArticle
from bot.errors import StoreError


def test_migration_files_are_numbered_and_applied_in_one_go(tmp_path: Path) -> None:
    assert [v for v, _, _ in migrations()] == list(range(1, SCHEMA_VERSION + 1))

    async def check() -> None:
        store = await SqliteStore.open(tmp_path / "a.db")
        assert await store.schema_version() == SCHEMA_VERSION
        await store.close()

    import asyncio

    asyncio.run(check())
    con = sqlite3.connect(tmp_path / "a.db")
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
    assert {"feeds", "articles", "claims", "clusters", "teams", "watches", "alerts", "claim_search"} <= tables
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    con.close()


async def test_refuses_a_file_that_is_not_sqlite_and_leaves_it_alone(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_bytes(b"my precious notes, not a database\n" * 10)
    with pytest.raises(StoreError, match="not a SQLite database"):
        await SqliteStore.open(path)
    assert path.read_bytes().startswith(b"my precious notes")


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError, match="newer than this claimdesk"):
        await SqliteStore.open(path)


async def test_upgrade_is_explicit_when_asked_and_idempotent(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "b.db", upgrade=False)
    assert await store.schema_version() == 0
    assert await store.upgrade() == (0, SCHEMA_VERSION)
    assert await store.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)
    await store.close()


async def test_an_article_is_stored_once_per_feed(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "c.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    assert await store.ensure_feed(FeedSettings("renamed", "/tmp/f.xml", 60, 0)) == feed_id
    art = NewArticle(feed_id, "guid:1", None, "T", "S", None, "body", "", None, True)
    async with store.unit_of_work() as uow:
        first = await uow.articles.add(art)
    async with store.unit_of_work() as uow:
        again = await uow.articles.add(art)
    assert first is not None and again is None
    assert set(await store.known_entries(feed_id, ["guid:1", "guid:2"])) == {"guid:1"}
    await store.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "d.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    with pytest.raises(RuntimeError):
        async with store.unit_of_work() as uow:
            await uow.articles.add(NewArticle(feed_id, "guid:x", None, "T", "S", None, "b", "", None, True))
            raise RuntimeError("crash in the middle")
    assert await store.known_entries(feed_id, ["guid:x"]) == {}
    await store.close()


async def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "e.db")
    await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    await store.backup(tmp_path / "backup.db")
    with pytest.raises(StoreError, match="already exists"):
        await store.backup(tmp_path / "backup.db")
    await store.close()
    con = sqlite3.connect(tmp_path / "backup.db")
    assert con.execute("SELECT name FROM feeds").fetchall() == [("f",)]
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()


async def test_a_much_repeated_quote_keeps_one_cluster_with_a_bounded_index(tmp_path: Path) -> None:
    """Forty outlets carry one statement, each worded a little differently: one cluster, at most five wordings
    kept, and index rows only for those, so a popular quote costs later articles no more than a fresh one."""
    store = await SqliteStore.open(tmp_path / "c.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    statuses = []
    for n in range(40):
        # worded apart by a letter pair, not a number: statements that give different numbers are different
        text = f"We will clear every stalled berth at the harbour by Friday, outlet {chr(97 + n % 26)}{chr(97 + n // 26)} said"
        draft = ClaimDraft("quote", text, 0, len(text), text, f"k{n}", text, {}, speaker="Lena Marsh")
        async with store.unit_of_work() as uow:
            article = NewArticle(feed_id, f"g{n}", None, f"T{n}", f"Outlet {n}", None, text, "", None, True)
            article_id = await uow.articles.add(article)
            assert article_id is not None
            info = ArticleInfo(article_id, f"T{n}", f"Outlet {n}", None, None, "", text)
            statuses.append((await add_claim(uow.claims, info, draft)).status)
    assert statuses == ["new"] + ["corroborated"] * 39
    rows = await store.query("SELECT count(*), max(length(texts)) FROM clusters")
    index = await store.query("SELECT count(*) FROM cluster_index")
    wordings = await store.query("SELECT texts FROM clusters")
    assert rows[0][0] == 1 and len(json.loads(wordings[0][0])) == 5
    kept = {k for t in json.loads(wordings[0][0]) for k in index_keys("quote", "Lena Marsh", t, None)}
    assert index[0][0] == len(kept) < 40 + 5  # the other 35 outlets' numbers are not indexed
    await store.close()


async def test_search_ranks_only_the_newest_matches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A common word's search costs the same in any store: only the newest matches are read."""
    monkeypatch.setattr("bot.adapters.sqlite.search._SEARCH_WINDOW", 3)
    store = await SqliteStore.open(tmp_path / "s.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    for n in range(6):
        text = f"{1000 + n * 7} containers waited at berth {n} of the harbour"
        draft = ClaimDraft("figure", text, 0, 10, text, f"k{n}", text, {}, value=1000.0 + n * 7)
        async with store.unit_of_work() as uow:
            article = NewArticle(feed_id, f"g{n}", None, f"T{n}", "Outlet", None, text, "", None, True)
            article_id = await uow.articles.add(article)
            assert article_id is not None
            await add_claim(
                uow.claims, ArticleInfo(article_id, f"T{n}", "Outlet", None, None, "", text), draft
            )
    hits = await store.search_claims('"harbour"', limit=10)
    assert sorted(h.label for h in hits) == [
        f"{1000 + n * 7} containers waited at berth {n} of the harbour" for n in (3, 4, 5)
    ]
    await store.close()


async def test_identity_backfill_finishes_on_a_later_open(tmp_path: Path) -> None:
    """Articles stored before schema v5 get their link key and fingerprint even if the first start after the
    upgrade stopped half way (the backfill is recorded as done only at its end)."""
    store = await SqliteStore.open(tmp_path / "b.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    async with store.unit_of_work() as uow:
        await uow.articles.add(
            NewArticle(
                feed_id, "guid:1", "http://News.example.org/a/", "T", "S", None, "body", "", None, True
            ),
        )
    async with store.transaction() as db:
        await db.execute("UPDATE articles SET link_key = NULL, fingerprint = NULL")
        await db.execute("DELETE FROM meta WHERE key = 'identity_backfill'")
    await store.close()
    store = await SqliteStore.open(tmp_path / "b.db")
    rows = await store.query("SELECT link_key, fingerprint FROM articles")
    assert rows[0][0] == "https://news.example.org/a" and rows[0][1]
    await store.close()


async def test_a_figure_search_is_not_crowded_out_by_newer_quotes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.adapters.sqlite.search._SEARCH_WINDOW", 3)
    store = await SqliteStore.open(tmp_path / "w.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    drafts = [
        ClaimDraft(
            "figure",
            "400 containers",
            0,
            14,
            "400 containers at the harbour",
            "f",
            "400 containers at the harbour",
            {},
            value=400.0,
            counted="containers",
        )
    ]
    drafts += [
        ClaimDraft(
            "quote",
            f"The harbour will reopen on day {n} of the month",
            0,
            10,
            "c",
            f"q{n}",
            f"Marsh: harbour day {n}",
            {},
            speaker=f"Speaker {n}",
        )
        for n in range(5)
    ]
    for n, d in enumerate(drafts):
        async with store.unit_of_work() as uow:
            aid = await uow.articles.add(
                NewArticle(feed_id, f"g{n}", None, f"T{n}", "S", None, d.text, "", None, True)
            )
            assert aid is not None
            await add_claim(uow.claims, ArticleInfo(aid, f"T{n}", "S", None, None, "", d.text), d)
    figures = await store.search_claims('"harbour"', 10, kind="figure")
    assert [h.label for h in figures] == ["400 containers at the harbour"]
    await store.close()


def _containers(value: float) -> ClaimDraft:
    text = f"{value:,.0f} containers"
    context = f"{text} waited at the harbour"
    return ClaimDraft(
        "figure",
        text,
        0,
        len(text),
        context,
        "figure:containers",
        context,
        {"counted": "containers"},
        value=value,
        counted="containers",
    )


_FIRST_VALUES_FROM_CLAIMS = (  # what schema v8 read on every match: the first claim at each distinct value
    "SELECT cluster_id, value, min(id) FROM claims WHERE value IS NOT NULL GROUP BY cluster_id, value "
    "ORDER BY cluster_id, min(id)"
)


async def test_a_figure_cluster_keeps_its_first_20_values_however_often_it_is_disputed(
    tmp_path: Path,
) -> None:
    """A figure reported at 30 different values (and again at old ones) is one cluster whose matching reads its
    first 20 distinct values — the same ones the claims table gives, from a table that stops growing at 20 —
    and upgrading a v8 store fills that table from the claims it holds."""
    path = tmp_path / "v.db"
    store = await SqliteStore.open(path)
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    values = [1000.0 + 100 * n for n in range(30)]
    reported = values[:5] + values + values[3:8]  # repeats of early values add nothing
    outcomes = []
    for n, v in enumerate(reported):
        async with store.unit_of_work() as uow:
            aid = await uow.articles.add(
                NewArticle(feed_id, f"g{n}", None, f"T{n}", f"Outlet {n}", None, "b", "", None, True)
            )
            assert aid is not None
            info = ArticleInfo(aid, f"T{n}", f"Outlet {n}", None, None, "", "b")
            outcomes.append(await add_claim(uow.claims, info, _containers(v)))
    clusters = {o.cluster_id for o in outcomes}
    assert len(clusters) == 1 and outcomes[0].status == "new"
    assert {o.status for o in outcomes[5:10]} == {"corroborated"}  # the first five values, reported again
    assert {o.status for o in outcomes[10:35]} == {"conflicting"}
    (cluster,) = clusters
    expected = [r for r in await store.query(_FIRST_VALUES_FROM_CLAIMS)][:20]
    kept = await store.query("SELECT cluster_id, value, claim_id FROM cluster_values ORDER BY claim_id")
    assert [tuple(r) for r in kept] == [tuple(r) for r in expected]
    async with store.unit_of_work() as uow:
        (view,) = await uow.claims.views([cluster], article_id=0)
    assert [v.value for v in view.values] == values[:20]
    assert [v.source for v in view.values[:6]] == [f"Outlet {n}" for n in (0, 1, 2, 3, 4, 10)]

    # the same store as schema v8 left it: no such table; opening it upgrades and fills it from the claims
    async with store.transaction() as db:
        await db.execute("DROP TABLE cluster_values")
        await db.execute("DROP TABLE first_poll")  # schema v10's, made again by the upgrade
        await db.execute("DROP TABLE quote_vectors")  # schema v11's, likewise
        for table in ("feeds", "deliveries"):  # and schema v12's lease columns
            await db.execute(f"ALTER TABLE {table} DROP COLUMN lease_owner")
            await db.execute(f"ALTER TABLE {table} DROP COLUMN lease_until")
        await db.execute("PRAGMA user_version = 8")
    await store.close()
    store = await SqliteStore.open(path)
    assert await store.schema_version() == SCHEMA_VERSION
    again = await store.query("SELECT cluster_id, value, claim_id FROM cluster_values ORDER BY claim_id")
    assert [tuple(r) for r in again] == [tuple(r) for r in expected]
    await store.close()


def test_the_v9_upgrade_keeps_as_many_values_per_cluster_as_matching_writes() -> None:
    (sql,) = [sql for version, _, sql in migrations() if version == 9]
    (kept,) = re.findall(r"WHERE nth <= (\d+)", sql)
    assert int(kept) == VALUES  # else upgraded stores and claims added later would disagree


async def test_a_discord_shard_is_held_by_one_process_until_it_closes_its_store(tmp_path: Path) -> None:
    """Two stores on one file stand for two processes: a lock file a shard, beside the database."""
    a = await SqliteStore.open(tmp_path / "claimdesk.db")
    b = await SqliteStore.open(tmp_path / "claimdesk.db")
    try:
        assert await a.hold_shards([0, 1]) == []
        assert await a.hold_shards([1]) == []  # its own: still held
        assert await b.hold_shards([2, 1]) == [1]  # and b holds none of them then
        assert await b.hold_shards([2]) == []
        await a.close()
        assert await b.hold_shards([0, 1]) == []
    finally:
        await b.close()
