"""Claims and their clusters: the candidates a new claim is compared with (cluster_index), what matching needs of
each (bounded reads), quote wordings' vectors, and the writes that place a claim. Which cluster a claim joins is
decided outside (bot.core.placing); this only reads and writes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

import aiosqlite

from bot.adapters.sqlite.db import fetch_all, fetch_one, marks, now_iso
from bot.core.alerts import ArticleInfo
from bot.core.claims import ClaimDraft
from bot.core.figure_identity import FigureRef
from bot.core.matching import ClusterValue, ClusterView
from bot.core.records import Candidates, FirstReport

CANDIDATES = 25  # clusters compared per claim, best index overlap first
PER_KEY = 200  # newest clusters one index key reaches (older ones are a story's past, not its news)
WORDINGS = 5  # wordings a quote cluster keeps to match later paraphrases against
VALUES = 20  # distinct values of a figure cluster that matching compares against (the first ones reported;
# table cluster_values keeps just these, and migration V9 says 20 too)
_THING_FIELDS = frozenset(FigureRef.__dataclass_fields__)


def thing_ref(stored: Mapping[str, Any]) -> FigureRef:
    """A cluster's measured thing as stored (JSON of a FigureRef; fields added since are left at their default)."""
    return FigureRef(**{k: v for k, v in stored.items() if k in _THING_FIELDS})


def text_id(text: str) -> int:
    """A wording's key in quote_vectors: 64 bits of its SHA-1, as SQLite's signed integer."""
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:8], "big", signed=True)


