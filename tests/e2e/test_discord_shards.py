"""Discord shards (issue 19): two claimdesk instances, each with `[discord] shard_count = 2` and one of the shard
ids, against one Discord stand-in (tests/discord_standin.py) and one PostgreSQL store. Most tests run them as two
real discord.py sharded clients (and two apps, each with its own store connection) in the test's process, where
their caches and sinks can be looked at; the last runs them as two `claimdesk run` processes (tests.discord_child
points discord.py at the stand-in). Each instance gets only its shard's servers over the gateway and answers their
commands; an alert for a server of shard 0 is delivered by the instance holding shard 1 (delivery is REST: any
process may deliver), its channel fetched once as it is not in that instance's cache.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import discord
import pytest

from bot.adapters.discord_bot import ClaimdeskBot, DiscordSink, ShardedClaimdeskBot, sync_global
from bot.bootstrap import App, bootstrap
from bot.config import DiscordSettings, FeedSettings, load_settings
from bot.delivering import RouteUnavailable
from tests.conftest import ROOT, SEEDS
from tests.discord_standin import (  # noqa: F401
    DiscordStandIn,
    Member,
    Role,
    discord_standin_fixture,
    snowflake_on_shard,
)

MANAGE = discord.Permissions(manage_guild=True).value
EDITOR = 3_100_000_000_000_000_001
TEST_TIMEOUT = 60  # seconds for a whole test: nothing here may hang the suite


@dataclass
class Instance:
    """One claimdesk instance: its app, its sharded bot, and what reached it over the gateway."""

    shard: int
    app: App
    bot: ClaimdeskBot
    sink: DiscordSink
    stack: contextlib.AsyncExitStack
    interactions: list[int] = field(default_factory=list)  # guild ids of the interactions it was sent

    async def stop(self) -> None:
        await self.stack.aclose()


@dataclass
class Shards:
    standin: DiscordStandIn
    guilds: dict[int, int]  # shard → its guild
    desks: dict[int, int]  # shard → that guild's channel
    instances: list[Instance]


async def add_desks(standin: DiscordStandIn) -> tuple[dict[int, int], dict[int, int]]:
    """A server on each of 2 shards, each with a channel and an editor (Manage Server): shard → guild, → channel."""
    guilds, desks = {}, {}
    for shard in (0, 1):
        guilds[shard], desks[shard] = snowflake_on_shard(shard, 2), snowflake_on_shard(shard, 2)
        editors = Role(snowflake_on_shard(shard, 2), "editors", MANAGE)
        await standin.add_guild(
            guilds[shard],
            f"Desk on shard {shard}",
            channels=[desks[shard]],
            members=[Member(EDITOR, "editor", roles=[editors.id])],
            roles=[editors],
        )
    return guilds, desks


async def start(standin: DiscordStandIn, config: Path, shard: int) -> Instance:
    sink = DiscordSink()
    app = await bootstrap(load_settings(config, env={}), sink=sink)
    stack = contextlib.AsyncExitStack()
    stack.push_async_callback(app.close)
    try:
        bot = ClaimdeskBot.build(app, app.settings.discord)
        sink.client = bot
        instance = Instance(shard, app, bot, sink, stack)

        async def on_interaction(interaction: discord.Interaction) -> None:
            instance.interactions.append(interaction.guild_id or 0)

        setattr(bot, "on_interaction", on_interaction)  # noqa: B010 - discord.py dispatches to on_<event>
        await stack.enter_async_context(standin.running(bot, guild_ready_timeout=0.1))
    except BaseException:
        await stack.aclose()
        raise
    return instance


@pytest.fixture
async def shards(discord_standin: DiscordStandIn, pg_url: str, tmp_path: Path) -> AsyncIterator[Shards]:
    guilds, desks = await add_desks(discord_standin)
    instances: list[Instance] = []
    try:
        async with asyncio.timeout(TEST_TIMEOUT):
            for shard in (0, 1):
                config = tmp_path / f"shard{shard}.toml"
                config.write_text(
                    f'sink = "discord"\n[database]\nurl = "{pg_url}"\n[fetch]\nallow = ["127.0.0.1"]\n'
                    f"[discord]\nshard_count = 2\nshard_ids = [{shard}]\n",
                    encoding="utf-8",
                )
                instances.append(await start(discord_standin, config, shard))
            # the commands published to every server, as `claimdesk discord sync` does once per release
            await sync_global(instances[0].app, discord_standin.token)
        async with asyncio.timeout(TEST_TIMEOUT):
            yield Shards(discord_standin, guilds, desks, instances)
    finally:
        for instance in reversed(instances):
            await instance.stop()
    assert discord_standin.unhandled == [], "the bots called routes the stand-in does not serve"


async def test_the_sharded_client_only_with_a_shard_count() -> None:
    app = cast(App, None)  # not touched before the bot connects
    assert type(ClaimdeskBot.build(app, DiscordSettings())) is ClaimdeskBot  # unsharded, as before
    every = ClaimdeskBot.build(app, DiscordSettings(shard_count=4))
    assert isinstance(every, discord.AutoShardedClient) and isinstance(every, ClaimdeskBot)
    assert every.shard_count == 4 and every.shard_ids is None  # all four in this process
    some = ClaimdeskBot.build(app, DiscordSettings(shard_count=4, shard_ids=(3, 1)))
    assert isinstance(some, ShardedClaimdeskBot) and some.shard_ids == [3, 1]
    # `claimdesk discord sync` only logs in to publish commands over REST: no gateway, no shards
    assert type(ClaimdeskBot.build(app, DiscordSettings(shard_count=4), serve=False)) is ClaimdeskBot


async def test_each_instance_gets_only_its_shards_servers(shards: Shards) -> None:
    for instance in shards.instances:
        bot = instance.bot
        assert isinstance(bot, ShardedClaimdeskBot) and bot.shard_count == 2
        assert list(bot.shards) == [instance.shard]
        assert [g.id for g in bot.guilds] == [shards.guilds[instance.shard]]
        other = shards.guilds[1 - instance.shard]
        assert bot.get_guild(other) is None and bot.get_channel(shards.desks[1 - instance.shard]) is None
    sessions = await shards.standin.wait_shards(0, 1)
    for shard, session in enumerate(sessions):
        assert [g["id"] for g in session.events("GUILD_CREATE")] == [str(shards.guilds[shard])]
    assert shards.standin.requests_to("GET /gateway/bot") == []  # shard_count given: no advice asked


async def test_a_command_in_a_server_of_shard_1_is_answered_by_the_instance_holding_it(
    shards: Shards,
) -> None:
    guild, desk = shards.guilds[1], shards.desks[1]
    reply = await (
        await shards.standin.interact(guild, desk, EDITOR, "watch add", {"keyword": "kursk"})
    ).message()
    assert reply.ephemeral and "now watches “kursk”" in reply.embeds[0]["title"]
    lookup = await (
        await shards.standin.interact(guild, desk, EDITOR, "claims", {"topic": "kursk"})
    ).message()
    assert not lookup.ephemeral and lookup.elapsed < 3.0
    holder, other = shards.instances[1], shards.instances[0]
    assert holder.interactions == [guild, guild] and other.interactions == []
    team = await holder.app.store.team(f"discord:{guild}")
    assert team is not None and [w.keyword for w in await holder.app.store.watches(team.id)] == ["kursk"]


async def test_an_alert_for_a_server_of_shard_0_is_delivered_by_the_instance_holding_shard_1(
    shards: Shards,
) -> None:
    standin, (first, second) = shards.standin, shards.instances
    for shard in (0, 1):  # each server's watch, set through the instance holding its shard
        handle = await standin.interact(
            shards.guilds[shard], shards.desks[shard], EDITOR, "watch add", {"keyword": "kursk"}
        )
        assert (await handle.message()).ephemeral
    assert first.interactions == [shards.guilds[0]] and second.interactions == [shards.guilds[1]]
    await first.stop()  # the process holding shard 0 is gone: nobody keeps that server's gateway
    feed = FeedSettings("seeds", str(SEEDS / "feed.xml"), 300, 10, max_age=None)
    await second.app.service.add_feed(feed)
    assert (await second.app.service.poll(feed)).new == 2
    for shard in (0, 1):
        posted = await standin.wait_for_messages(shards.desks[shard], count=2, timeout=20)
        assert all(p.allowed_mentions == {"parse": []} and p.embeds for p in posted)
    async with asyncio.timeout(20):
        while await second.app.store.pending_deliveries():  # noqa: ASYNC110 - the store has no event to wait on
            await asyncio.sleep(0.05)
    far = standin.messages[shards.desks[0]]
    assert len(far) >= 2 and all(p.guild_id == shards.guilds[0] for p in far)
    assert len(far) == len(standin.messages[shards.desks[1]])  # both servers watch the same word
    # not in shard 1's cache: the channel was fetched once for its server, then written to directly
    assert second.bot.get_channel(shards.desks[0]) is None
    assert len(standin.requests_to(f"GET /channels/{shards.desks[0]}")) == 1
    assert standin.requests_to(f"GET /channels/{shards.desks[1]}") == []  # in the cache: no fetch


async def test_a_channel_of_another_shard_keeps_to_its_server_and_is_looked_up_again_after_a_refusal(
    shards: Shards,
) -> None:
    standin, sink = shards.standin, shards.instances[1].sink
    desk, fetches = shards.desks[0], f"GET /channels/{shards.desks[0]}"
    notice = {"kind": "feed_paused", "feed": {"name": "wire"}, "team": f"discord:{shards.guilds[0]}"}
    await sink.send(str(desk), notice, "k1")
    await sink.send(str(desk), notice, "k2")
    assert len(standin.messages[desk]) == 2 and len(standin.requests_to(fetches)) == 1
    with pytest.raises(RouteUnavailable, match="not in this team's server"):  # its server, remembered
        await sink.send(str(desk), notice | {"team": f"discord:{shards.guilds[1]}"}, "k3")
    standin.fail(f"POST /channels/{desk}/messages", 403)
    with pytest.raises(RouteUnavailable, match="403"):
        await sink.send(str(desk), notice, "k4")
    await sink.send(str(desk), notice, "k5")  # the route retried: the channel is looked up afresh
    assert len(standin.messages[desk]) == 3 and len(standin.requests_to(fetches)) == 2


# -- as processes --------------------------------------------------------------------------------------------------
async def spawn(
    standin: DiscordStandIn, argv: list[str], log: Path, token: bool
) -> asyncio.subprocess.Process:
    """`claimdesk ARGV` in a process of its own, discord.py pointed at the stand-in (tests.discord_child)."""
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMDESK_DISCORD_TOKEN", "CLAIMDESK_DATABASE")}
    if token:
        env["CLAIMDESK_DISCORD_TOKEN"] = standin.token
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            *(sys.executable, "-m", "tests.discord_child", standin.api_base, standin.gateway_url, *argv),
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=out,
        )


def _text(log: Path) -> str:
    return log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""


async def logged(log: Path, text: str) -> None:
    """Until a process's log says `text` (its `run` logs when it is connected)."""
    while text not in _text(log):  # noqa: ASYNC110 - a log file has no event to wait on
        await asyncio.sleep(0.1)


