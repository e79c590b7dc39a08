"""The PostgreSQL store: a small asyncpg pool, its repositories, and units of work (one transaction each).

The same contract as bot.adapters.sqlite.store (tests/integration/test_repositories.py runs on both). Writers in
this process take a unit of work one at a time, as on SQLite. Several processes may share one database: each holds
a presence lock on a connection of its own (its owner number, opened on first need), a feed's poll and a planned
message are leased to one process at a time (`claim_feed`, `claim_deliveries`: a lease lapses at its time, or at
once when its owner's presence lock is gone — the process died), and what two processes could both write (an
article, the clusters of a claim's candidate keys, a delivery plan) is taken under transaction advisory locks.
A deadlock the server breaks between two writers is a `StoreConflict`: the unit of work is rolled back and may be
run again. Lookups read committed data on any pooled connection.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import asyncpg

from bot.adapters.postgres.articles import PostgresArticles
from bot.adapters.postgres.claims import PostgresClaims
from bot.adapters.postgres.db import LEASE_SPACE, SHARD_SPACE, Db, Row, masked, server_problem
from bot.adapters.postgres.export import export_claims
from bot.adapters.postgres.feeds import PostgresFeeds
from bot.adapters.postgres.outbox import PostgresOutbox
from bot.adapters.postgres.schema import apply_migrations, check_schema, create_pool, read_version
from bot.adapters.postgres.search import PostgresSearch, partition
from bot.adapters.postgres.teams import PostgresTeams
from bot.adapters.store_facade import StoreFacade, Writes
from bot.core.records import ExportedClaim, PendingDelivery
from bot.errors import StoreConflict, StoreError

log = logging.getLogger("claimdesk")
DELIVERY_LEASE = timedelta(
    minutes=5
)  # a claimed message's lease, should its process hang (a dead one's ends at once)


class PostgresUnitOfWork:
    """The repositories on one connection inside one transaction (bot.core.ports.UnitOfWork)."""

    def __init__(self, db: Db) -> None:
        self.articles = PostgresArticles(db)
        self.claims = PostgresClaims(db)
        self.feeds = PostgresFeeds(db)
        self.teams = PostgresTeams(db)
        self.outbox = PostgresOutbox(db)


class PostgresStore(StoreFacade):
    """bot.core.ports.Store on a PostgreSQL database."""

    path = None  # no file: `url` says where it is
    read_only = False

    def __init__(self, pool: asyncpg.Pool, url: str) -> None:
        self._pool = pool
        self._db: Db = pool
        self._url = url
        self.url = masked(url)  # printable
        self._presence: asyncpg.Connection | None = None
        self._owner = 0
        self._presence_lock = asyncio.Lock()
        self._lock = asyncio.Lock()
        self._feeds: PostgresFeeds = PostgresFeeds(pool)
        self._teams = PostgresTeams(pool)
        self._articles = PostgresArticles(pool)
        self._outbox = PostgresOutbox(pool)
        self._search = PostgresSearch(pool)
        self._ranges_end = 0  # claim_search's ranges are known to reach this id (0: not asked yet)

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @classmethod
    async def open(cls, url: str, *, upgrade: bool = True, create: bool = True) -> PostgresStore:
        """Connect and bring the schema up to date; refuse an unreachable server, a refused login, another
        program's tables and newer schemas, each in one line (StoreError). `create`: give an empty database its
        schema (only `run`, `ingest` and `db upgrade` do)."""
        pool = await create_pool(url)
        try:
            async with pool.acquire() as conn, conn.transaction():
                await check_schema(conn, url, upgrade=upgrade, create=create)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await pool.close()
            raise StoreError(f"{masked(url)}: {server_problem(exc)}") from None
        except BaseException:
            await pool.close()
            raise
        return cls(pool, url)

    async def close(self) -> None:
        if self._presence is not None:
            await self._presence.close()
            self._presence = None
        await self._pool.close()

    async def owner(self) -> int:
        """This process's owner number for leases: a presence lock held on a connection of its own while the
        process lives (a new number if that connection was lost, as its leases may have been taken meanwhile)."""
        async with self._presence_lock:
            if self._presence is None or self._presence.is_closed():
                conn = await asyncpg.connect(self._url, timeout=10)
                try:
                    while True:
                        owner = 1 + secrets.randbelow(2**31 - 2)
                        if await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", LEASE_SPACE, owner):
                            break
                except BaseException:
                    await conn.close()
                    raise
                self._presence, self._owner = conn, owner
            return self._owner

    async def hold_shards(self, shard_ids: Sequence[int]) -> list[int]:
        """Shards are session advisory locks on the presence connection: they go with the process."""
        await self.owner()
        async with self._presence_lock:
            conn = self._presence
            assert conn is not None
            held: list[int] = []
            taken: list[int] = []
            for shard in sorted(set(shard_ids)):
                got = await conn.fetchval("SELECT pg_try_advisory_lock($1, $2)", SHARD_SPACE, shard)
                (held if got else taken).append(shard)
            if taken:
                for shard in held:
                    await conn.execute("SELECT pg_advisory_unlock($1, $2)", SHARD_SPACE, shard)
            return taken

    async def schema_version(self) -> int:
        return await read_version(self._db)

    async def upgrade(self) -> tuple[int, int]:
        """Apply every pending migration in one transaction; returns (from, to)."""
        async with self._lock, self._pool.acquire() as conn, conn.transaction():
            return await apply_migrations(conn)

    async def backup(self, target: Path) -> None:
        raise StoreError(
            f"{self.url}: `claimdesk db backup` copies SQLite files; back up a PostgreSQL database with pg_dump"
        )

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Db]:
        """A connection inside one writer's transaction: for this adapter's own tests and tools only."""
        async with self._lock, self._pool.acquire() as conn, conn.transaction():
            yield conn

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[PostgresUnitOfWork]:
        """Repositories in one transaction: committed when the block ends, rolled back when it raises — a
        cancellation included."""
        try:
            async with self.transaction() as db:
                uow = PostgresUnitOfWork(db)
                yield uow
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError) as exc:
            raise StoreConflict(str(exc)) from exc
        if uow.claims.newest and uow.claims.newest >= self._ranges_end - partition() // 2:
            try:
                await self.add_search_ranges(uow.claims.newest)
            except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:  # committed: tried again next time
                log.warning(
                    "%s: could not add search ranges past claim %d: %s", self.url, uow.claims.newest, exc
                )

    async def add_search_ranges(self, newest: int) -> None:
        """claim_search's id ranges made ahead of the claims (schema V13): up to a whole range past `newest`, once
        the newest range is half full, in a transaction of their own (a new range locks the table a moment; the
        function takes one process at a time). Claims beyond the ranges would land in the default partition, which
        a new range empties, so this is never needed for correctness, only so each search reads its ranges."""
        self._ranges_end = int(
            await self._db.fetchval(
                "SELECT claimdesk_search_ranges($1, $2)", partition(), newest + partition()
            )
        )

    async def query(self, sql: str, *params: Any) -> list[Row]:
        """Rows of any read: for this adapter's tests and tools (the application reads through the ports)."""
        return await self._db.fetch(sql, *params)

    # -- feeds -------------------------------------------------------------------------------------------------
    def _writes(self) -> AbstractAsyncContextManager[Writes]:
        return self.unit_of_work()

    async def claim_feed(self, feed_id: int, hold: timedelta) -> bool:
        return await self._feeds.claim(feed_id, await self.owner(), hold)

    # -- claims (feeds, teams and lookups: bot.adapters.store_facade) -----------------------------------------
    def export_claims(
        self, since: str | None = None, bodies: bool = False, page: int | None = None
    ) -> AsyncIterator[ExportedClaim]:
        return export_claims(self._db, since, bodies, page)

    # -- outbox ------------------------------------------------------------------------------------------------
    async def claim_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        owner = await self.owner()
        async with self.unit_of_work() as uow:
            return await uow.outbox.claim(owner, DELIVERY_LEASE, limit, skip_channels)
