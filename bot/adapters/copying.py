"""`claimdesk db copy FROM TO`: a whole store from one database to another — SQLite → PostgreSQL and back (or
SQLite → SQLite, PostgreSQL → PostgreSQL) — resumable, checked by counts.

Tables, columns, primary keys and the order foreign keys impose are read from the source's schema (the target's
must hold the same tables and columns: the same schema version). Each table is read in primary-key order, `batch`
rows at a time, and each batch is written in a transaction of its own with INSERT … ON CONFLICT DO NOTHING, ids
kept, so references hold. A copy run again starts each table after the last key the target holds: an interrupted
copy resumes where it stopped and never writes a row twice. Text keys are ordered byte-wise on both sides (SQLite's
BINARY, PostgreSQL's COLLATE "C"), so "after the last key" means the same thing on both.

`meta` is overwritten with the source's (its `instance` is part of every delivery key: a moved store keeps it),
first, which is also how a target is recognised as this source's copy. The target must be new (a missing SQLite
file, a database without tables), hold no rows but meta's (`claimdesk db upgrade` made it), or carry the source's
instance in meta (a copy of this source, interrupted or finished: run again, it copies what is missing).

The search index is not copied but rebuilt on the target the way its adapter builds it: from SQLite, the rows of
the FTS5 table are read as text (the words each claim was indexed under) and PostgreSQL makes a tsvector of them
(bot.adapters.postgres.fts.document); from PostgreSQL, whose tsvector cannot be read back as text, each claim's
row is rebuilt from the claim and its article (its label as bot.core.claims made it) and written to FTS5.

At the end: every table's rows counted on both sides, and on PostgreSQL the id sequences set past the largest id.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO
from urllib.parse import unquote, urlsplit

import aiosqlite
import asyncpg

from bot.adapters.files import sqlite_problem
from bot.adapters.postgres import schema as pg_schema
from bot.adapters.postgres.db import CONNECT_ERRORS, Db, is_url, masked, server_problem
from bot.adapters.postgres.fts import document
from bot.adapters.postgres.search import partition
from bot.adapters.sqlite import schema as sqlite_schema
from bot.core.claims import figure_label
from bot.errors import StoreError
from bot.extractor.types import Figure

log = logging.getLogger(__name__)

BATCH = 500  # rows a batch: a transaction on the target, and all the copy holds in memory at once
META = "meta"  # overwritten with the source's, first
SEARCH = "claim_search"  # rebuilt on the target, never copied as it is stored
SKIPPED = {"schema_version"}  # each side's own record of its migrations
# a claim's search row: its id, then the FTS5 table's columns (text, speaker, subject, title, context)
SearchRow = tuple[int, str, str, str, str, str]
_FIGURE_FIELDS = frozenset(Figure.__dataclass_fields__)


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key: the copy's order
    parents: frozenset[str]  # tables its foreign keys name


def search_text(kind: str, text: str, speaker: str | None, direct: Any, data: str) -> str:
    """The label a claim was indexed under (bot.core.claims.claims_from: ClaimDraft.label), from its stored row."""
    if kind == "quote":
        return f"{speaker}: “{text}”" if direct else f"{speaker} said {text}"
    try:
        return figure_label(Figure(**{k: v for k, v in json.loads(data).items() if k in _FIGURE_FIELDS}))
    except (TypeError, ValueError, AttributeError):
        return text  # a figure stored without the extractor's fields (tests' hand-made claims)


class End(Protocol):
    """One side of a copy."""

    name: str  # printable (a URL without its password)

    async def version(self) -> int: ...
    async def tables(self) -> dict[str, Table]: ...
    async def column_names(self, table: str) -> set[str]: ...
    async def has_rows(self, table: str) -> bool: ...
    async def count(self, table: str) -> int: ...
    async def instance(self) -> str | None: ...
    async def rows(self, table: Table, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]: ...
    async def last_key(self, table: Table) -> tuple[Any, ...] | None: ...
    async def insert(self, table: Table, rows: Sequence[Sequence[Any]], replace: bool = False) -> None: ...
    async def search_rows(self, after: int, limit: int) -> list[SearchRow]: ...
    async def last_search(self) -> int: ...
    async def add_search(self, rows: Sequence[SearchRow]) -> None: ...
    async def finish(self) -> None: ...
    async def close(self) -> None: ...


def _q(name: str) -> str:
    return f'"{name}"'


# -- SQLite ------------------------------------------------------------------------------------------------------
class SqliteEnd:
    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._db = conn
        self.path = path
        self.name = str(path)

    @classmethod
    async def source(cls, path: Path) -> SqliteEnd:
        """The file, read-only: a copy never writes its source."""
        await asyncio.to_thread(sqlite_schema.check_file, path, False, True)
        try:
            conn = await sqlite_schema.connect_read_only(path)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        try:
            conn.row_factory = aiosqlite.Row
            version = await sqlite_schema.read_version(conn)
            if 0 < version < sqlite_schema.SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: schema version {version} is older than this claimdesk's "
                    f"({sqlite_schema.SCHEMA_VERSION}); upgrade it first (`claimdesk db upgrade`)"
                )
            await sqlite_schema.check_schema(conn, path, read_only=True, upgrade=False)
            if version == 0:
                raise StoreError(f"{path}: no claimdesk store in this file (nothing to copy)")
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        return cls(conn, path)

    @classmethod
    async def target(cls, path: Path) -> SqliteEnd:
        """The file, given the current schema when it is new."""
        conn, _ = await sqlite_schema.connect(path, create=True, lookup=False)
        end = cls(conn, path)
        try:
            if await end.version() == 0 and not await end._names():
                await sqlite_schema.apply_migrations(conn)
            else:
                await sqlite_schema.check_schema(conn, path, read_only=False, upgrade=False)
        except sqlite3.Error as exc:
            await conn.close()
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        return end

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        return list(await self._db.execute_fetchall(sql, params))

    async def _names(self) -> list[str]:
        """The tables, leaving out SQLite's own and the shadow tables of a virtual one (FTS5's)."""
        rows = await self._fetch("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")
        virtual = [str(r["name"]) for r in rows if str(r["sql"] or "").upper().startswith("CREATE VIRTUAL")]
        return [
            str(r["name"])
            for r in rows
            if not str(r["name"]).startswith("sqlite_")
            and not any(str(r["name"]).startswith(v + "_") for v in virtual)
        ]

    async def version(self) -> int:
        return await sqlite_schema.read_version(self._db)

    async def column_names(self, table: str) -> set[str]:
        return {str(r["name"]) for r in await self._fetch(f"PRAGMA table_info({_q(table)})")}

    async def tables(self) -> dict[str, Table]:
        out = {}
        for name in await self._names():
            if name in SKIPPED or name == SEARCH:
                continue
            info = await self._fetch(f"PRAGMA table_info({_q(name)})")
            fks = await self._fetch(f"PRAGMA foreign_key_list({_q(name)})")
            out[name] = Table(
                name,
                tuple(str(c["name"]) for c in info),
                tuple(str(c["name"]) for c in sorted(info, key=lambda c: int(c["pk"])) if int(c["pk"])),
                frozenset(str(f["table"]) for f in fks) - {name},
            )
        return out

    async def has_rows(self, table: str) -> bool:
        return bool(await self._fetch(f"SELECT 1 FROM {_q(table)} LIMIT 1"))

    async def count(self, table: str) -> int:
        return int((await self._fetch(f"SELECT count(*) AS n FROM {_q(table)}"))[0]["n"])

    async def instance(self) -> str | None:
        rows = await self._fetch("SELECT value FROM meta WHERE key = 'instance'")
        return str(rows[0]["value"]) if rows else None

    async def rows(self, table: Table, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        key = ", ".join(map(_q, table.key))
        where = f"WHERE ({key}) > ({', '.join('?' * len(table.key))}) " if after is not None else ""
        rows = await self._fetch(
            f"SELECT {', '.join(map(_q, table.columns))} FROM {_q(table.name)} {where}ORDER BY {key} LIMIT ?",
            (*(after or ()), limit),
        )
        return [tuple(r) for r in rows]

    async def last_key(self, table: Table) -> tuple[Any, ...] | None:
        desc = ", ".join(f"{_q(k)} DESC" for k in table.key)
        rows = await self._fetch(
            f"SELECT {', '.join(map(_q, table.key))} FROM {_q(table.name)} ORDER BY {desc} LIMIT 1"
        )
        return tuple(rows[0]) if rows else None

    async def _write(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        await self._db.execute("BEGIN IMMEDIATE")
        try:
            await self._db.executemany(sql, rows)
        except BaseException:
            await self._db.execute("ROLLBACK")
            raise
        await self._db.execute("COMMIT")

    async def insert(self, table: Table, rows: Sequence[Sequence[Any]], replace: bool = False) -> None:
        await self._write(_insert_sql(table, ["?"] * len(table.columns), replace), rows)

    async def search_rows(self, after: int, limit: int) -> list[SearchRow]:
        rows = await self._fetch(
            f"SELECT rowid, text, speaker, subject, title, context FROM {SEARCH} WHERE rowid > ? "
            "ORDER BY rowid LIMIT ?",
            (after, limit),
        )
        text = [[str(v or "") for v in tuple(r)[1:]] for r in rows]
        return [(int(r[0]), t[0], t[1], t[2], t[3], t[4]) for r, t in zip(rows, text, strict=True)]

    async def last_search(self) -> int:
        return int((await self._fetch(f"SELECT coalesce(max(rowid), 0) AS n FROM {SEARCH}"))[0]["n"])

    async def add_search(self, rows: Sequence[SearchRow]) -> None:
        await self._write(
            f"INSERT INTO {SEARCH} (rowid, text, speaker, subject, title, context) VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )

    async def finish(self) -> None:
        """Nothing to reset: SQLite gives a new row the largest id plus one."""

    async def close(self) -> None:
        await self._db.close()


def _insert_sql(table: Table, marks: Sequence[str], replace: bool) -> str:
    """INSERT of one row that leaves a row with the same key as it is, or (`replace`) takes the new values."""
    conflict = (
        f"ON CONFLICT ({', '.join(map(_q, table.key))}) DO UPDATE SET "
        + ", ".join(f"{_q(c)} = excluded.{_q(c)}" for c in table.columns if c not in table.key)
        if replace
        else "ON CONFLICT DO NOTHING"
    )
    return f"INSERT INTO {_q(table.name)} ({', '.join(map(_q, table.columns))}) VALUES ({', '.join(marks)}) {conflict}"


# -- PostgreSQL --------------------------------------------------------------------------------------------------
_CONVERT: dict[str, Callable[[Any], Any]] = {
    "boolean": bool,  # SQLite keeps 0 and 1
    "double precision": float,
    "real": float,
    "bigint": int,
    "integer": int,
    "smallint": int,
    "bytea": bytes,
}


class PostgresEnd:
    def __init__(self, conn: Any, url: str) -> None:
        self._conn = conn  # an asyncpg.Connection
        self._db: Db = conn
        self.url = url
        self.name = masked(url)
        self._types: dict[str, dict[str, str]] = {}

    @classmethod
    async def open(cls, url: str, *, target: bool, tag: str) -> PostgresEnd:
        """A connection named `tag` (application_name: how a copy tells its source and target apart). A target
        without tables gets the current schema; anything else is checked as `claimdesk` opens a store."""
        try:
            conn = await asyncpg.connect(
                url, timeout=10, command_timeout=600, server_settings={"application_name": tag}
            )
        except CONNECT_ERRORS as exc:
            raise StoreError(f"{masked(url)}: cannot open the database: {server_problem(exc)}") from None
        try:
            version = await pg_schema.read_version(conn)
            if not target and 0 < version < pg_schema.SCHEMA_VERSION:
                raise StoreError(
                    f"{masked(url)}: schema version {version} is older than this claimdesk's "
                    f"({pg_schema.SCHEMA_VERSION}); upgrade it first (`claimdesk db upgrade`)"
                )
            async with conn.transaction():
                await pg_schema.check_schema(
                    conn, url, upgrade=target and version == 0, create=target and version == 0
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            await conn.close()
            raise StoreError(f"{masked(url)}: {server_problem(exc)}") from None
        except BaseException:
            await conn.close()
            raise
        return cls(conn, url)

    async def version(self) -> int:
        return await pg_schema.read_version(self._db)

    async def column_names(self, table: str) -> set[str]:
        return set(await self._column_types(table))

    async def _column_types(self, table: str) -> dict[str, str]:
        if table not in self._types:
            rows = await self._db.fetch(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                table,
            )
            self._types[table] = {str(r["column_name"]): str(r["data_type"]) for r in rows}
        return self._types[table]

    async def tables(self) -> dict[str, Table]:
        names = [
            str(r["table_name"])
            for r in await self._db.fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() "
                "AND table_type = 'BASE TABLE' AND NOT EXISTS (SELECT 1 FROM pg_class c WHERE c.relispartition "
                "AND c.relname = table_name AND c.relnamespace = current_schema()::regnamespace) "
                "ORDER BY table_name"
            )
        ]
        parents: dict[str, set[str]] = {}
        for r in await self._db.fetch(
            "SELECT conrelid::regclass::text AS child, confrelid::regclass::text AS parent FROM pg_constraint "
            "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
        ):
            parents.setdefault(str(r["child"]), set()).add(str(r["parent"]))
        out = {}
        for name in names:
            if name in SKIPPED or name == SEARCH:
                continue
            key = await self._db.fetch(
                "SELECT a.attname FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
                "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass AND i.indisprimary "
                "ORDER BY array_position(i.indkey::int2[], a.attnum)",
                _q(name),
            )
            out[name] = Table(
                name,
                tuple(await self._column_types(name)),
                tuple(str(r["attname"]) for r in key),
                frozenset(parents.get(name, set()) - {name}),
            )
        return out

    async def has_rows(self, table: str) -> bool:
        return bool(await self._db.fetchval(f"SELECT EXISTS (SELECT 1 FROM {_q(table)})"))

    async def count(self, table: str) -> int:
        return int(await self._db.fetchval(f"SELECT count(*) FROM {_q(table)}"))

    async def instance(self) -> str | None:
        value = await self._db.fetchval("SELECT value FROM meta WHERE key = 'instance'")
        return None if value is None else str(value)

    async def is_connected(self, tag: str) -> bool:
        """Whether a connection named `tag` is open to this very database (the same server and database under
        another URL)."""
        return bool(
            await self._db.fetchval(
                "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE application_name = $1 "
                "AND datname = current_database())",
                tag,
            )
        )

    async def _key(self, table: Table) -> list[str]:
        """The key's columns, text ones in byte order (as SQLite's BINARY) whatever the column's collation."""
        types = await self._column_types(table.name)
        return [_q(k) + (' COLLATE "C"' if types[k] == "text" else "") for k in table.key]

    async def rows(self, table: Table, after: Sequence[Any] | None, limit: int) -> list[tuple[Any, ...]]:
        key = await self._key(table)
        types = await self._column_types(table.name)
        params: list[Any] = []
        where = ""
        if after is not None:
            params = [_convert(types[k], v) for k, v in zip(table.key, after, strict=True)]
            marks = ", ".join(f"${n}" for n in range(1, len(params) + 1))
            where = f"WHERE ROW({', '.join(key)}) > ROW({marks}) "
        rows = await self._db.fetch(
            f"SELECT {', '.join(map(_q, table.columns))} FROM {_q(table.name)} {where}"
            f"ORDER BY {', '.join(key)} LIMIT ${len(params) + 1}",
            *params,
            limit,
        )
        return [tuple(r[c] for c in table.columns) for r in rows]

    async def last_key(self, table: Table) -> tuple[Any, ...] | None:
        desc = ", ".join(f"{k} DESC" for k in await self._key(table))
        row = await self._db.fetchrow(
            f"SELECT {', '.join(map(_q, table.key))} FROM {_q(table.name)} ORDER BY {desc} LIMIT 1"
        )
        return None if row is None else tuple(row[k] for k in table.key)

    async def insert(self, table: Table, rows: Sequence[Sequence[Any]], replace: bool = False) -> None:
        types = await self._column_types(table.name)
        kinds = [types[c] for c in table.columns]
        values = [[_convert(t, v) for t, v in zip(kinds, row, strict=True)] for row in rows]
        marks = [f"${n}" for n in range(1, len(table.columns) + 1)]
        async with self._conn.transaction():
            await self._db.executemany(_insert_sql(table, marks, replace), values)

    async def search_rows(self, after: int, limit: int) -> list[SearchRow]:
        rows = await self._db.fetch(
            "SELECT c.id, c.kind, c.text, c.speaker, c.direct, c.subject, c.context, c.data, a.title "
            f"FROM {SEARCH} s JOIN claims c ON c.id = s.claim_id JOIN articles a ON a.id = c.article_id "
            "WHERE s.claim_id > $1 ORDER BY s.claim_id LIMIT $2",
            after,
            limit,
        )
        return [
            (
                int(r["id"]),
                search_text(r["kind"], r["text"], r["speaker"], r["direct"], r["data"]),
                r["speaker"] or "",
                r["subject"] or "",
                r["title"],
                r["context"],
            )
            for r in rows
        ]

    async def last_search(self) -> int:
        return int(await self._db.fetchval(f"SELECT coalesce(max(claim_id), 0) FROM {SEARCH}"))

    async def add_search(self, rows: Sequence[SearchRow]) -> None:
        docs = [
            (
                claim_id,
                document(
                    [
                        ("text", text),
                        ("speaker", speaker),
                        ("subject", subject),
                        ("title", title),
                        ("context", context),
                    ]
                ),
            )
            for claim_id, text, speaker, subject, title, context in rows
        ]
        async with self._conn.transaction():
            if docs:  # the search table's id ranges first (schema V13), so the rows land in them
                newest = max(claim_id for claim_id, _ in docs)
                await self._db.execute(
                    "SELECT claimdesk_search_ranges($1, $2)",
                    partition(),
                    newest + partition(),
                )
            await self._db.executemany(
                f"INSERT INTO {SEARCH} (claim_id, doc, cluster_id, kind) SELECT c.id, $2::tsvector, c.cluster_id, "
                "c.kind FROM claims c WHERE c.id = $1 ON CONFLICT DO NOTHING",
                docs,
            )

    async def finish(self) -> None:
        """Every id sequence set past the largest id, so the next row the bot adds gets a new one."""
        for r in await self._db.fetch(
            "SELECT table_name, column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND is_identity = 'YES' ORDER BY table_name"
        ):
            table, column = _q(str(r["table_name"])), _q(str(r["column_name"]))
            await self._db.execute(
                f"SELECT setval(pg_get_serial_sequence($1, $2), coalesce((SELECT max({column}) FROM {table}), 0) + 1, "
                "false)",
                table,
                str(r["column_name"]),
            )

    async def close(self) -> None:
        await self._conn.close()


