"""Quotes: direct (quote marks, or the dash style of translated press) and indirect, each with its speaker.

Everything works on character offsets within paragraphs, so an unbalanced quote mark can never swallow more than
its own paragraph. Speakers are found next to a speech cue (`speech_verbs.txt`) and resolved by `speakers`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from bot.extractor.lexicon import lexicon
from bot.extractor.speakers import GROUP_PRONOUNS, PRONOUNS, TOKEN, PeopleIndex, resolve
from bot.extractor.types import Quote

_OPEN_CLOSE = {"“": '”"', '"': '"”', "«": "»", "„": '“”"', "‘": "’"}
_DASH_LEAD = re.compile(r"[ \t]*[-–—][ \t]+")
_DASH_SPLIT = re.compile(r"[ \t]+[-–—][ \t]+")
_ADVERBIALS = frozenset(
    [
        "also",
        "later",
        "earlier",
        "previously",
        "recently",
        "then",
        "again",
        "has",
        "had",
        "have",
        "would",
        "will",
        "once",
        "publicly",
        "repeatedly",
        "further",
        "reportedly",
        "today",
        "yesterday",
        "tonight",
        "on",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "last",
        "week",
    ]
)
_OPENERS = frozenset({"The", "A", "An", "But", "And", "On", "In", "As", "So", "Yet", "Still", "Meanwhile"})
_MIN_WORDS = 3


@dataclass(frozen=True)
class _Span:
    start: int
    end: int


@dataclass(frozen=True)
class _Tok:
    text: str
    start: int
    end: int


def _tokens(text: str, lo: int, hi: int) -> list[_Tok]:
    return [_Tok(m.group(0), m.start(), m.end()) for m in TOKEN.finditer(text, lo, hi)]


def _is_cue(tok: _Tok) -> bool:
    return tok.text[0].islower() and tok.text in lexicon().speech_verbs


def _word_count(text: str) -> int:
    return len(re.findall(r"\w+", text))


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink a content span past surrounding spaces and the commas/colons that join it to its attribution."""
    while start < end and (text[start].isspace() or text[start] in "-–—:"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",;:-–—"):
        end -= 1
    return start, end


def _mention_before(toks: list[_Tok]) -> _Span | None:
    """The speaker mention that ends the token list: 'Pentagon Chief Lloyd Austin', 'he', 'U.S. officials'."""
    roles = lexicon().role_nouns
    i = len(toks) - 1
    while i >= 0 and toks[i].text.lower() in _ADVERBIALS:
        i -= 1
    if i >= 0 and toks[i].text in ',"”':
        # an aside between commas: a name in apposition is the mention, anything else is skipped
        j = i - 1
        while j >= 0 and toks[j].text in '"”,':
            j -= 1
        k = j
        while k >= 0 and toks[k].text != ",":
            k -= 1
        if k < 0 or j - k > 12:
            return None
        inner = toks[k + 1 : j + 1]
        if inner and all(t.text[0].isupper() for t in inner):
            return _Span(inner[0].start, inner[-1].end)
        i = k - 1
    if i < 0:
        return None
    last = toks[i]
    if last.text.lower() in PRONOUNS | GROUP_PRONOUNS:
        return _Span(last.start, last.end)
    j = i
    if last.text.lower() in roles:
        while j - 1 >= 0 and (toks[j - 1].text[0].isupper() or toks[j - 1].text in ("and", "top", "senior")):
            j -= 1
        if j - 1 >= 0 and toks[j - 1].text.lower() in ("the", "a"):
            j -= 1
    elif last.text[0].isupper():
        while j - 1 >= 0 and (
            toks[j - 1].text[0].isupper() or toks[j - 1].text in ("of", "and", "de", "van")
        ):
            j -= 1
    else:
        return None
    while j <= i and (toks[j].text in _OPENERS or toks[j].text in ("of", "and")):
        j += 1
    return _Span(toks[j].start, toks[i].end) if j <= i else None


