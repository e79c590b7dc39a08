"""Fetching that survives the real web (issue: Feed ingestion), on a real aiohttp server on 127.0.0.1.

Every answer a feed server gives in the wild — 200/304/301/302/404/410/429/500, slow drips and stalls, gzip bombs
and 50 MB bodies, redirect loops, redirects inward — is served here for real. The SSRF guard is tested at its
decision points: a resolver that answers with inward addresses, and a connector that fails the test if it is ever
asked to open a socket to anything but the loopback. No test connects anywhere else.
"""

from __future__ import annotations

import asyncio
import functools
import gzip
import ipaddress
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult

from bot.adapters.fetcher import Fetcher, FetchError, retry_after_seconds
from bot.adapters.netguard import AddressPolicy, BlockedAddress, GuardedConnector, GuardedResolver, check_url
from bot.config import FetchSettings
from tests.conftest import rss

FEED = rss([{"title": "Harbour reopens", "guid": "h1", "description": "Cranes moved 400 containers."}])


@dataclass
class Server:
    base: str
    port: int
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)  # (path, request headers)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@functools.cache
def _bomb() -> bytes:
    """64 MB of zeros, gzipped to about 64 kB (made once)."""
    return gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=6)


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    port = _free_port()
    srv = Server(f"http://127.0.0.1:{port}", port)

    async def handle(request: web.Request) -> web.StreamResponse:
        path = request.path
        srv.seen.append((path, dict(request.headers)))
        xml = {"Content-Type": "application/rss+xml"}
        if path == "/etag":
            if request.headers.get("If-None-Match") == '"v1"':
                return web.Response(status=304)
            return web.Response(
                body=FEED, headers={**xml, "ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 06:00:00 GMT"}
            )
        if path == "/always-304":
            return web.Response(status=304)
        if path == "/plain":
            return web.Response(body=FEED, headers=xml)
        if path == "/moved":
            raise web.HTTPMovedPermanently("/etag")
        if path == "/temporary":
            raise web.HTTPFound("/etag")
        if path == "/loop-a":
            raise web.HTTPFound("/loop-b")
        if path == "/loop-b":
            raise web.HTTPFound("/loop-a")
        if path == "/to-loopback":
            raise web.HTTPFound(f"http://127.0.0.1:{port}/etag")
        if path == "/to-metadata":
            raise web.HTTPFound("http://169.254.169.254/latest/meta-data/")
        if path == "/gone":
            return web.Response(status=410, text="gone")
        if path == "/busy":
            return web.Response(status=429, headers={"Retry-After": "120"}, text="slow down")
        if path == "/broken":
            return web.Response(
                status=500, content_type="text/html", text="<html><h1>Internal error</h1></html>"
            )
        if path == "/bomb":
            return web.Response(body=_bomb(), headers={**xml, "Content-Encoding": "gzip"})
        if path in ("/huge", "/drip", "/stall"):
            resp = web.StreamResponse(headers=xml)
            await resp.prepare(request)
            if path == "/huge":  # 50 MB, streamed without a length
                chunk = b"<!-- padding -->" * 65_536
                for _ in range(50):
                    await resp.write(chunk)
            else:  # /drip: a byte every 0.2 s; /stall: headers, then silence; both until the client gives up
                for _ in range(300):
                    if request.transport is None or request.transport.is_closing():
                        break
                    if path == "/drip":
                        await resp.write(b" ")
                    await asyncio.sleep(0.2)
            return resp
        return web.Response(status=404, content_type="text/html", text="<html>Not found</html>")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield srv
    finally:
        await runner.cleanup()


def loopback_fetcher(**kw: Any) -> Fetcher:
    return Fetcher(FetchSettings(allow=("127.0.0.1",), **kw))


# -- the answers a feed server gives -------------------------------------------------------------------------------


async def test_conditional_get_sends_stored_validators_and_a_304_has_no_body(server: Server) -> None:
    f = loopback_fetcher()
    try:
        first = await f.get(server.url("/etag"))
        assert (
            first.status == 200 and first.etag == '"v1"' and first.last_modified and b"Harbour" in first.body
        )
        again = await f.get(server.url("/etag"), etag=first.etag, last_modified=first.last_modified)
        assert again.status == 304 and again.body == b""
        sent = server.seen[-1][1]
        assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == first.last_modified
        # never an empty validator header
        await f.get(server.url("/plain"), etag="", last_modified="  ")
        assert "If-None-Match" not in server.seen[-1][1] and "If-Modified-Since" not in server.seen[-1][1]
    finally:
        await f.close()


