"""The Discord front end: slash commands on the shared handlers, and alert delivery as embeds.

- One `discord.Client` with an app-command tree and minimal intents (guilds only: no message content). Start-up
  work lives in `setup_hook`, which runs once (on_ready may fire again after a reconnect): commands are synced to
  the configured development server, the scheduler starts polling, the delivery loop starts. Global sync is an
  explicit `claimdesk discord sync`, never done on every start (Discord rate-limits it and it takes an hour to
  spread).
- With `[discord] shard_count` the client is discord.py's `AutoShardedClient` (`ShardedClaimdeskBot`, the same
  bot on another base): this process keeps the gateway of its `shard_ids`, so it gets and answers only their
  servers' interactions; delivery is REST, so any process delivers to any server.
- A team is a server (`discord:<server id>`); every command is server-only, and a team sees and changes only
  its own data. Configuration commands need Manage Server or the configured manager role: one decorator,
  `manages`, enforces it with a check and hints it with `default_permissions` so Discord hides them from others.
- The commands are built from their declarations next to the handlers (handlers.commands; `add_commands`): a
  group for each name with a space, an option for each handler parameter, typed and limited as declared. Each
  calls its handler with its typed options, and the reply is rendered as embeds (bot.adapters.discord_embeds) —
  no text is parsed or rewritten on the way. Handlers name the server's team "this server" and channels by their
  mentions through `DiscordNames`.
- Alerts go out through `DiscordSink` (bot.adapters.discord_sink); long replies get `Pager` buttons
  (bot.adapters.discord_pager).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any, Optional, TypeVar

import discord
from discord import app_commands

from bot.adapters.discord_embeds import reply_embeds
from bot.adapters.discord_pager import EDIT_FAILED, PAGE, Pager
from bot.adapters.discord_sink import DiscordSink, as_embed, team_of
from bot.app import App
from bot.config import DiscordSettings
from bot.core.replies import Reply
from handlers import Caller, ChannelRef, Context, Names
from handlers.commands import GROUPS, Call, Param, Spec, Suggest, declared

log = logging.getLogger("claimdesk")
T = TypeVar("T")
_CHANNEL_ID = re.compile(r"\d{15,21}")
Callback = Callable[..., Coroutine[Any, Any, None]]
Autocomplete = Callable[[discord.Interaction, str], Coroutine[Any, Any, list[app_commands.Choice[str]]]]


class DiscordNames(Names):
    """Handlers name a server's team 'this server' and a channel by its mention '<#id>' (shown as the channel)."""

    def team(self, name: str, *, start: bool = True) -> str:
        if name.startswith("discord:"):
            return "This server" if start else "this server"
        return super().team(name, start=start)

    def channel(self, channel: str) -> str:
        return f"<#{channel}>" if _CHANNEL_ID.fullmatch(channel) else super().channel(channel)


DISCORD_NAMES = DiscordNames()


