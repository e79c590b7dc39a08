"""What every handler is called with: the store, who is asking, and how the front end names things; the one
permission decorator; and the caller's team.

A handler is `async def name(ctx: Context, <typed arguments>) -> Reply`, declared as a command where it is defined
(handlers.commands). The Discord front end calls it with its typed options, the CLI (`claimdesk ask`) after
parsing the command line once (handlers.text); neither parses or rewrites text the other made.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Concatenate, NewType, ParamSpec

from bot.config import DEFAULT_ALERT_KINDS
from bot.core.feedrecords import ParsedFeed
from bot.core.ports import Store
from bot.core.records import TeamRow
from bot.core.replies import Reply

FeedReader = Callable[[str], Awaitable[ParsedFeed]]  # the running bot's guarded fetch + parse
ChannelRef = NewType(
    "ChannelRef", str
)  # a channel as the front end routes to it: Discord's id, a name at the CLI
P = ParamSpec("P")
DECLARED = (
    "__claimdesk_command__"  # the command name handlers.commands.command sets on a handler it registers
)


class Names:
    """How a front end names a team and a channel in a reply. The CLI: 'Team “desk”', '#news'."""

    def team(self, name: str, *, start: bool = True) -> str:
        """The team as the subject of a sentence (`start`) or inside one."""
        return f"{'Team' if start else 'team'} “{name}”"

    def channel(self, channel: str) -> str:
        return f"#{channel}"


@dataclass(frozen=True)
class Caller:
    """Who is asking: their team (None: the operator at the CLI, for whom a lone team is implied), whether they
    may change settings, and the channel they are typing in (a new team's alerts go there)."""

    team: str | None = None
    can_manage: bool = True
    channel: str | None = None
    read_feed: FeedReader | None = None  # the front end's guarded feed reader, for /feeds add and test
    page: int = 1  # the page of a lookup's matches asked for (`claimdesk ask --page N`, Discord's buttons)
    names: Names = field(default_factory=Names)


@dataclass(frozen=True)
class Context:
    store: Store
    caller: Caller

    def team_name(self, name: str, *, start: bool = True) -> str:
        return self.caller.names.team(name, start=start)

    def channel_name(self, channel: str) -> str:
        return self.caller.names.channel(channel)


def refuse(text: str, note: str = "") -> Reply:
    return Reply(text, note=note, ephemeral=True, error=True)


def manages(
    refusal: str, note: str = ""
) -> Callable[
    [Callable[Concatenate[Context, P], Awaitable[Reply]]], Callable[Concatenate[Context, P], Awaitable[Reply]]
]:
    """The one permission rule, declared where a handler changes settings: a caller without the manage
    permission (Manage Server or the manager role on Discord) gets `refusal` and nothing changes. The handler is
    marked `needs_manage`; the Discord front end adds its own check and hides the command from other members
    (bot.adapters.discord_bot.manages). It goes below `@command`, so the command runs the guarded handler."""

    def decorate(
        handler: Callable[Concatenate[Context, P], Awaitable[Reply]],
    ) -> Callable[Concatenate[Context, P], Awaitable[Reply]]:
        if hasattr(handler, DECLARED):
            raise TypeError(f"@manages above @command({getattr(handler, DECLARED)!r}): put it below")

        @functools.wraps(handler)
        async def guarded(ctx: Context, /, *args: P.args, **kwargs: P.kwargs) -> Reply:
            if not ctx.caller.can_manage:
                return refuse(refusal, note)
            return await handler(ctx, *args, **kwargs)

        guarded.needs_manage = True  # type: ignore[attr-defined]
        return guarded

    return decorate


def needs_manage(handler: Callable[..., object]) -> bool:
    return bool(getattr(handler, "needs_manage", False))


async def caller_team(ctx: Context) -> TeamRow | Reply:
    """The caller's team, or a reply saying why there is none."""
    store, caller = ctx.store, ctx.caller
    if caller.team is not None:
        team = await store.team(caller.team)
        return team or refuse(
            f"{ctx.team_name(caller.team)} has no settings yet", "Start with /watch add <keyword>"
        )
    names = await store.team_names()
    if len(names) == 1:
        team = await store.team(names[0])
        assert team is not None
        return team
    listed = ", ".join(names) or "none yet"
    return refuse("Which team?", f"Name one with --team (teams: {listed})")


async def new_team(ctx: Context, home: str | None, hint: str, note: str = "") -> TeamRow | Reply | None:
    """A caller's team made on its first change (a Discord server's first /watch add or /feeds add), its alerts
    going to `home`; None when the caller has a team already or is the CLI operator."""
    name = ctx.caller.team
    if name is None or await ctx.store.team(name) is not None:
        return None
    if home is None:
        return refuse(f"{ctx.team_name(name)} is new: {hint}", note)
    return await ctx.store.create_team(name, home, DEFAULT_ALERT_KINDS)
