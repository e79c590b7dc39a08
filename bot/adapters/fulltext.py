"""The main text of an article page, for feeds that carry only a teaser: trafilatura, run in a worker thread.

The page is fetched by the same guarded fetcher as feeds (bot.adapters.fetcher); this module only turns its
HTML into plain text. Any failure means "no better text": the caller keeps the feed's own.
"""

from __future__ import annotations

import logging

log = logging.getLogger("claimdesk")
PAGE_BYTES = 5 * 1024 * 1024  # an article page larger than this is not read


def page_text(html: bytes, url: str) -> str | None:
    """The article's main text (paragraphs kept), or None when the page has none that trafilatura can find."""
    import trafilatura  # heavy (lxml and friends): loaded on the first teaser, not at start-up

    try:
        text = trafilatura.extract(
            html, url=url, include_comments=False, include_tables=False, favor_precision=True
        )
    except Exception as exc:  # a hostile page must never stop a poll
        log.info("full text: %s: extraction failed: %s", url, exc)
        return None
    return text.strip() if isinstance(text, str) and text.strip() else None
