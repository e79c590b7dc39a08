"""The PostgreSQL adapter at 1M claims (issue 19), beside SQLite in the same run.

1. The store: bench_claims' cached 1M-claim SQLite store (built through bench_claims if absent) copied with
   `claimdesk db copy`'s own code (bot.adapters.copying.copy_store) into the database `claimdesk_bench_g{N}` on
   the server (N: bench_claims.GENERATOR_VERSION), cached there: later runs reuse it. It is built as
   `…_partial` (a copy resumes where it stopped), analysed, and renamed once every count matches; the copy's time
   is printed, and kept in the database's comment for later runs. Copied at an older schema than this claimdesk's,
   it is left as it is and a copy of it (`…_v{SCHEMA_VERSION}`) is upgraded on open once, timed, and cached too.
2. `/claims`: p50 and p95 of `search_claims(fts_query(topic), 10)` over bench_claims' 30 topics, on PostgreSQL and
   on the SQLite store, alternating, in the same run. Target: p95 ≤ 20 ms on PostgreSQL.
3. Ingest, one process, words-only (embeddings off: the model costs both stores the same and would hide the
   store's cost): the PolNeAR dev articles (bench_claims._articles, extracted beforehand, not timed) recorded as
   the service records them (bench_claims._record) into a fresh copy of the 1M store on each adapter (SQLite: a
   file copy; PostgreSQL: CREATE DATABASE … TEMPLATE the cached one). articles/s and the ratio PostgreSQL /
   SQLite. Target ≥ 0.8x.
4. Ingest with two processes at once on PostgreSQL: the articles split in two halves, each recorded by an OS
   process of its own (its own PostgresStore) into one fresh copy, against one process recording them all into
   another. Ratio of throughputs (target ≥ 1.6x; on this 2-core machine the server shares the cores with the
   writers, so that is the ceiling's neighbourhood, not a floor). Printed with the server sessions' sampled wait
   events (Lock:advisory: waiting for another writer's candidate keys), and again with synchronous_commit = off
   (SQLite's WAL with synchronous = NORMAL does not fsync a commit either): a diagnosis, not a target's figure.
5. `--full` (or BENCH_PG_FEEDS=1): bench_feeds' 1,000 loopback feeds polled by `claimdesk run` processes (poll
   interval FEEDS_INTERVAL, jitter 0): 1 process on SQLite, 1 and 2 processes on one PostgreSQL database; after
   the first add, FEEDS_ROUNDS all-304 cycles each, timed from the server's side (first request to last, its
   counters read every TICK). Target < 3 s for 2 processes; peak RSS of each process (VmHWM) ≤ 300 MB.

Each ingest is run INGEST_ROUNDS times (INGEST_ROUNDS_FULL with `--full`), the orders alternating; the ratios are
of the best runs and per round. Without a server answering at BENCH_PG_URL (default
postgresql://postgres@127.0.0.1:5432/postgres) the bench prints one line and skips. Timings on a shared machine
are noisy (the load average is printed at the start and the end): compare the ratios, measured in the same run.
About 2 minutes with the stores cached (the first copy: about 5 minutes more); `--full` about 9.
"""

from __future__ import annotations

import asyncio
import io
import json
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench import bench_claims as bc
from bench import bench_feeds as bf
from bot.adapters.copying import copy_store
from bot.adapters.postgres import SCHEMA_VERSION, PostgresStore
from bot.adapters.postgres.schema import read_version
from bot.adapters.sqlite import SqliteStore
from bot.config import ALERT_KINDS, FeedSettings, TeamSettings
from bot.core.alerts import TeamWatch
from bot.core.ports import Store
from handlers.claims import fts_query

