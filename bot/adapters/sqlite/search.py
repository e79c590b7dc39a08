"""Lookups for the slash commands: full-text search over claims (FTS5), speakers, and the store's counts."""

from __future__ import annotations

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one
from bot.core.ports import CLAIM_COLUMNS
from bot.core.records import ClaimHit, ClaimSource

_SEARCH_WINDOW = 1000  # newest matching claims a search reads, per tier
_SOURCES_SHOWN = 100  # claims of one cluster a search reply lists (the first reports)


def _window(kind: str | None) -> str:
    """The newest _SEARCH_WINDOW claims matching an FTS5 expression (of one kind: filtered inside the window,
    so a figure search is not crowded out by quotes)."""
    if kind:
        return (
            "SELECT s.rowid FROM claim_search s JOIN claims k ON k.id = s.rowid "
            f"WHERE claim_search MATCH ? AND k.kind = ? ORDER BY s.rowid DESC LIMIT {_SEARCH_WINDOW}"
        )
    return f"SELECT rowid FROM claim_search WHERE claim_search MATCH ? ORDER BY rowid DESC LIMIT {_SEARCH_WINDOW}"


class SqliteSearch:
    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db

    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]:
        """How many clusters match an FTS5 expression, counted among the newest _SEARCH_WINDOW matching claims
        (the ones a search reads); True when the window was full, so there may be more."""
        row = await fetch_one(
            self._db,
            f"SELECT count(DISTINCT c.cluster_id) AS clusters, count(*) AS claims FROM ({_window(kind)}) s "
            "JOIN claims c ON c.id = s.rowid",
            (match, kind) if kind else (match,),
        )
        return (int(row["clusters"]), int(row["claims"]) >= _SEARCH_WINDOW) if row else (0, False)

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
            ranked = await fetch_all(
                self._db,
                f"SELECT c.cluster_id, max(s.rowid) AS newest FROM ({_window(kind)}) s JOIN claims c ON c.id = s.rowid "
                "GROUP BY c.cluster_id ORDER BY newest DESC LIMIT ?",
                (expr, kind, wanted) if kind else (expr, wanted),
            )
            for r in ranked:
                found.setdefault(int(r["cluster_id"]), (tier, -int(r["newest"])))
            if len(found) >= wanted:
                break
        hits = []
        for cluster_id in sorted(found, key=found.__getitem__)[offset:wanted]:
            cluster = await fetch_one(
                self._db, "SELECT id, kind, label FROM clusters WHERE id = ?", (cluster_id,)
            )
            assert cluster is not None
            src = await fetch_all(
                self._db,
                "SELECT a.source, a.title, a.url, coalesce(a.published_at, a.stored_at) AS seen, c.value, c.status, "
                "c.speaker, a.id AS article_id, c.text, c.direct FROM claims c "
                "JOIN articles a ON a.id = c.article_id WHERE c.cluster_id = ? "
                f"ORDER BY c.id LIMIT {_SOURCES_SHOWN}",
                (cluster_id,),
            )
            seen: set[tuple[int, float | None]] = set()
            sources = []
            for s in src:  # one line per article and value: an article repeating itself counts once
                if (s["article_id"], s["value"]) not in seen:
                    seen.add((s["article_id"], s["value"]))
                    sources.append(
                        ClaimSource(
                            source=s["source"],
                            title=s["title"],
                            url=s["url"],
                            seen=s["seen"],
                            value=s["value"],
                            status=s["status"],
                            speaker=s["speaker"],
                        )
                    )
            first = src[0] if src else None
            direct = None if first is None or first["direct"] is None else bool(first["direct"])
            hits.append(
                ClaimHit(
                    cluster["id"],
                    cluster["kind"],
                    cluster["label"],
                    tuple(sources),
                    first["text"] if first else "",
                    direct,
                )
            )
        return hits

    async def speakers(self, part: str, limit: int = 25) -> list[str]:
        """Speakers of stored quotes whose name contains `part`, most quoted first (for autocomplete)."""
        rows = await fetch_all(
            self._db,
            "SELECT speaker FROM clusters WHERE kind = 'quote' AND speaker LIKE ? ESCAPE '\\' "
            "GROUP BY speaker ORDER BY count(*) DESC LIMIT ?",
            ("%" + part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%", limit),
        )
        return [str(r["speaker"]) for r in rows]

    async def counts(self) -> dict[str, int]:
        out = {}
        for table in ("feeds", "articles", "claims", "clusters", "teams"):
            out[table] = await self._count(f"SELECT count(*) AS n FROM {table}")
        out["alerts_pending"] = await self._count("SELECT count(*) AS n FROM alerts WHERE sent_at IS NULL")
        out["alerts_held"] = await self._count(
            "SELECT count(*) AS n FROM alerts WHERE sent_at IS NULL AND held IS NOT NULL"
        )
        out["alerts_sent"] = await self._count("SELECT count(*) AS n FROM alerts WHERE sent_at IS NOT NULL")
        out["messages_rejected"] = await self._count(
            "SELECT count(*) AS n FROM deliveries WHERE rejected_at IS NOT NULL"
        )
        out["extract_errors"] = await self._count(
            "SELECT count(*) AS n FROM articles WHERE extract_error IS NOT NULL"
        )
        return out

    async def _count(self, sql: str) -> int:
        row = await fetch_one(self._db, sql)
        return int(row["n"]) if row else 0