@pytest.mark.slow
async def test_two_run_processes_split_the_shards_and_either_delivers(
    discord_standin: DiscordStandIn, pg_url: str, tmp_path: Path
) -> None:
    """Two `claimdesk run` processes (shard_ids [0] and [1] of 2) on one PostgreSQL store: each answers its
    server's command; a third given shard 1 too is refused (exit 2); the one holding shard 0 stops (SIGTERM); an article ingested after that (by a third,
    `claimdesk ingest`) alerts both servers, and the process holding shard 1 delivers to both."""
    standin = discord_standin
    guilds, desks = await add_desks(standin)
    syncer = ClaimdeskBot(
        cast(App, None), DiscordSettings(), serve=False
    )  # `claimdesk discord sync`'s client
    async with syncer:
        await syncer.login(standin.token)
        await syncer.tree.sync()
    logs = [tmp_path / f"run-{shard}.log" for shard in (0, 1)]
    procs: list[asyncio.subprocess.Process] = []
    try:
        async with asyncio.timeout(150):
            for shard in (0, 1):
                config = tmp_path / f"shard{shard}.toml"
                config.write_text(
                    f'sink = "discord"\n[database]\nurl = "{pg_url}"\n'
                    f"[discord]\nshard_count = 2\nshard_ids = [{shard}]\n",
                    encoding="utf-8",
                )
                procs.append(await spawn(standin, ["run", "-c", str(config)], logs[shard], token=True))
            for shard in (0, 1):
                await logged(logs[shard], f"server(s) on shard(s) {shard} of 2")
            sessions = await standin.wait_shards(0, 1)
            # a third process given shard 1 as well is refused in one line: the two would knock each other off
            twin = tmp_path / "twin.toml"
            twin.write_text(
                f'sink = "discord"\n[database]\nurl = "{pg_url}"\n[discord]\nshard_count = 2\nshard_ids = [1]\n',
                encoding="utf-8",
            )
            third = await spawn(standin, ["run", "-c", str(twin)], tmp_path / "twin.log", token=True)
            procs.append(third)  # killed below should it not stop by itself
            assert await third.wait() == 2
            assert "discord shard 1 is already connected by another claimdesk process" in _text(
                tmp_path / "twin.log"
            )
            assert "Traceback" not in _text(tmp_path / "twin.log")
            for shard, session in enumerate(sessions):
                assert [g["id"] for g in session.events("GUILD_CREATE")] == [str(guilds[shard])]
                handle = await standin.interact(
                    guilds[shard], desks[shard], EDITOR, "watch add", {"keyword": "kursk"}
                )
                assert (await handle.message()).ephemeral
                assert [i["guild_id"] for i in session.events("INTERACTION_CREATE")] == [str(guilds[shard])]
            procs[0].send_signal(signal.SIGTERM)
            assert await procs[0].wait() == 0
            ingest = tmp_path / "ingest.toml"
            ingest.write_text(f'sink = "console"\n[database]\nurl = "{pg_url}"\n', encoding="utf-8")
            loader = await spawn(
                standin,
                ["ingest", "-c", str(ingest), str(SEEDS / "feed.xml")],
                tmp_path / "ingest.log",
                False,
            )
            assert await loader.wait() == 0
            far = await standin.wait_for_messages(desks[0], count=2, timeout=60)
            near = await standin.wait_for_messages(desks[1], count=2, timeout=60)
        assert all(p.guild_id == guilds[0] for p in far) and all(p.guild_id == guilds[1] for p in near)
        assert len(standin.requests_to(f"GET /channels/{desks[0]}")) == 1  # fetched once by shard 1's process
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()
