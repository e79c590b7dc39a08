"""`claimdesk export`'s read on PostgreSQL: every stored claim with its article, feed and cluster, a page at a
time (bot.adapters.sqlite.export, the same order and paging)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from bot.adapters.postgres.db import Db
from bot.adapters.sqlite.export import EXPORT_PAGE
from bot.core.records import ExportedClaim


async def export_claims(
    db: Db, since: str | None = None, bodies: bool = False, page: int | None = None
) -> AsyncIterator[ExportedClaim]:
    """Every stored claim in claim id order; `since`: only claims whose article was stored at or after this ISO
    8601 UTC time. Read `page` rows at a time, each page after the last claim id of the one before."""
    page = page or EXPORT_PAGE
    where = "c.id > $1 AND a.stored_at >= $3" if since is not None else "c.id > $1"
    after = 0
    while True:
        rows = await db.fetch(
            "SELECT c.id AS claim_id, a.id AS article_id, f.name AS feed_name, f.url AS feed_url, a.entry_key, "
            "a.url AS link, a.title, a.source, a.published_at, a.alerted, a.stored_at, c.kind, c.text, "
            "c.start_offset, c.end_offset, (c.data::jsonb -> 'parts')::text AS parts, c.direct, c.speaker, "
            "c.value, c.low, c.high, c.unit, c.counted, c.subject, c.data::jsonb ->> 'measure' AS measure, "
            "c.data::jsonb ->> 'event' AS event, c.data::jsonb ->> 'period' AS period, c.status, "
            "c.cluster_id, (SELECT min(first.id) FROM claims first WHERE first.cluster_id = c.cluster_id) AS first_id, "
            + ("a.body, a.summary " if bodies else "NULL AS body, NULL AS summary ")
            + "FROM claims c JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id "
            f"WHERE {where} ORDER BY c.id LIMIT $2",
            *((after, page, since) if since is not None else (after, page)),
        )
        for r in rows:
            parts = json.loads(r["parts"]) if r["parts"] else None
            yield ExportedClaim(
                claim_id=int(r["claim_id"]),
                article_id=int(r["article_id"]),
                feed_name=r["feed_name"],
                feed_url=r["feed_url"],
                entry_key=r["entry_key"],
                link=r["link"],
                title=r["title"],
                source=r["source"],
                published=r["published_at"],
                alerted=bool(r["alerted"]),
                stored_at=r["stored_at"],
                kind=r["kind"],
                text=r["text"],
                start=r["start_offset"],
                end=r["end_offset"],
                parts=tuple((int(a), int(b)) for a, b in parts) if r["kind"] == "quote" and parts else None,
                direct=None if r["direct"] is None else bool(r["direct"]),
                speaker=r["speaker"],
                value=r["value"],
                low=r["low"],
                high=r["high"],
                unit=r["unit"],
                counted=r["counted"],
                subject=r["subject"],
                measure=r["measure"],
                event=r["event"],
                period=r["period"],
                status=r["status"],
                cluster_id=int(r["cluster_id"]),
                cluster_first_claim_id=int(r["first_id"]),
                body=r["body"],
                summary=r["summary"],
            )
        if len(rows) < page:
            return
        after = int(rows[-1]["claim_id"])
