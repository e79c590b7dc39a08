"""What every SQLite repository shares: the clock's ISO form and one-round-trip reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


async def fetch_all(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
    """Every row, read by column name (the connection's row factory is aiosqlite.Row)."""
    return list(await db.execute_fetchall(sql, params))


async def fetch_one(db: aiosqlite.Connection, sql: str, params: Sequence[Any] = ()) -> sqlite3.Row | None:
    """The first row: one round trip to aiosqlite's thread (execute, fetchone and close would be three)."""
    for row in await db.execute_fetchall(sql, params):
        return row
    return None


def marks(n: int) -> str:
    """`?, ?, …` for an IN list of n values."""
    return ",".join("?" * n)
