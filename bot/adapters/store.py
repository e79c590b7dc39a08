"""The SQLite store: one file, one aiosqlite connection, numbered migrations, explicit transactions.

Writers take `transaction()`, which serialises them on the one connection and commits or rolls back as a whole,
so an article, its claims and the alerts announcing them land together or not at all. Article identity is
UNIQUE(feed_id, entry_key) with INSERT … ON CONFLICT DO NOTHING: a restart never stores or alerts twice.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.adapters.files import FOLDER, os_problem, sqlite_problem, unwritable
from bot.config import FeedSettings, TeamSettings
from bot.core.alerts import AlertDraft, ArticleInfo, ClaimOutcome, TeamWatch
from bot.core.claims import ClaimDraft
from bot.core.delivery import CAP, Pacing, PacingError, Waiting, digest_payload, plan
from bot.core.figure_identity import FigureRef, figure_ref
from bot.core.identity import fingerprint, is_global_key, link_key
from bot.core.keywords import KeywordSet
from bot.core.matching import (
    ClusterValue,
    ClusterView,
    Meaning,
    Placement,
    index_keys,
    place,
    same_speaker,
)
from bot.core.render import human_time, plural
from bot.errors import StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
CLAIM_COLUMNS = "{text speaker subject}"  # the claim's own columns in claim_search (vs title, context)
_MIGRATION = re.compile(r"V(\d+)__[\w-]+\.sql")


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for every shipped migration, in order; versions must run 1, 2, 3, …"""
    found = []
    for entry in resources.files("bot.adapters").joinpath("migrations").iterdir():
        m = _MIGRATION.fullmatch(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    if [v for v, _, _ in found] != list(range(1, len(found) + 1)):
        raise RuntimeError(f"migrations are not numbered 1..n: {[n for _, n, _ in found]}")
    return found


SCHEMA_VERSION = len(migrations())


@dataclass(frozen=True)
class FeedRow:
    id: int
    url: str
    name: str
    title: str | None
    last_ok_at: str | None
    last_polled_at: str | None
    last_error: str | None
    failures: int
    fetch_url: str | None = None  # where a permanent redirect moved it
    etag: str | None = None
    last_modified: str | None = None
    next_poll_at: str | None = None  # backing off, asked to wait, or paused: not polled before this
    paused_at: str | None = None
    paused_reason: str | None = None
    team_id: int | None = None  # added by a team with /feeds add; None: from the config

    @property
    def target(self) -> str:
        """The URL to fetch: where the feed moved, else the configured one."""
        return self.fetch_url or self.url

    @property
    def listed(self) -> bool:
        """A real feed, not the pseudo-feed of imported files nor one a team removed."""
        return not self.url.startswith(("import:", "removed:"))


@dataclass(frozen=True)
class NewArticle:
    feed_id: int
    entry_key: str
    url: str | None
    title: str
    source: str
    published_at: str | None
    body: str
    summary: str
    extract_error: str | None
    alerted: bool
    link_key: str | None = None  # bot.core.identity
    fingerprint: str | None = None


@dataclass(frozen=True)
class PendingDelivery:
    """One message to send: `key` is stable across restarts, for sinks that can refuse a duplicate."""

    id: int
    key: str
    channel: str
    kind: str
    payload: dict[str, Any]
    attempts: int


@dataclass(frozen=True)
class ClaimSource:
    """One article carrying a cluster's claim: where, when, and (figures) the value it gives."""

    source: str
    title: str
    url: str | None
    seen: str
    value: float | None
    status: str  # new (it founded the cluster), corroborated, conflicting, repeat
    speaker: str | None


@dataclass(frozen=True)
class ClaimHit:
    cluster_id: int
    kind: str
    label: str
    sources: tuple[ClaimSource, ...]  # in the order they reported it; the first founded the cluster
    text: str = ""  # the founding claim's words
    direct: bool | None = None  # a quote: False when reported speech (never shown in quotation marks)

    @property
    def first(self) -> ClaimSource:
        return self.sources[0]

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(s.source for s in self.sources))

    @property
    def values(self) -> list[ClaimSource]:
        """Figures: the first source of each distinct value, in order; more than one means outlets disagree."""
        seen: dict[float, ClaimSource] = {}
        for s in self.sources:
            if s.value is not None and s.value not in seen:
                seen[s.value] = s
        return list(seen.values())


@dataclass(frozen=True)
class ExportedClaim:
    """One stored claim with its article, feed and cluster: a row of `claimdesk export` (README, "Export")."""

    claim_id: int
    article_id: int
    feed_name: str
    feed_url: str
    entry_key: str  # bot.core.identity: "guid:…", "link:…", "hash:…" (feeds), "sha256:…" (imported files)
    link: str | None
    title: str
    source: str  # the outlet
    published: str | None
    alerted: bool
    stored_at: str  # when the article and its claims were stored (one transaction)
    kind: str
    text: str
    start: int
    end: int
    parts: tuple[tuple[int, int], ...] | None  # a quote's quoted parts (offsets); None for a figure
    direct: bool | None
    speaker: str | None
    value: float | None
    low: float | None
    high: float | None
    unit: str | None
    counted: str | None
    subject: str | None
    measure: str | None
    event: str | None
    period: str | None
    status: str
    cluster_id: int
    cluster_first_claim_id: int
    body: str | None = None  # the article's stored text and summary, when asked for
    summary: str | None = None


@dataclass(frozen=True)
class TeamRow:
    id: int
    name: str
    channel: str
    kinds: tuple[str, ...]
    origin: str  # config: set in the config file; command: set with commands (a Discord server)
    pacing: Pacing


@dataclass(frozen=True)
class WatchRow:
    keyword: str
    channel: str | None
    origin: str


def _new_file(path: Path, what: str) -> None:
    """Make room for a new file: refuse a folder, an existing file or a place that cannot be written (one line
    naming the path and why), then create its folders."""
    if path.is_dir():
        raise StoreError(f"{path}: {FOLDER}; name a file for the {what}")
    if path.exists():
        raise StoreError(f"{path}: already exists; choose a new file for the {what}")
    problem = unwritable(path)
    if problem:
        raise StoreError(f"{path}: cannot create the {what}: {problem}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the {what}'s folder: {os_problem(exc)}") from None


def _check_file(path: Path, create: bool, lookup: bool) -> bool:
    """Before SQLite touches the path: refuse a folder, a missing file when this command may not create one, a
    file that is not SQLite, and a file that cannot be written unless only lookups follow. True: open read-only."""
    if path.is_dir():
        raise StoreError(
            f"{path}: {FOLDER}; database.path (or $CLAIMDESK_DATABASE) must name the database file"
        )
    if not path.exists():
        if not create:
            raise StoreError(
                f"{path}: no database here (check database.path or $CLAIMDESK_DATABASE; "
                "only `claimdesk run`, `ingest` and `db upgrade` create one)"
            )
        _new_file(path, "database")
        return False
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise StoreError(f"{path}: cannot read the database: {os_problem(exc)}") from None
    if head and head != SQLITE_MAGIC:
        raise StoreError(
            f"{path}: not a SQLite database (refusing to touch it; point database.path elsewhere)"
        )
    problem = unwritable(path, folder_too=True)  # SQLite writes its -wal and -shm files beside it
    if problem is None:
        return False
    if lookup:
        return True
    raise StoreError(
        f"{path}: the database is read-only here ({problem}); lookups (`claimdesk ask`) can read it, "
        "this command needs to write"
    )


