# ruff: noqa: ASYNC109
# The waits take `timeout=` on purpose: each has a default, so a test that forgets to bound one cannot hang the
# suite, and the TimeoutError names what never arrived ("a visible reply to <InteractionHandle watch add>").
"""A local stand-in for Discord on 127.0.0.1 that the real discord.py client talks to.

Why: the bot's Discord front end should be tested end to end — the real `discord.Client`, its HTTP client,
rate-limit handling, gateway parser and `app_commands.CommandTree` — without Discord, a token or the network.
The stand-in serves the REST routes the bot uses under `/api/v10/...` and enough of the gateway (HELLO,
IDENTIFY → READY, one GUILD_CREATE per guild, INTERACTION_CREATE, heartbeats, RECONNECT/RESUME) over an
aiohttp websocket, keeps what it was sent for assertions, and answers with failures on demand (429, 403, 404,
5xx) so retry and pause paths can be driven.

The shapes follow what discord.py 2.7 reads, checked against its source:

* `http.json_or_text` parses a body only when `Content-Type` is *exactly* `application/json`, so bodies are
  written as bytes with that header (aiohttp's `json_response` would add `; charset=utf-8`).
* A 429 is retried only when the response carries a `Via` header (otherwise it is treated as a Cloudflare ban);
  the wait comes from `retry_after` in the body.
* A plain `Client` never calls `/gateway/bot`: it connects to `DiscordWebSocket.DEFAULT_GATEWAY`, so
  `patch_discord()` repoints that as well as `Route.BASE`. After READY it reconnects to `resume_gateway_url`.
* Shards: each shard of discord.py's `AutoShardedClient` is its own session, IDENTIFYing with
  `shard: [id, count]`; it connects to `DEFAULT_GATEWAY` too when given a `shard_count`, and asks
  `GET /gateway/bot` (`{"url", "shards", "session_start_limit"}`; `shards=` here) only without one. A session
  gets READY with its `shard` and, listed there and then as GUILD_CREATEs, only the guilds on its shard,
  `(guild_id >> 22) % count == id` — as do a guild's later events and its INTERACTION_CREATEs, so several
  clients (processes) holding different shards each see and answer only their own guilds. A session that names no
  shard is shard 0 of `shards`. `snowflake_on_shard` makes guild ids for a given shard.
* The client asks for `compress=zlib-stream` and decompresses binary frames only; text frames are read as-is.
  By default the stand-in honours the request (zlib stream, `Z_SYNC_FLUSH` per message) so the real
  decompression path runs; `compress=False` sends plain text frames.
* Interaction callbacks are sent with `?with_response=1` and expect a 200 JSON `InteractionCallback`
  (`{"interaction": {...}, "resource": {...}}`), not a 204. Followups go to `/webhooks/{app_id}/{token}`.
* `CommandTree` finds a guild command only when the interaction's `data.guild_id` is set, so interactions for
  commands synced to a guild carry it, as Discord's do.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import hashlib
import itertools
import json
import math
import re
import time
import uuid
import zlib
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import discord
import pytest
import yarl
from aiohttp import BodyPartReader, WSMsgType, web
from discord.gateway import DiscordWebSocket
from discord.http import Route

JSON = dict[str, Any]
Answer = tuple[int, Any]  # (status, JSON body or None for an empty 204)

DISCORD_EPOCH_MS = 1_420_070_400_000
INTERACTION_DEADLINE = 3.0  # Discord drops an interaction token that is not acknowledged within 3 s
NONCE_WINDOW = 300.0  # "the past few minutes" in which Discord enforces a message nonce
POLL_INTERVAL = 0.02
FLAG_EPHEMERAL = 64
FLAG_LOADING = 128
INTENT_GUILDS = 1 << 0
INTENT_GUILD_MESSAGES = 1 << 9

ALL_PERMISSIONS = discord.Permissions.all().value
ADMINISTRATOR = discord.Permissions(administrator=True).value
MANAGE_GUILD = discord.Permissions(manage_guild=True).value
VIEW_CHANNEL = discord.Permissions(view_channel=True).value
SEND_MESSAGES = discord.Permissions(send_messages=True).value
EVERYONE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    read_message_history=True,
    embed_links=True,
    attach_files=True,
    add_reactions=True,
    use_application_commands=True,
).value
BOT_PERMISSIONS = EVERYONE_PERMISSIONS | discord.Permissions(manage_messages=True).value

# Option types in an application-command payload (Discord's ApplicationCommandOptionType).
SUB_COMMAND, SUB_COMMAND_GROUP = 1, 2
STRING, INTEGER, BOOLEAN, USER, CHANNEL, ROLE, MENTIONABLE, NUMBER = 3, 4, 5, 6, 7, 8, 9, 10

# Discord's error bodies (message, code) for the failures tests inject or the stand-in detects.
ERRORS: dict[str, tuple[int, JSON]] = {
    "unauthorized": (401, {"message": "401: Unauthorized", "code": 0}),
    "missing_access": (403, {"message": "Missing Access", "code": 50001}),
    "missing_permissions": (403, {"message": "Missing Permissions", "code": 50013}),
    "unknown_channel": (404, {"message": "Unknown Channel", "code": 10003}),
    "unknown_guild": (404, {"message": "Unknown Guild", "code": 10004}),
    "unknown_member": (404, {"message": "Unknown Member", "code": 10007}),
    "unknown_message": (404, {"message": "Unknown Message", "code": 10008}),
    "unknown_user": (404, {"message": "Unknown User", "code": 10013}),
    "unknown_webhook": (404, {"message": "Unknown Webhook", "code": 10015}),
    "unknown_interaction": (404, {"message": "Unknown interaction", "code": 10062}),
    "already_acknowledged": (400, {"message": "Interaction has already been acknowledged.", "code": 40060}),
    "empty_message": (400, {"message": "Cannot send an empty message", "code": 50006}),
    "not_found": (404, {"message": "404: Not Found", "code": 0}),
}
_DEFAULT_FAULT_BODIES: dict[int, JSON] = {
    400: {"message": "400: Bad Request", "code": 0},
    401: ERRORS["unauthorized"][1],
    403: ERRORS["missing_access"][1],
    404: ERRORS["unknown_channel"][1],
    500: {"message": "500: Internal Server Error", "code": 0},
    502: {"message": "502: Bad Gateway", "code": 0},
    503: {"message": "503: Service Unavailable", "code": 0},
    504: {"message": "504: Gateway Timeout", "code": 0},
}

_ids = itertools.count(1)


def snowflake() -> int:
    """A fresh, increasing Discord-style id, so `created_at` and ordering behave as with real ids."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    return (ms << 22) | (next(_ids) & 0x3FFFFF)


def snowflake_on_shard(shard_id: int, shard_count: int) -> int:
    """A fresh id of a guild on shard `shard_id` of `shard_count`: `(id >> 22) % shard_count == shard_id` (the
    timestamp moved at most `shard_count - 1` ms ahead)."""
    ms = int(time.time() * 1000) - DISCORD_EPOCH_MS
    ms += (shard_id - ms) % shard_count
    return (ms << 22) | (next(_ids) & 0x3FFFFF)


def shard_of(guild_id: int, shard_count: int) -> int:
    """The shard Discord sends a guild's events on."""
    return (guild_id >> 22) % max(shard_count, 1)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


def _as_permissions(value: int | str | discord.Permissions) -> int:
    if isinstance(value, discord.Permissions):
        return value.value
    return int(value)


def _compile_pattern(pattern: str) -> tuple[str, re.Pattern[str]]:
    """`"POST /channels/{id}/messages"` → ("POST", regex). `{name}` matches one path segment; `*` any method."""
    method, _, path = pattern.strip().partition(" ")
    if not path:
        method, path = "*", method
    named: set[str] = set()
    regex = ""
    for part in re.split(r"(\{[^}/]+\})", path.split("?", 1)[0]):
        if not (part.startswith("{") and part.endswith("}")):
            regex += re.escape(part)
            continue
        name = part[1:-1]
        if name.isidentifier() and name not in named:
            named.add(name)
            regex += f"(?P<{name}>[^/]+)"
        else:
            regex += "[^/]+"  # "{id}" twice in one pattern, or a label that is not a group name
    return method.upper(), re.compile(f"^{regex}$")


def _matches(pattern: str, method: str, path: str) -> bool:
    want_method, regex = _compile_pattern(pattern)
    return want_method in ("*", method.upper()) and regex.match(path) is not None


