"""A feed's health written with what the teams are told: when a feed pauses (too many failed polls) or resumes,
each team that hears of it (every team for a shared feed, only its team for a feed a team added) gets one
message in its own channel, planned straight into the outbox in the same unit of work as the change, so it is
sent exactly once like any alert."""

from __future__ import annotations

from typing import Any

from bot.core.ports import UnitOfWork, UnitOfWorkFactory
from bot.core.render import human_time, plural


def notice_payload(kind: str, team: str, channel: str, name: str, url: str, reason: str) -> dict[str, Any]:
    return {"kind": kind, "team": team, "channel": channel, "feed": {"name": name, "url": url}, "why": reason}


async def _tell_teams(uow: UnitOfWork, kind: str, name: str, url: str, reason: str) -> None:
    for team in await uow.teams.told_about(url):
        await uow.outbox.add_delivery(
            team.id, team.channel, kind, notice_payload(kind, team.name, team.channel, name, url, reason)
        )


async def feed_ok(
    store: UnitOfWorkFactory,
    feed_id: int,
    title: str | None,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    moved_to: str | None = None,
    next_poll_at: str | None = None,
    keep_validators: bool = False,
) -> bool:
    """A poll that worked (a 304 included): clears failures, back-off and a pause; keeps the validators for the
    next conditional GET (`keep_validators`: a 304 keeps the ones stored) and where the feed moved. True when this
    ended a pause (the teams are told it resumed)."""
    async with store.unit_of_work() as uow:
        change = await uow.feeds.mark_ok(
            feed_id,
            title,
            etag=etag,
            last_modified=last_modified,
            moved_to=moved_to,
            next_poll_at=next_poll_at,
            keep_validators=keep_validators,
        )
        if not change.changed:
            return False
        since = human_time(change.paused_at)
        await _tell_teams(
            uow, "feed_resumed", change.name, change.url, f"it answers again (paused since {since})"
        )
        return True


async def feed_failed(
    store: UnitOfWorkFactory,
    feed_id: int,
    error: str,
    *,
    next_poll_at: str | None = None,
    pause: bool = False,
) -> bool:
    """A poll that failed: counts it, sets when to try again, and pauses the feed when `pause` (the teams are told
    once per pause). True when this call paused it."""
    async with store.unit_of_work() as uow:
        change = await uow.feeds.mark_failed(feed_id, error, next_poll_at=next_poll_at, pause=pause)
        if change is None or not change.changed:
            return False
        reason = f"{plural(change.failures, 'failed poll')} in a row; last error: {error[:300]}"
        await _tell_teams(uow, "feed_paused", change.name, change.url, reason)
        return True
