"""The file and its schema: refusing what is not ours, opening (read-only for lookups when it must), numbered
migrations applied in one transaction (RoboDanny's `V{n}__desc.sql`, the version in `PRAGMA user_version`), the
backfills an upgrade owes older stores, and online backups."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from importlib import resources
from pathlib import Path

import aiosqlite

from bot.adapters.files import FOLDER, os_problem, sqlite_problem, unwritable
from bot.adapters.sqlite.claims import thing_ref
from bot.adapters.sqlite.db import fetch_all
from bot.core.identity import fingerprint, link_key
from bot.core.matching import index_keys
from bot.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
_MIGRATION = re.compile(r"V(\d+)__[\w-]+\.sql")


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every shipped migration, in order; versions must run 1, 2, 3, …"""
    found = []
    for entry in resources.files("bot.adapters.sqlite").joinpath("migrations").iterdir():
        m = _MIGRATION.fullmatch(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {[n for _, n, _ in found]}")
    return found


SCHEMA_VERSION = len(migrations())


def new_file(path: Path, what: str) -> None:
    """Make room for a new file: refuse a folder, an existing file or a place that cannot be written (one line
    naming the path and why), then create its folders."""
    if path.is_dir():
        raise StoreError(f"{path}: {FOLDER}; name a file for the {what}")
    if path.exists():
        raise StoreError(f"{path}: already exists; choose a new file for the {what}")
    problem = unwritable(path)
    if problem:
        raise StoreError(f"{path}: cannot create the {what}: {problem}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the {what}'s folder: {os_problem(exc)}") from None


def check_file(path: Path, create: bool, lookup: bool) -> bool:
    """Before SQLite touches the path: refuse a folder, a missing file when this command may not create one, a
    file that is not SQLite, and a file that cannot be written unless only lookups follow. True: open read-only."""
    if path.is_dir():
        raise StoreError(
            f"{path}: {FOLDER}; database.path (or $CLAIMDESK_DATABASE) must name the database file"
        )
    if not path.exists():
        if not create:
            raise StoreError(
                f"{path}: no database here (check database.path or $CLAIMDESK_DATABASE; "
                "only `claimdesk run`, `ingest` and `db upgrade` create one)"
            )
        new_file(path, "database")
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database: {os_problem(exc)}") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(
            f"{path}: not a SQLite database (refusing to touch it; point database.path elsewhere)"
        )
    problem = unwritable(path, folder_too=True)  # SQLite writes its -wal and -shm files beside it
    if problem is None:
        return False
    if lookup:
        return True
    raise StoreError(
        f"{path}: the database is read-only here ({problem}); lookups (`claimdesk ask`) can read it, "
        "this command needs to write"
    )


async def connect_read_only(path: Path) -> aiosqlite.Connection:
    """A read-only connection. A WAL database left closed has no -shm file, and a read-only folder cannot get
    one: with no -wal file beside it either (no writer has it open), it is read as immutable."""
    uri = await asyncio.to_thread(lambda: path.resolve().as_uri() + "?mode=ro")
    for attempt in (uri, uri + "&immutable=1"):
        conn = await aiosqlite.connect(attempt, uri=True, isolation_level=None)
        try:
            await conn.execute("PRAGMA user_version")
            return conn
        except sqlite3.OperationalError as exc:
            await conn.close()
            wal = path.with_name(path.name + "-wal")
            if attempt != uri or "unable to open" not in str(exc) or await asyncio.to_thread(wal.exists):
                raise
    raise AssertionError("unreachable")


async def connect(path: Path, *, create: bool, lookup: bool) -> tuple[aiosqlite.Connection, bool]:
    """The checked file's connection, set up (WAL, busy timeout, foreign keys, rows by column name), and
    whether it is read-only."""
    read_only = await asyncio.to_thread(check_file, path, create, lookup)
    try:
        if read_only:
            conn = await connect_read_only(path)
        else:
            conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
    try:
        conn.row_factory = aiosqlite.Row
        if not read_only:
            await conn.execute("PRAGMA journal_mode = WAL")
        await conn.execute("PRAGMA busy_timeout = 5000")
        await conn.execute("PRAGMA foreign_keys = ON")
        await conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        await conn.close()
        raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
    except BaseException:
        await conn.close()
        raise
    return conn, read_only


async def read_version(conn: aiosqlite.Connection) -> int:
    async with conn.execute("PRAGMA user_version") as cur:
        row = await cur.fetchone()
    return int(row[0]) if row else 0


