"""The SQLite store: one file, one aiosqlite connection, its repositories, and units of work.

Writers take a unit of work, which serialises them on the one connection and commits or rolls back as a whole,
so an article, its claims and the alerts announcing them land together or not at all. Lookups read the
connection as it is. Article identity is UNIQUE(feed_id, entry_key) with INSERT … ON CONFLICT DO NOTHING: a
restart never stores or alerts twice.
"""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import IO, Any

import aiosqlite

from bot.adapters.files import sqlite_problem
from bot.adapters.sqlite.articles import SqliteArticles
from bot.adapters.sqlite.claims import SqliteClaims
from bot.adapters.sqlite.db import fetch_all
from bot.adapters.sqlite.export import export_claims
from bot.adapters.sqlite.feeds import SqliteFeeds
from bot.adapters.sqlite.outbox import SqliteOutbox
from bot.adapters.sqlite.schema import (
    apply_migrations,
    check_schema,
    connect,
    copy_to,
    read_version,
)
from bot.adapters.sqlite.search import SqliteSearch
from bot.adapters.sqlite.teams import SqliteTeams
from bot.adapters.store_facade import StoreFacade, Writes
from bot.core.records import (
    ExportedClaim,
    PendingDelivery,
)
from bot.errors import StoreError


class SqliteUnitOfWork:
    """The repositories on the store's connection inside one transaction (bot.core.ports.UnitOfWork)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self.articles = SqliteArticles(db)
        self.claims = SqliteClaims(db)
        self.feeds = SqliteFeeds(db)
        self.teams = SqliteTeams(db)
        self.outbox = SqliteOutbox(db)


class SqliteStore(StoreFacade):
    """bot.core.ports.Store on a SQLite file."""

    def __init__(self, conn: aiosqlite.Connection, path: Path, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only  # opened for lookups on a file that cannot be written
        self._lock = asyncio.Lock()
        self._feeds = SqliteFeeds(conn)
        self._teams = SqliteTeams(conn)
        self._articles = SqliteArticles(conn)
        self._outbox = SqliteOutbox(conn)
        self._search = SqliteSearch(conn)
        self._shard_locks: dict[int, IO[bytes]] = {}  # shard → its lock file, held open (hold_shards)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @classmethod
    async def open(
        cls, path: Path, *, upgrade: bool = True, create: bool = True, lookup: bool = False
    ) -> SqliteStore:
        """Open and bring the schema up to date; refuse a folder, non-SQLite files, another program's database and
        newer files. `create`: make the file (and its folders) when there is none (only `run`, `ingest` and
        `db upgrade` do); `lookup`: only reads follow, so a file that cannot be written is opened read-only."""
        conn, read_only = await connect(path, create=create, lookup=lookup)
        try:
            await check_schema(conn, path, read_only, upgrade)
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path, read_only)

    async def close(self) -> None:
        for fh in self._shard_locks.values():
            fh.close()
        self._shard_locks.clear()
        await self._conn.close()

    async def hold_shards(self, shard_ids: Sequence[int]) -> list[int]:
        """Shards are locks (flock) on files beside the database, held open while the process lives: one SQLite
        file is one machine's, so its processes are those that can take them."""
        held: dict[int, IO[bytes]] = {}
        taken: list[int] = []
        for shard in sorted(set(shard_ids) - self._shard_locks.keys()):
            fh = self.path.with_name(f"{self.path.name}.shard-{shard}.lock").open("ab")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.close()
                taken.append(shard)
            else:
                held[shard] = fh
        if taken:
            for lock in held.values():
                lock.close()
        else:
            self._shard_locks.update(held)
        return taken

    async def schema_version(self) -> int:
        return await read_version(self._conn)

    async def upgrade(self) -> tuple[int, int]:
        """Apply every pending migration in one transaction; returns (from, to)."""
        async with self._lock:
            return await apply_migrations(self._conn)

    async def backup(self, target: Path) -> None:
        """An online, consistent copy (SQLite backup API) while the bot may keep writing."""
        await copy_to(self._conn, target)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The connection inside one writer's transaction: for this adapter's own tests and tools only (the
        application writes through units of work)."""
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[SqliteUnitOfWork]:
        """Repositories in one transaction: committed when the block ends (after the claims' search rows, the
        transaction's last writes), rolled back when it raises — a cancellation included."""
        async with self.transaction() as db:
            uow = SqliteUnitOfWork(db)
            yield uow
            await uow.claims.flush_search()

    async def query(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        """Rows of any read: for this adapter's tests and tools (the application reads through the ports)."""
        return await fetch_all(self._conn, sql, params)

    # -- feeds -------------------------------------------------------------------------------------------------
    def _writes(self) -> AbstractAsyncContextManager[Writes]:
        return self.unit_of_work()

    async def claim_feed(self, feed_id: int, hold: timedelta) -> bool:
        """Always granted: a SQLite store has one process, which holds every lease (bot.core.ports.FeedStore)."""
        return True

    # -- claims (feeds, teams and lookups: bot.adapters.store_facade) -----------------------------------------
    def export_claims(
        self, since: str | None = None, bodies: bool = False, page: int | None = None
    ) -> AsyncIterator[ExportedClaim]:
        return export_claims(self._conn, since, bodies, page)

    # -- outbox ------------------------------------------------------------------------------------------------
    async def claim_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        """The pending messages: one process sends them all, so claiming is reading."""
        return await self.pending_deliveries(limit, skip_channels)