def _convert(kind: str, value: Any) -> Any:
    convert = _CONVERT.get(kind)
    return value if value is None or convert is None else convert(value)


# -- the copy ----------------------------------------------------------------------------------------------------
def _order(tables: dict[str, Table]) -> list[Table]:
    """Parents before children (foreign keys), otherwise by name; meta first."""
    done: list[Table] = []
    left = dict(sorted(tables.items(), key=lambda t: (t[0] != META, t[0])))
    while left:
        ready = [t for t in left.values() if not (t.parents & set(left))]
        if not ready:
            raise StoreError(
                f"foreign keys go round in a circle among {', '.join(sorted(left))}: cannot copy"
            )
        done.append(ready[0])
        del left[ready[0].name]
    return done


def _same_place(source: str, target: str) -> bool:
    """The same file, or the same server database, as far as the two names tell."""
    if is_url(source) and is_url(target):

        def where(url: str) -> tuple[str, int, str]:
            parts = urlsplit(url)
            user = unquote(parts.username or "")
            return (
                parts.hostname or "localhost",
                parts.port or 5432,
                unquote(parts.path.lstrip("/")) or user,
            )

        return where(source) == where(target)
    if is_url(source) or is_url(target):
        return False
    a, b = Path(source).expanduser(), Path(target).expanduser()
    try:
        return a.resolve() == b.resolve() or (a.exists() and b.exists() and a.samefile(b))
    except OSError:
        return False