class ClaimdeskBot(discord.Client):
    """The bot on one gateway connection; `ShardedClaimdeskBot` is the same on discord.py's sharded client
    (`ClaimdeskBot.build` picks by `[discord] shard_count`)."""

    def __init__(self, app: App, settings: DiscordSettings, *, serve: bool = True, **options: Any) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # servers and their channels; no message content, no members list
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none(), **options)
        self.app = app
        self.settings = settings
        self.serve = serve  # False: log in to manage commands only (claimdesk discord sync)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        add_commands(self)

    @classmethod
    def build(cls, app: App, settings: DiscordSettings, *, serve: bool = True) -> ClaimdeskBot:
        """The bot a `run` connects: sharded when `[discord] shard_count` is set, else on one connection."""
        if settings.shard_count is not None and serve:
            return ShardedClaimdeskBot(app, settings)
        return cls(app, settings, serve=serve)

    # -- life cycle ---------------------------------------------------------------------------------------------
    async def setup_hook(self) -> None:
        """Runs once, before the gateway connects: sync to the dev server, start polling and delivering."""
        if not self.serve:
            return
        if self.settings.dev_guild:
            guild = discord.Object(self.settings.dev_guild)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
            log.info("synced %d commands to development server %s", len(synced), self.settings.dev_guild)
        self.app.start()

    async def close(self) -> None:
        """Stop polling, let polls under way finish, deliver what is queued (when connected), then disconnect."""
        if self.serve:  # a client that only manages commands never started the app's background work
            await self.app.stop(deliver=self.is_ready())
        await super().close()

    async def on_ready(self) -> None:
        log.info("connected to Discord as %s in %d server(s)", self.user, len(self.guilds))

    # -- commands -----------------------------------------------------------------------------------------------
    def caller(self, interaction: discord.Interaction) -> Caller:
        assert interaction.guild_id is not None  # every command is server-only
        team = team_of(interaction.guild_id)
        return Caller(
            team=team,
            can_manage=may_manage(interaction, self.settings.manager_role),
            channel=str(interaction.channel_id),
            # never a local file for a member, and only so many fetches per server an hour
            read_feed=self.app.service.team_feed_reader(team),
            names=DISCORD_NAMES,
        )

    async def answer(self, interaction: discord.Interaction, call: Call) -> None:
        """Call a handler and reply: configuration and errors privately, lookups in the channel, paged."""
        caller = self.caller(interaction)
        reply = await call(Context(self.app.store, caller))
        private = reply.ephemeral or reply.error

        async def load(page: int) -> Reply:  # a lookup's later pages, asked for as the buttons turn
            return await call(Context(self.app.store, replace(caller, page=page)))

        if reply.page is not None:
            view: Pager | None = Pager(reply, interaction.user.id, load)
        else:
            view = Pager(reply, interaction.user.id) if len(reply.items) > PAGE else None
        embeds = view.embeds() if view else [as_embed(e) for e in reply_embeds(reply, per_page=PAGE)]
        if interaction.response.is_done():  # deferred
            if private:
                await self._end_public_thinking(interaction)
            else:  # the answer takes the thinking message's place: an error after this must not delete it
                interaction.extras.pop("public_thinking", None)
            if view is not None:
                sent = await interaction.followup.send(embeds=embeds, ephemeral=private, view=view, wait=True)
                view.shown_through(sent.edit)
            else:
                await interaction.followup.send(embeds=embeds, ephemeral=private)
        elif view is not None:
            await interaction.response.send_message(embeds=embeds, ephemeral=private, view=view)
            view.shown_through(interaction.edit_original_response)
        else:
            await interaction.response.send_message(embeds=embeds, ephemeral=private)

    async def tell(self, interaction: discord.Interaction, text: str) -> None:
        """A short private answer (a refusal, an error)."""
        embed = discord.Embed(description=text, colour=0xE74C3C)
        if interaction.response.is_done():
            await self._end_public_thinking(interaction)
            await interaction.followup.send(embed=embed, ephemeral=True)
        else:
            await interaction.response.send_message(embed=embed, ephemeral=True)

    @staticmethod
    async def think_in_public(interaction: discord.Interaction) -> None:
        """Defer a lookup whose answer goes to the channel ("claimdesk is thinking…", seen by all)."""
        await interaction.response.defer(thinking=True)
        interaction.extras["public_thinking"] = True

    @staticmethod
    async def _end_public_thinking(interaction: discord.Interaction) -> None:
        """Discord turns the first followup after a defer into the "thinking" message, as public as it was; so
        before a private answer (a refusal, an error) to a lookup, delete that message: only the asker sees it."""
        if not interaction.extras.pop("public_thinking", False):
            return
        try:
            await interaction.delete_original_response()
        except EDIT_FAILED as exc:  # the private followup is still sent
            log.info("could not delete a lookup's thinking message: %s", exc)

    async def _on_command_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        if isinstance(error, app_commands.CheckFailure):
            text = (
                "Changing claimdesk's settings needs the **Manage Server** permission"
                + (f" or the **{self.settings.manager_role}** role" if self.settings.manager_role else "")
                + "."
            )
            if isinstance(error, app_commands.NoPrivateMessage):
                text = "claimdesk's commands work in a server, not in direct messages."
        else:
            log.error("command %s failed", interaction.command and interaction.command.name, exc_info=error)
            text = "Something went wrong on claimdesk's side; the error is logged. Please try again."
        await self.tell(interaction, text)


