"""Quotes: direct speech (quote marks, or the dash style of translated press) and reported speech, with speakers.

Two passes over the text, both on character offsets and cheap regex tokens (no parser is available):

1. Direct: quote marks are paired within a paragraph (an opener without its closer is dropped, so an unbalanced
   mark never swallows the article), except that a paragraph left open and followed by one that re-opens is the
   news convention for a quote running over several paragraphs. Segments split around their attribution
   (`"…," Austin said. "…"`) form one quote. A quote takes the attribution next to it; a stand-alone quoted
   sentence without one inherits the speaker of the quote just before it; a short quoted phrase inside someone
   else's sentence is left to pass 2, which reports the whole sentence.
2. Reported: each sentence not already covered is searched for an attribution cue (`data/cues.txt`). The cue's
   position decides the layout: source first (`Austin said (that) …`), content first (`…, Austin said.` /
   `…, said Austin.`), wrapped (`The economy, he said, is …`), `according to X`, and participle clauses
   (`…, saying …`, whose speaker is the sentence's subject). In a sentence that also holds a direct quote, only the
   prose outside the quote and its attribution is read (`“…,” Anand said, as the engineer warned that …`), and a
   participle after the attribution (`“…,” Marsh said, adding that …`) keeps the quote's speaker. A title-case
   headline (`Harbour Board Chair Warns …`) is read with capitalised cues.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cache
from typing import NamedTuple

from bot.extractor.lexicon import lexicon
from bot.extractor.patterns import trie_alternation
from bot.extractor.sentences import paragraphs, split_sentences
from bot.extractor.speakers import GROUP_PRONOUNS, PRONOUNS, PeopleIndex, resolve, role_of
from bot.extractor.types import Quote

_TOKEN = re.compile(
    r"(?:Mr|Mrs|Ms|Dr|Sen|Rep|Gov|Gen|Lt|Col|Sgt|Capt|Prof|Rev|St|Jr|Sr|Atty|Adm)\.(?=\s)"
    r"|(?:[A-Za-z]\.){2,}|[A-Z]\.(?=\s[A-Z])|[A-Za-z][\w’'-]*|\d[\d,.]*\d|\d|[^\s\w]"
)
_MIN_WORDS = 3
_NEAR = 100  # characters read next to a quote mark for its attribution (about 16 words)
_WINDOW = 160  # characters read from a sentence's start for its subject (bounded, so long input stays linear)
_STANDALONE_WORDS = 5
# Reported content can be short: "Rubio opposes abortion", "They said she could".
_MIN_REPORTED = {"speech": 2, "belief": 2, "object": 1}
# Grammar words the rules read by live in data/grammar_words.json, one list per role (see its "why" fields).
_G = lexicon().grammar
_AUX = _G["auxiliaries"] | frozenset(f"{w}{a}t" for w in _G["negated_auxiliaries"] for a in ("'", "’"))
_TIME_WORDS, _TIME_LEADS = _G["time_words"], _G["time_leads"]
_STOP = _G["clause_words"] | _AUX
_OPENERS, _DETERMINERS = _G["openers"], _G["determiners"]
_ADDRESSEE_CUES, _ADDRESSEES, _CLAUSE_STARTS = _G["addressee_cues"], _G["addressees"], _G["clause_starts"]
_ADJUNCT_STARTS, _NOT_BEFORE_CUE = _G["adjunct_starts"], _G["not_before_cue"]
_NOUNISH, _NOUN_FOLLOWERS = _G["nounish_cues"], _G["noun_followers"]
_APPOSITION_STARTS, _SUBORDINATORS, _RAISING = (
    _G["apposition_starts"],
    _G["subordinators"],
    _G["raising_verbs"],
)
_CLAUSE_MARKS = (",", "”", '"', "—", "’")
_BE = frozenset(["is", "was", "were", "are", "be", "been", "being"])
# "declined to comment", "refused to say": nothing was said
_NO_COMMENT = re.compile(
    r"to\s+(?:say|comment|elaborate|discuss|answer|respond|speculate|specify)(?:\s+\w+)?"
)
_CLOSERS = {"“": '”"', '"': '"”', "«": "»", "„": '“”"', "‘": "’", "''": "''", "‹": "›", "'": "'"}
_ALL_CLOSERS = frozenset("".join(_CLOSERS.values()))
_ATTRIBUTED = re.compile(r"\w")  # words between two parts of a quote: its attribution stands there
_MARK = re.compile(r"''|[“”\"«»„‘’‹›']")
# Where reported content ends inside its sentence: ", which …", ", contradicting …", ", according to …".
_CONTENT_STOP = re.compile(
    r",\s+(?:which|who|whom|where|while|whereas|but|although|though|according\s+to|[a-z]+ing)\b"
)
_AND_BEFORE = re.compile(r"(?:,|\s)\s*and\s+$")
_PARTICIPLE_TAIL = re.compile(r"[^,]{0,60},\s+([a-z]+ing)(?:\s+that)?[\s:,]*")
_DASH_LEAD = re.compile(r"[ \t]*[-–—―][ \t]+")
_DASH_SPLIT = re.compile(r"(?<![ \t])[ \t]+[-–—―][ \t]+")  # the lookbehind keeps long runs of spaces linear


class _Tok(NamedTuple):
    """A word or punctuation mark (a plain tuple: hundreds are made per article)."""

    text: str
    low: str
    start: int
    end: int

    @property
    def word(self) -> bool:
        return self.text[0].isalnum()

    @property
    def capital(self) -> bool:
        return self.text[0].isupper()


@dataclass(frozen=True, slots=True)
class _Attribution:
    mention: tuple[int, int]
    cue: tuple[int, int]
    cue_text: str


def _tokens(text: str, lo: int, hi: int) -> list[_Tok]:
    # tuple.__new__ skips the named tuple's Python-level constructor: half the cost of each of ~600 tokens/article
    new, out = tuple.__new__, []
    for m in _TOKEN.finditer(text, lo, hi):
        s, e = m.span()
        w = text[s:e]
        out.append(new(_Tok, (w, w.lower(), s, e)))
    return out


@cache
def _cue_re(headline: bool = False) -> re.Pattern[str]:
    """Cue forms as written in running text; in a headline ("Obama Says …") any capitalisation."""
    forms = [*lexicon().cues, "According to"]  # the one cue that commonly opens a sentence
    flags = re.IGNORECASE if headline else 0
    return re.compile(rf"(?<![\w’'-])(?:{trie_alternation(forms)})(?![\w’'-])", flags)


_TITLE_START = re.compile(r"\W*[A-Z][\w’'.-]*\s+\W*[A-Z0-9]")  # a cheap first test: two capitalised words
_HEADLINE_WORD = re.compile(r"[A-Za-z][\w’'-]*")


def _is_headline(text: str, start: int, end: int) -> bool:
    """A title-case line of a few words ("Retired General Reveals ‘Demoralizing’ Experience"): its cue is capitalised."""
    if end - start > 200 or not _TITLE_START.match(text, start, end) or text.find("\n", start, end) >= 0:
        return False
    words = _HEADLINE_WORD.findall(text, start, end)
    long_words = [w for w in words if len(w) > 3]
    return len(words) >= 3 and sum(w[0].isupper() for w in long_words) >= max(3, 0.8 * len(long_words))


def _cue_class(cue: str) -> str:
    return lexicon().cues.get(" ".join(cue.lower().split()), "speech")


def _trim(text: str, start: int, end: int, tail: str = ",;:-–—―.") -> tuple[int, int]:
    """Shrink a content span past spaces and the punctuation that joins it to its attribution (`tail`)."""
    while start < end and (text[start].isspace() or text[start] in "-–—―:,;"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in tail):
        end -= 1
    return start, end


_QUOTED_TAIL = ",;:-–—―"  # inside quote marks a full stop, "?" or "!" belongs to the speaker


_WORD = re.compile(r"\w+")


def _words(text: str) -> int:
    return len(_WORD.findall(text))


# --- speaker phrases -----------------------------------------------------------------------------------------


def _plausible_head(tok: _Tok) -> bool:
    if not tok.word:
        return False
    if tok.low in PRONOUNS or tok.low in GROUP_PRONOUNS or tok.capital:
        return True
    return len(tok.low) > 2 and not tok.low.endswith(("ed", "ing", "ly")) and tok.low not in _STOP


def _skip_back(toks: list[_Tok], k: int) -> int:
    """Step back over auxiliaries, adverbs, a time phrase and a parenthesis between a subject and its cue."""
    while k > 0:
        t = toks[k - 1]
        if t.low in _AUX or (t.low.endswith("ly") and len(t.low) > 4 and not t.capital):
            k -= 1
        elif t.low in _TIME_WORDS:
            k -= 1
            if k > 0 and toks[k - 1].low in _TIME_LEADS:
                k -= 1
        elif t.text == ")":
            j = k - 1
            while j > 0 and k - j < 8 and toks[j].text != "(":
                j -= 1
            if toks[j].text != "(":
                return k
            k = j
        else:
            return k
    return k


def _np_before(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """Token range [j, k) of the speaker phrase that ends just before index i (past any auxiliaries)."""
    k = _skip_back(toks, i)
    if k == 0:
        return None
    if toks[k - 1].text == "," and k >= 3:
        return _appositive_subject(toks, k - 1)
    last = toks[k - 1]
    if last.low in PRONOUNS or last.low in GROUP_PRONOUNS or last.low == "i":
        return (k - 1, k)
    if not _plausible_head(last) or last.low in ("and", "but"):
        return None
    j = k - 1
    while j > 0 and k - j < 9:
        t = toks[j - 1]
        if t.text in ("/", "-", "&") or t.text.endswith("."):
            j -= 1
            continue
        if not t.word or t.low in _STOP or t.low in lexicon().cues:
            break
        if t.low == "and" and not (j >= 2 and toks[j - 2].capital and toks[j].capital):
            break
        if not t.capital and t.low not in _DETERMINERS and t.low.endswith(("ed", "ing", "ly")):
            break
        j -= 1
    while j < k - 1 and (toks[j].low in _OPENERS or toks[j].text in ("/", "-", "&")):
        j += 1
    return (j, k)


def _appositive_subject(toks: list[_Tok], comma: int) -> tuple[int, int] | None:
    """'Mr. Reid, who represents Nevada, said' → the phrase before the aside (comma = the aside's closing comma)."""
    j = comma - 1
    while (
        j > 0
        and comma - j < 26
        and (
            toks[j].text not in (",", ".", ";")
            or (toks[j].text == "," and j + 2 == comma and toks[j + 1].capital and toks[j - 1].capital)
        )
    ):
        j -= 1  # an aside may itself hold a comma between names: "a delegate from Houston, Texas,"
    if j <= 0 or toks[j].text != "," or j + 1 >= comma:
        return None
    inner = toks[j + 1 : comma]
    if all(t.capital or t.text == "." for t in inner) and len(inner) <= 6:
        return (j + 1, comma)  # "the Commander-in-Chief …, General Oleksandr Syrskyi, said": the name
    name = _np_before(toks, j)
    if name is None or not toks[name[1] - 1].capital:
        return None
    return name


def _np_after(toks: list[_Tok], i: int) -> tuple[int, int] | None:
    """Token range [i, k) of the speaker phrase that starts at index i ('Austin', 'the Ukrainian leader')."""
    if i >= len(toks):
        return None
    first = toks[i]
    if first.low in PRONOUNS or first.low in GROUP_PRONOUNS:
        return (i, i + 1)
    k = i
    if first.low in _DETERMINERS:
        k = i + 1
        while k < len(toks) and k - i < 8 and toks[k].word and toks[k].low not in _STOP:
            k += 1
        return (i, k) if k - i >= 2 else None
    if not first.capital or not first.word or first.low in _STOP:
        return None
    k = i + 1
    while (
        k < len(toks)
        and k - i < 8
        and ((toks[k].word and toks[k].capital) or toks[k].low in ("of", "and") or toks[k].text in ("-", "."))
    ):
        k += 1
    while k > i + 1 and toks[k - 1].low in ("of", "and", "-", "."):
        k -= 1
    n = k
    while n < len(toks) and n - k < 3 and toks[n].word and not toks[n].capital and toks[n].low not in _STOP:
        n += 1
    if k < n < len(toks) and toks[n].capital and toks[n].word:
        k = n  # "Democratic strategist Hank Sheinkopf": a description, then the name
        while k < len(toks) and k - i < 12 and toks[k].word and toks[k].capital:
            k += 1
    elif k < len(toks) and toks[k].low in lexicon().role_nouns:
        k += 1  # "U.S. and South Korean officials", "Union leader Maria Soto"
        while k < len(toks) and k - i < 10 and toks[k].word and toks[k].capital:
            k += 1
    return (i, k)


def _span(toks: list[_Tok], r: tuple[int, int]) -> tuple[int, int]:
    return (toks[r[0]].start, toks[r[1] - 1].end)


def _subject(text: str, s_start: int, limit: int) -> tuple[int, int] | None:
    """The sentence's subject, for participle cues ('She attacked the plan, saying …' → 'She')."""
    toks = _tokens(text, s_start, min(limit, s_start + _WINDOW))
    i = 0
    if toks and (toks[0].low in _STOP or toks[0].low in _OPENERS):
        comma = next((n for n, t in enumerate(toks[:14]) if t.text == ","), None)
        if comma is None:
            return None
        i = comma + 1
    r = _np_after(toks, i)
    return _span(toks, r) if r else None


# --- attribution next to direct speech -----------------------------------------------------------------------


def _attribution_after(text: str, lo: int, hi: int) -> _Attribution | None:
    """'…," Austin said.' / '…," said Austin, adding' / '…," he told reporters.' in text[lo:hi]."""
    toks = _tokens(text, lo, min(hi, lo + _NEAR))[:14]
    i = 0
    while i < len(toks) and toks[i].text in (",", "—", "–", "-", "―"):
        i += 1
    m = _cue_re().search(text, lo, toks[min(len(toks), i + 8) - 1].end) if toks else None
    if m is None:
        return None
    c, c_end = _index(toks, m.start()), _index(toks, m.end())
    before = _np_before(toks, c)
    if before is not None and before[0] == i:
        return _Attribution(_span(toks, before), (m.start(), m.end()), m.group(0))
    after = _np_after(toks, c_end)
    if c == i and after is not None:
        return _Attribution(_span(toks, after), (m.start(), m.end()), m.group(0))
    return None


def _attribution_before(text: str, lo: int, hi: int) -> _Attribution | None:
    """'Austin said: "…' / 'Zelensky said, "…' / 'said Austin: "…' / 'he told reporters that "…' in text[lo:hi]."""
    toks = _tokens(text, max(lo, hi - _NEAR), hi)[-16:]
    matches = list(_cue_re().finditer(text, toks[0].start, hi)) if toks else []
    if not matches:
        return None
    m = matches[-1]
    c = next((n for n, t in enumerate(toks) if t.start >= m.start()), None)
    c_end = next((n for n, t in enumerate(toks) if t.start >= m.end()), len(toks))
    if c is None:
        return None
    tail = toks[c_end:]
    if len(tail) > 6 or any(t.text in ".!?" for t in tail):
        return None
    if tail and tail[-1].low not in (",", ":", "that", "—", "–"):
        return None  # 'said he won "every single debate"': a phrase quoted inside reported speech
    before = _np_before(toks, c)
    if before is not None:
        return _Attribution(_span(toks, before), (m.start(), m.end()), m.group(0))
    after = _np_after(toks, c_end)
    if after is not None:
        return _Attribution(_span(toks, after), (m.start(), m.end()), m.group(0))
    return None


# --- direct speech ---------------------------------------------------------------------------------------------


@dataclass
class _Segment:
    opened: int  # the opening mark
    start: int  # first character inside the marks
    end: int  # the closing mark (or the paragraph end when the quote runs on)
    after: int  # just past the closing mark
    runs_on: bool = False


def _straight_single(text: str, i: int, p_start: int, opening: bool) -> bool:
    """A straight single quote mark that opens ('We will …) or closes (…,' she said) a quotation: it opens at a
    word's start before a capital, and closes after the sentence's own punctuation before a space or the end."""
    before = text[i - 1] if i > p_start else " "
    after = text[i + 1 : i + 2] or " "
    if opening:
        return (before.isspace() or before in "([—–-") and after.isupper()
    return before in ",.!?" and (after.isspace() or after in ")]—–-")


def _segments(text: str, p_start: int, p_end: int, next_para: tuple[int, int] | None) -> list[_Segment]:
    """Quoted spans in one paragraph; an opener never closed is dropped unless the next paragraph re-opens."""
    out: list[_Segment] = []
    opener: re.Match[str] | None = None
    for m in _MARK.finditer(text, p_start, p_end):
        mark = m.group(0)
        if mark == "'" and not _straight_single(text, m.start(), p_start, opener is None):
            continue  # an apostrophe (don't, Holm's, the players' union), not a quote mark
        if opener is None:
            if mark not in _CLOSERS:
                continue
            if mark == "‘" and not text[m.end() : m.end() + 1].isalnum():
                continue
            opener = m
            continue
        if mark in _CLOSERS[opener.group(0)] or (
            mark == "“" == opener.group(0)
            and not text[m.end() : m.end() + 1].isalnum()
            and text[m.start() - 1] != " "
        ):  # a closing mark typed as an opening one: “Do you want that?“ he asked.
            if mark == "’" and text[m.end() : m.end() + 1].isalpha():
                continue  # an apostrophe: don’t
            out.append(_Segment(opener.start(), opener.end(), m.start(), m.end()))
            opener = None
        elif mark == opener.group(0) and mark in ("“", "«"):
            opener = m  # a re-opened quote without a closer: restart from the later mark
    if opener is not None and next_para is not None:
        lead = text[next_para[0] : next_para[0] + 2].lstrip()
        if lead[:1] in _CLOSERS or lead[:2] == "''":
            out.append(_Segment(opener.start(), opener.end(), p_end, p_end, runs_on=True))
    return out


@dataclass
class _Group:
    segments: list[_Segment]
    attribution: _Attribution | None = None
    embedded: bool = False  # 'Obama said “it gets me mad” every time …': part of a reported sentence


def _direct_groups(
    text: str, sentences: Sequence[tuple[int, int]], paras: Sequence[tuple[int, int]]
) -> list[_Group]:
    groups: list[_Group] = []
    carried: _Group | None = None  # a quote that runs on into the next paragraph
    first_new = 0  # groups before this index have had their attribution looked for
    for n, (p_start, p_end) in enumerate(paras):
        segs = _segments(text, p_start, p_end, paras[n + 1] if n + 1 < len(paras) else None)
        if carried is not None and (not segs or text[p_start : segs[0].opened].strip()):
            # the quote left open does not go on here after all: it ended with the previous paragraph
            carried.segments[-1].runs_on = False
            carried = None
            _attach(text, groups[first_new:], sentences, *paras[n - 1])
            first_new = len(groups)
        for seg in segs:
            if carried is not None:
                carried.segments.append(seg)
                if not seg.runs_on:
                    carried = None
                continue
            prev = groups[-1] if groups else None
            if prev is not None and p_start <= prev.segments[-1].end:
                gap_lo, gap_hi = prev.segments[-1].after, seg.opened
                if not text[gap_lo:gap_hi].strip(" ,.:;—–-"):
                    prev.segments.append(seg)
                    continue
                runs_on = text[prev.segments[-1].end - 1 : prev.segments[-1].after + 1].strip()[:1] in (
                    ",",
                    "—",
                    "–",
                )
                if (
                    runs_on
                    and _words(text[gap_lo:gap_hi]) <= 40
                    and len(split_sentences(text, gap_lo, gap_hi)) <= 1
                ):
                    att = _attribution_after(text, gap_lo, gap_hi)
                    rest = text[max(att.cue[1], att.mention[1]) : gap_hi] if att else ""
                    if att is not None and _cue_re().search(rest):
                        att = None  # '…," X said, mentioning that the album is "…"': two quotes, not one
                    if att is not None and prev.attribution is None:
                        prev.attribution = att
                        prev.segments.append(seg)
                        continue
            group = _Group([seg])
            groups.append(group)
            if seg.runs_on:
                carried = group
        if carried is None:
            _attach(text, groups[first_new:], sentences, p_start, p_end)
            first_new = len(groups)
        elif carried.attribution is None and carried.segments[0].opened >= p_start:
            # a quote that opens here and runs on: "Austin said: “… (next paragraph) “…"
            carried.attribution = _attribution_before(text, p_start, carried.segments[0].opened)
    return groups


def _sentence_of(sentences: Sequence[tuple[int, int]], pos: int) -> tuple[int, int]:
    lo, hi = 0, len(sentences)
    while lo < hi:
        mid = (lo + hi) // 2
        if sentences[mid][1] <= pos:
            lo = mid + 1
        else:
            hi = mid
    return sentences[lo] if lo < len(sentences) else (pos, pos)


def _attach(
    text: str, groups: list[_Group], sentences: Sequence[tuple[int, int]], p_start: int, p_end: int
) -> None:
    """Find the attribution of each group that ends in this paragraph and has none yet."""
    for g in groups:
        last = g.segments[-1]
        if g.attribution is not None or not p_start <= last.end <= p_end:
            continue
        first = g.segments[0]
        s_end = _sentence_of(sentences, last.end)[1]
        g.attribution = _attribution_after(text, last.after, min(p_end, max(s_end, last.after + 1) + 1))
        if g.attribution is None and first.opened > p_start:
            s_start = max(_sentence_of(sentences, first.opened)[0], p_start)
            g.attribution = _attribution_before(text, s_start, first.opened)
            if g.attribution is not None:
                joined = text[max(g.attribution.cue[1], g.attribution.mention[1]) : first.opened]
                tight = not any(ch in joined for ch in ",:")  # 'said “…' rather than 'said: “…'
                g.embedded = tight and _words(text[last.after : max(s_end, last.after)]) >= 2
        if g.attribution is None and first.opened <= p_start:
            g.attribution = _colon_intro(text, p_start)


def _colon_intro(text: str, p_start: int) -> _Attribution | None:
    """A paragraph of quotation introduced by the paragraph before it ending in a colon ('Austin said:')."""
    k = p_start - 1
    while k > 0 and text[k - 1].isspace():
        k -= 1
    if k <= 0 or text[k - 1] != ":":
        return None
    return _attribution_before(text, max(0, k - 160), k)


def _direct_quotes(
    text: str, sentences: Sequence[tuple[int, int]], paras: Sequence[tuple[int, int]], people: PeopleIndex
) -> list[Quote]:
    quotes: list[Quote] = []
    previous: Quote | None = None
    tails: list[Quote] = []
    for g in _direct_groups(text, sentences, paras):
        if g.embedded:
            continue  # the reported-speech pass reads the whole sentence
        parts = tuple(
            p for p in (_trim(text, s.start, s.end, _QUOTED_TAIL) for s in g.segments) if p[1] > p[0]
        )
        if not parts:
            continue
        start, end = parts[0][0], parts[-1][1]
        words = _words(text[start:end])
        if words < _MIN_WORDS:
            continue
        # a part after the attribution is elided with an ellipsis; paragraphs of one running quote join with a space
        body = "".join(
            text[a:b]
            if not i
            else (" … " if _ATTRIBUTED.search(text, parts[i - 1][1], a) else " ") + text[a:b]
            for i, (a, b) in enumerate(parts)
        )
        if g.attribution is not None:
            q = _quote(text, (start, end), body, True, g.attribution, people, parts)
            if g.attribution.mention[0] >= end:  # '…,” he said, adding that …': more from the same speaker
                tail_end = _trim(text, *_sentence_of(sentences, g.attribution.mention[1]))[1]
                tails = _participle_tail(text, g.attribution, tail_end, people, direct=False)
        else:
            s_start = _sentence_of(sentences, start)[0]
            standalone = words >= _STANDALONE_WORDS and start - s_start <= 2
            if not standalone:
                continue  # a phrase quoted inside someone's sentence: the reported pass owns it
            q = Quote(body, start, end, True, parts=parts)
            if previous is not None and previous.speaker and start - previous.end < 600:
                q = replace(previous, text=body, start=start, end=end, parts=parts)
        quotes.append(q)
        previous = q
        quotes += tails
        tails = []
    return quotes


def _dash_quotes(text: str, p_start: int, p_end: int, people: PeopleIndex) -> list[Quote]:
    """'- Content, - said X, - more content, - he explained.' (the dialogue style of translated press)."""
    lead = _DASH_LEAD.match(text, p_start, p_end)
    if not lead:
        return []
    bounds = [lead.end()]
    for m in _DASH_SPLIT.finditer(text, lead.end(), p_end):
        bounds += [m.start(), m.end()]
    bounds.append(p_end)
    segments = [(bounds[k], bounds[k + 1]) for k in range(0, len(bounds), 2)]
    atts = [_attribution_after(text, s, min(e, s + 120)) if k else None for k, (s, e) in enumerate(segments)]
    if not any(atts):
        return []  # a bulleted list, not dialogue: nobody is said to speak
    # the nearest attribution after (else before) each segment, found in two linear sweeps
    following: list[_Attribution | None] = [None] * len(atts)
    preceding: list[_Attribution | None] = [None] * len(atts)
    for k in range(len(atts) - 2, -1, -1):
        following[k] = atts[k + 1] or following[k + 1]
    for k in range(1, len(atts)):
        preceding[k] = atts[k - 1] or preceding[k - 1]
    quotes: list[Quote] = []
    for k, (s, e) in enumerate(segments):
        att = atts[k]
        if att is not None:
            # an attribution segment, which may carry more words: "- said Austin, adding that “…”"
            quotes += _participle_tail(text, att, e, people)
            continue
        cs, ce = _trim(text, s, e)
        if _words(text[cs:ce]) >= _MIN_WORDS:
            quotes.append(_quote(text, (cs, ce), text[cs:ce], True, following[k] or preceding[k], people))
    return quotes


def _participle_tail(
    text: str, att: _Attribution, end: int, people: PeopleIndex, direct: bool = True
) -> list[Quote]:
    """'said Austin, adding that …' / 'said Zelensky, noting: …': more words from the same speaker.

    In the dash style the tail is more direct speech; after a quote in marks it is reported speech."""
    m = _PARTICIPLE_TAIL.match(text, att.mention[1], end)
    if m is None or lexicon().cues.get(m.group(1)) != "speech":
        return []
    cs, ce = _trim(text, m.end(), end)
    if text[cs : cs + 1] in _CLOSERS and text[ce - 1 : ce] in '”"»':
        cs, ce = _trim(text, cs + 1, ce - 1)
    if _words(text[cs:ce]) < _MIN_WORDS:
        return []
    tail = _Attribution(att.mention, (m.start(1), m.end(1)), m.group(1))
    return [_quote(text, (cs, ce), text[cs:ce], direct, tail, people)]


# --- reported speech -------------------------------------------------------------------------------------------


def _reported(text: str, s_start: int, s_end: int, people: PeopleIndex) -> list[Quote]:
    """Every attribution cue in one sentence, read by its layout."""
    out: list[Quote] = []
    body_end = _trim(text, s_start, s_end)[1]
    toks: list[_Tok] | None = None
    covered = s_start
    for m in _cue_re(_is_headline(text, s_start, body_end)).finditer(text, s_start, body_end):
        if m.start() < covered:
            continue
        if toks is None:
            toks = _tokens(text, s_start, s_end)
        q = _read_cue(text, toks, m, s_start, body_end, people)
        if q is not None and _words(q.text) >= _MIN_REPORTED[_cue_class(q.cue or "")]:
            out.append(q)
            covered = q.end
    return out


def _index(toks: list[_Tok], pos: int) -> int:
    return next((n for n, t in enumerate(toks) if t.start >= pos), len(toks))


def _read_cue(
    text: str, toks: list[_Tok], m: re.Match[str], s_start: int, body_end: int, people: PeopleIndex
) -> Quote | None:
    c, c_end = _index(toks, m.start()), _index(toks, m.end())
    cue = (m.start(), m.end())
    low = " ".join(m.group(0).lower().split())
    if low == "according to":
        return _according_to(text, toks, c, c_end, s_start, body_end, people)
    before_cue = toks[c - 1] if c > 0 else None
    if before_cue is not None and before_cue.low == "to" and c >= 2 and toks[c - 2].low in _RAISING:
        c, before_cue = c - 2, toks[c - 3] if c >= 3 else None  # read "seemed to urge" as one cue
    if before_cue is not None and before_cue.low in _NOT_BEFORE_CUE:
        return None  # "declined to say", "the claims": not an attribution
    if before_cue is not None and before_cue.low in _BE and not low.endswith("ing"):
        return None  # passive "Holt was told that …", "was asked whether …": Holt is addressed, not speaking
    following = toks[c_end] if c_end < len(toks) else None
    ends = following is None or following.text in (".", "!", "?", ";")  # "…, O'Keefe notes."
    if low in _NOUNISH and (
        not _verb_position(toks, c)
        or (following is not None and following.low in _NOUN_FOLLOWERS)
        or (not ends and (following is None or not following.word))
    ):
        return None  # "his claims about …", "initial reports of …", "project manager": the noun, not the verb
    kind = _cue_class(low)
    # content first, speaker after the cue: "…, said Austin." / "…,” says the report."
    if before_cue is not None and before_cue.text in _CLAUSE_MARKS and kind == "speech":
        after = _np_after(toks, c_end)
        if after is not None and _ends_clause(toks, after[1]):
            cs, ce = _trim(text, s_start, before_cue.start)
            return _make(text, (cs, ce), _Attribution(_span(toks, after), cue, m.group(0)), people)
    np = _np_before(toks, c)
    k = _skip_back(toks, c)
    if np is None and k > 1 and toks[k - 1].low in ("who", "that", "which"):
        np = _np_before(toks, k - 1)  # "legislators who have endorsed him", "PACs that sided with Cruz"
    if np is None:
        joined = toks[k - 1] if k > 0 else None
        if (
            joined is not None
            and ((joined.text == "," and low.endswith("ing")) or joined.low in ("and", "but"))
            and not any(t.low in _SUBORDINATORS for t in toks[: k - 1])
        ):
            # "…, saying …" / "… and said …": the speaker is the sentence's subject
            subject = _subject(text, s_start, joined.start)
            if subject is not None:
                content = _content_after(text, toks, c_end, kind, body_end)
                return (
                    _make(text, content, _Attribution(subject, cue, m.group(0)), people) if content else None
                )
        return None
    att = _Attribution(_span(toks, np), cue, m.group(0))
    j = np[0]
    aside_open = j > 0 and toks[j - 1].text in _CLAUSE_MARKS and toks[j - 1].start > s_start
    if aside_open and kind == "speech":
        rest = toks[c_end:]
        closes = not rest or rest[0].low in _ADJUNCT_STARTS or rest[0].text in (".", "!", "?", ";")
        if closes and not any(t.low == "that" for t in rest[:8]):
            cs, ce = _trim(text, s_start, toks[j - 1].start)  # "…, Austin said on Thursday."
            return _make(text, (cs, ce), att, people)
        if rest and rest[0].text == ",":
            if len(rest) > 1 and (rest[1].low in _ADJUNCT_STARTS or rest[1].low in lexicon().cues):
                cs, ce = _trim(text, s_start, toks[j - 1].start)  # "…, he said, on condition of anonymity."
                return _make(text, (cs, ce), att, people)
            cs, ce = _trim(text, s_start, body_end)  # "The economy, he said, is improving."
            return _make(text, (cs, ce), att, people)
    content = _content_after(text, toks, c_end, kind, body_end)
    return _make(text, content, att, people) if content else None


def _verb_position(toks: list[_Tok], c: int) -> bool:
    """Whether the word at c can be a finite verb: after a pronoun, a name, a plural noun or an auxiliary."""
    if c == 0:
        return False
    prev = toks[c - 1]
    return (
        prev.low in PRONOUNS
        or prev.low in GROUP_PRONOUNS
        or prev.low in _AUX
        or (prev.capital and prev.word and not prev.low.endswith(("’s", "'s")))
        or (
            prev.low.endswith("s")
            and prev.word
            and prev.low not in _DETERMINERS
            and not prev.low.endswith(("’s", "'s"))
        )
    )


def _ends_clause(toks: list[_Tok], k: int) -> bool:
    """True when a speaker phrase ending at k closes its clause: "…, said Austin." / "said Austin, who …"."""
    return (
        k >= len(toks)
        or toks[k].text in (",", ".", "!", "?", "(", ";", ":")
        or toks[k].low in _ADJUNCT_STARTS
    )


def _content_after(text: str, toks: list[_Tok], k: int, kind: str, body_end: int) -> tuple[int, int] | None:
    """What follows a source-first cue: past 'that', an addressee ('told reporters') and a time or place."""
    cue_tok = toks[k - 1] if k > 0 else None
    if cue_tok is not None and cue_tok.low in _ADDRESSEE_CUES and k < len(toks):
        nxt = next(
            (
                n
                for n in range(k, min(len(toks), k + 7))
                if toks[n].low in _CLAUSE_STARTS or toks[n].text in ",:"
            ),
            None,
        )
        if nxt is not None and nxt > k:
            k = nxt
        elif toks[k].low in _ADDRESSEES or (
            toks[k].capital and k + 1 < len(toks) and not toks[k + 1].capital  # not in a title-case headline
        ):
            k += 1
    while k < len(toks) and toks[k].text in (",", ":"):
        k += 1
    if k < len(toks) and (toks[k].low in _ADJUNCT_STARTS or toks[k].low in _TIME_WORDS):
        # "said Thursday during a taping in Buffalo, that …": the clause starts after the adjunct
        that = next((n for n in range(k + 1, min(len(toks), k + 25)) if toks[n].low == "that"), None)
        if that is not None and (toks[that - 1].text == "," or that - k <= 8):
            k = that  # "wrote in a post on Telegram that …"
    if k < len(toks) and toks[k].low == "that":
        k += 1
    if k >= len(toks):
        return None
    end = body_end
    stop = _CONTENT_STOP.search(text, toks[k].start, body_end)
    if stop is not None and _words(text[toks[k].start : stop.start()]) >= 4:
        end = stop.start()
    for m in _cue_re().finditer(text, toks[k].start, end):
        if _AND_BEFORE.search(text, max(0, m.start() - 6), m.start()):
            end = m.start()  # "questioned X and refused Y": a second attribution by the same speaker
            break
    if kind == "object":
        for t in toks[k + 1 :]:
            if t.text in (",", ";", "—", "–") or t.start >= body_end:
                end = t.start
                break
    cs, ce = _trim(text, toks[k].start, end)
    if _NO_COMMENT.fullmatch(text, cs, ce):
        return None  # "declined to comment", "refused to say": nothing was said
    return (cs, ce) if ce > cs else None


def _according_to(
    text: str, toks: list[_Tok], c: int, c_end: int, s_start: int, body_end: int, people: PeopleIndex
) -> Quote | None:
    k = c_end
    while k < len(toks) and toks[k].text not in (",", ".", ";", ":") and k - c_end < 25:
        k += 1
    if k == c_end:
        return None
    att = _Attribution(
        (toks[c_end].start, toks[k - 1].end), (toks[c].start, toks[c_end - 1].end), "according to"
    )
    aside = k + 1 < len(toks) and toks[k + 1].low in _APPOSITION_STARTS  # "according to Y, which monitors …"
    if c > 0 and toks[c - 1].text in (",", "—", "–"):
        if k < len(toks) and toks[k].text == "," and toks[k].start < body_end and not aside:
            return _make(text, _trim(text, s_start, body_end), att, people)  # "X, according to Y, is …"
        return _make(text, _trim(text, s_start, toks[c - 1].start), att, people)
    if k < len(toks) and toks[k].text == ",":
        return _make(text, _trim(text, toks[k].end, body_end), att, people)
    return None


def _make(text: str, content: tuple[int, int], att: _Attribution, people: PeopleIndex) -> Quote | None:
    cs, ce = content
    if cs < ce and text[cs] in _CLOSERS and not any(ch in _ALL_CLOSERS for ch in text[cs + 1 : ce]):
        cs = _trim(text, cs + 1, ce)[0]  # 'The sign said “Closed for the season.': the mark is never closed
    if ce <= cs:
        return None
    return _quote(text, (cs, ce), text[cs:ce], False, att, people)


def _quote(
    text: str,
    span: tuple[int, int],
    body: str,
    direct: bool,
    att: _Attribution | None,
    people: PeopleIndex,
    parts: tuple[tuple[int, int], ...] = (),
) -> Quote:
    if att is None:
        return Quote(body, span[0], span[1], direct, parts=parts)
    ms, me = att.mention
    mention = text[ms:me]
    return Quote(
        text=body,
        start=span[0],
        end=span[1],
        direct=direct,
        speaker=resolve(mention, ms, people),
        speaker_start=ms,
        speaker_end=me,
        cue=" ".join(att.cue_text.split()),
        cue_start=att.cue[0],
        cue_end=att.cue[1],
        speaker_role=role_of(mention),
        parts=parts,
    )


_GAP_WORDS = 5


def _reported_between(text: str, lo: int, hi: int, people: PeopleIndex) -> list[Quote]:
    """Reported speech beside a direct quote ("…,” he said, adding that …"): plain prose only, cue first."""
    lo, hi = _trim(text, lo, hi, "“”\"'‘’«»„,;:-–—―.")  # the marks of the quotes beside it are not prose
    while lo < hi and (text[lo] in "“”\"'‘’«»„" or text[lo].isspace()):
        lo += 1
    if _words(text[lo:hi]) < _GAP_WORDS or _MARK.search(text, lo, hi):
        return []
    return [q for q in _reported(text, lo, hi, people) if q.start > lo]


def _claimed(q: Quote) -> tuple[int, int]:
    """The text a quote accounts for: its content and the attribution beside it (not a speaker carried over)."""
    lo, hi = q.start, q.end
    for a, b in ((q.speaker_start, q.speaker_end), (q.cue_start, q.cue_end)):
        if a is not None and b is not None and q.start - _NEAR <= a and b <= q.end + _NEAR:
            lo, hi = min(lo, a), max(hi, b)
    return lo, hi


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def find_quotes(text: str, sentences: Sequence[tuple[int, int]], people: PeopleIndex) -> list[Quote]:
    """Every quote in `text`, in text order."""
    quotes: list[Quote] = []
    dash_paras: list[tuple[int, int]] = []
    paras = paragraphs(text)
    for p_start, p_end in paras:
        dq = _dash_quotes(text, p_start, p_end, people)
        if dq:
            dash_paras.append((p_start, p_end))
            quotes.extend(dq)
    quotes += [
        q
        for q in _direct_quotes(text, sentences, paras, people)
        if not any(_overlaps((q.start, q.end), d) for d in dash_paras)
    ]
    taken = sorted([_claimed(q) for q in quotes] + dash_paras)
    reach = [t[1] for t in taken]
    for i in range(1, len(reach)):
        reach[i] = max(reach[i], reach[i - 1])  # furthest end among spans starting at or before i
    starts = [t[0] for t in taken]
    for s_start, s_end in sentences:
        i = bisect.bisect_left(starts, s_end) - 1  # last span starting before the sentence ends
        if i < 0 or reach[i] <= s_start:
            quotes.extend(_reported(text, s_start, s_end, people))
            continue
        # a direct quote covers part of this sentence: read only what lies outside it and its attribution
        lo = bisect.bisect_right(reach, s_start)  # first span reaching into the sentence
        pos = s_start
        for a, b in [*taken[lo : i + 1], (s_end, s_end)]:
            quotes.extend(_reported_between(text, pos, a, people))
            pos = max(pos, b)
    quotes.sort(key=lambda q: q.start)
    return quotes
