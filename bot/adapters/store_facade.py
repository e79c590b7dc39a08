"""The Store port's lookups and one-step writes over an adapter's repositories, written once for every store
adapter (bot.adapters.sqlite, bot.adapters.postgres): each adapter gives its reading repositories and its units of
work, and inherits these. What differs between the two (connections, leases, export) stays in each adapter."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Protocol

from bot.core.alerts import TeamWatch, team_routes
from bot.core.delivery import Pacing
from bot.core.ports import CLAIM_COLUMNS, ArticleRepository, FeedSpec, TeamSpec
from bot.core.records import ClaimHit, FeedRow, PausedRoute, PendingDelivery, TeamRow, WatchRow


class FeedReads(Protocol):
    async def get(self, feed_id: int) -> FeedRow: ...

    async def every(self, team_id: int | None = None) -> list[FeedRow]: ...

    async def team_feeds(self) -> list[FeedRow]: ...

    async def has(self, url: str) -> bool: ...


class ArticleReads(Protocol):
    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]: ...

    async def stored_elsewhere(
        self, entries: Iterable[tuple[str, str, str | None, str | None]]
    ) -> set[str]: ...


class TeamReads(Protocol):
    async def every(self) -> list[TeamRow]: ...

    async def all_watches(self) -> list[WatchRow]: ...

    async def get(self, name: str) -> TeamRow | None: ...

    async def names(self) -> list[str]: ...

    async def watches(self, team_id: int) -> list[WatchRow]: ...


class SearchReads(Protocol):
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


class OutboxReads(Protocol):
    async def pending(self, limit: int = 100, skip_channels: Iterable[str] = ()) -> list[PendingDelivery]: ...

    async def paused_routes(self, team_id: int | None = None) -> list[PausedRoute]: ...


class OutboxWrites(Protocol):
    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None: ...

    async def mark_rejected(self, delivery_id: int, error: str) -> None: ...

    async def mark_failed(self, delivery_id: int, error: str) -> None: ...

    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None: ...

    async def resume_route(self, channel: str) -> None: ...


class FeedWrites(Protocol):
    async def ensure(self, feed: FeedSpec) -> int: ...

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None: ...

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None: ...


class TeamWrites(Protocol):
    async def sync(self, teams: Iterable[TeamSpec]) -> None: ...

    async def create(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow: ...

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool: ...

    async def remove_watch(self, team_id: int, keyword: str) -> bool: ...

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None: ...

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None: ...


class Writes(Protocol):
    """What the one-step writes use of an adapter's unit of work, beyond the port's."""

    @property
    def feeds(self) -> FeedWrites: ...

    @property
    def teams(self) -> TeamWrites: ...

    @property
    def articles(self) -> ArticleRepository: ...

    @property
    def outbox(self) -> OutboxWrites: ...


class StoreFacade:
    """Reads through the adapter's repositories; a write, one unit of work of its own."""

    _feeds: FeedReads
    _articles: ArticleReads
    _teams: TeamReads
    _search: SearchReads
    _outbox: OutboxReads

    def _writes(self) -> AbstractAsyncContextManager[Writes]:
        """The adapter's unit of work, as the writes below use it."""
        raise NotImplementedError

    # -- feeds -------------------------------------------------------------------------------------------------
    async def ensure_feed(self, feed: FeedSpec) -> int:
        async with self._writes() as uow:
            return await uow.feeds.ensure(feed)

    async def feed(self, feed_id: int) -> FeedRow:
        return await self._feeds.get(feed_id)

    async def feeds(self, team_id: int | None = None) -> list[FeedRow]:
        return await self._feeds.every(team_id)

    async def team_feeds(self) -> list[FeedRow]:
        return await self._feeds.team_feeds()

    async def has_feed(self, url: str) -> bool:
        return await self._feeds.has(url)

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None:
        async with self._writes() as uow:
            return await uow.feeds.add_team_feed(team_id, url, name)

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None:
        async with self._writes() as uow:
            return await uow.feeds.remove_team_feed(team_id, url_or_name)

    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        return await self._articles.known_entries(feed_id, keys)

    async def stored_elsewhere(self, entries: Iterable[tuple[str, str, str | None, str | None]]) -> set[str]:
        return await self._articles.stored_elsewhere(entries)

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]:
        async with self._writes() as uow:
            return await uow.articles.first_poll(feed_id, keys, loud)

    # -- teams -------------------------------------------------------------------------------------------------
    async def sync_teams(self, teams: Iterable[TeamSpec]) -> None:
        async with self._writes() as uow:
            await uow.teams.sync(teams)

    async def team_watches(self) -> list[TeamWatch]:
        return team_routes(await self._teams.every(), await self._teams.all_watches())

    async def team(self, name: str) -> TeamRow | None:
        return await self._teams.get(name)

    async def team_names(self) -> list[str]:
        return await self._teams.names()

    async def create_team(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow:
        async with self._writes() as uow:
            return await uow.teams.create(name, channel, kinds)

    async def watches(self, team_id: int) -> list[WatchRow]:
        return await self._teams.watches(team_id)

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool:
        async with self._writes() as uow:
            return await uow.teams.add_watch(team_id, keyword, channel)

    async def remove_watch(self, team_id: int, keyword: str) -> bool:
        async with self._writes() as uow:
            return await uow.teams.remove_watch(team_id, keyword)

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None:
        async with self._writes() as uow:
            await uow.teams.set_alert_kinds(team_id, kinds)

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None:
        async with self._writes() as uow:
            await uow.teams.set_pacing(team_id, pacing)

    # -- claims ------------------------------------------------------------------------------------------------
    async def search_claims(
        self,
        match: str,
        limit: int = 10,
        kind: str | None = None,
        prefer: str | None = CLAIM_COLUMNS,
        offset: int = 0,
    ) -> list[ClaimHit]:
        return await self._search.search_claims(match, limit, kind, prefer, offset)

    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]:
        return await self._search.count_clusters(match, kind)

    async def speakers(self, part: str, limit: int = 25) -> list[str]:
        return await self._search.speakers(part, limit)

    async def counts(self) -> dict[str, int]:
        return await self._search.counts()

    # -- outbox ------------------------------------------------------------------------------------------------
    async def pending_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        return await self._outbox.pending(limit, skip_channels)

    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None:
        async with self._writes() as uow:
            await uow.outbox.mark_delivered(delivery_id, at)

    async def mark_delivery_rejected(self, delivery_id: int, error: str) -> None:
        async with self._writes() as uow:
            await uow.outbox.mark_rejected(delivery_id, error)

    async def mark_delivery_failed(self, delivery_id: int, error: str) -> None:
        async with self._writes() as uow:
            await uow.outbox.mark_failed(delivery_id, error)

    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None:
        async with self._writes() as uow:
            await uow.outbox.pause_route(channel, reason, retry_at)

    async def resume_route(self, channel: str) -> None:
        async with self._writes() as uow:
            await uow.outbox.resume_route(channel)

    async def paused_routes(self, team_id: int | None = None) -> list[PausedRoute]:
        return await self._outbox.paused_routes(team_id)
