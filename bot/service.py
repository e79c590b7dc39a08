"""The application: poll a feed, extract new articles off the event loop, store each article with its claims
and alerts in one unit of work, and deliver the outbox through a sink.

Its parts live beside it: which entries are new and which alert (bot.entries), article pages for teasers
(bot.enriching), the extraction thread (bot.extraction_worker), a delivery round (bot.delivering).

Nothing here knows SQL, HTTP or Discord: it talks to the store, to feeds and to article pages through their ports
(bot.core.ports: `Store`, `FeedSource`, `PageReader`; the composition root, bot.bootstrap, passes the adapters) and
to any object with `async send(channel, payload)`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.config import FeedSettings, FetchSettings, is_web_url
from bot.core.alerts import TeamWatch
from bot.core.claims import claims_from
from bot.core.feedhealth import FeedPolicy, after_failure, is_due
from bot.core.feednotices import feed_failed, feed_ok
from bot.core.feedrecords import FeedEntry, Fetched, ParsedFeed
from bot.core.matching import Meaning
from bot.core.placing import record_article
from bot.core.ports import FeedSource, PageReader, Store
from bot.core.records import FeedRow, NewArticle
from bot.core.tries import HOUR, TooManyTries, Tries
from bot.delivering import MessageRejected, RouteUnavailable, Sink, deliver_round
from bot.enriching import FullText
from bot.entries import BATCH_ENTRIES, alerting, extraction_batches, newest, oldest_first, unseen
from bot.errors import FeedError
from bot.extraction_worker import ExtractionWorker
from bot.extractor import Extraction

log = logging.getLogger("claimdesk")
# re-exported for the command line and the composition root, which import them from here
__all__ = [
    "Claimdesk",
    "ExtractionWorker",
    "IngestReport",
    "MessageRejected",
    "RouteUnavailable",
    "Sink",
    "oldest_first",
]


POLLS_AT_ONCE = 50
# a poll's lease is renewed once this fraction of it has passed (while its articles are stored)
RENEW_AFTER = 1 / 3
# the clock that times lease renewal (monotonic: a wall-clock step must not renew or skip)
_clock = time.monotonic
# bytes: a feed this large is parsed in its turn among large documents (`_large_parses`)
LARGE_DOCUMENT = 1_000_000


class _Stopped(Exception):
    """A poll that would start fetching after shutdown began."""


@dataclass
class IngestReport:
    entries: int = 0
    new: int = 0
    claims: int = 0
    alerts: int = 0
    errors: list[str] = field(default_factory=list)
    not_modified: bool = False  # the server answered 304: nothing parsed
    skipped: bool = False  # not due: backing off, asked to wait, or paused
    stopped: bool = False  # cut short by a shutdown: the entries not stored come with the next poll

    def add(self, other: IngestReport) -> None:
        self.entries += other.entries
        self.new += other.new
        self.claims += other.claims
        self.alerts += other.alerts
        self.errors += other.errors


Enricher = Callable[[list[FeedEntry]], Awaitable[list[FeedEntry]]]


class Claimdesk:
    def __init__(
        self,
        store: Store,
        worker: ExtractionWorker,
        sink: Sink,
        feeds: FeedSource,
        pages: PageReader,
        policy: FeedPolicy | None = None,
        feed_defaults: FeedSettings | None = None,
        team_tries: Tries | None = None,
        meaning: Meaning | None = None,
    ) -> None:
        self.store = store
        # sentence embeddings for quotes that share a speaker with a stored cluster (None: words only)
        self.meaning = meaning
        self.worker = worker
        self.sink = sink
        # feeds fetched (through the network guard) or read, and parsed; `fetcher` by its older name
        self.fetcher = feeds
        self.policy = policy or FeedPolicy()
        # interval, max age and full text for feeds that teams add (their name and url come from the store)
        self.feed_defaults = feed_defaults or FeedSettings("", "", 300, 0)
        # how many fetches one team may ask for with its commands (/feeds test and add) in an hour
        self.team_tries = team_tries or Tries(FetchSettings().team_tries_per_hour, HOUR)
        self.feed_ids: dict[str, int] = {}
        self._wake = asyncio.Event()
        self._delivering = asyncio.Lock()
        # polls under way at once: beyond it, they queue before fetching, instead of each holding its response
        # and parsed entries while waiting for the one extraction thread (bench_feeds, a helper's run with a 50-slot cap:
        # cycle-3 peak 242–277 → 168 MB, the all-304 cycle no slower)
        self._polling = asyncio.Semaphore(POLLS_AT_ONCE)
        self._inflight: set[asyncio.Task[Any]] = set()
        # shutdown: polls waiting on the network (feed, article pages) are cancelled at once, since they have
        # nothing to lose; a poll storing articles stops after the article it is on
        self._network_bound: set[asyncio.Task[Any]] = set()
        # one large document parsed at a time in the process, feed or article page: a 19 MB feed's parse (+80 MB)
        # and a page's (+40 MB) never stack (issue 20)
        self._large_parses = asyncio.Semaphore(1)
        # article pages for teasers, within the process's own page limits (bot.enriching)
        self.full_text = FullText(store, pages, self._large_parses)
        self._stopping = False

    async def add_feed(self, feed: FeedSettings) -> int:
        self.feed_ids[feed.url] = await self.store.ensure_feed(feed)
        return self.feed_ids[feed.url]

    # -- polling ------------------------------------------------------------------------------------------------
    async def poll(self, feed: FeedSettings) -> IngestReport:
        """One poll of one feed. Never raises for a bad feed: logs, marks the feed row, and returns."""
        task = asyncio.current_task()
        if task is not None:
            self._inflight.add(task)
        try:
            # a cycle of 1,000 feeds holds at most this many bodies and parses at once
            async with self._polling:
                return await self._poll(feed)
        except _Stopped:
            return IngestReport(skipped=True, stopped=True)
        except asyncio.CancelledError:
            if self._stopping:
                log.info("feed %s: poll stopped by the shutdown", feed.name)
            raise
        finally:
            if task is not None:
                self._inflight.discard(task)

    @contextmanager
    def _network(self) -> Iterator[None]:
        """Marks the current poll as waiting on the network: a shutdown cancels it at once (nothing to lose)."""
        if self._stopping:
            raise _Stopped
        task = asyncio.current_task()
        if task is not None:
            self._network_bound.add(task)
        try:
            yield
        finally:
            if task is not None:
                self._network_bound.discard(task)

    async def team_feeds(self) -> list[FeedSettings]:
        """The feeds teams added with /feeds add, as the scheduler polls them: no backfill (first add is silent),
        the config's default interval and age limit, remote only."""
        d = self.feed_defaults
        rows = await self.store.team_feeds()
        out = [replace(d, name=r.name, url=r.url, backfill=0) for r in rows if is_web_url(r.url)]
        for r in rows:
            self.feed_ids[r.url] = r.id
        return out

    async def read_feed(self, url: str) -> ParsedFeed:
        """Fetch (through the guard) or read a local feed file and parse it, once: for the operator's imports."""
        if is_web_url(url):
            return await self.read_remote_feed(url)
        data = await asyncio.to_thread(self.fetcher.read_local, Path(url))
        return await asyncio.to_thread(self.fetcher.parse, data, {})

    async def read_remote_feed(self, url: str) -> ParsedFeed:
        """Fetch a feed through the guard and parse it; never a local file. What users' commands get."""
        if not is_web_url(url):
            raise FeedError(f"{url[:200]}: only http and https URLs are fetched")
        got = await self.fetcher.get(url)
        return await asyncio.to_thread(self.fetcher.parse, got.body, dict(got.headers))

    def team_feed_reader(self, team: str) -> Callable[[str], Awaitable[ParsedFeed]]:
        """`read_remote_feed` for one team's commands, within its tries (`fetch.team_tries_per_hour`).
        Raises TooManyTries, before any connection, when the team has used them."""

        async def read(url: str) -> ParsedFeed:
            wait = self.team_tries.take(team)
            if wait:
                raise TooManyTries(self.team_tries.limit, self.team_tries.window, wait)
            return await self.read_remote_feed(url)

        return read

    async def _poll(self, feed: FeedSettings) -> IngestReport:
        feed_id = self.feed_ids.get(feed.url) or await self.add_feed(feed)
        row = await self.store.feed(feed_id)
        now = datetime.now(UTC)
        if not is_due(row.next_poll_at, now):
            return IngestReport(skipped=True)
        # several processes on one database: the poll is leased to one of them until the next one is due
        lease = timedelta(seconds=feed.interval)
        if not await self.store.claim_feed(feed_id, lease):
            return IngestReport(skipped=True)
        got: Fetched | None = None
        parsed: ParsedFeed | None = None
        failure: FeedError | None = None
        with self._network():
            try:
                parsed, got = await self._fetch(feed, row)
            except FeedError as exc:
                failure = exc
            # a bug or an input nobody foresaw: still this feed's failure, counted and shown
            except Exception as exc:
                log.exception("feed %s: unexpected error", feed.name)
                failure = FeedError(f"{type(exc).__name__}: {exc}")
        if failure is not None:
            return await self._failed(feed, feed_id, row.failures + 1, failure)
        if parsed is None:  # 304: not modified
            if got is not None and await feed_ok(
                self.store, feed_id, None, moved_to=got.moved_to, keep_validators=True
            ):
                log.info("feed %s resumed", feed.name)
                self._wake.set()
            return IngestReport(not_modified=True)
        first_add = row.last_ok_at is None
        report = await self.ingest(
            feed_id,
            parsed.entries,
            backfill=feed.backfill if first_add else None,
            max_age=feed.max_age,
            enrich=self.full_text if feed.full_text and feed.is_remote else None,
            lease=lease,
        )
        if report.stopped:  # not marked read: the next poll fetches it again and stores the rest
            log.info("feed %s: stopped by the shutdown after %d new entries", feed.name, report.new)
            self._wake.set()
            return report
        resumed = await feed_ok(
            self.store,
            feed_id,
            parsed.title,
            etag=got.etag if got else None,
            last_modified=got.last_modified if got else None,
            moved_to=got.moved_to if got else None,
        )
        if got is not None and got.moved_to:
            log.info("feed %s moved permanently to %s", feed.name, got.moved_to)
        if report.new or resumed:
            log.info(
                "feed %s: %d new of %d entries, %d alerts queued",
                feed.name,
                report.new,
                report.entries,
                report.alerts,
            )
        self._wake.set()
        return report

    async def _fetch(self, feed: FeedSettings, row: FeedRow) -> tuple[ParsedFeed | None, Fetched | None]:
        """The feed parsed, and the response it came in (None for a local file); None parsed: a 304."""
        if not feed.is_remote:
            data = await asyncio.to_thread(self.fetcher.read_local, Path(feed.url))
            return await self._parse(data, {}), None
        got = await self.fetcher.get(row.target, etag=row.etag, last_modified=row.last_modified)
        if got.status == 304:
            return None, got
        parsed = await self._parse(got.body, dict(got.headers))
        # the body is not needed once parsed: a 19 MB feed's bytes are not held while its entries are stored
        return parsed, replace(got, body=b"")

    async def _parse(self, data: bytes, headers: dict[str, str]) -> ParsedFeed:
        """The feed parsed in a worker thread; a large one waits for its turn among large documents."""
        if len(data) <= LARGE_DOCUMENT:
            return await asyncio.to_thread(self.fetcher.parse, data, headers)
        async with self._large_parses:
            return await asyncio.to_thread(self.fetcher.parse, data, headers)

    async def _failed(self, feed: FeedSettings, feed_id: int, failures: int, exc: FeedError) -> IngestReport:
        """Count the failure, back off (never sooner than Retry-After), pause after too many in a row. The wait
        counts from now, the end of the failed poll, not from its start (a timeout may have taken 30 s)."""
        decision = after_failure(
            self.policy,
            failures,
            feed.interval,
            datetime.now(UTC),
            retry_after=getattr(exc, "retry_after", None),
            gone=getattr(exc, "gone", False),
        )
        paused = await feed_failed(
            self.store,
            feed_id,
            str(exc),
            next_poll_at=decision.next_poll_at.replace(microsecond=0).isoformat(),
            pause=decision.pause,
        )
        log.warning(
            "feed %s (%s) failed (%d in a row): %s; next poll not before %s%s",
            feed.name,
            feed.url,
            failures,
            exc,
            decision.next_poll_at.strftime("%Y-%m-%d %H:%M:%S UTC"),
            " — paused, the teams are told" if paused else "",
        )
        if paused:
            self._wake.set()
        return IngestReport(errors=[f"{feed.url}: {exc}"])

    async def ingest(
        self,
        feed_id: int,
        entries: Sequence[FeedEntry],
        *,
        backfill: int | None = None,
        alert: bool = True,
        max_age: int | None = None,
        enrich: Enricher | None = None,
        progress: Callable[[int], None] | None = None,
        batch: int = BATCH_ENTRIES,
        lease: timedelta | None = None,
    ) -> IngestReport:
        """Store the entries this feed has not shown before, oldest first. `backfill` (a feed's first poll) limits
        which alert, and so does `max_age`; `enrich` may add page text to the new ones before extraction.

        A first poll's choice is stored before its first article (the store's `first_poll`): a first poll cut short by
        a crash or a stop is finished after the restart with the same choice, and an entry that appeared since
        is new like any later one.

        `lease`: the poll's lease on the feed (several processes on one database), renewed as the articles are
        stored, so a first poll of thousands of entries is not taken over by another process half-way."""
        report = IngestReport(entries=len(entries))
        fresh = await unseen(self.store, feed_id, oldest_first(entries))
        candidates = fresh
        if backfill is not None and fresh:
            chosen = {e.key for e in newest(fresh, backfill)}
            decided = await self.store.first_poll(feed_id, [e.key for e in fresh], chosen)
            candidates, backfill = [e for e in fresh if decided.get(e.key, True)], None
        loud = {e.key for e in alerting(candidates, backfill, alert, max_age, datetime.now(UTC))}
        if enrich and fresh:
            with self._network():
                fresh = await enrich(fresh)
        teams = await self.store.team_watches()
        renewed = _clock()
        for chunk in extraction_batches(fresh, batch):
            if lease is not None and _clock() - renewed >= lease.total_seconds() * RENEW_AFTER:
                renewed = _clock()
                if not await self.store.claim_feed(feed_id, lease):
                    log.warning(
                        "feed %d: its lease lapsed during a long poll and another process holds it", feed_id
                    )
            results = [] if self._stopping else await self.worker.extract([(e.body, e.title) for e in chunk])
            for n, entry in enumerate(chunk):
                if self._stopping:  # a shutdown: the article under way was stored, the rest wait
                    report.stopped = True
                    return report
                report.add(await self._record(feed_id, entry, results[n], teams, entry.key in loud))
            if progress:
                progress(len(chunk))
        return report

    async def _record(
        self, feed_id: int, entry: FeedEntry, result: Extraction | str, teams: Sequence[TeamWatch], loud: bool
    ) -> IngestReport:
        failed = isinstance(result, str)
        summary = result.summary if isinstance(result, Extraction) else entry.body[:300]
        article = NewArticle(
            feed_id=feed_id,
            entry_key=entry.key,
            url=entry.url,
            title=entry.title,
            source=entry.source,
            published_at=entry.published,
            body=entry.body,
            summary=summary,
            extract_error=result if isinstance(result, str) else None,
            alerted=loud,
            link_key=entry.link_key,
            fingerprint=entry.fingerprint,
        )
        drafts = claims_from(result, entry.body) if isinstance(result, Extraction) else []
        recorded = await record_article(self.store, article, drafts, teams, loud, self.meaning)
        if recorded is None:
            return IngestReport()  # stored meanwhile (another feed poll, a restart): nothing to do
        if failed:
            log.warning("article %r stored without claims: extraction failed: %s", entry.title, result)
        return IngestReport(
            new=1,
            claims=len(recorded.outcomes),
            alerts=recorded.queued,
            errors=[str(result)] if failed else [],
        )

    # -- delivery -----------------------------------------------------------------------------------------------
    async def deliver_pending(self, now: datetime | None = None) -> int:
        """Plan queued alerts into messages, then send the planned messages in order. A channel whose send fails
        is skipped for the rest of the round (its messages stay queued); other channels go on. A channel the sink
        reports unavailable is paused and retried after ROUTE_RETRY. Returns how many messages were sent."""
        async with self._delivering:  # one round at a time: the loop, and a final round at shutdown
            return await deliver_round(self.store, self.sink, now or datetime.now(UTC))

    async def delivery_loop(self, stop: asyncio.Event, every: float = 5.0) -> None:
        """Deliver whenever a poll queued alerts, and every few seconds to retry what failed."""
        while not stop.is_set():
            self._wake.clear()  # before the round: a poll that queues alerts during it wakes the next one
            try:
                await self.deliver_pending()
            except Exception:
                log.exception("delivery round failed; retrying")
            waiters = [asyncio.ensure_future(self._wake.wait()), asyncio.ensure_future(stop.wait())]
            _, rest = await asyncio.wait(waiters, timeout=every, return_when=asyncio.FIRST_COMPLETED)
            for w in rest:
                w.cancel()

    async def drain(self, grace: float = 15.0) -> None:
        """Shutdown: polls waiting on the network are cancelled at once, polls storing articles stop after the
        article they are on (up to `grace` seconds; then they are cancelled too), and no poll starts."""
        self._stopping = True
        for t in self._network_bound:
            t.cancel()
        tasks = {t for t in self._inflight if not t.done()}
        if tasks:
            _, late = await asyncio.wait(tasks, timeout=grace)
            for t in late:
                t.cancel()
            if late:
                await asyncio.wait(late, timeout=5)