async def _open(database: str, *, target: bool, tag: str) -> End:
    if is_url(database):
        return await PostgresEnd.open(database, target=target, tag=tag)
    return await (SqliteEnd.target(Path(database)) if target else SqliteEnd.source(Path(database)))


async def open_ends(source: str, target: str) -> tuple[End, End, bool]:
    """Both ends, checked: refused (StoreError, one line) when they are one database, when their schemas differ,
    or when the target holds rows of something other than this source. True: the target is an earlier copy of
    this source that holds rows (the copy resumes)."""
    if _same_place(source, target):
        raise StoreError(f"{masked(source)}: the source and the target are the same database")
    tag = f"claimdesk-copy-{secrets.token_hex(6)}"
    src = await _open(source, target=False, tag=tag + "-from")
    try:
        dst = await _open(target, target=True, tag=tag + "-to")
    except BaseException:
        await src.close()
        raise
    try:
        resumed = await _check(src, dst, tag)
    except BaseException:
        await src.close()
        await dst.close()
        raise
    return src, dst, resumed


async def _check(src: End, dst: End, tag: str) -> bool:
    if isinstance(src, PostgresEnd) and await src.is_connected(tag + "-to"):
        raise StoreError(f"{dst.name}: the source and the target are the same database")
    if (a := await src.version()) != (b := await dst.version()):
        raise StoreError(
            f"{dst.name}: schema version {b}, the source's is {a}; upgrade the older one first "
            "(`claimdesk db upgrade`)"
        )
    tables, theirs = await src.tables(), await dst.tables()
    for table in tables.values():
        if table.name not in theirs:
            raise StoreError(f"{dst.name}: no table {table.name} here; the schemas differ")
        if set(table.columns) != await dst.column_names(table.name):
            raise StoreError(f"{dst.name}: table {table.name} has other columns than the source's")
        if not table.key:
            raise StoreError(f"{src.name}: table {table.name} has no primary key: cannot copy it in order")
    full = [t for t in [*theirs, SEARCH] if t != META and await dst.has_rows(t)]
    if full and await dst.instance() == await src.instance():
        return True  # a copy of this source, interrupted or finished: go on where it stands
    if full:
        raise StoreError(
            f"{dst.name}: the target holds another store's rows ({', '.join(full[:3])}); "
            "copy into a new or empty database (a copy of this source may be resumed)"
        )
    return False