async def test_a_permanent_redirect_reports_the_new_home_and_a_temporary_one_does_not(server: Server) -> None:
    f = loopback_fetcher()
    try:
        moved = await f.get(server.url("/moved"))
        assert moved.status == 200 and moved.moved_to == server.url("/etag")
        temporary = await f.get(server.url("/temporary"))
        assert temporary.status == 200 and temporary.moved_to is None
    finally:
        await f.close()


@pytest.mark.parametrize(
    ("path", "message", "retry_after", "gone"),
    [
        ("/missing", "HTTP 404", None, False),
        ("/gone", "HTTP 410", None, True),
        ("/busy", "HTTP 429", 120.0, False),
        ("/broken", "HTTP 500", None, False),
        ("/loop-a", "redirect loop", None, False),
    ],
)
async def test_error_answers_are_clear_errors(
    server: Server, path: str, message: str, retry_after: float | None, gone: bool
) -> None:
    f = loopback_fetcher()
    try:
        with pytest.raises(FetchError, match=message) as caught:
            await f.get(server.url(path))
        assert caught.value.retry_after == retry_after and caught.value.gone is gone
    finally:
        await f.close()


async def test_slow_drip_and_stalled_servers_cost_at_most_the_timeouts(server: Server) -> None:
    f = loopback_fetcher(timeout=1.5, read_timeout=1.0)
    try:
        loop = asyncio.get_running_loop()
        for path in ("/drip", "/stall"):
            started = loop.time()
            with pytest.raises(FetchError, match=r"timed out|stalled server"):
                await f.get(server.url(path))
            assert loop.time() - started < 10  # bounded by the timeouts, not by the server
    finally:
        await f.close()


async def test_a_gzip_bomb_and_a_50_mb_body_are_refused_at_the_cap(server: Server) -> None:
    f = loopback_fetcher(max_bytes=2 * 1024 * 1024)
    try:
        with pytest.raises(FetchError, match="larger than 2 MB once decompressed"):
            await f.get(server.url("/bomb"))
        with pytest.raises(FetchError, match="larger than 2 MB"):
            await f.get(server.url("/huge"))
    finally:
        await f.close()


def test_retry_after_reads_seconds_and_http_dates() -> None:
    from datetime import UTC, datetime

    now = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    assert retry_after_seconds("90", now) == 90
    assert retry_after_seconds("Tue, 01 Dec 2026 06:10:00 GMT", now) == 600
    assert retry_after_seconds("Tue, 01 Dec 2026 05:00:00 GMT", now) == 0  # in the past: no wait
    assert retry_after_seconds("soon", now) is None and retry_after_seconds("", now) is None
    assert retry_after_seconds("99999999", now) == 86_400  # capped at a day


# -- the SSRF guard, at its decision points --------------------------------------------------------------------------


class FakeResolver(AbstractResolver):
    """Answers from a table, like a DNS server an attacker controls might."""

    def __init__(self, table: dict[str, str]) -> None:
        self.table = table
        self.asked: list[str] = []

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        self.asked.append(host)
        ip = self.table[host]
        fam = socket.AF_INET6 if ":" in ip else socket.AF_INET
        return [{"hostname": host, "host": ip, "port": port, "family": fam, "proto": 0, "flags": 0}]

    async def close(self) -> None:
        return None


class LoopbackOnlyConnector:
    """A TCPConnector that fails the test if it is ever asked to open a socket to a non-loopback address."""

    attempts: ClassVar[list[str]] = []

    @classmethod
    def make(cls) -> type:
        class Connector(GuardedConnector):
            async def _wrap_create_connection(self, *args: Any, addr_infos: list[Any], **kwargs: Any) -> Any:
                for info in addr_infos:
                    ip = ipaddress.ip_address(info[4][0])
                    cls.attempts.append(str(ip))
                    if not ip.is_loopback:
                        pytest.fail(f"the guard let a connection to {ip} through")
                return await super()._wrap_create_connection(*args, addr_infos=addr_infos, **kwargs)

        return Connector


