"""The outbox on PostgreSQL (bot.adapters.sqlite.outbox, the same rules): alerts queued with their article, the
messages planned from them, what was sent, set aside or failed, and the channels paused for now."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bot.adapters.postgres.db import Db, changed, lock_keys, now_iso
from bot.core.alerts import AlertDraft
from bot.core.records import PausedRoute, PendingDelivery, QueuedAlert, QueuedGroup


class PostgresOutbox:
    """Reads run on the pool; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    # -- alerts and planning -----------------------------------------------------------------------------------
    async def add_alerts(self, article_id: int, drafts: Iterable[AlertDraft]) -> int:
        """Queue alerts; one already queued under the same key is skipped. Returns how many were queued."""
        n = 0
        for d in drafts:
            n += changed(
                await self._db.execute(
                    "INSERT INTO alerts (team_id, channel, kind, article_id, cluster_id, dedupe_key, payload, "
                    "created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedupe_key) DO NOTHING",
                    d.team_id,
                    d.channel,
                    d.kind,
                    article_id,
                    d.cluster_id,
                    d.dedupe_key,
                    json.dumps(d.payload, ensure_ascii=False),
                    now_iso(),
                )
            )
        return n

    async def lock_planning(self) -> None:
        """One process plans at a time (a transaction advisory lock): two planners would put one alert in two
        messages."""
        await lock_keys(self._db, ["outbox:planning"])

    async def queued_groups(self) -> list[QueuedGroup]:
        """Each team's channel with alerts not yet planned, the oldest alert's channel first."""
        rows = await self._db.fetch(
            "SELECT a.team_id, a.channel, t.name, t.quiet_hours, t.timezone, t.hourly_cap FROM alerts a "
            "JOIN teams t ON t.id = a.team_id WHERE a.delivery_id IS NULL AND a.sent_at IS NULL "
            "GROUP BY a.team_id, a.channel, t.id ORDER BY min(a.id)",
        )
        return [
            QueuedGroup(
                int(r["team_id"]), r["channel"], r["name"], r["quiet_hours"], r["timezone"], r["hourly_cap"]
            )
            for r in rows
        ]

    async def queued(self, team_id: int, channel: str, limit: int) -> list[QueuedAlert]:
        """The oldest `limit` alerts of a team's channel not yet planned."""
        rows = await self._db.fetch(
            "SELECT id, held, kind, payload, dedupe_key FROM alerts WHERE team_id = $1 AND channel = $2 "
            "AND delivery_id IS NULL AND sent_at IS NULL ORDER BY id LIMIT $3",
            team_id,
            channel,
            limit,
        )
        return [
            QueuedAlert(int(r["id"]), r["held"], r["kind"], json.loads(r["payload"]), r["dedupe_key"])
            for r in rows
        ]

    async def busy(self, channel: str, since: datetime) -> int:
        """Messages of this channel sent since `since`, or planned and not yet sent (none set aside)."""
        n = await self._db.fetchval(
            "SELECT count(*) FROM deliveries WHERE channel = $1 AND rejected_at IS NULL "
            "AND (sent_at IS NULL OR sent_at >= $2)",
            channel,
            since.replace(microsecond=0).isoformat(),
        )
        return int(n or 0)

    async def add_delivery(
        self, team_id: int, channel: str, kind: str, payload: dict[str, Any], alert_ids: Sequence[int] = ()
    ) -> int:
        """A planned message, fixed here (a resend after a crash is the very same message), carrying these alerts."""
        delivery_id = int(
            await self._db.fetchval(
                "INSERT INTO deliveries (team_id, channel, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5) "
                "RETURNING id",
                team_id,
                channel,
                kind,
                json.dumps(payload, ensure_ascii=False),
                now_iso(),
            )
        )
        if alert_ids:
            await self._db.execute(
                "UPDATE alerts SET delivery_id = $1 WHERE id = ANY($2::bigint[])",
                delivery_id,
                list(alert_ids),
            )
        return delivery_id

    async def hold(self, alert_ids: Sequence[int], reason: str | None) -> None:
        await self._db.execute(
            "UPDATE alerts SET held = $1 WHERE id = ANY($2::bigint[])", reason, list(alert_ids)
        )

    # -- sending -----------------------------------------------------------------------------------------------
    async def instance(self) -> str:
        """A random id of this database, part of every delivery key, so two stores never share keys."""
        value = await self._db.fetchval("SELECT value FROM meta WHERE key = 'instance'")
        assert value is not None
        return str(value)

    async def pending(self, limit: int = 100, skip_channels: Iterable[str] = ()) -> list[PendingDelivery]:
        """Planned, unsent messages in order, leaving out channels that failed this round."""
        rows = await self._db.fetch(
            "SELECT id, channel, kind, payload, attempts FROM deliveries WHERE sent_at IS NULL AND rejected_at IS NULL "
            "AND NOT (channel = ANY($1::text[])) ORDER BY id LIMIT $2",
            sorted(skip_channels),
            limit,
        )
        instance = await self.instance()
        return [
            PendingDelivery(
                id=int(r["id"]),
                key=f"{instance}-{r['id']}",
                channel=r["channel"],
                kind=r["kind"],
                payload=json.loads(r["payload"]),
                attempts=r["attempts"],
            )
            for r in rows
        ]

    async def claim(
        self, owner: int, hold: timedelta, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        """Planned, unsent messages in order, leased to `owner` for `hold`: only channels no other live process
        holds a lease in (so one process sends a channel's messages, in order), rows another claim is taking
        skipped (SKIP LOCKED). The caller's transaction; claims are taken one at a time (an advisory lock)."""
        now = datetime.now(UTC).replace(microsecond=0)
        await lock_keys(self._db, ["outbox:claim"])
        rows = await self._db.fetch(
            "UPDATE deliveries SET lease_owner = $1, lease_until = $2 WHERE id IN ("
            "SELECT d.id FROM deliveries d WHERE d.sent_at IS NULL AND d.rejected_at IS NULL "
            "AND NOT (d.channel = ANY($3::text[])) AND NOT EXISTS (SELECT 1 FROM deliveries o "
            "WHERE o.channel = d.channel AND o.sent_at IS NULL AND o.rejected_at IS NULL AND o.lease_owner <> $1 "
            "AND o.lease_until > $4 AND claimdesk_alive(o.lease_owner)) "
            "ORDER BY d.id LIMIT $5 FOR NO KEY UPDATE SKIP LOCKED) "
            "RETURNING id, channel, kind, payload, attempts",
            owner,
            (now + hold).isoformat(),
            sorted(skip_channels),
            now.isoformat(),
            limit,
        )
        instance = await self.instance()
        return [
            PendingDelivery(
                id=int(r["id"]),
                key=f"{instance}-{r['id']}",
                channel=r["channel"],
                kind=r["kind"],
                payload=json.loads(r["payload"]),
                attempts=r["attempts"],
            )
            for r in sorted(rows, key=lambda r: int(r["id"]))
        ]

    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None:
        """The message and every alert in it are sent, together (`at`: the delivery round's clock)."""
        when = (at or datetime.now(UTC)).replace(microsecond=0).isoformat()
        await self._db.execute(
            "UPDATE deliveries SET sent_at = $1, attempts = attempts + 1 WHERE id = $2 AND sent_at IS NULL",
            when,
            delivery_id,
        )
        await self._db.execute(
            "UPDATE alerts SET sent_at = $1 WHERE delivery_id = $2 AND sent_at IS NULL", when, delivery_id
        )

    async def mark_rejected(self, delivery_id: int, error: str) -> None:
        """Set a message aside for good (its alerts stay unsent and counted in /status)."""
        await self._db.execute(
            "UPDATE deliveries SET rejected_at = $1, attempts = attempts + 1, last_error = $2 WHERE id = $3",
            now_iso(),
            error[:500],
            delivery_id,
        )

    async def mark_failed(self, delivery_id: int, error: str) -> None:
        await self._db.execute(
            "UPDATE deliveries SET attempts = attempts + 1, last_error = $1 WHERE id = $2",
            error[:500],
            delivery_id,
        )

    # -- routes ------------------------------------------------------------------------------------------------
    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None:
        """A channel the chat service refuses (403, 404): its messages stay queued until `retry_at`."""
        await self._db.execute(
            "INSERT INTO routes (channel, paused_at, reason, retry_at) VALUES ($1, $2, $3, $4) "
            "ON CONFLICT (channel) DO UPDATE SET reason = excluded.reason, retry_at = excluded.retry_at",
            channel,
            now_iso(),
            reason[:300],
            retry_at.replace(microsecond=0).isoformat(),
        )

    async def resume_route(self, channel: str) -> None:
        await self._db.execute("DELETE FROM routes WHERE channel = $1", channel)

    async def paused_routes(self, team_id: int | None = None) -> list[PausedRoute]:
        """Every paused route, or one team's channels' (its own channel and its watches')."""
        if team_id is None:
            rows = await self._db.fetch(
                "SELECT channel, paused_at, reason, retry_at FROM routes ORDER BY paused_at"
            )
        else:
            rows = await self._db.fetch(
                "SELECT channel, paused_at, reason, retry_at FROM routes WHERE channel IN "
                "(SELECT channel FROM teams WHERE id = $1 UNION SELECT channel FROM watches WHERE team_id = $1) "
                "ORDER BY paused_at",
                team_id,
            )
        return [PausedRoute(r["channel"], r["paused_at"], r["reason"], r["retry_at"]) for r in rows]