async def copy_rows(
    src: End, dst: End, batch: int = BATCH, after_batch: Callable[[str, int], None] | None = None
) -> list[tuple[str, int, int]]:
    """Copy every table in order, `batch` rows a transaction, each starting after the target's last key; then the
    search rows, rebuilt. `after_batch(table, batches so far)` runs after each committed batch (tests interrupt the
    copy there). Returns (table, source rows, target rows) for every table, the search rows last."""
    tables = _order(await src.tables())
    for table in tables:
        copied = batches = 0
        after = None if table.name == META else await dst.last_key(table)
        while True:
            rows = await src.rows(table, after, batch)
            if not rows:
                break
            await dst.insert(table, rows, replace=table.name == META)
            copied, batches = copied + len(rows), batches + 1
            after = tuple(rows[-1][table.columns.index(k)] for k in table.key)
            if after_batch:
                after_batch(table.name, batches)
            if len(rows) < batch:
                break
        log.log(logging.INFO if copied else logging.DEBUG, "%s: %d rows copied", table.name, copied)
    last, batches = await dst.last_search(), 0
    while search := await src.search_rows(last, batch):
        await dst.add_search(search)
        last, batches = search[-1][0], batches + 1
        if after_batch:
            after_batch(SEARCH, batches)
    await dst.finish()
    return [(t, await src.count(t), await dst.count(t)) for t in [*(t.name for t in tables), SEARCH]]