def _mention_after(toks: list[_Tok]) -> _Span | None:
    """The speaker mention that starts the token list: 'Volodymyr Zelensky', 'he', 'the Ukrainian leader'."""
    if not toks:
        return None
    first = toks[0]
    if first.text.lower() in PRONOUNS | GROUP_PRONOUNS:
        return _Span(first.start, first.end)
    roles = lexicon().role_nouns
    j = 0
    if first.text.lower() in ("the", "a"):
        j = 1
        while j < len(toks) and j < 6 and toks[j].text.lower() not in roles:
            j += 1
        if j < len(toks) and toks[j].text.lower() in roles:
            return _Span(first.start, toks[j].end)
        return None
    if not first.text[0].isupper():
        return None
    while j + 1 < len(toks) and (toks[j + 1].text[0].isupper() or toks[j + 1].text in ("of",)):
        j += 1
    return _Span(first.start, toks[j].end)


@dataclass
class _Attribution:
    mention: _Span
    cue: _Tok


def _attribution_in(text: str, lo: int, hi: int) -> _Attribution | None:
    """A cue with its speaker in text[lo:hi]: 'said Austin', 'he explained', 'Zelensky said in a post'."""
    toks = _tokens(text, lo, hi)
    for idx, tok in enumerate(toks[:12]):
        if _is_cue(tok):
            after = _mention_after(toks[idx + 1 :])
            if after:
                return _Attribution(after, tok)
            before = _mention_before(toks[:idx])
            if before:
                return _Attribution(before, tok)
    return None


def _last_attribution_before(text: str, lo: int, hi: int) -> _Attribution | None:
    """'Austin said:' or 'said Austin, adding that' just before an opening quote mark."""
    toks = _tokens(text, lo, hi)[-14:]
    for idx in range(len(toks) - 1, -1, -1):
        if _is_cue(toks[idx]):
            after = _mention_after(toks[idx + 1 :])
            if after:
                return _Attribution(after, toks[idx])
            before = _mention_before(toks[:idx])
            return _Attribution(before, toks[idx]) if before else None
    return None


def _paragraphs(text: str) -> list[tuple[int, int]]:
    out, pos = [], 0
    for line in text.split("\n"):
        if line.strip():
            out.append((pos, pos + len(line)))
        pos += len(line) + 1
    return out


def _marked_quotes(text: str, p_start: int, p_end: int) -> list[_Span]:
    """Spans inside quote marks in one paragraph; an opener with no closer in the paragraph is ignored."""
    spans: list[_Span] = []
    i = p_start
    while i < p_end:
        ch = text[i]
        closers = _OPEN_CLOSE.get(ch)
        if closers is None or (ch == "‘" and not text[i + 1 : i + 2].isalpha()):
            i += 1
            continue
        j = i + 1
        close = -1
        while j < p_end:
            if text[j] in closers and (ch != "‘" or j + 1 >= p_end or not text[j + 1].isalpha()):
                close = j
                break
            j += 1
        if close < 0:
            i += 1
            continue
        s, e = _trim(text, i + 1, close)
        if _word_count(text[s:e]) >= _MIN_WORDS:
            spans.append(_Span(s, e))
        i = close + 1
    return spans


def _quote(text: str, span: _Span, direct: bool, att: _Attribution | None, people: PeopleIndex) -> Quote:
    if att is None:
        return Quote(text[span.start : span.end], span.start, span.end, direct)
    m = att.mention
    return Quote(
        text=text[span.start : span.end],
        start=span.start,
        end=span.end,
        direct=direct,
        speaker=resolve(text[m.start : m.end], m.start, people),
        speaker_start=m.start,
        speaker_end=m.end,
        cue=att.cue.text,
        cue_start=att.cue.start,
        cue_end=att.cue.end,
    )


