"""Three `claimdesk run` processes on one PostgreSQL database (issue 19), proven with SIGKILL: 200 feeds served on
127.0.0.1, new articles appearing on them round after round (some the same wire story in two feeds), one process
killed mid-cycle and started again, twice. In the end every article is stored once, every alert is delivered
exactly once (the three share one JSON-lines file, which refuses a key already written), and every feed was
polled on schedule by one of them — about once an interval, not once a process.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import random
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from tests.conftest import ROOT, rss
from tests.e2e.test_crash import _article

FEEDS = 200
PROCESSES = 3
INTERVAL = 10  # seconds between polls of a feed (the config's least)
ROUNDS = 5  # rounds of new articles, ROUND_SECONDS apart
ROUND_SECONDS = 6
NEW_PER_ROUND = 24  # of them WIRE_PER_ROUND also appear in a second feed
WIRE_PER_ROUND = 4
SETTLE = 45  # seconds the processes get to store and deliver everything after the last round


class Feeds:
    """200 RSS feeds whose items grow round by round; ETag and 304 as a real server's; every request's time."""

    def __init__(self) -> None:
        self.items: dict[int, list[dict[str, str]]] = {i: [] for i in range(FEEDS)}
        self.hits: dict[int, list[float]] = {i: [] for i in range(FEEDS)}
        self.stories = 0
        self.rng = random.Random(19)

    def add_round(self) -> None:
        for _ in range(NEW_PER_ROUND):
            n = self.stories
            self.stories += 1
            item = _article(self.rng, n) | {"guid": f"story-{n}", "link": f"https://wire.test/story/{n}"}
            feeds = self.rng.sample(range(FEEDS), 2 if n % NEW_PER_ROUND < WIRE_PER_ROUND else 1)
            for f in feeds:
                self.items[f].append(item)

    async def handle(self, request: web.Request) -> web.Response:
        i = int(request.match_info["n"])
        self.hits[i].append(time.monotonic())
        etag = f'"{i}-{len(self.items[i])}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        body = rss(list(self.items[i]), f"Feed {i}")
        return web.Response(body=body, headers={"Content-Type": "application/rss+xml", "ETag": etag})


@pytest.fixture
async def served() -> AsyncIterator[tuple[str, Feeds]]:
    feeds = Feeds()
    app = web.Application()
    app.router.add_get("/f{n}.xml", feeds.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", feeds
    finally:
        await runner.cleanup()


def _config(folder: Path, base: str, url: str, n: int) -> Path:
    path = folder / f"claimdesk-{n}.toml"
    text = (
        f'sink = "jsonl"\n[database]\nurl = "{url}"\n[jsonl]\npath = "{folder / "alerts.jsonl"}"\n'
        f'[fetch]\nallow = ["127.0.0.1"]\nper_host = 20\n[poll]\ninterval = {INTERVAL}\njitter = 1\n'
        '[[teams]]\nname = "desk"\nchannel = "newsroom"\nkeywords = ["kursk"]\n'
        'alerts = ["summary", "new_figure", "new_quote", "conflicting_figure", "corroboration"]\n'
    )
    for i in range(FEEDS):
        text += f'[[feeds]]\nname = "feed {i}"\nurl = "{base}/f{i}.xml"\nbackfill = 1000\nmax_age_hours = 0\n'
    path.write_text(text, encoding="utf-8")
    return path


async def _start(config: Path, log: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMDESK_DISCORD_TOKEN", "CLAIMDESK_DATABASE")}
    with log.open("ab") as out:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", "-c", str(config), cwd=ROOT, env=env, stdout=out, stderr=out
        )


async def _count(db: asyncpg.Connection, sql: str) -> int:
    try:
        return int(await db.fetchval(sql))
    except asyncpg.UndefinedTableError:  # the first process is still making the schema
        return 0


def _delivered(path: Path) -> list[str]:
    refs: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        payload = json.loads(line)["payload"]
        refs += [a["ref"] for a in payload["alerts"]] if payload["kind"] == "digest" else [payload["ref"]]
    return refs


async def test_three_processes_one_killed_twice_store_once_deliver_once_and_poll_every_feed(
    tmp_path: Path, served: tuple[str, Feeds], pg_url: str
) -> None:
    base, feeds = served
    feeds.add_round()
    configs = [_config(tmp_path, base, pg_url, n) for n in range(PROCESSES)]
    logs = [tmp_path / f"run-{n}.log" for n in range(PROCESSES)]
    started = time.monotonic()
    procs = [await _start(configs[n], logs[n]) for n in range(PROCESSES)]
    db = await asyncpg.connect(pg_url)
    kills: list[tuple[int, int]] = []  # (process, articles stored when it was killed)
    try:
        for r in range(1, ROUNDS + 1):
            target = feeds.stories
            stored_before = await _count(db, "SELECT count(*) FROM articles")
            if r in (3, 5):  # kill one process mid-cycle: once this round's articles are being stored
                deadline = time.monotonic() + 2 * INTERVAL
                while time.monotonic() < deadline:
                    if stored_before < await _count(db, "SELECT count(*) FROM articles") < target:
                        break
                    await asyncio.sleep(0.01)
                victim = r // 2 - 1  # the first process, then the second
                stored = await _count(db, "SELECT count(*) FROM articles")
                procs[victim].send_signal(signal.SIGKILL)
                assert await procs[victim].wait() == -signal.SIGKILL
                kills.append((victim, stored))
                procs[victim] = await _start(configs[victim], logs[victim])
            await asyncio.sleep(ROUND_SECONDS)
            if r < ROUNDS:
                feeds.add_round()
        # everything the feeds carry gets stored and delivered
        deadline = time.monotonic() + SETTLE
        # entry keys: each story once a feed that carries it (a wire story twice)
        carried = sum(len(items) for items in feeds.items.values())
        while time.monotonic() < deadline:
            stored = await _count(db, "SELECT count(*) FROM articles")
            unsent = await _count(db, "SELECT count(*) FROM alerts WHERE sent_at IS NULL")
            # and every feed has polled its last round: the second feed of a wire story records its key then
            seen = await _count(db, "SELECT count(*) FROM entry_keys")
            if stored == feeds.stories and unsent == 0 and seen == carried:
                break
            await asyncio.sleep(0.5)
        ended = time.monotonic()
        assert all(p.returncode is None for p in procs), "a process exited early"
        for p in procs:
            p.send_signal(signal.SIGTERM)
        assert [await asyncio.wait_for(p.wait(), 30) for p in procs] == [0] * PROCESSES

        # every article stored once, each wire story once though two feeds carry it
        articles = await db.fetch("SELECT url, count(*) AS n FROM articles GROUP BY url")
        assert len(articles) == feeds.stories and {r["n"] for r in articles} == {1}
        copies = await db.fetchval("SELECT count(*) FROM entry_keys")
        assert copies == carried
        # every alert delivered exactly once, whichever process sent it
        delivered = _delivered(tmp_path / "alerts.jsonl")
        repeated = sorted({r for r in delivered if delivered.count(r) > 1})
        assert repeated == [], f"delivered twice: {repeated[:5]}"
        keys = {r["dedupe_key"] for r in await db.fetch("SELECT dedupe_key FROM alerts")}
        assert set(delivered) == keys and len(keys) > feeds.stories
        assert await db.fetchval("SELECT count(*) FROM deliveries WHERE sent_at IS NULL") == 0
        # one new alert a cluster: the clusters' first claims raised them, whoever stored them
        news = await db.fetchval(
            "SELECT count(*) FROM alerts WHERE kind IN ('new_figure', 'new_quote') "
            "GROUP BY cluster_id ORDER BY count(*) DESC LIMIT 1"
        )
        assert news == 1
        # every feed polled on schedule by someone, through both kills, and about once an interval in all
        window = ended - started
        gaps = {i: _longest_gap(h, started + 5, ended) for i, h in feeds.hits.items()}
        late = {i: round(g, 1) for i, g in gaps.items() if g > 2 * INTERVAL + 3}
        assert late == {}, f"feeds not polled for more than two intervals: {dict(list(late.items())[:5])}"
        most = max(len(h) for h in feeds.hits.values())
        assert most <= window / INTERVAL * 1.5 + 2, f"a feed polled {most} times in {window:.0f} s"
        assert len(kills) == 2 and all(0 < stored < feeds.stories for _, stored in kills), kills
        print(
            f"{feeds.stories} articles, {len(keys)} alerts over {window:.0f} s; killed {kills}; "
            f"polls a feed: {min(len(h) for h in feeds.hits.values())}-{most}; "
            f"longest gap {max(gaps.values()):.1f} s"
        )
    finally:
        for p in procs:
            if p.returncode is None:
                p.kill()
                await p.wait()
        await db.close()


def _longest_gap(hits: list[float], start: float, end: float) -> float:
    """The longest time between two polls of a feed (and from the last one to the end) in [start, end]."""
    times = [start, *(t for t in hits if start <= t <= end), end]
    return max(b - a for a, b in itertools.pairwise(times))
