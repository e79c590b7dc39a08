"""/claims <topic>: the figures and quotes on a topic, best match first, each with where it was first reported,
how many sources carry it, and which."""

from __future__ import annotations

import re

from bot.adapters.store import Store
from bot.core.render import shorten
from bot.core.replies import Reply, ReplyItem

_WORD = re.compile(r"\w+", re.UNICODE)
LIMIT = 10


def fts_query(topic: str) -> str | None:
    """User text to a safe FTS5 query: every word must appear (any column), the last may be a prefix.

    Quoting each word means FTS syntax in the input (`kursk"`, `AND`, `NEAR(`, `*`) is searched as words and can
    never be a syntax error.
    """
    words = _WORD.findall(topic)[:12]
    if not words:
        return None
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def _day(iso: str) -> str:
    return iso[:10]


async def claims(store: Store, team: str | None, topic: str) -> Reply:
    query = fts_query(topic)
    if query is None:
        return Reply(
            "Nothing to search for", note="Give a topic in words, for example: /claims kursk", error=True
        )
    hits = await store.search_claims(query, LIMIT)
    if not hits:
        return Reply(
            f"No claims about “{shorten(topic, 80)}” yet",
            note="claimdesk only knows what the watched feeds have brought in so far.",
        )
    items = []
    for h in hits:
        sources = list(dict.fromkeys(s for s, _, _ in h.sources))
        n = len(sources)
        lines = [f"first: {h.first_source}, {_day(h.first_seen)} — “{shorten(h.first_title, 90)}”"]
        if n > 1:
            lines.append(f"{n} sources: {', '.join(sources)}")
        else:
            lines.append("1 source so far")
        kind = "quote" if h.kind == "quote" else "figure"
        items.append(ReplyItem(f"[{kind}] {shorten(h.label, 220)}", tuple(lines), h.first_url))
    return Reply(f"Claims about “{shorten(topic, 80)}” — {len(hits)} shown", tuple(items))
