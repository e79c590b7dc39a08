"""Plain-data replies that handlers return and front ends render (the CLI as text: bot.core.render; Discord as
embeds: bot.adapters.discord_embeds)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ReplyItem:
    title: str
    lines: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Page:
    """Which page of a lookup's matches a reply is: `number` of `count`, its first item numbered `first`."""

    number: int
    count: int
    first: int


@dataclass(frozen=True)
class Reply:
    title: str
    items: tuple[ReplyItem, ...] = ()
    note: str = ""
    ephemeral: bool = False
    error: bool = False
    page: Page | None = None  # a lookup with more than one page of matches: this one
