"""Which of a feed's entries a poll stores, in what order, and which of them may alert.

A feed shows the same entries poll after poll, newest first, some undated; a first poll shows a whole archive.
These rules decide, before any extraction: publication order (so clusters grow the way the story did), which
entries the feed has not shown before (by entry key, with a live page that reuses its link told apart), and which
of the new ones may raise alerts (a first poll's newest `backfill`, never one older than the feed's age limit).
Apart from the service so the rules read in one place and the service reads as the sequence of a poll.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from bot.core.feedrecords import FeedEntry
from bot.core.ports import Store


def oldest_first(entries: Sequence[FeedEntry]) -> list[FeedEntry]:
    """Publication order; undated entries keep feed order (feeds list newest first, so reversed)."""
    indexed = list(enumerate(entries))
    return [e for _, e in sorted(indexed, key=lambda ie: (ie[1].published or "", -ie[0]))]


def newest(fresh: list[FeedEntry], backfill: int) -> list[FeedEntry]:
    """The newest `backfill` of `fresh` (oldest first): all of them when there are fewer."""
    return fresh[max(0, len(fresh) - backfill) :] if backfill > 0 else []


def alerting(
    fresh: list[FeedEntry], backfill: int | None, alert: bool, max_age: int | None, now: datetime
) -> list[FeedEntry]:
    """The new entries that may raise alerts: all of them, or on a feed's first add only the newest `backfill`;
    never one published more than `max_age` seconds ago (an undated entry counts as new)."""
    if not alert:
        return []
    chosen = fresh if backfill is None else newest(fresh, backfill)
    if max_age is None:
        return chosen
    oldest = (now - timedelta(seconds=max_age)).isoformat()
    return [e for e in chosen if e.published is None or e.published >= oldest]


# Texts handed to the extractor at once: at most this many entries, and no more characters than this (but always at
# least one entry). The extractor's memory grows with the characters it holds at once (spaCy's documents, the
# claims found, then their matching): sixteen feed teasers are a few kilobytes, but sixteen full article pages
# of 200,000 characters each took a hostile run 100 MB higher at every batch (issue 20).
BATCH_ENTRIES = 16
BATCH_CHARS = 120_000


def extraction_batches(
    entries: Sequence[FeedEntry], most: int = BATCH_ENTRIES, chars: int = BATCH_CHARS
) -> Iterator[list[FeedEntry]]:
    """`entries` in order, in runs of at most `most` entries and `chars` characters of text (a longer entry alone)."""
    batch: list[FeedEntry] = []
    size = 0
    for e in entries:
        n = len(e.body) + len(e.title)
        if batch and (len(batch) >= most or size + n > chars):
            yield batch
            batch, size = [], 0
        batch.append(e)
        size += n
    if batch:
        yield batch


async def unseen(store: Store, feed_id: int, ordered: list[FeedEntry]) -> list[FeedEntry]:
    """Entries whose key this feed has not shown. A link key names one article: an entry under a known link
    key whose title *and* text differ from the stored article's is another article sharing the link (a live
    page), and gets a key of its own."""
    known = await store.known_entries(feed_id, [e.key for e in ordered])
    out: list[FeedEntry] = []
    for e in ordered:
        seen = known.get(e.key)
        if seen is not None and e.key.startswith("link:") and e.title != seen[0] and e.fingerprint != seen[1]:
            e = replace(e, key=f"{e.key}#{e.fingerprint[:16]}")
            seen = known.get(e.key) or (await store.known_entries(feed_id, [e.key])).get(e.key)
        if seen is None:
            out.append(e)
            known[e.key] = (e.title, e.fingerprint)  # a later entry of this poll may share its link
    return out
