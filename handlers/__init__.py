"""Slash-command handlers: async functions from (store, caller, arguments) to a plain-data `Reply`.

The CLI (`claimdesk ask "/claims kursk"`) and, later, the Discord cog call the same functions, so every command
works and is tested without Discord. `COMMANDS` is the one registry both front ends read.
"""

from __future__ import annotations

import difflib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.config import DEFAULT_ALERT_KINDS
from bot.core.ports import Store
from bot.core.records import TeamRow
from bot.core.replies import Reply
from handlers import claims, feeds, status, teams
from handlers.feeds import FeedReader


@dataclass(frozen=True)
class Caller:
    """Who is asking: their team (None: the operator at the CLI, for whom a lone team is implied), whether they
    may change settings, and the channel they are typing in (a new team's alerts go there)."""

    team: str | None = None
    can_manage: bool = True
    channel: str | None = None
    read_feed: FeedReader | None = None  # the front end's guarded feed reader, for /feeds add and test
    page: int = 1  # the page of a lookup's matches asked for (`claimdesk ask --page N`)


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    argument: str | None  # the one free-text argument's name, or None
    run: Callable[[Store, Caller, str], Awaitable[Reply]]
    example: str = ""
    argument_required: bool = True


async def _team(store: Store, caller: Caller) -> TeamRow | Reply:
    """The caller's team, or a reply saying why there is none."""
    if caller.team is not None:
        team = await store.team(caller.team)
        return team or teams.refuse(
            f"Team “{caller.team}” has no settings yet", "Start with /watch add <keyword>"
        )
    names = await store.team_names()
    if len(names) == 1:
        team = await store.team(names[0])
        assert team is not None
        return team
    listed = ", ".join(names) or "none yet"
    return teams.refuse("Which team?", f"Name one with --team (teams: {listed})")


async def _watch(store: Store, caller: Caller, arg: str) -> Reply:
    action, _, rest = arg.strip().partition(" ")
    action = action.lower()
    if action not in ("add", "remove", "list"):
        return teams.refuse("Use /watch add <keyword> [#channel], /watch remove <keyword> or /watch list")
    keyword, channel = teams.parse_watch(rest)
    if action == "add" and caller.team is not None and await store.team(caller.team) is None:
        if not caller.can_manage:
            return teams.refuse("Changing watches needs the Manage Server permission")
        home = channel or caller.channel
        if home is None:
            return teams.refuse(
                f"Team “{caller.team}” is new: name the channel for its alerts", "/watch add kursk #news"
            )
        await store.create_team(caller.team, home, DEFAULT_ALERT_KINDS)
    team = await _team(store, caller)
    if isinstance(team, Reply):
        return team
    if action == "list":
        return await teams.watch_list(store, team)
    if action == "add":
        return await teams.watch_add(store, team, keyword, channel, caller.can_manage)
    return await teams.watch_remove(store, team, keyword, caller.can_manage)


async def _alerts(store: Store, caller: Caller, arg: str) -> Reply:
    team = await _team(store, caller)
    if isinstance(team, Reply):
        return team
    return await teams.alerts(store, team, arg, caller.can_manage)


async def _claims(store: Store, caller: Caller, arg: str) -> Reply:
    return await claims.claims(store, arg, caller.page)


async def _quotes(store: Store, caller: Caller, arg: str) -> Reply:
    return await claims.quotes(store, arg, caller.page)


async def _figures(store: Store, caller: Caller, arg: str) -> Reply:
    return await claims.figures(store, arg, caller.page)


async def _status(store: Store, caller: Caller, arg: str) -> Reply:
    team = await store.team(caller.team) if caller.team else None
    return await status.status(store, team.id if team else None)


async def _feeds(store: Store, caller: Caller, arg: str) -> Reply:
    action, _, rest = arg.strip().partition(" ")
    action, rest = (action.lower() or "list"), rest.strip()
    if action not in ("list", "add", "remove", "test") or (action != "list" and not rest):
        return teams.refuse(
            "Use /feeds list, /feeds add <url>, /feeds remove <url or name> or /feeds test <url>"
        )
    if action == "test":
        return await feeds.feeds_test(rest, caller.read_feed)
    if action == "list" and caller.team is None:
        return await feeds.feeds_list(store, None)
    if action == "add" and caller.team is not None and await store.team(caller.team) is None:
        if not caller.can_manage:
            return teams.refuse("Adding feeds needs the Manage Server permission")
        if caller.channel is None:
            return teams.refuse(f"Team “{caller.team}” is new: start with /watch add <keyword> #channel")
        await store.create_team(caller.team, caller.channel, DEFAULT_ALERT_KINDS)
    team = await _team(store, caller)
    if isinstance(team, Reply):
        return team if action != "list" else await feeds.feeds_list(store, None)
    if action == "list":
        return await feeds.feeds_list(store, team)
    if action == "add":
        return await feeds.feeds_add(store, team, rest, caller.can_manage, caller.read_feed)
    return await feeds.feeds_remove(store, team, rest, caller.can_manage)


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "claims",
            "Figures and quotes on a topic, with their first source and who else reports them",
            "topic",
            _claims,
            "/claims kursk",
        ),
        Command(
            "quotes",
            "What a speaker has been quoted saying, and by which outlets",
            "speaker",
            _quotes,
            "/quotes zelensky",
        ),
        Command(
            "figures",
            "Figures on a topic with every value reported and by whom",
            "topic",
            _figures,
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
        Command("status", "Feeds, their last poll and errors, and the alert queue", None, _status),
    )
}


def usage() -> str:
    return "; ".join(f"/{c.name}" + (f" <{c.argument}>" if c.argument else "") for c in COMMANDS.values())


async def dispatch(store: Store, caller: Caller, line: str) -> Reply:
    """Run '/name arguments…' as typed by a user; unknown commands and missing arguments get a helpful reply."""
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
    return await command.run(store, caller, arg)
