"""`claimdesk run` (poll on schedule and deliver, or `--once`), `discord sync`, and `demo`."""

from __future__ import annotations

import asyncio
import logging
import signal
import tempfile
from pathlib import Path
from typing import Any, TextIO

from bot.adapters.feeds import FeedEntry
from bot.bootstrap import bootstrap, console_sink
from bot.config import TOKEN_ENV, FeedSettings, Settings, TeamSettings
from bot.core.ports import Store
from bot.core.render import render_reply
from bot.errors import UserError
from bot.service import oldest_first
from handlers import Caller, dispatch

log = logging.getLogger("claimdesk")


async def run(settings: Settings, once: bool = False) -> int:
    discord_sink = settings.effective_sink == "discord"
    if discord_sink and not settings.discord_token:
        raise UserError(f'{settings.source}: sink = "discord" needs the bot token in ${TOKEN_ENV}')
    app = await bootstrap(settings)
    service = app.service
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if discord_sink and not once:
            from bot.adapters.discord_bot import DiscordSink, run_discord

            assert isinstance(service.sink, DiscordSink) and settings.discord_token
            await _hold_shards(app.store, settings)
            await run_discord(app, service.sink, settings.discord_token, stop)
            return 0
        if once:
            # every feed at once, as the scheduler fires them (the service bounds polls and requests per host);
            # Ctrl-C / SIGTERM stop it as they stop `run`
            feeds = [*settings.feeds, *await service.team_feeds()]
            polls = asyncio.gather(*(service.poll(f) for f in feeds), return_exceptions=True)
            stopped = asyncio.ensure_future(stop.wait())
            waiting: set[asyncio.Future[Any]] = {polls, stopped}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if stop.is_set():
                log.info("stopping: in-flight polls, the outbox, and the database")
                await service.drain()
            for failed in await polls:
                if isinstance(failed, BaseException) and not isinstance(failed, asyncio.CancelledError):
                    log.error("a poll failed unexpectedly: %r", failed)
            await service.deliver_pending()
            return 0
        app.start()
        log.info(
            "claimdesk running: %d feed(s), %d team(s), sink %s, store %s. Ctrl-C stops.",
            len(settings.feeds),
            len(settings.teams),
            service.sink.name,
            settings.database_name,
        )
        await stop.wait()
        log.info("stopping: scheduler first, then in-flight polls, the outbox, and the database")
        await app.stop()
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await app.close()
        log.info("claimdesk stopped cleanly")


async def _hold_shards(store: Store, settings: Settings) -> None:
    """Two processes connecting one shard would knock each other off Discord's gateway in turn: each process
    marks its shards in the store it shares with the others, and a shard another process holds is refused."""
    shards = settings.discord
    if shards.shard_count is None:
        return
    ids = shards.shard_ids if shards.shard_ids is not None else range(shards.shard_count)
    taken = await store.hold_shards(list(ids))
    if taken:
        raise UserError(
            f"{settings.source}: discord shard {', '.join(map(str, taken))} is already connected by another "
            "claimdesk process on this database; give each process its own [discord] shard_ids"
        )


async def discord_sync(settings: Settings, out: TextIO) -> int:
    if not settings.discord_token:
        raise UserError(f"claimdesk discord sync needs the bot token in ${TOKEN_ENV}")
    from bot.adapters.discord_bot import sync_global

    app = await bootstrap(settings, open_feeds=False)
    try:
        n = await sync_global(app, settings.discord_token)
    finally:
        await app.close()
    out.write(f"published {n} commands to every server (Discord may take up to an hour to show them)\n")
    return 0


def seeds_dir() -> Path:
    here = Path(__file__).resolve().parents[2] / "seeds"
    for candidate in (Path.cwd() / "seeds", here):
        if (candidate / "feed.xml").is_file():
            return candidate
    raise UserError(f"cannot find the seeds folder (looked in ./seeds and {here})")


async def demo(out: TextIO) -> int:
    feed_path = seeds_dir() / "feed.xml"
    with tempfile.TemporaryDirectory(prefix="claimdesk-demo-") as tmp:
        settings = Settings(
            source=Path("<demo>"),
            database=Path(tmp) / "demo.db",
            sink="console",
            jsonl_path=Path(tmp) / "alerts.jsonl",
            discord_token=None,
            feeds=(FeedSettings("seeds", str(feed_path), 300, 100),),
            teams=(
                TeamSettings(
                    "desk",
                    "console",
                    ("kursk", "north korea"),
                    ("summary", "new_figure", "new_quote", "conflicting_figure"),
                ),
            ),
            jitter=0,
            misfire_grace=60,
        )
        app = await bootstrap(settings, sink=console_sink(out))
        try:
            parsed = await app.service.read_feed(str(feed_path))
            feed_id = app.service.feed_ids[str(feed_path)]
            out.write("claimdesk demo — one story, two outlets: North Korean troops in Kursk\n")
            out.write(f"A fresh store ({settings.database}); team “desk” watches: kursk, north korea.\n")
            out.write("The seed articles arrive in publication order; every alert they raise follows.\n\n")
            for n, entry in enumerate(oldest_first(parsed.entries), 1):
                _article_header(out, n, entry)
                report = await app.service.ingest(feed_id, [entry])
                sent = await app.service.deliver_pending()
                out.write(
                    f"   ({report.claims} claims stored, {sent} alerts)\n\n"
                    if sent
                    else f"   ({report.claims} claims stored, no alerts)\n\n"
                )
            out.write("═" * 100 + '\n$ claimdesk ask "/claims kursk"\n\n')
            out.write(render_reply(await dispatch(app.store, Caller(team="desk"), "/claims kursk")) + "\n")
        finally:
            await app.close()
    return 0


def _article_header(out: TextIO, n: int, entry: FeedEntry) -> None:
    when = (entry.published or "")[:16].replace("T", " ")
    out.write("═" * 100 + "\n")
    out.write(f"ARTICLE {n} · {entry.source} · {when} UTC\n“{entry.title}”\n")
    out.write("═" * 100 + "\n\n")