@pytest.mark.parametrize(
    ("host", "address", "why"),
    [
        ("intranet.test", "10.1.2.3", "private network"),
        ("metadata.test", "169.254.169.254", "link-local"),
        ("router.test", "192.168.0.1", "private network"),
        ("self.test", "127.0.0.1", "loopback"),
        ("v6.test", "::1", "loopback"),
        ("mapped.test", "::ffff:10.0.0.7", "private network"),
        ("cgnat.test", "100.64.0.9", "not a public address"),
    ],
)
async def test_a_name_resolving_inward_is_refused_before_any_connection(
    host: str, address: str, why: str
) -> None:
    resolver = FakeResolver({host: address})
    LoopbackOnlyConnector.attempts = []
    f = Fetcher(FetchSettings(), resolver=resolver, connector_class=LoopbackOnlyConnector.make())
    try:
        with pytest.raises(FetchError, match=why):
            await f.get(f"http://{host}/feed.xml")
    finally:
        await f.close()
    assert resolver.asked == [host] and LoopbackOnlyConnector.attempts == []


async def test_redirects_inward_are_refused_without_the_allow_list(server: Server) -> None:
    # the feed's host is allowed by name (how an operator allows one internal feed server); where it redirects
    # to is checked again: 127.0.0.1 and 169.254.169.254 are not allowed, and no socket is opened to them
    resolver = FakeResolver({"feeds.test": "127.0.0.1"})
    LoopbackOnlyConnector.attempts = []
    f = Fetcher(
        FetchSettings(allow=("feeds.test",)), resolver=resolver, connector_class=LoopbackOnlyConnector.make()
    )
    try:
        ok = await f.get(server.url("/etag", host="feeds.test"))
        assert ok.status == 200
        with pytest.raises(FetchError, match=r"127\.0\.0\.1 is loopback; refused"):
            await f.get(server.url("/to-loopback", host="feeds.test"))
        with pytest.raises(FetchError, match=r"169\.254\.169\.254 is link-local"):
            await f.get(server.url("/to-metadata", host="feeds.test"))
    finally:
        await f.close()
    assert set(LoopbackOnlyConnector.attempts) == {"127.0.0.1"}
    # with 127.0.0.1 on the allow-list, the redirect to it is followed
    g = Fetcher(FetchSettings(allow=("feeds.test", "127.0.0.1")), resolver=resolver)
    try:
        assert (await g.get(server.url("/to-loopback", host="feeds.test"))).status == 200
    finally:
        await g.close()


@pytest.mark.parametrize(
    ("url", "refused"),
    [
        ("http://169.254.169.254/latest/meta-data/", True),
        ("http://[::1]:8080/feed", True),
        ("http://0.0.0.0/feed", True),
        ("http://224.0.0.1/feed", True),
        ("file:///etc/passwd", True),
        ("gopher://example.org/", True),
        ("http:///feed", True),
        ("https://93.184.215.14/feed", False),  # a public address literal is fine
        ("https://news.example.org/feed", False),  # names are checked when resolved
    ],
)
def test_check_url_refuses_inward_literals_and_other_schemes(url: str, refused: bool) -> None:
    policy = AddressPolicy.allowing([])
    if refused:
        with pytest.raises(BlockedAddress):
            check_url(url, policy)
    else:
        check_url(url, policy)


def test_the_allow_list_takes_networks_addresses_and_names() -> None:
    policy = AddressPolicy.allowing(["10.2.0.0/16", "127.0.0.1", "Feeds.Internal."])
    assert policy.refusal(ipaddress.ip_address("10.2.9.9")) is None
    assert policy.refusal(ipaddress.ip_address("10.3.0.1")) == "private network"
    assert policy.refusal(ipaddress.ip_address("127.0.0.1")) is None
    assert policy.host_allowed("feeds.internal") and not policy.host_allowed("feeds.internal.evil")


async def test_the_guarded_resolver_keeps_only_allowed_addresses() -> None:
    class Two(FakeResolver):
        async def resolve(
            self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
        ) -> list[ResolveResult]:
            return [
                {"hostname": host, "host": ip, "port": port, "family": socket.AF_INET, "proto": 0, "flags": 0}
                for ip in ("10.0.0.1", "93.184.215.14")
            ]

    guarded = GuardedResolver(AddressPolicy(), Two({}))
    assert [r["host"] for r in await guarded.resolve("mixed.test", 80)] == ["93.184.215.14"]


