"""The Discord front end with the real discord.py client (issue: Discord), against the local stand-in for
Discord's API and gateway on 127.0.0.1 (tests/discord_standin.py). Real store, real extractor, the seed feed.

What a newsroom sees: a server sets a watch, an article arrives, an embed lands in its channel with no pings;
lookups answer within Discord's 3 s; members without Manage Server are refused privately; rate limits and a
lost channel never lose or double an alert; two servers never see each other's alerts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import discord
import pytest

from bot.adapters import discord_pager
from bot.adapters.discord_bot import ClaimdeskBot, DiscordSink, sync_global
from bot.bootstrap import App, bootstrap
from bot.config import FeedSettings, load_settings
from bot.core.tries import HOUR, Tries
from tests.conftest import SEEDS, FeedServer, rss
from tests.discord_standin import (  # noqa: F401
    Channel,
    DiscordStandIn,
    InteractionReply,
    Member,
    Role,
    discord_standin_fixture,
)
from tests.helpers import harbour_fill

GUILD_A, GUILD_B = 1_000_000_000_000_001, 1_000_000_000_000_002
DESK_A, DESK_B = 2_000_000_000_000_001, 2_000_000_000_000_002
EDITOR_A, REPORTER_A, EDITOR_B = 3_000_000_000_000_001, 3_000_000_000_000_002, 3_000_000_000_000_003
MANAGE = discord.Permissions(manage_guild=True).value
T = TypeVar("T")


async def eventually(read: Callable[[], Awaitable[list[T]]]) -> list[T]:
    """What `read` returns once it is not empty (the delivery loop works in the background); at most 10 s."""
    async with asyncio.timeout(10):
        while not (found := await read()):  # noqa: ASYNC110 - polling the store, which has no event to wait on
            await asyncio.sleep(0.05)
    return found


@dataclass
class Desk:
    standin: DiscordStandIn
    app: App
    bot: ClaimdeskBot

    async def ingest_seeds(self) -> None:
        feed = FeedSettings("seeds", str(SEEDS / "feed.xml"), 300, 10, max_age=None)
        await self.app.service.add_feed(feed)
        report = await self.app.service.poll(feed)
        assert report.new == 2

    async def ask(self, guild: int, channel: int, user: int, command: str, **options: object) -> object:
        handle = await self.standin.interact(guild, channel, user, command, options)
        return await handle.message()


@pytest.fixture(params=["sqlite", "postgres"])
async def desk(
    request: pytest.FixtureRequest, discord_standin: DiscordStandIn, tmp_path: Path
) -> AsyncIterator[Desk]:
    """The bot on the stand-in, its store a SQLite file or a PostgreSQL database (tests/postgres.py)."""
    editors = Role(4_000_000_000_000_001, "editors", MANAGE)
    await discord_standin.add_guild(
        GUILD_A,
        "Harbour Gazette",
        channels=[Channel(DESK_A, "news-desk")],
        members=[Member(EDITOR_A, "editor", roles=[editors.id]), Member(REPORTER_A, "reporter")],
        roles=[editors],
    )
    editors_b = Role(4_000_000_000_000_002, "editors", MANAGE)
    await discord_standin.add_guild(
        GUILD_B,
        "Island Courier",
        channels=[Channel(DESK_B, "desk")],
        members=[Member(EDITOR_B, "editor-b", roles=[editors_b.id])],
        roles=[editors_b],
    )
    config = tmp_path / "discord.toml"
    where = (
        'path = "claimdesk.db"'
        if request.param == "sqlite"
        else f'url = "{request.getfixturevalue("pg_url")}"'
    )
    config.write_text(
        f'sink = "discord"\n[database]\n{where}\n[fetch]\nallow = ["127.0.0.1"]\n'
        f"[discord]\ndev_guild = {GUILD_A}\n",
        encoding="utf-8",
    )
    sink = DiscordSink()
    app = await bootstrap(load_settings(config, env={}), sink=sink)
    bot = ClaimdeskBot(app, app.settings.discord)
    sink.client = bot
    try:
        async with discord_standin.running(bot, guild_ready_timeout=0.1):
            yield Desk(discord_standin, app, bot)
    finally:
        await app.close()


async def test_commands_are_synced_to_the_development_server_on_start(desk: Desk) -> None:
    names = {c["name"] for c in desk.standin.commands.get(GUILD_A, [])}
    assert {"claims", "quotes", "figures", "watch", "alerts", "feeds", "status"} <= names
    assert desk.standin.commands.get(None) is None  # never a global sync on start


async def test_watch_add_then_a_seed_article_posts_embeds_that_ping_nobody(desk: Desk) -> None:
    reply = await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    assert reply.ephemeral and "now watches “kursk”" in reply.embeds[0]["title"]  # type: ignore[attr-defined]
    await desk.ingest_seeds()
    posted = await desk.standin.wait_for_messages(DESK_A, count=10, timeout=20)
    assert all(p.allowed_mentions == {"parse": []} for p in posted)
    titles = [p.embeds[0]["title"] for p in posted]
    assert any(t.startswith("NEW FIGURE") for t in titles) and any(t.startswith("NEW QUOTE") for t in titles)
    figure = next(p.embeds[0] for p in posted if p.embeds[0]["title"].startswith("NEW FIGURE"))
    assert figure["color"] == 0x2ECC71 and any(
        f["name"] == "Why" and "kursk" in f["value"] for f in figure["fields"]
    )
    assert all(p.repeats == 0 for p in posted)


async def test_claims_is_answered_within_three_seconds(desk: Desk) -> None:
    await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    await desk.ingest_seeds()
    reply = await desk.ask(GUILD_A, DESK_A, REPORTER_A, "claims", topic="kursk")
    assert reply.elapsed < 3.0 and not reply.ephemeral  # type: ignore[attr-defined]
    embed = reply.embeds[0]  # type: ignore[attr-defined]
    assert embed["title"].startswith("Claims about “kursk”")
    assert any("8,000" in f["name"] for f in embed["fields"])


async def test_every_command_that_changes_settings_is_checked_and_hidden_from_members(desk: Desk) -> None:
    guarded = {"watch add", "watch remove", "alerts kinds", "alerts quiet", "alerts digest"}
    guarded |= {"feeds test", "feeds add", "feeds remove"}  # /feeds test makes the bot fetch a URL
    commands = [c for c in desk.bot.tree.walk_commands() if isinstance(c, discord.app_commands.Command)]
    assert {c.qualified_name for c in commands} >= guarded
    for command in commands:
        assert bool(command.checks) == (command.qualified_name in guarded), command.qualified_name
        if command.qualified_name in guarded:
            assert command.default_permissions == discord.Permissions(manage_guild=True)


async def test_a_member_without_manage_server_is_refused_privately(desk: Desk) -> None:
    handle = await desk.standin.interact(
        GUILD_A, DESK_A, REPORTER_A, "watch add", {"keyword": "kursk"}, permissions=0
    )
    reply = await handle.message()
    assert reply.ephemeral and "Manage Server" in reply.embeds[0]["description"]
    assert (await desk.app.store.team(f"discord:{GUILD_A}")) is None  # nothing was changed
    # reading is for everyone
    listed = await desk.ask(GUILD_A, DESK_A, REPORTER_A, "watch list")
    assert listed.embeds[0]["title"] == "This server has no settings yet"  # type: ignore[attr-defined]


async def test_a_rate_limit_then_success_delivers_each_alert_once(desk: Desk) -> None:
    await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    desk.standin.fail(f"POST /channels/{DESK_A}/messages", 429, times=2, retry_after=0.2)
    await desk.ingest_seeds()
    await eventually(lambda: _none_pending(desk))
    posted = desk.standin.messages[DESK_A]
    counts = await desk.app.store.counts()
    assert counts["alerts_sent"] == len(posted) > 10 and all(p.repeats == 0 for p in posted)
    assert len({p.body["nonce"] for p in posted}) == len(posted)
    # the two refused attempts were retried by discord.py: every message was asked for once more, no more
    assert len(desk.standin.requests_to(f"POST /channels/{DESK_A}/messages")) == len(posted) + 2


async def _none_pending(desk: Desk) -> list[bool]:
    counts = await desk.app.store.counts()
    return [True] if counts["alerts_sent"] and not counts["alerts_pending"] else []


async def test_a_403_pauses_the_route_keeps_its_alerts_and_delivers_after_the_fix(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.delivering.ROUTE_RETRY", timedelta(seconds=1))
    await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    fault = desk.standin.fail(f"POST /channels/{DESK_A}/messages", 403, times=None)
    await desk.ingest_seeds()
    routes = await eventually(desk.app.store.paused_routes)
    assert [r[0] for r in routes] == [str(DESK_A)] and "403" in routes[0][2]
    status = await desk.ask(GUILD_A, DESK_A, REPORTER_A, "status")
    assert any(f"⏸ route <#{DESK_A}>" in f["name"] for f in status.embeds[0]["fields"])  # type: ignore[attr-defined]
    counts = await desk.app.store.counts()
    assert counts["alerts_sent"] == 0 and counts["alerts_pending"] > 0 and not desk.standin.messages[DESK_A]
    # the editor gives the bot its permission back; the next try delivers everything that waited, once
    desk.standin.clear_faults(fault)
    await asyncio.sleep(1.1)
    await desk.app.service.deliver_pending()
    posted = await desk.standin.wait_for_messages(DESK_A, count=counts["alerts_pending"], timeout=10)
    assert len(posted) == counts["alerts_pending"] and all(p.repeats == 0 for p in posted)
    assert (
        await desk.app.store.paused_routes() == [] and (await desk.app.store.counts())["alerts_pending"] == 0
    )


async def test_global_sync_is_an_explicit_command(desk: Desk) -> None:
    assert desk.standin.commands.get(None) is None
    assert await sync_global(desk.app, desk.standin.token) == 7  # what `claimdesk discord sync` runs
    assert {c["name"] for c in desk.standin.commands[None]} >= {"claims", "watch", "feeds"}


async def test_two_servers_get_only_their_own_alerts(desk: Desk, feed_server: FeedServer) -> None:
    await sync_global(desk.app, desk.standin.token)  # the commands in every server, as after `discord sync`
    await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    await desk.ask(GUILD_B, DESK_B, EDITOR_B, "watch add", keyword="harbour")
    await desk.ingest_seeds()
    await desk.standin.wait_for_messages(DESK_A, count=10, timeout=20)
    harbour = rss(
        [
            {
                "title": "Harbour reopens",
                "guid": "h1",
                "description": "Harbour officials said 400 containers moved.",
            }
        ]
    )
    feed_server.routes["/h.xml"] = (200, "application/rss+xml", harbour)
    feed = FeedSettings("harbour", feed_server.url("/h.xml"), 300, 5, full_text=False, max_age=None)
    await desk.app.service.add_feed(feed)
    await desk.app.service.poll(feed)
    posted_b = await desk.standin.wait_for_messages(DESK_B, count=1, timeout=10)
    await asyncio.sleep(0.5)
    assert all(
        "Harbour reopens" in p.embeds[0]["title"] or "400 containers" in str(p.embeds[0]) for p in posted_b
    )
    assert not any("Harbour reopens" in str(p.embeds[0]) for p in desk.standin.messages[DESK_A])
    assert not any("Kursk" in str(p.embeds[0]) for p in desk.standin.messages[DESK_B])
    # and each sees only its own watches
    listed = await desk.ask(GUILD_B, DESK_B, EDITOR_B, "watch list")
    assert [f["name"] for f in listed.embeds[0]["fields"]] == ["1. harbour"]  # type: ignore[attr-defined]


async def test_a_long_list_is_paged_with_buttons_only_its_asker_can_turn(desk: Desk) -> None:
    for n in range(12):
        await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword=f"berth {n:02d}")
    first = await (await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, "watch list", {})).message()
    assert len(first.embeds[0]["fields"]) == 10 and first.embeds[0]["footer"]["text"] == "page 1 of 2"
    turned = await (await desk.standin.click(first, "claimdesk:page:next", REPORTER_A)).response()
    assert turned.type == 7  # the message is edited in place
    page = turned.data["embeds"][0]
    assert [f["name"] for f in page["fields"]] == ["11. berth 10", "12. berth 11"]
    assert page["footer"]["text"] == "page 2 of 2"
    stranger = await (await desk.standin.click(first, "claimdesk:page:previous", EDITOR_A)).response()
    assert stranger.ephemeral and "Only the person who asked" in (stranger.content or "")


async def test_page_buttons_are_disabled_once_no_one_has_clicked_for_a_while(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(discord_pager, "PAGER_TIMEOUT", 4.0)
    for n in range(12):
        await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword=f"quay {n:02d}")
        await desk.app.service.add_feed(
            FeedSettings(f"wire {n:02d}", f"http://127.0.0.1:9/wire-{n}.xml", 300, 5, max_age=None)
        )

    def buttons_on(reply: InteractionReply) -> list[bool]:
        """Which of the reply's buttons can be pressed now (its message as the stand-in holds it)."""
        assert reply.message is not None
        return [not b.get("disabled") for row in reply.message["components"] for b in row["components"]]

    async def ask(command: str) -> InteractionReply:
        reply = await (await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, command, {})).message()
        assert reply.embeds[0]["footer"]["text"] == "page 1 of 2" and buttons_on(reply) == [False, True]
        return reply

    # sent at once (/watch list), sent after "thinking" (/status), and one whose pages were turned since
    untouched, thought, turned = await ask("watch list"), await ask("status"), await ask("watch list")
    for step in ("next", "previous"):
        await (await desk.standin.click(turned, f"claimdesk:page:{step}", REPORTER_A)).response()
    for reply in (untouched, thought, turned):
        await desk.standin.wait_until(lambda r=reply: not any(buttons_on(r)), timeout=10, what="buttons off")
        assert reply.message is not None  # the page last shown stays, only its buttons change
        assert reply.message["embeds"][0]["footer"]["text"] == "page 1 of 2"
    with pytest.raises(ValueError, match="disabled"):
        await desk.standin.click(turned, "claimdesk:page:next", REPORTER_A)
    assert not desk.standin.unhandled


