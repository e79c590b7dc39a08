"""/status: what the bot is doing — feeds with their last poll and any error, and the alert queue."""

from __future__ import annotations

from bot.core.render import human_time
from bot.core.replies import Reply, ReplyItem
from handlers.commands import command
from handlers.context import Context
from handlers.feeds import feed_item


@command("status", "Feeds, paused routes, and the alert queue", defer="public")  # counting may take a moment
async def status(ctx: Context) -> Reply:
    """A team sees the shared feeds and its own, not other teams'."""
    store = ctx.store
    team = await store.team(ctx.caller.team) if ctx.caller.team else None
    team_id = team.id if team else None
    counts = await store.counts()
    items = []
    for f in await store.feeds(team_id):
        if f.listed:
            items.append(feed_item(f))
    for channel, since, reason, retry in await store.paused_routes(team_id):
        items.append(
            ReplyItem(
                f"⏸ route {ctx.channel_name(channel)}",
                (
                    f"paused since {human_time(since)}: {reason}",
                    f"its alerts are kept; next try {human_time(retry)}",
                ),
            )
        )
    note = (
        f"{counts['articles']} articles, {counts['claims']} claims in {counts['clusters']} clusters; "
        f"alerts: {counts['alerts_sent']} sent, {counts['alerts_pending']} queued "
        f"({counts['alerts_held']} held for quiet hours or an hourly cap); "
        f"{counts['messages_rejected']} messages rejected by the chat service (see the log); "
        f"{counts['extract_errors']} articles failed extraction"
    )
    return Reply("claimdesk status", tuple(items), note=note)
