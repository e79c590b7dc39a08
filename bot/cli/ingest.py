"""`claimdesk ingest`: article text files, feed files, folders of them, or feed URLs into the store."""

from __future__ import annotations

import hashlib
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from bot.adapters.feeds import FeedEntry, FeedError
from bot.bootstrap import bootstrap
from bot.config import FeedSettings, Settings, is_web_url
from bot.core.feednotices import feed_ok
from bot.errors import UserError
from bot.extractor.summary import title_of
from bot.service import IngestReport

IMPORT_FEED = "import:files"


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
