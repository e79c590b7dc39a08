"""Plain-text rendering of alerts and replies, for the console sink and the CLI.

Feed text is untrusted: control characters are removed before anything is printed, so a hostile title cannot
move the cursor, clear the screen or forge a second alert in the terminal.
"""

from __future__ import annotations

import re
import textwrap
from datetime import UTC, datetime
from typing import Any

from bot.core.replies import Reply

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
KIND_LABELS = {
    "summary": "NEW ARTICLE",
    "new_figure": "NEW FIGURE",
    "new_quote": "NEW QUOTE",
    "conflicting_figure": "CONFLICTING FIGURE",
    "corroboration": "CORROBORATED",
    "digest": "DIGEST",
    "feed_paused": "FEED PAUSED",
    "feed_resumed": "FEED RESUMED",
}
WIDTH = 100


ZWJ = "\u200d"
# what a chat service reads as a ping: @everyone / @here (Discord), @channel and <!here> (Slack), <@id>, <@!id>,
# <@&role>; an e-mail address or "@ 5 pm" is not one
_MENTION = re.compile(r"(?<=<)[@!]|@(?=(?:everyone|here|channel)\b)", re.IGNORECASE)


def neutralise_mentions(value: Any) -> Any:
    """The payload with every mention made inert by a zero-width joiner after its @ (or <!), as Discord's
    allowed-mentions does for its own sink: feed text reaching a file, a terminal or a relay to chat pings no one.
    Strings anywhere in dicts and lists are rewritten; everything else is kept."""
    if isinstance(value, str):
        return _MENTION.sub(lambda m: m.group(0) + ZWJ, value)
    if isinstance(value, dict):
        return {k: neutralise_mentions(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [neutralise_mentions(v) for v in value]
    return value


def clean(text: str | None) -> str:
    """One line of printable text."""
    return " ".join(_CONTROL.sub(" ", text or "").split())


def shorten(text: str, width: int) -> str:
    text = clean(text)
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def _wrap(text: str, indent: str = "    ") -> list[str]:
    return textwrap.wrap(clean(text), WIDTH, initial_indent=indent, subsequent_indent=indent) or [indent]


def human_time(iso: str | None, year: int | None = None) -> str:
    """An ISO timestamp as people write it, in UTC: "2 Nov 09:30 UTC", with the year when it is not `year` (this
    year by default). Text that is not a timestamp is returned as it is."""
    if not iso:
        return "never"
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    when = when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)
    shown_year = "" if when.year == (year or datetime.now(UTC).year) else f" {when.year}"
    return f"{when.day} {when:%b}{shown_year} {when:%H:%M} UTC"


def plural(n: int, noun: str) -> str:
    """ "1 failed poll", "3 failed polls": the noun (its last word) agrees with the count."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def _when(published: str | None) -> str:
    return published[:16].replace("T", " ") + " UTC" if published else "date unknown"


def quote_text(speaker: str | None, text: str, direct: bool | None, width: int = 400) -> str:
    """A quote as a reader sees it: in quotation marks only when the words are the speaker's own. Reported speech
    (`direct` False: "Austin said Russia is …") is shown as reported speech: marks around a paraphrase would be a
    misquotation. None (a payload from before `direct` was carried) is shown as a direct quote, as it was."""
    who = clean(speaker) or "someone"
    words = shorten(text, width)
    return f"{who} said {words}" if direct is False else f"{who}: “{words}”"


def alert_line(payload: dict[str, Any]) -> str:
    """One alert in one line, for digests: kind, the claim (or the article), and where it appeared."""
    kind = str(payload.get("kind", ""))
    art = payload.get("article") or {}
    claim = payload.get("claim")
    if claim and claim.get("kind") == "quote":
        what = quote_text(claim.get("speaker"), str(claim.get("text", "")), claim.get("direct"), 160)
    elif claim:
        what = shorten(str(claim.get("label", "")), 160)
    else:
        what = f"“{shorten(art.get('title', ''), 160)}”"
    return f"{KIND_LABELS.get(kind, kind.upper()).lower()}: {what} — {clean(art.get('source'))}"


def render_digest(payload: dict[str, Any]) -> str:
    head = f"▌DIGEST · team {clean(payload.get('team'))} → #{clean(payload.get('channel'))}"
    lines = [head, *_wrap(str(payload.get("why", "")))]
    for i, alert in enumerate(payload.get("alerts") or [], 1):
        lines += textwrap.wrap(
            f"{i}. {alert_line(alert)}", WIDTH, initial_indent="    ", subsequent_indent="       "
        )
    return "\n".join(lines)


def render_feed_notice(payload: dict[str, Any]) -> str:
    kind = str(payload.get("kind", ""))
    feed = payload.get("feed") or {}
    lines = [f"▌{KIND_LABELS[kind]} · team {clean(payload.get('team'))} → #{clean(payload.get('channel'))}"]
    lines += _wrap(f"{feed.get('name', '')} — {feed.get('url', '')}")
    lines += _wrap(f"why: {payload.get('why', '')}")
    if kind == "feed_paused":
        lines += _wrap(
            "claimdesk keeps trying it now and then, and resumes it by itself when it answers again."
        )
    return "\n".join(lines)


def render_alert(payload: dict[str, Any]) -> str:
    kind = str(payload.get("kind", ""))
    if kind == "digest":
        return render_digest(payload)
    if kind in ("feed_paused", "feed_resumed"):
        return render_feed_notice(payload)
    art = payload.get("article") or {}
    claim = payload.get("claim")
    head = f"▌{KIND_LABELS.get(kind, kind.upper())} · team {clean(payload.get('team'))} → #{clean(payload.get('channel'))}"
    lines = [head]
    if claim and claim.get("kind") == "quote":
        lines += _wrap(quote_text(claim.get("speaker"), str(claim.get("text", "")), claim.get("direct"), 400))
    elif claim:
        lines += _wrap(str(claim.get("label", "")))
        lines += _wrap(f"in: “{shorten(claim.get('context', ''), 300)}”", "      ")
    else:
        lines += _wrap(str(payload.get("summary") or ""))
    source = (
        f"“{shorten(art.get('title', ''), 120)}” — {clean(art.get('source'))}, {_when(art.get('published'))}"
    )
    lines += _wrap(f"from: {source}")
    if art.get("url"):
        lines += _wrap(str(art["url"]), "      ")
    lines += _wrap(f"why: {payload.get('why', '')}")
    return "\n".join(lines)


def render_reply(reply: Reply) -> str:
    lines = [clean(reply.title), "─" * min(WIDTH, max(20, len(clean(reply.title))))]
    first = reply.page.first if reply.page else 1  # a later page of a lookup numbers on from the earlier ones
    for i, item in enumerate(reply.items, first):
        lines += textwrap.wrap(f"{i}. {clean(item.title)}", WIDTH, subsequent_indent="   ")
        for ln in item.lines:
            lines += _wrap(ln, "   ")
        if item.url:
            lines += _wrap(item.url, "   ")
    if reply.note:
        lines += ["", *textwrap.wrap(clean(reply.note), WIDTH)]
    return "\n".join(lines)
