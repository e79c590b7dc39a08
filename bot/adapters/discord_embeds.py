"""Alerts and replies as Discord embeds, in plain data (the dict discord.py's `Embed.from_dict` takes): the Discord
front end's rendering, beside it (bot.core.render is the plain-text one).

No discord import, so it is tested without a client. Every Discord limit holds by construction — title 256, description 4,096, 25 fields,
field name 256 and value 1,024, footer 2,048, author 256, 6,000 characters in all the embeds of one message, and
10 embeds a message — by cutting text with an ellipsis, never by failing. Feed text is untrusted: control
characters go (bot.core.render.clean); mentions are neutralised by the sink with `AllowedMentions.none()`, and
the text itself is kept as written.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from bot.core.claims import format_number
from bot.core.render import KIND_LABELS, alert_line, clean
from bot.core.replies import Reply

TITLE, DESCRIPTION, FIELDS, FIELD_NAME, FIELD_VALUE, FOOTER, AUTHOR = 256, 4096, 25, 256, 1024, 2048, 256
MESSAGE_TOTAL = 6000  # characters across every embed of one message
EMBEDS_PER_MESSAGE = 10

COLOURS = {
    "summary": 0x5865F2,  # blurple: something new to read
    "new_figure": 0x2ECC71,  # green
    "new_quote": 0x3498DB,  # blue
    "conflicting_figure": 0xE74C3C,  # red: outlets disagree
    "corroboration": 0x95A5A6,  # grey
    "digest": 0xF1C40F,  # yellow
    "feed_paused": 0xE67E22,  # orange
    "feed_resumed": 0x2ECC71,
    "reply": 0x5865F2,
    "error": 0xE74C3C,
}


def cut(text: str | None, limit: int, *, one_line: bool = False) -> str:
    """At most `limit` characters, ending in an ellipsis when cut (at a word when one is near)."""
    text = clean(text) if one_line else "\n".join(clean(line) for line in (text or "").splitlines())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    return (head[:space] if space > limit * 0.8 else head).rstrip() + "…"


def _url(value: Any) -> str | None:
    """Only an http(s) link with a host becomes an embed URL (Discord rejects others; feed links are untrusted)."""
    if (
        not isinstance(value, str)
        or len(value) > 2000
        or not value.lower().startswith(("http://", "https://"))
    ):
        return None
    try:
        return value if urlsplit(value).hostname else None
    except ValueError:
        return None


def _size(embed: dict[str, Any]) -> int:
    n = len(embed.get("title", "")) + len(embed.get("description", ""))
    n += len(embed.get("footer", {}).get("text", "")) + len(embed.get("author", {}).get("name", ""))
    return n + sum(len(f["name"]) + len(f["value"]) for f in embed.get("fields", []))


def fit(embeds: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The embeds of one message within Discord's per-message limits: at most 10, and 6,000 characters in all.
    Descriptions give way first (to 200 characters), then the last fields, then descriptions altogether: the
    fields say why an alert was sent, which a reader needs more than the end of a long quote."""
    embeds = embeds[:EMBEDS_PER_MESSAGE]

    def over() -> int:
        return sum(_size(e) for e in embeds) - MESSAGE_TOTAL

    for floor in (200, 0):
        for e in sorted(embeds, key=lambda x: -len(x.get("description", ""))):
            if over() <= 0:
                return embeds
            desc = e.get("description", "")
            keep = max(floor, len(desc) - over())
            if keep < len(desc):
                e["description"] = cut(desc, keep) if keep > 1 else ""
        while over() > 0 and floor == 200:
            droppable = [
                (e, f) for e in reversed(embeds) for f in reversed(e.get("fields", [])) if f["name"] != "Why"
            ]
            if not droppable:
                break
            e, f = droppable[0]
            e["fields"].remove(f)
    return embeds


def _field(name: str, value: str, inline: bool = False) -> dict[str, Any]:
    return {
        "name": cut(name, FIELD_NAME, one_line=True) or "—",
        "value": cut(value, FIELD_VALUE) or "—",
        "inline": inline,
    }


