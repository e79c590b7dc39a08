"""Lookups for the slash commands on PostgreSQL: full-text search over claims (a tsvector per claim, GIN), speakers,
and the store's counts — the same ordering and bounds as bot.adapters.sqlite.search.

A search reads the newest _SEARCH_WINDOW matching claims, as SQLite's FTS5 does by walking its index newest first.
A GIN index cannot: it answers every match of a word at once, in no order, and each one costs a read of its row
(for the claim's id). So claim_search is partitioned by claim id, PARTITION ids a range (schema V13), each range
with a GIN index of its own, and the window is read in two ways, chosen on what the newest claims show
(`PostgresSearch._window`): the claims are first walked newest first (the primary key, backwards) for the newest
_PROBE ids, the query tested on each row; a word common enough fills the window there. Otherwise the rate of
matches seen says which is cheaper for each older range, newest first: walking on (about what is still wanted /
rate rows) or asking that range's GIN index for its matches (about rate × its ids, each a row read elsewhere,
~_GIN_ROW_COST walked rows each); the ranges are read until the window is full. Two common words that meet in
~1% of claims read one or two ranges' GIN instead of the whole store's. Either way the window is the same: the
newest matches, exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from bot.adapters.postgres.db import Db, Row
from bot.adapters.postgres.fts import tsquery
from bot.adapters.sqlite.search import _SEARCH_WINDOW, _SOURCES_SHOWN
from bot.core.ports import CLAIM_COLUMNS
from bot.core.records import ClaimHit, ClaimSource

_PROBE = 8192  # newest claim ids walked before choosing how to read the rest of a window
_GIN_ROW_COST = 10  # a match read through GIN costs about as much as this many rows walked newest first
# claim ids a range (partition) of claim_search holds: the ranges writers add ahead, the ranges searches read
PARTITION = 100_000


def partition() -> int:
    """PARTITION as it is now (tests set it small)."""
    return PARTITION


# how many ranges a GIN read takes at once: 1, 2, 3, 4, 6, 8, 12, … (few statements, at most half again too many)
_SPANS = sorted({1 << n for n in range(48)} | {3 << n for n in range(47)})


def _read(kind: str | None, *, gin: bool, within: tuple[int, int] | None = None) -> str:
    """Matches of a tsquery ($1) with ids in ($3, $4), newest first, at most $5, of one kind ($6) when asked (the
    kind filtered inside the window, so a figure search is not crowded out by quotes); each with its cluster and
    whether it also matches $2 (a tsquery, or NULL): the claim's cluster and kind are in claim_search (V13). `gin`: through GIN, the matches sorted by `claim_id + 0` (the
    primary key is not walked): the GIN indexes of the ranges within ids [`within`), or of every range; else along
    the primary key, newest first (ts_match_vq: the operator's function, which GIN does not answer).

    The ranges are named by constants, not parameters: the plan then reads their partitions alone, and a generic
    plan (a prepared statement's, from its sixth run) never intersects GIN's matches with the primary key's ids in
    the ranges — all of them when they are whole, ~4 ms a range of 100,000 ids. The bounds in parameters are only
    filters (`claim_id + 0`), so the statements are the same for every search: a few per range and kind."""
    if gin:
        match, key = "s.doc @@ $1::tsquery", "s.claim_id + 0"
        bounds = f"{key} > $3 AND {key} < $4"
        if within is not None:
            bounds += f" AND s.claim_id >= {int(within[0])} AND s.claim_id < {int(within[1])}"
    else:
        match, key = "ts_match_vq(s.doc, $1::tsquery)", "s.claim_id"
        bounds = f"{key} > $3 AND {key} < $4"
    return (
        "SELECT w.claim_id, w.cluster_id, w.own FROM (SELECT s.claim_id, s.cluster_id, "
        f"ts_match_vq(s.doc, $2::tsquery) AS own FROM claim_search s WHERE {match} AND {bounds}"
        + (" AND s.kind = $6" if kind else "")
        + f" ORDER BY {key} DESC LIMIT $5) w ORDER BY w.claim_id DESC"
    )


def _newest_clusters(rows: Sequence[Row], wanted: int) -> list[tuple[int, int]]:
    """(cluster, its newest claim among the rows) for the `wanted` clusters with the newest claims (rows: newest
    first), as GROUP BY cluster ORDER BY max(claim) DESC LIMIT wanted."""
    seen: dict[int, int] = {}
    for r in rows:
        if len(seen) >= wanted:
            break
        seen.setdefault(int(r["cluster_id"]), int(r["claim_id"]))
    return list(seen.items())


class PostgresSearch:
    def __init__(self, db: Db) -> None:
        self._db = db

    async def _window(
        self,
        query: str,
        kind: str | None,
        *,
        also: str | None = None,
        want: int | None = None,
        below: int | None = None,
    ) -> list[Row]:
        """The newest `want` claims matching `query` (of `kind`; ids under `below`), newest first: claim_id,
        cluster_id, and own (whether the claim also matches `also`). The newest _PROBE ids are walked first; the
        rest is read the cheaper way by the rate of matches seen there (module docstring)."""
        want = _SEARCH_WINDOW if want is None else want
        if below is None:
            below = int(await self._db.fetchval("SELECT coalesce(max(claim_id), 0) FROM claim_search")) + 1

        def args(low: int, high: int, n: int) -> tuple[object, ...]:
            return (query, also, low, high, n, kind) if kind else (query, also, low, high, n)

        low = max(0, below - 1 - _PROBE)
        rows = list(await self._db.fetch(_read(kind, gin=False), *args(low, below, want)))
        seen = below - 1 - low  # ids read
        while len(rows) < want and low > 0:
            # ids up to `low` are left; the range they end in holds ids start..low
            rest, rate, start = want - len(rows), len(rows) / seen, (low // PARTITION) * PARTITION
            if rate > 0 and rest / rate <= rate * (low + 1 - start) * _GIN_ROW_COST:
                return rows + await self._db.fetch(_read(kind, gin=False), *args(0, low + 1, rest))
            # through GIN, as many ranges at once as the rate says hold what is wanted (1, 2, 3, 4, 6, 8, 12, …:
            # the statements stay few), every range left when that is most of them or nothing matched yet
            ranges = 0  # every range left
            if rate > 0:
                ranges = 1 + max(0, math.ceil((rest - rate * (low + 1 - start)) / (rate * PARTITION)))
                ranges = next(n for n in _SPANS if n >= ranges)
            first = start - (ranges - 1) * PARTITION
            if ranges == 0 or first <= 0:
                rows += await self._db.fetch(_read(kind, gin=True), *args(0, low + 1, rest))
                break
            within = (first, start + PARTITION)
            rows += await self._db.fetch(
                _read(kind, gin=True, within=within), *args(first - 1, low + 1, rest)
            )
            seen, low = seen + low + 1 - first, first - 1
        return rows

    async def count_clusters(self, match: str, kind: str | None = None) -> tuple[int, bool]:
        """How many clusters match, counted among the newest _SEARCH_WINDOW matching claims; True when the window
        was full, so there may be more."""
        query = tsquery(match)
        if query is None:
            return 0, False
        rows = await self._window(query, kind)
        return len({int(r["cluster_id"]) for r in rows}), len(rows) >= _SEARCH_WINDOW

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
        recently reported first (no ranking function). Each tier reads the newest _SEARCH_WINDOW matches.

        A claim matching the preferred columns matches the whole search too when the search has no NOT, so then
        one window of the whole search tells both tiers apart (each claim marked whether it matches `prefer`): the
        preferred tier's window is the marked claims of it, read further back only when the window was full and
        its marked claims name fewer clusters than wanted."""
        limit, wanted = max(0, limit), offset + max(0, limit)
        everything = tsquery(match)
        preferred = tsquery(f"{prefer} : ({match})") if prefer else None
        tiers: list[list[Row]] = []
        if preferred is not None and everything is not None and "!" not in everything:
            # "!" appears in a tsquery of ours only as NOT: every lexeme is quoted and holds letters and digits
            window = await self._window(everything, kind, also=preferred)
            own = [r for r in window if r["own"]]
            if (
                len(window) >= _SEARCH_WINDOW
                and len(own) < _SEARCH_WINDOW
                and len(_newest_clusters(own, wanted)) < wanted
            ):
                own += await self._window(
                    preferred, kind, want=_SEARCH_WINDOW - len(own), below=int(window[-1]["claim_id"])
                )
            tiers = [own, window]
        found: dict[int, tuple[int, int]] = {}  # cluster → (tier, minus its newest matching claim): sort key
        queries = [preferred, everything] if prefer else [everything]
        for tier, query in enumerate(queries):
            if tier < len(tiers):
                rows = tiers[tier]
            elif query is None:
                continue
            else:
                rows = await self._window(query, kind)
            for cluster_id, newest in _newest_clusters(rows, wanted):
                found.setdefault(cluster_id, (tier, -newest))
            if len(found) >= wanted:
                break
        return await self._hits(sorted(found, key=found.__getitem__)[offset:wanted])

    async def _hits(self, cluster_ids: list[int]) -> list[ClaimHit]:
        """Each cluster with its first _SOURCES_SHOWN claims' articles, in the order given (two queries for all)."""
        if not cluster_ids:
            return []
        clusters = {
            int(r["id"]): r
            for r in await self._db.fetch(
                "SELECT id, kind, label FROM clusters WHERE id = ANY($1::bigint[])", cluster_ids
            )
        }
        claims: dict[int, list[Row]] = {c: [] for c in cluster_ids}
        for r in await self._db.fetch(
            "SELECT k.cluster_id, s.* FROM unnest($1::bigint[]) AS k(cluster_id) CROSS JOIN LATERAL ("
            "SELECT a.source, a.title, a.url, coalesce(a.published_at, a.stored_at) AS seen, c.value, c.status, "
            "c.speaker, a.id AS article_id, c.text, c.direct, c.id FROM claims c "
            "JOIN articles a ON a.id = c.article_id WHERE c.cluster_id = k.cluster_id "
            f"ORDER BY c.id LIMIT {_SOURCES_SHOWN}) s ORDER BY k.cluster_id, s.id",
            cluster_ids,
        ):
            claims[int(r["cluster_id"])].append(r)
        return [self._hit(clusters[c], claims[c]) for c in cluster_ids]

    @staticmethod
    def _hit(cluster: Row, src: list[Row]) -> ClaimHit:
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
