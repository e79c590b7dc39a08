"""The composition root: the one place that builds config → store → extractor worker → sink → service.

Every front end (the `run` loop, `demo`, `ask`, `ingest`) gets its parts from here; nothing else constructs
adapters.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from aiohttp.abc import AbstractResolver

from bot.adapters import minilm
from bot.adapters.console import ConsoleSink, JsonlSink
from bot.adapters.fetcher import Fetcher
from bot.adapters.meaning import SentenceMeaning
from bot.adapters.sqlite import SqliteStore
from bot.config import Settings
from bot.core.tries import HOUR, Tries
from bot.extractor import Extractor
from bot.extractor.model import verify as verify_pipeline
from bot.service import Claimdesk, ExtractionWorker, Sink


def make_sink(settings: Settings) -> Sink:
    if settings.effective_sink == "discord":
        from bot.adapters.discord_bot import DiscordSink  # discord.py loads only for the Discord front end

        return DiscordSink()
    if settings.effective_sink == "jsonl":
        return JsonlSink(settings.jsonl_path)
    return ConsoleSink()


@dataclass
class App:
    settings: Settings
    store: SqliteStore
    service: Claimdesk
    closed: bool = False

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.service.worker.close()
            await self.service.fetcher.close()
            await self.store.close()


async def bootstrap(
    settings: Settings,
    *,
    sink: Sink | None = None,
    open_feeds: bool = True,
    worker: ExtractionWorker | None = None,
    resolver: AbstractResolver | None = None,
) -> App:
    sink = sink or make_sink(settings)
    if worker is None:
        # a missing or altered pipeline is one clear line now, not a failed poll later (hashing is file I/O: a thread)
        await asyncio.to_thread(verify_pipeline, settings.pipeline)
        worker = ExtractionWorker(functools.partial(Extractor, settings.pipeline))
    # the same for the sentence-embedding model the matcher compares quotes with (loaded on first use)
    await asyncio.to_thread(lambda: minilm.verify(minilm.model_dir()))
    store = await SqliteStore.open(settings.database)
    try:
        await store.sync_teams(settings.teams)
        service = Claimdesk(
            store,
            worker,
            sink,
            Fetcher(settings.fetch, resolver=resolver),
            settings.health,
            settings.feed_defaults,
            Tries(settings.fetch.team_tries_per_hour, HOUR),
            SentenceMeaning(),
        )
        if open_feeds:
            for feed in settings.feeds:
                await service.add_feed(feed)
    except BaseException:
        await store.close()
        raise
    return App(settings, store, service)