async def test_page_buttons_on_a_deleted_reply_are_let_go_without_an_error(
    desk: Desk, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(discord_pager, "PAGER_TIMEOUT", 0.5)
    caplog.set_level(logging.INFO, "claimdesk")
    for n in range(11):
        await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword=f"pier {n:02d}")
    gone = desk.standin.fail(
        "PATCH /webhooks/{app}/{token}/messages/{message}",
        404,
        times=None,
        body={"message": "Unknown Message", "code": 10008},  # someone deleted the reply
    )
    listed = await (await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, "watch list", {})).message()
    await desk.standin.wait_for_request("PATCH /webhooks/{app}/{token}/messages/{message}", timeout=10)
    desk.standin.clear_faults(gone)
    await desk.standin.wait_until(
        lambda: "could not disable the page buttons" in caplog.text, timeout=5, what="the log line"
    )
    assert listed.message is not None  # left as they were: nothing to edit
    assert [b.get("disabled", False) for b in listed.message["components"][0]["components"]] == [True, False]
    assert "Task exception" not in caplog.text
    reply = await desk.ask(GUILD_A, DESK_A, REPORTER_A, "watch list")  # and the bot answers on
    assert reply.embeds[0]["footer"]["text"] == "page 1 of 2"  # type: ignore[attr-defined]


