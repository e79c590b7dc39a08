"""Full text: an entry whose feed carries only a teaser gets its article page's main text before extraction, so
the claims come from the article rather than from its first sentence.

Apart from the service because page fetching has its own limits, which hold for the whole process rather than
for one poll: at most PAGES_AT_ONCE pages fetched at once and one parsed at a time (trafilatura holds ~35x the
HTML it parses; six parses at once took a hostile run past 1.3 GB). Pages come through a `PageReader` port
(bot.core.ports), over the same fetcher, and so the same network guard, as feeds; whatever a page does, the
entry keeps its feed's text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace

from bot.config import is_web_url
from bot.core.feedrecords import FeedEntry
from bot.core.ports import PageReader, Store

log = logging.getLogger("claimdesk")

PAGES_AT_ONCE = 4


class FullText:
    """`await full_text(entries)`: the entries, teasers with their page's text (`pages.text`) where it is longer."""

    def __init__(self, store: Store, pages: PageReader, parses: asyncio.Semaphore | None = None) -> None:
        """`parses`: held while a page is parsed; the service shares it with large feeds' parses."""
        self.store = store
        self.pages = pages
        self._fetches = asyncio.Semaphore(PAGES_AT_ONCE)
        self._parses = parses or asyncio.Semaphore(1)

    async def __call__(self, entries: list[FeedEntry]) -> list[FeedEntry]:
        """Entries whose feed text is a teaser get their article page's main text (same guards as feeds); any
        failure keeps the feed's text."""
        below = self.pages.teaser_below
        teasers = [e for e in entries if len(e.text) < below and e.url and is_web_url(e.url)]
        # an article stored before under another key (a feed whose guids churn) had its page read then: once is
        # enough, and it will not be stored again anyway
        known = await self.store.stored_elsewhere(
            (e.key, e.title, e.link_key, e.fingerprint) for e in teasers
        )
        wanted = {id(e) for e in teasers if e.key not in known}

        async def one(e: FeedEntry) -> FeedEntry:
            if id(e) not in wanted or not e.url:
                return e
            try:
                async with self._fetches:  # held until parsed: at most this many pages in memory
                    got = await self.pages.get(e.url)
                    async with self._parses:
                        text = await asyncio.to_thread(self.pages.text, got.body, got.url)
            except Exception as exc:  # whatever the page does, the feed's own text is kept
                log.info("full text for %r not used: %s", e.title, exc)
                return e
            return replace(e, page_text=text) if text and len(text) > len(e.text) else e

        # a task per page to read, not per entry: a first poll of 20,000 entries with no teaser starts none
        read = iter(await asyncio.gather(*(one(e) for e in entries if id(e) in wanted)))
        return [next(read) if id(e) in wanted else e for e in entries]