async def test_a_304_to_an_unconditional_request_is_an_error(server: Server) -> None:
    """A server answering 304 on a feed's first poll must not make the feed look read (its backfill would be
    lost): only a request that sent a validator can be 'not modified'."""
    f = loopback_fetcher()
    try:
        with pytest.raises(FetchError, match="304 Not Modified to a request that sent no ETag"):
            await f.get(server.url("/always-304"))
        assert (await f.get(server.url("/always-304"), etag='"v9"')).status == 304
    finally:
        await f.close()


@pytest.mark.parametrize(
    "host",
    [
        "１２７.０.０.１",  # fullwidth digits: the client reads them as 127.0.0.1
        "127。0。0。1",  # ideographic full stops
        "[::ffff:127.0.0.1]",
        "[64:ff9b::a9fe:a9fe]",  # NAT64 for 169.254.169.254
        "[2002:a9fe:a9fe::1]",  # 6to4 for 169.254.169.254
    ],
)
async def test_address_literals_in_any_spelling_never_reach_a_socket(server: Server, host: str) -> None:
    """The guard reads a URL the way the HTTP client does, and the connector checks every address it is about
    to connect to, literal or resolved: no spelling of an inward address gets a connection."""
    LoopbackOnlyConnector.attempts = []
    f = Fetcher(FetchSettings(), connector_class=LoopbackOnlyConnector.make())
    try:
        with pytest.raises(FetchError, match=r"refused|not a valid URL|unusable URL"):
            await f.get(f"http://{host}:{server.port}/etag")
    finally:
        await f.close()
    assert LoopbackOnlyConnector.attempts == []
    assert not any(p == "/etag" for p, _ in server.seen)


@pytest.mark.parametrize("url", ["http://[x/1", "http://a..b/feed", "http://" + "a" * 70 + ".example/feed"])
async def test_a_malformed_url_is_a_clear_error_not_a_crash(url: str) -> None:
    f = Fetcher(FetchSettings(), connector_class=LoopbackOnlyConnector.make())
    try:
        with pytest.raises(FetchError):
            await f.get(url)
    finally:
        await f.close()


async def test_data_after_a_gzip_body_and_a_cut_gzip_body_are_refused() -> None:
    from bot.adapters.fetcher import _Inflater

    one = gzip.compress(b"<rss/>")
    two = _Inflater("gzip", 1000)
    two.feed(one + one)  # two members: both read
    two.finish()
    assert bytes(two.out) == b"<rss/><rss/>"
    garbage = _Inflater("gzip", 1000)
    with pytest.raises(FetchError, match=r"corrupt|after the end"):
        garbage.feed(one + b"\0" * 100_000)
    cut = _Inflater("gzip", 1000)
    cut.feed(one[:-6])
    with pytest.raises(FetchError, match="cut short"):
        cut.finish()


# -- politeness ----------------------------------------------------------------------------------------------------


async def test_requests_to_one_host_are_limited_and_other_hosts_go_on_meanwhile() -> None:
    """per_host = 2: eight feeds on one host never have more than two requests open there at once, while the
    other host's requests run beside them (one slow publisher cannot hold up the rest)."""
    open_now: dict[str, int] = {}
    most: dict[str, int] = {}
    most_overall = 0

    async def slow(request: web.Request) -> web.Response:
        nonlocal most_overall
        host = request.host.split(":")[0]
        open_now[host] = open_now.get(host, 0) + 1
        most[host] = max(most.get(host, 0), open_now[host])
        most_overall = max(most_overall, sum(open_now.values()))
        await asyncio.sleep(0.3)
        open_now[host] -= 1
        return web.Response(body=FEED, headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/{feed}.xml", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()  # the system picks a free port: no race for it
    port = int(runner.addresses[0][1])
    # the same port on another loopback address: another host to the fetcher
    await web.TCPSite(runner, "127.0.0.2", port).start()
    f = Fetcher(FetchSettings(allow=("127.0.0.0/8",), per_host=2))
    try:
        urls = [f"http://127.0.0.{h}:{port}/{n}.xml" for h in (1, 2) for n in range(8)]
        got = await asyncio.gather(*(f.get(u) for u in urls))
    finally:
        await f.close()
        await runner.cleanup()
    assert [g.status for g in got] == [200] * 16
    assert most == {"127.0.0.1": 2, "127.0.0.2": 2}
    assert most_overall == 4
