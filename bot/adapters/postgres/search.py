"""Lookups for the slash commands on PostgreSQL: full-text search over claims (a tsvector per claim, GIN), speakers,
and the store's counts — the same ordering and bounds as bot.adapters.sqlite.search."""

from __future__ import annotations

from bot.adapters.postgres.db import Db
from bot.adapters.postgres.fts import tsquery
from bot.adapters.sqlite.search import _SEARCH_WINDOW, _SOURCES_SHOWN
from bot.core.ports import CLAIM_COLUMNS
from bot.core.records import ClaimHit, ClaimSource


def _window(kind: str | None) -> str:
    """The newest _SEARCH_WINDOW claims matching a tsquery ($1), of one kind ($2) when asked (filtered inside
    the window, so a figure search is not crowded out by quotes)."""
    if kind:
        return (
            "SELECT s.claim_id FROM claim_search s JOIN claims k ON k.id = s.claim_id "
            f"WHERE s.doc @@ $1::tsquery AND k.kind = $2 ORDER BY s.claim_id DESC LIMIT {_SEARCH_WINDOW}"
        )
    return (
        "SELECT claim_id FROM claim_search WHERE doc @@ $1::tsquery "
        f"ORDER BY claim_id DESC LIMIT {_SEARCH_WINDOW}"
    )


class PostgresSearch:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]:
        """How many clusters match, counted among the newest _SEARCH_WINDOW matching claims; True when the window
        was full, so there may be more."""
        query = tsquery(match)
        if query is None:
            return 0, False
        row = await self._db.fetchrow(
            f"SELECT count(DISTINCT c.cluster_id) AS clusters, count(*) AS claims FROM ({_window(kind)}) s "
            "JOIN claims c ON c.id = s.claim_id",
            *((query, kind) if kind else (query,)),
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
        """Clusters whose claims match the search (an FTS5 expression of the handlers' kind, bot.adapters.postgres.fts),
        each with every article that carries it. Order as in SQLite: clusters whose claim itself (`prefer`)
        matches first, then those matching only through the article's title or sentence; within each, the most
        recently reported first (no ranking function). Each tier reads the newest _SEARCH_WINDOW matches."""
        limit, wanted = max(0, limit), offset + max(0, limit)
        tiers = [tsquery(f"{prefer} : ({match})"), tsquery(match)] if prefer else [tsquery(match)]
        found: dict[int, tuple[int, int]] = {}  # cluster → (tier, minus its newest matching claim): sort key
        for tier, query in enumerate(tiers):
            if query is None:
                continue
            ranked = await self._db.fetch(
                f"SELECT c.cluster_id, max(s.claim_id) AS newest FROM ({_window(kind)}) s "
                "JOIN claims c ON c.id = s.claim_id GROUP BY c.cluster_id ORDER BY newest DESC "
                f"LIMIT ${3 if kind else 2}",
                *((query, kind, wanted) if kind else (query, wanted)),
            )
            for r in ranked:
                found.setdefault(int(r["cluster_id"]), (tier, -int(r["newest"])))
            if len(found) >= wanted:
                break
        return [
            await self._hit(cluster_id) for cluster_id in sorted(found, key=found.__getitem__)[offset:wanted]
        ]

    async def _hit(self, cluster_id: int) -> ClaimHit:
        cluster = await self._db.fetchrow("SELECT id, kind, label FROM clusters WHERE id = $1", cluster_id)
        assert cluster is not None
        src = await self._db.fetch(
            "SELECT a.source, a.title, a.url, coalesce(a.published_at, a.stored_at) AS seen, c.value, c.status, "
            "c.speaker, a.id AS article_id, c.text, c.direct FROM claims c "
            "JOIN articles a ON a.id = c.article_id WHERE c.cluster_id = $1 "
            f"ORDER BY c.id LIMIT {_SOURCES_SHOWN}",
            cluster_id,
        )
        seen: set[tuple[int, float | None]] = set()
        sources = []
        for s in src:  # one line per article and value: an article repeating itself counts once
            if (int(s["article_id"]), s["value"]) not in seen:
                seen.add((int(s["article_id"]), s["value"]))
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
        return ClaimHit(
            int(cluster["id"]),
            cluster["kind"],
            cluster["label"],
            tuple(sources),
            first["text"] if first else "",
            direct,
        )

    async def speakers(self, part: str, limit: int = 25) -> list[str]:
        """Speakers of stored quotes whose name contains `part`, most quoted first (for autocomplete). Like
        SQLite's LIKE: case-insensitive for ASCII letters only (the column's collation is "C")."""
        rows = await self._db.fetch(
            "SELECT speaker FROM clusters WHERE kind = 'quote' AND speaker ILIKE $1 ESCAPE '\\' "
            "GROUP BY speaker ORDER BY count(*) DESC, speaker LIMIT $2",
            "%" + part.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%",
            limit,
        )
        return [str(r["speaker"]) for r in rows]

    async def counts(self) -> dict[str, int]:
        row = await self._db.fetchrow(
            "SELECT (SELECT count(*) FROM feeds) AS feeds, (SELECT count(*) FROM articles) AS articles, "
            "(SELECT count(*) FROM claims) AS claims, (SELECT count(*) FROM clusters) AS clusters, "
            "(SELECT count(*) FROM teams) AS teams, "
            "(SELECT count(*) FROM alerts WHERE sent_at IS NULL) AS alerts_pending, "
            "(SELECT count(*) FROM alerts WHERE sent_at IS NULL AND held IS NOT NULL) AS alerts_held, "
            "(SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL) AS alerts_sent, "
            "(SELECT count(*) FROM deliveries WHERE rejected_at IS NOT NULL) AS messages_rejected, "
            "(SELECT count(*) FROM articles WHERE extract_error IS NOT NULL) AS extract_errors"
        )
        assert row is not None
        keys = (
            "feeds",
            "articles",
            "claims",
            "clusters",
            "teams",
            "alerts_pending",
            "alerts_held",
            "alerts_sent",
            "messages_rejected",
            "extract_errors",
        )
        return {k: int(row[k]) for k in keys}
