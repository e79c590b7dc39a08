"""Articles and their identity: every key a feed names an article by (entry_keys), the same article met under
another key or from another feed (bot.core.identity's rules), and a first poll's stored decision."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one, marks, now_iso
from bot.core.identity import is_global_key
from bot.core.records import NewArticle


class SqliteArticles:
    """Reads run on the connection as it is; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def add(self, a: NewArticle) -> int | None:
        """The new article's id, or None when it is not new — this feed showed it before under this key, or it
        is an article already stored under another key or from another feed (then this key is recorded as one
        more name for it)."""
        if await fetch_one(
            self._db, "SELECT 1 FROM entry_keys WHERE feed_id = ? AND key = ?", (a.feed_id, a.entry_key)
        ):
            return None
        same = await self.same_article(a)
        if same is not None:
            await self._db.execute(
                "INSERT INTO entry_keys (feed_id, key, article_id) VALUES (?, ?, ?)",
                (a.feed_id, a.entry_key, same),
            )
            return None
        row = await fetch_one(
            self._db,
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
        )
        if row is None:
            return None
        await self._db.execute(
            "INSERT INTO entry_keys (feed_id, key, article_id) VALUES (?, ?, ?)",
            (a.feed_id, a.entry_key, row["id"]),
        )
        return int(row["id"])

    async def stored(self, a: NewArticle) -> bool:
        """Whether `add` would find the article stored already: under this key, or as the same article."""
        known = await fetch_one(
            self._db, "SELECT 1 FROM entry_keys WHERE feed_id = ? AND key = ?", (a.feed_id, a.entry_key)
        )
        return known is not None or await self.same_article(a) is not None

    async def same_article(self, a: NewArticle) -> int | None:
        """An article already stored that this entry is (bot.core.identity): the same URL key in any feed, or the
        same link with the same title or text, or the same title and text."""
        if is_global_key(a.entry_key):
            row = await fetch_one(
                self._db,
                "SELECT k.article_id FROM entry_keys k JOIN articles r ON r.id = k.article_id WHERE k.key = ? "
                "AND (r.title = ? OR r.fingerprint IS ? OR NOT k.key LIKE 'link:%') LIMIT 1",
                (a.entry_key, a.title, a.fingerprint),
            )
            if row:
                return int(row["article_id"])
        if a.link_key:
            row = await fetch_one(
                self._db,
                "SELECT id FROM articles WHERE link_key = ? AND (title = ? OR fingerprint IS ?) ORDER BY id LIMIT 1",
                (a.link_key, a.title, a.fingerprint),
            )
            if row:
                return int(row["id"])
        if a.fingerprint and a.link_key is None:  # with a link, the link rules above decide
            row = await fetch_one(
                self._db,
                "SELECT id FROM articles WHERE fingerprint = ? AND title = ? AND link_key IS NULL ORDER BY id LIMIT 1",
                (a.fingerprint, a.title),
            )
            if row:
                return int(row["id"])
        return None

    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The keys this feed has shown before, each with the title and fingerprint of the article it names."""
        found: dict[str, tuple[str, str | None]] = {}
        for i in range(0, len(keys), 500):
            chunk = list(keys[i : i + 500])
            rows = await fetch_all(
                self._db,
                "SELECT k.key, a.title, a.fingerprint FROM entry_keys k JOIN articles a ON a.id = k.article_id "
                f"WHERE k.feed_id = ? AND k.key IN ({marks(len(chunk))})",
                (feed_id, *chunk),
            )
            found.update((r["key"], (r["title"], r["fingerprint"])) for r in rows)
        return found

    async def stored_elsewhere(self, entries: Iterable[tuple[str, str, str | None, str | None]]) -> set[str]:
        """The keys of entries — (key, title, link key, fingerprint) — that name an article already stored under
        another key or from another feed (the rules `add` applies): a feed that renames its articles on every poll
        need not have their pages fetched again."""
        found: set[str] = set()
        for key, title, link, fp in entries:
            probe = NewArticle(0, key, None, title, "", None, "", "", None, False, link, fp)
            if await self.same_article(probe) is not None:
                found.add(key)
        return found

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]:
        """A feed's first poll: which of its new entries may alert, decided once (in the caller's transaction,
        before any of the poll's articles). When this feed has a decision stored (a first poll that a crash or a
        stop cut short), that one is returned; else `keys` (the new entries) with `loud` (the ones that may alert)
        are stored and returned. A feed's successful poll drops it (SqliteFeeds.mark_ok)."""
        loud = set(loud)
        rows = await fetch_all(self._db, "SELECT key, loud FROM first_poll WHERE feed_id = ?", (feed_id,))
        stored = {str(r["key"]): bool(r["loud"]) for r in rows}
        if stored:
            return stored
        await self._db.executemany(
            "INSERT INTO first_poll (feed_id, key, loud) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
            [(feed_id, k, int(k in loud)) for k in keys],
        )
        return {k: k in loud for k in keys}
