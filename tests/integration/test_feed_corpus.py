"""Robustness over a corpus no one here wrote: every test feed in feedparser's own source distribution, served
from 127.0.0.1 and read by the real poller (guarded fetcher, feedparser, the spaCy extractor, SQLite).

Each feed must end one of three ways: its entries are stored, or the feed row carries a clear error, or it is
a well-formed feed with no entries (feedparser names its format); a feed whose server answers 304 (one corpus
file redirects to a 304) ends "not modified", counted apart. No exception may escape a poll, no poll may
hang, and the poller must still work afterwards. The counts are printed (`pytest -s`) and written to
var/feedparser-corpus/counts.json (per-feed outcomes to outcomes.json beside it).

The corpus is fetched by `make test` (`pip download --no-binary :all: feedparser==<installed version>`) into
var/feedparser-corpus/, which git ignores; without it (offline) this test skips.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
import ipaddress
import json
import re
import socket
import sqlite3
import time
import traceback
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import feedparser
import pytest
from aiohttp import web
from multidict import CIMultiDict

from bot.config import FeedSettings
from tests.conftest import ROOT, AppFactory, RecordingSink, rss

FEEDPARSER_VERSION = importlib.metadata.version("feedparser")
CORPUS_DIR = ROOT / "var" / "feedparser-corpus"
CORPUS = CORPUS_DIR / f"feedparser-{FEEDPARSER_VERSION}" / "tests"
SUFFIXES = {".xml", ".gz", ".z"}  # the feeds; compression/*.gz|*.z are served with a Content-Encoding
HEADER = re.compile(rb"^Header:\s+([^:]+):(.+)$", re.MULTILINE)  # as feedparser's own runtests.py reads them
ORIGINAL_SERVER = re.compile(r"^http://(?:localhost|127\.0\.0\.1):8097")  # its test server, rewritten to ours
POLL_LIMIT = 60.0  # seconds: the fetch timeout is 10 s; a poll past this is a hang


@dataclass(frozen=True)
class Served:
    status: int
    headers: CIMultiDict[str]
    body: bytes


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix in SUFFIXES)


def served(path: Path, base: str) -> Served:
    """The response feedparser's own test server gives for this file: the `Header:` lines in its leading
    comment (Status, Content-Type with charsets, Location, ...), its server's address replaced by ours."""
    body = path.read_bytes()
    if path.parent.name == "compression":
        headers = CIMultiDict(
            {
                "Content-Encoding": "gzip" if path.suffix == ".gz" else "deflate",
                "Content-Type": "application/xml",
            }
        )
    else:
        headers = CIMultiDict(
            (k.decode("utf-8").strip(), v.decode("utf-8").strip()) for k, v in HEADER.findall(body)
        )
    status = int(headers.pop("Status", "200"))
    headers.setdefault("Content-Type", "application/xml")
    if "Location" in headers:
        headers["Location"] = ORIGINAL_SERVER.sub(base, headers["Location"])
    return Served(status, headers, body)


@dataclass
class CorpusServer:
    base: str
    routes: dict[str, Served]
    hits: Counter[str]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture
async def corpus_server() -> AsyncIterator[CorpusServer]:
    routes: dict[str, Served] = {"/-/return-304.xml": Served(304, CIMultiDict(), b"")}
    hits: Counter[str] = Counter()

    async def handle(request: web.Request) -> web.Response:
        hits[request.path] += 1
        r = routes.get(
            request.path, Served(404, CIMultiDict({"Content-Type": "text/plain"}), b"no such file")
        )
        return web.Response(status=r.status, headers=r.headers, body=r.body or None)

    app = web.Application()
    app.router.add_route("GET", "/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        yield CorpusServer(f"http://127.0.0.1:{port}", routes, hits)
    finally:
        await runner.cleanup()


@pytest.fixture
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Refuses, before any packet, a connect to anything but a loopback address; returns what it refused.
    aiohttp (through asyncio) connects with socket.socket.connect, so this covers the fetcher."""
    refused: list[Any] = []
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(sock: socket.socket, address: Any) -> bool:
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return True
        try:
            return ipaddress.ip_address(str(address[0]).split("%")[0]).is_loopback
        except ValueError:
            return False

    def connect(sock: socket.socket, address: Any) -> None:
        if not allowed(sock, address):
            refused.append(address)
            raise ConnectionRefusedError(f"test guard: no connection to {address!r} (loopback only)")
        real_connect(sock, address)

    def connect_ex(sock: socket.socket, address: Any) -> int:
        if not allowed(sock, address):
            refused.append(address)
            raise ConnectionRefusedError(f"test guard: no connection to {address!r} (loopback only)")
        return real_connect_ex(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    return refused


def error_kind(message: str) -> str:
    """An error message without its particulars: 'not a feed (SAXParseException)', 'HTTP 404 Not Found'."""
    if message.startswith("not a feed ("):
        return re.sub(r"^(not a feed \(\w+)\b.*$", r"\1)", message, flags=re.DOTALL)
    return message.split(": ")[0][:60]


def feed_rows(db: Path) -> tuple[dict[int, int], dict[int, int]]:
    """Per feed id: entry keys recorded (each entry the feed showed, as a new article or a known one), and new
    articles stored."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        keys = dict(conn.execute("SELECT feed_id, count(*) FROM entry_keys GROUP BY feed_id").fetchall())
        arts = dict(conn.execute("SELECT feed_id, count(*) FROM articles GROUP BY feed_id").fetchall())
    return keys, arts


@pytest.mark.skipif(
    not CORPUS.is_dir(),
    reason=f"feedparser {FEEDPARSER_VERSION}'s test corpus is not at {CORPUS.relative_to(ROOT)}: `make test` "
    f"fetches it with `pip download --no-binary :all: --no-deps feedparser=={FEEDPARSER_VERSION}` "
    "(offline, it can't)",
)
async def test_feedparser_corpus_through_the_real_poller(
    corpus_server: CorpusServer,
    loopback_only: list[Any],
    write_config: Callable[..., Path],
    make_app: AppFactory,
    sink: RecordingSink,
) -> None:
    started = time.monotonic()
    with pytest.raises(ConnectionRefusedError):  # the guard is live: this never leaves the machine
        socket.create_connection(("192.0.2.1", 9), timeout=1)
    assert loopback_only == [("192.0.2.1", 9)]
    loopback_only.clear()

    files = corpus_files()
    assert len(files) > 2_000, f"only {len(files)} feeds under {CORPUS}: a broken unpack?"
    feeds: dict[str, FeedSettings] = {}
    for path in files:
        rel = path.relative_to(CORPUS).as_posix()
        corpus_server.routes[f"/tests/{rel}"] = served(path, corpus_server.base)
        feeds[rel] = FeedSettings(
            rel, corpus_server.url(f"/tests/{rel}"), 3_600, backfill=0, full_text=False, max_age=None
        )
    config = write_config(feeds="", fetch='allow = ["127.0.0.1", "::1"]\ntimeout = 10')
    app = await make_app(config, sink)

    reports: dict[str, Any] = {}
    crashed: dict[str, str] = {}
    for rel, fs in feeds.items():
        await app.service.add_feed(fs)
        try:
            reports[rel] = await asyncio.wait_for(app.service.poll(fs), POLL_LIMIT)
        except TimeoutError:
            crashed[rel] = f"hang: poll still running after {POLL_LIMIT:g} s"
        except Exception:
            crashed[rel] = traceback.format_exc()
    polled = time.monotonic()

    keys, arts = feed_rows(app.settings.database)
    rows = {r.url: r for r in await app.store.feeds()}
    outcome: dict[str, str] = {}
    errors: Counter[str] = Counter()
    valid_empty: Counter[str] = Counter()
    problems: list[str] = []  # a feed that ended none of the allowed ways
    for rel, fs in feeds.items():
        if rel in crashed:
            outcome[rel] = "crashed"
            continue
        report, row, fid = reports[rel], rows[fs.url], app.service.feed_ids[fs.url]
        if report.skipped:
            problems.append(f"{rel}: skipped on its first poll")
        elif keys.get(fid, 0):
            outcome[rel] = "entries"
            if row.last_error or row.last_ok_at is None:
                problems.append(f"{rel}: entries stored but the feed row says {row.last_error!r}")
        elif row.last_error:
            outcome[rel] = "error"
            errors[error_kind(row.last_error)] += 1
            if not (report.errors and row.failures == 1 and report.entries == 0 and row.last_error.strip()):
                problems.append(
                    f"{rel}: error {row.last_error!r} but report {report}, failures {row.failures}"
                )
        elif report.entries:
            problems.append(f"{rel}: {report.entries} entries parsed, none stored, no error (silent loss)")
        elif report.not_modified:
            outcome[rel] = "not_modified"  # the server answered 304 (a redirect to a 304): nothing to parse
        else:
            # no entries and no error: it must be a well-formed feed, not a failure the poller swallowed
            got = await app.service.fetcher.get(fs.url)
            parsed = feedparser.parse(got.body, response_headers=dict(got.headers))
            if parsed.version and not parsed.bozo and not parsed.entries and row.last_ok_at:
                outcome[rel] = "valid_empty"
                valid_empty[parsed.version] += 1
            else:
                problems.append(
                    f"{rel}: no entries and no error, but feedparser says version={parsed.version!r} "
                    f"bozo={parsed.get('bozo_exception')!r}"
                )

    store_counts = await app.store.counts()
    tally = Counter(outcome.values())
    counts = {
        "feedparser_version": FEEDPARSER_VERSION,
        "feeds_served": len(feeds),
        "with_entries": tally["entries"],
        "with_entries_new_articles": sum(
            1 for r, o in outcome.items() if o == "entries" and arts.get(app.service.feed_ids[feeds[r].url])
        ),
        "entries_parsed": sum(r.entries for r in reports.values()),
        "entry_keys_recorded": sum(keys.values()),
        "articles_stored": store_counts["articles"],
        "claims_stored": store_counts["claims"],
        "extraction_errors": store_counts["extract_errors"],
        "with_errors": tally["error"],
        "errors_by_kind": dict(errors.most_common()),
        "valid_no_entries": tally["valid_empty"],
        "valid_no_entries_by_format": dict(valid_empty.most_common()),
        "not_modified_304": tally["not_modified"],
        "crashed_or_hung": len(crashed),
        "unexplained": len(problems),
        "non_loopback_connects": len(loopback_only),
        "poll_seconds": round(polled - started, 1),
    }
    print("\nfeedparser corpus through the real poller:\n" + json.dumps(counts, indent=2))
    for rel, tb in crashed.items():
        print(f"--- {rel} ---\n{tb}")
    CORPUS_DIR.joinpath("counts.json").write_text(json.dumps(counts, indent=2) + "\n", encoding="utf-8")
    CORPUS_DIR.joinpath("outcomes.json").write_text(
        json.dumps({r: outcome.get(r, "unexplained") for r in feeds}, indent=1) + "\n", encoding="utf-8"
    )

    assert not loopback_only, f"connections attempted off loopback: {loopback_only}"
    assert not problems, "\n".join(problems[:20])
    assert not crashed, "\n\n".join(f"{r}:\n{tb}" for r, tb in crashed.items())
    assert tally["entries"] + tally["error"] + tally["valid_empty"] + tally["not_modified"] + len(
        crashed
    ) == len(feeds)
    assert tally["not_modified"] <= corpus_server.hits["/-/return-304.xml"]
    assert tally["entries"] > 500 and counts["articles_stored"] > 0

    # the poller still works: a small feed of our own, after 2,000 odd ones
    corpus_server.routes["/own/wire.xml"] = Served(
        200,
        CIMultiDict({"Content-Type": "application/rss+xml"}),
        rss(
            [
                {
                    "title": "Harbour council approves new ferry timetable",
                    "link": "http://127.0.0.1/own/ferry",
                    "description": "The harbour council voted 7 to 2 on Tuesday to add 14 daily crossings.",
                },
                {
                    "title": "Library extends weekend opening hours",
                    "link": "http://127.0.0.1/own/library",
                    "description": "The central library will open at 9 am on Sundays, its director said.",
                },
            ]
        ),
    )
    own = FeedSettings(
        "own wire", corpus_server.url("/own/wire.xml"), 300, backfill=0, full_text=False, max_age=None
    )
    before = store_counts["articles"]
    report = await app.service.poll(own)
    assert (report.entries, report.new, report.errors) == (2, 2, [])
    assert (await app.store.counts())["articles"] == before + 2
    own_row = next(r for r in await app.store.feeds() if r.url == own.url)
    assert own_row.last_error is None and own_row.last_ok_at is not None
    assert not loopback_only
