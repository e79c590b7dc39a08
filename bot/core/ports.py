"""The store's ports: what the service, the core and the handlers need of a store, as typing.Protocols.

Two levels. Repositories (`ArticleRepository`, `ClaimRepository`, `FeedRepository`, `TeamRepository`,
`OutboxRepository`) read and write inside a `UnitOfWork`, which commits their writes together or not at all
(`async with store.unit_of_work() as uow: …`; cosmicpython's unit_of_work.py). The store itself (`Store`:
`FeedStore`, `TeamStore`, `ClaimStore`, `Outbox`) offers the lookups and one-step writes the handlers and the
service call, each its own transaction. Adapters (bot.adapters.sqlite, bot.adapters.postgres) implement them; nothing
here knows SQL.
The feeds' ports (`FeedSource`, `PageReader`) are what the service and its parts use of the network and feedparser
(bot.adapters.sources implements them).
Decisions — where a claim goes, what a message holds, who hears of a paused feed — are the core's
(bot.core.placing, bot.core.planning, bot.core.feednotices): a store only reads and writes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

from bot.core.alerts import AlertDraft, ArticleInfo, TeamWatch
from bot.core.claims import ClaimDraft
from bot.core.delivery import Pacing
from bot.core.feedrecords import Fetched, ParsedFeed
from bot.core.figure_identity import FigureRef
from bot.core.records import (
    Candidates,
    ClaimHit,
    ExportedClaim,
    FeedChange,
    FeedRow,
    FirstReport,
    NewArticle,
    NoticeTeam,
    PausedRoute,
    PendingDelivery,
    QueuedAlert,
    QueuedGroup,
    TeamRow,
    WatchRow,
)

CLAIM_COLUMNS = (
    "{text speaker subject}"  # search: the claim's own columns (vs its article's title and sentence)
)


# -- what the store is given --------------------------------------------------------------------------------------
class FeedSpec(Protocol):
    """A feed as the config names it."""

    @property
    def url(self) -> str: ...

    @property
    def name(self) -> str: ...


class TeamSpec(Protocol):
    """A team as the config sets it."""

    @property
    def name(self) -> str: ...

    @property
    def channel(self) -> str: ...

    @property
    def keywords(self) -> Sequence[str]: ...

    @property
    def alerts(self) -> Sequence[str]: ...

    @property
    def pacing(self) -> Pacing: ...


# -- repositories, inside a unit of work ---------------------------------------------------------------------------
class ArticleRepository(Protocol):
    async def add(self, a: NewArticle) -> int | None:
        """The new article's id; None when it is not new (this feed showed it, or it is stored under another key
        or from another feed: then this key is recorded as one more name for it; bot.core.identity)."""
        ...

    async def stored(self, a: NewArticle) -> bool:
        """Whether `add` would find the article stored already (it reads only)."""
        ...

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]: ...


class ClaimRepository(Protocol):
    async def lock(self, keys: Sequence[str]) -> None:
        """Hold these candidate keys until the unit of work ends: another process placing a claim under one of them
        waits, then sees the clusters this one made (SQLite: nothing to do, one writer holds the whole file)."""
        ...

    async def candidates(self, kind: str, keys: Sequence[str], exact_key: str, article_id: int) -> Candidates:
        """A bounded number of clusters to compare a new claim with: the one founded under its exact key first."""
        ...

    async def vectors(self, texts: Sequence[str]) -> dict[str, bytes]:
        """Stored sentence vectors of these wordings (missing ones absent)."""
        ...

    async def add_vectors(self, vectors: Mapping[str, bytes]) -> None: ...

    async def found_cluster(
        self, article: ArticleInfo, c: ClaimDraft, key: str, figure: FigureRef | None
    ) -> int: ...

    async def first_report(self, cluster_id: int) -> FirstReport: ...

    async def add_wording(self, cluster_id: int, text: str) -> bool:
        """Keep another wording of a quote cluster if it has room; True when kept."""
        ...

    async def index(self, cluster_id: int, keys: Sequence[str]) -> None: ...

    async def insert_claim(
        self, article: ArticleInfo, c: ClaimDraft, cluster_id: int, status: str
    ) -> int: ...


class FeedRepository(Protocol):
    async def mark_ok(
        self,
        feed_id: int,
        title: str | None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        moved_to: str | None = None,
        next_poll_at: str | None = None,
        keep_validators: bool = False,
    ) -> FeedChange:
        """A poll that worked; `changed`: it ended a pause."""
        ...

    async def mark_failed(
        self, feed_id: int, error: str, *, next_poll_at: str | None = None, pause: bool = False
    ) -> FeedChange | None:
        """A poll that failed; with `pause`, `changed` says whether this call paused the feed."""
        ...


class TeamRepository(Protocol):
    async def told_about(self, feed_url: str) -> list[NoticeTeam]:
        """The teams told when this feed pauses or resumes."""
        ...


class OutboxRepository(Protocol):
    async def add_alerts(self, article_id: int, drafts: Iterable[AlertDraft]) -> int: ...

    async def lock_planning(self) -> None:
        """Plan alone until the unit of work ends: two processes planning at once would put one alert in two
        messages (SQLite: nothing to do, one writer holds the whole file)."""
        ...

    async def queued_groups(self) -> list[QueuedGroup]: ...

    async def queued(self, team_id: int, channel: str, limit: int) -> list[QueuedAlert]: ...

    async def busy(self, channel: str, since: datetime) -> int: ...

    async def add_delivery(
        self, team_id: int, channel: str, kind: str, payload: dict[str, Any], alert_ids: Sequence[int] = ()
    ) -> int: ...

    async def hold(self, alert_ids: Sequence[int], reason: str | None) -> None: ...


class UnitOfWork(Protocol):
    """Repositories whose writes commit together when the `async with` block ends, or roll back if it raises."""

    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def claims(self) -> ClaimRepository: ...

    @property
    def feeds(self) -> FeedRepository: ...

    @property
    def teams(self) -> TeamRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...


class UnitOfWorkFactory(Protocol):
    def unit_of_work(self) -> AbstractAsyncContextManager[UnitOfWork]: ...


# -- the store: lookups and one-step writes, each its own transaction ---------------------------------------------
class FeedStore(Protocol):
    async def ensure_feed(self, feed: FeedSpec) -> int: ...

    async def claim_feed(self, feed_id: int, hold: timedelta) -> bool:
        """Lease this feed's next poll to this process for `hold` (or extend its own lease): False while another live
        process holds one. A lease ends at its time, or at once when its process dies. SQLite: always True."""
        ...

    async def feed(self, feed_id: int) -> FeedRow: ...

    async def feeds(self, team_id: int | None = None) -> list[FeedRow]: ...

    async def team_feeds(self) -> list[FeedRow]: ...

    async def has_feed(self, url: str) -> bool: ...

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None: ...

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None: ...

    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]: ...

    async def stored_elsewhere(
        self, entries: Iterable[tuple[str, str, str | None, str | None]]
    ) -> set[str]: ...

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]: ...


class TeamStore(Protocol):
    async def sync_teams(self, teams: Iterable[TeamSpec]) -> None: ...

    async def team_watches(self) -> list[TeamWatch]: ...

    async def team(self, name: str) -> TeamRow | None: ...

    async def team_names(self) -> list[str]: ...

    async def create_team(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow: ...

    async def watches(self, team_id: int) -> list[WatchRow]: ...

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool: ...

    async def remove_watch(self, team_id: int, keyword: str) -> bool: ...

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None: ...

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None: ...


class ClaimStore(Protocol):
    async def search_claims(
        self,
        match: str,
        limit: int = 10,
        kind: str | None = None,
        prefer: str | None = CLAIM_COLUMNS,
        offset: int = 0,
    ) -> list[ClaimHit]: ...

    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]: ...

    async def speakers(self, part: str, limit: int = 25) -> list[str]: ...

    async def counts(self) -> dict[str, int]: ...

    def export_claims(
        self, since: str | None = None, bodies: bool = False, page: int | None = None
    ) -> AsyncIterator[ExportedClaim]: ...


class Outbox(Protocol):
    async def claim_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        """Planned, unsent messages in order, leased to this process so no other sends them: only of channels no
        other live process is sending (SQLite: the pending ones, one process sends them all)."""
        ...

    async def pending_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]: ...

    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None: ...

    async def mark_delivery_rejected(self, delivery_id: int, error: str) -> None: ...

    async def mark_delivery_failed(self, delivery_id: int, error: str) -> None: ...

    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None: ...

    async def resume_route(self, channel: str) -> None: ...

    async def paused_routes(self, team_id: int | None = None) -> list[PausedRoute]: ...


class Store(FeedStore, TeamStore, ClaimStore, Outbox, UnitOfWorkFactory, Protocol):
    """Everything the service and the handlers use of a store."""

    @property
    def path(self) -> Path | None:
        """The database file; None for a server database (PostgreSQL)."""
        ...

    @property
    def read_only(self) -> bool:
        """Opened for lookups on a database that cannot be written here."""
        ...

    async def hold_shards(self, shard_ids: Sequence[int]) -> list[int]:
        """Mark these Discord shards as connected by this process for as long as it lives, so that a second
        process given the same `[discord] shard_ids` is refused: the ones another live process holds already
        (then this one holds none of them)."""
        ...

    async def close(self) -> None: ...


# -- feeds and article pages ----------------------------------------------------------------------------------------
class FeedSource(Protocol):
    """Feed documents: fetched through the network guard (conditional GET: a 304 has no body), or read from the
    operator's own file, and parsed into plain entries. Every failure is a `bot.errors.FeedError`."""

    async def get(
        self, url: str, *, etag: str | None = None, last_modified: str | None = None
    ) -> Fetched: ...

    def parse(self, data: bytes, headers: Mapping[str, str]) -> ParsedFeed: ...

    def read_local(self, path: Path) -> bytes: ...

    async def close(self) -> None: ...


class PageReader(Protocol):
    """Article pages for entries whose feed carries a teaser: fetched through the same guard, and their main text."""

    @property
    def teaser_below(self) -> int:
        """A feed text shorter than this many characters is a teaser."""
        ...

    async def get(self, url: str) -> Fetched: ...

    def text(self, html: bytes, url: str) -> str | None:
        """The page's main text, None when it has none (blocking: run it in a thread)."""
        ...
