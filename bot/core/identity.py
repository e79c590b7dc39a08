"""Article identity: when two feed entries are the same article.

Feed bots are judged by this. Publishers rewrite guids, switch http to https, add tracking parameters and
rewrite pubDates; the same story arrives through two feeds; and two different stories can share a link (a live
page) or a title ("Live updates"). So an entry has several identities, each trusted for what it is good at:

- its **key**: the guid (a guid that is a URL is normalised like a link), else its normalised link, else a hash
  of title and date. A key seen before in the same feed is the same article;
- its **link** (normalised) with its **title** or **fingerprint** (a hash of title and opening text): the same
  link *and* the same title or text is the same article, in any feed, whatever its guid or date say; the same
  link with another title *and* another text is another article;
- its **fingerprint** with its title: the same title and opening text is the same article when it has no link
  (a rewritten date changes its hash key); with a link, a daily "Live: …" page with the same teaser is a new
  article each day.

Pure: strings in, strings out. The store applies these rules (bot.adapters.sqlite.articles).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

_TRACKING = frozenset({"fbclid", "gclid", "mc_cid", "mc_eid", "ocid", "cmpid", "smid", "ref_src"})
_FINGERPRINT_CHARS = 2000  # opening text that identifies an article; later edits further down don't change it


def normalise_link(link: str) -> str:
    """Scheme and host lower case, no trailing slash, no tracking parameters, no fragment; http and https alike.
    A link that does not parse ('http://[x/1') is kept as written: it still names its article."""
    try:
        parts = urlsplit(link.strip())
    except ValueError:
        return link.strip()
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in _TRACKING
    ]
    path = parts.path.rstrip("/") or "/"
    scheme = parts.scheme.lower()
    return urlunsplit(
        ("https" if scheme in ("http", "https") else scheme, parts.netloc.lower(), path, urlencode(query), "")
    )


def _is_url(text: str) -> bool:
    return text.lower().startswith(("http://", "https://"))


def entry_key(entry: Mapping[str, Any]) -> str:
    """guid (normalised when it is a URL), else normalised link, else a hash of title and date."""
    guid = str(entry.get("id") or "").strip()
    if guid:
        return "guid:" + (normalise_link(guid) if _is_url(guid) else guid)
    link = str(entry.get("link") or "").strip()
    if link:
        return "link:" + normalise_link(link)
    basis = f"{entry.get('title', '')}|{entry.get('published', '') or entry.get('updated', '')}"
    return "hash:" + hashlib.sha256(basis.encode()).hexdigest()[:32]


def is_global_key(key: str) -> bool:
    """A key that names the article wherever it appears (a URL), not only within one feed ('guid:1234' may be
    another publisher's 1234)."""
    return key.startswith(("guid:https://", "link:"))


def _flat(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def fingerprint(title: str, text: str) -> str:
    """A hash of the title and the opening text, blind to case, punctuation and spacing."""
    basis = f"{_flat(title)}|{_flat(text[: _FINGERPRINT_CHARS * 2])[:_FINGERPRINT_CHARS]}"
    return hashlib.sha256(basis.encode()).hexdigest()[:32]


def link_key(url: str | None) -> str | None:
    return normalise_link(url) if url and _is_url(url) else None
