"""/feeds list|add|remove|test: the feeds claimdesk polls.

Feeds from the config file are shared by every team and changed only in the file. A team (a Discord server) may
add its own http(s) feeds — never a local path, and never an address the SSRF guard refuses — and remove them;
it sees the shared feeds and its own, not other teams'. A new feed is tried before it is added, so a typo is
caught at once; its current entries are then stored silently (first add) and only later ones alert.
"""

from __future__ import annotations

from math import ceil
from typing import Annotated

from bot.core.feedrecords import ParsedFeed
from bot.core.records import FeedRow
from bot.core.render import human_time, plural, shorten
from bot.core.replies import Reply, ReplyItem
from bot.core.tries import HOUR, TooManyTries
from bot.errors import FeedError
from handlers.commands import MaxLen, command, group
from handlers.context import Context, FeedReader, caller_team, manages, new_team, refuse

MAX_TEAM_FEEDS = 50
MAX_URL = 2000
FEEDS = group("feeds", "The feeds claimdesk polls", default="list")


def feed_item(f: FeedRow) -> ReplyItem:
    """One feed's health: where it is read from, its last poll, and why it fails or is paused."""
    state = "never polled" if f.last_polled_at is None else f"last poll {human_time(f.last_polled_at)}"
    lines = [f.url if not f.fetch_url else f"{f.url} (moved permanently to {f.fetch_url})", state]
    if f.paused_at:
        lines.append(f"PAUSED since {human_time(f.paused_at)}: {f.paused_reason}; retried now and then")
    elif f.last_error:
        lines.append(f"failing ({plural(f.failures, 'failure')} in a row): {f.last_error}")
    if f.next_poll_at and not f.paused_at:
        lines.append(f"next poll not before {human_time(f.next_poll_at)}")
    lines.append("added by this team" if f.team_id is not None else "shared (config file)")
    mark = "⏸ " if f.paused_at else "⚠ " if f.last_error else ""
    return ReplyItem(f"{mark}{f.name}", tuple(lines))


@command("feeds list", "Every feed with its last poll, errors and pauses")
async def feeds_list(ctx: Context) -> Reply:
    """The shared feeds and the caller's team's own (the CLI operator without a team: the shared ones)."""
    team = await caller_team(ctx) if ctx.caller.team is not None else None
    team_id = team.id if team is not None and not isinstance(team, Reply) else None
    rows = [f for f in await ctx.store.feeds(team_id) if f.listed]
    paused = sum(1 for f in rows if f.paused_at)
    return Reply(
        f"Feeds — {len(rows)}" + (f", {paused} paused" if paused else ""),
        tuple(feed_item(f) for f in rows),
        note="" if rows else "No feeds yet. Add one: /feeds add https://example.org/rss.xml",
    )


def _check(url: str) -> Reply | None:
    """Only http(s) URLs: a team must never make the bot read a file on its machine. Where the URL points is
    the fetcher's SSRF guard's to decide, with the operator's allow-list, when the feed is tried."""
    if len(url) > MAX_URL:
        return refuse(f"A feed URL can be at most {MAX_URL} characters")
    if not url.lower().startswith(("http://", "https://")):
        return refuse(
            "claimdesk will not fetch that URL", f"{shorten(url, 100)}: only http and https URLs are fetched"
        )
    return None


async def _try(url: str, reader: FeedReader | None) -> ParsedFeed | Reply:
    if reader is None:
        return refuse("Trying a feed needs the running bot", "Use this command in Discord or claimdesk run")
    try:
        return await reader(url)
    except TooManyTries as exc:
        times = f"{exc.limit} time{'s' if exc.limit != 1 else ''}"
        span = "hour" if exc.window == HOUR else f"{exc.window / 60:g} minutes"
        return refuse(
            f"This server has had feeds fetched {times} in the last {span}",
            f"claimdesk fetches only so many URLs for one server; try again in {ceil(exc.wait / 60)} min",
        )
    except FeedError as exc:
        return refuse(f"{shorten(url, 100)} does not work as a feed", str(exc))


def _entries(n: int) -> str:
    return f"{n} entr{'y' if n == 1 else 'ies'}"


@command(
    "feeds test",
    "Try a feed URL without adding it",
    example="/feeds test https://example.org/rss.xml",
    manages=True,  # on Discord: it makes the bot fetch a URL, not for every member
    defer="private",
)
async def feeds_test(ctx: Context, url: Annotated[str, MaxLen(MAX_URL)]) -> Reply:
    url = url.strip()
    bad = _check(url)
    if bad:
        return bad
    parsed = await _try(url, ctx.caller.read_feed)
    if isinstance(parsed, Reply):
        return parsed
    items = tuple(
        ReplyItem(shorten(e.title, 200), (e.published or "undated",), e.url) for e in parsed.entries[:5]
    )
    return Reply(
        f"“{shorten(parsed.title or url, 100)}” works: {_entries(len(parsed.entries))}",
        items,
        note="The newest entries are shown. Add it with /feeds add.",
        ephemeral=True,
    )


@command(
    "feeds add",
    "Poll a feed for this server (tried first)",
    example="/feeds add https://example.org/rss.xml",
    defer="private",
)
@manages("Adding feeds needs the Manage Server permission")
async def feeds_add(ctx: Context, url: Annotated[str, MaxLen(MAX_URL)]) -> Reply:
    """Poll `url` for the caller's team, once it has been tried; a caller's first feed makes its team."""
    url = url.strip()
    made = await new_team(ctx, ctx.caller.channel, "start with /watch add <keyword> #channel")
    if isinstance(made, Reply):
        return made
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    bad = _check(url)
    if bad:
        return bad
    store = ctx.store
    if len([f for f in await store.feeds(team.id) if f.team_id == team.id]) >= MAX_TEAM_FEEDS:
        return refuse(f"{ctx.team_name(team.name)} already has {MAX_TEAM_FEEDS} feeds; remove some first")
    already = refuse("That feed is already polled", "Every team's keywords see its articles already.")
    if await store.has_feed(url):  # said before fetching it: no try spent
        return already
    parsed = await _try(url, ctx.caller.read_feed)
    if isinstance(parsed, Reply):
        return parsed
    row = await store.add_team_feed(team.id, url, shorten(parsed.title or url, 100))
    if row is None:  # added by someone else while it was being tried
        return already
    return Reply(
        f"Added “{row.name}”: {_entries(len(parsed.entries))} now",
        note="Its current entries are stored without alerts; new ones alert teams whose keywords they match.",
        ephemeral=True,
    )


@command(
    "feeds remove",
    "Stop polling one of this server's feeds",
    example="/feeds remove https://example.org/rss.xml",
    autocomplete={"feed": "own_feeds"},
)
@manages("Removing feeds needs the Manage Server permission")
async def feeds_remove(ctx: Context, feed: Annotated[str, MaxLen(MAX_URL)]) -> Reply:
    """Stop polling one of the team's own feeds, named by its URL or its name."""
    team = await caller_team(ctx)
    if isinstance(team, Reply):
        return team
    row = await ctx.store.remove_team_feed(team.id, feed.strip())
    if row is None:
        return refuse(
            f"{ctx.team_name(team.name)} has no feed “{shorten(feed, 100)}”", "See them with /feeds list"
        )
    return Reply(
        f"Removed “{row.name}”: it is no longer polled",
        note="Its articles stay in the store.",
        ephemeral=True,
    )