BASE_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
DB_NAME = f"claimdesk_bench_g{bc.GENERATOR_VERSION}"
RUN_DB = f"{DB_NAME}_run"  # the fresh copies the ingests write into (CREATE DATABASE … TEMPLATE STORE)
STORE = DB_NAME  # the cached store at this claimdesk's schema (_upgraded: DB_NAME, or an upgraded copy of it)
TARGET_P95_MS = bc.TARGET_P95_MS  # /claims at 1M on PostgreSQL
TARGET_INGEST_RATIO = 0.8  # PostgreSQL / SQLite, one process, words-only
TARGET_TWO_PROCESSES = 1.6  # two processes / one, on PostgreSQL
FTS_RUNS = 5  # timings per topic and store, as bench_claims
INGEST_ROUNDS = 3
INGEST_ROUNDS_FULL = 4
# rows a transaction while copying (the CLI's default is 500: the same code, fewer commits)
COPY_BATCH = 5_000
FEEDS_DB = f"{DB_NAME}_feeds"  # step 5's database, made anew each run
FEEDS_INTERVAL = (
    20  # seconds: [poll] interval of the `claimdesk run` processes (jitter 0: every feed at once)
)
FEEDS_ROUNDS = 3  # all-304 cycles timed
FEEDS_FIRST_ADD_S = 600.0  # the first add (20,000 entries extracted and stored) must end within this
TICK = 0.05  # seconds between two readings of the server's counters
QUIET = 2.0  # seconds without a request: a cycle has ended
TARGET_304_S = 3.0
TARGET_RSS_MB = 300.0


def _url(database: str) -> str:
    """BASE_URL with another database."""
    return urlunsplit(urlsplit(BASE_URL)._replace(path=f"/{database}"))


async def _admin() -> asyncpg.Connection:
    return await asyncpg.connect(BASE_URL, timeout=5)


async def _server_answers() -> str | None:
    """None when the server answers; else why not, in a few words."""
    try:
        conn = await _admin()
    except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
        return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    await conn.close()
    return None


