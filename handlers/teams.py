"""A team's own settings: /watch add|remove|list and /alerts show|kinds|quiet|digest.

Teams from the config file are the console front end's: the file is their source of truth, so commands may add
watches to them (kept across restarts) but not remove the file's keywords or change their alert settings —
that would be undone at the next start. Teams made by commands (a Discord server) are set entirely by commands.
Changing anything needs the manage permission (`manages`: Manage Server on Discord).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.config import ALERT_KINDS, DEFAULT_ALERT_KINDS
from bot.core.delivery import Pacing, PacingError
from bot.core.records import TeamRow
from bot.core.render import shorten
from bot.core.replies import Reply, ReplyItem
from handlers.context import ChannelRef, Context, caller_team, manages, new_team, refuse

MAX_KEYWORD = 100
MAX_WATCHES = 200
_SPACES = re.compile(r"\s+")
CHANGES = "Changing watches and alert settings"
CHANGES_NOTE = "Ask someone who manages this server, or a member of the configured admin role."


def _config_owned(ctx: Context, team: TeamRow, what: str) -> Reply:
    return refuse(
        f"{ctx.team_name(team.name)} is set in the config file: change its {what} there",
        "A change made here would be undone at the next start.",
    )


def keyword_of(text: str) -> str:
    """A keyword as it is stored: trimmed, one space between words, lower case."""
    return _SPACES.sub(" ", text.strip()).lower()


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


@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def watch_add(ctx: Context, keyword: str, channel: ChannelRef | None = None) -> Reply:
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


@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def watch_remove(ctx: Context, keyword: str) -> Reply:
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


@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_kinds(ctx: Context, kinds: Sequence[str]) -> Reply:
    """The alert kinds the team gets; ("default",) for the default ones."""
    team = await _settable(ctx)
    if isinstance(team, Reply):
        return team
    chosen = tuple(kinds)
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


@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_quiet(ctx: Context, hours: str | None, timezone: str | None = None) -> Reply:
    """Hold alerts during `hours` ('22:00-07:00') in `timezone` (the team's by default); `hours` None: off."""
    team = await _settable(ctx)
    if isinstance(team, Reply):
        return team
    p = team.pacing
    try:
        pacing = Pacing(hours, (timezone or "").strip() or p.timezone, p.hourly_cap)
    except PacingError as exc:
        return refuse(str(exc).capitalize())
    return await _updated(ctx, team, pacing)


@manages(f"{CHANGES} needs the Manage Server permission", CHANGES_NOTE)
async def alerts_digest(ctx: Context, per_hour: int | None) -> Reply:
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
