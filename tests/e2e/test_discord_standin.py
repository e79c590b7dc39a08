"""The Discord stand-in works with the real discord.py: a plain `Client` with a `CommandTree` logs in, gets READY
and its guilds over the gateway, syncs commands, answers slash commands (with subcommands, a permission check,
deferral and autocomplete), posts embeds, and lives through injected 429/403/404 answers and a gateway resume."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import aiohttp
import discord
import pytest
from discord import app_commands

from tests.discord_standin import (
    FLAG_EPHEMERAL,
    INTENT_GUILDS,
    MANAGE_GUILD,
    SEND_MESSAGES,
    Channel,
    DiscordStandIn,
    Member,
    Role,
    discord_standin_fixture,  # noqa: F401  (the `discord_standin` fixture)
    shard_of,
    snowflake_on_shard,
)

GUILD_ID = 1_200_000_000_000_000_001
ALERTS = 1_200_000_000_000_000_010
NEWSROOM = 1_200_000_000_000_000_011
EDITORS_ROLE = 1_200_000_000_000_000_020
EDITOR = 1_200_000_000_000_000_030  # has Manage Server through the Editors role
REPORTER = 1_200_000_000_000_000_031  # plain member
OTHER_GUILD_ID = 1_200_000_000_000_000_101
OTHER_CHANNEL = 1_200_000_000_000_000_110

REFUSAL = "You need the Manage Server permission to change watches."


@dataclass
class Bot:
    """A plain discord.py client wired the way a bot would be, plus what its handlers observed."""

    client: discord.Client
    tree: app_commands.CommandTree[discord.Client]
    seen: list[str] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    joined: asyncio.Queue[discord.Guild] = field(default_factory=asyncio.Queue)


def build_bot(client: discord.Client | None = None) -> Bot:
    # guild_ready_timeout: discord.py waits this long after the last GUILD_CREATE before on_ready (default 2 s).
    client = client or discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    bot = Bot(client, tree)

    @client.event
    async def on_guild_join(guild: discord.Guild) -> None:
        bot.joined.put_nowait(guild)

    @tree.command(description="Is the bot alive?")
    async def ping(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("pong", ephemeral=True)

    watch = app_commands.Group(name="watch", description="Keywords this server is alerted about")

    @watch.command(name="add", description="Watch a keyword")
    @app_commands.describe(keyword="A word or phrase")
    @app_commands.checks.has_permissions(manage_guild=True)
    async def watch_add(interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 50]) -> None:
        bot.seen.append(f"add {keyword} in {interaction.guild_id}")
        await interaction.response.send_message(f"Watching **{keyword}**.", ephemeral=True)

    @watch_add.autocomplete("keyword")
    async def keyword_choices(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        words = ["kursk", "kharkiv", "north korea"]
        return [app_commands.Choice(name=w, value=w) for w in words if w.startswith(current)]

    @watch.command(name="list", description="What this server watches")
    async def watch_list(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await asyncio.sleep(0.05)  # the slow part a deferral is for
        await interaction.edit_original_response(content="Watching: kursk")

    tree.add_command(watch)

    admin = app_commands.Group(name="admin", description="Server settings")
    feeds = app_commands.Group(name="feeds", description="This server's own feeds", parent=admin)

    @feeds.command(name="remove", description="Stop polling a feed")
    async def feeds_remove(interaction: discord.Interaction, url: str, now: bool = False) -> None:
        await interaction.response.send_message(f"removed {url} now={now}", ephemeral=True)

    tree.add_command(admin)

    class Pages(discord.ui.View):
        def __init__(self) -> None:
            super().__init__(timeout=30)
            self.page = 1

        @discord.ui.button(label="Next", custom_id="pages:next")
        async def next_page(self, interaction: discord.Interaction, _: discord.ui.Button[Pages]) -> None:
            self.page += 1
            await interaction.response.edit_message(content=f"page {self.page}", view=self)

    @tree.command(description="A reply with a Next button")
    async def pages(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("page 1", view=Pages())

    @tree.command(description="Answers too late")
    async def slow(interaction: discord.Interaction) -> None:
        await asyncio.sleep(0.4)
        try:
            await interaction.response.send_message("late")
        except discord.NotFound as exc:
            bot.errors.append(exc)

    @tree.error
    async def on_app_command_error(
        interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.MissingPermissions):
            await interaction.response.send_message(REFUSAL, ephemeral=True)
        else:
            bot.errors.append(error)

    return bot


@pytest.fixture
async def bot(discord_standin: DiscordStandIn) -> AsyncIterator[Bot]:
    """The stand-in with one newsroom server, and a connected, ready client whose tree is synced to it."""
    await discord_standin.add_guild(
        GUILD_ID,
        "Newsroom",
        channels=[Channel(ALERTS, "alerts"), Channel(NEWSROOM, "newsroom", position=1)],
        roles=[Role(EDITORS_ROLE, "Editors", MANAGE_GUILD)],
        members=[Member(EDITOR, "editor", roles=[EDITORS_ROLE]), Member(REPORTER, "reporter")],
    )
    b = build_bot()
    async with discord_standin.running(b.client):
        guild = discord.Object(GUILD_ID)
        b.tree.copy_global_to(guild=guild)
        await b.tree.sync(guild=guild)
        yield b
    assert discord_standin.unhandled == [], "the client called routes the stand-in does not serve"


# -- connection ----------------------------------------------------------------------------------------------------
async def test_login_ready_and_guild_create_over_the_gateway(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    client = bot.client
    assert client.user is not None and client.user.id == discord_standin.bot.id
    assert client.application_id == discord_standin.application_id
    guild = client.get_guild(GUILD_ID)
    assert guild is not None and guild.name == "Newsroom" and not guild.unavailable
    alerts = client.get_channel(ALERTS)
    assert isinstance(alerts, discord.TextChannel) and alerts.name == "alerts"
    assert guild.me is not None and alerts.permissions_for(guild.me).send_messages

    [session] = discord_standin.sessions
    assert session.query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert session.compressor is not None  # frames went out zlib-streamed and discord.py inflated them
    identify = next(p["d"] for p in session.received if p["op"] == 2)
    assert identify["token"] == discord_standin.token
    assert identify["intents"] == discord.Intents.default().value
    assert not discord.Intents._from_value(identify["intents"]).message_content
    ready = next(p for p in session.sent if p["t"] == "READY")
    assert ready["d"]["guilds"] == [{"id": str(GUILD_ID), "unavailable": True}]
    assert [p["s"] for p in session.sent if p["op"] == 0][:2] == [1, 2]  # READY, then GUILD_CREATE
    # discord.py heartbeats right after HELLO; the ACK gives it a latency
    assert session.heartbeats >= 1 and client.latency < 1.0
    assert [r.route for r in discord_standin.requests[:2]] == [
        "GET /users/@me",
        "GET /oauth2/applications/@me",
    ]


async def test_json_answers_carry_exactly_application_json(discord_standin: DiscordStandIn) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{discord_standin.api_base}/users/@me", headers={"Authorization": f"Bot {discord_standin.token}"}
        ) as resp,
    ):
        assert resp.status == 200 and resp.headers["Content-Type"] == "application/json"
        assert (await resp.json())["id"] == str(discord_standin.bot.id)
    async with aiohttp.ClientSession() as http, http.get(f"{discord_standin.api_base}/gateway/bot") as resp:
        assert resp.status == 401  # bot routes want the token


async def test_a_wrong_token_is_a_login_failure(discord_standin: DiscordStandIn) -> None:
    client = discord.Client(intents=discord.Intents.default())
    try:
        with pytest.raises(discord.LoginFailure):
            await client.login("not-the-token")
    finally:
        await client.close()


async def test_a_server_joined_later_arrives_as_guild_create(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    await discord_standin.add_guild(OTHER_GUILD_ID, "Sports desk", channels=[Channel(OTHER_CHANNEL, "sport")])
    joined = await asyncio.wait_for(bot.joined.get(), 3)
    assert joined.id == OTHER_GUILD_ID and bot.client.get_channel(OTHER_CHANNEL) is not None


@pytest.mark.parametrize("how", ["RECONNECT", "dropped"])
async def test_the_client_resumes_on_the_resume_gateway_url(
    discord_standin: DiscordStandIn, bot: Bot, how: str
) -> None:
    if how == "RECONNECT":
        await discord_standin.request_reconnect()
    else:
        await discord_standin.drop_gateway(code=4000)
    resumed = discord_standin.sessions[-1]
    assert resumed.path == "/resume" and resumed.resumed
    assert any(p["op"] == 6 and p["d"]["session_id"] == resumed.session_id for p in resumed.received)
    handle = await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "ping")
    assert (await handle.response()).content == "pong"  # interactions keep flowing on the resumed session


# -- application commands --------------------------------------------------------------------------------------
async def test_tree_sync_puts_the_command_definitions(discord_standin: DiscordStandIn, bot: Bot) -> None:
    app_id = discord_standin.application_id
    [put] = discord_standin.requests_to(f"PUT /applications/{app_id}/guilds/{GUILD_ID}/commands")
    assert {c["name"] for c in put.json} == {"ping", "watch", "admin", "pages", "slow"}
    watch = next(c for c in put.json if c["name"] == "watch")
    add = next(o for o in watch["options"] if o["name"] == "add")
    assert add["type"] == 1 and add["options"][0] == {**add["options"][0], "name": "keyword", "type": 3}
    assert add["options"][0]["autocomplete"] is True
    registered = discord_standin.command("watch", GUILD_ID)
    assert registered is not None and registered["guild_id"] == str(GUILD_ID)
    fetched = await bot.tree.fetch_commands(guild=discord.Object(GUILD_ID))
    assert {c.name: c.id for c in fetched}["watch"] == int(registered["id"])


async def test_ping_answers_ephemerally_in_time(discord_standin: DiscordStandIn, bot: Bot) -> None:
    handle = await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "/ping")
    reply = await handle.response()
    assert (reply.type, reply.content, reply.flags) == (4, "pong", FLAG_EPHEMERAL)
    assert reply.ephemeral and reply.elapsed < 3.0


async def test_subcommand_with_manage_server_is_run(discord_standin: DiscordStandIn, bot: Bot) -> None:
    handle = await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch add", {"keyword": "kursk"})
    assert handle.payload["data"]["options"] == [
        {"name": "add", "type": 1, "options": [{"name": "keyword", "type": 3, "value": "kursk"}]}
    ]
    assert int(handle.payload["member"]["permissions"]) & MANAGE_GUILD  # from the Editors role
    reply = await handle.message()
    assert reply.content == "Watching **kursk**." and reply.ephemeral
    assert bot.seen == [f"add kursk in {GUILD_ID}"]


async def test_a_subcommand_group_is_sent_as_nested_options(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    handle = await discord_standin.interact(
        GUILD_ID, ALERTS, EDITOR, "admin feeds remove", {"url": "https://example.org/rss", "now": True}
    )
    assert handle.payload["data"]["options"] == [
        {
            "name": "feeds",
            "type": 2,
            "options": [
                {
                    "name": "remove",
                    "type": 1,
                    "options": [
                        {"name": "url", "type": 3, "value": "https://example.org/rss"},
                        {"name": "now", "type": 5, "value": True},
                    ],
                }
            ],
        }
    ]
    assert (await handle.message()).content == "removed https://example.org/rss now=True"


async def test_member_without_permission_is_refused_ephemerally(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    handle = await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "watch add", {"keyword": "kursk"})
    reply = await handle.message()
    assert reply.content == REFUSAL and reply.flags & FLAG_EPHEMERAL
    assert bot.seen == []
    # an explicit permission bitfield overrides the roles, e.g. for an administrator
    admin = await discord_standin.interact(
        GUILD_ID, ALERTS, REPORTER, "watch add", {"keyword": "kharkiv"}, permissions=discord.Permissions.all()
    )
    assert (await admin.message()).content == "Watching **kharkiv**."


async def test_a_deferred_answer_is_the_edited_original(discord_standin: DiscordStandIn, bot: Bot) -> None:
    handle = await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "watch list")
    reply = await handle.message()
    assert [r.kind for r in handle.replies] == ["callback", "edit"]
    assert handle.replies[0].type == 5 and handle.replies[0].flags == FLAG_EPHEMERAL
    assert (reply.kind, reply.content, reply.ephemeral) == ("edit", "Watching: kursk", True)
    assert reply.elapsed < 3.0


async def test_autocomplete_gets_choices(discord_standin: DiscordStandIn, bot: Bot) -> None:
    handle = await discord_standin.autocomplete(
        GUILD_ID, ALERTS, EDITOR, "watch add", {"keyword": "k"}, focused="keyword"
    )
    reply = await handle.response()
    assert reply.type == 8 and [c["value"] for c in reply.choices] == ["kursk", "kharkiv"]


async def test_unknown_commands_and_options_are_refused_by_the_stand_in(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    with pytest.raises(LookupError, match="not registered"):
        await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "claims", {"keyword": "kursk"})
    with pytest.raises(ValueError, match="no option"):
        await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch add", {"word": "kursk"})
    with pytest.raises(ValueError, match="missing required"):
        await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch add")
    with pytest.raises(ValueError, match="1–50 characters"):  # app_commands.Range → max_length
        await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch add", {"keyword": "x" * 51})
    with pytest.raises(ValueError, match="no subcommand"):
        await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch drop", {"keyword": "kursk"})


async def test_a_callback_after_three_seconds_is_unknown_interaction(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    discord_standin.interaction_deadline = 0.2  # Discord's 3 s, shortened so the test is quick
    handle = await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "slow")
    await discord_standin.wait_until(lambda: bot.errors, 3, "the bot to see its late answer refused")
    [error] = bot.errors
    assert isinstance(error, discord.NotFound) and error.code == 10062
    assert handle.replies == []


# -- posting to channels -----------------------------------------------------------------------------------------
def alert_embed() -> discord.Embed:
    embed = discord.Embed(title="Kursk: 12 villages", description="Figure from the seed article")
    embed.add_field(name="Source", value="seeds")
    return embed


async def test_an_embed_is_posted_with_no_mentions_parsed(discord_standin: DiscordStandIn, bot: Bot) -> None:
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    message = await channel.send(embed=alert_embed(), allowed_mentions=discord.AllowedMentions.none())
    [posted] = discord_standin.messages[ALERTS]
    assert message.id == posted.id and message.embeds[0].title == "Kursk: 12 villages"
    assert posted.allowed_mentions == {"parse": []}
    assert posted.embeds[0]["title"] == "Kursk: 12 villages" and posted.body["embeds"][0]["fields"] == [
        {"name": "Source", "value": "seeds", "inline": True}
    ]
    assert discord_standin.messages.get(NEWSROOM, []) == []


async def test_a_429_is_waited_out_and_delivered_once(discord_standin: DiscordStandIn, bot: Bot) -> None:
    fault = discord_standin.fail("POST /channels/{id}/messages", 429, retry_after=0.2)
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    await channel.send(embed=alert_embed(), allowed_mentions=discord.AllowedMentions.none())
    attempts = discord_standin.requests_to(f"POST /channels/{ALERTS}/messages")
    assert [a.status for a in attempts] == [429, 200] and fault.hits == 1
    assert attempts[1].at - attempts[0].at >= 0.2  # discord.py slept retry_after before retrying
    assert len(discord_standin.messages[ALERTS]) == 1


async def test_a_403_raises_forbidden_until_fixed(discord_standin: DiscordStandIn, bot: Bot) -> None:
    fault = discord_standin.fail(f"POST /channels/{ALERTS}/messages", 403, times=None)
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    for _ in range(2):
        with pytest.raises(discord.Forbidden) as caught:
            await channel.send("alert")
        assert caught.value.code == 50001 and caught.value.text == "Missing Access"
    assert discord_standin.messages.get(ALERTS, []) == []
    discord_standin.clear_faults(fault)  # the fix: the bot got its permission back
    await channel.send("alert")
    assert [m.content for m in discord_standin.messages[ALERTS]] == ["alert"]


async def test_a_channel_overwrite_denies_the_bot_until_removed(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    await discord_standin.set_overwrite(ALERTS, deny=SEND_MESSAGES)  # an admin locks the bot out
    me = channel.guild.me
    await discord_standin.wait_until(
        lambda: not channel.permissions_for(me).send_messages, 3, "CHANNEL_UPDATE"
    )
    with pytest.raises(discord.Forbidden) as caught:
        await channel.send("alert")
    assert caught.value.code == 50013
    await discord_standin.set_overwrite(ALERTS)  # and lets it back in
    await discord_standin.wait_until(lambda: channel.permissions_for(me).send_messages, 3, "CHANNEL_UPDATE")
    await channel.send("alert")
    assert [m.content for m in discord_standin.messages[ALERTS]] == ["alert"]


async def test_unknown_channels_and_bad_bodies_answer_like_discord(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    gone = bot.client.get_partial_messageable(1_200_000_000_000_000_999)
    with pytest.raises(discord.NotFound) as caught:
        await gone.send("hello")
    assert caught.value.code == 10003
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    with pytest.raises(discord.HTTPException) as bad:
        await channel.send(embed=discord.Embed(title="x" * 257))
    assert bad.value.status == 400 and bad.value.code == 50035


async def test_two_servers_reach_the_bot_each_with_its_own_guild(
    discord_standin: DiscordStandIn, bot: Bot
) -> None:
    await discord_standin.add_guild(OTHER_GUILD_ID, "Sports desk", channels=[OTHER_CHANNEL], members=[EDITOR])
    await asyncio.wait_for(bot.joined.get(), 3)
    other = discord.Object(OTHER_GUILD_ID)
    bot.tree.copy_global_to(guild=other)
    await bot.tree.sync(guild=other)
    here = await discord_standin.interact(GUILD_ID, ALERTS, EDITOR, "watch add", {"keyword": "kursk"})
    there = await discord_standin.interact(
        OTHER_GUILD_ID, OTHER_CHANNEL, EDITOR, "watch add", {"keyword": "derby"}, permissions=MANAGE_GUILD
    )
    await here.message()
    await there.message()
    assert sorted(bot.seen) == sorted([f"add kursk in {GUILD_ID}", f"add derby in {OTHER_GUILD_ID}"])
    for guild_id, channel_id in ((GUILD_ID, ALERTS), (OTHER_GUILD_ID, OTHER_CHANNEL)):
        channel = bot.client.get_channel(channel_id)
        assert isinstance(channel, discord.TextChannel)
        await channel.send(f"alert for {guild_id}", allowed_mentions=discord.AllowedMentions.none())
    assert [m.guild_id for m in discord_standin.messages[OTHER_CHANNEL]] == [OTHER_GUILD_ID]
    assert [m.content for m in discord_standin.messages[ALERTS]] == [f"alert for {GUILD_ID}"]


async def test_a_button_press_updates_the_message(discord_standin: DiscordStandIn, bot: Bot) -> None:
    first = await (await discord_standin.interact(GUILD_ID, ALERTS, REPORTER, "pages")).message()
    assert first.content == "page 1" and first.message is not None
    press = await discord_standin.click(first, "pages:next", REPORTER)
    update = await press.response()
    assert update.type == 7 and update.content == "page 2"
    assert first.message["content"] == "page 2"  # the stand-in's copy of the message was edited
    again = await (await discord_standin.click(first, "pages:next", REPORTER)).response()
    assert again.content == "page 3"
    with pytest.raises(ValueError, match="no component"):
        await discord_standin.click(first, "pages:previous", REPORTER)


async def test_a_repeated_nonce_returns_the_first_message(discord_standin: DiscordStandIn, bot: Bot) -> None:
    channel = bot.client.get_channel(ALERTS)
    assert isinstance(channel, discord.TextChannel)
    first = await channel.send("alert", nonce="alert-1")
    second = await channel.send("alert", nonce="alert-1")  # e.g. resent after a crash
    assert first.id == second.id
    [posted] = discord_standin.messages[ALERTS]
    assert posted.repeats == 1 and posted.body["enforce_nonce"] is True
    with pytest.raises(discord.HTTPException) as caught:
        await channel.send("alert", nonce="x" * 26)
    assert caught.value.code == 50035


# -- shards --------------------------------------------------------------------------------------------------------
class ShardedClient(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """discord.py waits 5 s before each shard after the first (Discord's identify rate); not here."""


def sharded(**options: object) -> ShardedClient:
    return ShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.1, **options)  # type: ignore[arg-type]


