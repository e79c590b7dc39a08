"""Memory under hostile feeds (issue 20): glibc's malloc_trim is found and called after a big feed; a big parse and
its plain entries are not held at once; a first poll of many entries starts a task per page to read, not per entry."""

from __future__ import annotations

import asyncio
import sys
import threading
import time
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any, cast

import pytest

from bot.adapters import feeds, fulltext, memory
from bot.adapters.sources import ArticlePages
from bot.config import FeedSettings
from bot.core.feedrecords import FeedEntry, Fetched, ParsedFeed
from bot.enriching import FullText
from bot.entries import extraction_batches
from bot.service import Claimdesk
from tests.conftest import rss


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_malloc_trim_is_found_and_runs() -> None:
    assert memory._malloc_trim() is not None
    memory.release_memory()  # returns the heap's free pages; must never raise


def test_a_big_feed_is_followed_by_a_trim_and_a_small_one_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(feeds, "release_memory", lambda: calls.append(1))
    item = {"title": "Quay note", "description": "The harbour board met again and said little. " * 20}
    small = rss([{**item, "guid": f"s{n}"} for n in range(3)])
    big = rss([{**item, "guid": f"b{n}"} for n in range(1_500)])
    assert len(small) < feeds._BIG_FEED < len(big)
    assert len(feeds.parse_feed(small).entries) == 3 and calls == []
    assert len(feeds.parse_feed(big).entries) == 1_500 and calls == [1]


def test_feedparsers_entries_are_dropped_as_they_are_converted(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parse and the plain entries are not held at once: each parsed entry goes once it is converted."""
    parses: list[Any] = []
    left: list[int] = []
    real_parse, real_key = feeds.feedparser.parse, feeds.entry_key

    def parse(data: bytes, **kw: Any) -> Any:
        parses.append(real_parse(data, **kw))
        return parses[-1]

    def key(entry: Any) -> str:
        left.append(len(parses[0].entries))
        return real_key(entry)

    monkeypatch.setattr(feeds.feedparser, "parse", parse)
    monkeypatch.setattr(feeds, "entry_key", key)
    doc = rss(
        [{"title": f"Quay note {n}", "guid": f"q{n}", "description": "The board met."} for n in range(5)]
    )
    parsed = feeds.parse_feed(doc)
    assert [e.key for e in parsed.entries] == [f"guid:q{n}" for n in range(5)]  # feed order kept
    assert left == [4, 3, 2, 1, 0]


async def test_full_text_starts_a_task_per_page_to_read_not_per_entry() -> None:
    """A first poll of thousands of entries that are not teasers must not start thousands of tasks."""
    tasks_seen: list[int] = []

    class Store:
        async def stored_elsewhere(self, entries: Any) -> set[str]:
            list(entries)
            return set()

    class Pages:
        teaser_below = 100

        async def get(self, url: str) -> Fetched:
            tasks_seen.append(len(asyncio.all_tasks()))
            return Fetched(200, url, b"<html></html>")

        def text(self, html: bytes, url: str) -> str | None:
            return "The whole article, much longer than its teaser in the feed."

    long = "The harbour board met again and said little that was new about the quay. " * 3
    entries = [FeedEntry(f"guid:{n}", f"Note {n}", None, "wire", None, long) for n in range(2_000)]
    teaser = FeedEntry("guid:t", "Teaser", "https://example.org/t", "wire", None, "Read more.")
    entries.insert(1_000, teaser)
    out = await FullText(cast(Any, Store()), cast(Any, Pages()))(entries)
    assert out[:1_000] == entries[:1_000] and out[1_001:] == entries[1_001:]
    assert out[1_000].page_text == "The whole article, much longer than its teaser in the feed."
    assert tasks_seen and max(tasks_seen) < 10


async def test_a_polled_feeds_body_is_not_kept_once_parsed() -> None:
    """The poll keeps the response's validators, not its bytes, while the entries are stored."""

    class Source:
        async def get(
            self, url: str, *, etag: str | None = None, last_modified: str | None = None
        ) -> Fetched:
            return Fetched(200, url, b"<rss>" + b" " * 1_000 + b"</rss>", {"etag": '"v1"'}, etag='"v1"')

        def parse(self, data: bytes, headers: Mapping[str, str]) -> ParsedFeed:
            assert len(data) > 1_000  # the parser gets the whole body
            return ParsedFeed("Wire", ())

    service = Claimdesk(
        cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, Source()), cast(Any, None)
    )
    feed = FeedSettings("wire", "https://example.org/feed", 300, 0)
    row = cast(Any, SimpleNamespace(target=feed.url, etag=None, last_modified=None))
    parsed, got = await service._fetch(feed, row)
    assert parsed is not None and parsed.title == "Wire"
    assert got is not None and got.body == b"" and got.etag == '"v1"' and got.status == 200