async def _connect_read_only(path: Path) -> aiosqlite.Connection:
    """A read-only connection. A WAL database left closed has no -shm file, and a read-only folder cannot get
    one: with no -wal file beside it either (no writer has it open), it is read as immutable."""
    uri = await asyncio.to_thread(lambda: path.resolve().as_uri() + "?mode=ro")
    for attempt in (uri, uri + "&immutable=1"):
        conn = await aiosqlite.connect(attempt, uri=True, isolation_level=None)
        try:
            await conn.execute("PRAGMA user_version")
            return conn
        except sqlite3.OperationalError as exc:
            await conn.close()
            wal = path.with_name(path.name + "-wal")
            if attempt != uri or "unable to open" not in str(exc) or await asyncio.to_thread(wal.exists):
                raise
    raise AssertionError("unreachable")


class Store:
    def __init__(self, conn: aiosqlite.Connection, path: Path, read_only: bool = False) -> None:
        self._conn = conn
        self.path = path
        self.read_only = read_only  # opened for lookups on a file that cannot be written
        self._lock = asyncio.Lock()

    # -- lifecycle ---------------------------------------------------------------------------------------------
    @classmethod
    async def open(
        cls, path: Path, *, upgrade: bool = True, create: bool = True, lookup: bool = False
    ) -> Store:
        """Open and bring the schema up to date; refuse a folder, non-SQLite files, another program's database and
        newer files. `create`: make the file (and its folders) when there is none (only `run`, `ingest` and
        `db upgrade` do); `lookup`: only reads follow, so a file that cannot be written is opened read-only."""
        read_only = await asyncio.to_thread(_check_file, path, create, lookup)
        try:
            if read_only:
                conn = await _connect_read_only(path)
            else:
                conn = await aiosqlite.connect(path, isolation_level=None)
        except sqlite3.Error as exc:
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        try:
            conn.row_factory = aiosqlite.Row
            if not read_only:
                await conn.execute("PRAGMA journal_mode = WAL")
            await conn.execute("PRAGMA busy_timeout = 5000")
            await conn.execute("PRAGMA foreign_keys = ON")
            await conn.execute("PRAGMA synchronous = NORMAL")
            store = cls(conn, path, read_only)
            version = await store.schema_version()
            tables = {
                r[0]
                for r in await store._all("SELECT name FROM sqlite_master WHERE type = 'table'")
                if not str(r[0]).startswith("sqlite_")
            }
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"{path}: database schema version {version} is newer than this claimdesk understands "
                    f"({SCHEMA_VERSION}); upgrade claimdesk or use a backup"
                )
            if (version == 0 and tables) or (version > 0 and "articles" not in tables):
                raise StoreError(
                    f"{path}: not a claimdesk database (it holds another program's tables: "
                    f"{', '.join(sorted(tables)[:5]) or 'none'}); refusing to add ours: point database.path "
                    "at a new file"
                )
            if read_only:
                if version < SCHEMA_VERSION:
                    raise StoreError(
                        f"{path}: the database is read-only here and its schema (version {version}) is older "
                        f"than this claimdesk's ({SCHEMA_VERSION}); run `claimdesk db upgrade` where it can be written"
                    )
            elif upgrade and version < SCHEMA_VERSION:
                await store.upgrade()
            elif version >= 5:
                await _backfill_identity(conn)  # finishes a backfill an earlier start did not (a crash)
            return store
        except sqlite3.DatabaseError as exc:
            await conn.close()
            raise StoreError(f"{path}: {sqlite_problem(exc)}") from None
        except BaseException:
            await conn.close()
            raise

    async def close(self) -> None:
        await self._conn.close()

    async def schema_version(self) -> int:
        async with self._conn.execute("PRAGMA user_version") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def upgrade(self) -> tuple[int, int]:
        """Apply every pending migration in one transaction; returns (from, to)."""
        async with self._lock:
            before = await self.schema_version()
            pending = [(v, sql) for v, _, sql in migrations() if v > before]
            if not pending:
                return before, before
            script = "BEGIN IMMEDIATE;\n" + "\n".join(sql for _, sql in pending)
            script += f"\nPRAGMA user_version = {pending[-1][0]};\nCOMMIT;"
            try:
                await self._conn.executescript(script)
            except sqlite3.Error:
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise
            await _backfill_identity(self._conn)
            if before < 11:
                await _index_figures_by_measure(self._conn)
            return before, pending[-1][0]

    async def backup(self, target: Path) -> None:
        """An online, consistent copy (SQLite backup API) while the bot may keep writing."""
        await asyncio.to_thread(_new_file, target, "backup")
        try:
            dest = await aiosqlite.connect(target)
            try:
                await self._conn.backup(dest)
            finally:
                await dest.close()
        except sqlite3.Error as exc:
            raise StoreError(f"{target}: cannot write the backup: {sqlite_problem(exc)}") from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                await self._conn.execute("ROLLBACK")
                raise
            await self._conn.execute("COMMIT")

    async def _all(self, sql: str, params: Sequence[Any] = ()) -> list[aiosqlite.Row]:
        async with self._conn.execute(sql, params) as cur:
            return list(await cur.fetchall())

    # -- feeds and teams from the config ---------------------------------------------------------------------
    async def ensure_feed(self, feed: FeedSettings) -> int:
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO feeds (url, name, added_at) VALUES (?, ?, ?) "
                "ON CONFLICT (url) DO UPDATE SET name = excluded.name",
                (feed.url, feed.name, now_iso()),
            )
            async with db.execute("SELECT id FROM feeds WHERE url = ?", (feed.url,)) as cur:
                row = await cur.fetchone()
        assert row is not None
        return int(row[0])

    async def feed(self, feed_id: int) -> FeedRow:
        rows = await self._all("SELECT * FROM feeds WHERE id = ?", (feed_id,))
        return _feed_row(rows[0])

    async def feeds(self, team_id: int | None = None) -> list[FeedRow]:
        """Every feed; with `team_id`, the shared ones (from the config) and that team's own, not other teams'."""
        if team_id is None:
            return [_feed_row(r) for r in await self._all("SELECT * FROM feeds ORDER BY name")]
        rows = await self._all(
            "SELECT * FROM feeds WHERE team_id IS NULL OR team_id = ? ORDER BY name", (team_id,)
        )
        return [_feed_row(r) for r in rows]

    async def team_feeds(self) -> list[FeedRow]:
        """Feeds that teams added with /feeds add, for the scheduler."""
        return [
            _feed_row(r) for r in await self._all("SELECT * FROM feeds WHERE team_id IS NOT NULL ORDER BY id")
        ]

    async def has_feed(self, url: str) -> bool:
        """Whether this URL is already polled, by the config or by any team."""
        return bool(await self._all("SELECT 1 FROM feeds WHERE url = ?", (url,)))

    async def add_team_feed(self, team_id: int, url: str, name: str) -> FeedRow | None:
        """A feed a team adds; None when that URL is already polled (by the config or any team)."""
        async with (
            self.transaction() as db,
            db.execute(
                "INSERT INTO feeds (url, name, added_at, team_id) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (url) DO NOTHING RETURNING id",
                (url, name, now_iso(), team_id),
            ) as cur,
        ):
            row = await cur.fetchone()
        return await self.feed(int(row[0])) if row else None

    async def remove_team_feed(self, team_id: int, url_or_name: str) -> FeedRow | None:
        """Stop polling one of the team's own feeds (its articles stay); None when the team has no such feed."""
        async with self.transaction() as db:
            async with db.execute(
                "SELECT * FROM feeds WHERE team_id = ? AND (url = ? OR name = ?) LIMIT 1",
                (team_id, url_or_name, url_or_name),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return None
            # its articles stay (other feeds may carry them, alerts may point at them): the feed becomes an
            # unpolled record, out of every team's list
            await db.execute(
                "UPDATE feeds SET team_id = NULL, url = 'removed:' || id || ':' || url WHERE id = ?",
                (row["id"],),
            )
        return _feed_row(row)

    async def mark_feed_ok(
        self,
        feed_id: int,
        title: str | None,
        *,
        etag: str | None = None,
        last_modified: str | None = None,
        moved_to: str | None = None,
        next_poll_at: str | None = None,
        keep_validators: bool = False,
    ) -> bool:
        """A poll that worked (a 304 included): clears failures, back-off and a pause; stores the validators
        for the next conditional GET (`keep_validators`: a 304 keeps the ones stored) and where the feed moved.
        True when this ended a pause (the teams were told it resumed)."""
        async with self.transaction() as db:
            row = await _one(db, "SELECT paused_at, name, url FROM feeds WHERE id = ?", (feed_id,))
            assert row is not None
            await db.execute(
                "UPDATE feeds SET last_polled_at = ?, last_ok_at = ?, last_error = NULL, failures = 0, "
                "title = COALESCE(?, title), fetch_url = COALESCE(?, fetch_url), next_poll_at = ?, "
                "paused_at = NULL, paused_reason = NULL"
                + ("" if keep_validators else ", etag = ?, last_modified = ?")
                + " WHERE id = ?",
                (now_iso(), now_iso(), title, moved_to, next_poll_at)
                + (() if keep_validators else (etag, last_modified))
                + (feed_id,),
            )
            await db.execute("DELETE FROM first_poll WHERE feed_id = ?", (feed_id,))  # its decision is done
            if row[0] is None:
                return False
            await _feed_notice(
                db, "feed_resumed", row[1], row[2], f"it answers again (paused since {human_time(row[0])})"
            )
            return True

    async def mark_feed_failed(
        self, feed_id: int, error: str, *, next_poll_at: str | None = None, pause: bool = False
    ) -> bool:
        """A poll that failed: counts it, sets when to try again, and pauses the feed when `pause` (the teams
        are told once per pause). True when this call paused it."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE feeds SET last_polled_at = ?, last_error = ?, failures = failures + 1, next_poll_at = ? "
                "WHERE id = ?",
                (now_iso(), error[:500], next_poll_at, feed_id),
            )
            if not pause:
                return False
            async with db.execute(
                "UPDATE feeds SET paused_at = ?, paused_reason = ? WHERE id = ? AND paused_at IS NULL "
                "RETURNING name, url, failures",
                (now_iso(), error[:500], feed_id),
            ) as cur:
                row = await cur.fetchone()
            if row is None:
                return False
            await _feed_notice(
                db,
                "feed_paused",
                row[0],
                row[1],
                f"{plural(int(row[2]), 'failed poll')} in a row; last error: {error[:300]}",
            )
            return True

    async def sync_teams(self, teams: Iterable[TeamSettings]) -> None:
        """Make the config's teams say what the config says (the console front end's source of truth).

        Teams created by commands (Discord servers) are left alone, and so are watches added by command."""
        async with self.transaction() as db:
            for t in teams:
                await db.execute(
                    "INSERT INTO teams (name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap) "
                    "VALUES (?, ?, ?, 'config', ?, ?, ?) ON CONFLICT (name) DO UPDATE SET "
                    "channel = excluded.channel, alert_kinds = excluded.alert_kinds, origin = 'config', "
                    "quiet_hours = excluded.quiet_hours, timezone = excluded.timezone, "
                    "hourly_cap = excluded.hourly_cap",
                    (
                        t.name,
                        t.channel,
                        json.dumps(list(t.alerts)),
                        t.pacing.quiet_hours,
                        t.pacing.timezone,
                        t.pacing.hourly_cap,
                    ),
                )
                async with db.execute("SELECT id FROM teams WHERE name = ?", (t.name,)) as cur:
                    row = await cur.fetchone()
                assert row is not None
                team_id = int(row[0])
                marks = ",".join("?" * len(t.keywords))
                await db.execute(
                    f"DELETE FROM watches WHERE team_id = ? AND origin = 'config' AND keyword NOT IN ({marks})",
                    (team_id, *t.keywords),
                )
                await db.executemany(
                    "INSERT INTO watches (team_id, keyword) VALUES (?, ?) ON CONFLICT DO NOTHING",
                    [(team_id, k) for k in t.keywords],
                )

    async def team_watches(self) -> list[TeamWatch]:
        """One route per team and channel: the keywords that alert there (a watch may name its own channel),
        with the team's exclusions applying to every channel of the team."""
        teams = await self._all("SELECT id, name, channel, alert_kinds FROM teams ORDER BY name")
        watches = await self._all("SELECT team_id, keyword, channel FROM watches ORDER BY id")
        routes: list[TeamWatch] = []
        for t in teams:
            mine = [w for w in watches if w["team_id"] == t["id"]]
            excluded = [w["keyword"] for w in mine if w["keyword"].startswith("-")]
            by_channel: dict[str, list[str]] = {}
            for w in mine:
                if not w["keyword"].startswith("-"):
                    by_channel.setdefault(w["channel"] or t["channel"], []).append(w["keyword"])
            for channel, keywords in by_channel.items():
                routes.append(
                    TeamWatch(
                        id=t["id"],
                        name=t["name"],
                        channel=channel,
                        kinds=frozenset(json.loads(t["alert_kinds"])),
                        keywords=KeywordSet.of([*keywords, *excluded]),
                    )
                )
        return routes

    # -- articles, claims, clusters, alerts -------------------------------------------------------------------
    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The keys this feed has shown before, each with the title and fingerprint of the article it names."""
        found: dict[str, tuple[str, str | None]] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            marks = ",".join("?" * len(chunk))
            rows = await self._all(
                "SELECT k.key, a.title, a.fingerprint FROM entry_keys k JOIN articles a ON a.id = k.article_id "
                f"WHERE k.feed_id = ? AND k.key IN ({marks})",
                (feed_id, *chunk),
            )
            found.update((r[0], (r[1], r[2])) for r in rows)
        return found

    async def stored_elsewhere(self, entries: Iterable[tuple[str, str, str | None, str | None]]) -> set[str]:
        """The keys of entries — (key, title, link key, fingerprint) — that name an article already stored under
        another key or from another feed (bot.core.identity's rules, as `insert_article` applies them): a feed
        that renames its articles on every poll need not have their pages fetched again."""
        found: set[str] = set()
        for key, title, link, fp in entries:
            probe = NewArticle(0, key, None, title, "", None, "", "", None, False, link, fp)
            if await _same_article(self._conn, probe) is not None:
                found.add(key)
        return found

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]:
        """A feed's first poll: which of its new entries may alert, decided once. When this feed has a decision
        stored (a first poll that a crash or a stop cut short), that one is returned; else `keys` (the new
        entries) with `loud` (the ones that may alert) are stored, in one transaction before any of the poll's
        articles, and returned. `mark_feed_ok` drops it when the poll is done."""
        loud = set(loud)
        async with self.transaction() as db:
            async with db.execute("SELECT key, loud FROM first_poll WHERE feed_id = ?", (feed_id,)) as cur:
                stored = {str(r[0]): bool(r[1]) for r in await cur.fetchall()}
            if stored:
                return stored
            await db.executemany(
                "INSERT INTO first_poll (feed_id, key, loud) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                [(feed_id, k, int(k in loud)) for k in keys],
            )
        return {k: k in loud for k in keys}

    @staticmethod
    async def insert_article(db: aiosqlite.Connection, a: NewArticle) -> int | None:
        """Inside a transaction: the new article's id, or None when it is not new — this feed showed it before
        under this key, or it is an article already stored under another key or from another feed (then this key
        is recorded as one more name for it). The rules are bot.core.identity's."""
        if await _one(db, "SELECT 1 FROM entry_keys WHERE feed_id = ? AND key = ?", (a.feed_id, a.entry_key)):
            return None
        same = await _same_article(db, a)
        if same is not None:
            await db.execute(
                "INSERT INTO entry_keys (feed_id, key, article_id) VALUES (?, ?, ?)",
                (a.feed_id, a.entry_key, same),
            )
            return None
        async with db.execute(
            "INSERT INTO articles (feed_id, entry_key, url, title, source, published_at, stored_at, body, summary, "
            "extract_error, alerted, link_key, fingerprint) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (feed_id, entry_key) DO NOTHING RETURNING id",
            (
                a.feed_id,
                a.entry_key,
                a.url,
                a.title,
                a.source,
                a.published_at,
                now_iso(),
                a.body,
                a.summary,
                a.extract_error,
                int(a.alerted),
                a.link_key,
                a.fingerprint,
            ),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        await db.execute(
            "INSERT INTO entry_keys (feed_id, key, article_id) VALUES (?, ?, ?)",
            (a.feed_id, a.entry_key, row[0]),
        )
        return int(row[0])

    @staticmethod
    async def add_claim(
        db: aiosqlite.Connection,
        article: ArticleInfo,
        c: ClaimDraft,
        search: list[tuple[Any, ...]] | None = None,
        meaning: Meaning | None = None,
        siblings: Sequence[ClaimDraft] = (),
    ) -> ClaimOutcome:
        """Inside a transaction: store one claim, joining the cluster it matches (bot.core.matching) or founding one.

        Candidates come from cluster_index (a quote by speaker and content term, a figure by its measured thing),
        at most _CANDIDATES of them, so the cost does not grow with the store. A quote that no candidate's words
        match is compared by meaning (`meaning`: sentence embeddings) with the candidates of its speaker, if it
        has any: a quote whose speaker has no candidate costs no model call. `siblings`: the article's other
        claims (a statement close in meaning to a cluster that another of them states in words is not that one)."""
        figure = figure_ref(c.value, c.data) if c.kind == "figure" else None
        keys = index_keys(c.kind, c.speaker, c.text, figure)
        exact = await _one(db, "SELECT id FROM clusters WHERE kind = ? AND key = ?", (c.kind, c.key))
        ids = [int(exact[0])] if exact else []
        if keys:
            # each key reaches its newest _PER_KEY clusters only (a backward range scan of the primary key): a key
            # shared by 80,000 clusters ("soldiers", a prolific speaker's common word) costs what a rare one does
            per_key = " UNION ALL ".join(
                f"SELECT * FROM (SELECT cluster_id FROM cluster_index WHERE key = ? "
                f"ORDER BY cluster_id DESC LIMIT {_PER_KEY})"
                for _ in keys
            )
            rows = await db.execute_fetchall(
                f"SELECT cluster_id FROM ({per_key}) GROUP BY cluster_id "
                f"ORDER BY COUNT(*) DESC, cluster_id DESC LIMIT {_CANDIDATES}",  # ties: the most recent first
                keys,
            )
            ids += [int(r[0]) for r in rows if int(r[0]) not in ids]
        views = await _cluster_views(db, ids, article.id)
        placement = place(c.kind, article.id, c.speaker, c.text, figure, views, article.published)
        if c.kind == "quote" and placement.cluster_id is None and meaning is not None:
            views = await _with_meaning(db, meaning, c, views)
            said = [
                s.text
                for s in siblings
                if s.kind == "quote" and s is not c and same_speaker(s.speaker, c.speaker)
            ]
            placement = place(c.kind, article.id, c.speaker, c.text, figure, views, article.published, said)
        legacy = exact is not None and views[0].thing is None and not views[0].texts  # stored by schema v1
        if legacy and placement.cluster_id is None:
            placement = Placement(
                views[0].id, "repeat" if article.id in views[0].article_ids else "corroborated"
            )
        if placement.cluster_id is None:
            # the exact key may belong to another thing ("800 containers" in another port): keep keys unique
            key = c.key if exact is None else f"{c.key}#a{article.id}:{c.start}"
            cluster_id = await _found_cluster(db, article, c, key, figure)
            outcome = ClaimOutcome(c, cluster_id, "new")
        else:
            cluster_id = placement.cluster_id
            first = await _one(
                db,
                "SELECT a.source, a.title, c.first_seen_at FROM clusters c JOIN articles a ON a.id = c.first_article_id "
                "WHERE c.id = ?",
                (cluster_id,),
            )
            assert first is not None
            other = placement.conflicts_with
            outcome = ClaimOutcome(
                c,
                cluster_id,
                placement.status,
                first[0],
                first[1],
                first[2],
                conflicting_value=other.value if other else None,
                conflicting_source=other.source if other else None,
                earlier=tuple((v.value, v.source) for v in placement.earlier),
            )
            if c.kind == "quote" and not (
                placement.status == "corroborated" and await _add_wording(db, cluster_id, c.text)
            ):
                keys = []  # a quote cluster is found by the wordings it keeps, so its index stays bounded
        if keys:
            await db.executemany(
                "INSERT OR IGNORE INTO cluster_index (key, cluster_id) VALUES (?, ?)",
                [(k, cluster_id) for k in keys],
            )
        async with db.execute(
            "INSERT INTO claims (article_id, cluster_id, kind, text, start_offset, end_offset, speaker, direct, "
            "value, low, high, unit, counted, subject, context, data, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                article.id,
                outcome.cluster_id,
                c.kind,
                c.text,
                c.start,
                c.end,
                c.speaker,
                None if c.direct is None else int(c.direct),
                c.value,
                c.low,
                c.high,
                c.unit,
                c.counted,
                c.subject,
                c.context,
                json.dumps(c.data, ensure_ascii=False),
                outcome.status,
            ),
        ) as cur:
            claim_row = await cur.fetchone()
        assert claim_row is not None
        if c.kind == "figure" and c.value is not None:  # one of the cluster's first _VALUES values, if it is
            await db.execute(
                "INSERT OR IGNORE INTO cluster_values (cluster_id, value, claim_id) SELECT ?, ?, ? "
                f"WHERE (SELECT count(*) FROM cluster_values WHERE cluster_id = ?) < {_VALUES}",
                (outcome.cluster_id, c.value, claim_row[0], outcome.cluster_id),
            )
        row = (claim_row[0], c.label, c.speaker or "", c.subject or "", article.title, c.context)
        if search is None:
            await Store.index_claims(db, [row])
        else:
            search.append(row)  # the caller indexes the article's claims together: see index_claims
        return outcome

    @staticmethod
    async def index_claims(db: aiosqlite.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Inside a transaction: the search rows add_claim collected, as the transaction's last writes.

        FTS5 flushes the rows it holds to a new index segment (and does merge work) whenever a later statement of
        the transaction opens a statement savepoint — every INSERT INTO claims or clusters does — so inserting a
        claim's row between the next claim's writes costs one segment per claim. Written last, the article's rows
        are one segment."""
        if rows:
            await db.executemany(
                "INSERT INTO claim_search (rowid, text, speaker, subject, title, context) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )

    @staticmethod
    async def add_alerts(db: aiosqlite.Connection, article_id: int, drafts: Iterable[AlertDraft]) -> int:
        """Inside a transaction: queue alerts in the outbox; one already queued under the same key is skipped."""
        n = 0
        for d in drafts:
            async with db.execute(
                "INSERT INTO alerts (team_id, channel, kind, article_id, cluster_id, dedupe_key, payload, "
                "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING",
                (
                    d.team_id,
                    d.channel,
                    d.kind,
                    article_id,
                    d.cluster_id,
                    d.dedupe_key,
                    json.dumps(d.payload, ensure_ascii=False),
                    now_iso(),
                ),
            ) as cur:
                n += cur.rowcount
        return n

    async def instance(self) -> str:
        """A random id of this database, part of every delivery key, so two stores never share keys."""
        row = await _one(self._conn, "SELECT value FROM meta WHERE key = 'instance'", ())
        assert row is not None
        return str(row[0])

    async def plan_deliveries(self, now: datetime) -> int:
        """Turn queued alerts into messages (bot.core.delivery.plan) in one transaction; returns messages planned.

        A message's payload is fixed here, so a resend after a crash is the very same message."""
        planned = 0
        since = (now - timedelta(hours=1)).replace(microsecond=0).isoformat()
        async with self.transaction() as db:
            async with db.execute(
                "SELECT a.team_id, a.channel, t.name, t.quiet_hours, t.timezone, t.hourly_cap FROM alerts a "
                "JOIN teams t ON t.id = a.team_id WHERE a.delivery_id IS NULL AND a.sent_at IS NULL "
                "GROUP BY a.team_id, a.channel ORDER BY min(a.id)"
            ) as cur:
                groups = list(await cur.fetchall())
            for team_id, channel, team, quiet, tz, cap in groups:
                try:
                    pacing = Pacing(quiet, tz, cap)
                except PacingError:  # settings are validated when written; never let one row stop delivery
                    pacing = Pacing()
                async with db.execute(
                    "SELECT id, held, kind, payload, dedupe_key FROM alerts WHERE team_id = ? AND channel = ? "
                    "AND delivery_id IS NULL AND sent_at IS NULL ORDER BY id LIMIT 500",
                    (team_id, channel),
                ) as cur:
                    rows = {int(r[0]): r for r in await cur.fetchall()}
                busy = await _one(
                    db,
                    "SELECT count(*) FROM deliveries WHERE channel = ? AND rejected_at IS NULL "
                    "AND (sent_at IS NULL OR sent_at >= ?)",
                    (channel, since),
                )
                p = plan(
                    [Waiting(i, r[1]) for i, r in rows.items()], pacing, int(busy[0]) if busy else 0, now
                )

                payload = {i: dict(json.loads(r[3])) | {"ref": r[4]} for i, r in rows.items()}
                messages: list[tuple[str, dict[str, Any], tuple[int, ...]]] = [
                    (rows[i][2], payload[i], (i,)) for i in p.singles
                ]
                if p.digest:
                    content = digest_payload(
                        team, channel, p.digest_reason or CAP, pacing, [payload[i] for i in p.digest]
                    )
                    messages.append(("digest", content, p.digest))
                for kind, content, ids in messages:
                    async with db.execute(
                        "INSERT INTO deliveries (team_id, channel, kind, payload, created_at) VALUES (?, ?, ?, ?, ?) "
                        "RETURNING id",
                        (team_id, channel, kind, json.dumps(content, ensure_ascii=False), now_iso()),
                    ) as cur:
                        row = await cur.fetchone()
                    assert row is not None
                    await db.executemany(
                        "UPDATE alerts SET delivery_id = ? WHERE id = ?", [(int(row[0]), i) for i in ids]
                    )
                    planned += 1
                if p.hold:
                    await db.executemany(
                        "UPDATE alerts SET held = ? WHERE id = ?", [(p.hold_reason, i) for i in p.hold]
                    )
        return planned

    async def pending_deliveries(
        self, limit: int = 100, skip_channels: Iterable[str] = ()
    ) -> list[PendingDelivery]:
        """Planned, unsent messages in order, leaving out channels that failed this round."""
        skip = sorted(skip_channels)
        rows = await self._all(
            "SELECT id, channel, kind, payload, attempts FROM deliveries WHERE sent_at IS NULL AND rejected_at IS NULL "
            f"AND channel NOT IN ({','.join('?' * len(skip))}) ORDER BY id LIMIT ?",
            (*skip, limit),
        )
        instance = await self.instance()
        return [PendingDelivery(r[0], f"{instance}-{r[0]}", r[1], r[2], json.loads(r[3]), r[4]) for r in rows]

    async def mark_delivered(self, delivery_id: int, at: datetime | None = None) -> None:
        """The message and every alert in it are sent, together (`at`: the delivery round's clock)."""
        async with self.transaction() as db:
            when = (at or datetime.now(UTC)).replace(microsecond=0).isoformat()
            await db.execute(
                "UPDATE deliveries SET sent_at = ?, attempts = attempts + 1 WHERE id = ? AND sent_at IS NULL",
                (when, delivery_id),
            )
            await db.execute(
                "UPDATE alerts SET sent_at = ? WHERE delivery_id = ? AND sent_at IS NULL", (when, delivery_id)
            )

    async def pause_route(self, channel: str, reason: str, retry_at: datetime) -> None:
        """A channel the chat service refuses (403, 404): its messages stay queued until `retry_at`."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO routes (channel, paused_at, reason, retry_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel) DO UPDATE SET reason = excluded.reason, retry_at = excluded.retry_at",
                (channel, now_iso(), reason[:300], retry_at.replace(microsecond=0).isoformat()),
            )

    async def resume_route(self, channel: str) -> None:
        async with self.transaction() as db:
            await db.execute("DELETE FROM routes WHERE channel = ?", (channel,))

    async def paused_routes(self, team_id: int | None = None) -> list[tuple[str, str, str, str]]:
        """(channel, paused since, reason, next retry) for every paused route, or for one team's channels."""
        if team_id is None:
            rows = await self._all(
                "SELECT channel, paused_at, reason, retry_at FROM routes ORDER BY paused_at"
            )
        else:
            rows = await self._all(
                "SELECT channel, paused_at, reason, retry_at FROM routes WHERE channel IN "
                "(SELECT channel FROM teams WHERE id = ? UNION SELECT channel FROM watches WHERE team_id = ?) "
                "ORDER BY paused_at",
                (team_id, team_id),
            )
        return [(r[0], r[1], r[2], r[3]) for r in rows]

    async def mark_delivery_rejected(self, delivery_id: int, error: str) -> None:
        """Set a message aside for good (its alerts stay unsent and counted in /status)."""
        async with self.transaction() as db:
            await db.execute(
                "UPDATE deliveries SET rejected_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                (now_iso(), error[:500], delivery_id),
            )

    async def mark_delivery_failed(self, delivery_id: int, error: str) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                (error[:500], delivery_id),
            )

    # -- lookups ------------------------------------------------------------------------------------------------
    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]:
        """How many clusters match an FTS5 expression, counted among the newest _SEARCH_WINDOW matching claims
        (the ones a search reads); True when the window was full, so there may be more."""
        window = (
            "SELECT s.rowid FROM claim_search s JOIN claims k ON k.id = s.rowid "
            f"WHERE claim_search MATCH ? AND k.kind = ? ORDER BY s.rowid DESC LIMIT {_SEARCH_WINDOW}"
            if kind
            else f"SELECT rowid FROM claim_search WHERE claim_search MATCH ? ORDER BY rowid DESC LIMIT {_SEARCH_WINDOW}"
        )
        row = await _one(
            self._conn,
            f"SELECT count(DISTINCT c.cluster_id), count(*) FROM ({window}) s JOIN claims c ON c.id = s.rowid",
            (match, kind) if kind else (match,),
        )
        return (int(row[0]), int(row[1]) >= _SEARCH_WINDOW) if row else (0, False)

    async def search_claims(
        self,
        match: str,
        limit: int = 10,
        kind: str | None = None,
        prefer: str | None = CLAIM_COLUMNS,
        offset: int = 0,
    ) -> list[ClaimHit]:
        """Clusters whose claims match an FTS5 expression, each with every article that carries it.

        Order: clusters whose claim itself (`prefer`: its text, speaker or subject) matches come before those that
        match only through the article's title or sentence; within each, the most recently reported first. No
        bm25: it counts every match of every query word in the whole index, which costs tens of milliseconds for a
        common word in a store of a million claims. Each tier reads only the newest _SEARCH_WINDOW matches, which
        FTS5 walks newest first and stops, so a search costs about the same in any size of store. `offset` skips
        that many clusters of this order (a later page); only the returned ones have their sources read."""
        limit, wanted = max(0, limit), offset + max(0, limit)
        tiers = [f"{prefer} : ({match})", match] if prefer else [match]
        found: dict[int, tuple[int, int]] = {}  # cluster → (tier, minus its newest matching claim): sort key
        for tier, expr in enumerate(tiers):
            window = (  # the kind is filtered inside the window: a figure search is not crowded out by quotes
                "SELECT s.rowid FROM claim_search s JOIN claims k ON k.id = s.rowid "
                f"WHERE claim_search MATCH ? AND k.kind = ? ORDER BY s.rowid DESC LIMIT {_SEARCH_WINDOW}"
                if kind
                else f"SELECT rowid FROM claim_search WHERE claim_search MATCH ? ORDER BY rowid DESC LIMIT {_SEARCH_WINDOW}"
            )
            ranked = await self._all(
                f"SELECT c.cluster_id, max(s.rowid) AS newest FROM ({window}) s JOIN claims c ON c.id = s.rowid "
                "GROUP BY c.cluster_id ORDER BY newest DESC LIMIT ?",
                (expr, kind, wanted) if kind else (expr, wanted),
            )
            for cluster_id, newest in ranked:
                found.setdefault(int(cluster_id), (tier, -int(newest)))
            if len(found) >= wanted:
                break
        order = sorted(found, key=found.__getitem__)[offset:wanted]
        rows = []
        for cluster_id in order:
            row = await _one(self._conn, "SELECT id, kind, label FROM clusters WHERE id = ?", (cluster_id,))
            assert row is not None
            rows.append(row)
        hits = []
        for r in rows:
            src = await self._all(
                "SELECT a.source, a.title, a.url, coalesce(a.published_at, a.stored_at), c.value, c.status, "
                "c.speaker, a.id, c.text, c.direct FROM claims c JOIN articles a ON a.id = c.article_id "
                "WHERE c.cluster_id = ? "
                f"ORDER BY c.id LIMIT {_SOURCES_SHOWN}",
                (r[0],),
            )
            seen: set[tuple[int, float | None]] = set()
            sources = []
            for row in src:  # one line per article and value: an article repeating itself counts once
                if (row[7], row[4]) not in seen:
                    seen.add((row[7], row[4]))
                    sources.append(ClaimSource(*row[:7]))
            first = src[0] if src else None
            direct = None if first is None or first[9] is None else bool(first[9])
            hits.append(ClaimHit(r[0], r[1], r[2], tuple(sources), first[8] if first else "", direct))
        return hits

    async def export_claims(
        self, since: str | None = None, bodies: bool = False, page: int | None = None
    ) -> AsyncIterator[ExportedClaim]:
        """Every stored claim in claim id order, with its article, feed and cluster's first claim; `since`: only
        claims stored at or after this ISO 8601 UTC time (their article's stored_at: claims are stored with their
        article). Read `page` rows at a time, each page after the last claim id of the one before, so memory stays
        flat in any size of store (default _EXPORT_PAGE); claims stored meanwhile with higher ids are read too
        (claims are only added)."""
        page = page or _EXPORT_PAGE
        where = "c.id > ? AND a.stored_at >= ?" if since is not None else "c.id > ?"
        after = 0
        while True:
            rows = await self._all(
                "SELECT c.id, a.id, f.name, f.url, a.entry_key, a.url, a.title, a.source, a.published_at, "
                "a.alerted, a.stored_at, c.kind, c.text, c.start_offset, c.end_offset, "
                "json_extract(c.data, '$.parts'), c.direct, c.speaker, c.value, c.low, c.high, c.unit, c.counted, "
                "c.subject, json_extract(c.data, '$.measure'), json_extract(c.data, '$.event'), "
                "json_extract(c.data, '$.period'), c.status, c.cluster_id, "
                "(SELECT min(first.id) FROM claims first WHERE first.cluster_id = c.cluster_id), "
                + ("a.body, a.summary " if bodies else "NULL, NULL ")
                + "FROM claims c JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id "
                f"WHERE {where} ORDER BY c.id LIMIT ?",
                (after, since, page) if since is not None else (after, page),
            )
            for r in rows:
                yield ExportedClaim(
                    claim_id=r[0],
                    article_id=r[1],
                    feed_name=r[2],
                    feed_url=r[3],
                    entry_key=r[4],
                    link=r[5],
                    title=r[6],
                    source=r[7],
                    published=r[8],
                    alerted=bool(r[9]),
                    stored_at=r[10],
                    kind=r[11],
                    text=r[12],
                    start=r[13],
                    end=r[14],
                    parts=tuple((int(a), int(b)) for a, b in json.loads(r[15]))
                    if r[11] == "quote" and r[15]
                    else None,
                    direct=None if r[16] is None else bool(r[16]),
                    speaker=r[17],
                    value=r[18],
                    low=r[19],
                    high=r[20],
                    unit=r[21],
                    counted=r[22],
                    subject=r[23],
                    measure=r[24],
                    event=r[25],
                    period=r[26],
                    status=r[27],
                    cluster_id=r[28],
                    cluster_first_claim_id=r[29],
                    body=r[30],
                    summary=r[31],
                )
            if len(rows) < page:
                return
            after = int(rows[-1][0])

    # -- teams and their watches, as commands set them ----------------------------------------------------------
    async def team(self, name: str) -> TeamRow | None:
        rows = await self._all(
            "SELECT id, name, channel, alert_kinds, origin, quiet_hours, timezone, hourly_cap FROM teams "
            "WHERE name = ?",
            (name,),
        )
        if not rows:
            return None
        r = rows[0]
        try:
            pacing = Pacing(r["quiet_hours"], r["timezone"], r["hourly_cap"])
        except PacingError:
            pacing = Pacing()
        return TeamRow(
            r["id"], r["name"], r["channel"], tuple(json.loads(r["alert_kinds"])), r["origin"], pacing
        )

    async def speakers(self, part: str, limit: int = 25) -> list[str]:
        """Speakers of stored quotes whose name contains `part`, most quoted first (for autocomplete)."""
        rows = await self._all(
            "SELECT speaker FROM clusters WHERE kind = 'quote' AND speaker LIKE ? ESCAPE '\\' "
            "GROUP BY speaker ORDER BY count(*) DESC LIMIT ?",
            ("%" + part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", limit),
        )
        return [str(r[0]) for r in rows]

    async def team_names(self) -> list[str]:
        return [r[0] for r in await self._all("SELECT name FROM teams ORDER BY name")]

    async def create_team(self, name: str, channel: str, kinds: Sequence[str]) -> TeamRow:
        """A team managed by commands (a Discord server, or one made at the CLI); a no-op when it exists."""
        async with self.transaction() as db:
            await db.execute(
                "INSERT INTO teams (name, channel, alert_kinds, origin) VALUES (?, ?, ?, 'command') "
                "ON CONFLICT (name) DO NOTHING",
                (name, channel, json.dumps(list(kinds))),
            )
        team = await self.team(name)
        assert team is not None
        return team

    async def watches(self, team_id: int) -> list[WatchRow]:
        rows = await self._all(
            "SELECT keyword, channel, origin FROM watches WHERE team_id = ? ORDER BY keyword", (team_id,)
        )
        return [WatchRow(r[0], r[1], r[2]) for r in rows]

    async def add_watch(self, team_id: int, keyword: str, channel: str | None) -> bool:
        """False when the team already watches this keyword (its channel is then updated)."""
        async with self.transaction() as db:
            async with db.execute(
                "INSERT INTO watches (team_id, keyword, channel, origin) VALUES (?, ?, ?, 'command') "
                "ON CONFLICT (team_id, keyword) DO NOTHING",
                (team_id, keyword, channel),
            ) as cur:
                added = cur.rowcount == 1
            if not added and channel is not None:
                await db.execute(
                    "UPDATE watches SET channel = ? WHERE team_id = ? AND keyword = ?",
                    (channel, team_id, keyword),
                )
        return added

    async def remove_watch(self, team_id: int, keyword: str) -> bool:
        async with (
            self.transaction() as db,
            db.execute(
                "DELETE FROM watches WHERE team_id = ? AND keyword = ? AND origin = 'command'",
                (team_id, keyword),
            ) as cur,
        ):
            return cur.rowcount == 1

    async def set_alert_kinds(self, team_id: int, kinds: Sequence[str]) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE teams SET alert_kinds = ? WHERE id = ?", (json.dumps(list(kinds)), team_id)
            )

    async def set_pacing(self, team_id: int, pacing: Pacing) -> None:
        async with self.transaction() as db:
            await db.execute(
                "UPDATE teams SET quiet_hours = ?, timezone = ?, hourly_cap = ? WHERE id = ?",
                (pacing.quiet_hours, pacing.timezone, pacing.hourly_cap, team_id),
            )

    async def counts(self) -> dict[str, int]:
        out = {}
        for table in ("feeds", "articles", "claims", "clusters", "teams"):
            rows = await self._all(f"SELECT count(*) FROM {table}")
            out[table] = int(rows[0][0])
        rows = await self._all("SELECT count(*) FROM alerts WHERE sent_at IS NULL")
        out["alerts_pending"] = int(rows[0][0])
        rows = await self._all("SELECT count(*) FROM alerts WHERE sent_at IS NULL AND held IS NOT NULL")
        out["alerts_held"] = int(rows[0][0])
        rows = await self._all("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL")
        out["alerts_sent"] = int(rows[0][0])
        rows = await self._all("SELECT count(*) FROM deliveries WHERE rejected_at IS NOT NULL")
        out["messages_rejected"] = int(rows[0][0])
        rows = await self._all("SELECT count(*) FROM articles WHERE extract_error IS NOT NULL")
        out["extract_errors"] = int(rows[0][0])
        return out


