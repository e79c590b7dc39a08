"""The Discord front end: slash commands on the shared handlers, and alert delivery as embeds.

- One `discord.Client` with an app-command tree and minimal intents (guilds only: no message content). Start-up
  work lives in `setup_hook`, which runs once (on_ready may fire again after a reconnect): commands are synced to
  the configured development server, the scheduler starts polling, the delivery loop starts. Global sync is an
  explicit `claimdesk discord sync`, never done on every start (Discord rate-limits it and it takes an hour to
  spread).
- A team is a server (`discord:<server id>`); every command is server-only, and a team sees and changes only
  its own data. Configuration commands need Manage Server or the configured manager role — enforced by a check,
  and hinted with `default_permissions` so Discord hides them from other members.
- Alerts go out as embeds (bot.core.embeds) with `AllowedMentions.none()`: feed text may hold `@everyone`,
  `<@&role>` or `<@user>`, and must never ping anyone. The delivery key is the message nonce, which discord.py
  sends with `enforce_nonce`, so a message resent after a crash is not shown twice. 429s are retried by
  discord.py; what it gives up on stays queued in the outbox. A 403 or 404 on a channel pauses that route
  (`RouteUnavailable`), keeps its alerts, and retries it now and then.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bot.adapters.scheduler import FeedScheduler
from bot.bootstrap import App
from bot.config import DiscordSettings
from bot.core.embeds import alert_embed, reply_embeds
from bot.core.replies import Reply
from bot.service import MessageRejected, RouteUnavailable
from handlers import Caller, dispatch

log = logging.getLogger("claimdesk")
_CHANNEL_ID = re.compile(r"#(\d{15,21})\b")
PAGE = 10  # reply items per page
TOKEN_LIFE = 15 * 60  # seconds an interaction's token may edit its messages
PAGER_TIMEOUT = 600.0  # seconds without a click before a reply's page buttons are disabled: under TOKEN_LIFE
# what a tidy-up edit of a reply may meet: Discord refused it, or could not be reached
EDIT_FAILED = (discord.HTTPException, aiohttp.ClientError, OSError)


def team_of(guild_id: int) -> str:
    return f"discord:{guild_id}"


_TEAM = re.compile(r"(Team )?“discord:\d+”")


def _for_discord(text: str) -> str:
    """Handlers speak of channels as '#123…' and of teams by name; in Discord a channel id becomes '<#…>' (shown
    as the channel) and a server's team name 'discord:<id>' becomes 'this server'."""
    text = _CHANNEL_ID.sub(r"<#\1>", text)
    return _TEAM.sub(lambda m: "This server" if m.group(1) else "this server", text)


def _embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


def _localised(reply: Reply) -> Reply:
    """A handler's reply in Discord's terms, before it is cut to Discord's limits (bot.core.embeds)."""
    return replace(
        reply,
        title=_for_discord(reply.title),
        note=_for_discord(reply.note),
        items=tuple(
            replace(i, title=_for_discord(i.title), lines=tuple(_for_discord(ln) for ln in i.lines))
            for i in reply.items
        ),
    )


