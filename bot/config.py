"""Settings: every key of the config file declared once, with its type, range and default, and validated once at
start-up into the typed, frozen objects the rest of the code reads.

The file's shape is declared as pydantic v2 models, `_File` and its tables below: strict types (a quoted "30" is
no number, `true` is no 1), `extra="forbid"` (a misspelt key is an error), frozen, and their own defaults validated
too. Those declarations are the one place a default is written; the health policy (`fetch.pause_after` …) and a
team's timezone take theirs from where those are defined, in `bot.core`.

What the code passes around — `Settings`, `FeedSettings`, `TeamSettings`, `FetchSettings` — are plain frozen
dataclasses built from the validated file, not pydantic models: their shape is the program's rather than the
file's (seconds where the file says hours, bytes where it says megabytes, paths resolved, a feed's interval and
age falling back to `[poll]`'s), they are built positionally across the code and tests
(`FeedSettings("f", "/tmp/f.xml", 60, 0)`, which a model would refuse) and copied with `dataclasses.replace`. Their
defaults are read off the declarations (`_FETCH`, `_POLL`, `_Feed`), never written a second time.
`DiscordSettings` has the `[discord]` table's shape exactly, so that model is the class the code reads.

A config error names the file, the key and what was expected (`ConfigError`), so the CLI can exit 2 with one
line instead of a traceback. `bot.config_errors.config_error` turns pydantic's `ValidationError` into that line and
reads what was expected off the same declarations ("a whole number from 10 to 86400" from `ge=10, le=86_400`), so
the message cannot drift from the rule. Relative paths resolve against the config file's folder, so the bot behaves the same
whatever directory it is started from. Secrets never live here: the Discord token comes from the environment
(`CLAIMDESK_DISCORD_TOKEN`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Annotated, Any, Literal, get_args
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.config_errors import Says, config_error, expected
from bot.core.delivery import Pacing, PacingError
from bot.core.feedhealth import FeedPolicy
from bot.errors import ConfigError
from bot.extractor.model import DEFAULT_PIPELINE

AlertKind = Literal["summary", "new_figure", "new_quote", "conflicting_figure", "corroboration"]
SinkName = Literal["auto", "console", "jsonl", "discord"]
ALERT_KINDS: tuple[str, ...] = get_args(AlertKind)
DEFAULT_ALERT_KINDS: tuple[AlertKind, ...] = ("summary", "new_figure", "new_quote", "conflicting_figure")
SINKS: tuple[str, ...] = get_args(SinkName)
TOKEN_ENV = "CLAIMDESK_DISCORD_TOKEN"
DATABASE_ENV = "CLAIMDESK_DATABASE"
DATABASE_URL_SCHEMES = ("postgresql://", "postgres://")
CONFIG_ENV = "CLAIMDESK_CONFIG"
DEFAULT_CONFIG = Path("config/claimdesk.toml")

_MB = 1024 * 1024
_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")  # an importable package: never a path
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
# a DNS name (with underscores, as internal hosts have)
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")


def is_web_url(url: str) -> bool:
    """http or https, in any case: everything else is a local path (the operator's own) or refused."""
    return url[:8].lower().startswith(("http://", "https://"))


# -- the file, declared: each key once, with its type, range and default ---------------------------------------------
def _non_blank(value: str) -> str:
    if not value.strip():
        raise expected("a non-empty string")
    return value


def _tuple(value: Any) -> Any:
    """TOML arrays arrive as lists; the declarations hold tuples, immutable like the settings built from them."""
    return tuple(value) if isinstance(value, list) else value


def _unique(values: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in values))


def _allowed(entries: tuple[str, ...]) -> tuple[str, ...]:
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            if "/" in entry or not _HOST_NAME.fullmatch(entry):
                raise expected("addresses, networks (10.0.0.0/8) or host names", entry) from None
    return entries


def _watches_something(keywords: tuple[str, ...]) -> tuple[str, ...]:
    if all(k.startswith("-") for k in keywords):
        raise expected('at least one keyword to watch ("-word" only excludes)', list(keywords))
    return keywords


def _feed_url(url: str) -> str:
    if "://" in url and not is_web_url(url):
        raise expected("an http(s) URL or a local file path")
    return url


def _package(name: str) -> str:
    if not _PACKAGE_NAME.fullmatch(name):
        raise expected("the name of an installed spaCy pipeline package (en_core_web_sm)")
    return name


