"""Feeds and their health: the config's feeds, the ones teams add, and what each poll did to them."""

from __future__ import annotations

import sqlite3

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one, now_iso
from bot.core.ports import FeedSpec
from bot.core.records import FeedChange, FeedRow


class SqliteFeeds:
    """Reads run on the connection as it is; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def ensure(self, feed: FeedSpec) -> int:
        await self._db.execute(
            "INSERT INTO feeds (url, name, added_at) VALUES (?, ?, ?) "
            "ON CONFLICT (url) DO UPDATE SET name = excluded.name",
            (feed.url, feed.name, now_iso()),
        )
        row = await fetch_one(self._db, "SELECT id FROM feeds WHERE url = ?", (feed.url,))
        assert row is not None
        return int(row["id"])

    async def get(self, feed_id: int) -> FeedRow:
        rows = await fetch_all(self._db, "SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return feed_row(rows[0])

    async def every(self, team_id: int | None = None) -> list[FeedRow]:
        """Every feed; with `team_id`, the shared ones (from the config) and that team's own, not other teams'."""
        if team_id is None:
            return [feed_row(r) for r in await fetch_all(self._db, "SELECT * FROM feeds ORDER BY name")]
        rows = await fetch_all(
            self._db, "SELECT * FROM feeds WHERE team_id IS NULL OR team_id = ? ORDER BY name", (team_id,)
        )
        return [feed_row(r) for r in rows]

    async def team_feeds(self) -> list[FeedRow]:
        """Feeds that teams added with /feeds add, for the scheduler."""
        rows = await fetch_all(self._db, "SELECT * FROM feeds WHERE team_id IS NOT NULL ORDER BY id")
        return [feed_row(r) for r in rows]

    async def has(self, url: str) -> bool:
        """Whether this URL is already polled, by the config or by any team."""
        return bool(await fetch_all(self._db, "SELECT 1 FROM feeds WHERE url = ?", (url,)))

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None:
        """A feed a team adds; None when that URL is already polled (by the config or any team)."""
        row = await fetch_one(
            self._db,
            "INSERT INTO feeds (url, name, added_at, team_id) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (url) DO NOTHING RETURNING id",
            (url, name, now_iso(), team_id),
        )
        return await self.get(int(row["id"])) if row else None

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None:
        """Stop polling one of the team's own feeds (its articles stay); None when the team has no such feed."""
        row = await fetch_one(
            self._db,
            "SELECT * FROM feeds WHERE team_id = ? AND (url = ? OR name = ?) LIMIT 1",
            (team_id, url_or_name, url_or_name),
        )
        if row is None:
            return None
        # its articles stay (other feeds may carry them, alerts may point at them): the feed becomes an
        # unpolled record, out of every team's list
        await self._db.execute(
            "UPDATE feeds SET team_id = NULL, url = 'removed:' || id || ':' || url WHERE id = ?", (row["id"],)
        )
        return feed_row(row)

    async def mark_ok(
        self,
        feed_id: int,
        title: str | None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        moved_to: str | None = None,
        next_poll_at: str | None = None,
        keep_validators: bool = False,
    ) -> FeedChange:
        """A poll that worked (a 304 included): clears failures, back-off and a pause; stores the validators
        for the next conditional GET (`keep_validators`: a 304 keeps the ones stored) and where the feed moved;
        drops the feed's first-poll decision (its poll is done). `changed`: this ended a pause."""
        row = await fetch_one(self._db, "SELECT paused_at, name, url FROM feeds WHERE id = ?", (feed_id,))
        assert row is not None
        await self._db.execute(
            "UPDATE feeds SET last_polled_at = ?, last_ok_at = ?, last_error = NULL, failures = 0, "
            "title = COALESCE(?, title), fetch_url = COALESCE(?, fetch_url), next_poll_at = ?, "
            "paused_at = NULL, paused_reason = NULL"
            + ("" if keep_validators else ", etag = ?, last_modified = ?")
            + " WHERE id = ?",
            (now_iso(), now_iso(), title, moved_to, next_poll_at)
            + (() if keep_validators else (etag, last_modified))
            + (feed_id,),
        )
        await self._db.execute("DELETE FROM first_poll WHERE feed_id = ?", (feed_id,))
        return FeedChange(row["paused_at"] is not None, row["name"], row["url"], paused_at=row["paused_at"])

    async def mark_failed(
        self, feed_id: int, error: str, *, next_poll_at: str | None = None, pause: bool = False
    ) -> FeedChange | None:
        """A poll that failed: counts it and sets when to try again; with `pause`, pauses the feed unless it is
        paused already. The change says whether this call paused it; None without `pause`."""
        await self._db.execute(
            "UPDATE feeds SET last_polled_at = ?, last_error = ?, failures = failures + 1, next_poll_at = ? "
            "WHERE id = ?",
            (now_iso(), error[:500], next_poll_at, feed_id),
        )
        if not pause:
            return None
        row = await fetch_one(
            self._db,
            "UPDATE feeds SET paused_at = ?, paused_reason = ? WHERE id = ? AND paused_at IS NULL "
            "RETURNING name, url, failures",
            (now_iso(), error[:500], feed_id),
        )
        if row is None:
            return FeedChange(False, "", "")
        return FeedChange(True, row["name"], row["url"], failures=int(row["failures"]))


def feed_row(r: sqlite3.Row) -> FeedRow:
    return FeedRow(
        id=r["id"],
        url=r["url"],
        name=r["name"],
        title=r["title"],
        last_ok_at=r["last_ok_at"],
        last_polled_at=r["last_polled_at"],
        last_error=r["last_error"],
        failures=r["failures"],
        fetch_url=r["fetch_url"],
        etag=r["etag"],
        last_modified=r["last_modified"],
        next_poll_at=r["next_poll_at"],
        paused_at=r["paused_at"],
        paused_reason=r["paused_reason"],
        team_id=r["team_id"],
    )