class SqliteClaims:
    """Used inside a unit of work. Search rows are collected and written as the transaction's last writes
    (`flush_search`, which the unit of work calls before it commits): FTS5 flushes the rows it holds to a new
    index segment whenever a later statement of the transaction opens a statement savepoint — every INSERT INTO
    claims or clusters does — so a claim's row written between the next claim's writes costs one segment per
    claim; written last, an article's rows are one segment."""

    def __init__(self, db: aiosqlite.Connection) -> None:
        self._db = db
        self._search: list[tuple[Any, ...]] = []

    async def lock(self, keys: Sequence[str]) -> None:
        """Nothing to do: the unit of work holds the file's one write lock (BEGIN IMMEDIATE)."""

    async def candidates(self, kind: str, keys: Sequence[str], exact_key: str, article_id: int) -> Candidates:
        """The clusters a new claim is compared with, at most CANDIDATES of them so the cost does not grow with the
        store: the cluster founded under its exact key first (if any), then those sharing the most index keys."""
        exact = await fetch_one(
            self._db, "SELECT id FROM clusters WHERE kind = ? AND key = ?", (kind, exact_key)
        )
        ids = [int(exact["id"])] if exact else []
        if keys:
            # each key reaches its newest PER_KEY clusters only (a backward range scan of the primary key): a key
            # shared by 80,000 clusters ("soldiers", a prolific speaker's common word) costs what a rare one does
            per_key = " UNION ALL ".join(
                "SELECT * FROM (SELECT cluster_id FROM cluster_index WHERE key = ? "
                f"ORDER BY cluster_id DESC LIMIT {PER_KEY})"
                for _ in keys
            )
            rows = await fetch_all(
                self._db,
                f"SELECT cluster_id FROM ({per_key}) GROUP BY cluster_id "
                f"ORDER BY COUNT(*) DESC, cluster_id DESC LIMIT {CANDIDATES}",  # ties: the most recent first
                keys,
            )
            ids += [int(r["cluster_id"]) for r in rows if int(r["cluster_id"]) not in ids]
        return Candidates(await self.views(ids, article_id), exact is not None)

    async def views(self, ids: Sequence[int], article_id: int) -> list[ClusterView]:
        """What matching needs of each cluster, in `ids` order, at a cost that does not grow with the clusters:
        their first VALUES distinct values (table cluster_values: the first claim at each) and whether
        `article_id` already carries them, not every claim they hold. Three queries for all the candidates."""
        if not ids:
            return []
        rows = {
            int(r["id"]): r
            for r in await fetch_all(
                self._db,
                f"SELECT id, kind, speaker, texts, thing FROM clusters WHERE id IN ({marks(len(ids))})",
                ids,
            )
        }
        figures = [i for i in ids if rows[i]["kind"] == "figure"]
        values: dict[int, list[ClusterValue]] = {i: [] for i in figures}
        if figures:
            for r in await fetch_all(
                self._db,
                "SELECT v.cluster_id, v.value, cl.data, a.source, cl.article_id, cl.low, cl.high, "
                "coalesce(a.published_at, a.stored_at) AS seen FROM cluster_values v "
                "JOIN claims cl ON cl.id = v.claim_id JOIN articles a ON a.id = cl.article_id "
                f"WHERE v.cluster_id IN ({marks(len(figures))}) ORDER BY v.claim_id",
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
            for r in await fetch_all(
                self._db,
                f"SELECT DISTINCT cluster_id FROM claims WHERE article_id = ? AND cluster_id IN ({marks(len(ids))})",
                (article_id, *ids),
            )
        }
        views = []
        for i in ids:
            r = rows[i]
            views.append(
                ClusterView(
                    id=i,
                    kind=str(r["kind"]),
                    speaker=r["speaker"],
                    texts=tuple(json.loads(r["texts"])),
                    thing=thing_ref(json.loads(r["thing"])) if r["thing"] else None,
                    values=tuple(values.get(i, ())),
                    article_ids=frozenset({article_id} if i in here else ()),
                )
            )
        return views

    async def vectors(self, texts: Sequence[str]) -> dict[str, bytes]:
        """The stored vectors of these wordings (quote_vectors), by wording; the ones never embedded are absent."""
        ids = {text_id(t): t for t in texts}
        if not ids:
            return {}
        rows = await fetch_all(
            self._db, f"SELECT id, vector FROM quote_vectors WHERE id IN ({marks(len(ids))})", list(ids)
        )
        return {ids[int(r["id"])]: bytes(r["vector"]) for r in rows}

    async def add_vectors(self, vectors: Mapping[str, bytes]) -> None:
        await self._db.executemany(
            "INSERT OR IGNORE INTO quote_vectors (id, vector) VALUES (?, ?)",
            [(text_id(t), v) for t, v in vectors.items()],
        )

    async def found_cluster(
        self, article: ArticleInfo, c: ClaimDraft, key: str, figure: FigureRef | None
    ) -> int:
        """A new cluster with this claim as its first (a quote keeps its wording, a figure its measured thing)."""
        row = await fetch_one(
            self._db,
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
        )
        assert row is not None
        return int(row["id"])

    async def first_report(self, cluster_id: int) -> FirstReport:
        row = await fetch_one(
            self._db,
            "SELECT a.source, a.title, c.first_seen_at FROM clusters c JOIN articles a ON a.id = c.first_article_id "
            "WHERE c.id = ?",
            (cluster_id,),
        )
        assert row is not None
        return FirstReport(row["source"], row["title"], row["first_seen_at"])

    async def add_wording(self, cluster_id: int, text: str) -> bool:
        """Keep a new wording of a quote cluster while it has fewer than WORDINGS; True when kept."""
        row = await fetch_one(self._db, "SELECT texts FROM clusters WHERE id = ?", (cluster_id,))
        texts: list[str] = json.loads(row["texts"]) if row else []
        if len(texts) >= WORDINGS or text in texts:
            return False
        await self._db.execute(
            "UPDATE clusters SET texts = ? WHERE id = ?",
            (json.dumps([*texts, text], ensure_ascii=False), cluster_id),
        )
        return True

    async def index(self, cluster_id: int, keys: Sequence[str]) -> None:
        """Find the cluster by these keys from now on."""
        if keys:
            await self._db.executemany(
                "INSERT OR IGNORE INTO cluster_index (key, cluster_id) VALUES (?, ?)",
                [(k, cluster_id) for k in keys],
            )

    async def insert_claim(self, article: ArticleInfo, c: ClaimDraft, cluster_id: int, status: str) -> int:
        """The claim in its cluster (a figure's value among the cluster's first VALUES, if it is one), its search
        row queued for `flush_search`; returns its id."""
        row = await fetch_one(
            self._db,
            "INSERT INTO claims (article_id, cluster_id, kind, text, start_offset, end_offset, speaker, direct, "
            "value, low, high, unit, counted, subject, context, data, status) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                article.id,
                cluster_id,
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
                status,
            ),
        )
        assert row is not None
        claim_id = int(row["id"])
        if c.kind == "figure" and c.value is not None:
            await self._db.execute(
                "INSERT OR IGNORE INTO cluster_values (cluster_id, value, claim_id) SELECT ?, ?, ? "
                f"WHERE (SELECT count(*) FROM cluster_values WHERE cluster_id = ?) < {VALUES}",
                (cluster_id, c.value, claim_id, cluster_id),
            )
        self._search.append((claim_id, c.label, c.speaker or "", c.subject or "", article.title, c.context))
        return claim_id

    async def flush_search(self) -> None:
        """Write the search rows of the claims inserted so far (the unit of work calls it before committing)."""
        rows, self._search = self._search, []
        if rows:
            await self._db.executemany(
                "INSERT INTO claim_search (rowid, text, speaker, subject, title, context) VALUES (?, ?, ?, ?, ?, ?)",
                rows,
            )
