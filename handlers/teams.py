"""A team's own settings: /watch add|remove|list and /alerts [kinds|quiet|digest].

Teams from the config file are the console front end's: the file is their source of truth, so commands may add
watches to them (kept across restarts) but not remove the file's keywords or change their alert settings —
that would be undone at the next start. Teams made by commands (a Discord server) are set entirely by commands.
Changing anything needs `can_manage` (Manage Server on Discord).
"""

from __future__ import annotations

import re

from bot.config import ALERT_KINDS, DEFAULT_ALERT_KINDS
from bot.core.delivery import Pacing, PacingError
from bot.core.ports import Store
from bot.core.records import TeamRow
from bot.core.render import shorten
from bot.core.replies import Reply, ReplyItem

MAX_KEYWORD = 100
MAX_WATCHES = 200
_CHANNEL = re.compile(r"\s+#([\w-]{1,100})$")
_SPACES = re.compile(r"\s+")


def refuse(text: str, note: str = "") -> Reply:
    return Reply(text, note=note, ephemeral=True, error=True)


def _needs_manage() -> Reply:
    return refuse(
        "Changing watches and alert settings needs the Manage Server permission",
        "Ask someone who manages this server, or a member of the configured admin role.",
    )


def _config_owned(team: TeamRow, what: str) -> Reply:
    return refuse(
        f"Team “{team.name}” is set in the config file: change its {what} there",
        "A change made here would be undone at the next start.",
    )


def parse_watch(arg: str) -> tuple[str, str | None]:
    """'north korea #ukraine-desk' → ('north korea', 'ukraine-desk'): a keyword, and the channel it alerts in."""
    text = arg.strip()
    m = _CHANNEL.search(" " + text)
    channel = m.group(1) if m else None
    if m:
        text = (" " + text)[: m.start()].strip()
    return _SPACES.sub(" ", text).lower(), channel


async def watch_list(store: Store, team: TeamRow) -> Reply:
    watches = await store.watches(team.id)
    if not watches:
        return Reply(
            f"Team “{team.name}” watches nothing yet", note="Add a keyword: /watch add kursk", ephemeral=True
        )
    items = tuple(
        ReplyItem(
            w.keyword if not w.keyword.startswith("-") else f"{w.keyword} (excluded)",
            (
                f"alerts in #{w.channel or team.channel}",
                "from the config file" if w.origin == "config" else "added by command",
            ),
        )
        for w in watches
    )
    return Reply(
        f"Team “{team.name}” watches {len(watches)} keyword(s)",
        items,
        note="Keywords match whole words, singular or plural, any case; a leading '-' excludes.",
        ephemeral=True,
    )


async def watch_add(
    store: Store, team: TeamRow, keyword: str, channel: str | None, can_manage: bool
) -> Reply:
    if not can_manage:
        return _needs_manage()
    word = keyword.strip()
    if not word.lstrip("-").strip():
        return refuse(
            "Give a keyword to watch", "For example: /watch add north korea, or /watch add -football"
        )
    if len(word) > MAX_KEYWORD:
        return refuse(f"A keyword can be at most {MAX_KEYWORD} characters")
    if len(await store.watches(team.id)) >= MAX_WATCHES:
        return refuse(f"Team “{team.name}” already watches {MAX_WATCHES} keywords; remove some first")
    added = await store.add_watch(team.id, word, channel)
    where = f"#{channel or team.channel}"
    if word.startswith("-"):
        title = f"Articles mentioning “{word[1:]}” will no longer alert team “{team.name}”"
    elif added:
        title = f"Team “{team.name}” now watches “{word}”: alerts go to {where}"
    else:
        title = f"Team “{team.name}” already watches “{word}”" + (
            f": alerts now go to {where}" if channel else ""
        )
    return Reply(title, ephemeral=True)


async def watch_remove(store: Store, team: TeamRow, keyword: str, can_manage: bool) -> Reply:
    if not can_manage:
        return _needs_manage()
    word = keyword.strip()
    if await store.remove_watch(team.id, word):
        return Reply(f"Team “{team.name}” no longer watches “{word}”", ephemeral=True)
    if any(w.keyword.lower() == word.lower() for w in await store.watches(team.id)):
        return _config_owned(team, "keywords")
    return refuse(f"Team “{team.name}” does not watch “{shorten(word, 100)}”", "See them with /watch list")


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


async def alerts(store: Store, team: TeamRow, arg: str, can_manage: bool) -> Reply:
    """/alerts: show; /alerts kinds a b c; /alerts quiet 22:00-07:00 [Europe/Berlin] | off; /alerts digest N | off."""
    action, _, rest = arg.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if action in ("", "show", "list"):
        return Reply(f"Alert settings of team “{team.name}”", _settings_items(team), ephemeral=True)
    if action not in ("kinds", "quiet", "digest"):
        return refuse(
            f"Unknown setting “{shorten(action, 40)}”", "Use /alerts kinds, /alerts quiet or /alerts digest"
        )
    if not rest:
        return Reply(f"Alert settings of team “{team.name}”", _settings_items(team), ephemeral=True)
    if not can_manage:
        return _needs_manage()
    if team.origin == "config":
        return _config_owned(team, "alert settings")
    if action == "kinds":
        kinds = tuple(dict.fromkeys(k for k in re.split(r"[\s,]+", rest.lower()) if k))
        if kinds == ("default",):
            kinds = DEFAULT_ALERT_KINDS
        unknown = [k for k in kinds if k not in ALERT_KINDS]
        if unknown:
            return refuse(
                f"Unknown alert kind “{shorten(unknown[0], 40)}”",
                f"Kinds: {', '.join(ALERT_KINDS)} (or: default)",
            )
        await store.set_alert_kinds(team.id, kinds)
        return Reply(f"Team “{team.name}” now gets: {', '.join(kinds)}", ephemeral=True)
    p = team.pacing
    try:
        if action == "quiet":
            if rest.lower() == "off":
                pacing = Pacing(None, p.timezone, p.hourly_cap)
            else:
                hours, _, tz = rest.partition(" ")
                pacing = Pacing(hours, tz.strip() or p.timezone, p.hourly_cap)
        elif rest.lower() == "off":
            pacing = Pacing(p.quiet_hours, p.timezone, None)
        elif rest.isdigit():
            pacing = Pacing(p.quiet_hours, p.timezone, int(rest))
        else:
            return refuse(
                "The digest setting is a number of messages an hour, or off", "For example: /alerts digest 10"
            )
    except PacingError as exc:
        return refuse(str(exc).capitalize())
    await store.set_pacing(team.id, pacing)
    updated = await store.team(team.name)
    assert updated is not None
    return Reply(f"Alert settings of team “{team.name}” updated", _settings_items(updated), ephemeral=True)
