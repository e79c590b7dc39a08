"""Slash-command handlers: async functions from (store, caller, arguments) to a plain-data `Reply`.

The CLI (`claimdesk ask "/claims kursk"`) and, later, the Discord cog call the same functions, so every command
works and is tested without Discord. `COMMANDS` is the one registry both front ends read.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.adapters.store import Store
from bot.core.replies import Reply
from handlers import claims, status


@dataclass(frozen=True)
class Caller:
    """Who is asking: their team (None for the operator at the CLI) and whether they may change settings."""

    team: str | None = None
    can_manage: bool = True


@dataclass(frozen=True)
class Command:
    name: str
    description: str
    argument: str | None  # the one free-text argument's name, or None
    run: Callable[[Store, Caller, str], Awaitable[Reply]]


async def _claims(store: Store, caller: Caller, arg: str) -> Reply:
    return await claims.claims(store, caller.team, arg)


async def _status(store: Store, caller: Caller, arg: str) -> Reply:
    return await status.status(store)


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command(
            "claims",
            "Figures and quotes on a topic, with their first source and who else reports them",
            "topic",
            _claims,
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
        return Reply(f"Unknown command “/{name}”", note=f"Commands: {usage()}", error=True)
    arg = arg.strip()
    if command.argument and not arg:
        return Reply(
            f"/{command.name} needs a {command.argument}", note=f"Example: /{command.name} kursk", error=True
        )
    return await command.run(store, caller, arg)