async def test_feeds_test_and_add_fetch_within_the_servers_tries(desk: Desk, feed_server: FeedServer) -> None:
    feed_server.routes["/quay.xml"] = (
        200,
        "application/rss+xml",
        rss([{"title": "Quay", "guid": "q"}], "Quay"),
    )
    url = feed_server.url("/quay.xml")
    await sync_global(desk.app, desk.standin.token)
    desk.app.service.team_tries = Tries(1, HOUR)
    tried = await desk.ask(GUILD_A, DESK_A, EDITOR_A, "feeds test", url=url)
    assert tried.ephemeral and "works: 1 entry" in tried.embeds[0]["title"]  # type: ignore[attr-defined]
    refused = await desk.ask(GUILD_A, DESK_A, EDITOR_A, "feeds add", url=url)
    text = str(refused.embeds[0])  # type: ignore[attr-defined]
    assert refused.ephemeral and "This server has had feeds fetched 1 time in the last hour" in text  # type: ignore[attr-defined]
    assert feed_server.hits == {"/quay.xml": 1}
    added = await desk.ask(GUILD_B, DESK_B, EDITOR_B, "feeds add", url=url)  # another server's own try
    assert "Added “Quay”" in added.embeds[0]["title"] and feed_server.hits == {"/quay.xml": 2}  # type: ignore[attr-defined]


