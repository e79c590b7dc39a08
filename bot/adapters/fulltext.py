"""The main text of an article page, for feeds that carry only a teaser: trafilatura, run in a worker thread.

The page is fetched by the same guarded fetcher as feeds (bot.adapters.fetcher); this module only turns its
HTML into plain text. Any failure means "no better text": the caller keeps the feed's own.
"""

from __future__ import annotations

import logging
import re

from bot.adapters.memory import release_memory

log = logging.getLogger("claimdesk")
PAGE_BYTES = 5 * 1024 * 1024  # an article page larger than this is not read
# lxml and trafilatura hold ~35x the HTML they parse (a 4.9 MB page: +175 MB resident), so a page is parsed
# without its scripts, styles and comments, and only its first PARSE_BYTES of what is left (an article's text
# comes well before that); the main text kept is at most TEXT_CHARS characters
PARSE_BYTES = 1_500_000
TEXT_CHARS = 200_000
_NOISE = re.compile(rb"<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->", re.IGNORECASE | re.DOTALL)


def parse_input(html: bytes) -> bytes:
    """What of a page is parsed: without scripts, styles and comments, at most PARSE_BYTES. Taken as soon as the
    page arrives, so a page waiting for its turn to be parsed holds this, not the whole page (5 MB at most)."""
    return _NOISE.sub(b"", html)[:PARSE_BYTES]


def page_text(html: bytes, url: str) -> str | None:
    """The article's main text (paragraphs kept), or None when the page has none that trafilatura can find.
    `html` is what `parse_input` made of the page (bot.adapters.sources.ArticlePages cuts it on arrival)."""
    import trafilatura  # heavy (lxml and friends): loaded on the first teaser, not at start-up

    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
    except Exception as exc:  # a hostile page must never stop a poll
        log.info("full text: %s: extraction failed: %s", url, exc)
        return None
    finally:
        release_memory()
    return text.strip()[:TEXT_CHARS] if isinstance(text, str) and text.strip() else None
