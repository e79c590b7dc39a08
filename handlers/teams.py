"""A team's own settings: /watch add|remove|list and /alerts show|kinds|quiet|digest.

Teams from the config file are the console front end's: the file is their source of truth, so commands may add
watches to them (kept across restarts) but not remove the file's keywords or change their alert settings —
that would be undone at the next start. Teams made by commands (a Discord server) are set entirely by commands.
Changing anything needs the manage permission (`manages`: Manage Server on Discord).
"""

from __future__ import annotations

import re
from typing import Annotated

from bot.config import ALERT_KINDS, DEFAULT_ALERT_KINDS
from bot.core.delivery import Pacing, PacingError
from bot.core.records import TeamRow
from bot.core.render import shorten
from bot.core.replies import Reply, ReplyItem
from handlers.commands import Between, MaxLen, command, group
from handlers.context import ChannelRef, Context, caller_team, manages, new_team, refuse

MAX_KEYWORD = 100
MAX_WATCHES = 200
_SPACES = re.compile(r"\s+")
CHANGES = "Changing watches and alert settings"
CHANGES_NOTE = "Ask someone who manages this server, or a member of the configured admin role."
WATCH = group("watch", "The keywords this server's alerts follow", manages=True)
ALERTS = group(
    "alerts",
    "Which alerts this server gets, quiet hours and an hourly cap",
    manages=True,
    default="show",
    noun="setting",
)


def _config_owned(ctx: Context, team: TeamRow, what: str) -> Reply:
    return refuse(
        f"{ctx.team_name(team.name)} is set in the config file: change its {what} there",
        "A change made here would be undone at the next start.",
    )


def keyword_of(text: str) -> str:
    """A keyword as it is stored: trimmed, one space between words, lower case."""
    return _SPACES.sub(" ", text.strip()).lower()


@command(
    "watch add",
    "Alert on articles with this keyword (or -word to exclude)",
    example="/watch add north korea",
    describe={"keyword": "a word or phrase; -word excludes", "channel": "where its alerts go"},
)
@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def watch_add(
    ctx: Context, keyword: Annotated[str, MaxLen(MAX_KEYWORD)], channel: ChannelRef | None = None
) -> Reply:
    """Alert the team on articles with `keyword` (`-word`: never on articles with it), in `channel` or the
    team's own. A caller's first watch makes its team, alerting in `channel` or where the caller is typing."""
    word = keyword_of(keyword)
    if not word.lstrip("-").strip():
        return refuse(
            "Give a keyword to watch", "For example: /watch add north korea, or /watch add -football"
        )
    if len(word) > MAX_KEYWORD:
        return refuse(f"A keyword can be at most {MAX_KEYWORD} characters")
    made = await new_team(
        ctx, channel or ctx.caller.channel, "name the channel for its alerts", "/watch add kursk #news"
    )
    if isinstance(made, Reply):
        return made
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    name = ctx.team_name(team.name)
    if len(await ctx.store.watches(team.id)) >= MAX_WATCHES:
        return refuse(f"{name} already watches {MAX_WATCHES} keywords; remove some first")
    added = await ctx.store.add_watch(team.id, word, channel)
    where = ctx.channel_name(channel or team.channel)
    if word.startswith("-"):
        title = (
            f"Articles mentioning “{word[1:]}” will no longer alert {ctx.team_name(team.name, start=False)}"
        )
    elif added:
        title = f"{name} now watches “{word}”: alerts go to {where}"
    else:
        title = f"{name} already watches “{word}”" + (f": alerts now go to {where}" if channel else "")
    return Reply(title, ephemeral=True)


@command(
    "watch remove",
    "Stop following a keyword",
    example="/watch remove north korea",
    autocomplete={"keyword": "keywords"},
)
@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def watch_remove(ctx: Context, keyword: Annotated[str, MaxLen(MAX_KEYWORD)]) -> Reply:
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    word = keyword_of(keyword)
    name = ctx.team_name(team.name)
    if await ctx.store.remove_watch(team.id, word):
        return Reply(f"{name} no longer watches “{word}”", ephemeral=True)
    if any(w.keyword.lower() == word.lower() for w in await ctx.store.watches(team.id)):
        return _config_owned(ctx, team, "keywords")
    return refuse(f"{name} does not watch “{shorten(word, 100)}”", "See them with /watch list")