_CANDIDATES = 25  # clusters compared per claim, best index overlap first
_PER_KEY = 200  # newest clusters one index key reaches (older ones are a story's past, not its news)
_SEARCH_WINDOW = 1000  # newest matching claims a search reads, per tier
_SOURCES_SHOWN = 100  # claims of one cluster a search reply lists (the first reports)
_EXPORT_PAGE = 1000  # claims `claimdesk export` reads per query
_WORDINGS = 5  # wordings a quote cluster keeps to match later paraphrases against
_VALUES = 20  # distinct values of a figure cluster that matching compares against (the first ones reported;
# table cluster_values keeps just these, and migration V9 says 20 too)


async def _one(db: aiosqlite.Connection, sql: str, params: Sequence[Any]) -> aiosqlite.Row | None:
    """The first row: one round trip to aiosqlite's thread (execute, fetchone and close would be three)."""
    for row in await db.execute_fetchall(sql, params):
        return row
    return None


async def _feed_notice(db: aiosqlite.Connection, kind: str, name: str, url: str, reason: str) -> None:
    """Tell the teams, in their own channels, that a feed paused or resumed (a shared feed: every team; a feed a
    team added: that team only): one message each, planned straight
    into deliveries in the same transaction as the change, so it is sent exactly once like any alert."""
    async with db.execute(
        "SELECT t.id, t.name, t.channel FROM teams t WHERE (SELECT team_id FROM feeds WHERE url = ?) IS NULL "
        "OR t.id = (SELECT team_id FROM feeds WHERE url = ?) ORDER BY t.id",
        (url, url),
    ) as cur:
        teams = list(await cur.fetchall())  # a team's own feed is its business alone
    for team_id, team, channel in teams:
        payload = {
            "kind": kind,
            "team": team,
            "channel": channel,
            "feed": {"name": name, "url": url},
            "why": reason,
        }
        await db.execute(
            "INSERT INTO deliveries (team_id, channel, kind, payload, created_at) VALUES (?, ?, ?, ?, ?)",
            (team_id, channel, kind, json.dumps(payload, ensure_ascii=False), now_iso()),
        )