class ShardedClaimdeskBot(ClaimdeskBot, discord.AutoShardedClient):
    """The bot on discord.py's sharded client: `[discord] shard_count` shards in all, of which this process keeps
    the gateway of `shard_ids` (all, when not given). Discord sends a server's events and interactions only on its
    shard, `(server id >> 22) % shard_count`, so each process answers its shards' servers and caches only theirs.
    The commands and the answers are ClaimdeskBot's, unchanged (the app-command tree works the same on both).
    Delivery is REST and needs no gateway (bot.adapters.discord_sink): any process delivers to any server."""

    def __init__(self, app: App, settings: DiscordSettings) -> None:
        assert settings.shard_count is not None
        ids = list(settings.shard_ids) if settings.shard_ids is not None else None
        super().__init__(app, settings, shard_count=settings.shard_count, shard_ids=ids)

    async def on_ready(self) -> None:
        log.info(
            "connected to Discord as %s in %d server(s) on shard(s) %s of %d",
            self.user,
            len(self.guilds),
            ", ".join(str(i) for i in sorted(self.shards)),
            self.shard_count or 0,
        )


def may_manage(interaction: discord.Interaction, manager_role: str | None) -> bool:
    """Manage Server in this server, or the configured manager role."""
    if interaction.permissions.manage_guild:
        return True
    roles = getattr(interaction.user, "roles", [])
    return bool(manager_role) and any(r.name == manager_role for r in roles)


def manages(manager_role: Callable[[], str | None]) -> Callable[[T], T]:
    """The one permission decorator of a command that changes settings (RoboDanny's hybrid_permissions_check):
    it enforces — a check, so a member without Manage Server or the manager role gets a private refusal before
    any handler runs — and it hints, with `default_permissions`, so Discord hides the command from other members
    (for a group's subcommand Discord reads the group's). The handler checks again (handlers.context.manages),
    for the CLI and anyone else who calls it."""

    async def check(interaction: discord.Interaction) -> bool:
        return may_manage(interaction, manager_role())

    def decorate(command: T) -> T:
        app_commands.check(check)(command)
        return app_commands.default_permissions(manage_guild=True)(command)

    return decorate