def _shard_ids(ids: tuple[int, ...] | None) -> tuple[int, ...] | None:
    if ids is not None and not ids:
        raise expected("at least one shard id (leave shard_ids out for all of shard_count)", [])
    return None if ids is None else tuple(dict.fromkeys(ids))


def _server_id(value: Any) -> Any:
    return int(value) if isinstance(value, str) and value.isdigit() else value


_Text = Annotated[str, AfterValidator(_non_blank)]
_Strings = Annotated[tuple[_Text, ...], BeforeValidator(_tuple), AfterValidator(_unique)]
_Interval = Annotated[int, Field(ge=10, le=86_400)]  # seconds between two polls of a feed
_AgeHours = Annotated[int, Field(ge=0, le=100_000)]  # older entries are stored but never alert (0: any age)
_POLICY, _PACING = FeedPolicy(), Pacing()  # the core's own defaults for feed health and a team's pacing


class _Table(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, validate_default=True)


def is_database_url(value: str) -> bool:
    """A PostgreSQL server's URL (database.url, or $CLAIMDESK_DATABASE), as opposed to a SQLite file's path."""
    return value.startswith(DATABASE_URL_SCHEMES)


def _database_url(url: str) -> str:
    if not is_database_url(url):
        raise expected("a PostgreSQL URL (postgresql://user@host:5432/name)", url.split("@")[-1])
    return url


class _Database(_Table):
    path: _Text = "claimdesk.db"  # the SQLite file; $CLAIMDESK_DATABASE overrides it
    # a PostgreSQL server instead of the file; $CLAIMDESK_DATABASE (a URL or a path) overrides it
    url: Annotated[_Text, AfterValidator(_database_url)] | None = None

    @model_validator(mode="after")
    def _one_database(self) -> _Database:
        if self.url is not None and "path" in self.model_fields_set:
            raise PydanticCustomError(
                "config_line",
                "{line}",
                {"line": "give path (a SQLite file) or url (a PostgreSQL server), not both"},
            )
        return self


class _Jsonl(_Table):
    path: _Text = "alerts.jsonl"  # where sink = "jsonl" appends its messages


class _Poll(_Table):
    interval: _Interval = 300
    # seconds of random delay per poll, so feeds on one host don't fire together
    jitter: Annotated[int, Field(ge=0, le=3_600)] = 10
    misfire_grace: Annotated[int, Field(ge=1, le=86_400)] = 300  # seconds a late poll may still run
    max_age_hours: _AgeHours = 72

    def feed_defaults(self) -> FeedSettings:
        """What a feed that names neither takes (a team's feeds, added at run time)."""
        return FeedSettings("", "", self.interval, 0, max_age=_seconds(self.max_age_hours))


class _Fetch(_Table):
    """How the HTTP fetcher behaves (bot.adapters.fetcher), and when a failing feed backs off or pauses."""

    timeout: Annotated[float, Field(ge=1, le=600)] = 30  # seconds for a whole request, body included
    connect_timeout: Annotated[float, Field(ge=0.1, le=600)] = 10
    read_timeout: Annotated[float, Field(ge=0.1, le=600)] = 15  # seconds of silence between two reads
    max_mb: Annotated[float, Field(ge=0.01, le=1024)] = 20  # the decompressed body
    max_redirects: Annotated[int, Field(ge=0, le=20)] = 5
    per_host: Annotated[int, Field(ge=1, le=100)] = 4  # concurrent requests to one host
    allow: Annotated[_Strings, AfterValidator(_allowed)] = ()  # the SSRF guard's allow-list
    full_text_below: Annotated[int, Field(ge=0, le=100_000)] = 600  # characters: shorter is a teaser
    team_tries_per_hour: Annotated[int, Field(ge=1, le=10_000)] = 20  # /feeds test and /feeds add, per team
    pause_after: Annotated[int, Field(ge=1, le=1_000)] = _POLICY.pause_after
    paused_retry: Annotated[int, Field(ge=10, le=7 * 86_400)] = _POLICY.paused_retry
    max_backoff: Annotated[int, Field(ge=10, le=7 * 86_400)] = _POLICY.max_backoff

    @property
    def max_bytes(self) -> int:
        return int(self.max_mb * _MB)

    def settings(self) -> FetchSettings:
        return FetchSettings(**{f.name: getattr(self, f.name) for f in fields(FetchSettings)})

    def policy(self) -> FeedPolicy:
        return FeedPolicy(self.pause_after, self.paused_retry, self.max_backoff)