async def _exists(conn: asyncpg.Connection, name: str) -> bool:
    return bool(await conn.fetchval("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name))


async def _drop(conn: asyncpg.Connection, name: str) -> None:
    await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def _comment(conn: asyncpg.Connection, database: str) -> str | None:
    """A database's comment (where a cached copy keeps how long it took to make)."""
    note = await conn.fetchval(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = $1", database
    )
    return None if note is None else str(note)


async def _cached_pg(sqlite_path: Path) -> str:
    """The 1M store on the server, copied once: its database name."""
    conn = await _admin()
    try:
        if await _exists(conn, DB_NAME):
            note = await _comment(conn, DB_NAME)
            print(f"  PostgreSQL store: database {DB_NAME}, cached ({note or 'copy time not recorded'})")
            return await _upgraded()
        partial = f"{DB_NAME}_partial"
        resumed = await _exists(conn, partial)
        if not resumed:
            await conn.execute(f'CREATE DATABASE "{partial}"')
    finally:
        await conn.close()
    print(
        f"  copying {sqlite_path.name} into {partial} with `db copy`'s copy_store (batch {COPY_BATCH:,})"
        + (": resuming an interrupted copy" if resumed else ""),
        flush=True,
    )
    out = io.StringIO()
    t0 = time.perf_counter()
    ok = await copy_store(str(sqlite_path), _url(partial), out, batch=COPY_BATCH)
    seconds = time.perf_counter() - t0
    if not ok:
        raise RuntimeError(f"the copy's counts differ:\n{out.getvalue()}")
    conn = await asyncpg.connect(_url(partial), timeout=5)
    try:
        await conn.execute("VACUUM (ANALYZE)")  # the planner's statistics, as autovacuum would gather them
    finally:
        await conn.close()
    conn = await _admin()
    try:
        note = f"copied by db copy in {seconds:.0f} s{' (resumed)' if resumed else ''}"
        await conn.execute(f'ALTER DATABASE "{partial}" RENAME TO "{DB_NAME}"')
        await conn.execute(f"COMMENT ON DATABASE \"{DB_NAME}\" IS '{note}'")
    finally:
        await conn.close()
    rows = out.getvalue().strip().splitlines()[-1]
    print(f"  {note}: {rows}", flush=True)
    return await _upgraded()


async def _upgraded() -> str:
    """The cached store at this claimdesk's schema: DB_NAME itself, or (copied at an older schema) a copy of it
    upgraded as `claimdesk` upgrades a store on open, cached too (DB_NAME is never changed): its name, in STORE."""
    global STORE
    conn = await asyncpg.connect(_url(DB_NAME), timeout=5)
    try:
        version = await read_version(conn)
    finally:
        await conn.close()
    if version >= SCHEMA_VERSION:
        STORE = DB_NAME
        return STORE
    STORE = f"{DB_NAME}_v{SCHEMA_VERSION}"
    conn = await _admin()
    try:
        if await _exists(conn, STORE):
            note = await _comment(conn, STORE)
            print(f"  PostgreSQL store at schema {SCHEMA_VERSION}: database {STORE}, cached ({note})")
            return STORE
        partial = f"{STORE}_partial"
        await _drop(conn, partial)
        await conn.execute(f'CREATE DATABASE "{partial}" TEMPLATE "{DB_NAME}" STRATEGY FILE_COPY')
    finally:
        await conn.close()
    t0 = time.perf_counter()
    store = await PostgresStore.open(_url(partial))  # the schema upgraded, in one transaction
    seconds = time.perf_counter() - t0
    await store.close()
    conn = await asyncpg.connect(_url(partial), timeout=5)
    try:
        await conn.execute("VACUUM (ANALYZE)")
    finally:
        await conn.close()
    note = f"{DB_NAME} (schema {version}) upgraded to {SCHEMA_VERSION} on open in {seconds:.1f} s"
    conn = await _admin()
    try:
        await conn.execute(f'ALTER DATABASE "{partial}" RENAME TO "{STORE}"')
        await conn.execute(f"COMMENT ON DATABASE \"{STORE}\" IS '{note}'")
    finally:
        await conn.close()
    print(f"  {STORE}: {note}", flush=True)
    return STORE


# -- 2. /claims, both stores in the same run ----------------------------------------------------------------------
async def _latency(sqlite_path: Path, queries: list[str]) -> dict[str, list[float]]:
    """ms per search, per store: every topic on both, alternating which goes first, after a warm-up of both."""
    stores: dict[str, Store] = {
        "SQLite": await SqliteStore.open(sqlite_path),
        "PostgreSQL": await PostgresStore.open(_url(STORE), upgrade=False, create=False),
    }
    times: dict[str, list[float]] = {name: [] for name in stores}
    per_topic: dict[tuple[str, str], list[float]] = {}
    found: dict[tuple[str, str], int] = {}
    try:
        for q in queries:  # warm both: page caches, statement caches, the pool's connections
            m = fts_query(q)
            for name, store in stores.items():
                found[name, q] = len(await store.search_claims(m, 10)) if m else 0
        for run in range(FTS_RUNS):
            order = list(stores.items()) if run % 2 == 0 else list(stores.items())[::-1]
            for q in queries:
                m = fts_query(q)
                for name, store in order:
                    t0 = time.perf_counter()
                    if m:
                        await store.search_claims(m, 10)
                    ms = (time.perf_counter() - t0) * 1000
                    times[name].append(ms)
                    per_topic.setdefault((name, q), []).append(ms)
    finally:
        for store in stores.values():
            await store.close()
    for name, ts in times.items():
        slow = sorted(queries, key=lambda q: -statistics.median(per_topic[name, q]))[:4]
        print(
            f"    {name:10s} p50 {bc._pct(ts, 0.5):6.1f} ms  p95 {bc._pct(ts, 0.95):6.1f} ms   slowest: "
            + ", ".join(
                f"{q!r} {statistics.median(per_topic[name, q]):.0f} ms ({found[name, q]} hits)" for q in slow
            )
        )
    differ = [q for q in queries if found["SQLite", q] != found["PostgreSQL", q]]
    if differ:
        print(
            f"    hits differ on {len(differ)} topics (each adapter's own text search): "
            + ", ".join(f"{q!r} {found['SQLite', q]}/{found['PostgreSQL', q]}" for q in differ[:6])
        )
    return times


# -- 3 and 4. ingest -------------------------------------------------------------------------------------------------
_FEED = FeedSettings("bench", "bench:articles", 60, 0)
_TEAM = TeamSettings("bench", "bench", ("election", "tax", "police", "clinton", "-football"), ALERT_KINDS)


@dataclass
class _Ingest:
    label: str
    seconds: float
    statuses: Counter[str]
    waits: Counter[str] = field(default_factory=Counter)  # the writers' sampled states (_sample_waits)


async def _sample_waits(database: str, stop: asyncio.Event, out: Counter[str]) -> None:
    """Every 10 ms, what each active session on `database` is doing: running ("CPU") or its wait event
    (Lock:advisory: another transaction's advisory lock; IO:WALSync: a commit's fsync)."""
    conn = await _admin()
    try:
        while not stop.is_set():
            for r in await conn.fetch(
                "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU') AS w FROM pg_stat_activity "
                "WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()",
                database,
            ):
                out[str(r["w"])] += 1
            await asyncio.sleep(0.01)
    finally:
        await conn.close()


async def _prepare(store: Store) -> tuple[int, list[TeamWatch]]:
    """The feed and team bench_claims' ingest records under (alerts on)."""
    feed_id = await store.ensure_feed(_FEED)
    await store.sync_teams([_TEAM])
    return feed_id, await store.team_watches()


async def _record_all(
    store: Store, feed_id: int, teams: list[TeamWatch], articles: Sequence[bc._Article]
) -> Counter[str]:
    statuses: Counter[str] = Counter()
    for a in articles:
        outcomes = await bc._record(store, feed_id, a, teams, None)  # words-only
        statuses.update(["article not new"] if outcomes is None else (o.status for o in outcomes))
    return statuses


async def _fresh_pg(sync_off: bool = False) -> str:
    """A fresh copy of the cached PostgreSQL store (a file-level copy of the template): its URL. `sync_off`: its
    sessions commit without waiting for the WAL's fsync (synchronous_commit = off), as SQLite's WAL with
    synchronous = NORMAL does: the diagnosis of the two-process figure, not the target's setting."""
    conn = await _admin()
    try:
        await _drop(conn, RUN_DB)
        await conn.execute(f'CREATE DATABASE "{RUN_DB}" TEMPLATE "{STORE}" STRATEGY FILE_COPY')
        if sync_off:
            await conn.execute(f'ALTER DATABASE "{RUN_DB}" SET synchronous_commit = off')
    finally:
        await conn.close()
    return _url(RUN_DB)


# the two-process ingest again with synchronous_commit = off (a diagnosis: how much of the waiting is the fsync
# a commit makes while it holds its transaction's advisory locks)
_SYNC_OFF = ("PG 1 process, no fsync", "PG 2 processes, no fsync")


def _fresh_sqlite(big: Path, work: Path) -> Path:
    target = work / "ingest-sqlite.db"
    for p in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        p.unlink(missing_ok=True)
    shutil.copyfile(big, target)
    return target


async def _ingest_in_process(store: Store, articles: Sequence[bc._Article], label: str) -> _Ingest:
    try:
        feed_id, teams = await _prepare(store)
        t0 = time.perf_counter()
        statuses = await _record_all(store, feed_id, teams, articles)
        return _Ingest(label, time.perf_counter() - t0, statuses)
    finally:
        await store.close()


async def _ingest_processes(url: str, pickled: Path, n: int, label: str) -> _Ingest:
    """`n` OS processes, each its own PostgresStore on `url`, recording articles[i::n] at once. Timed from the
    moment all are ready (imported, connected, articles loaded) to the last one's end."""
    setup = await PostgresStore.open(url, upgrade=False, create=False)
    try:
        await _prepare(setup)
    finally:
        await setup.close()
    procs = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from bench.bench_postgres import _child; _child()",
            url,
            str(pickled),
            str(i),
            str(n),
            cwd=bc.ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        for i in range(n)
    ]
    try:
        for p in procs:
            assert p.stdout is not None
            if (await p.stdout.readline()).strip() != b"ready":
                raise RuntimeError("an ingest process did not start")
        stop, waits = asyncio.Event(), Counter[str]()
        sampler = asyncio.create_task(_sample_waits(urlsplit(url).path.lstrip("/"), stop, waits))
        t0 = time.perf_counter()
        for p in procs:
            assert p.stdin is not None
            p.stdin.write(b"go\n")
            await p.stdin.drain()
        results = [json.loads((await p.stdout.readline()) or b"{}") for p in procs if p.stdout]
        seconds = time.perf_counter() - t0
        stop.set()
        await sampler
    finally:
        for p in procs:
            if p.stdin:
                p.stdin.close()
            await p.wait()
    statuses: Counter[str] = Counter()
    for r in results:
        statuses.update(r["statuses"])
    return _Ingest(label, seconds, statuses, waits)


def _child() -> None:
    """One ingest process: argv url, pickled articles, i, n; records articles[i::n] after "go" on stdin."""
    url, pickled, i, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    articles: list[bc._Article] = pickle.loads(pickled.read_bytes())[i::n]

    async def run() -> None:
        store = await PostgresStore.open(url, upgrade=False, create=False)
        try:
            feed_id, teams = await _prepare(store)
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            t0 = time.perf_counter()
            statuses = await _record_all(store, feed_id, teams, articles)
            seconds = time.perf_counter() - t0
        finally:
            await store.close()
        print(json.dumps({"seconds": seconds, "statuses": statuses}), flush=True)

    asyncio.run(run())


async def _drop_run_db() -> None:
    conn = await _admin()
    try:
        await _drop(conn, RUN_DB)
    finally:
        await conn.close()


async def _ingests(big: Path, full: bool) -> dict[str, list[_Ingest]]:
    name, articles = bc._articles()
    n_claims = sum(len(a.claims) for a in articles)
    print(
        f"  ingest: {name}, {n_claims} claims, words-only, alerts on, one transaction per article; extraction done "
        "beforehand, not timed; each run on a fresh copy of the 1M store",
        flush=True,
    )
    runs: dict[str, list[_Ingest]] = {
        k: [] for k in ("SQLite", "PostgreSQL", "PG 1 process", "PG 2 processes", *_SYNC_OFF)
    }
    with tempfile.TemporaryDirectory(prefix="bench-pg-", dir=bc.CACHE) as tmp:
        work = Path(tmp)
        pickled = work / "articles.pickle"
        pickled.write_bytes(pickle.dumps(articles))
        for r in range(INGEST_ROUNDS_FULL if full else INGEST_ROUNDS):
            kinds = list(runs) if r % 2 == 0 else list(runs)[::-1]  # alternating: none always goes first
            for kind in kinds:
                t0 = time.perf_counter()
                if kind == "SQLite":
                    path = _fresh_sqlite(big, work)
                    copied = time.perf_counter() - t0
                    run = await _ingest_in_process(await SqliteStore.open(path), articles, kind)
                    path.unlink()
                else:
                    url = await _fresh_pg(sync_off=kind in _SYNC_OFF)
                    copied = time.perf_counter() - t0
                    if kind == "PostgreSQL":
                        store = await PostgresStore.open(url, upgrade=False, create=False)
                        run = await _ingest_in_process(store, articles, kind)
                    else:
                        run = await _ingest_processes(url, pickled, 2 if "2" in kind else 1, kind)
                    await _drop_run_db()
                runs[kind].append(run)
                print(
                    f"    round {r + 1} {kind:15s} {run.seconds:6.2f} s  {len(articles) / run.seconds:6.1f} "
                    f"articles/s  (fresh copy made in {copied:.0f} s)",
                    flush=True,
                )
    for kind, rs in runs.items():
        waits = sum((x.waits for x in rs), Counter[str]())
        if waits:
            print(
                f"    {kind}: the server sessions' time (sampled): "
                + ", ".join(f"{w} {n / waits.total():.0%}" for w, n in waits.most_common(4))
            )
        print(
            f"    {kind:15s} best {len(articles) / min(x.seconds for x in rs):6.1f} articles/s, "
            f"{n_claims / min(x.seconds for x in rs):6.0f} claims/s; outcomes: "
            + ", ".join(f"{k} {v}" for k, v in sorted(rs[-1].statuses.items()))
        )
    return runs


# -- 5. 1,000 feeds answering 304, `claimdesk run` processes -----------------------------------------------------
def _feeds_config(folder: Path, urls: Sequence[str], database: str, n: int) -> Path:
    """A config for `claimdesk run`: the loopback feeds (backfill 0, no full-text fetch), one team, a JSON-lines
    sink in `folder`, `database` its [database] table's line."""
    path = folder / f"claimdesk-{n}.toml"
    text = (
        f'sink = "jsonl"\n[database]\n{database}\n[jsonl]\npath = "{folder / "alerts.jsonl"}"\n'
        f'[fetch]\nallow = ["127.0.0.0/8"]\n[poll]\ninterval = {FEEDS_INTERVAL}\njitter = 0\n'
        '[[teams]]\nname = "desk"\nchannel = "newsroom"\nkeywords = ["castlemere", "harbour board"]\n'
    )
    for i, url in enumerate(urls):
        text += f'[[feeds]]\nname = "wire {i}"\nurl = "{url}"\nbackfill = 0\nfull_text = false\n'
    path.write_text(text, encoding="utf-8")
    return path


def _peak_mb(pid: int) -> tuple[float, float]:
    """A process's peak and current resident set (VmHWM, VmRSS), MB."""
    status = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
    )
    return int(status["VmHWM"].split()[0]) / 1024, int(status["VmRSS"].split()[0]) / 1024


