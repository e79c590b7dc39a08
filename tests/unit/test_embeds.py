"""Alerts as Discord embeds (issue: Discord): every limit holds by construction, whatever the feed sends."""

from __future__ import annotations

from typing import Any

import pytest

from bot.adapters.discord_embeds import (
    DESCRIPTION,
    FIELD_NAME,
    FIELD_VALUE,
    FIELDS,
    MESSAGE_TOTAL,
    TITLE,
    alert_embed,
    cut,
    fit,
    reply_embeds,
)
from bot.core.replies import Reply, ReplyItem


def _payload(kind: str, n: int = 1) -> dict[str, Any]:
    return {
        "kind": kind,
        "team": "desk" * n,
        "channel": "123",
        "article": {
            "title": "Quay cleared " * n,
            "source": "Harbour Gazette " * n,
            "url": "https://news.example.org/quay",
            "published": "2026-12-01T06:00:00+00:00",
        },
        "claim": {
            "kind": "figure",
            "label": "400 containers " * n,
            "context": "Officials said 400 containers were moved. " * n,
            "value": 400.0,
            "conflicts_with": {"value": 350.0, "source": "Courier " * n},
        },
        "summary": "A summary. " * n,
        "why": "matches your keyword “quay” " * n,
    }


def _within_limits(e: dict[str, Any]) -> None:
    assert len(e.get("title", "")) <= TITLE and len(e.get("description", "")) <= DESCRIPTION
    assert len(e.get("fields", [])) <= FIELDS
    for f in e.get("fields", []):
        assert 0 < len(f["name"]) <= FIELD_NAME and 0 < len(f["value"]) <= FIELD_VALUE
    total = len(e.get("title", "")) + len(e.get("description", "")) + len(e.get("footer", {}).get("text", ""))
    assert total + sum(len(f["name"]) + len(f["value"]) for f in e.get("fields", [])) <= MESSAGE_TOTAL


@pytest.mark.parametrize(
    "kind", ["summary", "new_figure", "new_quote", "conflicting_figure", "corroboration"]
)
@pytest.mark.parametrize("n", [1, 5_000])  # ordinary, and every text thousands of characters long
def test_every_alert_fits_discord_limits_and_says_why(kind: str, n: int) -> None:
    e = alert_embed(_payload(kind, n))
    _within_limits(e)
    assert e["url"] == "https://news.example.org/quay" and e["color"]
    assert any(f["name"] == "Why" for f in e["fields"])
    if kind == "conflicting_figure":
        assert {"Reported here"} <= {f["name"] for f in e["fields"]}


def test_a_digest_of_hundreds_of_alerts_fits_one_message() -> None:
    e = alert_embed(
        {
            "kind": "digest",
            "team": "desk",
            "count": 500,
            "alerts": [_payload("new_figure")] * 500,
            "why": "cap",
        }
    )
    _within_limits(e)
    assert e["description"].endswith("…") and e["title"].startswith("DIGEST · 500 alerts")


def test_untrusted_links_and_control_characters_do_not_reach_the_embed() -> None:
    p = _payload("summary")
    p["article"]["url"] = "javascript:alert(1)"
    p["article"]["title"] = "Quay\x1b[2J cleared\u202e"
    e = alert_embed(p)
    assert "url" not in e and "\x1b" not in e["title"] and "\u202e" not in e["title"]


def test_cut_ends_with_an_ellipsis_only_when_it_cuts() -> None:
    assert cut("short", 10) == "short"
    long = cut("word " * 100, 50)
    assert len(long) <= 50 and long.endswith("…")


def test_fit_keeps_a_message_under_six_thousand_characters() -> None:
    embeds = [
        {"title": "t", "description": "d" * 4000, "fields": [{"name": "n", "value": "v" * 1000}] * 5}
    ] * 3
    out = fit([dict(e, fields=list(e["fields"])) for e in embeds])
    assert (
        sum(
            len(e.get("description", "")) + sum(len(f["value"]) + 1 for f in e.get("fields", [])) + 1
            for e in out
        )
        <= MESSAGE_TOTAL
    )


def test_a_long_reply_is_paged() -> None:
    reply = Reply("Claims", tuple(ReplyItem(f"claim {i}", ("first: X",), None) for i in range(23)), note="n")
    first, last = reply_embeds(reply, page=0)[0], reply_embeds(reply, page=2)[0]
    assert len(first["fields"]) == 10 and first["footer"]["text"] == "page 1 of 3"
    assert len(last["fields"]) == 3 and last["fields"][0]["name"].startswith("21.")


def test_no_item_of_a_long_reply_is_lost_between_pages() -> None:
    long = tuple(
        ReplyItem("claim " + "x" * 300, ("first: " + "y" * 2000, "3 sources"), None) for _ in range(25)
    )
    reply = Reply("Claims", long, note="n" * 3000)
    shown = [
        f["name"].split(".")[0] for page in range(3) for f in reply_embeds(reply, page=page)[0]["fields"]
    ]
    assert shown == [str(i) for i in range(1, 26)]
    for page in range(3):
        _within_limits(reply_embeds(reply, page=page)[0])
