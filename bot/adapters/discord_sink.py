"""Alerts to Discord: planned messages sent as embeds (bot.adapters.discord_embeds) to channels by id.

Every message goes with `AllowedMentions.none()`: feed text may hold `@everyone`, `<@&role>` or `<@user>`, and
must never ping anyone. The delivery key is the message nonce, which discord.py sends with `enforce_nonce`, so a
message resent after a crash is not shown twice. 429s are retried by discord.py; what it gives up on stays
queued in the outbox. A 403 or 404 on a channel pauses that route (`RouteUnavailable`), keeps its alerts, and
retries it now and then.

Delivery is REST only, so any process may deliver to any server, whatever shards its gateway holds: a channel
in this process's cache (its shards' servers) is used as it is; another is fetched once (GET /channels/{id}) to
learn its server, and later messages to it go to a partial channel with that server's id, no fetch each time.
"""

from __future__ import annotations

from typing import Any

import discord

from bot.adapters.discord_embeds import alert_embed
from bot.delivering import MessageRejected, RouteUnavailable

_HOMES = 10_000  # channels outside the cache whose server is remembered


def team_of(guild_id: int) -> str:
    return f"discord:{guild_id}"


def as_embed(data: dict[str, Any]) -> discord.Embed:
    return discord.Embed.from_dict(data)


class DiscordSink:
    """Sends planned messages to channels by id. `client` is set once the bot is built (it needs the app, the app
    needs a sink)."""

    name = "discord"

    def __init__(self) -> None:
        self.client: discord.Client | None = None
        # channel id → its server's id, for channels outside the gateway's cache (servers of other shards)
        self._homes: dict[int, int] = {}

    async def _target(self, client: discord.Client, channel_id: int) -> tuple[object, int | None]:
        """The channel to send to and its server's id (None: not a server's channel)."""
        cached = client.get_channel(channel_id)
        if cached is not None:
            guild = getattr(cached, "guild", None)
            return cached, guild.id if guild is not None else None
        home = self._homes.get(channel_id)
        if home is not None:
            return client.get_partial_messageable(channel_id, guild_id=home), home
        fetched = await client.fetch_channel(channel_id)
        guild = getattr(fetched, "guild", None)
        if guild is not None and isinstance(fetched, discord.abc.Messageable):
            if len(self._homes) >= _HOMES:  # channel ids only ever map to one server: dropping loses a fetch
                self._homes.clear()
            self._homes[channel_id] = guild.id
        return fetched, guild.id if guild is not None else None

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        client = self.client
        if client is None or not client.is_ready():
            raise ConnectionError("not connected to Discord yet")
        if not channel.isdigit():
            raise RouteUnavailable(
                channel, "not a Discord channel id; set the team's channel with /watch add"
            )
        try:
            target, guild_id = await self._target(client, int(channel))
        except (discord.NotFound, discord.Forbidden) as exc:
            raise RouteUnavailable(channel, f"{exc.status} {exc.text or 'no access'}") from None
        if not isinstance(target, discord.abc.Messageable):
            raise RouteUnavailable(channel, "not a channel messages can be sent to")
        team = str(payload.get("team") or "")
        if team.startswith("discord:") and (guild_id is None or team != team_of(guild_id)):
            # a server's alerts go only to its own channels, whatever a watch was told
            raise RouteUnavailable(channel, "the channel is not in this team's server")
        try:
            await target.send(
                embed=as_embed(alert_embed(payload)),
                allowed_mentions=discord.AllowedMentions.none(),
                nonce=key[-25:],  # Discord takes at most 25 characters; with enforce_nonce it drops a repeat
            )
        except (discord.NotFound, discord.Forbidden) as exc:
            self._homes.pop(int(channel), None)  # looked up afresh when the route is retried
            raise RouteUnavailable(channel, f"{exc.status} {exc.text or 'no access'}") from None
        except discord.HTTPException as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise MessageRejected(f"{exc.status} {exc.text}") from None
            raise
