"""Polling on a schedule: APScheduler's AsyncIOScheduler, one interval job per feed.

`max_instances=1` and `coalesce=True` mean a slow feed never piles up overlapping polls, and a burst of missed
runs (a laptop waking up) becomes one; jitter spreads feeds on one host; a new feed's first poll runs right away.
Feeds that teams add or remove with /feeds while the bot runs are picked up by a refresh job, so the store is the
one place that says what to poll.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.interval import IntervalTrigger

from bot.config import FeedSettings

REFRESH_SECONDS = 30  # how soon a feed added with /feeds add gets its first poll


class FeedScheduler:
    def __init__(
        self,
        poll: Callable[[FeedSettings], Awaitable[object]],
        *,
        jitter: int,
        misfire_grace: int,
        extra: Callable[[], Awaitable[Sequence[FeedSettings]]] | None = None,
    ) -> None:
        self._poll = poll
        self._jitter = jitter
        self._grace = misfire_grace
        self._extra = extra
        self._fixed: tuple[FeedSettings, ...] = ()
        self._stopping = False
        self.scheduler = AsyncIOScheduler(timezone="UTC")

    def start(self, feeds: Sequence[FeedSettings]) -> None:
        self._fixed = tuple(feeds)
        self.sync(self._fixed)
        if self._extra is not None:
            self.scheduler.add_job(
                self.refresh,
                IntervalTrigger(seconds=REFRESH_SECONDS),
                id="feeds:refresh",
                max_instances=1,
                coalesce=True,
            )
        self.scheduler.start()

    async def refresh(self) -> None:
        """Bring the jobs in line with the config's feeds plus the ones teams added."""
        extra = await self._extra() if self._extra is not None else ()
        self.sync([*self._fixed, *extra])

    def sync(self, feeds: Sequence[FeedSettings]) -> None:
        wanted = {f"poll:{f.url}": f for f in feeds}
        for job in self.scheduler.get_jobs():
            if job.id.startswith("poll:") and job.id not in wanted:
                job.remove()
        start = datetime.now().astimezone() + timedelta(milliseconds=200)
        for job_id, feed in wanted.items():
            if self.scheduler.get_job(job_id) is not None:
                continue
            self.scheduler.add_job(
                self._run,
                IntervalTrigger(seconds=feed.interval, jitter=self._jitter or None),
                args=[feed],
                id=job_id,
                name=f"poll {feed.name}",
                max_instances=1,
                coalesce=True,
                misfire_grace_time=self._grace,
                next_run_time=start,
            )

    async def _run(self, feed: FeedSettings) -> None:
        """One poll as a job. The poll runs in a task of its own: shutting the scheduler down cancels its jobs, and
        a shutdown is not an error (APScheduler logged the cancelled poll with a traceback); the poll itself is
        stopped by the service's `drain`, which lets it finish the article it is storing."""
        poll = asyncio.ensure_future(self._poll(feed))
        try:
            await asyncio.shield(poll)
        except asyncio.CancelledError:
            if not self.scheduler.running or self._stopping:
                return  # the scheduler is shutting down; the poll task goes on until drained
            raise

    def polled(self) -> list[str]:
        return sorted(j.id[5:] for j in self.scheduler.get_jobs() if j.id.startswith("poll:"))

    def shutdown(self) -> None:
        self._stopping = True
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
