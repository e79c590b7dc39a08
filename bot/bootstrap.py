"""The composition root: the one place that builds adapters — config → store → extractor worker → sink → service,
and the store, extractor and sentence model that single commands use on their own.

Every front end (the `run` loop and the Discord client, `demo`, `ask`, `ingest`, `export`, `extract`, `match`,
`db`) gets its parts from here; nothing else constructs an adapter. The running application and its background
work (polling, delivering) are `bot.app.App`.
"""

from __future__ import annotations

import asyncio
import functools
from pathlib import Path
from typing import TextIO

from aiohttp.abc import AbstractResolver

from bot.adapters import memory, minilm
from bot.adapters.console import ConsoleSink, JsonlSink
from bot.adapters.fetcher import Fetcher
from bot.adapters.meaning import SentenceMeaning
from bot.adapters.postgres import PostgresStore
from bot.adapters.sources import ArticlePages, GuardedFeeds
from bot.adapters.sqlite import SCHEMA_VERSION, SqliteStore
from bot.app import App
from bot.config import Settings
from bot.core.tries import HOUR, Tries
from bot.extractor import Extractor
from bot.extractor.model import DEFAULT_PIPELINE
from bot.extractor.model import verify as verify_pipeline
from bot.service import Claimdesk, ExtractionWorker, Sink

__all__ = [
    "SCHEMA_VERSION",
    "App",
    "bootstrap",
    "console_sink",
    "make_extractor",
    "make_meaning",
    "make_sink",
    "open_store",
    "store_location",
]


def make_sink(settings: Settings) -> Sink:
    if settings.effective_sink == "discord":
        from bot.adapters.discord_sink import DiscordSink  # discord.py loads only for the Discord front end

        return DiscordSink()
    if settings.effective_sink == "jsonl":
        return JsonlSink(settings.jsonl_path)
    return ConsoleSink()


def console_sink(out: TextIO) -> Sink:
    """Alerts printed to `out` (the demo)."""
    return ConsoleSink(out)


AnyStore = SqliteStore | PostgresStore


def store_location(settings: Settings) -> Path | str:
    """Where the settings put the store: a PostgreSQL URL (database.url or $CLAIMDESK_DATABASE), else the SQLite
    file."""
    return settings.database_url or settings.database


async def open_store(database: Path | str, *, lookup: bool = False, upgrade: bool = True) -> AnyStore:
    """The store on its own, for a command that needs nothing else: on a PostgreSQL server when `database` is its
    URL (a str), else in the SQLite file. `lookup`: never create it, and read one that cannot be written;
    `upgrade` False: leave migrations to the caller (`db upgrade`)."""
    if isinstance(database, str):
        return await PostgresStore.open(database, upgrade=upgrade, create=not lookup)
    if lookup:
        return await SqliteStore.open(database, create=False, lookup=True)
    return await SqliteStore.open(database, upgrade=upgrade)


def make_extractor(pipeline: str | None = None) -> Extractor:
    return Extractor(pipeline or DEFAULT_PIPELINE)


def make_meaning() -> SentenceMeaning:
    return SentenceMeaning()


async def bootstrap(
    settings: Settings,
    *,
    sink: Sink | None = None,
    open_feeds: bool = True,
    worker: ExtractionWorker | None = None,
    resolver: AbstractResolver | None = None,
) -> App:
    # before the worker threads start: big buffers mapped on their own, two heap arenas (bot.adapters.memory)
    memory.bound_allocator()
    sink = sink or make_sink(settings)
    if worker is None:
        # a missing or altered pipeline is one clear line now, not a failed poll later (hashing is file I/O: a thread)
        await asyncio.to_thread(verify_pipeline, settings.pipeline)
        worker = ExtractionWorker(functools.partial(Extractor, settings.pipeline))
    # the same for the sentence-embedding model the matcher compares quotes with (loaded on first use)
    await asyncio.to_thread(lambda: minilm.verify(minilm.model_dir()))
    store = await open_store(store_location(settings))
    try:
        await store.sync_teams(settings.teams)
        fetcher = Fetcher(settings.fetch, resolver=resolver)  # one client: feeds and article pages share it
        service = Claimdesk(
            store,
            worker,
            sink,
            feeds=GuardedFeeds(fetcher),
            pages=ArticlePages(fetcher),
            policy=settings.health,
            feed_defaults=settings.feed_defaults,
            team_tries=Tries(settings.fetch.team_tries_per_hour, HOUR),
            meaning=SentenceMeaning(),
        )
        if open_feeds:
            for feed in settings.feeds:
                await service.add_feed(feed)
    except BaseException:
        await store.close()
        raise
    return App(settings, store, service)
