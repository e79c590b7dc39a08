"""How queued alerts become messages: one by one, or folded into a digest. Pure: plain data in, a plan out.

Two team settings shape delivery, and neither ever drops an alert:
- quiet hours ("22:00-07:00" in the team's timezone) hold every alert; when they end, what was held goes out as
  one digest;
- an hourly cap (messages per channel per rolling hour): when more alerts wait than the cap leaves room for, the
  last free message is a digest of the overflow; with no room left, alerts wait and go out as a digest once the
  hour has room again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

QUIET = "quiet hours"
CAP = "hourly cap"
_HOURS = re.compile(r"\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*")


class PacingError(ValueError):
    """A quiet-hours range, timezone or cap that cannot be understood; the message says what was expected."""


def parse_quiet_hours(text: str) -> tuple[time, time]:
    m = _HOURS.fullmatch(text)
    if not m:
        raise PacingError(f"quiet hours must look like 22:00-07:00, not {text!r}")
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise PacingError(f"quiet hours must be times of day from 00:00 to 23:59, not {text!r}")
    if (h1, m1) == (h2, m2):
        raise PacingError(f"quiet hours must not start and end at the same time ({text!r})")
    return time(h1, m1), time(h2, m2)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise PacingError(f"unknown timezone {name!r} (use a name like Europe/Berlin or UTC)") from None


@dataclass(frozen=True)
class Pacing:
    """A team's delivery settings, validated."""

    quiet_hours: str | None = None
    timezone: str = "UTC"
    hourly_cap: int | None = None

    def __post_init__(self) -> None:
        if self.quiet_hours is not None:
            parse_quiet_hours(self.quiet_hours)
        zone(self.timezone)
        if self.hourly_cap is not None and not 1 <= self.hourly_cap <= 1000:
            raise PacingError(f"the hourly cap must be from 1 to 1000 messages, not {self.hourly_cap}")

    def quiet_now(self, now: datetime) -> bool:
        """True when `now` (aware) falls in the quiet hours; a range past midnight wraps."""
        if self.quiet_hours is None:
            return False
        start, end = parse_quiet_hours(self.quiet_hours)
        local = now.astimezone(zone(self.timezone)).time().replace(second=0, microsecond=0)
        if start < end:
            return start <= local < end
        return local >= start or local < end


@dataclass(frozen=True)
class Waiting:
    """An alert that is queued and not yet part of any message; `held` says why it already waited, if it did."""

    id: int
    held: str | None = None


@dataclass(frozen=True)
class Plan:
    singles: tuple[int, ...] = ()  # each its own message, in this order
    digest: tuple[int, ...] = ()  # one message after the singles (empty: none)
    digest_reason: str | None = None
    hold: tuple[int, ...] = ()  # alerts that must wait, newly held
    hold_reason: str | None = None


def plan(waiting: Sequence[Waiting], pacing: Pacing, sent_last_hour: int, now: datetime) -> Plan:
    """Decide the messages for one team's channel. `sent_last_hour` counts messages sent (or already planned)
    to that channel within the last hour."""
    if not waiting:
        return Plan()
    fresh = tuple(w.id for w in waiting if w.held is None)
    if pacing.quiet_now(now):
        return Plan(hold=fresh, hold_reason=QUIET)
    room = len(waiting) if pacing.hourly_cap is None else pacing.hourly_cap - sent_last_hour
    if room <= 0:
        return Plan(hold=fresh, hold_reason=CAP)
    ids = tuple(w.id for w in waiting)
    held = [w.held for w in waiting if w.held]
    if held:  # what waited goes out together with whatever joined it since
        reason = QUIET if QUIET in held else CAP
        return Plan(singles=ids) if len(ids) == 1 else Plan(digest=ids, digest_reason=reason)
    if len(ids) <= room:
        return Plan(singles=ids)
    return Plan(singles=ids[: room - 1], digest=ids[room - 1 :], digest_reason=CAP)


def digest_payload(
    team: str, channel: str, reason: str, pacing: Pacing, alerts: Sequence[dict[str, Any]]
) -> dict[str, Any]:
    """One message standing for several alerts; each keeps its full payload, so nothing is lost by folding."""
    if reason == QUIET:
        why = f"held during quiet hours ({pacing.quiet_hours} {pacing.timezone})"
    else:
        why = f"more alerts than this channel's cap of {pacing.hourly_cap} messages an hour"
    return {
        "kind": "digest",
        "team": team,
        "channel": channel,
        "reason": reason,
        "count": len(alerts),
        "alerts": list(alerts),
        "why": f"{len(alerts)} alerts {why}",
    }
