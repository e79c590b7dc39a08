"""/status: what the bot is doing — feeds with their last poll and any error, and the alert queue."""

from __future__ import annotations

from bot.adapters.store import Store
from bot.core.replies import Reply, ReplyItem


async def status(store: Store) -> Reply:
    counts = await store.counts()
    items = []
    for f in await store.feeds():
        if f.url.startswith("import:"):
            continue
        state = "never polled" if f.last_polled_at is None else f"last poll {f.last_polled_at}"
        lines = [f.url, state]
        if f.last_error:
            lines.append(f"failing ({f.failures} in a row): {f.last_error}")
        items.append(ReplyItem(f"{'⚠ ' if f.last_error else ''}{f.name}", tuple(lines)))
    note = (
        f"{counts['articles']} articles, {counts['claims']} claims in {counts['clusters']} clusters; "
        f"alerts: {counts['alerts_sent']} sent, {counts['alerts_pending']} queued "
        f"({counts['alerts_held']} held for quiet hours or an hourly cap); "
        f"{counts['extract_errors']} articles failed extraction"
    )
    return Reply("claimdesk status", tuple(items), note=note)
