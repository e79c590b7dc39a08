"""/status: what the bot is doing — feeds with their last poll and any error, and the alert queue."""

from __future__ import annotations

from bot.adapters.store import FeedRow, Store
from bot.core.replies import Reply, ReplyItem


def feed_item(f: FeedRow) -> ReplyItem:
    """One feed's health: where it is read from, its last poll, and why it fails or is paused."""
    state = "never polled" if f.last_polled_at is None else f"last poll {f.last_polled_at}"
    lines = [f.url if not f.fetch_url else f"{f.url} (moved permanently to {f.fetch_url})", state]
    if f.paused_at:
        lines.append(f"PAUSED since {f.paused_at}: {f.paused_reason}; retried now and then")
    elif f.last_error:
        lines.append(f"failing ({f.failures} in a row): {f.last_error}")
    if f.next_poll_at and not f.paused_at:
        lines.append(f"next poll not before {f.next_poll_at}")
    mark = "⏸ " if f.paused_at else "⚠ " if f.last_error else ""
    return ReplyItem(f"{mark}{f.name}", tuple(lines))


async def feeds(store: Store) -> Reply:
    """/feeds list: every feed and its health."""
    items = [feed_item(f) for f in await store.feeds() if not f.url.startswith("import:")]
    paused = sum(1 for f in await store.feeds() if f.paused_at)
    return Reply(
        f"Feeds — {len(items)}" + (f", {paused} paused" if paused else ""),
        tuple(items),
        note="" if items else "No feeds yet.",
    )


async def status(store: Store) -> Reply:
    counts = await store.counts()
    items = []
    for f in await store.feeds():
        if f.url.startswith("import:"):
            continue
        items.append(feed_item(f))
    note = (
        f"{counts['articles']} articles, {counts['claims']} claims in {counts['clusters']} clusters; "
        f"alerts: {counts['alerts_sent']} sent, {counts['alerts_pending']} queued "
        f"({counts['alerts_held']} held for quiet hours or an hourly cap); "
        f"{counts['extract_errors']} articles failed extraction"
    )
    return Reply("claimdesk status", tuple(items), note=note)
