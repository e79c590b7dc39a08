"""A slash command typed as text ('/watch add north korea #news', as `claimdesk ask` takes it), parsed once into
the typed handler call. `COMMANDS` lists them for help and "did you mean"; Discord needs none of this: its
options arrive typed and it calls the handlers directly (bot.adapters.discord_bot).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import handlers.claims as claims
import handlers.feeds as feeds
import handlers.status as status
import handlers.teams as teams
from bot.core.ports import Store
from bot.core.render import shorten
from bot.core.replies import Reply
from handlers.context import Caller, ChannelRef, Context, refuse

Call = Callable[[Context], Awaitable[Reply]]
_CHANNEL = re.compile(r"\s+#([\w-]{1,100})$")


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    argument: str | None  # the one free-text argument's name, or None
    parse: Callable[[str], Call | Reply]  # the argument text → the handler call, or why not
    example: str = ""
    argument_required: bool = True


def parse_watch(arg: str) -> tuple[str, ChannelRef | None]:
    """'north korea #ukraine-desk' → ('north korea', 'ukraine-desk'): a keyword, and the channel it alerts in."""
    text = arg.strip()
    m = _CHANNEL.search(" " + text)
    channel = ChannelRef(m.group(1)) if m else None
    if m:
        text = (" " + text)[: m.start()].strip()
    return teams.keyword_of(text), channel


def _watch(arg: str) -> Call | Reply:
    action, _, rest = arg.strip().partition(" ")
    keyword, channel = parse_watch(rest)
    match action.lower():
        case "add":
            return lambda ctx: teams.watch_add(ctx, keyword, channel)
        case "remove":
            return lambda ctx: teams.watch_remove(ctx, keyword)
        case "list":
            return teams.watch_list
    return refuse("Use /watch add <keyword> [#channel], /watch remove <keyword> or /watch list")


def _alerts(arg: str) -> Call | Reply:
    action, _, rest = arg.strip().partition(" ")
    action, rest = action.lower(), rest.strip()
    if action in ("", "show", "list"):
        return teams.alerts_show
    if action not in ("kinds", "quiet", "digest"):
        return refuse(
            f"Unknown setting “{shorten(action, 40)}”", "Use /alerts kinds, /alerts quiet or /alerts digest"
        )
    if not rest:
        return teams.alerts_show
    off = rest.lower() == "off"
    if action == "kinds":
        return lambda ctx: teams.alerts_kinds(ctx, teams.split_kinds(rest))
    if action == "quiet":
        hours, _, tz = rest.partition(" ")
        return lambda ctx: teams.alerts_quiet(ctx, None if off else hours, None if off else tz)
    if not off and not rest.isdigit():
        return refuse(
            "The digest setting is a number of messages an hour, or off", "For example: /alerts digest 10"
        )
    return lambda ctx: teams.alerts_digest(ctx, None if off else int(rest))


def _feeds(arg: str) -> Call | Reply:
    action, _, rest = arg.strip().partition(" ")
    action, rest = (action.lower() or "list"), rest.strip()
    if action not in ("list", "add", "remove", "test") or (action != "list" and not rest):
        return refuse("Use /feeds list, /feeds add <url>, /feeds remove <url or name> or /feeds test <url>")
    match action:
        case "test":
            return lambda ctx: feeds.feeds_test(ctx, rest)
        case "add":
            return lambda ctx: feeds.feeds_add(ctx, rest)
        case "remove":
            return lambda ctx: feeds.feeds_remove(ctx, rest)
    return feeds.feeds_list


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "claims",
            "Figures and quotes on a topic, with their first source and who else reports them",
            "topic",
            lambda topic: lambda ctx: claims.claims(ctx, topic),
            "/claims kursk",
        ),
        Command(
            "quotes",
            "What a speaker has been quoted saying, and by which outlets",
            "speaker",
            lambda speaker: lambda ctx: claims.quotes(ctx, speaker),
            "/quotes zelensky",
        ),
        Command(
            "figures",
            "Figures on a topic with every value reported and by whom",
            "topic",
            lambda topic: lambda ctx: claims.figures(ctx, topic),
            "/figures north korean soldiers",
        ),
        Command(
            "watch",
            "Your team's keywords: /watch add <keyword> [#channel], /watch remove <keyword>, /watch list",
            "add|remove|list",
            _watch,
            "/watch add north korea",
        ),
        Command(
            "alerts",
            "Your team's alert settings: /alerts kinds …, /alerts quiet 22:00-07:00 [timezone], /alerts digest N",
            "kinds|quiet|digest",
            _alerts,
            "/alerts quiet 22:00-07:00 Europe/Berlin",
            argument_required=False,
        ),
        Command(
            "feeds",
            "Feeds: /feeds list, /feeds add <url>, /feeds remove <url or name>, /feeds test <url>",
            "list|add|remove|test",
            _feeds,
            "/feeds add https://example.org/rss.xml",
            argument_required=False,
        ),
        Command(
            "status",
            "Feeds, their last poll and errors, and the alert queue",
            None,
            lambda _: status.status,
        ),
    )
}


def usage() -> str:
    return "; ".join(f"/{c.name}" + (f" <{c.argument}>" if c.argument else "") for c in COMMANDS.values())


def parse(line: str) -> Call | Reply:
    """'/name arguments…' as typed by a user → the handler call; unknown commands and missing arguments get a
    helpful reply instead."""
    text = line.strip()
    if text.startswith("/"):
        text = text[1:]
    name, _, arg = text.partition(" ")
    command = COMMANDS.get(name.lower())
    if command is None:
        close = difflib.get_close_matches(name.lower(), COMMANDS, n=1, cutoff=0.6)
        hint = f"Did you mean /{close[0]}? " if close else ""
        return Reply(f"Unknown command “/{name}”", note=f"{hint}Commands: {usage()}", error=True)
    arg = arg.strip()
    if command.argument and command.argument_required and not arg:
        return Reply(
            f"/{command.name} needs a {command.argument}", note=f"Example: {command.example}", error=True
        )
    return command.parse(arg)


async def dispatch(store: Store, caller: Caller, line: str) -> Reply:
    """Run a command typed as text: parsed once, then the handler called with its typed arguments."""
    call = parse(line)
    return call if isinstance(call, Reply) else await call(Context(store, caller))
