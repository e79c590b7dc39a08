"""The console sink (the embedded default front end when no Discord token is configured) and the JSON-lines
file sink (for scripts and other systems, and the one that proves exactly-once delivery across crashes)."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import sys
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.files import os_problem, unwritable
from bot.core.render import neutralise_mentions, render_alert
from bot.errors import UserError


class ConsoleSink:
    """Prints each message as a readable block. A terminal cannot be asked what it already shows, so a crash
    in the instant between printing and marking the message sent prints it once more after restart: the console
    is at-least-once. Sinks that can refuse a repeated key (the file sink, Discord's nonce) are exactly-once."""

    name = "console"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        stream = self._stream or sys.stdout
        stream.write(render_alert(neutralise_mentions(payload)) + "\n\n")
        stream.flush()


_REMEMBER = 1000
_LINES = 8  # a restart needs only the last complete line's key; a few more cost nothing


class JsonlSink:
    """Appends one JSON object per message, {"key", "channel", "payload"}, to a file, synced to disk.

    Exactly once across crashes: delivery sends messages one at a time in order and marks each sent before the
    next, so the only message that can have been written but not marked is the last one in the file. On open,
    a torn last line (a crash mid-write) is cut off and the keys of the last lines are remembered; sending a key
    that is already there does nothing.

    Several processes may share one file (several `claimdesk run` on one PostgreSQL database): each write holds
    an exclusive lock on the file (flock) and first reads the lines the others appended since its last look, so
    a message one process wrote and died before marking is not written again by the process that takes it over;
    a line torn by a process that died mid-write is cut off before the next one is added.
    """

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path
        problem = unwritable(path)
        if problem:
            raise UserError(f"{path}: jsonl.path: {problem}")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._seen = self._recover()
            self._read_to = path.stat().st_size if path.exists() else 0  # what this process has looked at
        except OSError as exc:
            raise UserError(f"{path}: jsonl.path: {os_problem(exc)}") from None

    def _recover(self) -> dict[str, None]:
        if not self.path.exists():
            return {}
        with self.path.open("r+b") as fh:
            size = fh.seek(0, os.SEEK_END)
            start, newlines = size, 0
            while start > 0 and newlines <= _LINES:  # back up over the last few lines, however long they are
                step = min(64 * 1024, start)
                start -= step
                fh.seek(start)
                newlines += fh.read(step).count(b"\n")
            fh.seek(start)
            tail = fh.read()
            if tail and not tail.endswith(b"\n"):
                tail = tail[: tail.rfind(b"\n") + 1]  # empty when the torn line is all there is
                fh.truncate(start + len(tail))
        keys: dict[str, None] = {}
        for line in tail.splitlines():
            try:
                keys[str(json.loads(line)["key"])] = None
            except (ValueError, KeyError, TypeError):
                continue  # the first line read may be the end of an older one
        return keys

    def _append(self, key: str, data: bytes) -> None:
        """Under the file's lock: learn the keys other processes wrote since the last look, cut a torn last line
        (its writer died: a live one holds the lock while it writes), then add the line unless its key is there."""
        with self.path.open("a+b") as fh:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # released when the file is closed
            end = fh.seek(0, os.SEEK_END)
            start = self._read_to if self._read_to <= end else 0
            fh.seek(start)
            news = fh.read(end - start)
            if news and not news.endswith(b"\n"):
                cut = news.rfind(b"\n") + 1
                if cut == 0 and start > 0:  # the torn line began before our last look: find its start
                    fh.seek(0)
                    whole = fh.read(end)
                    cut, start, news = whole.rfind(b"\n") + 1, 0, whole
                fh.truncate(start + cut)
                news, end = news[:cut], start + cut
            for line in news.splitlines():
                try:
                    self._seen[str(json.loads(line)["key"])] = None
                except (ValueError, KeyError, TypeError):
                    continue
            if key not in self._seen:
                fh.seek(0, os.SEEK_END)
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
                end += len(data)
            self._read_to = end

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        if key in self._seen:
            return
        payload = neutralise_mentions(payload)  # a script relaying these lines to chat must not ping anyone
        line = json.dumps({"key": key, "channel": channel, "payload": payload}, ensure_ascii=False) + "\n"
        await asyncio.to_thread(self._append, key, line.encode("utf-8"))
        self._seen[key] = None
        if len(self._seen) > _REMEMBER:  # only recent keys can come back; keep memory flat on a long run
            self._seen = dict.fromkeys(list(self._seen)[-(_REMEMBER // 2) :])