async def check_schema(conn: aiosqlite.Connection, path: Path, read_only: bool, upgrade: bool) -> None:
    """Refuse another program's database and newer files; upgrade (when asked) or finish a backfill."""
    version = await read_version(conn)
    tables = {
        str(r["name"])
        for r in await fetch_all(conn, "SELECT name FROM sqlite_master WHERE type = 'table'")
        if not str(r["name"]).startswith("sqlite_")
    }
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: database schema version {version} is newer than this claimdesk understands "
            f"({SCHEMA_VERSION}); upgrade claimdesk or use a backup"
        )
    if (version == 0 and tables) or (version > 0 and "articles" not in tables):
        raise StoreError(
            f"{path}: not a claimdesk database (it holds another program's tables: "
            f"{', '.join(sorted(tables)[:5]) or 'none'}); refusing to add ours: point database.path "
            "at a new file"
        )
    if read_only:
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{path}: the database is read-only here and its schema (version {version}) is older "
                f"than this claimdesk's ({SCHEMA_VERSION}); run `claimdesk db upgrade` where it can be written"
            )
    elif upgrade and version < SCHEMA_VERSION:
        await apply_migrations(conn)
    elif version >= 5:
        await backfill_identity(conn)  # finishes a backfill an earlier start did not (a crash)


async def apply_migrations(conn: aiosqlite.Connection) -> tuple[int, int]:
    """Apply every pending migration in one transaction; returns (from, to). The caller holds the writers' lock."""
    before = await read_version(conn)
    pending = [(v, sql) for v, _, sql in migrations() if v > before]
    if not pending:
        return before, before
    script = "BEGIN IMMEDIATE;\n" + "\n".join(sql for _, sql in pending)
    script += f"\nPRAGMA user_version = {pending[-1][0]};\nCOMMIT;"
    try:
        await conn.executescript(script)
    except sqlite3.Error:
        if conn.in_transaction:
            await conn.execute("ROLLBACK")
        raise
    await backfill_identity(conn)
    if before < 11:
        await index_figures_by_measure(conn)
    return before, pending[-1][0]


async def copy_to(conn: aiosqlite.Connection, target: Path) -> None:
    """An online, consistent copy (SQLite backup API) while the bot may keep writing."""
    await asyncio.to_thread(new_file, target, "backup")
    try:
        dest = await aiosqlite.connect(target)
        try:
            await conn.backup(dest)
        finally:
            await dest.close()
    except sqlite3.Error as exc:
        raise StoreError(f"{target}: cannot write the backup: {sqlite_problem(exc)}") from None


async def backfill_identity(conn: aiosqlite.Connection) -> None:
    """Articles stored before schema v5 get their link key and fingerprint, so a feed that now names them
    differently (a normalised guid) finds them instead of storing them twice. Runs on `db upgrade` and on open
    until it has finished once (recorded in meta)."""
    async with conn.execute("SELECT 1 FROM meta WHERE key = 'identity_backfill'") as cur:
        if await cur.fetchone():
            return
    while True:
        rows = await fetch_all(
            conn, "SELECT id, url, title, body FROM articles WHERE fingerprint IS NULL LIMIT 500"
        )
        await conn.execute("BEGIN IMMEDIATE")
        if not rows:
            await conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('identity_backfill', 'done')")
            await conn.execute("COMMIT")
            return
        await conn.executemany(
            "UPDATE articles SET link_key = ?, fingerprint = ? WHERE id = ?",
            [(link_key(r["url"]), fingerprint(r["title"], r["body"]), r["id"]) for r in rows],
        )
        await conn.execute("COMMIT")


async def index_figures_by_measure(conn: aiosqlite.Connection) -> None:
    """Figure clusters stored before schema v11 were indexed by counted noun and rate; new figures look them up by
    their measured thing (bot.core.figure_identity.index_keys). Index the old clusters under the new keys too, in
    batches, so a store upgraded in place keeps matching its history."""
    last = 0
    while True:
        rows = await fetch_all(
            conn,
            "SELECT id, thing FROM clusters WHERE kind = 'figure' AND thing IS NOT NULL AND id > ? "
            "ORDER BY id LIMIT 1000",
            (last,),
        )
        if not rows:
            return
        keys = []
        for r in rows:
            figure = thing_ref(json.loads(r["thing"]))
            keys += [(k, int(r["id"])) for k in index_keys("figure", None, "", figure)]
        await conn.execute("BEGIN IMMEDIATE")
        await conn.executemany("INSERT OR IGNORE INTO cluster_index (key, cluster_id) VALUES (?, ?)", keys)
        await conn.execute("COMMIT")
        last = int(rows[-1]["id"])
