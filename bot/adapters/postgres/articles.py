"""Articles and their identity on PostgreSQL (bot.adapters.sqlite.articles, the same rules: every key a feed names
an article by, the same article met under another key or from another feed, a first poll's stored decision)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from bot.adapters.postgres.db import Db, lock_keys, now_iso
from bot.core.identity import is_global_key
from bot.core.records import NewArticle


class PostgresArticles:
    """Reads run on the pool; writes expect the caller's transaction (a unit of work)."""

    def __init__(self, db: Db) -> None:
        self._db = db

    async def add(self, a: NewArticle) -> int | None:
        """The new article's id, or None when it is not new (then, when it is the same article under another key
        or from another feed, this key is recorded as one more name for it). Every key the article could be
        found by is held until the unit of work ends: another process storing the same article waits, then finds
        it stored."""
        await lock_keys(self._db, identity_keys(a))
        if await self._known(a):
            return None
        same = await self.same_article(a)
        if same is not None:
            await self._db.execute(
                "INSERT INTO entry_keys (feed_id, key, article_id) VALUES ($1, $2, $3)",
                a.feed_id,
                a.entry_key,
                same,
            )
            return None
        article_id = await self._db.fetchval(
            "INSERT INTO articles (feed_id, entry_key, url, title, source, published_at, stored_at, body, summary, "
            "extract_error, alerted, link_key, fingerprint) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, "
            "$12, $13) ON CONFLICT (feed_id, entry_key) DO NOTHING RETURNING id",
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
            a.alerted,
            a.link_key,
            a.fingerprint,
        )
        if article_id is None:
            return None
        await self._db.execute(
            "INSERT INTO entry_keys (feed_id, key, article_id) VALUES ($1, $2, $3)",
            a.feed_id,
            a.entry_key,
            article_id,
        )
        return int(article_id)

    async def _known(self, a: NewArticle) -> bool:
        return bool(
            await self._db.fetchval(
                "SELECT EXISTS (SELECT 1 FROM entry_keys WHERE feed_id = $1 AND key = $2)",
                a.feed_id,
                a.entry_key,
            )
        )

    async def stored(self, a: NewArticle) -> bool:
        """Whether `add` would find the article stored already: under this key, or as the same article."""
        return await self._known(a) or await self.same_article(a) is not None

    async def same_article(self, a: NewArticle) -> int | None:
        """An article already stored that this entry is (bot.core.identity): the same URL key in any feed, or the
        same link with the same title or text, or the same title and text."""
        if is_global_key(a.entry_key):
            found = await self._db.fetchval(
                "SELECT k.article_id FROM entry_keys k JOIN articles r ON r.id = k.article_id WHERE k.key = $1 "
                "AND (r.title = $2 OR r.fingerprint IS NOT DISTINCT FROM $3 OR NOT k.key LIKE 'link:%') LIMIT 1",
                a.entry_key,
                a.title,
                a.fingerprint,
            )
            if found is not None:
                return int(found)
        if a.link_key:
            found = await self._db.fetchval(
                "SELECT id FROM articles WHERE link_key = $1 AND (title = $2 OR fingerprint IS NOT DISTINCT FROM $3) "
                "ORDER BY id LIMIT 1",
                a.link_key,
                a.title,
                a.fingerprint,
            )
            if found is not None:
                return int(found)
        if a.fingerprint and a.link_key is None:  # with a link, the link rules above decide
            found = await self._db.fetchval(
                "SELECT id FROM articles WHERE fingerprint = $1 AND title = $2 AND link_key IS NULL "
                "ORDER BY id LIMIT 1",
                a.fingerprint,
                a.title,
            )
            if found is not None:
                return int(found)
        return None

    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        """The keys this feed has shown before, each with the title and fingerprint of the article it names."""
        rows = await self._db.fetch(
            "SELECT k.key, a.title, a.fingerprint FROM entry_keys k JOIN articles a ON a.id = k.article_id "
            "WHERE k.feed_id = $1 AND k.key = ANY($2::text[])",
            feed_id,
            list(keys),
        )
        return {r["key"]: (r["title"], r["fingerprint"]) for r in rows}

    async def stored_elsewhere(self, entries: Iterable[tuple[str, str, str | None, str | None]]) -> set[str]:
        """The keys of entries — (key, title, link key, fingerprint) — that name an article already stored under
        another key or from another feed (the rules `add` applies)."""
        found: set[str] = set()
        for key, title, link, fp in entries:
            probe = NewArticle(0, key, None, title, "", None, "", "", None, False, link, fp)
            if await self.same_article(probe) is not None:
                found.add(key)
        return found

    async def first_poll(self, feed_id: int, keys: Sequence[str], loud: Iterable[str]) -> dict[str, bool]:
        """A feed's first poll: which of its new entries may alert, decided once (the stored decision when there
        is one, else `keys` with `loud` stored and returned). A successful poll drops it (PostgresFeeds.mark_ok)."""
        loud = set(loud)
        rows = await self._db.fetch("SELECT key, loud FROM first_poll WHERE feed_id = $1", feed_id)
        stored = {str(r["key"]): bool(r["loud"]) for r in rows}
        if stored:
            return stored
        await self._db.executemany(
            "INSERT INTO first_poll (feed_id, key, loud) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            [(feed_id, k, k in loud) for k in keys],
        )
        return {k: k in loud for k in keys}


def identity_keys(a: NewArticle) -> list[str]:
    """The advisory lock keys of an article: one for each way `same_article` (or this feed's key) can find it, so
    two processes storing the same article share at least one."""
    keys = [f"article:entry:{a.feed_id}:{a.entry_key}"]
    if is_global_key(a.entry_key):
        keys.append(f"article:key:{a.entry_key}")
    if a.link_key:
        keys.append(f"article:link:{a.link_key}")
    elif a.fingerprint:
        keys.append(f"article:fingerprint:{a.fingerprint}")
    return keys