def alert_embed(payload: dict[str, Any]) -> dict[str, Any]:
    """One alert (or digest, or feed notice) as one embed: coloured by kind, linking the article, with the claim,
    its sources and why it was sent."""
    kind = str(payload.get("kind", ""))
    label = KIND_LABELS.get(kind, kind.replace("_", " ").upper())
    art = payload.get("article") or {}
    claim = payload.get("claim") or {}
    embed: dict[str, Any] = {"type": "rich", "color": COLOURS.get(kind, COLOURS["summary"])}
    fields: list[dict[str, Any]] = []
    if kind == "digest":
        embed["title"] = cut(f"{label} · {payload.get('count', 0)} alerts", TITLE, one_line=True)
        lines = [f"{i}. {alert_line(a)}" for i, a in enumerate(payload.get("alerts") or [], 1)]
        embed["description"] = cut("\n".join(lines), DESCRIPTION)
    elif kind in ("feed_paused", "feed_resumed"):
        feed = payload.get("feed") or {}
        embed["title"] = cut(f"{label}: {feed.get('name', '')}", TITLE, one_line=True)
        embed["description"] = cut(str(feed.get("url", "")), DESCRIPTION)
    else:
        embed["title"] = cut(f"{label} · {art.get('title', '')}", TITLE, one_line=True)
        if _url(art.get("url")):
            embed["url"] = art["url"]
        if claim.get("kind") == "quote":
            said = (  # reported speech is never put in quotation marks (bot.core.render.quote_text)
                f" said {clean(claim.get('text'))}"
                if claim.get("direct") is False
                else f": “{clean(claim.get('text'))}”"
            )
            embed["description"] = cut(f"**{clean(claim.get('speaker'))}**{said}", DESCRIPTION)
        elif claim:
            embed["description"] = cut(
                f"**{clean(claim.get('label'))}**\n> {clean(claim.get('context'))}", DESCRIPTION
            )
        else:
            embed["description"] = cut(str(payload.get("summary") or ""), DESCRIPTION)
        other = claim.get("conflicts_with") if claim else None
        if other:
            value = claim.get("value")
            fields.append(
                _field("Reported here", format_number(value) if isinstance(value, int | float) else "?", True)
            )
            fields.append(
                _field(
                    f"Reported first by {other.get('source', '?')}",
                    format_number(other.get("value") or 0),
                    True,
                )
            )
        source = f"{clean(art.get('source'))}" + (
            f", {str(art.get('published'))[:16].replace('T', ' ')} UTC" if art.get("published") else ""
        )
        fields.append(_field("Source", source or "unknown"))
    fields.append(_field("Why", str(payload.get("why", ""))))
    embed["fields"] = fields[:FIELDS]
    embed["footer"] = {"text": cut(f"claimdesk · team {payload.get('team', '')}", 200, one_line=True)}
    return fit([embed])[0]


def reply_embeds(reply: Reply, *, per_page: int = 10, page: int = 0) -> list[dict[str, Any]]:
    """A handler's reply as one embed (one page of its items): title, items as fields, the note below. A lookup's
    reply that is already one page of its matches (`reply.page`) is shown whole, numbered on."""
    if reply.page is not None:
        items, pages = reply.items, reply.page.count
        page, first = reply.page.number - 1, reply.page.first
    else:
        items = reply.items[page * per_page : (page + 1) * per_page]
        pages, first = max(1, -(-len(reply.items) // per_page)), page * per_page + 1
    embed: dict[str, Any] = {
        "type": "rich",
        "title": cut(reply.title, TITLE, one_line=True),
        "color": COLOURS["error" if reply.error else "reply"],
        "fields": [],
    }
    # every item of the page gets an equal share of the message's 6,000 characters, so none is dropped by fit()
    note = cut(reply.note, 500) if reply.note else ""
    share = (MESSAGE_TOTAL - len(embed["title"]) - len(note) - 100) // max(1, len(items))
    for i, item in enumerate(items, first):
        value = "\n".join(item.lines)
        if _url(item.url):
            value += f"\n{item.url}"
        name = cut(f"{i}. {item.title}", min(FIELD_NAME, share // 3), one_line=True)
        embed["fields"].append(_field(name, cut(value, min(FIELD_VALUE, max(1, share - len(name))))))
    if note:
        embed["description"] = note
    if pages > 1:
        embed["footer"] = {"text": f"page {page + 1} of {pages}"}
    return fit([embed])
