"""The console sink: the embedded default front end when no Discord token is configured."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from bot.core.render import render_alert


class ConsoleSink:
    """Prints each alert as a readable block. Printing cannot fail in a way worth retrying, so delivery is
    marked done right after; a crash between the two prints that alert once more on restart, never loses it."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, channel: str, payload: dict[str, Any]) -> None:
        stream = self._stream or sys.stdout
        stream.write(render_alert(payload) + "\n\n")
        stream.flush()
