"""A slash command is its handler and its declaration (issue 18): a command declared here, in the test, and nowhere
else is parsed by the text front end (`claimdesk ask`) and is a typed app command on Discord — synced to the
stand-in for Discord's API with its option types and limits, and answering there — with no other code touched.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Annotated, Any, cast

import discord
import pytest

from bot.adapters.discord_bot import ClaimdeskBot, DiscordSink
from bot.bootstrap import bootstrap
from bot.config import load_settings
from bot.core.replies import Reply
from handlers import (
    COMMANDS,
    Between,
    Caller,
    ChannelRef,
    Context,
    MaxLen,
    command,
    group,
    manages,
    parse,
    usage,
)
from handlers.commands import GROUPS, REGISTRY
from tests.discord_standin import Channel, DiscordStandIn, Member, Role, discord_standin_fixture  # noqa: F401

GUILD, DESK, NEWS = 1_000_000_000_000_011, 2_000_000_000_000_011, 2_000_000_000_000_012
EDITOR, REPORTER = 3_000_000_000_000_011, 3_000_000_000_000_012
STRING, INTEGER, CHANNEL, SUB_COMMAND = 3, 4, 7, 1


@pytest.fixture
def declared() -> Iterator[None]:
    """/echo <times> <words> [#channel], and /echoes back <words> for managers: declared, then forgotten."""

    @command("echo", "Say the words back, so many times", example="/echo 2 harbour wall #news")
    async def echo(
        ctx: Context,
        times: Annotated[int, Between(1, 5)],
        words: Annotated[str, MaxLen(50)],
        channel: ChannelRef | None = None,
    ) -> Reply:
        where = ctx.channel_name(channel) if channel else "here"
        return Reply(" ".join([words] * times) + f" ({where})")

    group("echoes", "Echoes for managers")

    @command("echoes back", "Say the words back once", example="/echoes back hello", manages=True)
    async def echoes_back(ctx: Context, words: Annotated[str, MaxLen(50)]) -> Reply:
        return Reply(words)

    try:
        yield
    finally:
        del REGISTRY["echo"], REGISTRY["echoes back"], GROUPS["echoes"]


async def _text(line: str) -> Reply:
    call = parse(line)
    return call if isinstance(call, Reply) else await call(Context(cast(Any, None), Caller()))


async def test_the_text_form_parses_a_command_from_its_declaration(declared: None) -> None:
    assert (await _text("/echo 2 harbour wall #news")).title == "harbour wall harbour wall (#news)"
    assert (await _text("/ECHO 1 quay")).title == "quay (here)"
    needs = await _text("/echo")
    assert (
        needs.error
        and needs.title == "/echo needs a times"
        and needs.note == "Example: /echo 2 harbour wall #news"
    )
    assert (await _text("/echo 3")).title == "/echo needs a words"
    wrong = await _text("/echo twice quay")
    assert wrong.error and wrong.title == "/echo takes a whole number"
    assert (await _text("/echoes back hello there")).title == "hello there"
    unknown = await _text("/echoes loud hello")
    assert unknown.error and unknown.note == "Use /echoes back <words>"
    assert "Did you mean /echo?" in (await _text("/ecgo 1 x")).note
    assert {"echo", "echoes"} <= set(COMMANDS) and "/echo <times> <words> [#channel]" in usage()
    assert COMMANDS["echoes"].usage == "/echoes <back>"


@pytest.fixture
async def standin_bot(
    declared: None, discord_standin: DiscordStandIn, tmp_path: Path
) -> AsyncIterator[DiscordStandIn]:
    """The real bot against the stand-in, built once the commands above are declared."""
    editors = Role(4_000_000_000_000_011, "editors", discord.Permissions(manage_guild=True).value)
    await discord_standin.add_guild(
        GUILD,
        "Harbour Gazette",
        channels=[Channel(DESK, "desk"), Channel(NEWS, "news")],
        members=[Member(EDITOR, "editor", roles=[editors.id]), Member(REPORTER, "reporter")],
        roles=[editors],
    )
    config = tmp_path / "discord.toml"
    config.write_text(
        f'sink = "discord"\n[database]\npath = "claimdesk.db"\n[discord]\ndev_guild = {GUILD}\n',
        encoding="utf-8",
    )
    sink = DiscordSink()
    app = await bootstrap(load_settings(config, env={}), sink=sink)
    bot = ClaimdeskBot(app, app.settings.discord)
    sink.client = bot
    try:
        async with discord_standin.running(bot, guild_ready_timeout=0.1):
            yield discord_standin
    finally:
        await app.close()


async def test_discord_gets_a_typed_app_command_from_the_declaration(standin_bot: DiscordStandIn) -> None:
    synced = {c["name"]: c for c in standin_bot.commands[GUILD]}
    echo = synced["echo"]
    assert echo["description"] == "Say the words back, so many times"
    options = {o["name"]: o for o in echo["options"]}
    assert [o["name"] for o in echo["options"]] == ["times", "words", "channel"]
    assert options["times"]["type"] == INTEGER and options["times"]["required"]
    assert (options["times"]["min_value"], options["times"]["max_value"]) == (1, 5)
    assert options["words"]["type"] == STRING and options["words"]["max_length"] == 50
    assert options["channel"]["type"] == CHANNEL and not options["channel"].get("required")
    echoes = synced["echoes"]
    assert [(o["name"], o["type"]) for o in echoes["options"]] == [("back", SUB_COMMAND)]

    handle = await standin_bot.interact(
        GUILD, DESK, EDITOR, "echo", {"times": 2, "words": "harbour wall", "channel": NEWS}
    )
    reply = await handle.message()
    assert reply.embeds[0]["title"] == f"harbour wall harbour wall (<#{NEWS}>)"
    # `manages=True`: a member without Manage Server is refused before the handler runs
    handle = await standin_bot.interact(GUILD, DESK, REPORTER, "echoes back", {"words": "hi"}, permissions=0)
    refused = await handle.message()
    assert refused.ephemeral and "Manage Server" in refused.embeds[0]["description"]
    handle = await standin_bot.interact(GUILD, DESK, EDITOR, "echoes back", {"words": "hi"})
    assert (await handle.message()).embeds[0]["title"] == "hi"


def test_a_declaration_is_checked_where_it_is_made() -> None:
    with pytest.raises(TypeError, match="str, int or ChannelRef"):

        @command("ratio", "A float is no option type here")
        async def ratio(ctx: Context, share: float) -> Reply:
            return Reply(str(share))

    try:  # the permission check must wrap the handler the command runs: @manages goes below @command
        with pytest.raises(TypeError, match="put it below"):

            @manages("Needs Manage Server")
            @command("guarded", "Guarded the wrong way round")
            async def guarded(ctx: Context) -> Reply:
                return Reply("changed")
    finally:
        REGISTRY.pop("guarded", None)
    assert "ratio" not in REGISTRY
