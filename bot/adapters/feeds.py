"""Parsing feeds: bytes (from bot.adapters.fetcher, or a local file) into plain entries, by feedparser.

feedparser only ever sees bytes and the response headers (never a URL: it would fetch by itself, unguarded). A
response that yields no entries and is not a feed (an HTML page, an empty 200, JSON) is a clear per-feed
`FeedError`, not "no new items"; a malformed ("bozo") feed that still yields entries is processed. Entry text is
HTML turned into plain text: markup and scripts never reach a sink.
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import feedparser

from bot.adapters.memory import release_memory
from bot.core.feedrecords import FeedEntry, ParsedFeed
from bot.core.htmltext import html_to_text
from bot.core.identity import entry_key
from bot.errors import FeedError

# the records and the error live in the core (bot.core.feedrecords, bot.errors); named here too for older callers
__all__ = ["MAX_FEED_BYTES", "FeedEntry", "FeedError", "ParsedFeed", "parse_feed", "read_local"]

MAX_FEED_BYTES = 20 * 1024 * 1024


def read_local(path: Path, limit: int = MAX_FEED_BYTES) -> bytes:
    """A feed file named in the config (the operator's own file: no network, no guard)."""
    try:
        with path.open("rb") as fh:
            data = fh.read(limit + 1)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise FeedError(f"file larger than {limit // (1024 * 1024)} MB")
    return data


def _iso(struct: Any) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def _entry_text(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if value.strip():
            return html_to_text(value)
    return html_to_text(entry.get("summary") or entry.get("description") or "")


_BIG_FEED = 1_000_000  # bytes: a feed this large is followed by returning its parse's memory


def parse_feed(data: bytes, headers: Mapping[str, str] | None = None) -> ParsedFeed:
    """Entries of a feed document; `FeedError` when the bytes are not a feed at all."""
    if not data.strip():
        raise FeedError("empty response: no feed document")
    parsed = feedparser.parse(data, response_headers=dict(headers or {}))
    if not parsed.entries and (parsed.bozo or not parsed.version):
        reason = parsed.get("bozo_exception")
        raise FeedError(f"not a feed ({type(reason).__name__ if reason else 'unknown format'}: {reason})")
    feed_title = html_to_text(parsed.feed.get("title") or "") or None
    entries = []
    # each of feedparser's entries is dropped once converted, so the parse and its plain entries are not held at once
    # (a 19 MB feed of 20,000 entries: feedparser's result is ~4x the document)
    pending = parsed.entries
    pending.reverse()
    while pending:
        e = pending.pop()
        source = (
            (e.get("source") or {}).get("title")
            or feed_title
            or urlsplit(e.get("link") or "").netloc
            or "unknown"
        )
        entries.append(
            FeedEntry(
                key=entry_key(e),
                title=html_to_text(e.get("title") or "") or "(untitled)",
                url=(e.get("link") or None),
                source=html_to_text(source),
                published=_iso(e.get("published_parsed") or e.get("updated_parsed")),
                text=_entry_text(e),
            )
        )
    if len(data) > _BIG_FEED:
        del parsed  # feedparser's result is several times the document: let the allocator give it back
        release_memory()
    return ParsedFeed(feed_title, tuple(entries))
