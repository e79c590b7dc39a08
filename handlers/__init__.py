"""Slash-command handlers: `async def name(ctx: Context, <typed arguments>) -> Reply`, plain data, each declared
as a command where it is defined (`@command("watch add", "…", example=…)`, handlers.commands).

Both front ends read the declarations and call the same functions: Discord builds its typed app commands from
them (bot.adapters.discord_bot), the CLI (`claimdesk ask "/claims kursk"`) its text grammar (handlers.text:
`dispatch`, `COMMANDS`), so every command works and is tested without Discord, and a new command is its handler
and its declaration, nothing else. Modules: `claims` (/claims, /quotes, /figures), `teams` (/watch, /alerts),
`feeds` (/feeds), `status`; `context` holds what every handler gets and the permission rule, `commands` the
declarations.
"""

from __future__ import annotations

from handlers.commands import Between, MaxLen, command, declared, group
from handlers.context import Caller, ChannelRef, Context, Names, manages, needs_manage
from handlers.text import COMMANDS, Command, dispatch, parse, usage

__all__ = [
    "COMMANDS",
    "Between",
    "Caller",
    "ChannelRef",
    "Command",
    "Context",
    "MaxLen",
    "Names",
    "command",
    "declared",
    "dispatch",
    "group",
    "manages",
    "needs_manage",
    "parse",
    "usage",
]
