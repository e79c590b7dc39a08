"""Plain row records: what the store's ports read and write, with no behaviour beyond reading themselves.

Any store adapter (SQLite today) returns these; the service, the core and the handlers only ever see these.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

from bot.core.delivery import Pacing
from bot.core.matching import ClusterView


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    name: str
    title: str | None
    last_ok_at: str | None
    last_polled_at: str | None
    last_error: str | None
    failures: int
    fetch_url: str | None = None  # where a permanent redirect moved it
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: str | None = None  # backing off, asked to wait, or paused: not polled before this
    paused_at: str | None = None
    paused_reason: str | None = None
    team_id: int | None = None  # added by a team with /feeds add; None: from the config

    @property
    def target(self) -> str:
        """The URL to fetch: where the feed moved, else the configured one."""
        return self.fetch_url or self.url

    @property
    def listed(self) -> bool:
        """A real feed, not the pseudo-feed of imported files nor one a team removed."""
        return not self.url.startswith(("import:", "removed:"))


@dataclass(frozen=True)
class NewArticle:
    feed_id: int
    entry_key: str
    url: str | None
    title: str
    source: str
    published_at: str | None
    body: str
    summary: str
    extract_error: str | None
    alerted: bool
    link_key: str | None = None  # bot.core.identity
    fingerprint: str | None = None


@dataclass(frozen=True)
class PendingDelivery:
    """One message to send: `key` is stable across restarts, for sinks that can refuse a duplicate."""

    id: int
    key: str
    channel: str
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class ClaimSource:
    """One article carrying a cluster's claim: where, when, and (figures) the value it gives."""

    source: str
    title: str
    url: str | None
    seen: str
    value: float | None
    status: str  # new (it founded the cluster), corroborated, conflicting, repeat
    speaker: str | None


@dataclass(frozen=True)
class ClaimHit:
    cluster_id: int
    kind: str
    label: str
    sources: tuple[ClaimSource, ...]  # in the order they reported it; the first founded the cluster
    text: str = ""  # the founding claim's words
    direct: bool | None = None  # a quote: False when reported speech (never shown in quotation marks)

    @property
    def first(self) -> ClaimSource:
        return self.sources[0]

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(s.source for s in self.sources))

    @property
    def values(self) -> list[ClaimSource]:
        """Figures: the first source of each distinct value, in order; more than one means outlets disagree."""
        seen: dict[float, ClaimSource] = {}
        for s in self.sources:
            if s.value is not None and s.value not in seen:
                seen[s.value] = s
        return list(seen.values())


@dataclass(frozen=True)
class ExportedClaim:
    """One stored claim with its article, feed and cluster: a row of `claimdesk export` (README, "Export")."""

    claim_id: int
    article_id: int
    feed_name: str
    feed_url: str
    entry_key: str  # bot.core.identity: "guid:…", "link:…", "hash:…" (feeds), "sha256:…" (imported files)
    link: str | None
    title: str
    source: str  # the outlet
    published: str | None
    alerted: bool
    stored_at: str  # when the article and its claims were stored (one transaction)
    kind: str
    text: str
    start: int
    end: int
    parts: tuple[tuple[int, int], ...] | None  # a quote's quoted parts (offsets); None for a figure
    direct: bool | None
    speaker: str | None
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    counted: str | None
    subject: str | None
    measure: str | None
    event: str | None
    period: str | None
    status: str
    cluster_id: int
    cluster_first_claim_id: int
    body: str | None = None  # the article's stored text and summary, when asked for
    summary: str | None = None


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    channel: str
    kinds: tuple[str, ...]
    origin: str  # config: set in the config file; command: set with commands (a Discord server)
    pacing: Pacing


@dataclass(frozen=True)
class WatchRow:
    keyword: str
    channel: str | None
    origin: str
    team_id: int = 0


class PausedRoute(NamedTuple):
    """A channel the chat service refuses for now: its messages stay queued until `retry_at` (ISO 8601 UTC)."""

    channel: str
    paused_at: str
    reason: str
    retry_at: str


@dataclass(frozen=True)
class QueuedAlert:
    """An alert in the outbox not yet planned into a message."""

    id: int
    held: str | None
    kind: str
    payload: dict[str, Any]
    dedupe_key: str


@dataclass(frozen=True)
class QueuedGroup:
    """A team's channel with queued alerts, and the team's pacing settings as stored (validated on write)."""

    team_id: int
    channel: str
    team: str
    quiet_hours: str | None
    timezone: str
    hourly_cap: int | None


@dataclass(frozen=True)
class NoticeTeam:
    """A team told about a feed's pause or resumption, in its own channel."""

    id: int
    name: str
    channel: str


@dataclass(frozen=True)
class FeedChange:
    """What a feed's health write changed: whether it paused or resumed, and the feed's name and URL."""

    changed: bool
    name: str
    url: str
    failures: int = 0
    paused_at: str | None = None  # a resumption: since when it was paused


@dataclass(frozen=True)
class FirstReport:
    """The source, title and time of a cluster's first report."""

    source: str
    title: str
    seen: str


@dataclass(frozen=True)
class Candidates:
    """The clusters a new claim is compared with; `exact`: the first is the one founded under the claim's key."""

    views: list[ClusterView]
    exact: bool
