"""Fetching over HTTP the way a feed bot must: every request bounded, guarded and polite.

- Timeouts: connect, between reads, and in total (a slow drip or a stalled server costs at most `timeout`).
- Size: the *decompressed* body is capped; the client never inflates more than the cap, so a gzip bomb costs a
  few kilobytes of memory beyond it (`auto_decompress` is off and zlib is asked for at most what is left).
- Redirects are followed by hand, at most `max_redirects`, each hop checked by the SSRF guard
  (bot.adapters.netguard); a loop is an error. A chain of permanent redirects (301/308) reports where the feed
  has moved, so the caller can store the new URL; a temporary one (302/303/307) does not.
- Conditional GET: a stored ETag / Last-Modified is sent when there is one (never an empty header); a 304 is a
  result, with no body to parse.
- Politeness: a per-host limit of concurrent requests, and `Retry-After` (seconds or an HTTP date) is reported
  with the error so the caller waits at least that long.
"""

from __future__ import annotations

import asyncio
import email.utils
import zlib
from datetime import UTC, datetime
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver
from yarl import URL

from bot.adapters.netguard import AddressPolicy, BlockedAddress, GuardedConnector, GuardedResolver, check_url
from bot.config import FetchSettings
from bot.core.feedrecords import Fetched
from bot.errors import FeedError

USER_AGENT = "claimdesk/0.1 (+newsroom claim alerts)"
FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
PAGE_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_PERMANENT = frozenset({301, 308})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_RETRY_AFTER = 86_400.0