async def _same_article(db: aiosqlite.Connection, a: NewArticle) -> int | None:
    """An article already stored that this entry is (bot.core.identity): the same URL key in any feed, or the same
    link with the same title or text, or the same title and text."""
    if is_global_key(a.entry_key):
        row = await _one(
            db,
            "SELECT k.article_id FROM entry_keys k JOIN articles r ON r.id = k.article_id WHERE k.key = ? "
            "AND (r.title = ? OR r.fingerprint IS ? OR NOT k.key LIKE 'link:%') LIMIT 1",
            (a.entry_key, a.title, a.fingerprint),
        )
        if row:
            return int(row[0])
    if a.link_key:
        row = await _one(
            db,
            "SELECT id FROM articles WHERE link_key = ? AND (title = ? OR fingerprint IS ?) ORDER BY id LIMIT 1",
            (a.link_key, a.title, a.fingerprint),
        )
        if row:
            return int(row[0])
    if a.fingerprint and a.link_key is None:  # with a link, the link rules above decide
        row = await _one(
            db,
            "SELECT id FROM articles WHERE fingerprint = ? AND title = ? AND link_key IS NULL ORDER BY id LIMIT 1",
            (a.fingerprint, a.title),
        )
        if row:
            return int(row[0])
    return None


async def _backfill_identity(conn: aiosqlite.Connection) -> None:
    """Articles stored before schema v5 get their link key and fingerprint, so a feed that now names them
    differently (a normalised guid) finds them instead of storing them twice. Runs on `db upgrade` and on open
    until it has finished once (recorded in meta)."""
    async with conn.execute("SELECT 1 FROM meta WHERE key = 'identity_backfill'") as cur:
        if await cur.fetchone():
            return
    while True:
        async with conn.execute(
            "SELECT id, url, title, body FROM articles WHERE fingerprint IS NULL LIMIT 500"
        ) as cur:
            rows = list(await cur.fetchall())
        await conn.execute("BEGIN IMMEDIATE")
        if not rows:
            await conn.execute("INSERT OR IGNORE INTO meta (key, value) VALUES ('identity_backfill', 'done')")
            await conn.execute("COMMIT")
            return
        await conn.executemany(
            "UPDATE articles SET link_key = ?, fingerprint = ? WHERE id = ?",
            [(link_key(r[1]), fingerprint(r[2], r[3]), r[0]) for r in rows],
        )
        await conn.execute("COMMIT")


