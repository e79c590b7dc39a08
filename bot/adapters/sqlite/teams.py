"""Teams, their alert settings and their watches: from the config file, and as commands set them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one
from bot.core.delivery import Pacing, PacingError
from bot.core.ports import TeamSpec
from bot.core.records import NoticeTeam, TeamRow, WatchRow

_TEAM = "SELECT id, name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap FROM teams"


class SqliteTeams:
    """Reads run on the connection as it is; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def sync(self, teams: Iterable[TeamSpec]) -> None:
        """Make the config's teams say what the config says (the console front end's source of truth).

        Teams created by commands (Discord servers) are left alone, and so are watches added by command."""
        for t in teams:
            await self._db.execute(
                "INSERT INTO teams (name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap) "
                "VALUES (?, ?, ?, 'config', ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                "channel = excluded.channel, alert_kinds = excluded.alert_kinds, origin = 'config', "
                "quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, "
                "hourly_cap = excluded.hourly_cap",
                (
                    t.name,
                    t.channel,
                    json.dumps(list(t.alerts)),
                    t.pacing.quiet_hours,
                    t.pacing.timezone,
                    t.pacing.hourly_cap,
                ),
            )
            row = await fetch_one(self._db, "SELECT id FROM teams WHERE name = ?", (t.name,))
            assert row is not None
            team_id = int(row["id"])
            keywords = list(t.keywords)
            await self._db.execute(
                "DELETE FROM watches WHERE team_id = ? AND origin = 'config' "
                f"AND keyword NOT IN ({','.join('?' * len(keywords))})",
                (team_id, *keywords),
            )
            await self._db.executemany(
                "INSERT INTO watches (team_id, keyword) VALUES (?, ?) ON CONFLICT DO NOTHING",
                [(team_id, k) for k in keywords],
            )

    async def every(self) -> list[TeamRow]:
        return [team_row(r) for r in await fetch_all(self._db, f"{_TEAM} ORDER BY name")]

    async def all_watches(self) -> list[WatchRow]:
        """Every team's watches, in the order they were added."""
        rows = await fetch_all(self._db, "SELECT team_id, keyword, channel, origin FROM watches ORDER BY id")
        return [WatchRow(r["keyword"], r["channel"], r["origin"], r["team_id"]) for r in rows]

    async def get(self, name: str) -> TeamRow | None:
        row = await fetch_one(self._db, f"{_TEAM} WHERE name = ?", (name,))
        return team_row(row) if row else None

    async def names(self) -> list[str]:
        return [r["name"] for r in await fetch_all(self._db, "SELECT name FROM teams ORDER BY name")]

    async def create(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow:
        """A team managed by commands (a Discord server, or one made at the CLI); a no-op when it exists."""
        await self._db.execute(
            "INSERT INTO teams (name, channel, alert_kinds, origin) VALUES (?, ?, ?, 'command') "
            "ON CONFLICT (name) DO NOTHING",
            (name, channel, json.dumps(list(kinds))),
        )
        team = await self.get(name)
        assert team is not None
        return team

    async def watches(self, team_id: int) -> list[WatchRow]:
        rows = await fetch_all(
            self._db,
            "SELECT keyword, channel, origin, team_id FROM watches WHERE team_id = ? ORDER BY keyword",
            (team_id,),
        )
        return [WatchRow(r["keyword"], r["channel"], r["origin"], r["team_id"]) for r in rows]

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool:
        """False when the team already watches this keyword (its channel is then updated)."""
        async with self._db.execute(
            "INSERT INTO watches (team_id, keyword, channel, origin) VALUES (?, ?, ?, 'command') "
            "ON CONFLICT (team_id, keyword) DO NOTHING",
            (team_id, keyword, channel),
        ) as cur:
            added = cur.rowcount == 1
        if not added and channel is not None:
            await self._db.execute(
                "UPDATE watches SET channel = ? WHERE team_id = ? AND keyword = ?",
                (channel, team_id, keyword),
            )
        return added

    async def remove_watch(self, team_id: int, keyword: str) -> bool:
        async with self._db.execute(
            "DELETE FROM watches WHERE team_id = ? AND keyword = ? AND origin = 'command'", (team_id, keyword)
        ) as cur:
            return cur.rowcount == 1

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None:
        await self._db.execute(
            "UPDATE teams SET alert_kinds = ? WHERE id = ?", (json.dumps(list(kinds)), team_id)
        )

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None:
        await self._db.execute(
            "UPDATE teams SET quiet_hours = ?, timezone = ?, hourly_cap = ? WHERE id = ?",
            (pacing.quiet_hours, pacing.timezone, pacing.hourly_cap, team_id),
        )

    async def told_about(self, feed_url: str) -> list[NoticeTeam]:
        """The teams told when this feed pauses or resumes: every team for a shared feed (from the config), only
        its team for a feed a team added (a team's own feed is its business alone)."""
        rows = await fetch_all(
            self._db,
            "SELECT t.id, t.name, t.channel FROM teams t WHERE (SELECT team_id FROM feeds WHERE url = ?) IS NULL "
            "OR t.id = (SELECT team_id FROM feeds WHERE url = ?) ORDER BY t.id",
            (feed_url, feed_url),
        )
        return [NoticeTeam(r["id"], r["name"], r["channel"]) for r in rows]


def team_row(r: sqlite3.Row) -> TeamRow:
    try:  # settings are validated when written; never let one row stop a lookup
        pacing = Pacing(r["quiet_hours"], r["timezone"], r["hourly_cap"])
    except PacingError:
        pacing = Pacing()
    return TeamRow(
        id=r["id"],
        name=r["name"],
        channel=r["channel"],
        kinds=tuple(json.loads(r["alert_kinds"])),
        origin=r["origin"],
        pacing=pacing,
    )
