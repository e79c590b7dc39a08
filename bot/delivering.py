"""Delivery: plan the outbox's queued alerts into messages (bot.core.planning) and send the planned ones in order
through a sink, marking each sent, set aside or failed, and pausing the channels the chat service refuses."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.planning import plan_deliveries
from bot.core.ports import Outbox, UnitOfWorkFactory

log = logging.getLogger("claimdesk")


class DeliveryStore(Outbox, UnitOfWorkFactory, Protocol):
    """What delivery needs of a store: the outbox, and units of work to plan in."""


class Sink(Protocol):
    name: str

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        """Show one message. `key` is the same on every retry of the same message: a sink that can, refuses a
        key it has already shown (that is what makes a crash between sending and marking harmless)."""
        ...


class RouteUnavailable(Exception):
    """A sink's word that a channel refuses messages for now (deleted, or the bot lost access): its messages are
    kept, the route is paused and retried now and then, and the other channels go on."""

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__(f"channel {channel}: {reason}")
        self.channel = channel
        self.reason = reason


class MessageRejected(Exception):
    """A sink's word that this one message will never be accepted as it is (a 400 from the chat service)."""


ROUTE_RETRY = timedelta(minutes=5)  # a paused route is tried again after this


async def deliver_round(store: DeliveryStore, sink: Sink, now: datetime) -> int:
    """Plan queued alerts into messages, then send the planned messages in order. A channel whose send fails is
    skipped for the rest of the round (its messages stay queued); other channels go on. A channel the sink
    reports unavailable is paused and retried after ROUTE_RETRY. Returns how many messages were sent."""
    sent = 0
    paused = {r.channel: r.retry_at for r in await store.paused_routes()}
    failing: set[str] = {c for c, retry in paused.items() if datetime.fromisoformat(retry) > now}
    # a plan takes at most 500 alerts per channel: plan again until nothing more can be planned, so one round
    # (`run --once`'s only one) sends every message that may go now
    while await plan_deliveries(store, now):
        sent += await _send_planned(store, sink, now, paused, failing)
    # and what an earlier, interrupted round planned
    return sent + await _send_planned(store, sink, now, paused, failing)


async def _send_planned(
    store: DeliveryStore, sink: Sink, now: datetime, paused: dict[str, str], failing: set[str]
) -> int:
    sent = 0
    while pending := await store.claim_deliveries(limit=100, skip_channels=failing):
        for d in pending:
            if d.channel in failing:
                continue
            try:
                await sink.send(d.channel, d.payload, d.key)
            except MessageRejected as exc:
                # this message can never be sent as it is: set it aside (shown in /status) so it cannot
                # hold up every later alert of its channel
                log.error("delivery %s to %s rejected for good: %s", d.key, d.channel, exc)
                await store.mark_delivery_rejected(d.id, str(exc))
                continue
            except RouteUnavailable as exc:
                log.warning("route %s paused, its messages kept: %s", d.channel, exc.reason)
                await store.mark_delivery_failed(d.id, str(exc))
                await store.pause_route(d.channel, exc.reason, now + ROUTE_RETRY)
                failing.add(d.channel)
                continue
            except Exception as exc:
                log.warning("delivery %s to %s failed: %s", d.key, d.channel, exc)
                await store.mark_delivery_failed(d.id, f"{type(exc).__name__}: {exc}")
                failing.add(d.channel)
                continue
            await store.mark_delivered(d.id, now)
            if d.channel in paused:
                log.info("route %s works again", d.channel)
                await store.resume_route(d.channel)
                del paused[d.channel]
            sent += 1
    return sent
