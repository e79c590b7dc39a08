"""Settings: declared defaults in one place, validated once at start-up into typed, frozen objects.

A config error names the file, the key and what was expected (`ConfigError`), so the CLI can exit 2 with one
line instead of a traceback. Relative paths resolve against the config file's folder, so the bot behaves the
same whatever directory it is started from. Secrets never live here: the Discord token comes from the
environment (`CLAIMDESK_DISCORD_TOKEN`).
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.core.delivery import Pacing, PacingError
from bot.core.feedhealth import FeedPolicy
from bot.errors import ConfigError
from bot.extractor.model import DEFAULT_PIPELINE

ALERT_KINDS = ("summary", "new_figure", "new_quote", "conflicting_figure", "corroboration")
DEFAULT_ALERT_KINDS = ("summary", "new_figure", "new_quote", "conflicting_figure")
SINKS = ("auto", "console", "jsonl", "discord")
TOKEN_ENV = "CLAIMDESK_DISCORD_TOKEN"
DATABASE_ENV = "CLAIMDESK_DATABASE"
CONFIG_ENV = "CLAIMDESK_CONFIG"
DEFAULT_CONFIG = Path("config/claimdesk.toml")


_PACKAGE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,99}")  # an importable package: never a path


@dataclass(frozen=True)
class FeedSettings:
    name: str
    url: str  # an http(s) URL, or an absolute local path
    interval: int  # seconds between polls
    backfill: int  # on first add, how many of the newest entries alert; older ones are stored silently
    full_text: bool = True  # fetch the article page when an entry carries only a teaser
    max_age: int | None = 72 * 3_600  # seconds: older entries are stored but never alert (None: any age)

    @property
    def is_remote(self) -> bool:
        return is_web_url(self.url)


def is_web_url(url: str) -> bool:
    """http or https, in any case: everything else is a local path (the operator's own) or refused."""
    return url[:8].lower().startswith(("http://", "https://"))


@dataclass(frozen=True)
class FetchSettings:
    """How the HTTP fetcher behaves (bot.adapters.fetcher); `[fetch]` in the config."""

    timeout: float = 30.0  # seconds for a whole request, body included
    connect_timeout: float = 10.0
    read_timeout: float = 15.0  # seconds of silence between two reads
    max_bytes: int = 20 * 1024 * 1024  # the decompressed body
    max_redirects: int = 5
    per_host: int = 4  # concurrent requests to one host
    allow: tuple[str, ...] = ()  # the SSRF guard's allow-list: networks, addresses or host names
    full_text_below: int = 600  # characters: an entry shorter than this is a teaser; its page is fetched
    team_tries_per_hour: int = 20  # fetches one team may ask for with /feeds test and /feeds add in an hour


@dataclass(frozen=True)
class DiscordSettings:
    """`[discord]` in the config; the token itself comes only from the environment (CLAIMDESK_DISCORD_TOKEN)."""

    dev_guild: int | None = (
        None  # commands are synced to this server on every start (instant); global: explicit
    )
    manager_role: str | None = (
        None  # members with this role may change settings, like those with Manage Server
    )


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
    database: Path
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
    feed_defaults: FeedSettings = field(
        default_factory=lambda: FeedSettings("", "", 300, 0)
    )  # for team feeds
    pipeline: str = DEFAULT_PIPELINE  # the spaCy pipeline package the extractor parses with

    @property
    def effective_sink(self) -> str:
        if self.sink == "auto":
            return "discord" if self.discord_token else "console"
        return self.sink


class _Reader:
    """Typed access to one TOML table that records which keys were used, to reject unknown ones."""

    def __init__(self, file: Path, table: Mapping[str, Any], where: str) -> None:
        self.file, self.table, self.where = file, table, where
        self.used: set[str] = set()

    def _key(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def fail(self, key: str, expected: str, got: Any = None, show_got: bool = True) -> ConfigError:
        got_text = f", got {got!r}" if show_got else ""
        return ConfigError(f"{self.file}: {self._key(key)}: expected {expected}{got_text}")

    def get(self, key: str, kind: type | tuple[type, ...], expected: str, default: Any = ...) -> Any:
        self.used.add(key)
        if key not in self.table:
            if default is ...:
                raise self.fail(key, expected + " (required)", show_got=False)
            return default
        value = self.table[key]
        if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
            raise self.fail(key, expected, value)
        return value

    def string(self, key: str, default: Any = ..., choices: tuple[str, ...] = ()) -> Any:
        value = self.get(key, str, "a string" if not choices else f"one of {', '.join(choices)}", default)
        if isinstance(value, str):
            if choices and value not in choices:
                raise self.fail(key, f"one of {', '.join(choices)}", value)
            if not value.strip():
                raise self.fail(key, "a non-empty string", value)
        return value

    def integer(self, key: str, default: int, low: int, high: int) -> int:
        value = self.get(key, int, f"a whole number from {low} to {high}", default)
        if not low <= value <= high:
            raise self.fail(key, f"a whole number from {low} to {high}", value)
        return int(value)

    def boolean(self, key: str, default: bool) -> bool:
        return bool(self.get(key, bool, "true or false", default))

    def number(self, key: str, default: float, low: float, high: float) -> float:
        value = self.get(key, (int, float), f"a number from {low:g} to {high:g}", default)
        if isinstance(value, bool) or not low <= value <= high:
            raise self.fail(key, f"a number from {low:g} to {high:g}", value)
        return float(value)

    def strings(self, key: str, default: Any = ..., choices: tuple[str, ...] = ()) -> tuple[str, ...]:
        expected = "a list of strings" if not choices else f"a list drawn from {', '.join(choices)}"
        value = self.get(key, list, expected, default)
        if not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(key, expected, value)
        if choices and any(v not in choices for v in value):
            raise self.fail(key, expected, value)
        return tuple(dict.fromkeys(v.strip() for v in value))

    def tables(self, key: str) -> list[_Reader]:
        value = self.get(key, list, "an array of tables", [])
        if not all(isinstance(v, dict) for v in value):
            raise self.fail(key, "an array of tables ([[" + key + "]])", value)
        return [_Reader(self.file, v, f"{self._key(key)}[{i}]") for i, v in enumerate(value)]

    def table_(self, key: str) -> _Reader:
        value = self.get(key, dict, "a table", {})
        return _Reader(self.file, value, self._key(key))

    def done(self) -> None:
        unknown = sorted(set(self.table) - self.used)
        if unknown:
            raise ConfigError(f"{self.file}: {self._key(unknown[0])}: unknown key (check the spelling)")


_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
# a DNS name (with underscores, as internal hosts have)
_HOST_NAME = re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*\.?")


def _path(base: Path, value: str) -> Path:
    p = Path(os.path.expanduser(value))
    return p if p.is_absolute() else (base / p).resolve()


def load_settings(path: Path | None = None, env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate the TOML file; `env` defaults to the process environment."""
    env = os.environ if env is None else env
    file = Path(path or env.get(CONFIG_ENV) or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{file}: no such config file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from None
    base = file.resolve().parent
    root = _Reader(file, raw, "")
    sink = root.string("sink", "auto", SINKS)
    db = root.table_("database")
    configured_db = db.string("path", "claimdesk.db")
    db_path = _path(base, env.get(DATABASE_ENV) or configured_db)
    db.done()
    jsonl = root.table_("jsonl")
    jsonl_path = _path(base, jsonl.string("path", "alerts.jsonl"))
    jsonl.done()
    poll = root.table_("poll")
    default_interval = poll.integer("interval", 300, 10, 86_400)
    jitter = poll.integer("jitter", 10, 0, 3_600)
    grace = poll.integer("misfire_grace", 300, 1, 86_400)
    default_age = poll.integer("max_age_hours", 72, 0, 100_000)
    poll.done()
    f = root.table_("fetch")
    fetch = FetchSettings(
        timeout=f.number("timeout", 30, 1, 600),
        connect_timeout=f.number("connect_timeout", 10, 0.1, 600),
        read_timeout=f.number("read_timeout", 15, 0.1, 600),
        max_bytes=int(f.number("max_mb", 20, 0.01, 1024) * 1024 * 1024),
        max_redirects=f.integer("max_redirects", 5, 0, 20),
        per_host=f.integer("per_host", 4, 1, 100),
        allow=f.strings("allow", []),
        full_text_below=f.integer("full_text_below", 600, 0, 100_000),
        team_tries_per_hour=f.integer("team_tries_per_hour", 20, 1, 10_000),
    )
    health = FeedPolicy(
        pause_after=f.integer("pause_after", 10, 1, 1_000),
        paused_retry=f.integer("paused_retry", 3_600, 10, 7 * 86_400),
        max_backoff=f.integer("max_backoff", 6 * 3_600, 10, 7 * 86_400),
    )
    for entry in fetch.allow:
        try:
            ipaddress.ip_network(entry.strip(), strict=False)
        except ValueError:
            if "/" in entry or not _HOST_NAME.fullmatch(entry.strip()):
                raise f.fail("allow", "addresses, networks (10.0.0.0/8) or host names", entry) from None
    f.done()
    d = root.table_("discord")
    guild = d.get("dev_guild", (int, str), "a server id (a number)", None)
    if (isinstance(guild, str) and not guild.isdigit()) or isinstance(guild, bool):
        raise d.fail("dev_guild", "a server id (a number)", guild)
    discord = DiscordSettings(int(guild) if guild is not None else None, d.string("manager_role", None))
    d.done()
    x = root.table_("extractor")
    pipeline = x.string("pipeline", DEFAULT_PIPELINE)
    if not _PACKAGE_NAME.fullmatch(pipeline):
        raise x.fail("pipeline", "the name of an installed spaCy pipeline package (en_core_web_sm)", pipeline)
    x.done()
    feeds = []
    for t in root.tables("feeds"):
        url = t.string("url")
        remote = is_web_url(url)
        if "://" in url and not remote:
            raise t.fail("url", "an http(s) URL or a local file path", url)
        feeds.append(
            FeedSettings(
                name=t.string("name", url),
                url=url if remote else str(_path(base, url)),
                interval=t.integer("interval", default_interval, 10, 86_400),
                backfill=t.integer("backfill", 0, 0, 1_000),
                full_text=t.boolean("full_text", True),
                max_age=t.integer("max_age_hours", default_age, 0, 100_000) * 3_600 or None,
            )
        )
        t.done()
    if len({f.url for f in feeds}) != len(feeds):
        raise ConfigError(f"{file}: feeds: the same url is listed twice")
    teams = []
    for t in root.tables("teams"):
        name = t.string("name")
        channel = t.string("channel", "console")
        keywords = t.strings("keywords")
        if not any(not k.startswith("-") for k in keywords):
            raise t.fail("keywords", 'at least one keyword to watch ("-word" only excludes)', list(keywords))
        alerts = t.strings("alerts", list(DEFAULT_ALERT_KINDS), ALERT_KINDS)
        quiet = t.string("quiet_hours", None)
        timezone = t.string("timezone", "UTC")
        cap = t.get("hourly_cap", int, "a whole number of messages from 1 to 1000", None)
        try:
            pacing = Pacing(quiet, timezone, cap)
        except PacingError as exc:
            raise ConfigError(f"{file}: {t.where}: {exc}") from None
        teams.append(TeamSettings(name, channel, keywords, alerts, pacing))
        t.done()
    if len({t.name for t in teams}) != len(teams):
        raise ConfigError(f"{file}: teams: two teams share a name")
    root.done()
    token = env.get(TOKEN_ENV) or None
    return Settings(
        file,
        db_path,
        sink,
        jsonl_path,
        token,
        tuple(feeds),
        tuple(teams),
        jitter,
        grace,
        fetch,
        health,
        discord,
        FeedSettings("", "", default_interval, 0, True, default_age * 3_600 or None),
        pipeline,
    )
