"""The `claimdesk` command line: run, demo, ask, ingest, extract, export, db upgrade, db backup.

Errors the user can fix (config, database file, arguments) print one line and exit 2; nothing prints a traceback
for them.
"""

from __future__ import annotations

import argparse
import asyncio
import difflib
import hashlib
import io
import json
import logging
import math
import os
import re
import signal
import sqlite3
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, NoReturn, TextIO

from bot import __version__
from bot.adapters.feeds import FeedEntry, FeedError
from bot.adapters.files import os_problem, sqlite_problem, unwritable
from bot.adapters.meaning import SentenceMeaning
from bot.bootstrap import (
    SCHEMA_VERSION,
    bootstrap,
    console_sink,
    make_extractor,
    make_meaning,
    open_store,
)
from bot.config import (
    DEFAULT_CONFIG,
    TOKEN_ENV,
    FeedSettings,
    Settings,
    TeamSettings,
    is_web_url,
    load_settings,
)
from bot.core.feednotices import feed_ok
from bot.core.figure_identity import FigureRef, figure_ref, figure_relation
from bot.core.matching import quote_match, same_speaker
from bot.core.ports import ClaimStore
from bot.core.records import ExportedClaim
from bot.core.render import render_reply
from bot.errors import UserError
from bot.extractor.summary import title_of
from bot.service import IngestReport, oldest_first
from handlers import COMMANDS, Caller, dispatch

log = logging.getLogger("claimdesk")
IMPORT_FEED = "import:files"


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(args.config)


# -- run ----------------------------------------------------------------------------------------------------------
async def run(settings: Settings, once: bool = False) -> int:
    discord_sink = settings.effective_sink == "discord"
    if discord_sink and not settings.discord_token:
        raise UserError(f'{settings.source}: sink = "discord" needs the bot token in ${TOKEN_ENV}')
    app = await bootstrap(settings)
    service = app.service
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        if discord_sink and not once:
            from bot.adapters.discord_bot import DiscordSink, run_discord

            assert isinstance(service.sink, DiscordSink) and settings.discord_token
            await run_discord(app, service.sink, settings.discord_token, stop)
            return 0
        if once:
            # every feed at once, as the scheduler fires them (the service bounds polls and requests per host);
            # Ctrl-C / SIGTERM stop it as they stop `run`
            feeds = [*settings.feeds, *await service.team_feeds()]
            polls = asyncio.gather(*(service.poll(f) for f in feeds), return_exceptions=True)
            stopped = asyncio.ensure_future(stop.wait())
            waiting: set[asyncio.Future[Any]] = {polls, stopped}
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            stopped.cancel()
            if stop.is_set():
                log.info("stopping: in-flight polls, the outbox, and the database")
                await service.drain()
            for failed in await polls:
                if isinstance(failed, BaseException) and not isinstance(failed, asyncio.CancelledError):
                    log.error("a poll failed unexpectedly: %r", failed)
            await service.deliver_pending()
            return 0
        app.start()
        log.info(
            "claimdesk running: %d feed(s), %d team(s), sink %s, store %s. Ctrl-C stops.",
            len(settings.feeds),
            len(settings.teams),
            service.sink.name,
            settings.database,
        )
        await stop.wait()
        log.info("stopping: scheduler first, then in-flight polls, the outbox, and the database")
        await app.stop()
        return 0
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await app.close()
        log.info("claimdesk stopped cleanly")


async def discord_sync(settings: Settings, out: TextIO) -> int:
    if not settings.discord_token:
        raise UserError(f"claimdesk discord sync needs the bot token in ${TOKEN_ENV}")
    from bot.adapters.discord_bot import sync_global

    app = await bootstrap(settings, open_feeds=False)
    try:
        n = await sync_global(app, settings.discord_token)
    finally:
        await app.close()
    out.write(f"published {n} commands to every server (Discord may take up to an hour to show them)\n")
    return 0


