"""Polling 1,000 feeds from a loopback server, against a naive sequential `feedparser.parse(url)` loop over the
same 1,000 URLs in the same run.

What a feed bot spends its life doing is asking feeds whether anything changed: most polls find nothing. So the
cycles timed are the ones the scheduler fires, all 1,000 feeds at once (`asyncio.gather` over
`Claimdesk.poll`, through the real composition root `bot.bootstrap`, default `[fetch]` settings):

1. first add: each feed's first poll, 20 entries each, stored silently (backfill = 0) — timed and shown, not a
   target. These entries are meeting notices without figures or quotes: each is extracted and stored, but makes
   no claims, which keeps this warm-up to under a minute (with claims it would cost as much as cycle 3);
2. all-304: nothing changed; the poller sends the ETag it stored and the server answers 304, so nothing is
   downloaded or parsed. Target: under 3 s on this 2-core machine. Run ROUNDS_304 times (median and best shown);
3. 20 new items: every feed's window moved on by 20 entries with new guids, each with a quote and five figures;
   the poller parses, extracts (spaCy, one worker thread), matches and stores 20,000 articles with their
   120,000 claims and alerts: cycle time and articles/s. This cycle is most of the run (several minutes at the
   store path's current rate).

Peak resident memory of this process (ru_maxrss), target < 250 MB, is shown per cycle (the high-water mark is
reset before each with /proc/self/clear_refs) and overall, from start-up to the end of cycle 3. The naive loops
run afterwards, so they never count towards it (their own peak is shown too).

Baseline, in the same run: `for url in urls: feedparser.parse(url)`. Without `etag=` it sends no conditional
headers, so it downloads and parses every feed every time; that is what the all-304 cycle is compared with (the
same server state). For cycle 3 it is timed on the same 20-new-item feeds, but it only downloads and parses: it
neither stores nor extracts, which the printout says.

The server runs in a child process (its CPU and memory are not ours) and listens on 50 loopback addresses,
127.0.0.2 to 127.0.0.51, 20 feeds each, so the fetcher's per-host limit (per_host = 4, the default) acts as it
would across many publishers; the allow-list is "127.0.0.0/8". It serves pre-rendered bodies, gzip when asked (as
feed servers do), with an ETag and Last-Modified; 304 when If-None-Match matches. Feed texts are generated here,
in our own words (a few sentences with varied names, places and figures), distinct per feed and entry.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import feedparser
from aiohttp import web

from bot.bootstrap import bootstrap
from bot.config import DEFAULT_ALERT_KINDS, FeedSettings, FetchSettings, Settings, TeamSettings
from bot.service import Claimdesk, IngestReport

ROOT = Path(__file__).resolve().parents[1]
FEEDS = int(os.environ.get("BENCH_FEEDS", "1000"))  # fewer for a quick look (profiling); figures are at 1,000
HOSTS = min(50, FEEDS)  # loopback addresses 127.0.0.2 … 127.0.0.51, FEEDS / HOSTS feeds on each
ITEMS = 20  # entries in every feed document; cycle 3 brings this many new ones to each feed
ROUNDS_304 = 3
TARGET_304_S = 3.0
TARGET_RSS_MB = 250.0
SEED = 4111

PLACES = ["Lindow", "Port Averley", "Castlemere", "Dunholt", "Varnby", "Oskel", "Brightwater", "Hollin"]
THINGS = ["homes", "pupils", "buses", "hospital beds", "jobs", "flights", "acres of woodland", "wells"]
BODIES = ["the county council", "the harbour board", "the water authority", "the transport office"]
PEOPLE = [
    ("Mara Quill", "the council leader"),
    ("Jonas Petrak", "a transport official"),
    ("Ines Haldor", "the harbour master"),
    ("Felix Oyelaran", "a union organiser"),
    ("Ruth Amsel", "the county treasurer"),
    ("Tobiah Crane", "a school governor"),
]
PROJECTS = ["bridge", "school", "sea wall", "bus depot", "clinic", "reservoir", "rail link", "library"]
SAYINGS = [
    "We expect the work to finish before the winter",
    "The budget will not stretch to every street",
    "Families have waited long enough for an answer",
    "Nobody on the board saw the figures until last week",
    "We will publish the full list of sites in the spring",
]


# -- the loopback feed server (child process) -------------------------------------------------------------------
ADJECTIVES = ["northern", "southern", "eastern", "western", "riverside", "upland"]
SEASONS = ["spring", "summer", "autumn", "winter"]
_SYL1 = ["ash", "bel", "cor", "dun", "el", "fen", "gar", "hol", "is", "kel", "lom", "mar", "nor", "os"]
_SYL2 = ["pen", "quin", "ros", "sal", "tam", "ul", "ven", "wes", "yar", "zel", "brin", "cal", "dov", "ler"]
SYLLABLES = [*_SYL1, *_SYL2]


def _ward(n: int) -> str:
    """A made-up ward name, different for every n below 28**3 (a notice must not repeat another feed's, or
    the store rightly takes it for the same article)."""
    a, b, c = n // 28**2 % 28, n // 28 % 28, n % 28
    return (SYLLABLES[a] + SYLLABLES[b] + SYLLABLES[c]).capitalize()


def _item(rng: random.Random, feed: int, gen: int, k: int, base: str) -> str:
    """One entry. Generation 0 (what the first add stores) is a meeting notice with no figure and no quote, so
    the first add costs extraction and one stored article each but no claims; later generations carry a quote
    and five figures (six claims)."""
    place, thing, body = rng.choice(PLACES), rng.choice(THINGS), rng.choice(BODIES)
    speaker, role = rng.choice(PEOPLE)
    if gen == 0:
        title = f"{place}: {body} discusses the {thing} programme"
        text = (
            f"Members of {body} in {place} met to discuss the future of the {thing} programme. They heard from "
            f"{speaker}, {role}, and from residents of {_ward(feed * ITEMS + k)}, in the {rng.choice(ADJECTIVES)} "
            "wards. Minutes will follow "
            f"later in the {rng.choice(SEASONS)}, and a decision on the {thing} is expected before the "
            f"{rng.choice(SEASONS)} break. Residents may send comments through the {rng.choice(PLACES)} library "
            "or at the next open meeting."
        )
    else:
        project = rng.choice(PROJECTS)  # a story: one of 8 places x 8 projects, so figures cluster by story
        count, cost, share = rng.randint(20, 9_000), rng.randint(2, 90), rng.randint(3, 60)
        title = f"{place}: {count:,} {thing} affected as {project} plan costs ${cost} million"
        text = (
            f"Officials in {place} said {count:,} {thing} were affected by the {project} works announced on day "
            f"{gen * ITEMS + k}. “{rng.choice(SAYINGS)},” said {speaker}, {role}. The {place} {project} plan, drawn "
            f"up by {body}, costs ${cost} million and serves {share}% of {place}'s {rng.choice(ADJECTIVES)} wards. "
            f"A further {rng.randint(2, 40)} {project} sites will be reviewed by {rng.choice(PEOPLE)[0]} before a "
            f"vote in {rng.choice(['May', 'June', 'July'])}."
        )
    when = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(days=gen, minutes=k)
    return (
        f"<item><title>{escape(title)}</title><link>{base}/story/{feed}/{gen}-{k}</link>"
        f'<guid isPermaLink="false">bench-{feed}-{gen}-{k}</guid>'
        f"<pubDate>{format_datetime(when, usegmt=True)}</pubDate>"
        f"<description>{escape(text)}</description></item>"
    )


def _feed(feed: int, gen: int, base: str) -> bytes:
    """The feed document of generation `gen`: its ITEMS newest entries, newest first."""
    rng = random.Random(SEED * 1_000_003 + feed * 101 + gen)
    items = [_item(rng, feed, gen, k, base) for k in range(ITEMS)]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Bench wire {feed}</title>'
        f"<link>{base}/</link><description>Generated for bench_feeds</description>"
        + "".join(reversed(items))
        + "</channel></rss>"
    ).encode()


@dataclass
class _Doc:
    plain: bytes
    gzipped: bytes
    etag: str
    last_modified: str


def _serve() -> None:
    """The child process: serve FEEDS feeds on HOSTS loopback addresses; print their base URLs as one JSON line,
    then obey stdin lines "gen N" (switch every feed to generation N) and "stats" (counts since the last)."""
    asyncio.run(_serve_async())


async def _serve_async() -> None:
    socks = []
    for h in range(HOSTS):
        s = socket.socket()
        s.bind((f"127.0.0.{2 + h}", 0))
        socks.append(s)
    bases = [f"http://127.0.0.{2 + h}:{s.getsockname()[1]}" for h, s in enumerate(socks)]
    state: dict[str, Any] = {"gen": 0}
    docs: dict[tuple[int, int], _Doc] = {}
    stats: Counter[str] = Counter()

    def render(gen: int) -> None:
        for f in range(FEEDS):
            if (f, gen) not in docs:
                plain = _feed(f, gen, bases[f % HOSTS])
                when = datetime(2025, 3, 1, 12, tzinfo=UTC) + timedelta(days=gen)
                docs[f, gen] = _Doc(
                    plain, gzip.compress(plain, 6), f'"f{f}-g{gen}"', format_datetime(when, usegmt=True)
                )

    async def handle(request: web.Request) -> web.StreamResponse:
        feed = int(request.match_info["feed"])
        doc = docs[feed, state["gen"]]
        headers = {"ETag": doc.etag, "Last-Modified": doc.last_modified}
        if request.headers.get("If-None-Match") == doc.etag:
            stats["304"] += 1
            return web.Response(status=304, headers=headers)
        headers["Content-Type"] = "application/rss+xml; charset=utf-8"
        if "gzip" in request.headers.get("Accept-Encoding", ""):
            headers["Content-Encoding"] = "gzip"
            body = doc.gzipped
        else:
            body = doc.plain
        stats["200"] += 1
        stats["bytes"] += len(body)
        return web.Response(body=body, headers=headers)

    render(0)
    app = web.Application()
    app.router.add_get("/feed/{feed}.xml", handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    for s in socks:
        await web.SockSite(runner, s, backlog=1024).start()
    print(json.dumps(bases), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while line := (await reader.readline()).decode().strip():
        if line.startswith("gen "):
            state["gen"] = int(line.split()[1])
            render(state["gen"])
            print("ok", flush=True)
        elif line == "stats":
            print(json.dumps(dict(stats)), flush=True)
            stats.clear()
    await runner.cleanup()


class _Server:
    """The parent's handle on the child server process."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "from bench.bench_feeds import _serve; _serve()"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        bases = json.loads(self._line())
        self.urls = [f"{bases[f % HOSTS]}/feed/{f}.xml" for f in range(FEEDS)]

    def _line(self) -> str:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError("the feed server exited")
        return line

    def _ask(self, command: str) -> str:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self._line()

    def generation(self, gen: int) -> None:
        self._ask(f"gen {gen}")

    def stats(self) -> dict[str, int]:
        return dict(json.loads(self._ask("stats")))

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


