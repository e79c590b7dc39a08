"""What every PostgreSQL repository shares: the typed face of an asyncpg pool or connection, the clock's ISO form,
a server URL safe to print, and a connection failure as one line."""

from __future__ import annotations

import socket
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

import asyncpg

URL_SCHEMES = ("postgresql://", "postgres://")
# advisory locks: a process's presence is a two-key lock (LEASE_SPACE, its owner number; the V12 migration's
# claimdesk_alive reads it); keys a transaction holds (an article's identity, a claim's candidate keys, planning,
# the schema) are one-key locks on a 64-bit hash of their text
LEASE_SPACE = 4408395  # 'CDK'
# a Discord shard connected by a process: a two-key lock (SHARD_SPACE, shard id) on its presence connection
SHARD_SPACE = 4408396


class Row(Protocol):
    """An asyncpg.Record: read by column name."""

    def __getitem__(self, key: str | int, /) -> Any: ...


class Db(Protocol):
    """What the repositories call on an asyncpg pool (lookups: any connection) or connection (a transaction)."""

    async def execute(self, query: str, *args: Any) -> str: ...

    async def executemany(self, command: str, args: Sequence[Sequence[Any]]) -> None: ...

    async def fetch(self, query: str, *args: Any) -> list[Row]: ...

    async def fetchrow(self, query: str, *args: Any) -> Row | None: ...

    async def fetchval(self, query: str, *args: Any) -> Any: ...


async def lock_keys(db: Db, keys: Sequence[str]) -> None:
    """Hold these keys until the caller's transaction ends: another transaction asking for one of them waits.
    Taken in sorted order, so two transactions never wait for each other's keys."""
    ordered = sorted(set(keys))
    if ordered:
        await db.execute(
            "SELECT count(pg_advisory_xact_lock(hashtextextended(k, 0))) FROM unnest($1::text[]) AS k",
            ordered,
        )


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def changed(status: str) -> int:
    """Rows a command touched, from asyncpg's status line ("INSERT 0 1", "UPDATE 3", "DELETE 0")."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def is_url(database: str) -> bool:
    return database.startswith(URL_SCHEMES)


def masked(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


def server_problem(exc: BaseException) -> str:
    """Why the server could not be used, in the few words an operator acts on."""
    if isinstance(exc, asyncpg.InvalidPasswordError):
        return "the server refused the password (check the user and password in the URL)"
    if isinstance(exc, asyncpg.InvalidAuthorizationSpecificationError):
        return f"the server refused the login ({exc})"
    if isinstance(exc, asyncpg.InvalidCatalogNameError):
        return f"no such database on the server ({exc})"
    if isinstance(exc, asyncpg.InsufficientPrivilegeError):
        return f"permission denied ({exc})"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the PostgreSQL server running, on this host and port?)"
    if isinstance(exc, socket.gaierror):
        return f"unknown host ({exc.strerror or exc})"
    if isinstance(exc, TimeoutError):
        return "the server did not answer in time"
    if isinstance(exc, OSError):
        return f"cannot reach the server ({exc.strerror or exc})"
    if isinstance(exc, asyncpg.PostgresError):
        return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


CONNECT_ERRORS = (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, ValueError)