async def _index_figures_by_measure(conn: aiosqlite.Connection) -> None:
    """Figure clusters stored before schema v11 were indexed by counted noun and rate; new figures look them up by
    their measured thing (bot.core.figure_identity.index_keys). Index the old clusters under the new keys too, in
    batches, so a store upgraded in place keeps matching its history."""
    last = 0
    while True:
        rows = list(
            await conn.execute_fetchall(
                "SELECT id, thing FROM clusters WHERE kind = 'figure' AND thing IS NOT NULL AND id > ? "
                "ORDER BY id LIMIT 1000",
                (last,),
            )
        )
        if not rows:
            return
        keys = []
        for cluster_id, thing in rows:
            ref = json.loads(thing)
            figure = FigureRef(**{k: v for k, v in ref.items() if k in _THING_FIELDS})
            keys += [(k, int(cluster_id)) for k in index_keys("figure", None, "", figure)]
        await conn.execute("BEGIN IMMEDIATE")
        await conn.executemany("INSERT OR IGNORE INTO cluster_index (key, cluster_id) VALUES (?, ?)", keys)
        await conn.execute("COMMIT")
        last = int(rows[-1][0])


async def _cluster_views(db: aiosqlite.Connection, ids: Sequence[int], article_id: int) -> list[ClusterView]:
    """What matching needs of each cluster, in `ids` order, at a cost that does not grow with the clusters: their
    first _VALUES distinct values (table cluster_values: the first claim at each) and whether `article_id` already carries
    them, not every claim they hold. Three queries for all the candidates, not three for each."""
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = {
        int(r[0]): r
        for r in await db.execute_fetchall(
            f"SELECT id, kind, speaker, texts, thing FROM clusters WHERE id IN ({marks})", ids
        )
    }
    figures = [i for i in ids if rows[i][1] == "figure"]
    values: dict[int, list[ClusterValue]] = {i: [] for i in figures}
    if figures:
        for cluster_id, value, data, source, first_article, low, high, seen in await db.execute_fetchall(
            "SELECT v.cluster_id, v.value, cl.data, a.source, cl.article_id, cl.low, cl.high, "
            "coalesce(a.published_at, a.stored_at) FROM cluster_values v "
            "JOIN claims cl ON cl.id = v.claim_id JOIN articles a ON a.id = cl.article_id "
            f"WHERE v.cluster_id IN ({','.join('?' * len(figures))}) ORDER BY v.claim_id",
            figures,
        ):
            approx = json.loads(data).get("approx") is not None
            values[int(cluster_id)].append(
                ClusterValue(float(value), approx, str(source), int(first_article), low, high, seen)
            )
    here = {
        int(r[0])
        for r in await db.execute_fetchall(
            f"SELECT DISTINCT cluster_id FROM claims WHERE article_id = ? AND cluster_id IN ({marks})",
            (article_id, *ids),
        )
    }
    views = []
    for i in ids:
        _, kind, speaker, texts, thing = rows[i]
        ref = json.loads(thing) if thing else None
        views.append(
            ClusterView(
                id=i,
                kind=str(kind),
                speaker=speaker,
                texts=tuple(json.loads(texts)),
                thing=FigureRef(**{k: v for k, v in ref.items() if k in _THING_FIELDS}) if ref else None,
                values=tuple(values.get(i, ())),
                article_ids=frozenset({article_id} if i in here else ()),
            )
        )
    return views