class DiscordSettings(_Table):
    """`[discord]` in the config; the token itself comes only from the environment (CLAIMDESK_DISCORD_TOKEN)."""

    # commands are synced to this server on every start (instant); global: explicit
    dev_guild: Annotated[int | None, BeforeValidator(_server_id), Says("a server id (a number)")] = None
    # members with this role may change settings, like those with Manage Server
    manager_role: _Text | None = None
    # the bot's shards in all (discord.py's AutoShardedClient); None: one unsharded connection
    shard_count: Annotated[int | None, Field(ge=1), Says("a whole number of shards, 1 or more")] = None
    # the shards this process connects (None: all of shard_count); several processes split them
    shard_ids: Annotated[
        tuple[Annotated[int, Field(ge=0)], ...] | None,
        BeforeValidator(_tuple),
        AfterValidator(_shard_ids),
        Says("a list of shard ids (whole numbers from 0), e.g. [0, 1]"),
    ] = None

    @model_validator(mode="after")
    def _shards(self) -> DiscordSettings:
        if self.shard_ids is None:
            return self
        if self.shard_count is None:
            line = "shard_ids needs shard_count (how many shards the bot has in all)"
        elif max(self.shard_ids) >= self.shard_count:
            line = f"shard_ids must be below shard_count ({self.shard_count}), got {list(self.shard_ids)}"
        else:
            return self
        raise PydanticCustomError("config_line", "{line}", {"line": line})


class _Extractor(_Table):
    pipeline: Annotated[_Text, AfterValidator(_package)] = DEFAULT_PIPELINE  # the spaCy pipeline package


class _Feed(_Table):
    url: Annotated[_Text, AfterValidator(_feed_url)]  # an http(s) URL, or a path (relative: to the file)
    name: _Text | None = None  # None: the url
    interval: _Interval | None = None  # None: poll.interval
    backfill: Annotated[int, Field(ge=0, le=1_000)] = 0  # on first add, how many of the newest entries alert
    full_text: bool = True  # fetch the article page when an entry carries only a teaser
    max_age_hours: _AgeHours | None = None  # None: poll.max_age_hours


class _Team(_Table):
    name: _Text
    channel: _Text = "console"
    keywords: Annotated[_Strings, AfterValidator(_watches_something)]
    alerts: Annotated[tuple[AlertKind, ...], BeforeValidator(_tuple), AfterValidator(_unique)] = (
        DEFAULT_ALERT_KINDS
    )
    quiet_hours: _Text | None = None  # checked with the rest of the pacing, by `Pacing`
    timezone: _Text = _PACING.timezone
    hourly_cap: Annotated[int | None, Says("a whole number of messages from 1 to 1000")] = None

    @model_validator(mode="after")
    def _paced(self) -> _Team:
        try:
            self.pacing()
        except PacingError as exc:  # the core words it: "quiet hours must look like 22:00-07:00, not 'late'"
            raise PydanticCustomError("config_line", "{line}", {"line": str(exc)}) from None
        return self

    def pacing(self) -> Pacing:
        return Pacing(self.quiet_hours, self.timezone, self.hourly_cap)


class _File(_Table):
    sink: SinkName = "auto"
    database: _Database = _Database()
    jsonl: _Jsonl = _Jsonl()
    poll: _Poll = _Poll()
    fetch: _Fetch = _Fetch()
    discord: DiscordSettings = DiscordSettings()
    extractor: _Extractor = _Extractor()
    feeds: Annotated[tuple[_Feed, ...], BeforeValidator(_tuple)] = ()
    teams: Annotated[tuple[_Team, ...], BeforeValidator(_tuple)] = ()


_FETCH, _POLL = _Fetch(), _Poll()  # every default of [fetch] and [poll], for the settings below


def _seconds(hours: int) -> int | None:
    return hours * 3_600 or None


# -- what the code reads ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeedSettings:
    name: str
    url: str  # an http(s) URL, or an absolute local path
    interval: int  # seconds between polls
    backfill: int  # on first add, how many of the newest entries alert; older ones are stored silently
    # fetch the article page when an entry carries only a teaser
    full_text: bool = _Feed.model_fields["full_text"].default
    max_age: int | None = _seconds(_POLL.max_age_hours)  # seconds: older entries never alert (None: any age)

    @property
    def is_remote(self) -> bool:
        return is_web_url(self.url)


