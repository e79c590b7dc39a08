"""Crash safety, proven with SIGKILL: `claimdesk run --once` is killed at spread-out moments during ingest and
delivery, again and again, and restarted each time. In the end every alert a clean run delivers has been
delivered exactly once (JSON-lines sink) and every article is stored exactly once. The first test runs on SQLite
and on PostgreSQL (a killed process's leases on its feeds and messages end with its connection).

The feeds are served over HTTP on 127.0.0.1 by this test process; the articles are generated here, in our own
words, with repeated and conflicting figures and repeated quotes so that clusters and matching take part.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import socket
import sqlite3
import sys
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import asyncpg
import pytest
from aiohttp import web

from tests.conftest import ROOT, rss
from tests.postgres import pg_url_2  # noqa: F401  (fixture: a second database, for the clean run)

KILLS = 12  # 1 in start-up, 6 during ingest, 5 during delivery
ARCHIVE = 480  # entries of the feed whose first poll is killed; the newest BACKFILL of them may alert
BACKFILL = 200
FIRST_POLL_KILLS = 8
PLACES = ["Kursk", "Belgorod", "Sumy", "Kharkiv"]
THINGS = ["drones", "shells", "soldiers", "vehicles"]
SPEAKERS = [("Anna Brenner", "the regional spokeswoman"), ("Tomas Keller", "a defence analyst")]
SAYINGS = [
    "We are counting every strike and we will publish the numbers each morning",
    "The repairs will take longer than anyone in the region hoped",
    "Nobody here expected the fighting to reach the villages so quickly",
]


def _article(rng: random.Random, n: int) -> dict[str, str]:
    place, thing = rng.choice(PLACES), rng.choice(THINGS)
    count = rng.choice([120, 450, 450, 1_300, 2_000])
    speaker, role = rng.choice(SPEAKERS)
    body = (
        f"Officials in the {place} region said {count:,} {thing} were reported on day {n}. "
        f"“{rng.choice(SAYINGS)},” said {speaker}, {role}. "
        f"Local officials said {rng.randint(2, 90)} {rng.choice(THINGS)} were counted near Kursk."
    )
    return {
        "title": f"Kursk report {n}: {count:,} {thing} in {place}",
        "guid": f"crash-test-{n}",
        "pubDate": f"Mon, 04 Nov 2024 {n // 60:02d}:{n % 60:02d}:00 GMT",
        "description": body,
    }


def _archived(rng: random.Random, n: int) -> dict[str, str]:
    """An entry of a long archive feed: one a day, going back more than a year."""
    entry = _article(rng, n)
    day = date(2024, 11, 4) - timedelta(days=ARCHIVE - n)
    entry["guid"] = f"archive-{n}"
    entry["pubDate"] = f"{day.strftime('%a, %d %b %Y')} 09:30:00 GMT"
    return entry


@pytest.fixture
async def feeds() -> AsyncIterator[tuple[str, dict[str, int]]]:
    rng = random.Random(7)
    # one wire feed: `run --once` polls several feeds at once, and the order in which two feeds' articles are
    # stored changes which of them founds a shared claim's cluster (and, for quotes, how many clusters form),
    # so only one feed makes a clean run's alerts a fixed answer to compare the crashed runs with
    bodies = {"/wire.xml": rss([_article(rng, i) for i in range(60)], "Wire")}
    bodies["/archive.xml"] = rss([_archived(rng, n) for n in range(ARCHIVE)], "Archive")
    hits: dict[str, int] = {}

    async def handle(request: web.Request) -> web.Response:
        hits[request.path] = hits.get(request.path, 0) + 1
        return web.Response(body=bodies[request.path], headers={"Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/{name}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield f"http://127.0.0.1:{port}", hits
    finally:
        await runner.cleanup()


def _config(folder: Path, base: str, feeds: str | None = None, url: str | None = None) -> Path:
    folder.mkdir()
    path = folder / "claimdesk.toml"
    if url:  # on a PostgreSQL server: _state reads it there
        (folder / "pg.url").write_text(url, encoding="utf-8")
    database = f'url = "{url}"' if url else 'path = "claimdesk.db"'
    path.write_text(
        f'sink = "jsonl"\n[database]\n{database}\n[jsonl]\npath = "alerts.jsonl"\n'
        '[fetch]\nallow = ["127.0.0.1"]\n'
        + (
            feeds
            or f'[[feeds]]\nname = "wire"\nurl = "{base}/wire.xml"\nbackfill = 1000\nmax_age_hours = 0\n'
        )
        + '[[teams]]\nname = "desk"\nchannel = "newsroom"\nkeywords = ["kursk"]\n'
        'alerts = ["summary", "new_figure", "new_quote", "conflicting_figure", "corroboration"]\n',
        encoding="utf-8",
    )
    return path


async def _start(config: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMDESK_DISCORD_TOKEN", "CLAIMDESK_DATABASE")}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--once",
        "-c",
        str(config),
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _fetched(hits: dict[str, int], before: int, proc: asyncio.subprocess.Process) -> None:
    """Wait until the process has asked for its first feed (start-up done, work begins)."""
    while sum(hits.values()) == before and proc.returncode is None:  # noqa: ASYNC110 (another process)
        await asyncio.sleep(0.005)


async def _progress(proc: asyncio.subprocess.Process, folder: Path, articles: float, lines: float) -> None:
    """Wait until the run has stored `articles` articles and written `lines` messages (or has exited)."""
    out = folder / "alerts.jsonl"
    while proc.returncode is None:
        written = out.read_bytes().count(b"\n") if out.exists() else 0
        if (await _state(folder))[0] >= articles and written >= lines:
            return
        await asyncio.sleep(0.003)


def _delivered(folder: Path) -> list[str]:
    """The alert refs in the order they were delivered, digests unfolded."""
    refs: list[str] = []
    path = folder / "alerts.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        payload = json.loads(line)["payload"]
        refs += [a["ref"] for a in payload["alerts"]] if payload["kind"] == "digest" else [payload["ref"]]
    return refs


def _signatures(folder: Path) -> list[str]:
    """What each delivered alert says, without the ids in its ref (a PostgreSQL sequence skips the ids a killed
    transaction took, so a crashed run's cluster ids differ from a clean run's)."""
    out: list[str] = []
    path = folder / "alerts.jsonl"
    for line in path.read_text(encoding="utf-8").splitlines() if path.exists() else []:
        payload = json.loads(line)["payload"]
        for a in payload["alerts"] if payload["kind"] == "digest" else [payload]:
            claim = a.get("claim") or {}
            out.append(json.dumps([a["kind"], a["article"]["url"], a["article"]["title"], claim.get("text")]))
    return out


async def _state(folder: Path) -> tuple[int, int]:
    """(articles stored, alerts marked sent) in the database, read-only."""
    if (folder / "pg.url").exists():
        return await _pg_state((folder / "pg.url").read_text(encoding="utf-8"))
    db = folder / "claimdesk.db"
    if not db.exists():
        return 0, 0
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            articles = conn.execute("SELECT count(*) FROM articles").fetchone()[0]
            sent = conn.execute("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL").fetchone()[0]
        except sqlite3.OperationalError:  # killed before the schema was created
            return 0, 0
    return int(articles), int(sent)


async def _pg_state(url: str) -> tuple[int, int]:
    conn = await asyncpg.connect(url)
    try:
        articles = await conn.fetchval("SELECT count(*) FROM articles")
        sent = await conn.fetchval("SELECT count(*) FROM alerts WHERE sent_at IS NOT NULL")
    except asyncpg.UndefinedTableError:  # killed before the schema was created
        return 0, 0
    finally:
        await conn.close()
    return int(articles), int(sent)


async def _pg_rows(url: str, sql: str) -> tuple[int, ...]:
    conn = await asyncpg.connect(url)
    try:
        row = await conn.fetchrow(sql)
    finally:
        await conn.close()
    assert row is not None
    return tuple(int(v) for v in row)


@pytest.mark.parametrize("store", ["sqlite", "postgres"])
async def test_sigkill_during_ingest_and_delivery_loses_nothing_and_repeats_nothing(
    tmp_path: Path, feeds: tuple[str, dict[str, int]], store: str, request: pytest.FixtureRequest
) -> None:
    base, hits = feeds
    urls: tuple[str | None, str | None] = (None, None)
    if store == "postgres":
        urls = request.getfixturevalue("pg_url_2"), request.getfixturevalue("pg_url")
    clean = _config(tmp_path / "clean", base, url=urls[0])
    before = sum(hits.values())
    proc = await _start(clean)
    await _fetched(hits, before, proc)
    assert await asyncio.wait_for(proc.wait(), 120) == 0
    expected = _delivered(tmp_path / "clean")
    articles, sent = await _state(tmp_path / "clean")
    assert articles == 60 and len(expected) == sent > 60 and len(set(expected)) == len(expected)

    crashy = _config(tmp_path / "crashy", base, url=urls[1])
    rng = random.Random(2026)
    phases = {"start-up": 0, "ingest": 0, "delivery": 0, "done": 0}
    # the first kill lands in start-up (schema creation); then half in ingest, half in delivery, each at a
    # random point of its own stretch of the work, watched through the database and the output file
    targets = [(articles * (i + rng.random()) / 6, 0.0) for i in range(6)]
    targets += [(articles, sent * (i + rng.random()) / 5) for i in range(5)]
    for i in range(KILLS):
        before = sum(hits.values())
        proc = await _start(crashy)
        if i == 0:
            await asyncio.sleep(rng.uniform(0.05, 0.5))
        else:
            await _fetched(hits, before, proc)
            await _progress(proc, tmp_path / "crashy", *targets[i - 1])
            await asyncio.sleep(rng.uniform(0, 0.02))
        killed_at = await _state(tmp_path / "crashy")
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        code = await proc.wait()
        phase = "start-up" if i == 0 else "ingest" if killed_at[0] < articles else "delivery"
        phases[phase if code == -signal.SIGKILL else "done"] += 1
    proc = await _start(crashy)
    assert await asyncio.wait_for(proc.wait(), 120) == 0

    got = _delivered(tmp_path / "crashy")
    repeated = sorted({r for r in got if got.count(r) > 1})
    assert repeated == [], f"delivered twice: {repeated[:5]}"
    if store == "sqlite":
        assert sorted(got) == sorted(expected), "the crashed runs delivered other alerts than a clean run"
    else:  # the same alerts, told by what they say (ids may differ, see _signatures)
        signatures = _signatures(tmp_path / "crashy")
        assert sorted(signatures) == sorted(_signatures(tmp_path / "clean")), "other alerts than a clean run"
    assert await _state(tmp_path / "crashy") == (articles, sent)
    if urls[1] is None:
        with sqlite3.connect(tmp_path / "crashy" / "claimdesk.db") as conn:
            keys = conn.execute(
                "SELECT count(DISTINCT feed_id || entry_key), count(*) FROM articles"
            ).fetchone()
            pending = conn.execute("SELECT count(*) FROM deliveries WHERE sent_at IS NULL").fetchone()[0]
    else:
        keys = await _pg_rows(urls[1], "SELECT count(DISTINCT (feed_id, entry_key)), count(*) FROM articles")
        (pending,) = await _pg_rows(urls[1], "SELECT count(*) FROM deliveries WHERE sent_at IS NULL")
    assert keys == (60, 60) and pending == 0
    assert phases["ingest"] >= 3 and phases["delivery"] >= 3, phases  # the kills landed mid-work
    print(f"kills by phase: {phases}")


async def test_sigkill_during_a_first_poll_with_backfill_keeps_its_alert_decision(
    tmp_path: Path, feeds: tuple[str, dict[str, int]]
) -> None:
    """A new feed of ARCHIVE entries with `backfill = BACKFILL`: its first poll is killed again and again while it
    stores the archive — before, at and after the cut-off between the silent and the alerting entries — and each
    restart finishes the same first poll. Exactly the alerts of a clean run arrive, each once."""
    base, hits = feeds
    archive = (
        f'[[feeds]]\nname = "archive"\nurl = "{base}/archive.xml"\nbackfill = {BACKFILL}\nmax_age_hours = 0\n'
    )
    clean = _config(tmp_path / "clean", base, archive)
    before = sum(hits.values())
    proc = await _start(clean)
    await _fetched(hits, before, proc)
    assert await asyncio.wait_for(proc.wait(), 300) == 0
    expected = _delivered(tmp_path / "clean")
    articles, sent = await _state(tmp_path / "clean")
    assert articles == ARCHIVE and len(expected) == sent > BACKFILL and len(set(expected)) == len(expected)
    with sqlite3.connect(tmp_path / "clean" / "claimdesk.db") as conn:
        loud = conn.execute("SELECT count(*) FROM articles WHERE alerted").fetchone()[0]
    assert loud == BACKFILL

    crashy = _config(tmp_path / "crashy", base, archive)
    rng = random.Random(20)
    killed = []
    for i in range(FIRST_POLL_KILLS):  # each at a random point of its own stretch of the archive
        before = sum(hits.values())
        proc = await _start(crashy)
        await _fetched(hits, before, proc)
        await _progress(proc, tmp_path / "crashy", ARCHIVE * (i + rng.random()) / FIRST_POLL_KILLS, 0)
        if proc.returncode is None:
            proc.send_signal(signal.SIGKILL)
        if await proc.wait() == -signal.SIGKILL:
            killed.append((await _state(tmp_path / "crashy"))[0])
    proc = await _start(crashy)
    assert await asyncio.wait_for(proc.wait(), 300) == 0

    got = _delivered(tmp_path / "crashy")
    repeated = sorted({r for r in got if got.count(r) > 1})
    assert repeated == [], f"delivered twice: {repeated[:5]}"
    assert sorted(got) == sorted(expected), (
        f"{len(set(expected) - set(got))} alerts of a clean run lost, {len(set(got) - set(expected))} added"
    )
    assert await _state(tmp_path / "crashy") == (articles, sent)
    # the kills landed on both sides of the cut-off, and the decision is gone once the poll is done
    assert (
        sum(k < ARCHIVE - BACKFILL for k in killed) >= 2 and sum(k > ARCHIVE - BACKFILL for k in killed) >= 2
    ), killed
    with sqlite3.connect(tmp_path / "crashy" / "claimdesk.db") as conn:
        assert conn.execute("SELECT count(*) FROM first_poll").fetchone()[0] == 0
    print(f"first poll killed with {killed} of {ARCHIVE} articles stored")
