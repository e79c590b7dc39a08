"""The store on real SQLite files: migrations, refusals, idempotent articles, backup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.adapters.store import SCHEMA_VERSION, NewArticle, Store, migrations
from bot.config import FeedSettings
from bot.errors import StoreError


def test_migration_files_are_numbered_and_applied_in_one_go(tmp_path: Path) -> None:
    assert [v for v, _, _ in migrations()] == list(range(1, SCHEMA_VERSION + 1))

    async def check() -> None:
        store = await Store.open(tmp_path / "a.db")
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
        await Store.open(path)
    assert path.read_bytes().startswith(b"my precious notes")


async def test_refuses_a_database_newer_than_the_code(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    con = sqlite3.connect(path)
    con.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    con.close()
    with pytest.raises(StoreError, match="newer than this claimdesk"):
        await Store.open(path)


async def test_upgrade_is_explicit_when_asked_and_idempotent(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "b.db", upgrade=False)
    assert await store.schema_version() == 0
    assert await store.upgrade() == (0, SCHEMA_VERSION)
    assert await store.upgrade() == (SCHEMA_VERSION, SCHEMA_VERSION)
    await store.close()


async def test_an_article_is_stored_once_per_feed(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "c.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    assert await store.ensure_feed(FeedSettings("renamed", "/tmp/f.xml", 60, 0)) == feed_id
    art = NewArticle(feed_id, "guid:1", None, "T", "S", None, "body", "", None, True)
    async with store.transaction() as db:
        first = await Store.insert_article(db, art)
    async with store.transaction() as db:
        again = await Store.insert_article(db, art)
    assert first is not None and again is None
    assert await store.known_keys(feed_id, ["guid:1", "guid:2"]) == {"guid:1"}
    await store.close()


async def test_a_failed_transaction_leaves_nothing_behind(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "d.db")
    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    with pytest.raises(RuntimeError):
        async with store.transaction() as db:
            await Store.insert_article(
                db, NewArticle(feed_id, "guid:x", None, "T", "S", None, "b", "", None, True)
            )
            raise RuntimeError("crash in the middle")
    assert await store.known_keys(feed_id, ["guid:x"]) == set()
    await store.close()


async def test_online_backup_is_a_consistent_copy(tmp_path: Path) -> None:
    store = await Store.open(tmp_path / "e.db")
    await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    await store.backup(tmp_path / "backup.db")
    with pytest.raises(StoreError, match="already exists"):
        await store.backup(tmp_path / "backup.db")
    await store.close()
    con = sqlite3.connect(tmp_path / "backup.db")
    assert con.execute("SELECT name FROM feeds").fetchall() == [("f",)]
    assert con.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    con.close()
