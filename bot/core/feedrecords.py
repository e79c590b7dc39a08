"""What a feed poll carries, as plain records: a fetched response, a parsed feed and its entries.

The adapters make them (bot.adapters.fetcher fetches, bot.adapters.feeds parses); the service, its parts and the
handlers read them through the ports (bot.core.ports: `FeedSource`, `PageReader`) without importing an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.core.identity import fingerprint, link_key


@dataclass(frozen=True)
class Fetched:
    status: int  # 200, or 304 (not modified: no body)
    url: str  # where the body came from, after redirects
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)  # lower-case names
    moved_to: str | None = None  # every redirect on the way was permanent: the resource lives here now
    etag: str | None = None
    last_modified: str | None = None


@dataclass(frozen=True)
class FeedEntry:
    key: str  # bot.core.identity.entry_key
    title: str
    url: str | None
    source: str
    published: str | None  # ISO 8601, UTC
    text: str  # as the feed carries it
    page_text: str | None = None  # the article page's main text, fetched when the feed carries a teaser

    @property
    def body(self) -> str:
        """The article's text: the page's when it was fetched, else the feed's."""
        return self.page_text or self.text

    @property
    def link_key(self) -> str | None:
        return link_key(self.url)

    @property
    def fingerprint(self) -> str:
        """From the feed's own text, so it is the same on every poll whether or not the page was fetched."""
        return fingerprint(self.title, self.text)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: tuple[FeedEntry, ...]
