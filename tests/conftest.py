"""Shared fixtures: the repo's paths, a config writer, a real HTTP feed server on 127.0.0.1, and a recording sink."""

from __future__ import annotations

import os
import socket
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from bot.bootstrap import App, bootstrap
from bot.config import load_settings
from bot.extraction_worker import ExtractionWorker
from bot.extractor import Extractor
from tests.postgres import pg_database, pg_url  # noqa: F401  (fixtures: a PostgreSQL database per session)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture
def write_config(tmp_path: Path) -> Callable[..., Path]:
    """Write a TOML config into tmp_path; the database lives there too."""

    def write(
        body: str = "",
        *,
        feeds: str | None = None,
        teams: str | None = None,
        fetch: str = 'allow = ["127.0.0.1", "::1"]',
    ) -> Path:
        feeds = (
            feeds
            if feeds is not None
            else f'[[feeds]]\nname = "seeds"\nurl = "{SEEDS / "feed.xml"}"\nbackfill = 10\nmax_age_hours = 0\n'
        )
        teams = (
            teams
            if teams is not None
            else ('[[teams]]\nname = "desk"\nchannel = "console"\nkeywords = ["kursk", "north korea"]\n')
        )
        path = tmp_path / "claimdesk.toml"
        path.write_text(
            f'sink = "console"\n[database]\npath = "claimdesk.db"\n[fetch]\n{fetch}\n{body}\n{feeds}\n{teams}',
            encoding="utf-8",
        )
        return path

    return write


@dataclass
class RecordingSink:
    """A sink that keeps what it was asked to send; `fail_next` makes the next sends raise (an outage)."""

    name: str = "recording"
    sent: list[dict[str, Any]] = field(default_factory=list)
    fail_next: int = 0

    async def send(self, channel: str, payload: dict[str, Any], key: str = "") -> None:
        if self.fail_next:
            self.fail_next -= 1
            raise ConnectionError("sink is down")
        self.sent.append(payload)


@pytest.fixture
def sink() -> RecordingSink:
    return RecordingSink()


@dataclass
class FeedServer:
    """A real aiohttp server on 127.0.0.1; `routes[path] = (status, content_type, body)` can change mid-test."""

    base: str
    routes: dict[str, tuple[int, str, bytes]]
    hits: dict[str, int]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
async def feed_server() -> AsyncIterator[FeedServer]:
    routes: dict[str, tuple[int, str, bytes]] = {}
    hits: dict[str, int] = {}

    async def handle(request: web.Request) -> web.Response:
        hits[request.path] = hits.get(request.path, 0) + 1
        status, ctype, body = routes.get(
            request.path, (404, "text/html", b"<html><body>Not found</body></html>")
        )
        return web.Response(status=status, body=body, headers={"Content-Type": ctype})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    site = web.TCPSite(runner, "127.0.0.1", port)
    await site.start()
    try:
        yield FeedServer(f"http://127.0.0.1:{port}", routes, hits)
    finally:
        await runner.cleanup()


def rss(items: list[dict[str, str]], title: str = "Test wire") -> bytes:
    """A small RSS 2.0 document written for the tests (our own words, not third-party text)."""
    parts = [f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{title}</title>']
    for it in items:
        parts.append("<item>" + "".join(f"<{k}>{v}</{k}>" for k, v in it.items()) + "</item>")
    parts.append("</channel></rss>")
    return "".join(parts).encode()


AppFactory = Callable[..., Awaitable[App]]


@pytest.fixture
async def make_app() -> AsyncIterator[AppFactory]:
    """Builds apps through the real composition root and always closes them, even when a test fails."""
    apps: list[App] = []

    async def make(config: Path, sink: RecordingSink, worker: ExtractionWorker | None = None) -> App:
        app = await bootstrap(load_settings(config, env={}), sink=sink, worker=worker)
        apps.append(app)
        return app

    yield make
    for app in apps:
        if not app.closed:
            await app.close()


@pytest.fixture
def seeds_over_http(feed_server: FeedServer, write_config: Callable[..., Path]) -> Path:
    """The seed feed served by the loopback server; returns a config that polls it with backfill on."""
    feed_server.routes["/seeds.xml"] = (200, "application/rss+xml", (SEEDS / "feed.xml").read_bytes())
    return write_config(
        feeds=f'[[feeds]]\nname = "seeds"\nurl = "{feed_server.url("/seeds.xml")}"\nbackfill = 10\nmax_age_hours = 0'
    )


# A test that fails before closing its store leaves aiosqlite's connection thread running (it is not a daemon),
# and the interpreter would wait for it forever after the summary: CI would time out instead of failing.
_exit_status = [0]


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _exit_status[0] = int(exitstatus)


def pytest_unconfigure(config: pytest.Config) -> None:
    stray = [
        t.name
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if stray:
        print(
            f"conftest: {len(stray)} thread(s) left running ({', '.join(stray[:5])}); exiting without them",
            file=sys.stderr,
        )
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status[0])