@dataclass
class _Burst:
    seconds: float  # from the reading before its first request to the reading of its last
    counts: Counter[str]


def _bursts(server: bf._Server, want: int, first_add: bool) -> list[_Burst]:
    """Read the server's counters every TICK; a burst of requests ends after QUIET seconds without one. With
    `first_add`, wait first until every feed has been fetched (200) and the server fell quiet."""
    out: list[_Burst] = []
    fetched = 0
    deadline = time.monotonic() + FEEDS_FIRST_ADD_S
    counts: Counter[str] = Counter()
    start = last = before = time.monotonic()
    while len(out) < want:
        time.sleep(TICK)
        now = time.monotonic()
        got = Counter({k: v for k, v in server.stats().items() if k in ("200", "304")})
        if first_add and fetched < bf.FEEDS:
            fetched += got["200"]
            if now > deadline:
                raise RuntimeError(f"the first add fetched {fetched} feeds in {FEEDS_FIRST_ADD_S:g} s")
            before = now
            continue
        if got.total():
            if not counts:
                start = before
            counts += got
            last = now
        elif counts and now - last >= QUIET:
            out.append(_Burst(last - start, counts))
            counts = Counter()
        before = now
    return out


def _feeds_cycles(label: str, database: str, processes: int) -> tuple[list[_Burst], list[float]]:
    """`processes` × `claimdesk run` on `database` polling bench_feeds' 1,000 loopback feeds: the all-304 cycles
    after the first add, and each process's peak RSS (MB)."""
    server = bf._Server()
    procs: list[subprocess.Popen[bytes]] = []
    env = {k: v for k, v in os.environ.items() if k not in ("CLAIMDESK_DISCORD_TOKEN", "CLAIMDESK_DATABASE")}
    try:
        with tempfile.TemporaryDirectory(prefix="bench-pg-feeds-") as tmp:
            folder = Path(tmp)
            for n in range(processes):
                config = _feeds_config(folder, server.urls, database, n)
                with (folder / f"run-{n}.log").open("wb") as log:
                    procs.append(
                        subprocess.Popen(
                            [sys.executable, "-m", "bot", "run", "-c", str(config)],
                            cwd=bc.ROOT,
                            env=env,
                            stdout=log,
                            stderr=subprocess.STDOUT,
                        )
                    )
            t0 = time.monotonic()
            first = _bursts(server, 1, first_add=True)  # the tail of the first add, then quiet
            print(
                f"    {label}: first add ({bf.FEEDS * bf.ITEMS:,} entries extracted and stored) and one cycle after it, not timed: {time.monotonic() - t0:.0f} s",
                flush=True,
            )
            del first
            bursts = _bursts(server, FEEDS_ROUNDS, first_add=False)
            for p in procs:
                if p.poll() is not None:
                    raise RuntimeError(f"a claimdesk run process exited ({p.returncode}): see its log")
            peaks = [_peak_mb(p.pid)[0] for p in procs]
            for p in procs:
                p.terminate()
            for p in procs:
                p.wait(timeout=60)
            errors = [
                line
                for n in range(processes)
                for line in (folder / f"run-{n}.log").read_text(errors="replace").splitlines()
                if "ERROR" in line or "Traceback" in line
            ]
            if errors:
                print(
                    f"    {label}: {len(errors)} error lines in the processes' logs, first: {errors[0][:200]}"
                )
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        server.close()
    for i, b in enumerate(bursts):
        print(
            f"    {label}: all-304 cycle {i + 1}: {b.seconds:5.2f} s  ({b.counts['304']:,}×304, "
            f"{b.counts['200']:,}×200)"
        )
    print(f"    {label}: peak RSS per process " + ", ".join(f"{m:.0f} MB" for m in peaks))
    return bursts, peaks


