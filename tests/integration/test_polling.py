"""Polling and delivery defects of issue 20, through the real composition root, a real SQLite file and a real
aiohttp server on 127.0.0.1: backfill larger than the new entries, more than 500 queued messages, back-off counted
from the end of a failed poll, and an article page fetched once however often its guid churns.

The feeds are written here, in our own words.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web

import bot.service
from bot.core.alerts import AlertDraft
from tests.conftest import ROOT, AppFactory, RecordingSink, rss

TEAM = '[[teams]]\nname = "desk"\nchannel = "port"\nkeywords = ["harbour", "quay"]\n'


def text(n: int) -> str:
    return (
        f"Harbour officials said {100 + n} containers were moved off quay {n} on Monday. "
        f"“We will clear berth {n} by Friday,” said Lena Marsh, the port director."
    )


def items(n: int, guid: str = "g", link: Callable[[int], str] | None = None) -> list[dict[str, str]]:
    out = []
    for i in range(n):
        it = {
            "title": f"Quay {i} cleared",
            "guid": f"{guid}-{i}",
            "pubDate": f"Mon, 04 Nov 2024 {i // 60:02d}:{i % 60:02d}:00 GMT",
            "description": text(i),
        }
        if link is not None:
            it["link"] = link(i)
        out.append(it)
    return out


@dataclass
class Server:
    """A loopback server: `answers[path] = (status, content type, body)`, `delays[path]` seconds before answering."""

    port: int
    answers: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    delays: dict[str, float] = field(default_factory=dict)
    hits: dict[str, int] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def server() -> AsyncIterator[Server]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = Server(port)

    async def handle(request: web.Request) -> web.Response:
        srv.hits[request.path] = srv.hits.get(request.path, 0) + 1
        await asyncio.sleep(srv.delays.get(request.path, 0))
        status, ctype, body = srv.answers.get(request.path, (404, "text/html", b"<html>no such page</html>"))
        return web.Response(status=status, body=body, headers={"Content-Type": ctype})

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield srv
    finally:
        await runner.cleanup()


def feed(name: str, url: str, extra: str = "") -> str:
    return f'[[feeds]]\nname = "{name}"\nurl = "{url}"\nmax_age_hours = 0\n{extra}\n'


def alerted_articles(db_path: Path) -> set[int]:
    with sqlite3.connect(db_path) as db:
        return {r[0] for r in db.execute("SELECT DISTINCT article_id FROM alerts")}


# -- item 1: backfill larger than the new entries -------------------------------------------------------------------
async def test_a_backfill_larger_than_the_feed_alerts_on_every_entry(
    server: Server, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    server.answers["/f"] = (200, "application/rss+xml", rss(items(8)))
    config = write_config(
        feeds=feed("f", server.url("/f"), "backfill = 10\nfull_text = false"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]',
    )
    app = await make_app(config, sink)
    report = await app.service.poll(app.settings.feeds[0])
    assert report.new == 8
    assert len(alerted_articles(app.settings.database)) == 8  # not 2 (a negative slice)


async def test_backfill_alerts_on_the_newest_entries_only(
    server: Server, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    server.answers["/f"] = (200, "application/rss+xml", rss(items(8)))
    config = write_config(
        feeds=feed("f", server.url("/f"), "backfill = 3\nfull_text = false"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]',
    )
    app = await make_app(config, sink)
    await app.service.poll(app.settings.feeds[0])
    with sqlite3.connect(app.settings.database) as db:
        titles = {
            r[0]
            for r in db.execute(
                "SELECT DISTINCT r.title FROM alerts a JOIN articles r ON r.id = a.article_id"
            )
        }
        left = db.execute("SELECT count(*) FROM first_poll").fetchone()[0]
    assert titles == {"Quay 5 cleared", "Quay 6 cleared", "Quay 7 cleared"}
    assert left == 0  # the first poll's decision is dropped once the poll is done


# -- item 2: more than 500 messages in one delivery round ----------------------------------------------------------
async def test_one_delivery_round_sends_every_queued_message_not_500(
    server: Server, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    server.answers["/f"] = (200, "application/rss+xml", rss(items(1)))
    config = write_config(
        feeds=feed("f", server.url("/f"), "backfill = 1\nfull_text = false"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]',
    )
    app = await make_app(config, sink)
    await app.service.poll(app.settings.feeds[0])
    team = await app.store.team("desk")
    assert team is not None
    (article_id,) = next(iter(await app.store.query("SELECT id FROM articles")), (0,))
    async with app.store.unit_of_work() as uow:
        drafts = [
            AlertDraft(team.id, "port", "new_figure", None, f"test:{n}", {"kind": "new_figure", "n": n})
            for n in range(1_234)
        ]
        await uow.outbox.add_alerts(int(article_id), drafts)
    await app.service.deliver_pending()
    assert len({p["ref"] for p in sink.sent}) == len(sink.sent) >= 1_234
    assert (await app.store.counts())["alerts_pending"] == 0


# -- item 5: back-off counts from the end of the failed poll ---------------------------------------------------------
async def test_back_off_counts_from_the_end_of_the_failed_poll(
    server: Server, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    server.answers["/slow"] = (500, "text/html", b"<html>down</html>")
    server.delays["/slow"] = 2.5  # the failure takes a while to arrive
    config = write_config(
        feeds=feed("slow", server.url("/slow"), "interval = 60\nfull_text = false"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]',
    )
    app = await make_app(config, sink)
    assert (await app.service.poll(app.settings.feeds[0])).errors
    ended = datetime.now(UTC).replace(microsecond=0)
    with sqlite3.connect(app.settings.database) as db:
        (next_poll,) = db.execute("SELECT next_poll_at FROM feeds").fetchone()
    assert datetime.fromisoformat(next_poll) >= ended + timedelta(seconds=60)


# -- item 15: an article page is fetched once, however often the feed renames the article ---------------------------
async def test_guid_churn_does_not_fetch_the_article_pages_again(
    server: Server, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    page = (
        "<html><body><article><h1>Quay cleared</h1>"
        + "".join(
            f"<p>Paragraph {n}: harbour officials said {n * 100} containers had been moved off the northern "
            "quay, and the port director said the last berth would reopen before the weekend.</p>"
            for n in range(1, 8)
        )
        + "</article></body></html>"
    ).encode()
    for i in range(3):
        server.answers[f"/story-{i}"] = (
            200,
            "text/html; charset=utf-8",
            page.replace(b"Quay", b"Quay %d" % i),
        )

    def teasers(guid: str) -> bytes:
        entries = items(3, guid, link=lambda i: server.url(f"/story-{i}"))
        for e in entries:
            e["description"] = f"Containers moved off quay {e['title']}. Read more."
        return rss(entries)

    server.answers["/f"] = (200, "application/rss+xml", teasers("first"))
    config = write_config(
        feeds=feed("f", server.url("/f"), "backfill = 3\nfull_text = true"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]',
    )
    app = await make_app(config, sink)
    assert (await app.service.poll(app.settings.feeds[0])).new == 3
    pages = {p: n for p, n in server.hits.items() if p.startswith("/story")}
    assert pages == {"/story-0": 1, "/story-1": 1, "/story-2": 1}
    for churn in ("second", "third"):  # the CMS hands out new guids on every poll
        server.answers["/f"] = (200, "application/rss+xml", teasers(churn))
        assert (await app.service.poll(app.settings.feeds[0])).new == 0
    assert {p: n for p, n in server.hits.items() if p.startswith("/story")} == pages
    assert (await app.store.counts())["articles"] == 3


# -- item 4: run --once polls concurrently and stops on a signal; Ctrl-C of run is no error -------------------------
async def test_run_once_polls_its_feeds_at_once_so_quick_feeds_do_not_wait_for_a_stalled_one(
    server: Server, write_config: Callable[..., Path]
) -> None:
    from bot.cli import run
    from bot.config import load_settings

    release = asyncio.Event()
    stalled = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        stalled.set()
        await release.wait()
        return web.Response(body=rss(items(5, "slow")[3:]), headers={"Content-Type": "application/rss+xml"})

    server.answers["/quick"] = (200, "application/rss+xml", rss(items(3, "quick")))
    srv_app = web.Application()
    srv_app.router.add_get("/slow", stall)
    runner = web.AppRunner(srv_app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    settings = load_settings(
        write_config(
            feeds=feed("slow", f"http://127.0.0.1:{port}/slow", "full_text = false")
            + feed("quick", server.url("/quick")),
            teams=TEAM,
            fetch='allow = ["127.0.0.1"]\ntimeout = 600\nread_timeout = 600',
        ),
        env={},
    )
    once = asyncio.create_task(run(settings, once=True))
    try:
        await asyncio.wait_for(stalled.wait(), 60)
        stored = 0
        for _ in range(600):  # bounded: the quick feed is stored while the slow one still stalls
            if once.done():
                break
            if settings.database.exists():
                with sqlite3.connect(settings.database) as db:
                    stored = db.execute("SELECT count(*) FROM articles").fetchone()[0]
            if stored == 3:
                break
            await asyncio.sleep(0.05)
        assert stored == 3 and not once.done()
        release.set()
        assert await asyncio.wait_for(once, 60) == 0
        with sqlite3.connect(settings.database) as db:
            assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
    finally:
        release.set()
        if not once.done():
            once.cancel()
        await runner.cleanup()


@pytest.mark.parametrize("once", [True, False], ids=["run --once", "run"])
async def test_a_signal_stops_run_with_a_poll_in_flight_cleanly(
    server: Server, write_config: Callable[..., Path], once: bool
) -> None:
    """SIGINT while a feed stalls: `run --once` stops as `run` does (it went on until the fetch timed out), and
    neither prints a traceback (APScheduler logged the cancelled poll as a job that raised an exception)."""
    release = asyncio.Event()
    stalled = asyncio.Event()

    async def stall(request: web.Request) -> web.Response:
        stalled.set()
        await release.wait()
        return web.Response(status=500)

    srv_app = web.Application()
    srv_app.router.add_get("/stalled", stall)
    runner = web.AppRunner(srv_app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    config = write_config(
        feeds=feed("stalled", f"http://127.0.0.1:{port}/stalled", "full_text = false"),
        teams=TEAM,
        fetch='allow = ["127.0.0.1"]\ntimeout = 600\nread_timeout = 600',
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        *(["--once"] if once else []),
        "-c",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.wait_for(stalled.wait(), 120)
        proc.send_signal(signal.SIGINT)
        _, err = await asyncio.wait_for(proc.communicate(), 60)  # the stall lasts until the test ends
    finally:
        release.set()
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await runner.cleanup()
    log = err.decode()
    assert proc.returncode == 0, log
    assert "Traceback" not in log and "raised an exception" not in log and "CancelledError" not in log, log
    assert "stopped cleanly" in log


# -- memory: article pages are fetched a few at a time and parsed one at a time, whatever the number of polls ---------
async def test_article_pages_are_parsed_one_at_a_time_across_polls(
    server: Server,
    make_app: AppFactory,
    write_config: Callable[..., Path],
    sink: RecordingSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import threading

    import bot.adapters.fulltext
    from bot.adapters.fulltext import PARSE_BYTES, page_text

    now, most, seen = [0], [0], []
    lock = threading.Lock()

    def counting(html: bytes, url: str) -> str | None:
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        try:
            threading.Event().wait(0.02)  # a parse takes a while: overlapping ones would show
            seen.append(len(html))
            return page_text(html, url)
        finally:
            with lock:
                now[0] -= 1

    monkeypatch.setattr(bot.adapters.fulltext, "page_text", counting)  # what the PageReader adapter calls
    page = b"<html><body><script>" + b"x" * 3_000_000 + b"</script><article>"
    page += b"".join(
        b"<p>Harbour officials said %d containers left the quay on Monday.</p>" % n for n in range(40)
    )
    page += b"</article></body></html>"
    feeds = ""
    for f in range(3):
        for i in range(4):
            server.answers[f"/page/{f}/{i}"] = (200, "text/html", page)
        entries = items(4, f"f{f}", link=lambda i, f=f: server.url(f"/page/{f}/{i}"))
        for e in entries:
            e["title"] = f"Feed {f}: {e['title']}"
            e["description"] = f"Teaser {f}-{e['guid']}. Read more."
        server.answers[f"/feed-{f}"] = (200, "application/rss+xml", rss(entries))
        feeds += feed(f"feed {f}", server.url(f"/feed-{f}"), "backfill = 0\nfull_text = true")
    app = await make_app(write_config(feeds=feeds, teams=TEAM, fetch='allow = ["127.0.0.1"]'), sink)
    reports = await asyncio.gather(*(app.service.poll(f) for f in app.settings.feeds))
    assert sum(r.new for r in reports) == 12 and len(seen) == 12
    assert most[0] == 1  # six parses at once (the default thread pool) took a hostile run past 1.3 GB
    with sqlite3.connect(app.settings.database) as db:
        bodies = [r[0] for r in db.execute("SELECT body FROM articles")]
    assert all("Paragraph" not in b and "containers left the quay" in b for b in bodies)
    assert PARSE_BYTES < 3_000_000  # the script was dropped before the cut, so the article was still read


# -- issue 19: several processes on one database ------------------------------------------------------------------
async def test_a_long_poll_renews_its_lease_on_the_feed_as_it_stores_articles(
    server: Server,
    make_app: AppFactory,
    write_config: Callable[..., Path],
    sink: RecordingSink,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A first poll of many entries outlasts its lease (the feed's interval): it renews it between extraction
    batches, so another process does not take the feed over and poll it again half-way."""
    server.answers["/f"] = (200, "application/rss+xml", rss(items(40)))
    config = write_config(
        feeds=feed("f", server.url("/f"), "full_text = false"), teams=TEAM, fetch='allow = ["127.0.0.1"]'
    )
    app = await make_app(config, sink)
    ticks = iter(
        range(0, 10**9, 1_000)
    )  # every reading of the clock is 1,000 s later: each batch outlasts a third
    monkeypatch.setattr(bot.service, "_clock", lambda: float(next(ticks)))
    leases: list[timedelta] = []
    claim = app.store.claim_feed

    async def counted(feed_id: int, hold: timedelta) -> bool:
        leases.append(hold)
        return await claim(feed_id, hold)

    monkeypatch.setattr(app.store, "claim_feed", counted)
    report = await app.service.poll(app.settings.feeds[0])
    assert report.new == 40
    interval = timedelta(seconds=app.settings.feeds[0].interval)
    assert leases == [interval] * 4  # the poll's claim, then one renewal before each of the 3 batches of 16
