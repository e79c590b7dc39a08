"""`claimdesk export`'s read: every stored claim with its article, feed and cluster, a page at a time."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import aiosqlite

from bot.adapters.sqlite.db import fetch_all
from bot.core.records import ExportedClaim

EXPORT_PAGE = 1000  # claims `claimdesk export` reads per query


async def export_claims(
    db: aiosqlite.Connection, since: str | None = None, bodies: bool = False, page: int | None = None
) -> AsyncIterator[ExportedClaim]:
    """Every stored claim in claim id order, with its article, feed and cluster's first claim; `since`: only
    claims stored at or after this ISO 8601 UTC time (their article's stored_at: claims are stored with their
    article). Read `page` rows at a time, each page after the last claim id of the one before, so memory stays
    flat in any size of store (default EXPORT_PAGE); claims stored meanwhile with higher ids are read too
    (claims are only added)."""
    page = page or EXPORT_PAGE
    where = "c.id > ? AND a.stored_at >= ?" if since is not None else "c.id > ?"
    after = 0
    while True:
        rows = await fetch_all(
            db,
            "SELECT c.id AS claim_id, a.id AS article_id, f.name AS feed_name, f.url AS feed_url, a.entry_key, "
            "a.url AS link, a.title, a.source, a.published_at, a.alerted, a.stored_at, c.kind, c.text, "
            "c.start_offset, c.end_offset, json_extract(c.data, '$.parts') AS parts, c.direct, c.speaker, "
            "c.value, c.low, c.high, c.unit, c.counted, c.subject, json_extract(c.data, '$.measure') AS measure, "
            "json_extract(c.data, '$.event') AS event, json_extract(c.data, '$.period') AS period, c.status, "
            "c.cluster_id, (SELECT min(first.id) FROM claims first WHERE first.cluster_id = c.cluster_id) AS first_id, "
            + ("a.body, a.summary " if bodies else "NULL AS body, NULL AS summary ")
            + "FROM claims c JOIN articles a ON a.id = c.article_id JOIN feeds f ON f.id = a.feed_id "
            f"WHERE {where} ORDER BY c.id LIMIT ?",
            (after, since, page) if since is not None else (after, page),
        )
        for r in rows:
            yield ExportedClaim(
                claim_id=r["claim_id"],
                article_id=r["article_id"],
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
                parts=tuple((int(a), int(b)) for a, b in json.loads(r["parts"]))
                if r["kind"] == "quote" and r["parts"]
                else None,
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
                cluster_id=r["cluster_id"],
                cluster_first_claim_id=r["first_id"],
                body=r["body"],
                summary=r["summary"],
            )
        if len(rows) < page:
            return
        after = int(rows[-1]["claim_id"])