async def _feeds_db() -> str:
    conn = await _admin()
    try:
        await _drop(conn, FEEDS_DB)
        await conn.execute(f'CREATE DATABASE "{FEEDS_DB}"')
    finally:
        await conn.close()
    return _url(FEEDS_DB)


async def _feeds() -> None:
    print(
        f"  {bf.FEEDS:,} loopback feeds (bench_feeds' server), `claimdesk run` processes, poll interval "
        f"{FEEDS_INTERVAL} s, jitter 0; a cycle: from the server's first request to its last (read every "
        f"{TICK * 1000:.0f} ms)",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="bench-pg-sqlite-") as tmp:
        base, _ = await asyncio.to_thread(
            _feeds_cycles, "SQLite, 1 process", f'path = "{Path(tmp) / "feeds.db"}"', 1
        )
    medians = {"SQLite, 1 process": statistics.median(b.seconds for b in base)}
    for processes in (1, 2):
        url = await _feeds_db()
        try:
            label = f"PostgreSQL, {processes} process{'es' if processes > 1 else ''}"
            cycles, peaks = await asyncio.to_thread(_feeds_cycles, label, f'url = "{url}"', processes)
            medians[label] = statistics.median(b.seconds for b in cycles)
        finally:
            conn = await _admin()
            try:
                await _drop(conn, FEEDS_DB)
            finally:
                await conn.close()
    median = medians["PostgreSQL, 2 processes"]
    print(
        f"  all-304 cycle, 2 processes on PostgreSQL: {median:.2f} s median of {FEEDS_ROUNDS}; "
        f"{median / medians['SQLite, 1 process']:.2f}x 1 process on SQLite, "
        f"{median / medians['PostgreSQL, 1 process']:.2f}x 1 process on PostgreSQL (same run): "
        f"{_verdict(median < TARGET_304_S)} the < {TARGET_304_S:g} s target"
    )
    print(
        f"  peak RSS per process: {max(peaks):.0f} MB at most: {_verdict(max(peaks) <= TARGET_RSS_MB)} the "
        f"≤ {TARGET_RSS_MB:g} MB target"
    )


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