def add_commands(bot: ClaimdeskBot) -> None:
    """Every command declared in handlers/ (handlers.commands) as an app command: no line here a command.

    Groups come from the names with a space; every command is server-only; a command that changes settings
    carries `manages`; its options are the handler's parameters, typed (`option_annotation`); a lookup says
    "thinking…" to the channel first, a feed try privately; the answer goes through `bot.answer`."""
    manager_only = manages(lambda: bot.settings.manager_role)

    async def speakers(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await bot.app.store.speakers(current, 25)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names]

    async def keywords(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        team = await bot.app.store.team(team_of(interaction.guild_id or 0))
        words = [w.keyword for w in await bot.app.store.watches(team.id)] if team else []
        return [app_commands.Choice(name=w[:100], value=w[:100]) for w in words if current.lower() in w][:25]

    async def own_feeds(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        team = await bot.app.store.team(team_of(interaction.guild_id or 0))
        rows = [f for f in await bot.app.store.feeds(team.id) if f.team_id == team.id] if team else []
        return [
            app_commands.Choice(name=f"{f.name} — {f.url}"[:100], value=f.url[:100])
            for f in rows
            if current.lower() in (f.name + f.url).lower() and len(f.url) <= 100
        ][:25]

    suggestions: dict[Suggest, Autocomplete] = {
        "speakers": speakers,
        "keywords": keywords,
        "own_feeds": own_feeds,
    }
    groups: dict[str, app_commands.Group] = {}
    for spec in declared():
        callback = _callback(bot, spec)
        described = {p.name: p.description for p in spec.params if p.description}
        if described:
            app_commands.describe(**described)(callback)
        suggested = {p.name: suggestions[p.autocomplete] for p in spec.params if p.autocomplete}
        if suggested:
            app_commands.autocomplete(**suggested)(callback)
        if spec.manages:
            manager_only(callback)
        if spec.group is None:
            app_commands.guild_only()(callback)
            bot.tree.add_command(
                app_commands.Command(name=spec.name, description=spec.description, callback=callback)
            )
            continue
        parent = groups.get(spec.group)
        if parent is None:
            declared_group = GROUPS[spec.group]
            parent = groups[spec.group] = app_commands.Group(
                name=declared_group.name,
                description=declared_group.description,
                guild_only=True,
                default_permissions=discord.Permissions(manage_guild=True)
                if declared_group.manages
                else None,
            )
            bot.tree.add_command(parent)
        parent.add_command(
            app_commands.Command(
                name=spec.leaf, description=spec.description, callback=callback, parent=parent
            )
        )


def _callback(bot: ClaimdeskBot, spec: Spec) -> Callback:
    """The command's callback: (interaction, <the handler's parameters as Discord options>), calling the
    handler with them. discord.py reads the options from `inspect.signature`, so the signature is set."""

    async def callback(interaction: discord.Interaction, **options: Any) -> None:
        if spec.defer == "public":
            await bot.think_in_public(interaction)
        elif spec.defer == "private":
            await interaction.response.defer(ephemeral=True, thinking=True)
        values = {p.name: handler_value(p, options[p.name]) for p in spec.params if p.name in options}
        await bot.answer(interaction, lambda ctx: spec.handler(ctx, **values))

    first = inspect.Parameter(
        "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
    )
    options = [
        inspect.Parameter(
            p.name,
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            annotation=option_annotation(p),
            default=inspect.Parameter.empty if p.required else p.default,
        )
        for p in spec.params
    ]
    callback.__signature__ = inspect.Signature([first, *options])  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = spec.name.replace(" ", "_")
    return callback


def option_annotation(param: Param) -> object:
    """A handler's parameter as discord.py types an option: text Range[str, 1, MaxLen], a number
    Range[int, low, high] (from 0 when 0 says off), a channel a text channel; Optional when it has a default."""
    ranged: Any = app_commands.Range
    if param.kind == "channel":
        annotation: object = discord.TextChannel
    elif param.kind == "text":
        annotation = ranged[str, 1, param.max_length] if param.max_length else str
    elif param.low is not None and param.high is not None:
        annotation = ranged[int, 0 if param.off else param.low, param.high]
    else:
        annotation = int
    return annotation if param.required or param.default is not None else Optional[annotation]  # noqa: UP045


def handler_value(param: Param, value: object) -> object:
    """An option's value as the handler takes it: a channel as its ChannelRef (the id), 0 as None (off)."""
    if param.kind == "channel" and isinstance(value, discord.abc.Snowflake):
        return ChannelRef(str(value.id))
    if param.off and value == 0:
        return None
    return value


async def run_discord(app: App, sink: DiscordSink, token: str, stop: asyncio.Event) -> None:
    """Connect and serve until `stop` is set (Ctrl-C, SIGTERM), then close cleanly."""
    bot = ClaimdeskBot.build(app, app.settings.discord)
    sink.client = bot
    async with bot:
        runner = asyncio.create_task(bot.start(token))
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if runner in done:
            stopper.cancel()
            runner.result()  # a login failure surfaces here
        await bot.close()
        await asyncio.gather(runner, return_exceptions=True)


async def sync_global(app: App, token: str) -> int:
    """`claimdesk discord sync`: publish the commands to every server (Discord takes up to an hour)."""
    bot = ClaimdeskBot(app, app.settings.discord, serve=False)
    async with bot:
        await bot.login(token)
        synced = await bot.tree.sync()
    return len(synced)


__all__ = [
    "ClaimdeskBot",
    "DiscordNames",
    "DiscordSink",
    "Pager",
    "ShardedClaimdeskBot",
    "manages",
    "run_discord",
    "sync_global",
    "team_of",
]
