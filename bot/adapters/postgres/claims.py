"""Claims and their clusters on PostgreSQL (bot.adapters.sqlite.claims, the same bounds and rules): candidates
through cluster_index, what matching needs of each, quote wordings' vectors, and the writes that place a claim.
A claim's search document is written with it (no FTS5 segments to spare here)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict

from bot.adapters.postgres.db import Db, lock_keys, now_iso
from bot.adapters.postgres.fts import document
from bot.adapters.sqlite.claims import CANDIDATES, PER_KEY, VALUES, WORDINGS, text_id, thing_ref
from bot.core.alerts import ArticleInfo
from bot.core.claims import ClaimDraft
from bot.core.figure_identity import FigureRef
from bot.core.matching import ClusterValue, ClusterView
from bot.core.records import Candidates, FirstReport


class PostgresClaims:
    """Used inside a unit of work."""

    def __init__(self, db: Db) -> None:
        self._db = db
        self.newest = 0  # the highest claim id added here (the store adds claim_search's ranges ahead)

    async def lock(self, keys: Sequence[str]) -> None:
        """Hold the candidate keys of an article's claims until the unit of work ends (transaction advisory
        locks, in sorted order): another process placing a claim under one of them waits for this commit, then
        reads the clusters it made."""
        await lock_keys(self._db, [f"cluster:{k}" for k in keys])

    async def candidates(self, kind: str, keys: Sequence[str], exact_key: str, article_id: int) -> Candidates:
        """At most CANDIDATES clusters: the one founded under the exact key first (if any), then those sharing the
        most index keys (each key reaching its newest PER_KEY clusters; ties: the most recent first)."""
        exact = await self._db.fetchval(
            "SELECT id FROM clusters WHERE kind = $1 AND key = $2", kind, exact_key
        )
        ids = [int(exact)] if exact is not None else []
        if keys:
            rows = await self._db.fetch(
                "SELECT i.cluster_id FROM unnest($1::text[]) AS k(key) CROSS JOIN LATERAL ("
                "SELECT cluster_id FROM cluster_index WHERE key = k.key "
                f"ORDER BY cluster_id DESC LIMIT {PER_KEY}) i "
                f"GROUP BY i.cluster_id ORDER BY count(*) DESC, i.cluster_id DESC LIMIT {CANDIDATES}",
                list(keys),
            )
            ids += [int(r["cluster_id"]) for r in rows if int(r["cluster_id"]) not in ids]
        return Candidates(await self.views(ids, article_id), exact is not None)

    async def views(self, ids: Sequence[int], article_id: int) -> list[ClusterView]:
        """What matching needs of each cluster, in `ids` order: its first VALUES distinct values and whether
        `article_id` already carries it. Three queries for all the candidates."""
        if not ids:
            return []
        rows = {
            int(r["id"]): r
            for r in await self._db.fetch(
                "SELECT id, kind, speaker, texts, thing FROM clusters WHERE id = ANY($1::bigint[])", list(ids)
            )
        }
        figures = [i for i in ids if rows[i]["kind"] == "figure"]
        values: dict[int, list[ClusterValue]] = {i: [] for i in figures}
        if figures:
            for r in await self._db.fetch(
                "SELECT v.cluster_id, v.value, cl.data, a.source, cl.article_id, cl.low, cl.high, "
                "coalesce(a.published_at, a.stored_at) AS seen FROM cluster_values v "
                "JOIN claims cl ON cl.id = v.claim_id JOIN articles a ON a.id = cl.article_id "
                "WHERE v.cluster_id = ANY($1::bigint[]) ORDER BY v.claim_id",
                figures,
            ):
                approx = json.loads(r["data"]).get("approx") is not None
                values[int(r["cluster_id"])].append(
                    ClusterValue(
                        float(r["value"]),
                        approx,
                        str(r["source"]),
                        int(r["article_id"]),
                        r["low"],
                        r["high"],
                        r["seen"],
                    )
                )
        here = {
            int(r["cluster_id"])
            for r in await self._db.fetch(
                "SELECT DISTINCT cluster_id FROM claims WHERE article_id = $1 AND cluster_id = ANY($2::bigint[])",
                article_id,
                list(ids),
            )
        }
        return [
            ClusterView(
                id=i,
                kind=str(rows[i]["kind"]),
                speaker=rows[i]["speaker"],
                texts=tuple(json.loads(rows[i]["texts"])),
                thing=thing_ref(json.loads(rows[i]["thing"])) if rows[i]["thing"] else None,
                values=tuple(values.get(i, ())),
                article_ids=frozenset({article_id} if i in here else ()),
            )
            for i in ids
        ]

    async def vectors(self, texts: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of these wordings, by wording; the ones never embedded are absent."""
        ids = {text_id(t): t for t in texts}
        if not ids:
            return {}
        rows = await self._db.fetch(
            "SELECT id, vector FROM quote_vectors WHERE id = ANY($1::bigint[])", list(ids)
        )
        return {ids[int(r["id"])]: bytes(r["vector"]) for r in rows}

    async def add_vectors(self, vectors: Mapping[str, bytes]) -> None:
        await self._db.executemany(
            "INSERT INTO quote_vectors (id, vector) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            [(text_id(t), v) for t, v in vectors.items()],
        )

    async def found_cluster(
        self, article: ArticleInfo, c: ClaimDraft, key: str, figure: FigureRef | None
    ) -> int:
        """A new cluster with this claim as its first (a quote keeps its wording, a figure its measured thing)."""
        cluster_id = await self._db.fetchval(
            "INSERT INTO clusters (kind, key, label, first_article_id, first_seen_at, speaker, texts, thing) "
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
            c.kind,
            key,
            c.label,
            article.id,
            article.published or now_iso(),
            c.speaker,
            json.dumps([c.text] if c.kind == "quote" else [], ensure_ascii=False),
            json.dumps(asdict(figure)) if figure else None,
        )
        return int(cluster_id)

    async def first_report(self, cluster_id: int) -> FirstReport:
        row = await self._db.fetchrow(
            "SELECT a.source, a.title, c.first_seen_at FROM clusters c JOIN articles a ON a.id = c.first_article_id "
            "WHERE c.id = $1",
            cluster_id,
        )
        assert row is not None
        return FirstReport(row["source"], row["title"], row["first_seen_at"])

    async def add_wording(self, cluster_id: int, text: str) -> bool:
        """Keep a new wording of a quote cluster while it has fewer than WORDINGS; True when kept."""
        # the row is locked as it is read: another process adding a wording waits, then reads this one's
        stored = await self._db.fetchval(
            "SELECT texts FROM clusters WHERE id = $1 FOR NO KEY UPDATE", cluster_id
        )
        texts: list[str] = json.loads(stored) if stored is not None else []
        if len(texts) >= WORDINGS or text in texts:
            return False
        await self._db.execute(
            "UPDATE clusters SET texts = $1 WHERE id = $2",
            json.dumps([*texts, text], ensure_ascii=False),
            cluster_id,
        )
        return True

    async def index(self, cluster_id: int, keys: Sequence[str]) -> None:
        """Find the cluster by these keys from now on."""
        if keys:
            await self._db.executemany(
                "INSERT INTO cluster_index (key, cluster_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                [(k, cluster_id) for k in keys],
            )

    async def insert_claim(self, article: ArticleInfo, c: ClaimDraft, cluster_id: int, status: str) -> int:
        """The claim in its cluster (a figure's value among the cluster's first VALUES, if it is one) and its
        search document; returns its id."""
        claim_id = int(
            await self._db.fetchval(
                "INSERT INTO claims (article_id, cluster_id, kind, text, start_offset, end_offset, speaker, direct, "
                "value, low, high, unit, counted, subject, context, data, status) "
                "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) RETURNING id",
                article.id,
                cluster_id,
                c.kind,
                c.text,
                c.start,
                c.end,
                c.speaker,
                c.direct,
                c.value,
                c.low,
                c.high,
                c.unit,
                c.counted,
                c.subject,
                c.context,
                json.dumps(c.data, ensure_ascii=False),
                status,
            )
        )
        if c.kind == "figure" and c.value is not None:
            # the cluster's row locked: two processes never both add its last value that fits
            await self._db.execute("SELECT 1 FROM clusters WHERE id = $1 FOR NO KEY UPDATE", cluster_id)
            await self._db.execute(
                "INSERT INTO cluster_values (cluster_id, value, claim_id) SELECT $1::bigint, $2::float8, $3::bigint "
                f"WHERE (SELECT count(*) FROM cluster_values WHERE cluster_id = $1::bigint) < {VALUES} "
                "ON CONFLICT DO NOTHING",
                cluster_id,
                c.value,
                claim_id,
            )
        doc = document(
            [
                ("text", c.label),
                ("speaker", c.speaker or ""),
                ("subject", c.subject or ""),
                ("title", article.title),
                ("context", c.context),
            ]
        )
        await self._db.execute(
            "INSERT INTO claim_search (claim_id, doc, cluster_id, kind) VALUES ($1, $2::tsvector, $3, $4)",
            claim_id,
            doc,
            cluster_id,
            c.kind,
        )
        self.newest = max(self.newest, claim_id)
        return claim_id
