"""Feed ingestion through the real poller (issue: Feed ingestion): a real aiohttp server on 127.0.0.1, the real
composition root, a real SQLite file. Every new article arrives exactly once; a bad feed never hurts the rest.

The feeds are written here, in our own words.
"""

from __future__ import annotations

import socket
import sqlite3
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
from aiohttp import web

from bot.bootstrap import App
from handlers import Caller, dispatch
from tests.conftest import AppFactory, RecordingSink, rss

ARTICLE = (
    "Harbour officials said 400 containers were moved off the northern quay on Monday. "
    "“We will clear the backlog by Friday,” said Lena Marsh, the port director."
)


def day(days_ago: float) -> str:
    return format_datetime(datetime.now(UTC) - timedelta(days=days_ago))


def item(
    guid: str | None, title: str, text: str = ARTICLE, link: str | None = None, age: float = 0.1
) -> dict[str, str]:
    out = {"title": title, "pubDate": day(age), "description": text}
    if guid is not None:
        out["guid"] = guid
    if link is not None:
        out["link"] = link
    return out


@dataclass
class Wire:
    """A loopback feed server whose answers the test changes as it goes."""

    port: int
    feeds: dict[str, bytes] = field(default_factory=dict)  # path → RSS body (200, with an ETag)
    answers: dict[str, tuple[int, dict[str, str], bytes]] = field(default_factory=dict)  # path → fixed answer
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.fixture
async def wire() -> AsyncIterator[Wire]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    w = Wire(port)

    async def handle(request: web.Request) -> web.Response:
        w.requests.append((request.path, dict(request.headers)))
        if request.path in w.answers:
            status, headers, body = w.answers[request.path]
            return web.Response(status=status, headers=headers, body=body)
        if request.path in w.feeds:
            body = w.feeds[request.path]
            etag = f'"{hash(body) & 0xFFFFFFFF:x}"'
            if request.headers.get("If-None-Match") == etag:
                return web.Response(status=304)
            return web.Response(body=body, headers={"Content-Type": "application/rss+xml", "ETag": etag})
        return web.Response(status=404, content_type="text/html", text="<html>no such page</html>")

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield w
    finally:
        await runner.cleanup()


def feed_toml(name: str, url: str, extra: str = "") -> str:
    return f'[[feeds]]\nname = "{name}"\nurl = "{url}"\nbackfill = 50\nfull_text = false\n{extra}\n'


TEAM = '[[teams]]\nname = "desk"\nchannel = "port"\nkeywords = ["harbour", "quay"]\n'


async def start(
    make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink, feeds: str, fetch: str = ""
) -> App:
    allow = 'allow = ["127.0.0.1"]\n'
    return await make_app(write_config(feeds=feeds, teams=TEAM, fetch=allow + fetch), sink)


def rows(app: App) -> list[sqlite3.Row]:
    with sqlite3.connect(app.settings.database) as db:
        db.row_factory = sqlite3.Row
        return db.execute("SELECT * FROM feeds ORDER BY id").fetchall()


def make_due(app: App) -> None:
    """As if the back-off had run out: the next scheduled poll runs."""
    with sqlite3.connect(app.settings.database) as db:
        db.execute("UPDATE feeds SET next_poll_at = NULL")


# -- conditional GET, redirects, back-off, pausing -------------------------------------------------------------------


