"""`claimdesk db copy FROM TO`: a store moved between SQLite files and PostgreSQL databases (bot.adapters.copying),
its counts printed; exit 0 only when every table's counts match, 1 when some differ, 2 when refused."""

from __future__ import annotations

from typing import TextIO

from bot.adapters.copying import copy_store


async def db_copy(source: str, target: str, out: TextIO) -> int:
    return 0 if await copy_store(source, target, out) else 1
