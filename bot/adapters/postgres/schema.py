"""The server database and its schema: connecting (one line on failure), refusing what is not ours and newer
schemas, and numbered migrations (`V{n}__desc.sql`, the same numbers as SQLite's) applied in one transaction with
the version in table schema_version."""

from __future__ import annotations

import re
from importlib import resources

import asyncpg

from bot.adapters.postgres.db import CONNECT_ERRORS, Db, lock_keys, masked, server_problem
from bot.errors import StoreError

_MIGRATION = re.compile(r"V(\d+)__[\w-]+\.sql")
FIRST_VERSION = 11  # the server schema starts where SQLite's stood when this adapter was written


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every shipped migration, in order; versions run 11, 12, 13, …"""
    found = []
    for entry in resources.files("bot.adapters.postgres").joinpath("migrations").iterdir():
        m = _MIGRATION.fullmatch(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(FIRST_VERSION, FIRST_VERSION + len(found))):
        raise RuntimeError(f"migrations are not numbered {FIRST_VERSION}..n: {[n for _, n, _ in found]}")
    return found


SCHEMA_VERSION = migrations()[-1][0]


async def create_pool(url: str, *, size: int = 4) -> asyncpg.Pool:
    """A small pool on the server; any failure (unreachable, refused login, no such database) is one line."""
    try:
        return await asyncpg.create_pool(url, min_size=1, max_size=size, timeout=10, command_timeout=60)
    except CONNECT_ERRORS as exc:
        raise StoreError(f"{masked(url)}: cannot open the database: {server_problem(exc)}") from None


async def read_version(db: Db) -> int:
    """The schema's version; 0 when the database has no schema_version table (a new database)."""
    if not await db.fetchval("SELECT to_regclass('schema_version') IS NOT NULL"):
        return 0
    return int(await db.fetchval("SELECT coalesce(max(version), 0) FROM schema_version"))


async def check_schema(db: Db, url: str, *, upgrade: bool, create: bool) -> None:
    """Refuse another program's database and newer schemas; upgrade an older one when asked, and give an empty
    one its schema when this command may (`create`: `run`, `ingest`, `db upgrade`; a lookup never does).
    Processes starting together on one database check it one at a time (the first creates, the others see it)."""
    await lock_keys(db, ["claimdesk:schema"])
    version = await read_version(db)
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{masked(url)}: database schema version {version} is newer than this claimdesk understands "
            f"({SCHEMA_VERSION}); upgrade claimdesk or use a backup"
        )
    tables = [
        str(r["table_name"])
        for r in await db.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
            "ORDER BY table_name"
        )
    ]
    if (version == 0 and tables) or (version > 0 and "articles" not in tables):
        raise StoreError(
            f"{masked(url)}: not a claimdesk database (it holds another program's tables: "
            f"{', '.join(tables[:5]) or 'none'}); refusing to add ours: point database.url at a new database"
        )
    if version == 0 and not create:
        raise StoreError(
            f"{masked(url)}: no claimdesk store in this database yet (only `claimdesk run`, `ingest` and "
            "`db upgrade` create one)"
        )
    if upgrade and version < SCHEMA_VERSION:
        await apply_migrations(db)


async def apply_migrations(db: Db) -> tuple[int, int]:
    """Apply every pending migration in one transaction (the caller's: `db` is a connection inside one);
    returns (from, to)."""
    await lock_keys(db, ["claimdesk:schema"])
    before = await read_version(db)
    pending = [(v, sql) for v, _, sql in migrations() if v > before]
    if not pending:
        return before, before
    if before == 0:
        await db.execute(
            "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
    for version, sql in pending:
        await db.execute(sql)
        await db.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
    return before, pending[-1][0]
