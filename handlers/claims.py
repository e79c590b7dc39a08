"""Lookups in the store: /claims <topic>, /quotes <speaker>, /figures <topic>.

Each hit is a cluster (one claim however many outlets carry it) with where it was first reported, how many
sources carry it, and, for figures, every value reported and by whom (more than one value: outlets disagree).
"""

from __future__ import annotations

import re
from typing import Annotated

from bot.core.claims import format_number
from bot.core.names import spelling_variants
from bot.core.ports import CLAIM_COLUMNS, Store
from bot.core.records import ClaimHit
from bot.core.render import quote_text, shorten
from bot.core.replies import Page, Reply, ReplyItem
from bot.core.terms import is_function_word
from handlers.commands import MaxLen, command
from handlers.context import Context

_WORD = re.compile(r"\w+", re.UNICODE)
LIMIT = 10
_MIN_PREFIX = 3  # letters a last word needs to be searched as a prefix


def fts_query(topic: str, column: str | None = None) -> str | None:
    """User text to a safe FTS5 query: every word must appear (in `column`, or any), the last may be a prefix.

    Quoting each word means FTS syntax in the input (`kursk"`, `AND`, `NEAR(`, `*`, `speaker:`) is searched as
    words and can never be a syntax error. A last word under three letters is not a prefix: "a*" would merge
    the lists of every word starting with a. Function words are dropped when the topic has other words.
    """
    words = _WORD.findall(topic)[:12]
    if not words:
        return None
    # function words match most claims and say nothing of the topic ("the war in Kursk" is "war Kursk"); a
    # search made only of them is kept as typed
    words = [w for w in words if not is_function_word(w)] or words
    # a transliterated name in any spelling finds them all: "zelenskyy" is ("zelenskyy" OR "zelensky" OR …)
    star = "*" if len(words[-1]) >= _MIN_PREFIX else ""
    quoted = []
    for n, w in enumerate(words):
        tail = star if n == len(words) - 1 else ""
        variants = spelling_variants(w)
        forms = [f'"{v}"{tail}' for v in (variants if len(variants) > 1 else (w,))]
        quoted.append(forms[0] if len(forms) == 1 else f"({' OR '.join(forms)})")
    # FTS5 joins phrases by AND implicitly, but a parenthesised OR group needs the AND spelt out
    expr = (" AND " if any(q.startswith("(") for q in quoted) else " ").join(quoted)
    return f"{column} : ({expr})" if column else expr


def _day(iso: str) -> str:
    return iso[:10]


def _label(h: ClaimHit, width: int) -> str:
    """A cluster as a reader sees it: a quote from its founding claim, in quotation marks only when direct."""
    if h.kind == "quote" and h.text:
        return quote_text(h.first.speaker, h.text, h.direct, width)
    return shorten(h.label, width)


def _first_line(h: ClaimHit) -> str:
    f = h.first
    return f"first: {f.source}, {_day(f.seen)} — “{shorten(f.title, 90)}”"


def _sources_line(h: ClaimHit) -> str:
    outlets = h.outlets
    return f"{len(outlets)} sources: {', '.join(outlets)}" if len(outlets) > 1 else "1 source so far"


def _values_line(h: ClaimHit) -> str | None:
    values = h.values
    if len(values) < 2:
        return None
    shown = "; ".join(f"{format_number(v.value or 0)} ({v.source}, {_day(v.seen)})" for v in values)
    return f"⚠ outlets disagree: {shown}"