# -- demo ---------------------------------------------------------------------------------------------------------
def seeds_dir() -> Path:
    here = Path(__file__).resolve().parents[1] / "seeds"
    for candidate in (Path.cwd() / "seeds", here):
        if (candidate / "feed.xml").is_file():
            return candidate
    raise UserError(f"cannot find the seeds folder (looked in ./seeds and {here})")


async def demo(out: TextIO) -> int:
    feed_path = seeds_dir() / "feed.xml"
    with tempfile.TemporaryDirectory(prefix="claimdesk-demo-") as tmp:
        settings = Settings(
            source=Path("<demo>"),
            database=Path(tmp) / "demo.db",
            sink="console",
            jsonl_path=Path(tmp) / "alerts.jsonl",
            discord_token=None,
            feeds=(FeedSettings("seeds", str(feed_path), 300, 100),),
            teams=(
                TeamSettings(
                    "desk",
                    "console",
                    ("kursk", "north korea"),
                    ("summary", "new_figure", "new_quote", "conflicting_figure"),
                ),
            ),
            jitter=0,
            misfire_grace=60,
        )
        app = await bootstrap(settings, sink=console_sink(out))
        try:
            parsed = await app.service.read_feed(str(feed_path))
            feed_id = app.service.feed_ids[str(feed_path)]
            out.write("claimdesk demo — one story, two outlets: North Korean troops in Kursk\n")
            out.write(f"A fresh store ({settings.database}); team “desk” watches: kursk, north korea.\n")
            out.write("The seed articles arrive in publication order; every alert they raise follows.\n\n")
            for n, entry in enumerate(oldest_first(parsed.entries), 1):
                _article_header(out, n, entry)
                report = await app.service.ingest(feed_id, [entry])
                sent = await app.service.deliver_pending()
                out.write(
                    f"   ({report.claims} claims stored, {sent} alerts)\n\n"
                    if sent
                    else f"   ({report.claims} claims stored, no alerts)\n\n"
                )
            out.write("═" * 100 + '\n$ claimdesk ask "/claims kursk"\n\n')
            out.write(render_reply(await dispatch(app.store, Caller(team="desk"), "/claims kursk")) + "\n")
        finally:
            await app.close()
    return 0


def _article_header(out: TextIO, n: int, entry: FeedEntry) -> None:
    when = (entry.published or "")[:16].replace("T", " ")
    out.write("═" * 100 + "\n")
    out.write(f"ARTICLE {n} · {entry.source} · {when} UTC\n“{entry.title}”\n")
    out.write("═" * 100 + "\n\n")


# -- ask ----------------------------------------------------------------------------------------------------------
async def ask(settings: Settings, line: str, out: TextIO, team: str | None = None, page: int = 1) -> int:
    # a lookup never makes a store
    store = await open_store(settings.database, lookup=True)
    try:
        if store.read_only:
            log.info("%s is read-only here: lookups work, changes do not", settings.database)
        else:
            await store.sync_teams(settings.teams)  # the config's teams exist before the first `run`
        try:
            reply = await dispatch(store, Caller(team=team, page=page), line)
        except sqlite3.OperationalError as exc:
            if not store.read_only:
                raise
            raise UserError(
                f"{settings.database}: the database is read-only here ({sqlite_problem(exc)}); "
                f"{line.split()[0] if line.split() else 'this command'} changes it, only lookups work"
            ) from None
    finally:
        await store.close()
    out.write(render_reply(reply) + "\n")
    pages = reply.page.count if reply.page else 1
    if page < pages:
        out.write(f'\npage {page} of {pages}; next: claimdesk ask --page {page + 1} "{line}"\n')
    return 1 if reply.error else 0


# -- ingest -------------------------------------------------------------------------------------------------------
class _Progress:
    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream, self.total, self.done = stream, total, 0
        self.enabled = stream.isatty() and total > 0

    def __call__(self, n: int) -> None:
        self.done += n
        if self.enabled:
            width = 40
            filled = int(width * self.done / max(1, self.total))
            self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} articles")
            self.stream.flush()

    def close(self) -> None:
        if self.enabled:
            self.stream.write("\n")