async def test_an_unchanged_feed_costs_a_304_and_no_parsing(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.feeds["/f"] = rss([item("a", "Quay cleared")])
    app = await start(make_app, write_config, sink, feed_toml("f", wire.url("/f")))
    (feed,) = app.settings.feeds
    first = await app.service.poll(feed)
    assert first.new == 1 and rows(app)[0]["etag"]
    again = await app.service.poll(feed)
    assert again.not_modified and again.entries == 0
    assert wire.requests[-1][1]["If-None-Match"] == rows(app)[0]["etag"]
    # the feed changes: a 200 with the new item, stored once
    wire.feeds["/f"] = rss([item("b", "Second quay cleared"), item("a", "Quay cleared")])
    assert (await app.service.poll(feed)).new == 1


async def test_a_301_moves_the_feed_and_a_302_does_not(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.feeds["/new-home"] = rss([item("a", "Quay cleared")])
    wire.answers["/old"] = (301, {"Location": "/new-home"}, b"")
    wire.answers["/hop"] = (302, {"Location": "/new-home"}, b"")
    app = await start(
        make_app, write_config, sink, feed_toml("old", wire.url("/old")) + feed_toml("hop", wire.url("/hop"))
    )
    old, hop = app.settings.feeds
    await app.service.poll(old)
    await app.service.poll(hop)
    moved = {r["name"]: r["fetch_url"] for r in rows(app)}
    assert moved == {"old": wire.url("/new-home"), "hop": None}
    wire.requests.clear()
    await app.service.poll(old)  # goes straight to the new home
    assert [p for p, _ in wire.requests] == ["/new-home"]
    listing = await dispatch(app.store, Caller(team="desk"), "/feeds list")
    assert any(
        "moved permanently to " + wire.url("/new-home") in line for i in listing.items for line in i.lines
    )


async def test_retry_after_is_honoured_and_failures_back_off(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.answers["/busy"] = (429, {"Retry-After": "900"}, b"slow down")
    wire.answers["/down"] = (500, {"Content-Type": "text/html"}, b"<html><h1>Oops</h1></html>")
    app = await start(
        make_app,
        write_config,
        sink,
        feed_toml("busy", wire.url("/busy")) + feed_toml("down", wire.url("/down")),
    )
    busy, down = app.settings.feeds
    before = datetime.now(UTC)
    assert (await app.service.poll(busy)).errors
    assert (await app.service.poll(down)).errors
    waits = {r["name"]: datetime.fromisoformat(r["next_poll_at"]) - before for r in rows(app)}
    assert waits["busy"] >= timedelta(seconds=899)  # at least what the server asked
    assert timedelta(seconds=290) <= waits["down"] <= timedelta(seconds=310)  # one interval (300 s)
    # not due yet: the scheduler's next tick skips it without a request
    n = len(wire.requests)
    assert (await app.service.poll(down)).skipped and len(wire.requests) == n
    make_due(app)
    await app.service.poll(down)  # second failure in a row: twice the wait
    wait = datetime.fromisoformat(rows(app)[1]["next_poll_at"]) - datetime.now(UTC)
    assert timedelta(seconds=580) <= wait <= timedelta(seconds=610)


async def test_a_feed_failing_again_and_again_is_paused_once_and_resumes_by_itself(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.answers["/flaky"] = (503, {}, b"maintenance")
    wire.feeds["/steady"] = rss([item("s1", "Harbour steady")])
    app = await start(
        make_app,
        write_config,
        sink,
        feed_toml("flaky", wire.url("/flaky")) + feed_toml("steady", wire.url("/steady")),
        fetch="pause_after = 3\npaused_retry = 7200\n",
    )
    flaky, steady = app.settings.feeds
    for _ in range(5):
        await app.service.poll(flaky)
        await app.service.poll(steady)  # the other feed goes on
        make_due(app)
    row = rows(app)[0]
    assert row["paused_at"] and "503" in row["paused_reason"] and row["failures"] == 5
    await app.service.deliver_pending()
    notices = [p for p in sink.sent if p["kind"] == "feed_paused"]
    assert len(notices) == 1 and notices[0]["feed"]["name"] == "flaky" and notices[0]["channel"] == "port"
    status = await dispatch(app.store, Caller(team="desk"), "/status")
    assert any(i.title.startswith("⏸ flaky") and any("PAUSED" in ln for ln in i.lines) for i in status.items)
    # a paused feed is retried at the slow rate
    await app.service.poll(flaky)
    assert datetime.fromisoformat(rows(app)[0]["next_poll_at"]) - datetime.now(UTC) > timedelta(seconds=7000)
    # it recovers: resumed, one notice, its articles arrive
    del wire.answers["/flaky"]
    wire.feeds["/flaky"] = rss([item("f1", "Harbour back online")])
    make_due(app)
    assert (await app.service.poll(flaky)).new == 1
    row = rows(app)[0]
    assert row["paused_at"] is None and row["failures"] == 0 and row["last_error"] is None
    await app.service.deliver_pending()
    assert [p["kind"] for p in sink.sent].count("feed_resumed") == 1
    assert [p["kind"] for p in sink.sent].count("feed_paused") == 1


async def test_410_gone_pauses_at_once(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.answers["/gone"] = (410, {}, b"")
    app = await start(make_app, write_config, sink, feed_toml("gone", wire.url("/gone")))
    await app.service.poll(app.settings.feeds[0])
    assert rows(app)[0]["paused_at"] and "410" in rows(app)[0]["paused_reason"]


# -- identity: exactly once ----------------------------------------------------------------------------------------


async def poll_all(app: App) -> int:
    new = 0
    for f in app.settings.feeds:
        new += (await app.service.poll(f)).new
        make_due(app)
    return new


async def test_guid_churn_scheme_changes_and_date_rewrites_are_not_new_articles(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    link = "https://news.example.org/harbour/quay-cleared"
    wire.feeds["/f"] = rss(
        [
            item("urn:cms:1001", "Quay cleared", link=link),
            item("http://news.example.org/p/2002", "Cranes back at work", ARTICLE + " Cranes moved again."),
            item(None, "Ferry timetable restored", ARTICLE + " Ferries run again.", age=1),
        ]
    )
    app = await start(make_app, write_config, sink, feed_toml("f", wire.url("/f")))
    assert await poll_all(app) == 3
    await app.service.deliver_pending()
    sent = len(sink.sent)
    # the publisher's CMS rewrites guids, moves guids to https with a slash and tracking, rewrites dates
    wire.feeds["/f"] = rss(
        [
            item("urn:newcms:77", "Quay cleared", link=link + "/?utm_source=rss"),
            item("https://NEWS.example.org/p/2002/", "Cranes back at work", ARTICLE + " Cranes moved again."),
            item(None, "Ferry timetable restored", ARTICLE + " Ferries run again.", age=0.2),
        ]
    )
    assert await poll_all(app) == 0
    await app.service.deliver_pending()
    assert len(sink.sent) == sent
    assert (await app.store.counts())["articles"] == 3


async def test_different_articles_sharing_a_link_or_a_title_stay_apart(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    live = "https://news.example.org/live"
    wire.feeds["/f"] = rss(
        [
            item(
                None, "Live: harbour strike, morning", "Dock workers walked out at 6 am over pay.", link=live
            ),
            item(
                None, "Live: harbour strike, evening", "Talks resumed after 14 hours; cranes idle.", link=live
            ),
            item("t1", "Harbour update", "The northern quay reopened to 12 ships."),
            item("t2", "Harbour update", "Pilots asked for 3 more tugs at the southern quay."),
        ]
    )
    app = await start(make_app, write_config, sink, feed_toml("f", wire.url("/f")))
    assert await poll_all(app) == 4
    assert await poll_all(app) == 0  # and polled again, still four


async def test_the_same_article_through_two_feeds_is_one_article_with_two_feeds(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    link = "https://news.example.org/harbour/quay-cleared"
    wire.feeds["/top"] = rss([item(link, "Quay cleared", link=link)])
    wire.feeds["/harbour"] = rss(
        [item("harbour-section-881", "Quay cleared", link=link + "?ref_src=section")]
    )
    app = await start(
        make_app,
        write_config,
        sink,
        feed_toml("top", wire.url("/top")) + feed_toml("harbour", wire.url("/harbour")),
    )
    assert await poll_all(app) == 1
    await app.service.deliver_pending()
    assert [p["kind"] for p in sink.sent].count("summary") == 1
    with sqlite3.connect(app.settings.database) as db:
        feeds_of = db.execute(
            "SELECT count(DISTINCT feed_id), count(DISTINCT article_id) FROM entry_keys"
        ).fetchone()
    assert feeds_of == (2, 1)


# -- what alerts on first add and by age -----------------------------------------------------------------------------


async def test_first_add_stores_silently_and_old_entries_never_alert(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.feeds["/quiet"] = rss([item("q1", "Quay cleared")])
    wire.feeds["/aged"] = rss([item("a1", "Harbour cleared")])
    feeds = feed_toml("quiet", wire.url("/quiet")).replace("backfill = 50", "backfill = 0")
    feeds += feed_toml("aged", wire.url("/aged"), "max_age_hours = 24")
    app = await start(make_app, write_config, sink, feeds)
    assert await poll_all(app) == 2
    await app.service.deliver_pending()
    assert [p["article"]["title"] for p in sink.sent if p["kind"] == "summary"] == ["Harbour cleared"]
    sink.sent.clear()
    # later: a new entry on the quiet feed alerts; one published three days ago on the aged feed does not
    wire.feeds["/quiet"] = rss(
        [item("q2", "Second quay cleared", ARTICLE + " More ships came."), item("q1", "Quay cleared")]
    )
    wire.feeds["/aged"] = rss(
        [item("a0", "Harbour history", ARTICLE + " An old story.", age=3), item("a1", "Harbour cleared")]
    )
    assert await poll_all(app) == 2
    await app.service.deliver_pending()
    assert [p["article"]["title"] for p in sink.sent if p["kind"] == "summary"] == ["Second quay cleared"]
    assert (await app.store.counts())["articles"] == 4  # the old one is stored all the same


# -- full text -------------------------------------------------------------------------------------------------------

PAGE = (
    "<html><head><title>Quay cleared</title><script>track()</script></head><body>"
    "<nav>Home | Sport | Weather</nav><article><h1>Quay cleared</h1>"
    + "".join(
        f"<p>Paragraph {n}: harbour officials said {n * 100} containers had been moved off the northern quay, "
        "and the port director said the last berth would reopen before the weekend.</p>"
        for n in range(1, 8)
    )
    + "</article><footer>© A Harbour Paper</footer></body></html>"
)


async def test_a_teaser_gets_its_article_page_and_a_failed_page_keeps_the_teaser(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.answers["/story"] = (200, {"Content-Type": "text/html; charset=utf-8"}, PAGE.encode())
    wire.feeds["/f"] = rss(
        [
            item("p1", "Quay cleared", "Containers moved. Read more.", link=wire.url("/story")),
            item("p2", "Berth closed", "A berth closed. Read more.", link=wire.url("/missing-page")),
        ]
    )
    feeds = feed_toml("f", wire.url("/f")).replace("full_text = false", "full_text = true")
    app = await start(make_app, write_config, sink, feeds)
    assert await poll_all(app) == 2
    with sqlite3.connect(app.settings.database) as db:
        bodies = dict(db.execute("SELECT title, body FROM articles").fetchall())
        figures = [r[0] for r in db.execute("SELECT text FROM claims WHERE kind = 'figure'")]
    assert "Paragraph 7" in bodies["Quay cleared"] and "track()" not in bodies["Quay cleared"]
    assert bodies["Berth closed"] == "A berth closed. Read more."
    assert any("700" in f for f in figures)  # the page's text was extracted, not the teaser


# -- hostile and odd content -----------------------------------------------------------------------------------------


LATIN1_DECLARED = (
    '<?xml version="1.0" encoding="ISO-8859-1"?><rss version="2.0"><channel><title>W</title><item>'
    "<title>Café at the quay</title><guid>e1</guid><description>The harbour café reopened.</description>"
    "</item></channel></rss>"
).encode("latin-1")
LATIN1_SERVED_AS_UTF8 = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>W</title><item>'
    "<title>Señal at the harbour</title><guid>e2</guid><description>Quay news.</description>"
    "</item></channel></rss>"
).encode("latin-1")
UTF8_WITH_A_STRAY_CP1252_BYTE = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>W</title><item>'
    + "<title>Harbour “report”</title>".encode()
    + b"<guid>e3</guid><description>Quay \x93news\x94 today.</description></item></channel></rss>"
)


@pytest.mark.parametrize(
    ("body", "headers", "title"),
    [
        (LATIN1_DECLARED, {"Content-Type": "application/rss+xml"}, "Café at the quay"),
        # the header says UTF-8, the bytes are Latin-1 (a wrong charset): read or refused clearly, no crash
        (LATIN1_SERVED_AS_UTF8, {"Content-Type": "application/rss+xml; charset=utf-8"}, None),
        # mixed: UTF-8 with stray Windows-1252 bytes in the middle
        (UTF8_WITH_A_STRAY_CP1252_BYTE, {"Content-Type": "application/rss+xml"}, None),
    ],
)
async def test_wrong_and_mixed_encodings_are_read_or_refused_clearly(
    wire: Wire,
    make_app: AppFactory,
    write_config: Callable[..., Path],
    sink: RecordingSink,
    body: bytes,
    headers: dict[str, str],
    title: str | None,
) -> None:
    wire.answers["/enc"] = (200, headers, body)
    app = await start(make_app, write_config, sink, feed_toml("enc", wire.url("/enc")))
    report = await app.service.poll(app.settings.feeds[0])
    with sqlite3.connect(app.settings.database) as db:
        titles = [r[0] for r in db.execute("SELECT title FROM articles")]
    if title is not None:
        assert titles == [title]
    else:  # stored with what could be decoded, or a clear per-feed error: never a crash, never silence
        assert (report.new == 1 and len(titles) == 1) or rows(app)[0]["last_error"]


async def test_a_malformed_link_in_an_entry_never_stops_its_feed(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    wire.feeds["/f"] = rss(
        [
            item(None, "Quay cleared", "Teaser.", link="http://[x/1"),
            item("http://[y/2", "Ferries back", "Teaser two."),
            item("ok", "Berth reopened", "Teaser three.", link="http://a..b/story"),
        ]
    )
    feeds = feed_toml("f", wire.url("/f")).replace("full_text = false", "full_text = true")
    app = await start(make_app, write_config, sink, feeds)
    report = await app.service.poll(app.settings.feeds[0])
    assert report.new == 3 and not report.errors and rows(app)[0]["last_error"] is None


async def test_a_daily_live_page_with_the_same_title_and_teaser_is_new_each_day(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    app = await start(make_app, write_config, sink, feed_toml("f", wire.url("/f")))
    new = []
    for d in (1, 2, 3):
        wire.feeds["/f"] = rss(
            [
                item(
                    None,
                    "Live: harbour strike",
                    "Follow our live coverage.",
                    link=f"https://news.example.org/live/day-{d}",
                )
            ]
        )
        new.append(await poll_all(app))
    assert new == [1, 1, 1]


async def test_a_team_feed_pausing_tells_only_its_team(
    wire: Wire, make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    app = await start(make_app, write_config, sink, "", fetch="pause_after = 1\n")
    other = await app.store.create_team("discord:2", "222", ("summary",))
    owner = await app.store.create_team("discord:1", "111", ("summary",))
    wire.answers["/private"] = (500, {}, b"")
    await app.store.add_team_feed(owner.id, wire.url("/private?token=abc"), "private wire")
    (feed,) = await app.service.team_feeds()
    await app.service.poll(feed)
    await app.service.deliver_pending()
    notified = {p["channel"] for p in sink.sent if p["kind"] == "feed_paused"}
    assert notified == {"111"} and other.channel not in notified