async def copy_store(
    source: str,
    target: str,
    out: TextIO,
    batch: int = BATCH,
    after_batch: Callable[[str, int], None] | None = None,
) -> bool:
    """The whole copy, its counts printed to `out`; True when every table's counts match."""
    src, dst, resumed = await open_ends(source, target)
    try:
        out.write(f"copying {src.name} → {dst.name} (schema {await src.version()})\n")
        if resumed:
            out.write("the target is an earlier copy of this source: copying what it lacks\n")
        counts = await copy_rows(src, dst, batch, after_batch)
    except (OSError, sqlite3.Error, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        problem = sqlite_problem(exc) if isinstance(exc, sqlite3.Error) else server_problem(exc)
        raise StoreError(
            f"{dst.name}: the copy stopped ({problem}); the batches written stay: run the same command again "
            "to go on"
        ) from None
    finally:
        await src.close()
        await dst.close()
    width = max(len(t) for t, _, _ in counts)
    out.write(f"  {'table':<{width}}  {'source':>10}  {'target':>10}\n")
    for table, a, b in counts:
        out.write(f"  {table:<{width}}  {a:>10,}  {b:>10,}{'' if a == b else '  differs'}\n")
    differ = [t for t, a, b in counts if a != b]
    if differ:
        out.write(f"counts differ: {', '.join(differ)}\n")
        return False
    out.write(f"copied: {len(counts)} tables, {sum(a for _, a, _ in counts):,} rows, every count matches\n")
    return True