_THING_FIELDS = frozenset(FigureRef.__dataclass_fields__)


def text_id(text: str) -> int:
    """A wording's key in quote_vectors: 64 bits of its SHA-1, as SQLite's signed integer."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big", signed=True)


async def _with_meaning(
    db: aiosqlite.Connection, meaning: Meaning, c: ClaimDraft, views: list[ClusterView]
) -> list[ClusterView]:
    """The candidates of the quote's speaker with their `meaning`: the best cosine of the quote with one of their
    wordings. Each wording is embedded once (quote_vectors), the quote too, and only when its speaker has a
    candidate."""
    mine = [v for v in views if v.kind == "quote" and v.texts and same_speaker(c.speaker, v.speaker)]
    if not mine:
        return views
    texts = list(dict.fromkeys([c.text, *(t for v in mine for t in v.texts)]))
    ids = [text_id(t) for t in texts]
    marks = ",".join("?" * len(ids))
    known = {
        int(r[0]): bytes(r[1])
        for r in await db.execute_fetchall(f"SELECT id, vector FROM quote_vectors WHERE id IN ({marks})", ids)
    }
    missing = [(i, t) for i, t in zip(ids, texts, strict=True) if i not in known]
    if missing:
        made = await meaning.vectors([t for _, t in missing])
        known.update((i, v) for (i, _), v in zip(missing, made, strict=True))
        await db.executemany(
            "INSERT OR IGNORE INTO quote_vectors (id, vector) VALUES (?, ?)",
            [(i, v) for (i, _), v in zip(missing, made, strict=True)],
        )
    own = known[ids[0]]
    scored = {v.id: max(meaning.cosine(own, known[text_id(t)]) for t in v.texts) for v in mine}
    return [replace(v, meaning=scored[v.id]) if v.id in scored else v for v in views]


async def _found_cluster(
    db: aiosqlite.Connection, article: ArticleInfo, c: ClaimDraft, key: str, figure: FigureRef | None
) -> int:
    async with db.execute(
        "INSERT INTO clusters (kind, key, label, first_article_id, first_seen_at, speaker, texts, thing) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (
            c.kind,
            key,
            c.label,
            article.id,
            article.published or now_iso(),
            c.speaker,
            json.dumps([c.text] if c.kind == "quote" else [], ensure_ascii=False),
            json.dumps(asdict(figure)) if figure else None,
        ),
    ) as cur:
        row = await cur.fetchone()
    assert row is not None
    return int(row[0])


async def _add_wording(db: aiosqlite.Connection, cluster_id: int, text: str) -> bool:
    """Keep a new wording of a quote cluster while it has fewer than _WORDINGS; True when kept."""
    row = await _one(db, "SELECT texts FROM clusters WHERE id = ?", (cluster_id,))
    texts: list[str] = json.loads(row[0]) if row else []
    if len(texts) >= _WORDINGS or text in texts:
        return False
    await db.execute(
        "UPDATE clusters SET texts = ? WHERE id = ?",
        (json.dumps([*texts, text], ensure_ascii=False), cluster_id),
    )
    return True


def _feed_row(r: aiosqlite.Row) -> FeedRow:
    return FeedRow(
        r["id"],
        r["url"],
        r["name"],
        r["title"],
        r["last_ok_at"],
        r["last_polled_at"],
        r["last_error"],
        r["failures"],
        r["fetch_url"],
        r["etag"],
        r["last_modified"],
        r["next_poll_at"],
        r["paused_at"],
        r["paused_reason"],
        r["team_id"],
    )
