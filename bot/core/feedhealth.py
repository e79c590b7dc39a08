"""When to poll a feed again, and when to stop trying: pure decisions on a feed's failures.

A failing feed is retried later and later (exponential back-off from its interval, capped), never sooner than
the server's `Retry-After`. After `pause_after` failures in a row, or a 410 Gone, it is paused: polled only every
`paused_retry` seconds, shown as paused, and the teams are told once. The first poll that works resumes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class FeedPolicy:
    pause_after: int = 10  # failures in a row
    paused_retry: int = 3_600  # seconds between polls of a paused feed
    max_backoff: int = 6 * 3_600  # seconds: the longest wait between two polls of a failing feed


@dataclass(frozen=True)
class AfterFailure:
    next_poll_at: datetime
    pause: bool


def after_failure(
    policy: FeedPolicy,
    failures: int,
    interval: int,
    now: datetime,
    *,
    retry_after: float | None = None,
    gone: bool = False,
) -> AfterFailure:
    """`failures`: failures in a row, this one included."""
    pause = gone or failures >= policy.pause_after
    if pause:
        wait = float(policy.paused_retry)
    else:
        wait = float(min(interval * 2 ** max(0, failures - 1), max(policy.max_backoff, interval)))
    wait = max(wait, retry_after or 0.0)
    return AfterFailure(now + timedelta(seconds=wait), pause)


def is_due(next_poll_at: str | None, now: datetime) -> bool:
    """Whether a scheduled poll should run now (no back-off, or its time has come)."""
    return next_poll_at is None or datetime.fromisoformat(next_poll_at) <= now