async def test_a_lookups_refusal_or_failure_reaches_only_the_asker_though_it_was_thinking_in_public(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object, **__: object) -> None:
        raise RuntimeError("the disk is full")

    async def only_the_asker_sees(topic: str, said: str) -> None:
        handle = await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, "claims", {"topic": topic})
        replies = await handle.wait_replies(3)
        assert [(r.kind, r.ephemeral) for r in replies] == [
            ("callback", False),
            ("delete", False),
            ("followup", True),
        ]
        assert replies[0].type == 5 and said in str(replies[2].embeds)
        assert handle.original is None  # no "thinking" message is left in the channel

    await only_the_asker_sees("???", "Nothing to search for")
    with monkeypatch.context() as patched:
        patched.setattr(desk.app.store, "search_claims", broken)
        await only_the_asker_sees("kursk", "Something went wrong on claimdesk's side")
    handle = await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, "claims", {"topic": "harbour"})
    found = await handle.message()  # a lookup still answers everyone, in the thinking message's place
    assert not found.ephemeral and [r.kind for r in handle.replies] == ["callback", "followup"]


async def test_quotes_autocompletes_speakers_from_the_store(desk: Desk) -> None:
    await desk.ingest_seeds()
    handle = await desk.standin.autocomplete(
        GUILD_A, DESK_A, REPORTER_A, "quotes", {"speaker": "zel"}, "speaker"
    )
    reply = await handle.response()
    assert "Volodymyr Zelensky" in [c["value"] for c in reply.choices]


