"""The feeds' ports (bot.core.ports: `FeedSource`, `PageReader`) over the guarded fetcher (bot.adapters.fetcher),
feedparser (bot.adapters.feeds) and trafilatura (bot.adapters.fulltext). The composition root builds them around
one `Fetcher`, so feeds and article pages share its connections and its guard."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path

from bot.adapters import feeds, fulltext
from bot.adapters.fetcher import PAGE_ACCEPT, Fetcher
from bot.core.feedrecords import Fetched, ParsedFeed


class GuardedFeeds:
    """FeedSource: feeds fetched by `fetcher`, local files read, both parsed by feedparser."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    async def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> Fetched:
        return await self.fetcher.get(url, etag=etag, last_modified=last_modified)

    def parse(self, data: bytes, headers: Mapping[str, str]) -> ParsedFeed:
        return feeds.parse_feed(data, headers)

    def read_local(self, path: Path) -> bytes:
        return feeds.read_local(path)

    async def close(self) -> None:
        await self.fetcher.close()


class ArticlePages:
    """PageReader: article pages fetched by `fetcher` (page limits: PAGE_ACCEPT, PAGE_BYTES), their text by
    trafilatura."""

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    @property
    def teaser_below(self) -> int:
        return self.fetcher.settings.full_text_below

    async def get(self, url: str) -> Fetched:
        """The page, its body already cut to what will be parsed (`fulltext.parse_input`, in a worker thread)."""
        got = await self.fetcher.get(url, accept=PAGE_ACCEPT, max_bytes=fulltext.PAGE_BYTES)
        return replace(got, body=await asyncio.to_thread(fulltext.parse_input, got.body))

    def text(self, html: bytes, url: str) -> str | None:
        return fulltext.page_text(html, url)