# -- measuring ----------------------------------------------------------------------------------------------------
def _rss_mb() -> float:
    """This process's peak resident set size since the last `_reset_peak` (ru_maxrss, KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _reset_peak() -> bool:
    """Reset the kernel's high-water mark of this process's RSS (Linux: 5 > /proc/self/clear_refs)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


class _NullSink:
    name = "null"

    async def send(self, channel: str, payload: dict[str, Any], key: str) -> None:
        return None


@dataclass
class _Cycle:
    label: str
    seconds: float
    reports: list[IngestReport]
    peak_mb: float
    server: dict[str, int] = field(default_factory=dict)

    @property
    def new(self) -> int:
        return sum(r.new for r in self.reports)

    def line(self) -> str:
        n304 = sum(r.not_modified for r in self.reports)
        skipped = sum(r.skipped for r in self.reports)
        errors = [e for r in self.reports for e in r.errors]
        claims = sum(r.claims for r in self.reports)
        parts = [f"{self.new:,} new articles ({claims:,} claims)", f"{n304:,}×304"]
        parts += [f"{skipped} skipped"] if skipped else []
        parts += [f"{len(errors)} errors (first: {errors[0]})"] if errors else ["0 errors"]
        served = f"{self.server.get('200', 0):,}×200 ({self.server.get('bytes', 0) / 1e6:.1f} MB sent)"
        served += f", {self.server.get('304', 0):,}×304"
        return (
            f"  {self.label:26s} {self.seconds:7.2f} s   peak RSS {self.peak_mb:4.0f} MB   "
            f"{', '.join(parts)}; server: {served}"
        )


