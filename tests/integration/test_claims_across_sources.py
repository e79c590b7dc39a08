"""Claims across sources on real parts (issue: Claims across sources): two outlets' feeds on 127.0.0.1, the real
extractor, a real SQLite file. Articles written for these tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bot.bootstrap import bootstrap
from bot.config import load_settings
from handlers import Caller, dispatch
from tests.conftest import FeedServer, RecordingSink, rss

FIRST = (
    "Port director Lena Marsh said on Monday that 4,000 containers are stuck at the Harbourview terminal. "
    "“We see every berth where the cranes have stopped, and we will clear them by Friday,” Marsh said."
)
SECOND = (
    "About 4,000 containers are stuck at the Harbourview terminal, the port director, Lena Marsh, told reporters. "
    "“We can see all the berths where cranes stopped working, and we will clear them by Friday,” said "
    "Lena Marsh, the port director."
)
THIRD = (
    "Dock workers say 6,500 containers are stuck at the Harbourview terminal. "
    "“The harbour needs a new sea wall before next winter,” Lena Marsh said."
)


def item(guid: str, title: str, text: str, day: int) -> dict[str, str]:
    return {
        "title": title,
        "guid": guid,
        "pubDate": f"Tue, {day:02d} Nov 2026 08:00:00 +0000",
        "description": text,
    }


async def test_corroboration_is_quiet_and_a_conflict_alerts_once_with_both_values(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    feed_server.routes["/a"] = (
        200,
        "application/rss+xml",
        rss([item("a1", "Harbourview backlog", FIRST, 3)], "Gazette"),
    )
    feed_server.routes["/b"] = (200, "application/rss+xml", rss([], "Courier"))
    feeds = "".join(
        f'[[feeds]]\nname = "{n}"\nurl = "{feed_server.url("/" + n)}"\nbackfill = 5\nmax_age_hours = 0\n'
        for n in ("a", "b")
    )
    teams = '[[teams]]\nname = "desk"\nchannel = "port"\nkeywords = ["harbourview"]\n'
    app = await bootstrap(load_settings(write_config(feeds=feeds, teams=teams), env={}), sink=sink)
    try:
        feed_a, feed_b = app.settings.feeds
        await app.service.poll(feed_a)
        await app.service.poll(feed_b)  # first add of b: empty
        await app.service.deliver_pending()
        first = {p["kind"] for p in sink.sent}
        assert {"summary", "new_figure", "new_quote"} <= first
        sink.sent.clear()

        # another outlet: the same figure and the same statement in other words → corroborated, no claim alert
        feed_server.routes["/b"] = (
            200,
            "application/rss+xml",
            rss([item("b1", "Harbourview jam", SECOND, 4)], "Courier"),
        )
        await app.service.poll(feed_b)
        await app.service.deliver_pending()
        assert [p["kind"] for p in sink.sent] == ["summary"]
        sink.sent.clear()

        # a third article: the same measured thing with another value → one conflict alert, both values and sources
        feed_server.routes["/b"] = (
            200,
            "application/rss+xml",
            rss(
                [item("b2", "Harbourview count", THIRD, 5), item("b1", "Harbourview jam", SECOND, 4)],
                "Courier",
            ),
        )
        await app.service.poll(feed_b)
        await app.service.deliver_pending()
        kinds = [p["kind"] for p in sink.sent]
        assert kinds.count("conflicting_figure") == 1
        new_quotes = {
            (p["claim"]["speaker"], p["claim"]["text"][:20]) for p in sink.sent if p["kind"] == "new_quote"
        }
        # another speaker's statement, and another statement by Marsh, are new quotes
        assert new_quotes == {
            ("Dock workers", "6,500 containers are"),
            ("Lena Marsh", "The harbour needs a "),
        }
        conflict = next(p for p in sink.sent if p["kind"] == "conflicting_figure")
        assert conflict["claim"]["value"] == 6500
        assert conflict["claim"]["conflicts_with"] == {"value": 4000, "source": "Gazette", "direction": "up"}
        assert conflict["claim"]["earlier"] == [{"value": 4000, "source": "Gazette"}]
        # which way, and against what: "containers now 6,500 in Courier, up from 4,000 reported by Gazette"
        assert "now 6,500" in conflict["why"] and "up from 4,000 reported by Gazette" in conflict["why"]

        # the store keeps one cluster with both values and every source
        rows = await app.store.query(
            "SELECT c.id, COUNT(*), GROUP_CONCAT(cl.status), GROUP_CONCAT(DISTINCT cl.value) FROM clusters c "
            "JOIN claims cl ON cl.cluster_id = c.id WHERE c.kind = 'figure' GROUP BY c.id"
        )
        assert [(r[1], sorted(r[2].split(",")), sorted(r[3].split(","))) for r in rows] == [
            (3, ["conflicting", "corroborated", "new"], ["4000.0", "6500.0"])
        ]

        # the lookups show the same: the history of values with their sources, and who said what where
        figures = await dispatch(app.store, Caller(), "/figures harbourview containers")
        (fig,) = figures.items
        assert fig.lines[0].startswith("⚠ outlets disagree: 4,000 (Gazette, 2026-11-03); 6,500 (Courier")
        assert [ln.split(" ", 1)[1] for ln in fig.lines[1:]] == [
            "Gazette: 4,000",
            "Courier: 4,000",
            "Courier: 6,500 ⚠ differs",
        ]
        listed = await dispatch(app.store, Caller(), "/claims harbourview")
        assert any("⚠ outlets disagree" in ln for it in listed.items for ln in it.lines)
        quotes = await dispatch(app.store, Caller(), "/quotes marsh")
        by_text = {it.title.split("“")[1][:12]: it.lines for it in quotes.items if "“" in it.title}
        assert by_text["We see every"][1] == "2 sources: Gazette, Courier"  # the paraphrase joined it
        assert by_text["The harbour "][1] == "1 source so far"
        assert all(it.title.startswith("Lena Marsh") for it in quotes.items)  # not the dock workers
        # reported speech is shown as such, never in quotation marks
        assert "Lena Marsh said 4,000 containers are stuck" in [it.title[:42] for it in quotes.items]
    finally:
        await app.close()


async def test_the_same_value_in_another_place_is_another_figure(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink
) -> None:
    texts = [
        "Officials said 800 containers are stuck in Harbourview this week.",
        "Officials said 800 containers are stuck in Eastport this week.",
        "Officials said 950 containers are stuck in Eastport this week.",
    ]
    feed_server.routes["/a"] = (200, "application/rss+xml", rss([], "Gazette"))
    teams = '[[teams]]\nname = "desk"\nchannel = "port"\nkeywords = ["containers"]\n'
    feeds = f'[[feeds]]\nname = "a"\nurl = "{feed_server.url("/a")}"\nbackfill = 5\nmax_age_hours = 0\n'
    app = await bootstrap(load_settings(write_config(feeds=feeds, teams=teams), env={}), sink=sink)
    try:
        (feed,) = app.settings.feeds
        await app.service.poll(feed)
        items: list[dict[str, str]] = []
        for n, text in enumerate(texts):
            items.insert(0, item(f"x{n}", f"Containers {n}", text, 3 + n))
            feed_server.routes["/a"] = (200, "application/rss+xml", rss(items, "Gazette"))
            await app.service.poll(feed)
        await app.service.deliver_pending()
        kinds = [(p["kind"], p["article"]["title"]) for p in sink.sent if p["kind"] != "summary"]
        assert ("new_figure", "Containers 0") in kinds and ("new_figure", "Containers 1") in kinds
        assert ("conflicting_figure", "Containers 2") in kinds  # Eastport's 950 against Eastport's 800
    finally:
        await app.close()