@dataclass(frozen=True)
class FetchSettings:
    """How the HTTP fetcher behaves (bot.adapters.fetcher); `[fetch]` in the config, which declares each default."""

    timeout: float = _FETCH.timeout
    connect_timeout: float = _FETCH.connect_timeout
    read_timeout: float = _FETCH.read_timeout
    max_bytes: int = _FETCH.max_bytes
    max_redirects: int = _FETCH.max_redirects
    per_host: int = _FETCH.per_host
    allow: tuple[str, ...] = _FETCH.allow
    full_text_below: int = _FETCH.full_text_below
    team_tries_per_hour: int = _FETCH.team_tries_per_hour


@dataclass(frozen=True)
class TeamSettings:
    name: str
    channel: str
    keywords: tuple[str, ...]
    alerts: tuple[str, ...]
    pacing: Pacing = field(default_factory=Pacing)


@dataclass(frozen=True)
class Settings:
    source: Path
    database: Path  # the SQLite file (unused when database_url is set)
    sink: str
    jsonl_path: Path  # where sink = "jsonl" appends its messages
    discord_token: str | None
    feeds: tuple[FeedSettings, ...]
    teams: tuple[TeamSettings, ...]
    jitter: int  # seconds of random delay per poll, so feeds on one host don't fire together
    misfire_grace: int  # seconds a late poll may still run
    fetch: FetchSettings = field(default_factory=FetchSettings)
    health: FeedPolicy = field(default_factory=FeedPolicy)
    discord: DiscordSettings = field(default_factory=DiscordSettings)
    feed_defaults: FeedSettings = field(default_factory=_POLL.feed_defaults)  # for team feeds
    pipeline: str = DEFAULT_PIPELINE  # the spaCy pipeline package the extractor parses with
    # a PostgreSQL server's URL: the store is there, not in `database`
    database_url: str | None = None

    @property
    def database_name(self) -> str:
        """Where the store is, for messages: the SQLite file, or the server's URL without its password."""
        if self.database_url is None:
            return str(self.database)
        parts = urlsplit(self.database_url)
        if parts.password is None:
            return self.database_url
        return self.database_url.replace(f":{parts.password}@", ":***@", 1)

    @property
    def effective_sink(self) -> str:
        if self.sink == "auto":
            return "discord" if self.discord_token else "console"
        return self.sink


# -- loading ---------------------------------------------------------------------------------------------------------
def _path(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p).resolve()


def _read(file: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML file; `env` defaults to the process environment."""
    env = os.environ if env is None else env
    file = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG)
    raw = _read(file)
    try:
        cfg = _File.model_validate(raw)
    except ValidationError as exc:
        raise config_error(file, raw, exc, _File) from None
    base = file.resolve().parent
    poll = cfg.poll
    feeds = tuple(
        FeedSettings(
            name=f.url if f.name is None else f.name,
            url=f.url if is_web_url(f.url) else str(_path(base, f.url)),
            interval=poll.interval if f.interval is None else f.interval,
            backfill=f.backfill,
            full_text=f.full_text,
            max_age=_seconds(poll.max_age_hours if f.max_age_hours is None else f.max_age_hours),
        )
        for f in cfg.feeds
    )
    if len({f.url for f in feeds}) != len(feeds):
        raise ConfigError(f"{file}: feeds: the same url is listed twice")
    teams = tuple(TeamSettings(t.name, t.channel, t.keywords, t.alerts, t.pacing()) for t in cfg.teams)
    if len({t.name for t in teams}) != len(teams):
        raise ConfigError(f"{file}: teams: two teams share a name")
    # $CLAIMDESK_DATABASE first (a PostgreSQL URL, or a SQLite path), then database.url, then database.path
    chosen = env.get(DATABASE_ENV) or cfg.database.url or cfg.database.path
    url = chosen if is_database_url(chosen) else None
    return Settings(
        source=file,
        database=_path(base, cfg.database.path if url else chosen),
        database_url=url,
        sink=cfg.sink,
        jsonl_path=_path(base, cfg.jsonl.path),
        discord_token=env.get(TOKEN_ENV) or None,
        feeds=feeds,
        teams=teams,
        jitter=poll.jitter,
        misfire_grace=poll.misfire_grace,
        fetch=cfg.fetch.settings(),
        health=cfg.fetch.policy(),
        discord=cfg.discord,
        feed_defaults=poll.feed_defaults(),
        pipeline=cfg.extractor.pipeline,
    )