class DiscordSink:
    """Sends planned messages to channels by id. `client` is set once the bot is built (it needs the app, the app
    needs a sink)."""

    name = "discord"

    def __init__(self) -> None:
        self.client: discord.Client | None = None

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        client = self.client
        if client is None or not client.is_ready():
            raise ConnectionError("not connected to Discord yet")
        if not channel.isdigit():
            raise RouteUnavailable(
                channel, "not a Discord channel id; set the team's channel with /watch add"
            )
        try:
            target = client.get_channel(int(channel)) or await client.fetch_channel(int(channel))
        except (discord.NotFound, discord.Forbidden) as exc:
            raise RouteUnavailable(channel, f"{exc.status} {exc.text or 'no access'}") from None
        if not isinstance(target, discord.abc.Messageable):
            raise RouteUnavailable(channel, "not a channel messages can be sent to")
        team = str(payload.get("team") or "")
        guild = getattr(target, "guild", None)
        if team.startswith("discord:") and (guild is None or team != team_of(guild.id)):
            # a server's alerts go only to its own channels, whatever a watch was told
            raise RouteUnavailable(channel, "the channel is not in this team's server")
        try:
            await target.send(
                embed=_embed(alert_embed(payload)),
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=key[-25:],  # Discord takes at most 25 characters; with enforce_nonce it drops a repeat
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            raise RouteUnavailable(channel, f"{exc.status} {exc.text or 'no access'}") from None
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise MessageRejected(f"{exc.status} {exc.text}") from None
            raise


class Pager(discord.ui.View):
    """Previous / next buttons over a long reply; only the person who asked may turn its pages.

    When the asker has not clicked for `PAGER_TIMEOUT` the buttons are shown disabled, so a late click is not met
    by Discord's "This interaction failed". The edit goes through the newest interaction that showed the message
    (the command's, then each click's): its token is then about `PAGER_TIMEOUT` old, inside Discord's 15 minutes;
    one older than that (a click whose answer failed) is not used.
    """

    def __init__(
        self, reply: Reply, owner: int, load: Callable[[int], Awaitable[Reply]] | None = None
    ) -> None:
        super().__init__(timeout=PAGER_TIMEOUT)
        self.reply, self.owner, self.page = reply, owner, 0
        # a lookup comes one page at a time (`load(n)` asks the handler for page n); other replies are cut here
        self.load = load
        self.pages = int(reply.extra["pages"]) if load else max(1, -(-len(reply.items) // PAGE))
        self.edit: Callable[..., Awaitable[object]] | None = None  # edits the message these buttons are on
        self._edit_since = 0.0  # loop time the interaction behind `edit` was answered
        self._sync()

    def shown_through(self, edit: Callable[..., Awaitable[object]]) -> None:
        """The newest way to edit the message: an interaction that was just answered with it."""
        self.edit, self._edit_since = edit, asyncio.get_running_loop().time()

    def embeds(self) -> list[discord.Embed]:
        return [_embed(e) for e in reply_embeds(self.reply, per_page=PAGE, page=self.page)]

    def _sync(self) -> None:
        self.previous.disabled = self.page == 0
        self.next.disabled = self.page >= self.pages - 1

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner:
            return True
        await interaction.response.send_message(
            "Only the person who asked can turn these pages; run the command yourself to browse.",
            ephemeral=True,
        )
        return False

    async def _turn(self, interaction: discord.Interaction, step: int) -> None:
        self.page = min(max(0, self.page + step), self.pages - 1)
        if self.load is not None:
            self.reply = await self.load(self.page + 1)
        self._sync()
        await interaction.response.edit_message(embeds=self.embeds(), view=self)
        self.shown_through(interaction.edit_original_response)  # a click's "original" is the message it is on

    async def on_timeout(self) -> None:
        for item in self.children:
            if isinstance(item, discord.ui.Button):
                item.disabled = True
        if self.edit is None or asyncio.get_running_loop().time() - self._edit_since > TOKEN_LIFE - 60:
            return
        try:
            await self.edit(view=self)
        except EDIT_FAILED as exc:  # the message was deleted, or Discord is unreachable: the buttons stay
            log.info("could not disable the page buttons of a reply: %s", exc)

    @discord.ui.button(
        label="◀ Previous", style=discord.ButtonStyle.secondary, custom_id="claimdesk:page:previous"
    )
    async def previous(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, -1)

    @discord.ui.button(label="Next ▶", style=discord.ButtonStyle.secondary, custom_id="claimdesk:page:next")
    async def next(self, interaction: discord.Interaction, _: discord.ui.Button[Pager]) -> None:
        await self._turn(interaction, +1)


class ClaimdeskBot(discord.Client):
    def __init__(self, app: App, settings: DiscordSettings, *, serve: bool = True) -> None:
        intents = discord.Intents.none()
        intents.guilds = True  # servers and their channels; no message content, no members list
        super().__init__(intents=intents, allowed_mentions=discord.AllowedMentions.none())
        self.app = app
        self.settings = settings
        self.serve = serve  # False: log in to manage commands only (claimdesk discord sync)
        self.tree = app_commands.CommandTree(self)
        self.tree.on_error = self._on_command_error  # type: ignore[method-assign]
        self._stop = asyncio.Event()
        self._delivery: asyncio.Task[None] | None = None
        self._scheduler: FeedScheduler | None = None
        add_commands(self)

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
        s = self.app.settings
        self._scheduler = FeedScheduler(
            self.app.service.poll,
            jitter=s.jitter,
            misfire_grace=s.misfire_grace,
            extra=self.app.service.team_feeds,
        )
        self._scheduler.start(s.feeds)
        self._delivery = asyncio.create_task(self.app.service.delivery_loop(self._stop))

    async def close(self) -> None:
        """Stop polling, let polls under way finish, deliver what is queued, then disconnect."""
        self._stop.set()
        if self._scheduler is not None:
            self._scheduler.shutdown()
            self._scheduler = None
            await self.app.service.drain()
        if self._delivery is not None:
            await self._delivery
            self._delivery = None
            if self.is_ready():
                await self.app.service.deliver_pending()
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
        )

    async def answer(self, interaction: discord.Interaction, line: str) -> None:
        """Run a handler and reply: configuration and errors privately, lookups in the channel, paged."""
        caller = self.caller(interaction)
        reply = _localised(await dispatch(self.app.store, caller, line))
        private = reply.ephemeral or reply.error

        async def load(page: int) -> Reply:  # a lookup's later pages, asked for as the buttons turn
            return _localised(await dispatch(self.app.store, replace(caller, page=page), line))

        if int(reply.extra.get("pages", "1")) > 1:
            view: Pager | None = Pager(reply, interaction.user.id, load)
        else:
            view = Pager(reply, interaction.user.id) if len(reply.items) > PAGE else None
        embeds = view.embeds() if view else [_embed(e) for e in reply_embeds(reply, per_page=PAGE)]
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


def may_manage(interaction: discord.Interaction, manager_role: str | None) -> bool:
    """Manage Server in this server, or the configured manager role."""
    if interaction.permissions.manage_guild:
        return True
    roles = getattr(interaction.user, "roles", [])
    return bool(manager_role) and any(r.name == manager_role for r in roles)


def add_commands(bot: ClaimdeskBot) -> None:
    """The slash commands, each a thin typed shell over a shared handler (handlers/)."""
    tree = bot.tree

    def manager_only() -> Callable[[Any], Any]:
        async def check(interaction: discord.Interaction) -> bool:
            return may_manage(interaction, bot.settings.manager_role)

        return app_commands.check(check)

    async def speakers(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        names = await bot.app.store.speakers(current, 25)
        return [app_commands.Choice(name=n[:100], value=n[:100]) for n in names]

    async def keywords(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        team = await bot.app.store.team(team_of(interaction.guild_id or 0))
        words = [w.keyword for w in await bot.app.store.watches(team.id)] if team else []
        return [app_commands.Choice(name=w[:100], value=w[:100]) for w in words if current.lower() in w][:25]

    @tree.command(name="claims", description="Figures and quotes on a topic, with who reported them first")
    @app_commands.guild_only()
    @app_commands.describe(topic="words to look for, e.g. kursk")
    async def claims(interaction: discord.Interaction, topic: app_commands.Range[str, 1, 200]) -> None:
        await bot.think_in_public(interaction)
        await bot.answer(interaction, f"/claims {topic}")

    @tree.command(name="quotes", description="What a speaker has been quoted saying, and by which outlets")
    @app_commands.guild_only()
    @app_commands.autocomplete(speaker=speakers)
    async def quotes(interaction: discord.Interaction, speaker: app_commands.Range[str, 1, 100]) -> None:
        await bot.think_in_public(interaction)
        await bot.answer(interaction, f"/quotes {speaker}")

    @tree.command(name="figures", description="Figures on a topic with every value reported and by whom")
    @app_commands.guild_only()
    async def figures(interaction: discord.Interaction, topic: app_commands.Range[str, 1, 200]) -> None:
        await bot.think_in_public(interaction)
        await bot.answer(interaction, f"/figures {topic}")

    @tree.command(name="status", description="Feeds, paused routes, and the alert queue")
    @app_commands.guild_only()
    async def status(interaction: discord.Interaction) -> None:
        await bot.think_in_public(interaction)  # counting a big store can take a moment
        await bot.answer(interaction, "/status")

    watch = app_commands.Group(
        name="watch",
        description="The keywords this server's alerts follow",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @watch.command(name="add", description="Alert on articles with this keyword (or -word to exclude)")
    @app_commands.describe(keyword="a word or phrase; -word excludes", channel="where its alerts go")
    @manager_only()
    async def watch_add(
        interaction: discord.Interaction,
        keyword: app_commands.Range[str, 1, 100],
        channel: discord.TextChannel | None = None,
    ) -> None:
        if "#" in keyword:  # the channel comes only from the typed option, never from text
            await bot.tell(
                interaction, "A keyword cannot contain “#”: pick the alerts' channel in the channel option."
            )
            return
        where = f" #{channel.id}" if channel else ""
        await bot.answer(interaction, f"/watch add {keyword}{where}")

    @watch.command(name="remove", description="Stop following a keyword")
    @app_commands.autocomplete(keyword=keywords)
    @manager_only()
    async def watch_remove(
        interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 100]
    ) -> None:
        await bot.answer(interaction, f"/watch remove {keyword}")

    @watch.command(name="list", description="The keywords this server follows")
    async def watch_list(interaction: discord.Interaction) -> None:
        await bot.answer(interaction, "/watch list")

    tree.add_command(watch)

    alerts = app_commands.Group(
        name="alerts",
        description="Which alerts this server gets, quiet hours and an hourly cap",
        guild_only=True,
        default_permissions=discord.Permissions(manage_guild=True),
    )

    @alerts.command(name="show", description="This server's alert settings")
    async def alerts_show(interaction: discord.Interaction) -> None:
        await bot.answer(interaction, "/alerts")

    @alerts.command(
        name="kinds", description="Alert kinds, e.g. 'new_figure conflicting_figure', or 'default'"
    )
    @manager_only()
    async def alerts_kinds(interaction: discord.Interaction, kinds: app_commands.Range[str, 1, 200]) -> None:
        await bot.answer(interaction, f"/alerts kinds {kinds}")

    @alerts.command(name="quiet", description="Hold alerts during quiet hours, e.g. 22:00-07:00, or 'off'")
    @manager_only()
    async def alerts_quiet(
        interaction: discord.Interaction,
        hours: app_commands.Range[str, 1, 20],
        timezone: app_commands.Range[str, 1, 60] | None = None,
    ) -> None:
        await bot.answer(interaction, f"/alerts quiet {hours} {timezone or ''}".strip())

    @alerts.command(
        name="digest", description="At most this many messages an hour, the rest in a digest; 0: off"
    )
    @manager_only()
    async def alerts_digest(
        interaction: discord.Interaction, per_hour: app_commands.Range[int, 0, 1000]
    ) -> None:
        await bot.answer(interaction, f"/alerts digest {per_hour or 'off'}")

    tree.add_command(alerts)

    feeds = app_commands.Group(name="feeds", description="The feeds claimdesk polls", guild_only=True)

    async def own_feeds(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        team = await bot.app.store.team(team_of(interaction.guild_id or 0))
        rows = [f for f in await bot.app.store.feeds(team.id) if f.team_id == team.id] if team else []
        return [
            app_commands.Choice(name=f"{f.name} — {f.url}"[:100], value=f.url[:100])
            for f in rows
            if current.lower() in (f.name + f.url).lower() and len(f.url) <= 100
        ][:25]

    @feeds.command(name="list", description="Every feed with its last poll, errors and pauses")
    async def feeds_list(interaction: discord.Interaction) -> None:
        await bot.answer(interaction, "/feeds list")

    @feeds.command(name="test", description="Try a feed URL without adding it")
    @app_commands.default_permissions(manage_guild=True)
    @manager_only()  # it makes the bot fetch a URL: not for every member
    async def feeds_test(interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await bot.answer(interaction, f"/feeds test {url}")

    @feeds.command(name="add", description="Poll a feed for this server (tried first)")
    @app_commands.default_permissions(manage_guild=True)
    @manager_only()
    async def feeds_add(interaction: discord.Interaction, url: app_commands.Range[str, 1, 2000]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await bot.answer(interaction, f"/feeds add {url}")

    @feeds.command(name="remove", description="Stop polling one of this server's feeds")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.autocomplete(feed=own_feeds)
    @manager_only()
    async def feeds_remove(interaction: discord.Interaction, feed: app_commands.Range[str, 1, 2000]) -> None:
        await bot.answer(interaction, f"/feeds remove {feed}")

    tree.add_command(feeds)


async def run_discord(app: App, sink: DiscordSink, token: str, stop: asyncio.Event) -> None:
    """Connect and serve until `stop` is set (Ctrl-C, SIGTERM), then close cleanly."""
    bot = ClaimdeskBot(app, app.settings.discord)
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