def _not_text(data: bytes) -> str | None:
    """Why a file's bytes are not an article's text, or None when they are."""
    if not data.strip():
        return "empty"
    text = data[:65_536].decode("utf-8", errors="replace")
    junk = sum(1 for c in text if c == "\ufffd" or (ord(c) < 32 and c not in "\t\n\r\f\v"))
    if "\x00" in text or junk > len(text) * 0.02:
        return "not text (binary data, or not UTF-8)"
    return None


def _article_entry(path: Path) -> FeedEntry | str:
    """The article in a text file, or why the file is skipped."""
    data = path.read_bytes()
    why = _not_text(data)
    if why:
        return why
    text = data.decode("utf-8", errors="replace")
    digest = hashlib.sha256(text.encode()).hexdigest()[:32]
    title = title_of(text)[0] or path.stem
    return FeedEntry(f"sha256:{digest}", title, None, f"file {path.name}", None, text)


async def ingest(settings: Settings, targets: Sequence[str], quiet: bool, out: TextIO) -> int:
    app = await bootstrap(settings, open_feeds=False)
    total = IngestReport()
    failures = skipped = 0
    try:
        articles: list[FeedEntry] = []
        feeds: list[tuple[str, tuple[FeedEntry, ...]]] = []
        for target in targets:
            remote = is_web_url(target)
            paths = [] if remote else _expand(Path(target))
            try:
                if remote:
                    feeds.append((target, (await app.service.read_feed(target)).entries))
                for p in paths:
                    if p.suffix.lower() in (".xml", ".rss", ".atom"):
                        feeds.append(
                            (str(p.resolve()), (await app.service.read_feed(str(p.resolve()))).entries)
                        )
                    else:
                        entry = _article_entry(p)
                        if isinstance(entry, str):
                            skipped += 1
                            print(f"claimdesk: ingest: {p}: {entry}, skipped", file=sys.stderr)
                        else:
                            articles.append(entry)
            except (FeedError, OSError) as exc:
                failures += 1
                why = str(exc)
                why = why[len(target) + 2 :] if why.startswith(f"{target}: ") else why  # the URL once
                print(f"claimdesk: ingest: {target}: {why}", file=sys.stderr)
        progress = _Progress(sys.stderr, len(articles) + sum(len(e) for _, e in feeds))
        if articles:
            feed_id = await app.service.add_feed(FeedSettings("imported files", IMPORT_FEED, 86_400, 0))
            total.add(await app.service.ingest(feed_id, articles, alert=not quiet, progress=progress))
        for url, entries in feeds:
            feed_id = await app.service.add_feed(FeedSettings(url, url, 86_400, 0))
            total.add(await app.service.ingest(feed_id, entries, alert=not quiet, progress=progress))
            await feed_ok(app.store, feed_id, None)
        progress.close()
    finally:
        await app.close()
    out.write(
        f"ingested {total.new} new article(s) of {total.entries} ({total.entries - total.new} already stored), "
        f"{total.claims} claims, {total.alerts} alerts queued"
        f"{'' if not skipped else f', {skipped} file(s) skipped (empty or not text)'}"
        f"{'' if not total.errors else f', {len(total.errors)} extraction error(s)'}\n"
    )
    return 1 if failures else 0


def _expand(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and p.suffix.lower() in (".txt", ".xml", ".rss", ".atom")
        )
    if not path.exists():
        raise UserError(f"ingest: {path}: no such file or folder")
    return [path]


# -- extract ------------------------------------------------------------------------------------------------------
def extract(paths: Sequence[str], fmt: str, out: TextIO, pipeline: str | None = None) -> int:
    extractor = make_extractor(pipeline)
    status = 0
    texts: list[tuple[str, str]] = []
    for p in paths:
        try:
            texts.append((p, Path(p).read_bytes().decode("utf-8", errors="replace")))
        except OSError as exc:
            print(f"claimdesk: extract: {p}: {exc.strerror or exc}", file=sys.stderr)
            status = 2
    results = extractor.extract_many((t, None) for _, t in texts)
    for (path, _), result in zip(texts, results, strict=True):
        obj = {"path": path, **result.to_dict()}
        out.write(json.dumps(obj, ensure_ascii=False, indent=None if fmt == "jsonl" else 2) + "\n")
    return status


