"""Memory handed back after bursts (issue 20): glibc's malloc_trim is found and called after a big feed."""

from __future__ import annotations

import sys

import pytest

from bot.adapters import feeds, memory
from tests.conftest import rss


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="malloc_trim is glibc's")
def test_malloc_trim_is_found_and_runs() -> None:
    assert memory._malloc_trim() is not None
    memory.release_memory()  # returns the heap's free pages; must never raise


def test_a_big_feed_is_followed_by_a_trim_and_a_small_one_is_not(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(feeds, "release_memory", lambda: calls.append(1))
    item = {"title": "Quay note", "description": "The harbour board met again and said little. " * 20}
    small = rss([{**item, "guid": f"s{n}"} for n in range(3)])
    big = rss([{**item, "guid": f"b{n}"} for n in range(1_500)])
    assert len(small) < feeds._BIG_FEED < len(big)
    assert len(feeds.parse_feed(small).entries) == 3 and calls == []
    assert len(feeds.parse_feed(big).entries) == 1_500 and calls == [1]
