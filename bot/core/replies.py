"""Plain-data replies that handlers return and front ends render (console text now, Discord embeds later)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReplyItem:
    title: str
    lines: tuple[str, ...] = ()
    url: str | None = None


@dataclass(frozen=True)
class Reply:
    title: str
    items: tuple[ReplyItem, ...] = ()
    note: str = ""
    ephemeral: bool = False
    error: bool = False
    extra: dict[str, str] = field(default_factory=dict)
