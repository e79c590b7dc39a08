"""A slash command typed as text ('/watch add north korea #news', as `claimdesk ask` takes it), parsed once into
the typed handler call. The grammar is the declared commands' (handlers.commands), read from the handlers'
signatures: "/name arguments" or "/group subcommand arguments"; a channel is a trailing "#name"; of several
other arguments each takes one word and the last takes the rest; a number is digits (or `off`, when it may be).
`COMMANDS` lists the top-level commands for help and "did you mean". Discord needs none of this: its options
arrive typed (bot.adapters.discord_bot).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import handlers.claims  # importing the handler modules declares their commands
import handlers.feeds
import handlers.status
import handlers.teams  # noqa: F401
from bot.core.ports import Store
from bot.core.render import shorten
from bot.core.replies import Reply
from handlers.commands import GROUPS, REGISTRY, Call, Param, Spec
from handlers.context import Caller, ChannelRef, Context, refuse

_CHANNEL = re.compile(r"\s+#([\w-]{1,100})$")
_NUMBER = re.compile(r"-?\d{1,18}")


@dataclass(frozen=True)
class Command:
    """A top-level command as help lists it: one handler (/claims) or a group of them (/watch)."""

    name: str
    description: str
    usage: str  # '/claims <topic>', '/watch <add|remove|list>'
    example: str = ""


class _Commands(Mapping[str, Command]):
    """The top-level commands, read from the registry when asked (a command declared later is listed too)."""

    def _all(self) -> dict[str, Command]:
        found: dict[str, Command] = {}
        for spec in REGISTRY.values():
            top = spec.group
            if top is None:
                found[spec.name] = Command(spec.name, spec.description, spec.usage, spec.example)
            elif top not in found:
                subs = _subcommands(top)
                found[top] = Command(
                    top,
                    f"{GROUPS[top].description}: {', '.join(s.usage for s in subs)}",
                    f"/{top} <{'|'.join(s.leaf for s in subs)}>",
                    next((s.example for s in subs if s.example), ""),
                )
        return found

    def __getitem__(self, name: str) -> Command:
        return self._all()[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all())

    def __len__(self) -> int:
        return len(self._all())


COMMANDS: Mapping[str, Command] = _Commands()


def _subcommands(top: str) -> list[Spec]:
    return [s for s in REGISTRY.values() if s.group == top]


def _one_of(items: list[str]) -> str:
    """'a, b or c'."""
    return f"{', '.join(items[:-1])} or {items[-1]}" if len(items) > 1 else "".join(items)


def usage() -> str:
    return "; ".join(c.usage for c in COMMANDS.values())


def _word(text: str) -> tuple[str, str]:
    """'add north korea' → ('add', 'north korea')."""
    parts = text.split(None, 1)
    return (parts[0], parts[1].strip()) if len(parts) == 2 else ((parts or [""])[0], "")


def _needs(spec: Spec, param: Param) -> Reply:
    note = f"Example: {spec.example}" if spec.example else f"Use {spec.usage}"
    return Reply(f"/{spec.name} needs a {param.label}", note=note, error=True)


def _value(spec: Spec, param: Param, word: str) -> object:
    """The word as the handler takes it: text as typed, a number read, or why it is not one (a Reply)."""
    if param.kind != "number":
        return word
    if param.off and word.lower() == "off":
        return None
    if _NUMBER.fullmatch(word):
        return int(word)
    what = param.description or "a whole number"
    return refuse(
        f"/{spec.name} takes {what}" + (", or off" if param.off else ""),
        f"For example: {spec.example}" if spec.example else f"Use {spec.usage}",
    )


def arguments(spec: Spec, text: str) -> dict[str, object] | Reply:
    """The text after a command's name → its handler's arguments by name, or why not."""
    values: dict[str, object] = {}
    rest = text.strip()
    channel = next((p for p in spec.params if p.kind == "channel"), None)
    if channel is not None:
        m = _CHANNEL.search(" " + rest)
        if m:
            values[channel.name] = ChannelRef(m.group(1))
            rest = (" " + rest)[: m.start()].strip()
        elif channel.required:
            return _needs(spec, channel)
    words = [p for p in spec.params if p.kind != "channel"]
    for n, param in enumerate(words):
        word, rest = _word(rest) if n < len(words) - 1 else (rest, "")
        if not word:
            if param.required:
                return _needs(spec, param)
            continue
        value = _value(spec, param, word)
        if isinstance(value, Reply):
            return value
        values[param.name] = value
    return values


def _subcommand(top: str, text: str) -> tuple[Spec, str] | Reply:
    """'/watch add north korea': the group's subcommand named first in `text`, and the text after it."""
    group = GROUPS[top]
    sub, rest = _word(text)
    spec = REGISTRY.get(f"{top} {(sub or group.default or '').lower()}")
    if spec is not None:
        return spec, rest
    use = "Use " + _one_of([s.usage for s in _subcommands(top)])
    if sub:
        return refuse(f"Unknown {group.noun} “{shorten(sub, 40)}”", use)
    return refuse(f"/{top} needs a {group.noun}", use)


def parse(line: str) -> Call | Reply:
    """'/name arguments…' as typed by a user → the handler call; unknown commands and missing arguments get a
    helpful reply instead."""
    text = line.strip()
    if text.startswith("/"):
        text = text[1:]
    name, rest = _word(text)
    top = name.lower()
    if top not in COMMANDS:
        close = difflib.get_close_matches(top, list(COMMANDS), n=1, cutoff=0.6)
        hint = f"Did you mean /{close[0]}? " if close else ""
        return Reply(f"Unknown command “/{name}”", note=f"{hint}Commands: {usage()}", error=True)
    found = (REGISTRY[top], rest) if top in REGISTRY else _subcommand(top, rest)
    if isinstance(found, Reply):
        return found
    spec, rest = found
    values = arguments(spec, rest)
    if isinstance(values, Reply):
        return values
    handler = spec.handler
    return lambda ctx: handler(ctx, **values)


async def dispatch(store: Store, caller: Caller, line: str) -> Reply:
    """Run a command typed as text: parsed once, then the handler called with its typed arguments."""
    call = parse(line)
    return call if isinstance(call, Reply) else await call(Context(store, caller))