async def _page(
    store: Store, query: str, page: int, kind: str | None = None, prefer: str | None = CLAIM_COLUMNS
) -> tuple[list[ClaimHit], str, int, Reply | None]:
    """One page of matches, what to say of how many match (" — 23 match, page 1 of 3"), and the number of pages;
    a page past the last is a reply of its own."""
    total, more = await store.count_clusters(query, kind)
    hits = await store.search_claims(query, LIMIT, kind, prefer, offset=(max(1, page) - 1) * LIMIT)
    total = max(total, (max(1, page) - 1) * LIMIT + len(hits))
    pages = max(1, -(-total // LIMIT))
    counted = f"{'at least ' if more else ''}{total:,} match"
    if page > pages:
        return (
            [],
            "",
            pages,
            Reply(
                f"There {'is' if pages == 1 else 'are'} {pages} page{'s' if pages != 1 else ''} of matches, not {page}",
                note=f"{counted}; ask for a page from 1 to {pages}",
                error=True,
            ),
        )
    return hits, f" — {counted}" + (f", page {page} of {pages}" if pages > 1 else ""), pages, None


def _paged(title: str, items: list[ReplyItem], page: int, pages: int) -> Reply:
    """A lookup's reply: its items numbered on from earlier pages, and which page it is for the front end."""
    shown = Page(page, pages, (page - 1) * LIMIT + 1) if pages > 1 else None
    return Reply(title, tuple(items), page=shown)


def _empty(what: str, topic: str) -> Reply:
    return Reply(
        f"No {what} “{shorten(topic, 80)}” yet",
        note="claimdesk only knows what the watched feeds have brought in so far.",
    )


def _nothing(example: str) -> Reply:
    return Reply("Nothing to search for", note=f"Give it in words, for example: {example}", error=True)


@command(
    "claims",
    "Figures and quotes on a topic, with who reported them first",
    example="/claims kursk",
    defer="public",
    describe={"topic": "words to look for, e.g. kursk"},
)
async def claims(ctx: Context, topic: Annotated[str, MaxLen(200)]) -> Reply:
    """Figures and quotes on `topic`, a page of them (`ctx.caller.page`)."""
    store, page = ctx.store, ctx.caller.page
    query = fts_query(topic)
    if query is None:
        return _nothing("/claims kursk")
    hits, counted, pages, refusal = await _page(store, query, page)
    if refusal:
        return refusal
    if not hits:
        return _empty("claims about", topic)
    items = []
    for h in hits:
        lines = [_first_line(h), _sources_line(h)]
        conflict = _values_line(h)
        if conflict:
            lines.append(conflict)
        kind = "quote" if h.kind == "quote" else "figure"
        items.append(ReplyItem(f"[{kind}] {_label(h, 220)}", tuple(lines), h.first.url))
    return _paged(f"Claims about “{shorten(topic, 80)}”{counted}", items, page, pages)


@command(
    "quotes",
    "What a speaker has been quoted saying, and by which outlets",
    example="/quotes zelensky",
    defer="public",
    autocomplete={"speaker": "speakers"},
)
async def quotes(ctx: Context, speaker: Annotated[str, MaxLen(100)]) -> Reply:
    store, page = ctx.store, ctx.caller.page
    query = fts_query(speaker, "speaker")
    if query is None:
        return _nothing("/quotes zelensky")
    hits, counted, pages, refusal = await _page(store, query, page, kind="quote", prefer=None)
    if refusal:
        return refusal
    if not hits:
        return _empty("quotes from", speaker)
    items = [ReplyItem(_label(h, 300), (_first_line(h), _sources_line(h)), h.first.url) for h in hits]
    return _paged(f"Quotes from “{shorten(speaker, 80)}”{counted}", items, page, pages)


@command(
    "figures",
    "Figures on a topic with every value reported and by whom",
    example="/figures north korean soldiers",
    defer="public",
)
async def figures(ctx: Context, topic: Annotated[str, MaxLen(200)]) -> Reply:
    """Each figure with its history: every outlet's value in the order they reported it."""
    store, page = ctx.store, ctx.caller.page
    query = fts_query(topic)
    if query is None:
        return _nothing("/figures kursk")
    hits, counted, pages, refusal = await _page(store, query, page, kind="figure")
    if refusal:
        return refusal
    if not hits:
        return _empty("figures about", topic)
    items = []
    for h in hits:
        history = [
            f"{_day(s.seen)} {s.source}: {format_number(s.value) if s.value is not None else '?'}"
            + (" ⚠ differs" if s.status == "conflicting" else "")
            for s in h.sources
        ]
        conflict = _values_line(h)
        lines = ([conflict] if conflict else []) + history
        items.append(ReplyItem(shorten(h.label, 220), tuple(lines), h.first.url))
    return _paged(f"Figures about “{shorten(topic, 80)}”{counted}", items, page, pages)