@command("watch list", "The keywords this server follows")
async def watch_list(ctx: Context) -> Reply:
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    watches = await ctx.store.watches(team.id)
    name = ctx.team_name(team.name)
    if not watches:
        return Reply(f"{name} watches nothing yet", note="Add a keyword: /watch add kursk", ephemeral=True)
    items = tuple(
        ReplyItem(
            w.keyword if not w.keyword.startswith("-") else f"{w.keyword} (excluded)",
            (
                f"alerts in {ctx.channel_name(w.channel or team.channel)}",
                "from the config file" if w.origin == "config" else "added by command",
            ),
        )
        for w in watches
    )
    return Reply(
        f"{name} watches {len(watches)} keyword(s)",
        items,
        note="Keywords match whole words, singular or plural, any case; a leading '-' excludes.",
        ephemeral=True,
    )


def _settings_items(team: TeamRow) -> tuple[ReplyItem, ...]:
    p = team.pacing
    return (
        ReplyItem("kinds", (", ".join(team.kinds) or "none",)),
        ReplyItem("quiet hours", (f"{p.quiet_hours} {p.timezone}" if p.quiet_hours else "off",)),
        ReplyItem(
            "digest",
            (
                f"more than {p.hourly_cap} messages an hour in a channel are folded into one"
                if p.hourly_cap
                else "off: every alert is its own message",
            ),
        ),
    )


@command("alerts show", "This server's alert settings")
async def alerts_show(ctx: Context) -> Reply:
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    return Reply(
        f"Alert settings of {ctx.team_name(team.name, start=False)}", _settings_items(team), ephemeral=True
    )


def split_kinds(text: str) -> tuple[str, ...]:
    """'new_figure, conflicting_figure' → the kinds named, each once, in order."""
    return tuple(dict.fromkeys(k for k in re.split(r"[\s,]+", text.lower()) if k))


async def _settable(ctx: Context) -> TeamRow | Reply:
    """The caller's team when its alert settings may be changed by command."""
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    return _config_owned(ctx, team, "alert settings") if team.origin == "config" else team


async def _updated(ctx: Context, team: TeamRow, pacing: Pacing) -> Reply:
    await ctx.store.set_pacing(team.id, pacing)
    updated = await ctx.store.team(team.name)
    assert updated is not None
    return Reply(
        f"Alert settings of {ctx.team_name(team.name, start=False)} updated",
        _settings_items(updated),
        ephemeral=True,
    )


@command(
    "alerts kinds",
    "Alert kinds, e.g. 'new_figure conflicting_figure', or 'default'",
    example="/alerts kinds new_figure conflicting_figure",
)
@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_kinds(ctx: Context, kinds: Annotated[str, MaxLen(200)]) -> Reply:
    """The alert kinds the team gets, named in `kinds` ('new_figure, conflicting_figure'); 'default' for the
    default ones."""
    team = await _settable(ctx)
    if isinstance(team, Reply):
        return team
    chosen = split_kinds(kinds)
    if chosen == ("default",):
        chosen = DEFAULT_ALERT_KINDS
    unknown = [k for k in chosen if k not in ALERT_KINDS]
    if unknown:
        return refuse(
            f"Unknown alert kind “{shorten(unknown[0], 40)}”",
            f"Kinds: {', '.join(ALERT_KINDS)} (or: default)",
        )
    await ctx.store.set_alert_kinds(team.id, chosen)
    return Reply(f"{ctx.team_name(team.name)} now gets: {', '.join(chosen)}", ephemeral=True)


@command(
    "alerts quiet",
    "Hold alerts during quiet hours, e.g. 22:00-07:00, or 'off'",
    example="/alerts quiet 22:00-07:00 Europe/Berlin",
)
@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_quiet(
    ctx: Context, hours: Annotated[str, MaxLen(20)], timezone: Annotated[str, MaxLen(60)] | None = None
) -> Reply:
    """Hold alerts during `hours` ('22:00-07:00') in `timezone` (the team's by default); `hours` 'off': none."""
    team = await _settable(ctx)
    if isinstance(team, Reply):
        return team
    p = team.pacing
    quiet = None if hours.strip().lower() == "off" else hours
    try:
        pacing = Pacing(quiet, (timezone or "").strip() or p.timezone, p.hourly_cap)
    except PacingError as exc:
        return refuse(str(exc).capitalize())
    return await _updated(ctx, team, pacing)


@command(
    "alerts digest",
    "At most this many messages an hour, the rest in a digest; 0: off",
    example="/alerts digest 10",
    describe={"per_hour": "a number of messages an hour"},
)
@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_digest(ctx: Context, per_hour: Annotated[int, Between(1, 1000)] | None) -> Reply:
    """At most `per_hour` messages an hour in a channel, the rest folded into a digest; None: off."""
    team = await _settable(ctx)
    if isinstance(team, Reply):
        return team
    p = team.pacing
    try:
        pacing = Pacing(p.quiet_hours, p.timezone, per_hour)
    except PacingError as exc:
        return refuse(str(exc).capitalize())
    return await _updated(ctx, team, pacing)