class FetchError(FeedError):
    """The URL could not be fetched; the message says why. `retry_after`: seconds the server asked us to wait;
    `gone`: the server says the resource is gone for good (410)."""

    def __init__(self, message: str, *, retry_after: float | None = None, gone: bool = False) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.gone = gone


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: a number of seconds or an HTTP date; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return min(float(text), _MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    delta = (when - (now or datetime.now(UTC))).total_seconds()
    return min(max(delta, 0.0), _MAX_RETRY_AFTER)


class _Inflater:
    """Decompresses a body as it arrives, never producing more than `limit` bytes in all.

    Data after the end of a gzip member starts the next member (RFC 1952 allows several), at most _MEMBERS of
    them; it is never fed to a finished decompressor, where it would pile up unread and uncounted."""

    _MEMBERS = 64

    def __init__(self, encoding: str, limit: int) -> None:
        enc = encoding.strip().lower()
        self._raw_fallback = enc == "deflate"  # some servers send raw deflate without the zlib wrapper
        self._wbits = {
            "gzip": 16 + zlib.MAX_WBITS,
            "x-gzip": 16 + zlib.MAX_WBITS,
            "deflate": zlib.MAX_WBITS,
        }.get(enc)
        if enc in ("", "identity"):
            self._z = None
        elif self._wbits is not None:
            self._z = zlib.decompressobj(self._wbits)
        else:
            raise FetchError(f"unsupported Content-Encoding {encoding!r}")
        self._limit = limit
        self._members = 1
        self.out = bytearray()
        self._started = False

    def feed(self, chunk: bytes) -> None:
        if self._z is None:
            self.out += chunk
        else:
            data = chunk
            while data:
                if self._z.eof:  # the member ended: what follows is another member, or garbage
                    if self._members >= self._MEMBERS or self._wbits is None:
                        raise FetchError("data after the end of the compressed body; refused")
                    self._members += 1
                    self._z = zlib.decompressobj(self._wbits)
                try:
                    piece = self._z.decompress(data, self._limit - len(self.out) + 1)
                except zlib.error as exc:
                    if not self._started and self._raw_fallback:
                        self._z = zlib.decompressobj(-zlib.MAX_WBITS)
                        self._wbits = -zlib.MAX_WBITS
                        self._raw_fallback = False
                        continue
                    raise FetchError(f"corrupt compressed body: {exc}") from None
                self._started = True
                self.out += piece
                if len(self.out) > self._limit:
                    break
                data = self._z.unconsumed_tail or (self._z.unused_data if self._z.eof else b"")
        if len(self.out) > self._limit:
            raise FetchError(f"body larger than {_size(self._limit)} once decompressed; refused")

    def finish(self) -> None:
        """A compressed body must end where its stream says it ends."""
        if self._z is not None and self._started and not self._z.eof:
            raise FetchError("compressed body cut short; refused")


def _size(n: int) -> str:
    return f"{n / (1024 * 1024):g} MB" if n >= 1024 * 1024 else f"{n:,} bytes"


class Fetcher:
    """One HTTP client for the whole bot (connection reuse), created on first use inside the running loop."""

    def __init__(
        self,
        settings: FetchSettings | None = None,
        *,
        resolver: AbstractResolver | None = None,
        connector_class: type[GuardedConnector] = GuardedConnector,
    ) -> None:
        self.settings = settings or FetchSettings()
        self.policy = AddressPolicy.allowing(self.settings.allow)
        self._inner_resolver = resolver
        self._connector_class = connector_class
        self.user_agent = USER_AGENT
        self._session: aiohttp.ClientSession | None = None
        self._hosts: dict[str, asyncio.Semaphore] = {}

    def _client(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            inner = self._inner_resolver or aiohttp.ThreadedResolver()
            connector = self._connector_class(
                resolver=GuardedResolver(self.policy, inner), limit=100, ttl_dns_cache=60, policy=self.policy
            )
            self._session = aiohttp.ClientSession(
                connector=connector,
                auto_decompress=False,
                trust_env=False,  # no proxy from the environment: the guard decides where requests go
                headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate"},
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        accept: str = FEED_ACCEPT,
        max_bytes: int | None = None,
    ) -> Fetched:
        """GET `url` following redirects by hand; a 200 with its body or a 304; FetchError otherwise."""
        s = self.settings
        headers = {"Accept": accept}
        if etag and etag.strip():
            headers["If-None-Match"] = etag.strip()
        if last_modified and last_modified.strip():
            headers["If-Modified-Since"] = last_modified.strip()
        per_hop = aiohttp.ClientTimeout(total=s.timeout, connect=s.connect_timeout, sock_read=s.read_timeout)
        try:
            async with asyncio.timeout(s.timeout):  # the whole request, every redirect hop included
                return await self._follow(url, headers, per_hop, max_bytes or s.max_bytes)
        except TimeoutError:
            raise FetchError(f"timed out after {s.timeout:g} s (slow or stalled server)") from None
        except ValueError as exc:  # a URL the client cannot use (UnicodeError included): this feed's problem
            raise FetchError(f"unusable URL: {type(exc).__name__}: {exc}"[:300]) from None

    async def _follow(
        self, url: str, headers: dict[str, str], per_hop: aiohttp.ClientTimeout, limit: int
    ) -> Fetched:
        s = self.settings
        seen: set[str] = set()
        permanent = True
        current = url
        for _hop in range(s.max_redirects + 1):
            try:
                check_url(current, self.policy)
            except BlockedAddress as exc:
                raise FetchError(str(exc)) from None
            if current in seen:
                raise FetchError(f"redirect loop at {current}")
            seen.add(current)
            host = (URL(current).host or "").lower()
            slot = self._hosts.setdefault(host, asyncio.Semaphore(s.per_host))
            async with slot:
                try:
                    async with self._client().get(
                        current, headers=headers, allow_redirects=False, timeout=per_hop
                    ) as resp:
                        if resp.status in _REDIRECTS:
                            location = resp.headers.get("Location", "").strip()
                            if not location:
                                raise FetchError(f"HTTP {resp.status} redirect without a Location")
                            permanent = permanent and resp.status in _PERMANENT
                            current = urljoin(current, location)
                            continue
                        return await self._finish(resp, url, current, permanent, limit, len(headers) > 1)
                except BlockedAddress as exc:
                    raise FetchError(str(exc)) from None
                except FetchError:
                    raise
                except aiohttp.ServerTimeoutError:
                    raise FetchError(f"no data for {s.read_timeout:g} s (stalled server)") from None
                except aiohttp.ClientError as exc:
                    raise FetchError(f"cannot fetch: {type(exc).__name__}: {exc}".rstrip(": ")) from None
        raise FetchError(f"more than {s.max_redirects} redirects")

    @staticmethod
    async def _finish(
        resp: aiohttp.ClientResponse, asked: str, final: str, permanent: bool, limit: int, conditional: bool
    ) -> Fetched:
        moved = final if permanent and final != asked else None
        if resp.status == 304:
            if not conditional:  # "not modified" since nothing: a broken server, not an unchanged feed
                raise FetchError("HTTP 304 Not Modified to a request that sent no ETag or date")
            return Fetched(304, final, moved_to=moved)
        if resp.status != 200:
            retry = retry_after_seconds(resp.headers.get("Retry-After"))
            note = f"; asked to wait {retry:.0f} s" if retry is not None else ""
            raise FetchError(
                f"HTTP {resp.status} {resp.reason or ''}".strip() + note,
                retry_after=retry,
                gone=resp.status == 410,
            )
        declared = resp.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not resp.headers.get("Content-Encoding"):
            raise FetchError(f"body of {_size(int(declared))} is larger than {_size(limit)}; refused")
        inflater = _Inflater(resp.headers.get("Content-Encoding", ""), limit)
        async for chunk in resp.content.iter_chunked(65_536):
            inflater.feed(chunk)
        inflater.finish()
        headers = {k.lower(): v for k, v in resp.headers.items()}
        headers.pop("content-encoding", None)  # the body handed on is decoded
        return Fetched(
            200,
            final,
            bytes(inflater.out),
            headers,
            moved,
            etag=headers.get("etag") or None,
            last_modified=headers.get("last-modified") or None,
        )