# -- the world the stand-in models -------------------------------------------------------------------------------
@dataclass
class Role:
    """A server role; `permissions` is the bitfield (see `discord.Permissions(...).value`)."""

    id: int
    name: str
    permissions: int = 0
    position: int = 1
    managed: bool = False
    bot_id: int | None = None

    def payload(self) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "color": 0,
            "colors": {"primary_color": 0, "secondary_color": None, "tertiary_color": None},
            "hoist": False,
            "icon": None,
            "unicode_emoji": None,
            "position": self.position,
            "permissions": str(self.permissions),
            "managed": self.managed,
            "mentionable": False,
            "flags": 0,
        }
        if self.bot_id is not None:
            data["tags"] = {"bot_id": str(self.bot_id)}
        return data


@dataclass
class Overwrite:
    """A channel permission overwrite for a role (type 0) or a member (type 1)."""

    id: int
    type: int = 1
    allow: int = 0
    deny: int = 0

    def payload(self) -> JSON:
        return {"id": str(self.id), "type": self.type, "allow": str(self.allow), "deny": str(self.deny)}


@dataclass
class Channel:
    """A text channel (type 0). Its `overwrites` are enforced when the bot posts, as Discord would."""

    id: int
    name: str
    type: int = 0  # GUILD_TEXT
    position: int = 0
    topic: str | None = None
    guild_id: int = 0  # filled in by add_guild
    overwrites: list[Overwrite] = field(default_factory=list)

    def payload(self) -> JSON:
        return {
            "id": str(self.id),
            "type": self.type,
            "guild_id": str(self.guild_id),
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [o.payload() for o in self.overwrites],
            "nsfw": False,
            "parent_id": None,
            "topic": self.topic,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }


@dataclass
class Member:
    """A server member (or the bot); `roles` are role ids, @everyone implied."""

    id: int
    name: str = ""
    roles: Sequence[int] = ()
    bot: bool = False

    def __post_init__(self) -> None:
        self.name = self.name or f"user{self.id}"

    def user_payload(self) -> JSON:
        return {
            "id": str(self.id),
            "username": self.name,
            "discriminator": "0",
            "global_name": self.name,
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
        }

    def payload(self, permissions: int | None = None) -> JSON:
        data: JSON = {
            "user": self.user_payload(),
            "roles": [str(r) for r in self.roles],
            "nick": None,
            "avatar": None,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:
            data["permissions"] = str(permissions)
        return data


@dataclass
class Guild:
    """A server: the @everyone role has the guild's id, as on Discord."""

    id: int
    name: str
    owner_id: int
    roles: dict[int, Role] = field(default_factory=dict)
    channels: dict[int, Channel] = field(default_factory=dict)
    members: dict[int, Member] = field(default_factory=dict)

    def permissions_of(self, member: Member) -> int:
        """Guild-level permissions the way Discord computes them (channel overwrites are not modelled)."""
        if member.id == self.owner_id:
            return ALL_PERMISSIONS
        perms = self.roles[self.id].permissions if self.id in self.roles else 0
        for role_id in member.roles:
            if role_id in self.roles:
                perms |= self.roles[role_id].permissions
        return ALL_PERMISSIONS if perms & ADMINISTRATOR else perms

    def channel_permissions_of(self, member: Member, channel: Channel) -> int:
        """Discord's order: guild permissions, then the @everyone overwrite, the member's role overwrites
        together, and last the member's own overwrite. Administrators (and the owner) bypass overwrites."""
        perms = self.permissions_of(member)
        if perms == ALL_PERMISSIONS:
            return perms
        by_target = {(o.type, o.id): o for o in channel.overwrites}
        everyone = by_target.get((0, self.id))
        if everyone is not None:
            perms = (perms & ~everyone.deny) | everyone.allow
        allow = deny = 0
        for role_id in member.roles:
            role_overwrite = by_target.get((0, role_id))
            if role_overwrite is not None:
                allow, deny = allow | role_overwrite.allow, deny | role_overwrite.deny
        perms = (perms & ~deny) | allow
        own = by_target.get((1, member.id))
        if own is not None:
            perms = (perms & ~own.deny) | own.allow
        return perms

    def payload(self, *, available_after_ready: bool) -> JSON:
        data: JSON = {
            "id": str(self.id),
            "name": self.name,
            "icon": None,
            "owner_id": str(self.owner_id),
            "roles": [r.payload() for r in self.roles.values()],
            "channels": [c.payload() for c in self.channels.values()],
            "members": [m.payload() for m in self.members.values()],
            "member_count": len(self.members),
            "large": False,
            "joined_at": "2024-01-01T00:00:00+00:00",
            "features": [],
            "emojis": [],
            "stickers": [],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "preferred_locale": "en-US",
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "mfa_level": 0,
            "nsfw_level": 0,
            "premium_tier": 0,
            "system_channel_id": None,
        }
        if available_after_ready:
            data["unavailable"] = False  # as after READY: the guild listed as unavailable is now available
        return data


# -- what the stand-in records -----------------------------------------------------------------------------------
@dataclass
class RecordedRequest:
    """One HTTP request as received: `path` is relative to `/api/v10`, `json` the parsed body (for multipart,
    the `payload_json` part). `status`/`response` are what the stand-in answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    files: list[str]
    at: float
    status: int = 0
    response: Any = None
    fault: bool = False

    @property
    def route(self) -> str:
        return f"{self.method} {self.path}"

    def matches(self, pattern: str) -> bool:
        return _matches(pattern, self.method, self.path)


@dataclass
class PostedMessage:
    """A message created through `POST /channels/{id}/messages`: the request body as the bot sent it (with
    `allowed_mentions`, which a message object does not echo) and the message object returned."""

    id: int
    channel_id: int
    guild_id: int | None
    body: JSON
    message: JSON
    at: float = 0.0
    edits: list[JSON] = field(default_factory=list)
    deleted: bool = False
    repeats: int = 0  # later sends with the same nonce and `enforce_nonce`, answered with this message

    @property
    def content(self) -> str:
        return str(self.message.get("content", ""))

    @property
    def embeds(self) -> list[JSON]:
        return list(self.message.get("embeds", []))

    @property
    def allowed_mentions(self) -> JSON | None:
        return self.body.get("allowed_mentions")


@dataclass(frozen=True)
class InteractionReply:
    """One thing the bot did with an interaction: the initial `callback`, a `followup` message, an `edit` of the
    original response, or its `delete`. `elapsed` is seconds after the INTERACTION_CREATE was sent."""

    kind: str
    body: JSON
    elapsed: float
    ephemeral: bool
    message: JSON | None = None

    @property
    def type(self) -> int | None:
        """The callback type (4 message, 5 deferred, 8 autocomplete result, ...); None for webhook calls."""
        return self.body.get("type") if self.kind == "callback" else None

    @property
    def data(self) -> JSON:
        if self.kind == "callback":
            return dict(self.body.get("data") or {})
        return self.body

    @property
    def content(self) -> str | None:
        return self.data.get("content")

    @property
    def embeds(self) -> list[JSON]:
        return list(self.data.get("embeds") or [])

    @property
    def flags(self) -> int:
        return int(self.data.get("flags") or 0)

    @property
    def choices(self) -> list[JSON]:
        return list(self.data.get("choices") or [])


class InteractionHandle:
    """An INTERACTION_CREATE the stand-in sent, and everything the bot answered to it."""

    def __init__(self, standin: DiscordStandIn, payload: JSON, guild_id: int, channel_id: int) -> None:
        self._standin = standin
        self.payload = payload
        self.id = int(payload["id"])
        self.token: str = payload["token"]
        self.guild_id = guild_id
        self.channel_id = channel_id
        self.sent_at = 0.0
        self.replies: list[InteractionReply] = []
        self.callback_type: int | None = None
        self.ephemeral = False
        self.original: JSON | None = None  # the response message, once there is one

    def __repr__(self) -> str:
        return (
            f"<InteractionHandle {self.payload['data'].get('name')} id={self.id} replies={len(self.replies)}>"
        )

    async def wait_replies(self, count: int = 1, timeout: float = 5.0) -> list[InteractionReply]:
        """Wait until the bot made `count` calls for this interaction; returns them all."""
        await self._standin.wait_until(
            lambda: len(self.replies) >= count, timeout, f"{count} replies to {self!r}"
        )
        return list(self.replies)

    async def response(self, timeout: float = INTERACTION_DEADLINE + 0.5) -> InteractionReply:
        """The initial callback (`InteractionResponse.send_message` / `defer` / autocomplete)."""
        await self._standin.wait_until(
            lambda: any(r.kind == "callback" for r in self.replies), timeout, f"the callback for {self!r}"
        )
        return next(r for r in self.replies if r.kind == "callback")

    async def message(self, timeout: float = 5.0) -> InteractionReply:
        """The first reply a user would see: a type-4 callback, or after a defer the first edit or followup."""

        def visible() -> InteractionReply | None:
            for reply in self.replies:
                if (reply.kind == "callback" and reply.type in (4, 7)) or reply.kind in ("edit", "followup"):
                    return reply
            return None

        await self._standin.wait_until(lambda: visible() is not None, timeout, f"a visible reply to {self!r}")
        reply = visible()
        assert reply is not None
        return reply


class Fault:
    """An injected failure: the next `times` requests matching `pattern` get `status` (None = until removed)."""

    def __init__(
        self, pattern: str, status: int, times: int | None, body: JSON, headers: dict[str, str]
    ) -> None:
        self.pattern = pattern
        self.status = status
        self.times = times
        self.body = body
        self.headers = headers
        self.hits = 0

    @property
    def spent(self) -> bool:
        return self.times is not None and self.hits >= self.times

    def __repr__(self) -> str:
        return f"<Fault {self.pattern!r} → {self.status} hits={self.hits}/{self.times}>"


# -- the gateway -------------------------------------------------------------------------------------------------
class GatewaySession:
    """One websocket connection from the client. `received` keeps every payload the client sent."""

    def __init__(
        self, ws: web.WebSocketResponse, path: str, query: Mapping[str, str], compress: bool
    ) -> None:
        self.ws = ws
        self.path = path
        self.query = dict(query)
        self.compressor = zlib.compressobj() if compress and query.get("compress") == "zlib-stream" else None
        self.session_id: str | None = None
        self.seq = 0
        self.intents = 0
        self.shard: tuple[int, int] = (0, 1)
        self.identified = False
        self.resumed = False
        self.heartbeats = 0
        self.received: list[JSON] = []
        self.sent: list[JSON] = []

    @property
    def open(self) -> bool:
        return not self.ws.closed

    async def send(self, op: int, d: Any, t: str | None = None) -> None:
        payload: JSON = {"op": op, "d": d, "s": None, "t": t}
        if op == 0:
            self.seq += 1
            payload["s"] = self.seq
        self.sent.append(payload)
        text = json.dumps(payload, separators=(",", ":"))
        try:
            if self.compressor is not None:
                data = self.compressor.compress(text.encode()) + self.compressor.flush(zlib.Z_SYNC_FLUSH)
                await self.ws.send_bytes(data)
            else:
                await self.ws.send_str(text)
        except (ConnectionError, RuntimeError):
            pass  # the client went away; the next connection gets a fresh session

    async def dispatch(self, event: str, data: Any) -> None:
        await self.send(0, data, event)

    def events(self, event: str) -> list[Any]:
        """The data of every `event` ("GUILD_CREATE", "INTERACTION_CREATE") this session was sent."""
        return [p["d"] for p in self.sent if p["op"] == 0 and p["t"] == event]


# -- the stand-in ------------------------------------------------------------------------------------------------
RouteHandler = Callable[[RecordedRequest, dict[str, str]], Awaitable[Answer]]


class DiscordStandIn:
    """Discord's REST API and gateway on 127.0.0.1, enough of them for a discord.py bot.

    Use through the `discord_standin` fixture, or as `async with DiscordStandIn() as standin:` followed by
    `with standin.patch_discord():`; drive the client with `async with standin.running(client): ...`.
    """

    def __init__(
        self,
        *,
        token: str = "standin-bot-token",
        bot_name: str = "claimdesk",
        application_id: int | None = None,
        heartbeat_interval_ms: int = 41_250,
        compress: bool = True,
        interaction_deadline: float = INTERACTION_DEADLINE,
        shards: int = 1,
    ) -> None:
        self.token = token
        self.application_id = application_id or snowflake()
        # For applications made since 2020 the bot user's id is the application's id.
        self.bot = Member(self.application_id, bot_name, bot=True)
        self.heartbeat_interval_ms = heartbeat_interval_ms
        self.compress = compress
        self.interaction_deadline = interaction_deadline
        self.shards = shards

        self.guilds: dict[int, Guild] = {}
        self.requests: list[RecordedRequest] = []
        self.messages: defaultdict[int, list[PostedMessage]] = defaultdict(list)
        self.interactions: dict[int, InteractionHandle] = {}
        self.commands: dict[int | None, list[JSON]] = {}  # guild id (None = global) → registered commands
        self.faults: list[Fault] = []
        self.sessions: list[GatewaySession] = []

        self._command_ids: dict[tuple[int | None, str], int] = {}
        self._by_token: dict[str, InteractionHandle] = {}
        self._resumable: dict[str, GatewaySession] = {}
        self._changed = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._routes: list[tuple[str, re.Pattern[str], bool, RouteHandler]] = []
        self._build_routes()

    # -- lifecycle ----------------------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def api_base(self) -> str:
        """What `discord.http.Route.BASE` must be."""
        return f"{self.base_url}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self._port}/gateway"

    @property
    def resume_gateway_url(self) -> str:
        """Given in READY; a distinct path so a test can see the client resumed where it was told to."""
        return f"ws://127.0.0.1:{self._port}/resume"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway", self._handle_gateway)
        app.router.add_get("/resume", self._handle_gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._handle_http)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        """Close every gateway connection (code 1000) and the server; bounded so a test never hangs here.

        Close clients first (`running()` does): a client still connected would take the 1000 for an outage and
        keep trying to reconnect to a port nobody listens on any more."""
        for session in self.sessions:
            if session.open:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(session.ws.close(code=1000, message=b"stand-in closing"), 2.0)
        if self._runner is not None:
            await asyncio.wait_for(self._runner.cleanup(), 5.0)
            self._runner = None

    async def __aenter__(self) -> DiscordStandIn:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @contextlib.contextmanager
    def patch_discord(self) -> Iterator[None]:
        """Point discord.py's REST base and its default gateway at the stand-in; restore them afterwards.

        Both are needed: `Route.BASE` for HTTP and webhooks, `DiscordWebSocket.DEFAULT_GATEWAY` because a
        non-sharded `Client` connects there without asking `/gateway/bot` (and falls back to it after an
        INVALID_SESSION)."""
        assert self._port, "start() the stand-in before patching discord.py"
        old_base, old_gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
        Route.BASE = self.api_base
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.gateway_url)
        try:
            yield
        finally:
            Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = old_base, old_gateway

    @contextlib.asynccontextmanager
    async def running(
        self,
        client: discord.Client,
        *,
        token: str | None = None,
        timeout: float = 10.0,
        guild_ready_timeout: float | None = None,
    ) -> AsyncIterator[discord.Client]:
        """Log `client` in, connect it, wait for `on_ready`; close it and its connect task afterwards.

        `on_ready` comes `guild_ready_timeout` (discord.py default 2 s) after the last GUILD_CREATE. Build the
        client with `guild_ready_timeout=0.1`, or pass it here for a client whose constructor does not take it
        (this sets discord.py's private `client._connection.guild_ready_timeout`). If the connect task dies
        before ready, its error is raised. Errors from `client.close()` propagate: a bot's close is under test."""
        if guild_ready_timeout is not None:
            client._connection.guild_ready_timeout = guild_ready_timeout
        connect: asyncio.Task[None] | None = None
        try:
            await asyncio.wait_for(client.login(token or self.token), timeout)
            connect = asyncio.create_task(client.connect(reconnect=True), name="discord-standin-client")
            ready = asyncio.create_task(client.wait_until_ready())
            done, _ = await asyncio.wait(
                {connect, ready}, timeout=timeout, return_when=asyncio.FIRST_COMPLETED
            )
            if ready not in done:
                ready.cancel()
                if connect in done:
                    connect.result()  # re-raise why the client could not connect
                raise TimeoutError(f"discord.py client was not ready within {timeout}s")
            yield client
        finally:
            try:
                await asyncio.wait_for(client.close(), timeout)
            finally:
                if connect is not None:
                    await _finish(connect, 2.0)

    # -- waiting ------------------------------------------------------------------------------------------------
    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], object], timeout: float = 5.0, what: str = "") -> None:
        """Wait until `predicate()` is true: re-checked whenever the stand-in records something, and every 20 ms
        for conditions on the client's side (its cache after a gateway event, a handler's side effects)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not predicate():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"stand-in: timed out after {timeout}s waiting for {what or predicate}")
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._changed.wait(), min(remaining, POLL_INTERVAL))

    async def wait_for_messages(
        self, channel_id: int, count: int = 1, timeout: float = 5.0
    ) -> list[PostedMessage]:
        """Wait until `count` messages were posted to the channel; returns all of them (there may be more)."""
        await self.wait_until(
            lambda: len(self.messages.get(channel_id, [])) >= count,
            timeout,
            f"{count} messages in {channel_id}",
        )
        return list(self.messages[channel_id])

    async def wait_for_request(
        self, pattern: str, count: int = 1, timeout: float = 5.0
    ) -> list[RecordedRequest]:
        """Wait until `count` answered requests match `pattern` ("PUT /applications/{app}/guilds/{g}/commands")."""
        await self.wait_until(lambda: len(self.requests_to(pattern)) >= count, timeout, f"{count}× {pattern}")
        return self.requests_to(pattern)

    async def wait_ready(self, timeout: float = 5.0) -> GatewaySession:
        """Wait until a gateway session got READY (the client identified)."""
        await self.wait_until(lambda: self._identified_sessions(), timeout, "an identified gateway session")
        return self._identified_sessions()[0]

    def requests_to(self, pattern: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.status and r.matches(pattern)]

    @property
    def unhandled(self) -> list[RecordedRequest]:
        """Requests to routes the stand-in does not implement — a test can assert this stays empty."""
        return [r for r in self.requests if r.status == 404 and r.response == ERRORS["not_found"][1]]

    # -- failure injection --------------------------------------------------------------------------------------
    def fail(
        self,
        pattern: str,
        status: int,
        *,
        times: int | None = 1,
        retry_after: float = 0.2,
        is_global: bool = False,
        body: JSON | None = None,
    ) -> Fault:
        """Answer the next `times` requests matching `pattern` with `status` (None: until `clear_faults`).

        `pattern` is "METHOD /path" relative to /api/v10, with `{name}` for any one segment:
        `fail("POST /channels/{id}/messages", 429)` or `fail(f"POST /channels/{cid}/messages", 403, times=None)`.
        429 bodies carry `retry_after` and the headers discord.py reads (`Via`, `Retry-After`, X-RateLimit-*)."""
        headers: dict[str, str] = {}
        if status == 429:
            body = body or {
                "message": "You are being rate limited.",
                "retry_after": retry_after,
                "global": is_global,
            }
            headers = {
                "Via": "1.1 google",  # discord.py treats a 429 without Via as a Cloudflare ban and raises
                "Retry-After": str(max(1, math.ceil(retry_after))),
                "X-RateLimit-Limit": "5",
                "X-RateLimit-Remaining": "0",
                "X-RateLimit-Reset": f"{time.time() + retry_after:.3f}",
                "X-RateLimit-Reset-After": f"{retry_after:.3f}",
                "X-RateLimit-Bucket": _bucket(pattern),
                "X-RateLimit-Scope": "global" if is_global else "user",
            }
            if is_global:
                headers["X-RateLimit-Global"] = "true"
        else:
            body = body or _DEFAULT_FAULT_BODIES.get(status, {"message": f"{status}", "code": 0})
        fault = Fault(pattern, status, times, body, headers)
        self.faults.append(fault)
        return fault

    def clear_faults(self, fault: Fault | None = None) -> None:
        """Remove one fault (the "fix" after a 403), or all of them."""
        self.faults = [] if fault is None else [f for f in self.faults if f is not fault]

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self.faults:
            if not fault.spent and _matches(fault.pattern, method, path):
                fault.hits += 1
                return fault
        return None

    # -- the world ----------------------------------------------------------------------------------------------
    async def add_guild(
        self,
        guild_id: int,
        name: str,
        *,
        channels: Iterable[Channel | int] = (),
        members: Iterable[Member | int] = (),
        roles: Iterable[Role] = (),
        owner_id: int | None = None,
        everyone_permissions: int = EVERYONE_PERMISSIONS,
        bot_permissions: int = BOT_PERMISSIONS,
    ) -> Guild:
        """Add a server the bot is in. Before the client connects it is listed in READY (as unavailable, then
        one GUILD_CREATE); after, it is sent as a GUILD_CREATE at once, as when the bot joins a server.

        Channels and members may be given as bare ids. The bot's own member and managed role are added, and
        `@everyone` (id = guild id) gets `everyone_permissions`. Returns after sending; the client handles the
        event asynchronously (wait for `on_guild_join` or poll `client.get_guild`)."""
        owner = owner_id if owner_id is not None else snowflake()
        guild = Guild(guild_id, name, owner)
        guild.roles[guild_id] = Role(guild_id, "@everyone", everyone_permissions, position=0)
        for role in roles:
            guild.roles[role.id] = role
        bot_role = Role(snowflake(), self.bot.name, bot_permissions, managed=True, bot_id=self.bot.id)
        guild.roles[bot_role.id] = bot_role
        for position, ch in enumerate(channels):
            channel = ch if isinstance(ch, Channel) else Channel(ch, f"channel-{ch}", position=position)
            channel.guild_id = guild_id
            guild.channels[channel.id] = channel
        for m in members:
            member = m if isinstance(m, Member) else Member(m)
            guild.members[member.id] = member
        guild.members.setdefault(owner, Member(owner, f"owner{owner}"))
        guild.members[self.bot.id] = Member(self.bot.id, self.bot.name, roles=[bot_role.id], bot=True)
        self.guilds[guild_id] = guild
        for session in self._identified_sessions():
            if self._shard_of(guild_id, session) and session.intents & INTENT_GUILDS:
                await session.dispatch("GUILD_CREATE", guild.payload(available_after_ready=False))
        return guild

    async def remove_guild(self, guild_id: int) -> None:
        """The bot was removed from the server: GUILD_DELETE (without `unavailable`)."""
        self.guilds.pop(guild_id, None)
        for session in self._identified_sessions():
            if self._shard_of(guild_id, session):
                await session.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    async def set_overwrite(
        self,
        channel_id: int,
        target_id: int | None = None,
        *,
        allow: int = 0,
        deny: int = 0,
        role: bool = False,
    ) -> Channel:
        """An admin edits a channel's permissions for a member (default: the bot) or a role, and the bot gets a
        CHANNEL_UPDATE. `deny=SEND_MESSAGES` makes posts there fail with 403 50013, `deny=VIEW_CHANNEL` with
        50001; `allow=0, deny=0` removes the overwrite again (the fix)."""
        channel = self._channel(channel_id)
        if channel is None:
            raise LookupError(f"stand-in: unknown channel {channel_id}")
        target, kind = (target_id if target_id is not None else self.bot.id), (0 if role else 1)
        channel.overwrites = [o for o in channel.overwrites if (o.type, o.id) != (kind, target)]
        if allow or deny:
            channel.overwrites.append(Overwrite(target, kind, allow, deny))
        for session in self._identified_sessions():
            if self._shard_of(channel.guild_id, session) and session.intents & INTENT_GUILDS:
                await session.dispatch("CHANNEL_UPDATE", channel.payload())
        return channel

    def add_member(self, guild_id: int, member: Member) -> Member:
        self.guilds[guild_id].members[member.id] = member
        return member

    def _guild(self, guild_id: int | str) -> Guild | None:
        return self.guilds.get(int(guild_id))

    def _channel(self, channel_id: int | str) -> Channel | None:
        for guild in self.guilds.values():
            channel = guild.channels.get(int(channel_id))
            if channel is not None:
                return channel
        return None

    def command(self, name: str, guild_id: int | None = None) -> JSON | None:
        """The registered definition of `/name`: the guild's own first, as Discord shows it, then global."""
        for scope in (guild_id, None) if guild_id is not None else (None,):
            for cmd in self.commands.get(scope, []):
                if cmd["name"] == name:
                    return cmd
        return None

    # -- driving interactions -----------------------------------------------------------------------------------
    async def interact(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any] | None = None,
        *,
        permissions: int | str | discord.Permissions | None = None,
        focused: str | None = None,
        locale: str = "en-US",
        require_registered: bool = True,
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """Send an INTERACTION_CREATE as if `user_id` ran `/command` ("watch add") with `options` in a channel.

        The member object carries `permissions` (given, or computed from the member's roles): that is what
        `interaction.permissions` and `app_commands.checks.has_permissions` read. Subcommands become the nested
        SUB_COMMAND(_GROUP) options Discord sends; option types come from the synced definition (or the Python
        type). With `focused="name"` it is an autocomplete interaction (type 4) for that option.

        `require_registered` (default) refuses a command the bot never synced — Discord could not send it.
        Returns a handle; `await handle.response()` / `handle.message()` get what the bot answered."""
        session = await self._session_for(guild_id, timeout)
        guild, channel, member = self._where(guild_id, channel_id, user_id)
        path = command.strip().lstrip("/").split()
        if not path:
            raise ValueError("stand-in: empty command name")
        definition = self.command(path[0], guild_id)
        if definition is None and require_registered:
            synced = {scope: [c["name"] for c in cmds] for scope, cmds in self.commands.items()}
            raise LookupError(
                f"stand-in: /{path[0]} is not registered (did the bot sync its tree?); have {synced}"
            )
        data: JSON = {
            "id": str(definition["id"]) if definition else str(snowflake()),
            "name": path[0],
            "type": 1,
        }
        if definition is not None and definition.get("guild_id"):
            data["guild_id"] = definition["guild_id"]
        resolved: JSON = {}
        built = self._build_options(guild, definition, path, dict(options or {}), focused, resolved)
        if built:
            data["options"] = built
        if resolved:
            data["resolved"] = resolved
        payload = self._envelope(guild, channel, member, 4 if focused else 2, data, permissions, locale)
        return await self._send_interaction(session, payload, guild_id, channel_id)

    async def click(
        self,
        message: JSON | PostedMessage | InteractionReply,
        custom_id: str,
        user_id: int,
        *,
        values: Sequence[str] | None = None,
        permissions: int | str | discord.Permissions | None = None,
        locale: str = "en-US",
        timeout: float = 5.0,
    ) -> InteractionHandle:
        """A member presses a button (or picks `values` in a select menu) on a message the bot sent: a component
        interaction (type 3) carrying that message. Refuses a component the message does not have, or a disabled
        one, as Discord's client would. The bot answers with `edit_message` (callback 7) or `defer` (6)."""
        if isinstance(message, PostedMessage):
            message = message.message
        elif isinstance(message, InteractionReply):
            if message.message is None:
                raise ValueError("stand-in: that reply created no message")
            message = message.message
        guild_id, channel_id = int(message["guild_id"]), int(message["channel_id"])
        session = await self._session_for(guild_id, timeout)
        guild, channel, member = self._where(guild_id, channel_id, user_id)
        component = _find_component(message.get("components") or [], custom_id)
        if component is None:
            ids = [c.get("custom_id") for c in _walk_components(message.get("components") or [])]
            raise ValueError(f"stand-in: message {message['id']} has no component {custom_id!r}; has {ids}")
        if component.get("disabled"):
            raise ValueError(
                f"stand-in: component {custom_id!r} is disabled; Discord's client cannot press it"
            )
        data: JSON = {"custom_id": custom_id, "component_type": int(component["type"])}
        if values is not None:
            data["values"] = list(values)
        payload = self._envelope(guild, channel, member, 3, data, permissions, locale)
        payload["message"] = copy.deepcopy(
            message
        )  # as it was when pressed; later edits do not rewrite history
        handle = await self._send_interaction(session, payload, guild_id, channel_id)
        handle.original = message  # for a component, "the original" is the message it is on
        return handle

    def _where(self, guild_id: int, channel_id: int, user_id: int) -> tuple[Guild, Channel, Member]:
        guild = self.guilds.get(guild_id)
        if guild is None:
            raise LookupError(f"stand-in: unknown guild {guild_id}; add_guild() it first")
        channel = guild.channels.get(channel_id)
        if channel is None:
            raise LookupError(f"stand-in: channel {channel_id} is not in guild {guild_id}")
        member = guild.members.get(user_id) or self.add_member(guild_id, Member(user_id))
        return guild, channel, member

    def _envelope(
        self,
        guild: Guild,
        channel: Channel,
        member: Member,
        kind: int,
        data: JSON,
        permissions: int | str | discord.Permissions | None,
        locale: str,
    ) -> JSON:
        """The INTERACTION_CREATE fields every interaction type shares, as Discord sends them from a server."""
        perms = guild.permissions_of(member) if permissions is None else _as_permissions(permissions)
        return {
            "id": str(snowflake()),
            "application_id": str(self.application_id),
            "type": kind,
            "data": data,
            "guild_id": str(guild.id),
            "guild": {"id": str(guild.id), "locale": "en-US", "features": []},
            "channel_id": str(channel.id),
            "channel": channel.payload(),
            "member": member.payload(perms),
            "token": f"standin-interaction-{uuid.uuid4().hex}",
            "version": 1,
            "app_permissions": str(guild.channel_permissions_of(guild.members[self.bot.id], channel)),
            "locale": locale,
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": str(guild.id)},
            "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
        }

    async def _send_interaction(
        self, session: GatewaySession, payload: JSON, guild_id: int, channel_id: int
    ) -> InteractionHandle:
        handle = InteractionHandle(self, payload, guild_id, channel_id)
        self.interactions[handle.id] = handle
        self._by_token[handle.token] = handle
        handle.sent_at = asyncio.get_running_loop().time()
        await session.dispatch("INTERACTION_CREATE", payload)
        return handle

    async def autocomplete(
        self,
        guild_id: int,
        channel_id: int,
        user_id: int,
        command: str,
        options: Mapping[str, Any],
        focused: str,
        **kwargs: Any,
    ) -> InteractionHandle:
        """An autocomplete interaction (type 4) while the user types option `focused`; the bot answers type 8."""
        return await self.interact(guild_id, channel_id, user_id, command, options, focused=focused, **kwargs)

    def _build_options(
        self,
        guild: Guild,
        definition: JSON | None,
        path: list[str],
        values: dict[str, Any],
        focused: str | None,
        resolved: JSON,
    ) -> list[JSON]:
        node = definition
        chain: list[tuple[str, int]] = []
        for depth, name in enumerate(path[1:], start=1):
            sub = _find_option(node, name)
            if node is not None and sub is None:
                known = [o["name"] for o in node.get("options", []) if o.get("type") in (1, 2)]
                raise ValueError(
                    f"stand-in: /{' '.join(path[:depth])} has no subcommand {name!r}; has {known}"
                )
            kind = int(sub["type"]) if sub else (SUB_COMMAND if depth == len(path) - 1 else SUB_COMMAND_GROUP)
            chain.append((name, kind))
            node = sub

        declared = {o["name"]: o for o in (node or {}).get("options", []) if o.get("type") not in (1, 2)}
        if node is not None:
            unknown = sorted(set(values) - set(declared))
            if unknown:
                raise ValueError(
                    f"stand-in: /{' '.join(path)} has no option(s) {unknown}; has {sorted(declared)}"
                )
            missing = [
                n for n, o in declared.items() if o.get("required") and n not in values and n != focused
            ]
            if missing:
                raise ValueError(f"stand-in: /{' '.join(path)} is missing required option(s) {missing}")

        leaf: list[JSON] = []
        for name, value in values.items():
            kind = int(declared[name]["type"]) if name in declared else _infer_type(value)
            option: JSON = {"name": name, "type": kind, "value": value}
            if kind in (USER, CHANNEL, ROLE, MENTIONABLE):
                option["value"] = str(int(value))
                self._resolve(guild, kind, int(value), resolved)
            if name == focused:
                option["focused"] = True
                option["value"] = str(value)  # Discord sends what has been typed so far, as text
            elif name in declared:
                _check_value(" ".join(path), declared[name], value)
            leaf.append(option)

        options = leaf
        for name, kind in reversed(chain):
            options = [{"name": name, "type": kind, "options": options}]
        return options

    def _resolve(self, guild: Guild, kind: int, snowflake_id: int, resolved: JSON) -> None:
        """Fill `data.resolved` the way Discord does for user/channel/role options."""
        if kind in (USER, MENTIONABLE) and snowflake_id in guild.members:
            member = guild.members[snowflake_id]
            resolved.setdefault("users", {})[str(member.id)] = member.user_payload()
            member_data = member.payload(guild.permissions_of(member))
            member_data.pop("user")
            resolved.setdefault("members", {})[str(member.id)] = member_data
        elif kind in (ROLE, MENTIONABLE) and snowflake_id in guild.roles:
            resolved.setdefault("roles", {})[str(snowflake_id)] = guild.roles[snowflake_id].payload()
        elif kind == CHANNEL and snowflake_id in guild.channels:
            ch = guild.channels[snowflake_id].payload()
            ch["permissions"] = str(ALL_PERMISSIONS)
            resolved.setdefault("channels", {})[str(snowflake_id)] = ch

    # -- gateway ------------------------------------------------------------------------------------------------
    def _identified_sessions(self) -> list[GatewaySession]:
        return [s for s in self.sessions if s.identified and s.open]

    def _shard_of(self, guild_id: int, session: GatewaySession) -> bool:
        shard_id, count = session.shard
        return shard_of(guild_id, count) == shard_id

    def session_of_shard(self, shard_id: int) -> GatewaySession | None:
        """The open, identified session holding shard `shard_id` (of whatever count it named), if any."""
        return next((s for s in self._identified_sessions() if s.shard[0] == shard_id), None)

    async def wait_shards(self, *shard_ids: int, timeout: float = 5.0) -> list[GatewaySession]:
        """Wait until a session holds each of `shard_ids`; their sessions, in that order."""
        await self.wait_until(
            lambda: all(self.session_of_shard(i) for i in shard_ids),
            timeout,
            f"sessions for shards {shard_ids}",
        )
        return [s for i in shard_ids if (s := self.session_of_shard(i)) is not None]

    async def _session_for(self, guild_id: int, timeout: float) -> GatewaySession:
        await self.wait_until(
            lambda: any(self._shard_of(guild_id, s) for s in self._identified_sessions()),
            timeout,
            f"a gateway session for guild {guild_id}",
        )
        return next(s for s in self._identified_sessions() if self._shard_of(guild_id, s))

    async def request_reconnect(self, timeout: float = 5.0) -> None:
        """Send RECONNECT (op 7) to every session and wait until the client RESUMEd on `resume_gateway_url`."""
        before = sum(s.resumed for s in self.sessions)
        for session in self._identified_sessions():
            await session.send(7, None)
        await self.wait_until(lambda: sum(s.resumed for s in self.sessions) > before, timeout, "a RESUME")

    async def drop_gateway(self, code: int = 4000, timeout: float = 5.0) -> None:
        """Close every session with `code` (4000 = unknown error: the client resumes) and wait for the resume."""
        before = sum(s.resumed for s in self.sessions)
        for session in self._identified_sessions():
            await session.ws.close(code=code, message=b"stand-in dropped the connection")
        await self.wait_until(lambda: sum(s.resumed for s in self.sessions) > before, timeout, "a RESUME")

    async def _handle_gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(compress=False, max_msg_size=0, autoping=True)
        await ws.prepare(request)
        session = GatewaySession(ws, request.path, request.query, self.compress)
        self.sessions.append(session)
        await session.send(
            10, {"heartbeat_interval": self.heartbeat_interval_ms, "_trace": ["discord-standin"]}
        )
        self._notify()
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_payload(session, json.loads(msg.data))
                elif msg.type is WSMsgType.BINARY:
                    await self._on_gateway_payload(session, json.loads(msg.data.decode()))
                elif msg.type is WSMsgType.ERROR:
                    break
        finally:
            self._notify()
        return ws

    async def _on_gateway_payload(self, session: GatewaySession, payload: JSON) -> None:
        session.received.append(payload)
        op, d = payload.get("op"), payload.get("d")
        if op == 1:  # HEARTBEAT
            session.heartbeats += 1
            await session.send(11, None)
        elif op == 2:  # IDENTIFY
            await self._identify(session, d or {})
        elif op == 6:  # RESUME
            await self._resume(session, d or {})
        elif op == 8:  # REQUEST_GUILD_MEMBERS (chunking, with the members intent)
            await self._members_chunk(session, d or {})
        self._notify()

    async def _identify(self, session: GatewaySession, d: JSON) -> None:
        if d.get("token") != self.token:
            await session.ws.close(code=4004, message=b"Authentication failed.")
            return
        session.intents = int(d.get("intents", 0))
        shard = d.get("shard") or [0, self.shards]
        session.shard = (int(shard[0]), int(shard[1]))
        session.session_id = uuid.uuid4().hex
        session.identified = True
        self._resumable[session.session_id] = session
        guilds = [g for g in self.guilds.values() if self._shard_of(g.id, session)]
        await session.dispatch(
            "READY",
            {
                "v": 10,
                "user": {**self.bot.user_payload(), "verified": True, "mfa_enabled": False, "flags": 0},
                "guilds": [{"id": str(g.id), "unavailable": True} for g in guilds],
                "session_id": session.session_id,
                "session_type": "normal",
                "resume_gateway_url": self.resume_gateway_url,
                "shard": list(session.shard),
                "application": {"id": str(self.application_id), "flags": 0},
                "private_channels": [],
                "relationships": [],
                "presences": [],
                "guild_join_requests": [],
                "geo_ordered_rtc_regions": [],
                "user_settings": {},
                "_trace": ["discord-standin"],
            },
        )
        if session.intents & INTENT_GUILDS:  # without the GUILDS intent Discord sends no GUILD_CREATE
            for guild in guilds:
                await session.dispatch("GUILD_CREATE", guild.payload(available_after_ready=True))

    async def _resume(self, session: GatewaySession, d: JSON) -> None:
        old = self._resumable.get(str(d.get("session_id")))
        if old is None or d.get("token") != self.token:
            await session.send(9, False)  # INVALID_SESSION, not resumable: the client identifies afresh
            return
        session.session_id, session.seq = old.session_id, int(d.get("seq") or old.seq)
        session.intents, session.shard, session.identified, session.resumed = (
            old.intents,
            old.shard,
            True,
            True,
        )
        old.identified = False
        self._resumable[str(session.session_id)] = session
        await session.dispatch("RESUMED", {"_trace": ["discord-standin"]})

    async def _members_chunk(self, session: GatewaySession, d: JSON) -> None:
        guild = self._guild(d.get("guild_id", 0))
        if guild is None:
            return
        wanted = {int(u) for u in d.get("user_ids") or []}
        members = [m.payload() for m in guild.members.values() if not wanted or m.id in wanted]
        chunk: JSON = {"guild_id": str(guild.id), "members": members, "chunk_index": 0, "chunk_count": 1}
        if d.get("nonce"):
            chunk["nonce"] = d["nonce"]
        await session.dispatch("GUILD_MEMBERS_CHUNK", chunk)

    # -- HTTP ---------------------------------------------------------------------------------------------------
    def _build_routes(self) -> None:
        table: list[tuple[str, bool, RouteHandler]] = [
            ("GET /users/@me", True, self._get_me),
            ("GET /oauth2/applications/@me", True, self._get_application),
            ("GET /applications/@me", True, self._get_application),
            ("GET /gateway", False, self._get_gateway),
            ("GET /gateway/bot", True, self._get_gateway),
            ("GET /applications/{app_id}/commands", True, self._get_commands),
            ("PUT /applications/{app_id}/commands", True, self._put_commands),
            ("POST /applications/{app_id}/commands", True, self._post_command),
            ("GET /applications/{app_id}/guilds/{guild_id}/commands", True, self._get_commands),
            ("PUT /applications/{app_id}/guilds/{guild_id}/commands", True, self._put_commands),
            ("POST /applications/{app_id}/guilds/{guild_id}/commands", True, self._post_command),
            ("GET /channels/{channel_id}", True, self._get_channel),
            ("POST /channels/{channel_id}/messages", True, self._post_message),
            ("GET /channels/{channel_id}/messages/{message_id}", True, self._get_message),
            ("PATCH /channels/{channel_id}/messages/{message_id}", True, self._patch_message),
            ("DELETE /channels/{channel_id}/messages/{message_id}", True, self._delete_message),
            ("GET /guilds/{guild_id}", True, self._get_guild),
            ("GET /guilds/{guild_id}/channels", True, self._get_guild_channels),
            ("GET /guilds/{guild_id}/members/{user_id}", True, self._get_member),
            ("GET /users/{user_id}", True, self._get_user),
            ("POST /interactions/{interaction_id}/{token}/callback", False, self._interaction_callback),
            ("POST /webhooks/{app_id}/{token}", False, self._followup),
            ("GET /webhooks/{app_id}/{token}/messages/{message_id}", False, self._webhook_message),
            ("PATCH /webhooks/{app_id}/{token}/messages/{message_id}", False, self._webhook_message),
            ("DELETE /webhooks/{app_id}/{token}/messages/{message_id}", False, self._webhook_message),
        ]
        for pattern, auth, handler in table:
            method, regex = _compile_pattern(pattern)
            self._routes.append((method, regex, auth, handler))

    async def _handle_http(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await _read_body(request)
        rec = RecordedRequest(
            method=request.method,
            path=path,
            query=dict(request.query),
            headers=dict(request.headers),
            json=body,
            files=files,
            at=asyncio.get_running_loop().time(),
        )
        self.requests.append(rec)
        headers: dict[str, str] = {}
        payload: Any  # a JSON body, or None for an empty answer (204)
        fault = self._take_fault(rec.method, path)
        if fault is not None:
            status, payload, headers, rec.fault = fault.status, fault.body, fault.headers, True
        else:
            status, payload = await self._route(rec)
            if status < 300:
                headers = _ok_ratelimit_headers(rec.method, path)
        rec.status, rec.response = status, payload
        self._notify()
        if payload is None:
            return web.Response(status=status, headers=headers)
        # Exactly `application/json`: discord.py compares the header verbatim before parsing the body.
        return web.Response(
            status=status,
            body=json.dumps(payload).encode(),
            headers={**headers, "Content-Type": "application/json"},
        )

    async def _route(self, rec: RecordedRequest) -> Answer:
        for method, regex, auth, handler in self._routes:
            match = regex.match(rec.path)
            if method == rec.method and match is not None:
                if auth and rec.headers.get("Authorization") != f"Bot {self.token}":
                    return ERRORS["unauthorized"]
                return await handler(rec, match.groupdict())
        return ERRORS["not_found"]

    async def _get_me(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        return 200, {**self.bot.user_payload(), "verified": True, "mfa_enabled": False, "flags": 0}

    async def _get_application(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        return 200, {
            "id": str(self.application_id),
            "name": self.bot.name,
            "description": "",
            "icon": None,
            "bot_public": False,
            "bot_require_code_grant": False,
            "owner": Member(snowflake(), "owner").user_payload(),
            "verify_key": "0" * 64,
            "flags": 0,
            "bot": self.bot.user_payload(),
            "interactions_endpoint_url": None,  # set, discord.py would warn it receives no interactions
            "redirect_uris": [],
            "tags": [],
        }

    async def _get_gateway(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        return 200, {
            "url": self.gateway_url,
            "shards": self.shards,
            "session_start_limit": {
                "total": 1000,
                "remaining": 999,
                "reset_after": 14_400_000,
                "max_concurrency": 1,
            },
        }

    def _scope(self, p: dict[str, str]) -> int | None:
        return int(p["guild_id"]) if "guild_id" in p else None

    def _register(self, scope: int | None, body: JSON) -> JSON:
        key = (scope, str(body.get("name")))
        command_id = self._command_ids.setdefault(key, snowflake())  # Discord keeps the id across re-syncs
        registered = {
            "type": 1,
            "description": "",
            "options": [],
            "default_member_permissions": None,
            "nsfw": False,
            **body,
            "id": str(command_id),
            "application_id": str(self.application_id),
            "version": str(snowflake()),
        }
        if scope is not None:
            registered["guild_id"] = str(scope)
        return registered

    async def _get_commands(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if p["app_id"] != str(self.application_id):
            return 403, {"message": "Missing Access", "code": 50001}
        return 200, list(self.commands.get(self._scope(p), []))

    async def _put_commands(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if p["app_id"] != str(self.application_id):
            return 403, {"message": "Missing Access", "code": 50001}
        scope = self._scope(p)
        if scope is not None and scope not in self.guilds:
            return ERRORS["missing_access"]  # Discord's answer for a server the bot is not in
        self.commands[scope] = [self._register(scope, c) for c in rec.json or []]
        return 200, list(self.commands[scope])

    async def _post_command(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if p["app_id"] != str(self.application_id):
            return 403, {"message": "Missing Access", "code": 50001}
        scope = self._scope(p)
        registered = self._register(scope, rec.json or {})
        current = [c for c in self.commands.get(scope, []) if c["name"] != registered["name"]]
        self.commands[scope] = [*current, registered]
        return 201, registered

    async def _get_channel(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        channel = self._channel(p["channel_id"])
        return (200, channel.payload()) if channel else ERRORS["unknown_channel"]

    async def _post_message(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        channel = self._channel(p["channel_id"])
        if channel is None:
            return ERRORS["unknown_channel"]
        guild = self.guilds[channel.guild_id]
        perms = guild.channel_permissions_of(guild.members[self.bot.id], channel)
        if not perms & VIEW_CHANNEL:
            return ERRORS["missing_access"]
        if not perms & SEND_MESSAGES:
            return ERRORS["missing_permissions"]
        body: JSON = rec.json or {}
        error = _validate_message(body, has_files=bool(rec.files))
        if error is not None:
            return error
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            # Discord: a repeat of a recent nonce by the same author returns the first message, creates none.
            now = asyncio.get_running_loop().time()
            for earlier in self.messages.get(channel.id, []):
                if earlier.body.get("nonce") == nonce and now - earlier.at < NONCE_WINDOW:
                    earlier.repeats += 1
                    return 200, earlier.message
        message = self._message(channel, body, self.bot.user_payload(), flags=int(body.get("flags") or 0))
        if nonce is not None:
            message["nonce"] = nonce
        self.messages[channel.id].append(
            PostedMessage(int(message["id"]), channel.id, channel.guild_id, body, message, at=rec.at)
        )
        for session in self._identified_sessions():
            if session.intents & INTENT_GUILD_MESSAGES and self._shard_of(channel.guild_id, session):
                member = self.guilds[channel.guild_id].members[self.bot.id].payload()
                member.pop("user")
                await session.dispatch("MESSAGE_CREATE", {**message, "member": member})
        return 200, message

    def _find_posted(self, p: dict[str, str]) -> PostedMessage | None:
        for posted in self.messages.get(int(p["channel_id"]), []):
            if posted.id == int(p["message_id"]) and not posted.deleted:
                return posted
        return None

    async def _get_message(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if self._channel(p["channel_id"]) is None:
            return ERRORS["unknown_channel"]
        posted = self._find_posted(p)
        return (200, posted.message) if posted else ERRORS["unknown_message"]

    async def _patch_message(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if self._channel(p["channel_id"]) is None:
            return ERRORS["unknown_channel"]
        posted = self._find_posted(p)
        if posted is None:
            return ERRORS["unknown_message"]
        body: JSON = rec.json or {}
        posted.edits.append(body)
        _apply_edit(posted.message, body)
        return 200, posted.message

    async def _delete_message(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        if self._channel(p["channel_id"]) is None:
            return ERRORS["unknown_channel"]
        posted = self._find_posted(p)
        if posted is None:
            return ERRORS["unknown_message"]
        posted.deleted = True
        return 204, None

    async def _get_guild(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        guild = self._guild(p["guild_id"])
        if guild is None:
            return ERRORS["unknown_guild"]
        data = guild.payload(available_after_ready=False)
        for key in ("channels", "members", "threads", "presences", "voice_states", "joined_at", "large"):
            data.pop(key, None)  # the REST guild object does not carry the gateway-only fields
        return 200, data

    async def _get_guild_channels(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        guild = self._guild(p["guild_id"])
        return (200, [c.payload() for c in guild.channels.values()]) if guild else ERRORS["unknown_guild"]

    async def _get_member(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        guild = self._guild(p["guild_id"])
        if guild is None:
            return ERRORS["unknown_guild"]
        member = guild.members.get(int(p["user_id"]))
        return (200, member.payload()) if member else ERRORS["unknown_member"]

    async def _get_user(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        for guild in self.guilds.values():
            member = guild.members.get(int(p["user_id"]))
            if member is not None:
                return 200, member.user_payload()
        return ERRORS["unknown_user"]

    # -- interaction responses ----------------------------------------------------------------------------------
    def _message(
        self,
        channel: Channel,
        body: JSON,
        author: JSON,
        *,
        flags: int = 0,
        type_: int = 0,
        webhook_id: int | None = None,
    ) -> JSON:
        message: JSON = {
            "id": str(snowflake()),
            "channel_id": str(channel.id),
            "guild_id": str(channel.guild_id),
            "author": author,
            "content": body.get("content") or "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": bool(body.get("tts", False)),
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [{"type": "rich", **e} for e in body.get("embeds") or []],
            "components": body.get("components") or [],
            "pinned": False,
            "type": type_,
            "flags": flags,
        }
        if webhook_id is not None:
            message["webhook_id"] = str(webhook_id)
            message["application_id"] = str(self.application_id)
        return message

    def _reply(self, handle: InteractionHandle, kind: str, body: JSON, message: JSON | None) -> None:
        """Record a reply; it is ephemeral if the message it made or changed is (else as the callback was)."""
        elapsed = asyncio.get_running_loop().time() - handle.sent_at
        ephemeral = bool(int(message.get("flags") or 0) & FLAG_EPHEMERAL) if message else handle.ephemeral
        handle.replies.append(InteractionReply(kind, body, elapsed, ephemeral, message))

    async def _interaction_callback(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        handle = self.interactions.get(int(p["interaction_id"]))
        if handle is None or handle.token != p["token"]:
            return ERRORS["unknown_interaction"]
        if handle.callback_type is not None:
            return ERRORS["already_acknowledged"]
        if asyncio.get_running_loop().time() - handle.sent_at > self.interaction_deadline:
            return ERRORS["unknown_interaction"]  # what Discord answers to a callback after 3 s
        body: JSON = rec.json or {}
        kind = int(body.get("type", 0))
        data: JSON = body.get("data") or {}
        if kind == 4:
            error = _validate_message(data, has_files=bool(rec.files))
            if error is not None:
                return error
        handle.callback_type = kind
        handle.ephemeral = bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL)
        message: JSON | None = None
        channel = self.guilds[handle.guild_id].channels[handle.channel_id]
        if kind in (6, 7) and handle.original is not None:  # a component's message: acknowledged or updated
            message = handle.original
            handle.ephemeral = bool(int(message.get("flags") or 0) & FLAG_EPHEMERAL)
            if kind == 7:
                _apply_edit(message, data)
        elif kind in (4, 5):
            # A defer shows a "thinking" placeholder (flag 128, LOADING) until it is edited or followed up.
            flags = int(data.get("flags") or 0) | (FLAG_LOADING if kind == 5 else 0)
            content = data if kind == 4 else {}
            message = self._message(
                channel,
                content,
                self.bot.user_payload(),
                flags=flags,
                type_=20,
                webhook_id=self.application_id,
            )
            handle.original = message
        self._reply(handle, "callback", body, message)
        if rec.query.get("with_response") not in ("1", "true", "True"):
            return 204, None
        response: JSON = {
            "interaction": {
                "id": str(handle.id),
                "type": handle.payload["type"],
                "response_message_loading": kind == 5,
                "response_message_ephemeral": handle.ephemeral,
            }
        }
        if message is not None:
            response["interaction"]["response_message_id"] = message["id"]
            response["resource"] = {"type": kind, "message": message}
        elif kind:
            response["resource"] = {"type": kind}
        return 200, response

    def _webhook_handle(self, p: dict[str, str]) -> InteractionHandle | None:
        if p["app_id"] != str(self.application_id):
            return None
        return self._by_token.get(p["token"])

    async def _followup(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        handle = self._webhook_handle(p)
        if handle is None or handle.callback_type is None:
            return ERRORS["unknown_webhook"]  # the token is usable only once the interaction was acknowledged
        body: JSON = rec.json or {}
        error = _validate_message(body, has_files=bool(rec.files))
        if error is not None:
            return error
        channel = self.guilds[handle.guild_id].channels[handle.channel_id]
        flags = int(body.get("flags") or 0)
        if (
            handle.callback_type == 5
            and handle.original is not None
            and handle.original["flags"] & FLAG_LOADING
        ):
            # The first followup after a "thinking" defer replaces the loading message, ephemeral if it was.
            flags |= handle.original["flags"] & FLAG_EPHEMERAL
            handle.original["flags"] &= ~FLAG_LOADING
        message = self._message(
            channel, body, self.bot.user_payload(), flags=flags, webhook_id=self.application_id
        )
        self._reply(handle, "followup", body, message)
        wait = rec.query.get("wait", "").lower() in ("1", "true")
        return (200, message) if wait else (204, None)

    async def _webhook_message(self, rec: RecordedRequest, p: dict[str, str]) -> Answer:
        handle = self._webhook_handle(p)
        if handle is None or handle.callback_type is None:
            return ERRORS["unknown_webhook"]
        target: JSON | None = None
        if p["message_id"] == "@original":
            target = handle.original
        else:
            for reply in handle.replies:
                if reply.message is not None and reply.message["id"] == p["message_id"]:
                    target = reply.message
        if target is None:
            return ERRORS["unknown_message"]
        if rec.method == "GET":
            return 200, target
        if rec.method == "DELETE":
            self._reply(handle, "delete", {}, target)
            if target is handle.original:
                handle.original = None
            return 204, None
        body: JSON = rec.json or {}
        _apply_edit(target, body)
        target["flags"] = int(target.get("flags") or 0) & ~FLAG_LOADING  # no longer "thinking"
        self._reply(handle, "edit", body, target)
        return 200, target


# -- helpers -----------------------------------------------------------------------------------------------------
def _find_option(node: JSON | None, name: str) -> JSON | None:
    if node is None:
        return None
    return next((o for o in node.get("options", []) if o["name"] == name and o.get("type") in (1, 2)), None)


def _check_value(command: str, declared: JSON, value: Any) -> None:
    """Discord's client will not send a value outside the option's choices, length or range."""
    name = declared["name"]
    choices = [c["value"] for c in declared.get("choices") or []]
    if choices and value not in choices:
        raise ValueError(f"stand-in: /{command} {name}={value!r} is not one of the choices {choices}")
    if isinstance(value, str):
        low, high = declared.get("min_length"), declared.get("max_length")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            raise ValueError(f"stand-in: /{command} {name} must be {low}–{high} characters, got {len(value)}")
    elif isinstance(value, int | float) and not isinstance(value, bool):
        low, high = declared.get("min_value"), declared.get("max_value")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ValueError(f"stand-in: /{command} {name} must be within {low}–{high}, got {value}")


def _walk_components(components: list[JSON]) -> Iterator[JSON]:
    for component in components:
        yield component
        yield from _walk_components(component.get("components") or [])


def _find_component(components: list[JSON], custom_id: str) -> JSON | None:
    return next((c for c in _walk_components(components) if c.get("custom_id") == custom_id), None)


async def _finish(task: asyncio.Task[None], grace: float) -> None:
    """Give the client's connect task `grace` seconds to end after `close()`, then cancel it. It ends cleanly
    after a close, so an exception it holds is a real failure (a 4004 close mid-test, say) and is raised."""
    done, _ = await asyncio.wait({task}, timeout=grace)
    if not done:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    elif not task.cancelled():
        task.result()


def _infer_type(value: Any) -> int:
    if isinstance(value, bool):
        return BOOLEAN
    if isinstance(value, int):
        return INTEGER
    if isinstance(value, float):
        return NUMBER
    return STRING


def _apply_edit(message: JSON, body: JSON) -> None:
    if "content" in body:
        message["content"] = body["content"] or ""
    if "embeds" in body:
        message["embeds"] = [{"type": "rich", **e} for e in body["embeds"] or []]
    if "components" in body:
        message["components"] = body["components"] or []
    message["edited_timestamp"] = _now_iso()


def _bucket(key: str) -> str:
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def _ok_ratelimit_headers(method: str, path: str) -> dict[str, str]:
    """Plenty of room left: discord.py then neither waits nor guesses."""
    template = re.sub(r"\d{5,}", "{id}", path)
    return {
        "X-RateLimit-Limit": "50",
        "X-RateLimit-Remaining": "49",
        "X-RateLimit-Reset": f"{time.time() + 1:.3f}",
        "X-RateLimit-Reset-After": "1.000",
        "X-RateLimit-Bucket": _bucket(f"{method} {template}"),
    }


async def _read_body(request: web.Request) -> tuple[Any, list[str]]:
    """JSON, or for file uploads the multipart `payload_json` plus the uploaded file names."""
    if not request.body_exists:
        return None, []
    if request.content_type.startswith("multipart/"):
        payload: Any = None
        files: list[str] = []
        reader = await request.multipart()
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue  # nested multipart: discord.py never sends one
            raw = await part.read()
            if part.name == "payload_json":
                payload = json.loads(raw)
            else:
                files.append(part.filename or str(part.name))
        return payload, files
    text = await request.text()
    try:
        return (json.loads(text) if text else None), []
    except json.JSONDecodeError:
        return text, []


_EMBED_LIMITS = {"title": 256, "description": 4096}


def _form_error(path: list[str], code: str, message: str) -> tuple[int, JSON]:
    errors: JSON = {"_errors": [{"code": code, "message": message}]}
    for key in reversed(path):
        errors = {key: errors}
    return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}


def _validate_message(body: JSON, *, has_files: bool) -> tuple[int, JSON] | None:
    """Discord's checks on a message body: not empty, content ≤ 2000, ≤ 10 embeds within the embed limits."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    if not content and not embeds and not has_files and not body.get("components") and not body.get("poll"):
        return ERRORS["empty_message"]
    if body.get("nonce") is not None and len(str(body["nonce"])) > 25:
        return _form_error(["nonce"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
    if len(content) > 2000:
        return _form_error(["content"], "BASE_TYPE_MAX_LENGTH", "Must be 2000 or fewer in length.")
    if len(embeds) > 10:
        return _form_error(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, embed in enumerate(embeds):
        for key, limit in _EMBED_LIMITS.items():
            value = embed.get(key) or ""
            total += len(value)
            if len(value) > limit:
                return _form_error(
                    ["embeds", str(i), key], "BASE_TYPE_MAX_LENGTH", f"Must be {limit} or fewer in length."
                )
        fields = embed.get("fields") or []
        if len(fields) > 25:
            return _form_error(
                ["embeds", str(i), "fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for j, fld in enumerate(fields):
            for key, limit in (("name", 256), ("value", 1024)):
                value = fld.get(key) or ""
                total += len(value)
                if not value:
                    return _form_error(
                        ["embeds", str(i), "fields", str(j), key],
                        "BASE_TYPE_REQUIRED",
                        "This field is required",
                    )
                if len(value) > limit:
                    return _form_error(
                        ["embeds", str(i), "fields", str(j), key],
                        "BASE_TYPE_MAX_LENGTH",
                        f"Must be {limit} or fewer in length.",
                    )
        for key, sub, limit in (("footer", "text", 2048), ("author", "name", 256)):
            value = (embed.get(key) or {}).get(sub) or ""
            total += len(value)
            if len(value) > limit:
                return _form_error(
                    ["embeds", str(i), key, sub],
                    "BASE_TYPE_MAX_LENGTH",
                    f"Must be {limit} or fewer in length.",
                )
    if total > 6000:
        return _form_error(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return None


# -- fixtures ----------------------------------------------------------------------------------------------------
@pytest.fixture(name="discord_standin")
async def _discord_standin_fixture() -> AsyncIterator[DiscordStandIn]:
    """A started stand-in with discord.py pointed at it (restored and closed afterwards).

    Import it into a test module (`from tests.discord_standin import discord_standin_fixture`) or a conftest."""
    async with DiscordStandIn() as standin:
        with standin.patch_discord():
            yield standin


discord_standin_fixture = _discord_standin_fixture