async def test_a_server_cannot_send_its_alerts_into_another_servers_channel(desk: Desk) -> None:
    # the channel comes only from the typed option: a channel written into the keyword is part of the keyword
    reply = await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword=f"kursk #{DESK_B}")
    assert reply.ephemeral and f"alerts go to <#{DESK_A}>" in reply.embeds[0]["title"]  # type: ignore[attr-defined]
    team = await desk.app.store.team(f"discord:{GUILD_A}")
    assert team is not None
    assert [w.channel for w in await desk.app.store.watches(team.id)] == [None]
    # even a watch that names another server's channel (an old row, a config edit) delivers nothing there
    await desk.app.store.add_watch(team.id, "kursk", str(DESK_B))
    await desk.ingest_seeds()
    routes = await eventually(desk.app.store.paused_routes)
    assert routes[0][0] == str(DESK_B) and "not in this team's server" in routes[0][2]
    assert not desk.standin.messages[DESK_B]


async def test_a_message_discord_rejects_is_set_aside_and_the_channel_goes_on(desk: Desk) -> None:
    await desk.ask(GUILD_A, DESK_A, EDITOR_A, "watch add", keyword="kursk")
    desk.standin.fail(
        f"POST /channels/{DESK_A}/messages",
        400,
        times=1,
        body={"message": "Invalid Form Body", "code": 50035},
    )
    await desk.ingest_seeds()
    await eventually(lambda: _none_pending_but_rejected(desk))
    counts = await desk.app.store.counts()
    assert (
        counts["messages_rejected"] == 1 and len(desk.standin.messages[DESK_A]) == counts["alerts_sent"] > 5
    )


async def _none_pending_but_rejected(desk: Desk) -> list[bool]:
    c = await desk.app.store.counts()
    return [True] if c["alerts_sent"] and c["alerts_pending"] == 1 and c["messages_rejected"] == 1 else []


async def test_a_lookup_with_more_matches_than_a_page_turns_to_the_next_page(desk: Desk) -> None:
    await harbour_fill(desk.app.store, 23)  # 23 clusters that match "harbour"
    first = await (
        await desk.standin.interact(GUILD_A, DESK_A, REPORTER_A, "claims", {"topic": "harbour"})
    ).message()
    embed = first.embeds[0]
    assert "23 match" in embed["title"] and embed["footer"]["text"] == "page 1 of 3"
    assert len(embed["fields"]) == 10 and embed["fields"][0]["name"].startswith("1. ")
    turned = await (await desk.standin.click(first, "claimdesk:page:next", REPORTER_A)).response()
    page = turned.data["embeds"][0]
    assert page["footer"]["text"] == "page 2 of 3" and page["fields"][0]["name"].startswith("11. ")
    first_names = {f["name"][4:] for f in embed["fields"]}
    assert not first_names & {f["name"][4:] for f in page["fields"]}  # another ten, not the same ones