def test_the_allocator_is_bounded_unless_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[tuple[int, int]] = []

    def mallopt(param: int, value: int) -> int:
        calls.append((param, value))
        return 1

    monkeypatch.setattr(memory, "_mallopt", lambda: mallopt)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_ARENA_MAX", raising=False)
    memory.bound_allocator()
    assert calls == [(-3, 1024 * 1024), (-8, 2)]  # M_MMAP_THRESHOLD, M_ARENA_MAX
    calls.clear()
    monkeypatch.setenv("MALLOC_ARENA_MAX", "4")
    memory.bound_allocator()
    assert calls == [(-3, 1024 * 1024)]


def test_texts_go_to_the_extractor_in_batches_bounded_by_characters_too() -> None:
    """Sixteen teasers go at once; full article pages of 200,000 characters go one or two at a time (the
    extractor's memory grows with the characters it holds at once)."""
    teasers = [
        FeedEntry(f"guid:{n}", f"Note {n}", None, "wire", None, "Short teaser text.") for n in range(40)
    ]
    assert [len(b) for b in extraction_batches(teasers)] == [16, 16, 8]
    page = "The port board met again. " * 8_000  # 208,000 characters
    pages = [
        FeedEntry(f"guid:p{n}", f"Page {n}", None, "wire", None, "Teaser.", page_text=page) for n in range(3)
    ]
    mixed = [*teasers[:3], *pages, *teasers[3:5]]
    batches = list(extraction_batches(mixed, most=16, chars=120_000))
    assert [[e.key for e in b] for b in batches] == [
        ["guid:0", "guid:1", "guid:2"],
        ["guid:p0"],  # longer than the bound: alone
        ["guid:p1"],
        ["guid:p2"],
        ["guid:3", "guid:4"],
    ]
    assert [e for b in batches for e in b] == mixed  # every entry once, in order


async def test_large_feeds_are_parsed_one_at_a_time_and_share_the_turn_with_pages() -> None:
    """Two 2 MB feeds polled at once are parsed one after the other (each parse costs several times the document);
    small feeds are not made to wait; article pages take the same turn."""
    running = 0
    most = 0
    lock = threading.Lock()

    class Source:
        body = b""

        async def get(
            self, url: str, *, etag: str | None = None, last_modified: str | None = None
        ) -> Fetched:
            return Fetched(200, url, self.body)

        def parse(self, data: bytes, headers: Mapping[str, str]) -> ParsedFeed:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
            time.sleep(0.05)
            with lock:
                running -= 1
            return ParsedFeed("Wire", ())

    source = Source()
    service = Claimdesk(cast(Any, None), cast(Any, None), cast(Any, None), cast(Any, source), cast(Any, None))
    feeds_ = [FeedSettings(f"wire {n}", f"https://example.org/{n}", 300, 0) for n in range(3)]
    rows = [cast(Any, SimpleNamespace(target=f.url, etag=None, last_modified=None)) for f in feeds_]

    source.body = b"<rss>" + b" " * 2_000_000 + b"</rss>"
    await asyncio.gather(*(service._fetch(f, r) for f, r in zip(feeds_, rows, strict=True)))
    assert most == 1

    most = 0
    source.body = b"<rss>" + b" " * 1_000 + b"</rss>"
    await asyncio.gather(*(service._fetch(f, r) for f, r in zip(feeds_, rows, strict=True)))
    assert most > 1  # small feeds: no turn to wait for

    assert service.full_text._parses is service._large_parses


async def test_a_fetched_page_keeps_only_what_will_be_parsed() -> None:
    """Pages wait for their turn to be parsed (one at a time): each waiting one holds at most PARSE_BYTES, without
    its scripts, not the 5 MB it may have been."""

    class Fetcher:
        async def get(self, url: str, **limits: Any) -> Fetched:
            script = b"<script>" + b"var x = 1;" * 10_000 + b"</script>"
            para = b"<p>The quay reopened on Monday, the port said.</p>"
            return Fetched(200, url, b"<html><body>" + script + para * 100_000 + b"</body></html>")

    got = await ArticlePages(cast(Any, Fetcher())).get("https://example.org/a")
    assert len(got.body) == fulltext.PARSE_BYTES
    assert b"<script" not in got.body and got.body.startswith(b"<html><body><p>The quay")
