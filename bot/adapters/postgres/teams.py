"""Teams, their alert settings and their watches on PostgreSQL (bot.adapters.sqlite.teams, the same rules)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from bot.adapters.postgres.db import Db, Row, changed
from bot.core.delivery import Pacing, PacingError
from bot.core.ports import TeamSpec
from bot.core.records import NoticeTeam, TeamRow, WatchRow

_TEAM = "SELECT id, name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap FROM teams"


class PostgresTeams:
    """Reads run on the pool; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def sync(self, teams: Iterable[TeamSpec]) -> None:
        """Make the config's teams say what the config says; command-made teams and watches are left alone."""
        for t in teams:
            team_id = await self._db.fetchval(
                "INSERT INTO teams (name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap) "
                "VALUES ($1, $2, $3, 'config', $4, $5, $6) ON CONFLICT (name) DO UPDATE SET "
                "channel = excluded.channel, alert_kinds = excluded.alert_kinds, origin = 'config', "
                "quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, "
                "hourly_cap = excluded.hourly_cap RETURNING id",
                t.name,
                t.channel,
                json.dumps(list(t.alerts)),
                t.pacing.quiet_hours,
                t.pacing.timezone,
                t.pacing.hourly_cap,
            )
            keywords = list(t.keywords)
            await self._db.execute(
                "DELETE FROM watches WHERE team_id = $1 AND origin = 'config' AND NOT (keyword = ANY($2::text[]))",
                team_id,
                keywords,
            )
            await self._db.executemany(
                "INSERT INTO watches (team_id, keyword) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [(team_id, k) for k in keywords],
            )

    async def every(self) -> list[TeamRow]:
        return [team_row(r) for r in await self._db.fetch(f"{_TEAM} ORDER BY name")]

    async def all_watches(self) -> list[WatchRow]:
        """Every team's watches, in the order they were added."""
        rows = await self._db.fetch("SELECT team_id, keyword, channel, origin FROM watches ORDER BY id")
        return [WatchRow(r["keyword"], r["channel"], r["origin"], int(r["team_id"])) for r in rows]

    async def get(self, name: str) -> TeamRow | None:
        row = await self._db.fetchrow(f"{_TEAM} WHERE name = $1", name)
        return team_row(row) if row else None

    async def names(self) -> list[str]:
        return [r["name"] for r in await self._db.fetch("SELECT name FROM teams ORDER BY name")]

    async def create(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow:
        """A team managed by commands; a no-op when it exists."""
        await self._db.execute(
            "INSERT INTO teams (name, channel, alert_kinds, origin) VALUES ($1, $2, $3, 'command') "
            "ON CONFLICT (name) DO NOTHING",
            name,
            channel,
            json.dumps(list(kinds)),
        )
        team = await self.get(name)
        assert team is not None
        return team

    async def watches(self, team_id: int) -> list[WatchRow]:
        rows = await self._db.fetch(
            "SELECT keyword, channel, origin, team_id FROM watches WHERE team_id = $1 ORDER BY keyword",
            team_id,
        )
        return [WatchRow(r["keyword"], r["channel"], r["origin"], int(r["team_id"])) for r in rows]

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool:
        """False when the team already watches this keyword (its channel is then updated)."""
        added = changed(
            await self._db.execute(
                "INSERT INTO watches (team_id, keyword, channel, origin) VALUES ($1, $2, $3, 'command') "
                "ON CONFLICT (team_id, keyword) DO NOTHING",
                team_id,
                keyword,
                channel,
            )
        )
        if not added and channel is not None:
            await self._db.execute(
                "UPDATE watches SET channel = $1 WHERE team_id = $2 AND keyword = $3",
                channel,
                team_id,
                keyword,
            )
        return added == 1

    async def remove_watch(self, team_id: int, keyword: str) -> bool:
        status = await self._db.execute(
            "DELETE FROM watches WHERE team_id = $1 AND keyword = $2 AND origin = 'command'", team_id, keyword
        )
        return changed(status) == 1

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None:
        await self._db.execute(
            "UPDATE teams SET alert_kinds = $1 WHERE id = $2", json.dumps(list(kinds)), team_id
        )

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None:
        await self._db.execute(
            "UPDATE teams SET quiet_hours = $1, timezone = $2, hourly_cap = $3 WHERE id = $4",
            pacing.quiet_hours,
            pacing.timezone,
            pacing.hourly_cap,
            team_id,
        )

    async def told_about(self, feed_url: str) -> list[NoticeTeam]:
        """Every team for a shared feed (from the config); only its team for a feed a team added."""
        rows = await self._db.fetch(
            "SELECT t.id, t.name, t.channel FROM teams t WHERE (SELECT team_id FROM feeds WHERE url = $1) IS NULL "
            "OR t.id = (SELECT team_id FROM feeds WHERE url = $1) ORDER BY t.id",
            feed_url,
        )
        return [NoticeTeam(int(r["id"]), r["name"], r["channel"]) for r in rows]


def team_row(r: Row) -> TeamRow:
    try:  # settings are validated when written; never let one row stop a lookup
        pacing = Pacing(r["quiet_hours"], r["timezone"], r["hourly_cap"])
    except PacingError:
        pacing = Pacing()
    return TeamRow(
        id=int(r["id"]),
        name=r["name"],
        channel=r["channel"],
        kinds=tuple(json.loads(r["alert_kinds"])),
        origin=r["origin"],
        pacing=pacing,
    )
