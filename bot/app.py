"""The running application: the parts the composition root (bot.bootstrap) built, and the background work —
polling on schedule and delivering — started once and stopped once, whichever front end runs it (`claimdesk run`
with the console or JSON-lines sink, or the Discord client).

Stopping: the scheduler first (no new polls), then polls under way finish (`service.drain`), the delivery loop
ends, and what is queued is delivered when the sink can take it. This module imports no front end, so the
Discord adapter can take an `App` without importing the composition root that builds it.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from bot.adapters.scheduler import FeedScheduler
from bot.config import Settings
from bot.core.ports import Store
from bot.service import Claimdesk


@dataclass
class App:
    settings: Settings
    store: Store
    service: Claimdesk
    closed: bool = False
    _scheduler: FeedScheduler | None = field(default=None, repr=False)
    _delivery: asyncio.Task[None] | None = field(default=None, repr=False)
    _stop: asyncio.Event = field(default_factory=asyncio.Event, repr=False)

    @property
    def running(self) -> bool:
        return self._scheduler is not None

    def start(self) -> None:
        """Poll every feed on schedule (the config's, and those teams add while it runs) and deliver alerts in the
        background, until `stop`."""
        if self._scheduler is not None:
            return
        s = self.settings
        self._stop.clear()
        self._scheduler = FeedScheduler(
            self.service.poll,
            jitter=s.jitter,
            misfire_grace=s.misfire_grace,
            extra=self.service.team_feeds,
        )
        self._scheduler.start(s.feeds)
        self._delivery = asyncio.create_task(self.service.delivery_loop(self._stop))

    async def stop(self, *, deliver: bool = True) -> None:
        """Stop polling, let polls under way finish, end the delivery loop, then (`deliver`: the sink can still
        send) deliver what is queued. Nothing to do when it was not started."""
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown()
            self._scheduler = None
            await self.service.drain()
        if self._delivery is not None:
            await self._delivery
            self._delivery = None
            if deliver:
                await self.service.deliver_pending()

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.service.worker.close()
            await self.service.fetcher.close()
            await self.store.close()
