"""Feeds and their health on PostgreSQL (bot.adapters.sqlite.feeds, the same rules)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.adapters.postgres.db import Db, Row, now_iso
from bot.core.ports import FeedSpec
from bot.core.records import FeedChange, FeedRow


class PostgresFeeds:
    """Reads run on the pool; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def ensure(self, feed: FeedSpec) -> int:
        feed_id = await self._db.fetchval(
            "INSERT INTO feeds (url, name, added_at) VALUES ($1, $2, $3) "
            "ON CONFLICT (url) DO UPDATE SET name = excluded.name RETURNING id",
            feed.url,
            feed.name,
            now_iso(),
        )
        return int(feed_id)

    async def get(self, feed_id: int) -> FeedRow:
        row = await self._db.fetchrow("SELECT * FROM feeds WHERE id = $1", feed_id)
        if row is None:
            raise IndexError(f"no feed {feed_id}")
        return feed_row(row)

    async def every(self, team_id: int | None = None) -> list[FeedRow]:
        """Every feed; with `team_id`, the shared ones (from the config) and that team's own, not other teams'."""
        if team_id is None:
            return [feed_row(r) for r in await self._db.fetch("SELECT * FROM feeds ORDER BY name")]
        rows = await self._db.fetch(
            "SELECT * FROM feeds WHERE team_id IS NULL OR team_id = $1 ORDER BY name", team_id
        )
        return [feed_row(r) for r in rows]

    async def team_feeds(self) -> list[FeedRow]:
        rows = await self._db.fetch("SELECT * FROM feeds WHERE team_id IS NOT NULL ORDER BY id")
        return [feed_row(r) for r in rows]

    async def has(self, url: str) -> bool:
        return bool(await self._db.fetchval("SELECT EXISTS (SELECT 1 FROM feeds WHERE url = $1)", url))

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None:
        feed_id = await self._db.fetchval(
            "INSERT INTO feeds (url, name, added_at, team_id) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (url) DO NOTHING RETURNING id",
            url,
            name,
            now_iso(),
            team_id,
        )
        return await self.get(int(feed_id)) if feed_id is not None else None

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None:
        """Stop polling one of the team's own feeds (its articles stay); None when the team has no such feed."""
        row = await self._db.fetchrow(
            "SELECT * FROM feeds WHERE team_id = $1 AND (url = $2 OR name = $2) ORDER BY id LIMIT 1",
            team_id,
            url_or_name,
        )
        if row is None:
            return None
        await self._db.execute(
            "UPDATE feeds SET team_id = NULL, url = 'removed:' || id || ':' || url WHERE id = $1", row["id"]
        )
        return feed_row(row)

    async def claim(self, feed_id: int, owner: int, hold: timedelta) -> bool:
        """Lease the feed's poll to `owner` for `hold` (or extend its own lease); False while another live process
        holds an unexpired lease, or is taking one this instant (SKIP LOCKED). An article stored meanwhile does not
        block it: NO KEY UPDATE leaves the articles' references to the row alone."""
        now = datetime.now(UTC).replace(microsecond=0)
        got = await self._db.fetchval(
            "UPDATE feeds SET lease_owner = $1, lease_until = $2 WHERE id IN (SELECT id FROM feeds WHERE id = $3 "
            "AND (lease_owner IS NULL OR lease_owner = $1 OR lease_until <= $4 OR NOT claimdesk_alive(lease_owner)) "
            "FOR NO KEY UPDATE SKIP LOCKED) RETURNING id",
            owner,
            (now + hold).isoformat(),
            feed_id,
            now.isoformat(),
        )
        return got is not None

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
        """A poll that worked: clears failures, back-off and a pause; stores the validators (unless
        `keep_validators`) and where the feed moved; drops its first-poll decision. `changed`: it ended a pause."""
        row = await self._db.fetchrow("SELECT paused_at, name, url FROM feeds WHERE id = $1", feed_id)
        assert row is not None
        now = now_iso()
        sql = (
            "UPDATE feeds SET last_polled_at = $1, last_ok_at = $1, last_error = NULL, failures = 0, "
            "title = COALESCE($2, title), fetch_url = COALESCE($3, fetch_url), next_poll_at = $4, "
            "paused_at = NULL, paused_reason = NULL"
        )
        if keep_validators:
            await self._db.execute(sql + " WHERE id = $5", now, title, moved_to, next_poll_at, feed_id)
        else:
            await self._db.execute(
                sql + ", etag = $5, last_modified = $6 WHERE id = $7",
                now,
                title,
                moved_to,
                next_poll_at,
                etag,
                last_modified,
                feed_id,
            )
        await self._db.execute("DELETE FROM first_poll WHERE feed_id = $1", feed_id)
        return FeedChange(row["paused_at"] is not None, row["name"], row["url"], paused_at=row["paused_at"])

    async def mark_failed(
        self, feed_id: int, error: str, *, next_poll_at: str | None = None, pause: bool = False
    ) -> FeedChange | None:
        """A poll that failed: counts it and sets when to try again; with `pause`, pauses the feed unless it is
        paused already. The change says whether this call paused it; None without `pause`."""
        await self._db.execute(
            "UPDATE feeds SET last_polled_at = $1, last_error = $2, failures = failures + 1, next_poll_at = $3 "
            "WHERE id = $4",
            now_iso(),
            error[:500],
            next_poll_at,
            feed_id,
        )
        if not pause:
            return None
        row = await self._db.fetchrow(
            "UPDATE feeds SET paused_at = $1, paused_reason = $2 WHERE id = $3 AND paused_at IS NULL "
            "RETURNING name, url, failures",
            now_iso(),
            error[:500],
            feed_id,
        )
        if row is None:
            return FeedChange(False, "", "")
        return FeedChange(True, row["name"], row["url"], failures=int(row["failures"]))


def feed_row(r: Row) -> FeedRow:
    return FeedRow(
        id=int(r["id"]),
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
        team_id=None if r["team_id"] is None else int(r["team_id"]),
    )
