"""Helpers more than one test module uses: the real `claimdesk` command in a subprocess, and a store of many
matching claims for the lookup-paging tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.core.ports import Store
from tests.conftest import ROOT


def claimdesk(*args: str, cwd: Path = ROOT, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CLAIMDESK_")} | {
        "PYTHONIOENCODING": "utf-8"
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        capture_output=True,
        encoding="utf-8",
        timeout=timeout,
        env=env,
    )


async def harbour_store(path: Path, n: int) -> None:
    """A SQLite store at `path` with `n` one-quote articles whose claims all match "harbour"."""
    from bot.adapters.sqlite import SqliteStore

    store = await SqliteStore.open(path)
    try:
        await harbour_fill(store, n)
    finally:
        await store.close()


async def harbour_fill(store: Store, n: int) -> None:
    """`n` one-quote articles whose claims all match "harbour", written through the store's ports (any adapter)."""
    from bot.config import FeedSettings
    from bot.core.alerts import ArticleInfo
    from bot.core.claims import ClaimDraft
    from bot.core.placing import add_claim
    from bot.core.records import NewArticle

    feed_id = await store.ensure_feed(FeedSettings("f", "/tmp/f.xml", 60, 0))
    for i in range(n):
        text = f"The harbour will reopen on day {i} of the month"
        d = ClaimDraft(
            "quote", text, 0, 10, text, f"q{i}", f"Speaker{i}: “{text}”", {}, speaker=f"Speaker{i}"
        )
        async with store.unit_of_work() as uow:
            aid = await uow.articles.add(
                NewArticle(feed_id, f"g{i}", None, f"T{i}", "S", None, text, "", None, True)
            )
            assert aid is not None
            await add_claim(uow.claims, ArticleInfo(aid, f"T{i}", "S", None, None, "", text), d)