async def _cycle(label: str, service: Claimdesk, feeds: Sequence[FeedSettings], server: _Server) -> _Cycle:
    """One scheduler tick: every feed polled at once. Peak RSS is this cycle's (the mark is reset first)."""
    _reset_peak()
    t0 = time.perf_counter()
    reports = await asyncio.gather(*(service.poll(f) for f in feeds))
    seconds = time.perf_counter() - t0
    cycle = _Cycle(label, seconds, list(reports), _rss_mb(), await asyncio.to_thread(server.stats))
    print(cycle.line(), flush=True)
    return cycle


async def _ours(server: _Server, tmp: Path) -> tuple[list[_Cycle], float]:
    """The cycles through the real composition root; returns them and the peak RSS of start-up."""
    feeds = tuple(
        FeedSettings(f"wire {i}", url, interval=300, backfill=0, full_text=False, max_age=None)
        for i, url in enumerate(server.urls)
    )
    settings = Settings(
        source=tmp / "bench.toml",
        database=tmp / "bench.db",
        sink="console",
        jsonl_path=tmp / "alerts.jsonl",
        discord_token=None,
        feeds=feeds,
        teams=(TeamSettings("desk", "console", ("castlemere", "harbour board"), DEFAULT_ALERT_KINDS),),
        jitter=0,
        misfire_grace=300,
        fetch=FetchSettings(allow=("127.0.0.0/8",)),
    )
    app = await bootstrap(settings, sink=_NullSink())
    start_peak = _rss_mb()  # imports, the server's start and bootstrap (1,000 feed rows), up to here
    try:
        cycles = [await _cycle("first add", app.service, feeds, server)]
        for r in range(ROUNDS_304):
            cycles.append(await _cycle(f"all-304, round {r + 1}", app.service, feeds, server))
        await asyncio.to_thread(server.generation, 1)
        cycles.append(await _cycle(f"{ITEMS} new items per feed", app.service, feeds, server))
    finally:
        await app.close()
    return cycles, start_peak


