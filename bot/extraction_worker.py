"""The extractor off the event loop: spaCy is CPU-bound, and a poll waiting for it must not stall the bot's other
feeds, deliveries or commands. One worker thread runs every extraction, so the model is built (and held) once.

Kept apart from the service because it is about threads and failure isolation, not about feeds: the service
hands it texts and gets back, for each, an Extraction or the error that stopped it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from bot.extractor import Extraction, Extractor

log = logging.getLogger("claimdesk")


class ExtractionWorker:
    """Runs the extractor in one worker thread: spaCy is CPU-bound and must never block the event loop.

    The extractor is built lazily inside that thread, so start-up stays quick and the model is built once.
    """

    def __init__(self, factory: Callable[[], Extractor] = Extractor) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="claimdesk-extract")
        self._factory = factory
        self._extractor: Extractor | None = None

    def _run(self, items: list[tuple[str, str | None]]) -> list[Extraction | str]:
        if self._extractor is None:
            started = time.perf_counter()
            log.debug("extractor: loading its parser pipeline")
            self._extractor = self._factory()
            log.debug("extractor: ready in %.1f s", time.perf_counter() - started)
        try:
            return list(self._extractor.extract_many(items))
        except Exception:  # one bad article must not sink the batch: retry one by one
            out: list[Extraction | str] = []
            for text, title in items:
                try:
                    out.append(self._extractor.extract(text, title))
                except Exception as exc:
                    log.exception("extraction failed for %r", title)
                    out.append(f"{type(exc).__name__}: {exc}")
            return out

    async def extract(self, items: list[tuple[str, str | None]]) -> list[Extraction | str]:
        """One result per item: an Extraction, or the error message when extraction failed."""
        if not items:
            return []
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._run, items)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
