"""Polling on a schedule: APScheduler's AsyncIOScheduler, one interval job per feed.

`max_instances=1` and `coalesce=True` mean a slow feed never piles up overlapping polls, and a burst of missed
runs (a laptop waking up) becomes one; jitter spreads feeds on one host; the first poll runs right away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import FeedSettings


def build_scheduler(
    feeds: Sequence[FeedSettings],
    poll: Callable[[FeedSettings], Awaitable[object]],
    *,
    jitter: int,
    misfire_grace: int,
) -> AsyncIOScheduler:
    scheduler = AsyncIOScheduler(timezone="UTC")
    start = datetime.now().astimezone() + timedelta(milliseconds=200)
    for feed in feeds:
        scheduler.add_job(
            poll,
            IntervalTrigger(seconds=feed.interval, jitter=jitter or None),
            args=[feed],
            id=f"poll:{feed.url}",
            name=f"poll {feed.name}",
            max_instances=1,
            coalesce=True,
            misfire_grace_time=misfire_grace,
            next_run_time=start,
        )
    return scheduler