async def _main() -> None:
    why = await _server_answers()
    if why is not None:
        print(f"  skipped: no PostgreSQL server answers at {BASE_URL} ({why})")
        return
    t0 = time.perf_counter()
    full = "--full" in sys.argv
    print(
        f"  server {BASE_URL}; timings on a shared {os.cpu_count()}-core machine are noisy (load average "
        f"{os.getloadavg()[0]:.1f}): read the ratios (same run)"
    )
    world = bc.World.build(bc.SEED)
    big = await bc._cached_store(world, bc.SIZES[-1])
    await _cached_pg(big)
    queries = bc._queries(world)
    print(f"  /claims at 1M: {len(queries)} topics x {FTS_RUNS} runs on each store, alternating", flush=True)
    times = await _latency(big, queries)
    p95 = bc._pct(times["PostgreSQL"], 0.95)
    ratio = p95 / bc._pct(times["SQLite"], 0.95)
    print(
        f"  /claims p95 on PostgreSQL {p95:.1f} ms ({ratio:.2f}x SQLite's): {_verdict(p95 <= TARGET_P95_MS)} "
        f"the {TARGET_P95_MS:g} ms target"
    )
    runs = await _ingests(big, full)
    best = {k: min(x.seconds for x in rs) for k, rs in runs.items()}
    pg_sqlite = best["SQLite"] / best["PostgreSQL"]
    per_round = [s.seconds / p.seconds for s, p in zip(runs["SQLite"], runs["PostgreSQL"], strict=True)]
    print(
        f"  ingest, one process, PostgreSQL / SQLite: {pg_sqlite:.2f}x (best runs; per round "
        f"{' '.join(f'{x:.2f}' for x in per_round)}): {_verdict(pg_sqlite >= TARGET_INGEST_RATIO)} the "
        f"{TARGET_INGEST_RATIO:g}x target"
    )
    two = best["PG 1 process"] / best["PG 2 processes"]
    per_round = [
        o.seconds / t.seconds for o, t in zip(runs["PG 1 process"], runs["PG 2 processes"], strict=True)
    ]
    print(
        f"  ingest on PostgreSQL, 2 processes / 1: {two:.2f}x (best runs; per round "
        f"{' '.join(f'{x:.2f}' for x in per_round)}): {_verdict(two >= TARGET_TWO_PROCESSES)} the "
        f"{TARGET_TWO_PROCESSES:g}x target"
    )
    nosync = best["PG 1 process, no fsync"] / best["PG 2 processes, no fsync"]
    unsynced = best["PG 1 process"] / best["PG 1 process, no fsync"]
    print(
        f"  the same with synchronous_commit = off (the durability of SQLite's WAL with synchronous = NORMAL; a "
        f"diagnosis, not the target's setting): 2 processes / 1 {nosync:.2f}x; one process {unsynced:.2f}x as "
        "fast as with the fsync"
    )
    if full or os.environ.get("BENCH_PG_FEEDS"):
        await _feeds()
    else:
        print(
            "  1,000 feeds all-304 with 2 `claimdesk run` processes: only with --full (or BENCH_PG_FEEDS=1)"
        )
    print(f"  total {time.perf_counter() - t0:.0f} s; load average at the end {os.getloadavg()[0]:.1f}")


def main() -> None:
    asyncio.run(_main())
