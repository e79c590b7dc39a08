"""Lookups in the store: `claimdesk ask` (a slash command typed as text), `export` (the store's read format),
`db upgrade` and `db backup`. A lookup never creates a store."""

from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.files import os_problem, sqlite_problem, unwritable
from bot.bootstrap import open_store, store_location
from bot.config import Settings
from bot.core.ports import ClaimStore
from bot.core.records import ExportedClaim
from bot.core.render import render_reply
from bot.errors import UserError
from handlers import Caller, dispatch

log = logging.getLogger("claimdesk")


async def ask(settings: Settings, line: str, out: TextIO, team: str | None = None, page: int = 1) -> int:
    # a lookup never makes a store
    store = await open_store(store_location(settings), lookup=True)
    try:
        if store.read_only:
            log.info("%s is read-only here: lookups work, changes do not", settings.database_name)
        else:
            await store.sync_teams(settings.teams)  # the config's teams exist before the first `run`
        try:
            reply = await dispatch(store, Caller(team=team, page=page), line)
        except sqlite3.OperationalError as exc:
            if not store.read_only:
                raise
            raise UserError(
                f"{settings.database}: the database is read-only here ({sqlite_problem(exc)}); "
                f"{line.split()[0] if line.split() else 'this command'} changes it, only lookups work"
            ) from None
    finally:
        await store.close()
    out.write(render_reply(reply) + "\n")
    pages = reply.page.count if reply.page else 1
    if page < pages:
        out.write(f'\npage {page} of {pages}; next: claimdesk ask --page {page + 1} "{line}"\n')
    return 1 if reply.error else 0


_AGE = re.compile(r"(\d{1,9})\s*(m|min|h|d|w)", re.IGNORECASE)
_AGE_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> str:
    """`--since` as the ISO 8601 UTC time (whole seconds) that the store's stored_at values compare with: an ISO
    date or date-time (no zone: UTC) or an age before now (30m, 24h, 7d, 2w)."""
    wanted = text.strip()
    age = _AGE.fullmatch(wanted)
    try:
        if age:
            moment = (now or datetime.now(UTC)) - timedelta(
                **{_AGE_UNITS[age.group(2).lower()]: int(age.group(1))}
            )
        else:
            moment = datetime.fromisoformat(wanted)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0).isoformat()
    except (ValueError, OverflowError):
        raise UserError(
            f"export: --since {text!r}: expected an ISO date or time (2024-11-02, 2024-11-02T09:30, "
            "2024-11-02T09:30+02:00) or an age (30m, 24h, 7d, 2w)"
        ) from None


def _number(v: float | None) -> float | int | None:
    """Whole numbers print as ints (8000, not 8000.0), as in `claimdesk extract`."""
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def export_record(c: ExportedClaim, bodies: bool = False) -> dict[str, Any]:
    """One line of `claimdesk export`: the contract in README ("Export"). Keys in this order, always present."""
    article: dict[str, Any] = {
        "id": c.article_id,
        "feed": {"name": c.feed_name, "url": c.feed_url},
        "guid": c.entry_key.removeprefix("guid:") if c.entry_key.startswith("guid:") else None,
        "link": c.link,
        "title": c.title,
        "source": c.source,
        "published": c.published,
        "alerted": c.alerted,
    }
    if bodies:
        article |= {"body": c.body, "summary": c.summary}
    return {
        "claim_id": c.claim_id,
        "article": article,
        "kind": c.kind,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "parts": None if c.parts is None else [list(p) for p in c.parts],
        "direct": c.direct,
        "speaker": c.speaker,
        "value": _number(c.value),
        "low": _number(c.low),
        "high": _number(c.high),
        "unit": c.unit,
        "counted": c.counted,
        "subject": c.subject,
        "measure": c.measure,
        "event": c.event,
        "period": c.period,
        "status": c.status,
        "cluster_id": c.cluster_id,
        "cluster_first_claim_id": c.cluster_first_claim_id,
        "stored_at": c.stored_at,
    }


async def export(
    settings: Settings,
    out: TextIO,
    since: str | None = None,
    output: Path | None = None,
    bodies: bool = False,
) -> int:
    """Every stored claim (or those stored since a time) as JSON lines, to `out` or to the file `output`, which
    appears whole or not at all (written beside it, then renamed)."""
    when = parse_since(since) if since is not None else None
    in_place = output is not None and _export_in_place(output)
    # a lookup never makes a store
    store = await open_store(store_location(settings), lookup=True)
    try:
        if output is None:
            n = await _write_export(store, out, when, bodies)
        elif in_place:
            with output.open("w", encoding="utf-8") as fh:
                n = await _write_export(store, fh, when, bodies)
        else:
            partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
            try:
                with partial.open("w", encoding="utf-8") as fh:
                    n = await _write_export(store, fh, when, bodies)
                partial.replace(output)
            except OSError as exc:
                raise UserError(f"export: {output}: {os_problem(exc)}") from None
            finally:
                partial.unlink(missing_ok=True)
    finally:
        await store.close()
    log.info(
        "exported %d claim(s)%s%s",
        n,
        f" stored since {when}" if when else "",
        f" to {output}" if output else "",
    )
    return 0


def _export_in_place(output: Path) -> bool:
    """Whether `output` is written as it is (/dev/stdout, a named pipe) rather than beside it and renamed; a target
    that cannot be written is one line and exit 2, before the store is read."""
    if problem := unwritable(output):
        raise UserError(f"export: {output}: {problem}")
    return output.exists() and not output.is_file()


async def _write_export(store: ClaimStore, out: TextIO, since: str | None, bodies: bool) -> int:
    n = 0
    async for claim in store.export_claims(since, bodies=bodies):
        out.write(json.dumps(export_record(claim, bodies), ensure_ascii=False) + "\n")
        n += 1
    out.flush()
    return n


async def db_upgrade(settings: Settings, out: TextIO) -> int:
    store = await open_store(store_location(settings), upgrade=False)
    try:
        before, after = await store.upgrade()
    finally:
        await store.close()
    if before == after:
        out.write(f"{settings.database_name}: schema is up to date (version {after})\n")
    else:
        out.write(f"{settings.database_name}: schema upgraded from version {before} to {after}\n")
    return 0


async def db_backup(settings: Settings, target: Path, out: TextIO) -> int:
    if settings.database_url:
        raise UserError(
            f"{settings.database_name}: `claimdesk db backup` copies a SQLite file; "
            "back up a PostgreSQL database with pg_dump"
        )
    store = await open_store(settings.database, lookup=True)
    try:
        await store.backup(target)
    finally:
        await store.close()
    out.write(f"backed up {settings.database} to {target}\n")
    return 0
