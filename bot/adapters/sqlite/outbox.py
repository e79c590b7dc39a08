"""The outbox: alerts queued with their article, the messages (deliveries) planned from them, what was sent,
set aside or failed, and the channels (routes) the chat service refuses for now. What goes into a message is
decided outside (bot.core.planning); this only reads and writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one, now_iso
from bot.core.alerts import AlertDraft
from bot.core.records import PausedRoute, PendingDelivery, QueuedAlert, QueuedGroup


class SqliteOutbox:
    """Reads run on the connection as it is; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    # -- alerts and planning -----------------------------------------------------------------------------------
    async def add_alerts(self, article_id: int, drafts: Iterable[AlertDraft]) -> int:
        """Queue alerts; one already queued under the same key is skipped. Returns how many were queued."""
        n = 0
        for d in drafts:
            async with self._db.execute(
                "INSERT INTO alerts (team_id, channel, kind, article_id, cluster_id, dedupe_key, payload, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    d.team_id,
                    d.channel,
                    d.kind,
                    article_id,
                    d.cluster_id,
                    d.dedupe_key,
                    json.dumps(d.payload, ensure_ascii=False),
                    now_iso(),
                ),
            ) as cur:
                n += cur.rowcount
        return n

    async def lock_planning(self) -> None:
        """Nothing to do: the unit of work holds the file's one write lock (BEGIN IMMEDIATE)."""

    async def queued_groups(self) -> list[QueuedGroup]:
        """Each team's channel with alerts not yet planned, the oldest alert's channel first."""
        rows = await fetch_all(
            self._db,
            "SELECT a.team_id, a.channel, t.name, t.quiet_hours, t.timezone, t.hourly_cap FROM alerts a "
            "JOIN teams t ON t.id = a.team_id WHERE a.delivery_id IS NULL AND a.sent_at IS NULL "
            "GROUP BY a.team_id, a.channel ORDER BY min(a.id)",
        )
        return [
            QueuedGroup(
                r["team_id"], r["channel"], r["name"], r["quiet_hours"], r["timezone"], r["hourly_cap"]
            )
            for r in rows
        ]

    async def queued(self, team_id: int, channel: str, limit: int) -> list[QueuedAlert]:
        """The oldest `limit` alerts of a team's channel not yet planned."""
        rows = await fetch_all(
            self._db,
            "SELECT id, held, kind, payload, dedupe_key FROM alerts WHERE team_id = ? AND channel = ? "
            "AND delivery_id IS NULL AND sent_at IS NULL ORDER BY id LIMIT ?",
            (team_id, channel, limit),
        )
        return [
            QueuedAlert(r["id"], r["held"], r["kind"], json.loads(r["payload"]), r["dedupe_key"])
            for r in rows
        ]

    async def busy(self, channel: str, since: datetime) -> int:
        """Messages of this channel sent since `since`, or planned and not yet sent (none set aside)."""
        row = await fetch_one(
            self._db,
            "SELECT count(*) AS n FROM deliveries WHERE channel = ? AND rejected_at IS NULL "
            "AND (sent_at IS NULL OR sent_at >= ?)",
            (channel, since.replace(microsecond=0).isoformat()),
        )
        return int(row["n"]) if row else 0

    async def add_delivery(
        self, team_id: int, channel: str, kind: str, payload: dict[str, Any], alert_ids: Sequence[int] = ()
    ) -> int:
        """A planned message, fixed here (a resend after a crash is the very same message), carrying these alerts."""
        row = await fetch_one(
            self._db,
            "INSERT INTO deliveries (team_id, channel, kind, payload, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id",
            (team_id, channel, kind, json.dumps(payload, ensure_ascii=False), now_iso()),
        )
        assert row is not None
        if alert_ids:
            await self._db.executemany(
                "UPDATE alerts SET delivery_id = ? WHERE id = ?", [(int(row["id"]), i) for i in alert_ids]
            )
        return int(row["id"])

    async def hold(self, alert_ids: Sequence[int], reason: str | None) -> None:
        await self._db.executemany(
            "UPDATE alerts SET held = ? WHERE id = ?", [(reason, i) for i in alert_ids]
        )

    # -- sending -----------------------------------------------------------------------------------------------
    async def instance(self) -> str:
        """A random id of this database, part of every delivery key, so two stores never share keys."""
        row = await fetch_one(self._db, "SELECT value FROM meta WHERE key = 'instance'")
        assert row is not None
        return str(row["value"])

    async def pending(self, limit: int = 100, skip_channels: Iterable[str] = ()) -> list[PendingDelivery]:
        """Planned, unsent messages in order, leaving out channels that failed this round."""
        skip = sorted(skip_channels)
        rows = await fetch_all(
            self._db,
            "SELECT id, channel, kind, payload, attempts FROM deliveries WHERE sent_at IS NULL AND rejected_at IS NULL "
            f"AND channel NOT IN ({','.join('?' * len(skip))}) ORDER BY id LIMIT ?",
            (*skip, limit),
        )
        instance = await self.instance()
        return [
            PendingDelivery(
                id=r["id"],
                key=f"{instance}-{r['id']}",
                channel=r["channel"],
                kind=r["kind"],
                payload=json.loads(r["payload"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None:
        """The message and every alert in it are sent, together (`at`: the delivery round's clock)."""
        when = (at or datetime.now(UTC)).replace(microsecond=0).isoformat()
        await self._db.execute(
            "UPDATE deliveries SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
            (when, delivery_id),
        )
        await self._db.execute(
            "UPDATE alerts SET sent_at = ? WHERE delivery_id = ? AND sent_at IS NULL", (when, delivery_id)
        )

    async def mark_rejected(self, delivery_id: int, error: str) -> None:
        """Set a message aside for good (its alerts stay unsent and counted in /status)."""
        await self._db.execute(
            "UPDATE deliveries SET rejected_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
            (now_iso(), error[:500], delivery_id),
        )

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = ? WHERE id = ?",
            (error[:500], delivery_id),
        )

    # -- routes ------------------------------------------------------------------------------------------------
    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None:
        """A channel the chat service refuses (403, 404): its messages stay queued until `retry_at`."""
        await self._db.execute(
            "INSERT INTO routes (channel, paused_at, reason, retry_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (channel) DO UPDATE SET reason = excluded.reason, retry_at = excluded.retry_at",
            (channel, now_iso(), reason[:300], retry_at.replace(microsecond=0).isoformat()),
        )

    async def resume_route(self, channel: str) -> None:
        await self._db.execute("DELETE FROM routes WHERE channel = ?", (channel,))

    async def paused_routes(self, team_id: int | None = None) -> list[PausedRoute]:
        """Every paused route, or one team's channels' (its own channel and its watches')."""
        if team_id is None:
            rows = await fetch_all(
                self._db, "SELECT channel, paused_at, reason, retry_at FROM routes ORDER BY paused_at"
            )
        else:
            rows = await fetch_all(
                self._db,
                "SELECT channel, paused_at, reason, retry_at FROM routes WHERE channel IN "
                "(SELECT channel FROM teams WHERE id = ? UNION SELECT channel FROM watches WHERE team_id = ?) "
                "ORDER BY paused_at",
                (team_id, team_id),
            )
        return [PausedRoute(r["channel"], r["paused_at"], r["reason"], r["retry_at"]) for r in rows]