def _naive(urls: Sequence[str]) -> tuple[float, float, int]:
    """`for url in urls: feedparser.parse(url)`: seconds, peak RSS MB during it, entries parsed."""
    _reset_peak()
    entries = 0
    t0 = time.perf_counter()
    for url in urls:
        entries += len(feedparser.parse(url).entries)
    return time.perf_counter() - t0, _rss_mb(), entries


def _verdict(ok: bool) -> str:
    return "meets" if ok else "MISSES"


def main() -> None:
    if not _reset_peak():
        print("  /proc/self/clear_refs is not writable: each peak RSS below is the peak since start-up")
    server = _Server()
    print(
        f"  {FEEDS:,} feeds on {HOSTS} loopback hosts (127.0.0.2-{1 + HOSTS}), {ITEMS} entries per feed, "
        f"per_host = {FetchSettings().per_host} (the default); a cycle = asyncio.gather of {FEEDS:,} polls",
        flush=True,
    )
    try:
        with tempfile.TemporaryDirectory(prefix="bench-feeds-") as tmp:
            cycles, start_peak = asyncio.run(_ours(server, Path(tmp)))
        server.generation(0)  # the server state of the all-304 cycles
        naive_304 = _naive(server.urls)
        server.generation(1)  # the feeds of cycle 3
        naive_new = _naive(server.urls)
        served = server.stats()
    finally:
        server.close()

    first, rounds, new = cycles[0], cycles[1:-1], cycles[-1]
    overall = max([start_peak, *(c.peak_mb for c in cycles)])
    best, median = min(c.seconds for c in rounds), statistics.median(c.seconds for c in rounds)
    print(
        f"  first add: {first.new / first.seconds:,.0f} articles/s (entries without figures or quotes: extracted "
        "and stored, no claims; includes building the extractor)"
    )
    print(
        f"  all-304 cycle: {median:.2f} s median, {best:.2f} s best of {ROUNDS_304} "
        f"(target < {TARGET_304_S:g} s: {_verdict(median < TARGET_304_S)})"
    )
    print(
        f"  naive `feedparser.parse(url)` loop, same server state: {naive_304[0]:.2f} s "
        f"({naive_304[2]:,} entries downloaded and parsed: no conditional GET)"
    )
    print(f"  ratio naive / ours, all-304: {naive_304[0] / median:.1f}x (against our median round)")
    print(
        f"  {ITEMS}-new-items cycle: {new.seconds:.2f} s, {new.new:,} articles, {new.new / new.seconds:,.0f} "
        "articles/s (parsed, extracted, matched and stored with claims and alerts)"
    )
    print(
        f"  naive loop over the same feeds: {naive_new[0]:.2f} s ({naive_new[2]:,} entries, "
        f"{naive_new[2] / naive_new[0]:,.0f} entries/s); it only downloads and parses: no store, no dedup, "
        "no extraction"
    )
    print(f"  ratio naive / ours, {ITEMS} new items: {naive_new[0] / new.seconds:.2f}x")
    print(
        f"  peak RSS, start-up through cycle 3: {overall:.0f} MB (target < {TARGET_RSS_MB:g} MB: "
        f"{_verdict(overall < TARGET_RSS_MB)}); start-up {start_peak:.0f} MB, naive loops afterwards "
        f"{max(naive_304[1], naive_new[1]):.0f} MB"
    )
    print(f"  server during the naive loops: {served.get('200', 0):,}×200, {served.get('304', 0):,}×304")