async def add_guilds_on_shards(standin: DiscordStandIn, count: int) -> dict[int, tuple[int, int]]:
    """Two guilds on each of `count` shards: guild id → (its shard, its channel)."""
    guilds: dict[int, tuple[int, int]] = {}
    for shard in (i for i in range(count) for _ in range(2)):
        guild_id, channel_id = snowflake_on_shard(shard, count), snowflake_on_shard(shard, count)
        await standin.add_guild(guild_id, f"shard {shard} guild", channels=[channel_id], members=[EDITOR])
        guilds[guild_id] = (shard, channel_id)
    return guilds


async def test_an_auto_sharded_client_asks_gateway_bot_and_gets_each_guild_on_its_shard(
    discord_standin: DiscordStandIn,
) -> None:
    discord_standin.shards = 3
    guilds = await add_guilds_on_shards(discord_standin, 3)
    assert all(shard_of(g, 3) == shard for g, (shard, _) in guilds.items())
    client = sharded()
    async with discord_standin.running(client):
        assert len(discord_standin.requests_to("GET /gateway/bot")) == 1  # no shard_count: Discord's advice
        assert client.shard_count == 3 and sorted(client.shards) == [0, 1, 2]
        sessions = await discord_standin.wait_shards(0, 1, 2)
        for shard, session in enumerate(sessions):
            identify = next(p["d"] for p in session.received if p["op"] == 2)
            assert identify["shard"] == [shard, 3] and identify["intents"] & INTENT_GUILDS
            [ready] = session.events("READY")
            mine = sorted(str(g) for g, (s, _) in guilds.items() if s == shard)
            assert ready["shard"] == [shard, 3] and sorted(g["id"] for g in ready["guilds"]) == mine
            assert sorted(g["id"] for g in session.events("GUILD_CREATE")) == mine
        for guild_id, (shard, _) in guilds.items():
            guild = client.get_guild(guild_id)
            assert guild is not None and guild.shard_id == shard and not guild.unavailable
    assert discord_standin.unhandled == []


