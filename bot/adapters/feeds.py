"""Reading feeds: bytes from a local path or an http(s) URL, parsed by feedparser into plain entries.

feedparser only ever sees bytes (never a URL: it would fetch by itself, unguarded). A response that yields no
entries and is not a feed is a clear per-feed `FeedError`, not "no new items". The "Feed ingestion" issue hardens
fetching (SSRF guard, conditional GET, back-off); this module is where that goes.
"""

from __future__ import annotations

import asyncio
import calendar
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import aiohttp
import feedparser

from bot.core.htmltext import html_to_text

MAX_FEED_BYTES = 20 * 1024 * 1024
TIMEOUT = aiohttp.ClientTimeout(total=30, connect=10)
USER_AGENT = "claimdesk/0.1 (+newsroom claim alerts)"


class FeedError(Exception):
    """This feed could not be read or parsed; the message says why, for logs and the feed row."""


@dataclass(frozen=True)
class FeedEntry:
    key: str
    title: str
    url: str | None
    source: str
    published: str | None  # ISO 8601, UTC
    text: str


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: tuple[FeedEntry, ...]


async def fetch(url: str, session: aiohttp.ClientSession | None = None) -> tuple[bytes, Mapping[str, str]]:
    """The raw bytes and response headers of a feed at a URL or local path."""
    if not url.startswith(("http://", "https://")):
        return await asyncio.to_thread(_read_local, Path(url)), {}
    own = session is None
    session = session or aiohttp.ClientSession(timeout=TIMEOUT, headers={"User-Agent": USER_AGENT})
    try:
        async with session.get(url, timeout=TIMEOUT) as resp:
            if resp.status != 200:
                raise FeedError(f"HTTP {resp.status} {resp.reason or ''}".strip())
            body = bytearray()
            async for chunk in resp.content.iter_chunked(65536):
                body += chunk
                if len(body) > MAX_FEED_BYTES:
                    raise FeedError(f"response larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
            return bytes(body), {k.lower(): v for k, v in resp.headers.items()}
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise FeedError(f"cannot fetch: {type(exc).__name__}: {exc}".rstrip(": ")) from None
    finally:
        if own:
            await session.close()


def _read_local(path: Path) -> bytes:
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_FEED_BYTES + 1)
    except OSError as exc:
        raise FeedError(f"cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_FEED_BYTES:
        raise FeedError(f"file larger than {MAX_FEED_BYTES // (1024 * 1024)} MB")
    return data


def normalise_link(link: str) -> str:
    """Scheme and host lower case, no trailing slash, no tracking parameters; http and https alike."""
    parts = urlsplit(link.strip())
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in ("fbclid", "gclid", "mc_cid", "mc_eid")
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(
        (
            "https" if parts.scheme.lower() in ("http", "https") else parts.scheme.lower(),
            parts.netloc.lower(),
            path,
            urlencode(query),
            "",
        )
    )


def _iso(struct: Any) -> str | None:
    if not struct:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(struct), UTC).isoformat()
    except (OverflowError, ValueError, TypeError):
        return None


def entry_key(entry: Mapping[str, Any]) -> str:
    """guid, else normalised link, else a hash of title and date."""
    guid = (entry.get("id") or "").strip()
    if guid:
        return "guid:" + guid
    link = (entry.get("link") or "").strip()
    if link:
        return "link:" + normalise_link(link)
    basis = f"{entry.get('title', '')}|{entry.get('published', '') or entry.get('updated', '')}"
    return "hash:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def _entry_text(entry: Mapping[str, Any]) -> str:
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        if value.strip():
            return html_to_text(value)
    return html_to_text(entry.get("summary") or entry.get("description") or "")


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
    for e in parsed.entries:
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
    return ParsedFeed(feed_title, tuple(entries))
