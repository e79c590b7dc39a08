"""The slash commands, declared next to their handlers: one decorator a command, read by both front ends.

    @command("watch add", "Alert on articles with this keyword (or -word to exclude)",
             example="/watch add north korea", describe={"keyword": "a word or phrase; -word excludes"})
    @manages("Changing watches … needs the Manage Server permission")
    async def watch_add(ctx: Context, keyword: Annotated[str, MaxLen(100)], channel: ChannelRef | None = None)

The declaration and the handler's signature are all a front end needs: Discord builds a typed app command from
them (bot.adapters.discord_bot.add_commands), the CLI's text form its grammar ('/watch add north korea #news',
handlers.text). A name with a space is a subcommand of a `group` declared before it.

Parameters after `ctx` may be `str`, `int` or `ChannelRef` (a channel), optional with a default. `MaxLen(n)`
and `Between(low, high)` (in `typing.Annotated`) are Discord's limits on an option; the handler still checks what
it must, for the CLI passes what was typed. An `int | None` without a default is "a number, or off" (None): the
word `off` in the text form; 0 on Discord, whose number options have no words.
"""

from __future__ import annotations

import inspect
import re
import types
import typing
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, TypeVar, Union

from bot.core.replies import Reply
from handlers.context import DECLARED, ChannelRef, Context, needs_manage

Call = Callable[[Context], Awaitable[Reply]]  # a handler with its arguments, waiting for its context
Handler = Callable[..., Awaitable[Reply]]
H = TypeVar("H", bound=Handler)
Kind = Literal["text", "number", "channel"]
Defer = Literal["public", "private"] | None
Suggest = Literal["speakers", "keywords", "own_feeds"]  # what the front end suggests while an option is typed
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")


@dataclass(frozen=True)
class MaxLen:
    """A text option's length limit on Discord: `Annotated[str, MaxLen(100)]`."""

    chars: int


@dataclass(frozen=True)
class Between:
    """A number option's range on Discord: `Annotated[int, Between(0, 1000)]`."""

    low: int
    high: int


@dataclass(frozen=True)
class Param:
    """One argument of a command, from the handler's signature and the declaration."""

    name: str
    kind: Kind
    required: bool
    default: object = None  # when not required
    off: bool = False  # `int | None` without a default: a number, or off (None)
    max_length: int | None = None  # text: MaxLen
    low: int | None = None  # number: Between
    high: int | None = None
    description: str = ""  # Discord's text for the option; the CLI says it of a number it cannot read
    autocomplete: Suggest | None = None

    @property
    def label(self) -> str:
        return "#channel" if self.kind == "channel" else self.name.replace("_", " ")

    @property
    def usage(self) -> str:
        return f"<{self.label}>" if self.required else f"[{self.label}]"


@dataclass(frozen=True)
class Group:
    """A command with subcommands (/watch add|remove|list)."""

    name: str
    description: str
    manages: bool = False  # Discord hides the whole group from members without Manage Server
    default: str | None = None  # the subcommand the group's name alone runs in the text form (/alerts: show)
    noun: str = "subcommand"  # what a refusal calls an unknown subcommand ("Unknown setting “volume”")


@dataclass(frozen=True)
class Spec:
    """A declared command: its name ('claims', 'watch add'), what Discord and the help show, its handler."""

    name: str
    description: str
    handler: Handler
    params: tuple[Param, ...]
    example: str = ""
    manages: bool = False  # checked and hidden on Discord (a handler with @manages always is)
    defer: Defer = None  # Discord says "thinking…" first: to the channel (a lookup) or to the asker only

    @property
    def group(self) -> str | None:
        top, _, sub = self.name.partition(" ")
        return top if sub else None

    @property
    def leaf(self) -> str:
        """The name Discord gives it within its group ('add' of 'watch add')."""
        return self.name.rpartition(" ")[2]

    @property
    def usage(self) -> str:
        return " ".join((f"/{self.name}", *(p.usage for p in self.params)))


REGISTRY: dict[str, Spec] = {}  # in the order declared
GROUPS: dict[str, Group] = {}


def group(
    name: str,
    description: str,
    *,
    manages: bool = False,
    default: str | None = None,
    noun: str = "subcommand",
) -> Group:
    """Declare a group before its subcommands."""
    if not _NAME.fullmatch(name) or name in GROUPS or name in REGISTRY:
        raise ValueError(f"group {name!r}: a new lower-case name of at most 32 letters, digits, - or _")
    declared = Group(name, description, manages, default, noun)
    GROUPS[name] = declared
    return declared