async def test_two_clients_split_the_shards_and_each_answers_its_own_guilds(
    discord_standin: DiscordStandIn,
) -> None:
    guilds = await add_guilds_on_shards(discord_standin, 2)
    bots = [build_bot(sharded(shard_count=2, shard_ids=[shard])) for shard in (0, 1)]
    async with discord_standin.running(bots[0].client), discord_standin.running(bots[1].client):
        assert discord_standin.requests_to("GET /gateway/bot") == []  # a shard_count needs no advice
        await bots[0].tree.sync()  # global commands: every guild, whichever shard
        for shard, b in enumerate(bots):
            assert {g.id for g in b.client.guilds} == {g for g, (s, _) in guilds.items() if s == shard}
        for guild_id, (shard, channel_id) in guilds.items():
            handle = await discord_standin.interact(
                guild_id, channel_id, EDITOR, "watch add", {"keyword": "x"}, permissions=MANAGE_GUILD
            )
            assert (await handle.response()).content == "Watching **x**."
            assert bots[shard].seen[-1] == f"add x in {guild_id}"
            session = discord_standin.session_of_shard(shard)
            assert session is not None and str(handle.id) in {
                i["id"] for i in session.events("INTERACTION_CREATE")
            }
        assert [len(b.seen) for b in bots] == [2, 2]  # each answered its own, never the other's
    assert discord_standin.unhandled == []