# -- export -------------------------------------------------------------------------------------------------------
_AGE = re.compile(r"(\d{1,9})\s*(m|min|h|d|w)", re.IGNORECASE)
_AGE_UNITS = {"m": "minutes", "min": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_since(text: str, now: datetime | None = None) -> str:
    """`--since` as the ISO 8601 UTC time (whole seconds) that the store's stored_at values compare with: an ISO
    date or date-time (no zone: UTC) or an age before now (30m, 24h, 7d, 2w)."""
    wanted = text.strip()
    age = _AGE.fullmatch(wanted)
    try:
        if age:
            moment = (now or datetime.now(UTC)) - timedelta(
                **{_AGE_UNITS[age.group(2).lower()]: int(age.group(1))}
            )
        else:
            moment = datetime.fromisoformat(wanted)
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(UTC).replace(microsecond=0).isoformat()
    except (ValueError, OverflowError):
        raise UserError(
            f"export: --since {text!r}: expected an ISO date or time (2024-11-02, 2024-11-02T09:30, "
            "2024-11-02T09:30+02:00) or an age (30m, 24h, 7d, 2w)"
        ) from None


def _number(v: float | None) -> float | int | None:
    """Whole numbers print as ints (8000, not 8000.0), as in `claimdesk extract`."""
    return int(v) if isinstance(v, float) and v.is_integer() and abs(v) < 1e15 else v


def export_record(c: ExportedClaim, bodies: bool = False) -> dict[str, Any]:
    """One line of `claimdesk export`: the contract in README ("Export"). Keys in this order, always present."""
    article: dict[str, Any] = {
        "id": c.article_id,
        "feed": {"name": c.feed_name, "url": c.feed_url},
        "guid": c.entry_key.removeprefix("guid:") if c.entry_key.startswith("guid:") else None,
        "link": c.link,
        "title": c.title,
        "source": c.source,
        "published": c.published,
        "alerted": c.alerted,
    }
    if bodies:
        article |= {"body": c.body, "summary": c.summary}
    return {
        "claim_id": c.claim_id,
        "article": article,
        "kind": c.kind,
        "text": c.text,
        "start": c.start,
        "end": c.end,
        "parts": None if c.parts is None else [list(p) for p in c.parts],
        "direct": c.direct,
        "speaker": c.speaker,
        "value": _number(c.value),
        "low": _number(c.low),
        "high": _number(c.high),
        "unit": c.unit,
        "counted": c.counted,
        "subject": c.subject,
        "measure": c.measure,
        "event": c.event,
        "period": c.period,
        "status": c.status,
        "cluster_id": c.cluster_id,
        "cluster_first_claim_id": c.cluster_first_claim_id,
        "stored_at": c.stored_at,
    }


async def export(
    settings: Settings,
    out: TextIO,
    since: str | None = None,
    output: Path | None = None,
    bodies: bool = False,
) -> int:
    """Every stored claim (or those stored since a time) as JSON lines, to `out` or to the file `output`, which
    appears whole or not at all (written beside it, then renamed)."""
    when = parse_since(since) if since is not None else None
    in_place = output is not None and _export_in_place(output)
    # a lookup never makes a store
    store = await open_store(settings.database, lookup=True)
    try:
        if output is None:
            n = await _write_export(store, out, when, bodies)
        elif in_place:
            with output.open("w", encoding="utf-8") as fh:
                n = await _write_export(store, fh, when, bodies)
        else:
            partial = output.with_name(f".{output.name}.{os.getpid()}.partial")
            try:
                with partial.open("w", encoding="utf-8") as fh:
                    n = await _write_export(store, fh, when, bodies)
                partial.replace(output)
            except OSError as exc:
                raise UserError(f"export: {output}: {os_problem(exc)}") from None
            finally:
                partial.unlink(missing_ok=True)
    finally:
        await store.close()
    log.info(
        "exported %d claim(s)%s%s",
        n,
        f" stored since {when}" if when else "",
        f" to {output}" if output else "",
    )
    return 0


def _export_in_place(output: Path) -> bool:
    """Whether `output` is written as it is (/dev/stdout, a named pipe) rather than beside it and renamed; a target
    that cannot be written is one line and exit 2, before the store is read."""
    if problem := unwritable(output):
        raise UserError(f"export: {output}: {problem}")
    return output.exists() and not output.is_file()


async def _write_export(store: ClaimStore, out: TextIO, since: str | None, bodies: bool) -> int:
    n = 0
    async for claim in store.export_claims(since, bodies=bodies):
        out.write(json.dumps(export_record(claim, bodies), ensure_ascii=False) + "\n")
        n += 1
    out.flush()
    return n


# -- db -----------------------------------------------------------------------------------------------------------
async def db_upgrade(settings: Settings, out: TextIO) -> int:
    store = await open_store(settings.database, upgrade=False)
    try:
        before, after = await store.upgrade()
    finally:
        await store.close()
    if before == after:
        out.write(f"{settings.database}: schema is up to date (version {after})\n")
    else:
        out.write(f"{settings.database}: schema upgraded from version {before} to {after}\n")
    return 0


async def db_backup(settings: Settings, target: Path, out: TextIO) -> int:
    store = await open_store(settings.database, lookup=True)
    try:
        await store.backup(target)
    finally:
        await store.close()
    out.write(f"backed up {settings.database} to {target}\n")
    return 0


# -- entry point --------------------------------------------------------------------------------------------------
def _quote_side(x: dict[str, Any]) -> tuple[str, str | None]:
    text, speaker = x["text"], x.get("speaker")
    if not isinstance(text, str) or not isinstance(speaker, str | None):
        raise ValueError("text must be a string, speaker a string or null")
    return text, speaker


def _figure_side(x: dict[str, Any]) -> FigureRef:
    if not math.isfinite(float(x["value"])):
        raise ValueError(f"value must be a finite number, not {x['value']!r}")
    if not isinstance(x.get("approximate", False), bool):
        raise ValueError("approximate must be true or false")
    for name in ("unit", "counted", "subject", "rate", "event", "measure", "period"):
        if not isinstance(x.get(name), str | None):
            raise ValueError(f"{name} must be a string or null")
    data = dict(x) | {"approx": "about" if x.get("approximate") else None}
    ref = figure_ref(float(x["value"]), data)
    assert ref is not None
    return ref


def _match_one(pair: dict[str, Any], meaning: float | None = None) -> dict[str, Any]:
    kind, a, b = pair.get("kind", "quote"), pair["a"], pair["b"]
    if kind == "quote":
        (ta, sa), (tb, sb) = _quote_side(a), _quote_side(b)
        m = quote_match(ta, sa, tb, sb, meaning)
        return {"same": m.same, "score": m.score}
    if kind == "figure":
        relation = figure_relation(_figure_side(a), _figure_side(b))
        return {"same": relation == "same", "score": 1.0 if relation == "same" else 0.0, "relation": relation}
    raise ValueError(f"unknown kind {kind!r} (quote or figure)")


_MATCH_BATCH = 256  # pairs read before their quotes are embedded together


def match(inp: TextIO, out: TextIO, meaning: SentenceMeaning | None = None) -> int:
    """One JSON answer per JSON pair on stdin (../shared/DESIGN.md); a malformed line gets an error line.

    Quote pairs by the same speaker are compared by meaning too (`meaning`, sentence embeddings), in batches:
    pairs by different speakers cost no model call."""
    failed = 0
    batch: list[tuple[int, str]] = []

    def flush() -> None:
        nonlocal failed
        pairs: list[tuple[int, dict[str, Any] | None, str | None]] = []
        for n, line in batch:
            try:
                pair = json.loads(line)
                if not isinstance(pair, dict):
                    raise ValueError("a pair is a JSON object")
                pairs.append((n, pair, None))
            except (ValueError, RecursionError) as exc:
                pairs.append((n, None, f"line {n}: {type(exc).__name__}: {exc}"))
        cosines = _pair_meanings([p for _, p, _ in pairs], meaning)
        for (n, pair, error), cos in zip(pairs, cosines, strict=True):
            if error is None and pair is not None:
                try:
                    answer = _match_one(pair, cos)
                except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
                    error = f"line {n}: {type(exc).__name__}: {exc}"
            if error is not None:
                failed += 1
                answer = {"error": error}
            out.write(json.dumps(answer) + "\n")
        batch.clear()

    for n, line in enumerate(inp, 1):
        if line.strip():
            batch.append((n, line))
        if len(batch) >= _MATCH_BATCH:
            flush()
    flush()
    return 1 if failed else 0


def _pair_meanings(pairs: list[dict[str, Any] | None], meaning: SentenceMeaning | None) -> list[float | None]:
    """The embeddings' cosine of each well-formed quote pair by one speaker; None for every other line."""
    wanted: list[tuple[int, str, str]] = []
    for i, p in enumerate(pairs):
        try:
            if meaning is None or p is None or p.get("kind", "quote") != "quote":
                continue
            (ta, sa), (tb, sb) = _quote_side(p["a"]), _quote_side(p["b"])
        except (ValueError, KeyError, TypeError, AttributeError):
            continue  # _match_one reports it
        if same_speaker(sa, sb):
            wanted.append((i, ta, tb))
    out: list[float | None] = [None] * len(pairs)
    if meaning is None or not wanted:
        return out
    texts = list(dict.fromkeys(t for _, a, b in wanted for t in (a, b)))
    vectors = dict(zip(texts, meaning.embed_now(texts), strict=True))
    for i, a, b in wanted:
        out[i] = meaning.cosine(vectors[a], vectors[b])
    return out


class _Parser(argparse.ArgumentParser):
    """argparse with a "did you mean" for a mistyped command or option (`rnu`, `run --onec`)."""

    def error(self, message: str) -> NoReturn:
        m = re.search(r"invalid choice: '([^']*)'", message) or re.search(
            r"unrecognized arguments: (\S+)", message
        )
        if m:
            known = _names(self)
            close = difflib.get_close_matches(m.group(1), known, n=1, cutoff=0.6)
            if close:
                message += f"; did you mean {close[0]}?"
        super().error(message)


def _names(parser: argparse.ArgumentParser) -> list[str]:
    """Every command and option name under `parser`, for suggestions."""
    names: list[str] = []
    for action in parser._actions:
        names += action.option_strings
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                names += [name, *_names(sub)]
    return names


def _common_options(defaults: bool) -> _Parser:
    """--config and -v. The top-level parser sets their defaults; a subcommand's copy sets nothing unless given
    (argparse.SUPPRESS), so `claimdesk --config X ask …` and `claimdesk ask --config X …` are the same."""
    common = _Parser(add_help=False)
    common.add_argument(
        "-c",
        "--config",
        type=Path,
        default=None if defaults else argparse.SUPPRESS,
        help=f"config file (default: $CLAIMDESK_CONFIG or {DEFAULT_CONFIG})",
    )
    common.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="debug logging",
    )
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _common_options(defaults=False)
    parser = _Parser(
        prog="claimdesk",
        description="Claims from the news, alerted to your team.",
        parents=[_common_options(defaults=True)],
    )
    parser.add_argument(
        "--version", action="version", version=f"claimdesk {__version__} (schema {SCHEMA_VERSION})"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser(
        "run", parents=[common], help="poll the feeds on schedule and deliver alerts until Ctrl-C"
    )
    p.add_argument("--once", action="store_true", help="poll every feed once, deliver, and exit")
    sub.add_parser(
        "demo", parents=[common], help="the two seed articles in a fresh temporary store, then /claims kursk"
    )
    p = sub.add_parser(
        "ask",
        parents=[common],
        help='run a slash command against the store: ask "/claims kursk"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="slash commands:\n"
        + "\n".join(
            f"  /{c.name}{f' <{c.argument}>' if c.argument else ''}\n      {c.description}"
            + (f" (e.g. {c.example})" if c.example else "")
            for c in COMMANDS.values()
        ),
    )
    p.add_argument("line", nargs="+", help="the command as typed in Discord")
    p.add_argument("--team", help="act as this team (needed for /watch and /alerts when there are several)")
    p.add_argument(
        "--page",
        type=int,
        default=1,
        metavar="N",
        help="page N of a lookup's matches (ten a page; default 1)",
    )
    p = sub.add_parser("ingest", parents=[common], help="import article text files, feed files or feed URLs")
    p.add_argument("targets", nargs="+", metavar="PATH|URL")
    p.add_argument("--quiet", action="store_true", help="store without queuing alerts (history imports)")
    p = sub.add_parser("extract", parents=[common], help="print the claims of text files as JSON (DESIGN.md)")
    p.add_argument("paths", nargs="+", metavar="PATH")
    p.add_argument("--format", choices=("jsonl", "json"), default="jsonl")
    p = sub.add_parser(
        "export", parents=[common], help="every stored claim as JSON lines (the store's read format, README)"
    )
    p.add_argument(
        "--since",
        metavar="WHEN",
        help="only claims stored since then: an ISO date or time (UTC unless it says), or an age: 30m, 24h, 7d, 2w",
    )
    p.add_argument(
        "--format", choices=("jsonl",), default="jsonl", help="one JSON object per claim (default)"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE (default: stdout)")
    p.add_argument(
        "--bodies",
        action="store_true",
        help="add each article's stored text and summary (offsets index the text)",
    )
    p = sub.add_parser(
        "match", parents=[common], help="same claim or not: JSON pairs on stdin, one JSON answer per line"
    )
    p.add_argument(
        "--words-only",
        action="store_true",
        help="compare quotes by their words only, without the sentence-embedding model",
    )
    p = sub.add_parser("db", parents=[common], help="database maintenance")
    dbsub = p.add_subparsers(dest="db_command", required=True, metavar="ACTION")
    dbsub.add_parser("upgrade", parents=[common], help="apply pending schema migrations")
    b = dbsub.add_parser("backup", parents=[common], help="online backup to a new file")
    b.add_argument("target", type=Path)
    p = sub.add_parser("discord", parents=[common], help="Discord application maintenance")
    dsub = p.add_subparsers(dest="discord_command", required=True, metavar="ACTION")
    dsub.add_parser("sync", parents=[common], help="publish the slash commands to every server (global)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )
    for noisy in ("apscheduler", "aiosqlite"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    out = sys.stdout
    try:
        if args.command == "extract":  # a config named explicitly may name the pipeline; none is needed
            return extract(args.paths, args.format, out, _settings(args).pipeline if args.config else None)
        if args.command == "demo":
            return asyncio.run(demo(out))
        if args.command == "match":
            return match(sys.stdin, out, None if args.words_only else make_meaning())
        settings = _settings(args)
        log.debug(
            "config %s (database %s, sink %s)", settings.source, settings.database, settings.effective_sink
        )
        if args.command == "run":
            return asyncio.run(run(settings, once=args.once))
        if args.command == "ask":
            if args.page < 1:
                raise UserError(f"ask: --page {args.page}: pages count from 1")
            return asyncio.run(ask(settings, " ".join(args.line), out, args.team, args.page))
        if args.command == "ingest":
            return asyncio.run(ingest(settings, args.targets, args.quiet, out))
        if args.command == "export":
            if isinstance(out, io.TextIOWrapper) and out.encoding.lower().replace("-", "") != "utf8":
                out.reconfigure(encoding="utf-8")  # UTF-8 whatever the locale says
            try:
                return asyncio.run(export(settings, out, args.since, args.output, args.bodies))
            except BrokenPipeError:  # the reader had enough (`claimdesk export | head`): not an error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
                return 0
        if args.command == "db" and args.db_command == "upgrade":
            return asyncio.run(db_upgrade(settings, out))
        if args.command == "db" and args.db_command == "backup":
            return asyncio.run(db_backup(settings, args.target, out))
        if args.command == "discord" and args.discord_command == "sync":
            return asyncio.run(discord_sync(settings, out))
    except UserError as exc:
        print(f"claimdesk: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 2