def _dash_quotes(text: str, p_start: int, p_end: int, people: PeopleIndex) -> list[Quote]:
    """'- Content, - said X, ... - more content, - he explained.' (the style of translated press)."""
    lead = _DASH_LEAD.match(text, p_start, p_end)
    if not lead:
        return []
    bounds = [lead.end()]
    for m in _DASH_SPLIT.finditer(text, lead.end(), p_end):
        bounds += [m.start(), m.end()]
    bounds.append(p_end)
    segments = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
    kinds = [_attribution_in(text, s, min(e, s + 80)) if k else None for k, (s, e) in enumerate(segments)]
    quotes: list[Quote] = []
    for k, (s, e) in enumerate(segments):
        att = kinds[k]
        if att is not None and att.cue.start - s < 40:
            continue  # an attribution segment, not content
        following = next((a for a in kinds[k + 1 :] if a is not None), None)
        preceding = next((a for a in reversed(kinds[:k]) if a is not None), None)
        cs, ce = _trim(text, s, e)
        if _word_count(text[cs:ce]) >= _MIN_WORDS:
            quotes.append(_quote(text, _Span(cs, ce), True, following or preceding, people))
    return quotes


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _indirect(text: str, s_start: int, s_end: int, people: PeopleIndex) -> Quote | None:
    """'Austin said Russia is ...', '..., Austin said on Thursday.', '..., according to X.'"""
    toks = _tokens(text, s_start, s_end)
    body_end = s_end
    while body_end > s_start and text[body_end - 1] in " .\n\t":
        body_end -= 1
    # content first: "..., U.S. Secretary of Defense Lloyd Austin said on Thursday."
    commas = [i for i, t in enumerate(toks) if t.text == ","]
    if commas and len(toks) - commas[-1] <= 12:
        tail = toks[commas[-1] + 1 :]
        if len(tail) >= 2 and tail[0].text.lower() == "according" and tail[1].text == "to":
            rest = [t for t in tail[2:] if t.text not in ".!?"]
            mention = _Span(rest[0].start, rest[-1].end) if 0 < len(rest) <= 8 else None
            if mention:
                cs, ce = _trim(text, s_start, toks[commas[-1]].start)
                return _quote(text, _Span(cs, ce), False, _Attribution(mention, tail[0]), people)
        att = _attribution_in(text, tail[0].start, body_end) if tail else None
        if att is not None and _word_count(text[s_start : toks[commas[-1]].start]) >= 4:
            cs, ce = _trim(text, s_start, toks[commas[-1]].start)
            return _quote(text, _Span(cs, ce), False, att, people)
    # speaker first: "Pentagon Chief Lloyd Austin reported that ..."
    for idx, tok in enumerate(toks):
        if not _is_cue(tok):
            continue
        mention = _mention_before(toks[:idx])
        if mention is None:
            continue
        k = idx + 1
        if tok.text in ("told", "tells", "tell", "urged", "urges"):
            while k < len(toks) and k - idx <= 4 and toks[k].text != "that":
                k += 1
            k = k if k < len(toks) and toks[k].text == "that" else idx + 1
        while k < len(toks) and toks[k].text.lower() in _ADVERBIALS:
            k += 1  # "said on Saturday that ..."
        if k < len(toks) and toks[k].text == "that":
            k += 1
        if k >= len(toks) or toks[k].text in '“"«:':
            return None  # direct speech follows; the quote-mark pass owns it
        cs, ce = _trim(text, toks[k].start, body_end)
        if _word_count(text[cs:ce]) < 4:
            return None
        return _quote(text, _Span(cs, ce), False, _Attribution(mention, tok), people)
    return None


def find_quotes(text: str, sentences: Sequence[tuple[int, int]], people: PeopleIndex) -> list[Quote]:
    """Every quote in `text`, in text order."""
    direct: list[Quote] = []
    dash_spans: list[tuple[int, int]] = []
    for p_start, p_end in _paragraphs(text):
        dq = _dash_quotes(text, p_start, p_end, people)
        if dq:
            dash_spans.append((p_start, p_end))
        direct.extend(dq)
        previous: Quote | None = None
        for span in _marked_quotes(text, p_start, p_end):
            if any(_overlaps((q.start, q.end), (span.start, span.end)) for q in dq):
                continue
            sent_end = next((e for s, e in sentences if s <= span.end < e), p_end)
            att = _attribution_in(text, span.end, min(p_end, sent_end + 1, span.end + 90))
            if att is None or att.cue.start - span.end > 40:
                att = _last_attribution_before(text, p_start, span.start - 1)
            q = _quote(text, span, True, att, people)
            if q.speaker is None and previous is not None and previous.speaker is not None:
                q = replace(previous, text=q.text, start=q.start, end=q.end)  # quote split around attribution
            direct.append(q)
            previous = q
    quotes = list(direct)
    taken = [(q.start, q.end) for q in direct] + dash_spans
    for s_start, s_end in sentences:
        if any(_overlaps((s_start, s_end), t) for t in taken):
            continue
        indirect = _indirect(text, s_start, s_end, people)
        if indirect is not None and indirect.speaker is not None:
            quotes.append(indirect)
    quotes.sort(key=lambda q: q.start)
    return quotes
