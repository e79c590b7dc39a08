"""Turning queued alerts into messages: each team channel's alerts through bot.core.delivery.plan (quiet hours,
the hourly cap, digests), in one unit of work. A message's payload is fixed here, so a resend after a crash is
the very same message."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from bot.core.delivery import CAP, Pacing, PacingError, Waiting, digest_payload, plan
from bot.core.ports import UnitOfWorkFactory

PLAN_AT_ONCE = 500  # alerts of one channel planned per round; the service plans again until none is left


async def plan_deliveries(store: UnitOfWorkFactory, now: datetime) -> int:
    """Plan every team channel's queued alerts into messages in one transaction; returns messages planned."""
    planned = 0
    since = now - timedelta(hours=1)
    async with store.unit_of_work() as uow:
        await uow.outbox.lock_planning()  # one planner at a time, whichever process
        for group in await uow.outbox.queued_groups():
            try:
                pacing = Pacing(group.quiet_hours, group.timezone, group.hourly_cap)
            except PacingError:  # settings are validated when written; never let one row stop delivery
                pacing = Pacing()
            alerts = {a.id: a for a in await uow.outbox.queued(group.team_id, group.channel, PLAN_AT_ONCE)}
            busy = await uow.outbox.busy(group.channel, since)
            p = plan([Waiting(i, a.held) for i, a in alerts.items()], pacing, busy, now)
            payload = {i: dict(a.payload) | {"ref": a.dedupe_key} for i, a in alerts.items()}
            messages: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
                (alerts[i].kind, payload[i], (i,)) for i in p.singles
            ]
            if p.digest:
                content = digest_payload(
                    group.team, group.channel, p.digest_reason or CAP, pacing, [payload[i] for i in p.digest]
                )
                messages.append(("digest", content, p.digest))
            for kind, content, ids in messages:
                await uow.outbox.add_delivery(group.team_id, group.channel, kind, content, ids)
                planned += 1
            if p.hold:
                await uow.outbox.hold(p.hold, p.hold_reason)
    return planned
