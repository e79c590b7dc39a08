"""Which of a feed's entries a poll stores and which may alert (bot.entries): the rules on their own, the store's
side an in-memory fake of the one port method they read (`known_entries`)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from bot.adapters.feeds import FeedEntry
from bot.core.ports import Store
from bot.entries import alerting, newest, oldest_first, unseen


def entry(key: str, published: str | None = None, title: str = "t", text: str = "body") -> FeedEntry:
    return FeedEntry(key, title, None, "wire", published, text)


def keys(entries: Sequence[FeedEntry]) -> list[str]:
    return [e.key for e in entries]


def test_oldest_first_by_date_and_undated_entries_in_reversed_feed_order() -> None:
    feed = [
        entry("c", "2026-01-03"),
        entry("u1"),
        entry("a", "2026-01-01"),
        entry("u2"),
        entry("b", "2026-01-02"),
    ]
    assert keys(oldest_first(feed)) == ["u2", "u1", "a", "b", "c"]


def test_newest_takes_the_last_backfill_and_none_for_zero() -> None:
    fresh = [entry(k) for k in "abcd"]
    assert keys(newest(fresh, 2)) == ["c", "d"]
    assert keys(newest(fresh, 10)) == ["a", "b", "c", "d"]
    assert newest(fresh, 0) == []


def test_alerting_keeps_the_backfill_and_drops_entries_past_the_age_limit() -> None:
    now = datetime(2026, 1, 10, tzinfo=UTC)
    fresh = [
        entry("old", "2026-01-01T00:00:00+00:00"),
        entry("undated"),
        entry("new", "2026-01-09T12:00:00+00:00"),
    ]
    assert keys(alerting(fresh, None, True, 86_400, now)) == ["undated", "new"]
    assert keys(alerting(fresh, 1, True, None, now)) == ["new"]
    assert alerting(fresh, None, False, None, now) == []


class KnownEntries:
    """The one store method `unseen` reads: entry key → (title, fingerprint) of what the feed stored."""

    def __init__(self, known: dict[str, tuple[str, str | None]]) -> None:
        self.known = known

    async def known_entries(self, feed_id: int, keys: Sequence[str]) -> dict[str, tuple[str, str | None]]:
        return {k: self.known[k] for k in keys if k in self.known}


def test_unseen_skips_known_keys_and_keys_a_live_page_apart() -> None:
    stored = entry("link:example.org/live", title="Live: day 1", text="morning")
    store = cast(
        Store, KnownEntries({"guid:1": ("seen", None), stored.key: (stored.title, stored.fingerprint)})
    )
    same_page = entry(
        stored.key, title="Live: day 1", text="morning, updated"
    )  # same title: the same article
    next_day = entry(
        stored.key, title="Live: day 2", text="evening"
    )  # title and text differ: another article
    got = asyncio.run(unseen(store, 1, [entry("guid:1"), entry("guid:2"), same_page, next_day]))
    assert keys(got) == ["guid:2", f"{stored.key}#{next_day.fingerprint[:16]}"]
