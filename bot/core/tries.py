"""How often one team may make the bot fetch a URL it names: a sliding window of tries per team.

`/feeds test` and `/feeds add` fetch whatever URL a server's manager types. The SSRF guard decides *where* the bot
may go; this decides *how often* a server may send it, so no server can turn claimdesk into a crawler aimed at
someone's site, or keep the fetcher the feeds need busy. Pure: the clock is passed in.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable

HOUR = 3_600.0  # the window of `fetch.team_tries_per_hour`


class Tries:
    """At most `limit` tries per key in any `window` seconds."""

    def __init__(self, limit: int, window: float, clock: Callable[[], float] = time.monotonic) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a limit of at least 1 try in a window longer than 0 s")
        self.limit, self.window, self._clock = limit, window, clock
        self._taken: dict[str, deque[float]] = {}

    def take(self, key: str) -> float:
        """0 when `key` may try now (the try is counted); else the seconds until its oldest try leaves the
        window. A refused try is not counted, so asking again and again does not push the wait further out."""
        now = self._clock()
        for k in [k for k, times in self._taken.items() if times[-1] <= now - self.window]:
            del self._taken[k]  # keys idle for a whole window hold no memory
        times = self._taken.setdefault(key, deque())
        while times and times[0] <= now - self.window:
            times.popleft()
        if len(times) >= self.limit:
            return times[0] + self.window - now
        times.append(now)
        return 0.0


class TooManyTries(Exception):
    """A team has used its tries: `wait` seconds until the next one is free."""

    def __init__(self, limit: int, window: float, wait: float) -> None:
        super().__init__(f"{limit} tries in {window:g} s used; the next is free in {wait:.0f} s")
        self.limit, self.window, self.wait = limit, window, wait