def command(
    name: str,
    description: str,
    *,
    example: str = "",
    manages: bool = False,
    defer: Defer = None,
    describe: Mapping[str, str] | None = None,
    autocomplete: Mapping[str, Suggest] | None = None,
) -> Callable[[H], H]:
    """Register the handler below as the slash command `name`; the handler is returned unchanged."""

    def register(handler: H) -> H:
        words = name.split(" ")
        if len(words) > 2 or not all(_NAME.fullmatch(w) for w in words) or name in REGISTRY:
            raise ValueError(f"command {name!r}: a new name of one or two lower-case words")
        if len(words) == 2 and words[0] not in GROUPS:
            raise ValueError(f"command {name!r}: declare group({words[0]!r}, …) before it")
        if len(words) == 1 and name in GROUPS:
            raise ValueError(f"command {name!r}: a group has that name")
        if len(description) > 100:
            raise ValueError(f"command {name!r}: Discord takes a description of at most 100 characters")
        params = _params(name, handler, describe or {}, autocomplete or {})
        REGISTRY[name] = Spec(
            name, description, handler, params, example, manages or needs_manage(handler), defer
        )
        setattr(handler, DECLARED, name)
        return handler

    return register


def declared() -> tuple[Spec, ...]:
    return tuple(REGISTRY.values())


def _params(
    name: str, handler: Handler, describe: Mapping[str, str], suggest: Mapping[str, Suggest]
) -> tuple[Param, ...]:
    signature = list(inspect.signature(handler).parameters.values())
    hints = typing.get_type_hints(handler, include_extras=True)
    if not signature or signature[0].name != "ctx":
        raise TypeError(f"command {name!r}: its handler's first parameter is ctx: Context")
    params = tuple(_param(name, p, hints.get(p.name), describe, suggest) for p in signature[1:])
    unknown = (set(describe) | set(suggest)) - {p.name for p in params}
    if unknown:
        raise TypeError(f"command {name!r}: no parameter {sorted(unknown)} to describe or suggest")
    if sum(p.kind == "channel" for p in params) > 1:
        raise TypeError(f"command {name!r}: at most one channel")
    return params


def _param(
    command_name: str,
    p: inspect.Parameter,
    hint: object,
    describe: Mapping[str, str],
    suggest: Mapping[str, Suggest],
) -> Param:
    where = f"command {command_name!r}, parameter {p.name!r}"
    if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY):
        raise TypeError(f"{where}: a named parameter, not *args or positional-only")
    marks: list[object] = []
    tp, nullable = _bare(hint, marks)
    if tp is ChannelRef:
        kind: Kind = "channel"
    elif tp is str:
        kind = "text"
    elif tp is int:
        kind = "number"
    else:
        raise TypeError(f"{where}: str, int or ChannelRef (optional with a default), not {hint}")
    required = p.default is p.empty
    off = nullable and required
    if off and kind != "number":
        raise TypeError(f"{where}: only a number may be None without a default (off)")
    length = next((m.chars for m in marks if isinstance(m, MaxLen)), None)
    bounds = next((m for m in marks if isinstance(m, Between)), None)
    if off and bounds is not None and bounds.low < 1:
        raise TypeError(f"{where}: 0 says off on Discord, so its range starts at 1 or more")
    return Param(
        p.name,
        kind,
        required,
        None if required else p.default,
        off,
        length if kind == "text" else None,
        bounds.low if bounds and kind == "number" else None,
        bounds.high if bounds and kind == "number" else None,
        describe.get(p.name, ""),
        suggest.get(p.name),
    )


def _bare(hint: object, marks: list[object]) -> tuple[object, bool]:
    """`Annotated[str, MaxLen(60)] | None` → (str, True), the markers into `marks`."""
    nullable = False
    if typing.get_origin(hint) is Annotated:
        marks.extend(getattr(hint, "__metadata__", ()))
        hint = typing.get_args(hint)[0]
    if typing.get_origin(hint) in (Union, types.UnionType):
        args = typing.get_args(hint)
        rest = [a for a in args if a is not type(None)]
        nullable = len(rest) < len(args)
        if len(rest) != 1:
            return hint, nullable
        hint = rest[0]
        if typing.get_origin(hint) is Annotated:
            marks.extend(getattr(hint, "__metadata__", ()))
            hint = typing.get_args(hint)[0]
    return hint, nullable
