"""A reply longer than a page, in Discord: ◀ ▶ buttons that only its asker may press."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import discord

from bot.adapters.discord_embeds import reply_embeds
from bot.adapters.discord_sink import as_embed
from bot.core.replies import Reply

log = logging.getLogger("claimdesk")
PAGE = 10  # reply items per page
TOKEN_LIFE = 15 * 60  # seconds an interaction's token may edit its messages
PAGER_TIMEOUT = 600.0  # seconds without a click before a reply's page buttons are disabled: under TOKEN_LIFE
# what a tidy-up edit of a reply may meet: Discord refused it, or could not be reached
EDIT_FAILED = (discord.HTTPException, aiohttp.ClientError, OSError)


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
        self.pages = reply.page.count if load and reply.page else max(1, -(-len(reply.items) // PAGE))
        self.edit: Callable[..., Awaitable[object]] | None = None  # edits the message these buttons are on
        self._edit_since = 0.0  # loop time the interaction behind `edit` was answered
        self._sync()

    def shown_through(self, edit: Callable[..., Awaitable[object]]) -> None:
        """The newest way to edit the message: an interaction that was just answered with it."""
        self.edit, self._edit_since = edit, asyncio.get_running_loop().time()

    def embeds(self) -> list[discord.Embed]:
        return [as_embed(e) for e in reply_embeds(self.reply, per_page=PAGE, page=self.page)]

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
