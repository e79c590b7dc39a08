"""/feeds add|remove|test|list by teams (issue: Discord), through the shared handlers on real parts: a feed
server on 127.0.0.1, the real guarded fetcher, SQLite, and the scheduler's refresh."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.adapters.scheduler import FeedScheduler
from bot.bootstrap import App
from handlers import Caller, dispatch
from tests.conftest import AppFactory, FeedServer, RecordingSink, rss

NEWS = rss(
    [
        {
            "title": "Quay cleared",
            "guid": "q1",
            "description": "Harbour officials said 400 containers moved.",
        },
        {
            "title": "Ferries back",
            "guid": "q2",
            "description": "Ferries to the islands run again, officials said.",
        },
    ],
    "Harbour Gazette",
)


async def _app(make_app: AppFactory, write_config: Callable[..., Path], sink: RecordingSink) -> App:
    return await make_app(write_config(feeds="", teams=""), sink)


def _as(app: App, team: str, manage: bool = True) -> Caller:
    return Caller(team=team, can_manage=manage, channel="555", read_feed=app.service.read_feed)


async def test_a_team_adds_tries_lists_and_removes_its_own_feeds(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    feed_server.routes["/harbour.xml"] = (200, "application/rss+xml", NEWS)
    app = await _app(make_app, write_config, sink)
    url = feed_server.url("/harbour.xml")
    tried = await dispatch(app.store, _as(app, "discord:1"), f"/feeds test {url}")
    assert not tried.error and "works: 2 entries" in tried.title and tried.ephemeral
    added = await dispatch(app.store, _as(app, "discord:1"), f"/feeds add {url}")
    assert not added.error and "Harbour Gazette" in added.title
    fetched = feed_server.hits["/harbour.xml"]
    again = await dispatch(app.store, _as(app, "discord:2"), f"/feeds add {url}")
    assert again.error and "already polled" in again.title
    assert feed_server.hits["/harbour.xml"] == fetched  # known without fetching it again
    mine = await dispatch(app.store, _as(app, "discord:1"), "/feeds list")
    theirs = await dispatch(app.store, _as(app, "discord:2", manage=False), "/feeds list")
    assert [i.title for i in mine.items] == ["Harbour Gazette"] and theirs.items == ()
    # the scheduler picks it up, and its first poll stores the current entries silently
    polled: list[str] = []

    async def poll(feed: object) -> None:
        polled.append(getattr(feed, "url", ""))

    scheduler = FeedScheduler(poll, jitter=0, misfire_grace=60, extra=app.service.team_feeds)
    scheduler.sync([])
    await scheduler.refresh()
    assert scheduler.polled() == [url]
    (feed,) = await app.service.team_feeds()
    report = await app.service.poll(feed)
    assert report.new == 2 and report.alerts == 0
    # another team cannot remove it; its own can, and the articles stay
    assert (await dispatch(app.store, _as(app, "discord:2"), f"/feeds remove {url}")).error
    removed = await dispatch(app.store, _as(app, "discord:1"), f"/feeds remove {url}")
    assert not removed.error
    await scheduler.refresh()
    assert scheduler.polled() == [] and (await app.store.counts())["articles"] == 2


async def test_a_server_may_have_only_so_many_feed_urls_fetched_an_hour_and_others_go_on(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    feed_server.routes["/harbour.xml"] = (200, "application/rss+xml", NEWS)
    fetch = 'allow = ["127.0.0.1"]\nteam_tries_per_hour = 2'
    app = await make_app(write_config(feeds="", teams="", fetch=fetch), sink)
    url = feed_server.url("/harbour.xml")

    def member_of(team: str) -> Caller:  # as the Discord front end calls the handlers
        return Caller(team=team, can_manage=True, channel="555", read_feed=app.service.team_feed_reader(team))

    broken = feed_server.url("/missing.xml")  # a try that fails counts too: it was fetched all the same
    first = await dispatch(app.store, member_of("discord:1"), f"/feeds test {broken}")
    second = await dispatch(app.store, member_of("discord:1"), f"/feeds test {url}")
    assert first.error and "404" in first.note and not second.error
    for command in (f"/feeds test {url}", f"/feeds add {url}"):
        refused = await dispatch(app.store, member_of("discord:1"), command)
        assert refused.error and refused.ephemeral
        assert refused.title == "This server has had feeds fetched 2 times in the last hour"
        assert "try again in 60 min" in refused.note
    assert feed_server.hits == {"/missing.xml": 1, "/harbour.xml": 1}  # the refused ones fetched nothing
    assert (await app.store.counts())["feeds"] == 0
    # a URL the handler refuses itself costs no try; another server has its own tries
    assert (
        "only http and https"
        in (await dispatch(app.store, member_of("discord:2"), "/feeds test ftp://x")).note
    )
    added = await dispatch(app.store, member_of("discord:2"), f"/feeds add {url}")
    assert not added.error and feed_server.hits["/harbour.xml"] == 2


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("/etc/passwd", "only http and https"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://10.0.0.8/rss", "private network"),
    ],
)
async def test_a_team_cannot_add_local_files_or_inward_addresses(
    url: str, why: str, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    app = await _app(make_app, write_config, sink)
    reply = await dispatch(app.store, _as(app, "discord:1"), f"/feeds add {url}")
    assert reply.error and why in reply.note
    assert [f for f in await app.store.feeds() if f.listed] == []


async def test_adding_a_feed_needs_the_manage_permission_and_a_broken_one_is_refused(
    feed_server: FeedServer, write_config: Callable[..., Path], sink: RecordingSink, make_app: AppFactory
) -> None:
    app = await _app(make_app, write_config, sink)
    feed_server.routes["/page"] = (200, "text/html", b"<html><body>Not a feed</body></html>")
    url = feed_server.url("/page")
    refused = await dispatch(app.store, _as(app, "discord:1", manage=False), f"/feeds add {url}")
    assert refused.error and "Manage Server" in refused.title
    broken = await dispatch(app.store, _as(app, "discord:1"), f"/feeds add {url}")
    assert broken.error and "does not work as a feed" in broken.title and "not a feed" in broken.note
