"""Slash-command handlers: `async def name(ctx: Context, <typed arguments>) -> Reply`, plain data.

Both front ends call the same functions: Discord with its typed options (bot.adapters.discord_bot), the CLI
(`claimdesk ask "/claims kursk"`) after parsing the command line once (handlers.text: `dispatch`, `COMMANDS`), so
every command works and is tested without Discord. Modules: `claims` (/claims, /quotes, /figures), `teams`
(/watch, /alerts), `feeds` (/feeds), `status`; `context` holds what every handler gets and the permission rule.
"""

from __future__ import annotations

from handlers.context import Caller, ChannelRef, Context, Names, manages, needs_manage
from handlers.text import COMMANDS, Command, dispatch, parse, usage

__all__ = [
    "COMMANDS",
    "Caller",
    "ChannelRef",
    "Command",
    "Context",
    "Names",
    "dispatch",
    "manages",
    "needs_manage",
    "parse",
    "usage",
]
