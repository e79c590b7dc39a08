"""Whether two quotes are the same quote: the same speaker, and the same statement. Pure: strings in, a decision
out; bot.core.matching places a quote with it, as it places a figure with bot.core.figure_identity.

The same statement by the same speaker, also shortened, paraphrased, turned into indirect speech or translated
differently. Two kinds of evidence, the better one decides:

- *words*: two outlets quoting one statement share most of its content words (bot.core.terms: function words
  out, light stems, equivalents such as troops/soldiers mapped to one term), or a run of its words in order, or a
  fragment of it in quote marks. The term score is the share of the shorter side's terms found in the other (a
  shortened quote is wholly contained in the full one), damped when the shorter side has few terms;
- *meaning*: the cosine of the two statements' sentence embeddings (all-MiniLM-L6-v2, computed by the caller:
  bot.adapters.minilm), for paraphrases that share few words ("the ministry will look at the contract again" /
  "officials plan a second review of the deal").

Either must clear its threshold, the speakers must be the same person (`same_speaker`: people by surname and
given names in any spelling, bodies by name containment), and two statements that disagree on a negation or on
their numbers are different statements whatever their words or meaning share.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache

from bot.core.names import spelling_variants
from bot.core.terms import TOKEN, stopwords, weighted_terms
from bot.extractor.lexicon import lexicon

QUOTE_THRESHOLD = 0.6  # the word evidence's threshold
# the embeddings' cosine threshold, chosen on the tune half of bench/data/quote-pairs-train.jsonl and the 57 dev
# pairs under the false-merge bound (0.85% of 4,000 random same-speaker pairs at 0.70): README "Same quote or not"
MEANING_THRESHOLD = 0.7
# words compared in order: bounds the quadratic run search (a quote is rarely longer); matching indexes as many
MAX_WORDS = 300
_MIN_EVIDENCE = 3.0  # terms of content the lighter side needs for its full score


@dataclass(frozen=True)
class Match:
    same: bool
    score: float


@cache
def _titles() -> frozenset[str]:
    """Words of a title before a name (the extractor's own list), which outlets add or drop at will."""
    return lexicon().titles | {"mr", "mrs", "ms", "dr", "sen", "rep", "gov", "gen", "the"}


_SUFFIXES = frozenset({"jr", "sr", "ii", "iii"})
# a word that makes a name a body's, not a person's: "Chamber of Commerce", "Ministry for Health", "Smith & Co"
_BODY_WORDS = frozenset({"of", "for", "and", "&", "on", "de", "du", "la"})


def _name_words(name: str | None) -> list[str]:
    words = [p.replace("’", "'") for p in re.findall(r"[\w’'&-]+", (name or "").lower())]
    words = [w for w in words if w not in _titles()]
    while words and words[-1] in _SUFFIXES:
        words.pop()
    return words


def _canonical(word: str) -> str:
    """One spelling for every transliteration of a name word (Zelensky, Zelenskyy, Zelenskiy → one)."""
    return min(spelling_variants(word))


def speaker_key(name: str | None) -> str:
    """The surname a speaker is compared and found by ('Pentagon Chief Lloyd Austin', 'Lloyd J. Austin' → 'austin';
    'Zelenskyy' and 'Zelensky' alike)."""
    words = [w for w in _name_words(name) if len(w) > 1]
    return _canonical(words[-1]) if words else ""


def _is_body(words: list[str]) -> bool:
    return bool(_BODY_WORDS.intersection(words)) or len(words) > 4


def same_speaker(a: str | None, b: str | None) -> bool:
    """The same person or body. People: the same surname, and given names that agree where both are given — the
    same name in any spelling, or an initial of it ("Hillary Clinton" is not "Bill Clinton", nor "Petra Gallagher"
    "Priya Gallagher"; "P. Gallagher" may be either). Bodies: one name holds the other ("The Chamber of Commerce",
    "Lorvanian Chamber of Commerce")."""
    ka, kb = speaker_key(a), speaker_key(b)
    if not ka or ka != kb:
        return False
    wa, wb = _name_words(a), _name_words(b)
    if _is_body(wa) or _is_body(wb):
        sa, sb = {_canonical(w) for w in wa}, {_canonical(w) for w in wb}
        return sa <= sb or sb <= sa
    full_a, full_b = ({_canonical(w) for w in words[:-1] if len(w) > 1} for words in (wa, wb))
    if full_a and full_b:
        return bool(full_a & full_b)  # a role word before the name ("Pentagon Chief …") may differ, not all
    initials_a, initials_b = ({w[0] for w in words[:-1]} for words in (wa, wb))
    return not (initials_a and initials_b) or bool(initials_a & initials_b)  # one outlet dropped it, or "P."


def term_similarity(a: dict[str, float], b: dict[str, float]) -> float:
    """Weighted share of the lighter side's terms found in the other (a shortened quote is wholly contained),
    damped when the lighter side has fewer than three terms that are not names: "Trump's tweets" shares a name
    and one word with any claim about the tweets, which says little."""
    wa, wb = sum(a.values()), sum(b.values())
    if not wa or not wb:
        return 0.0
    small, other = (a, b) if wa <= wb else (b, a)
    shared = sum(w for t, w in small.items() if t in other)
    plain = sum(1 for w in small.values() if w == 1.0)
    return shared / min(wa, wb) * min(1.0, plain / _MIN_EVIDENCE)


# Placing one claim compares it with up to 25 candidates, each with up to 5 wordings, and the same clusters come up
# for claim after claim: the per-text readings below are cached (pure functions of the text; immutable results).
_TEXTS_CACHED = 4096


@lru_cache(maxsize=_TEXTS_CACHED)
def _words(text: str) -> tuple[str, ...]:
    """A claim's words in order, lower-cased, at most MAX_WORDS."""
    return tuple(w.replace("’", "'") for w in TOKEN.findall(text.lower()))[:MAX_WORDS]


@lru_cache(maxsize=_TEXTS_CACHED)
def _trigrams(text: str) -> frozenset[tuple[str, str, str]]:
    w = _words(text)
    return frozenset(zip(w, w[1:], w[2:], strict=False))


@lru_cache(maxsize=_TEXTS_CACHED)
def _content_terms(text: str) -> dict[str, float]:
    """weighted_terms, cached for quote_similarity; callers must not change the dict."""
    return weighted_terms(text)


def wording_similarity(a: str, b: str) -> float:
    """The longest run of words both sides share, over the shorter side's length: the same words in the same order,
    quoted in full or in part ('That keeps the harbour open' / 'Dredging now "keeps the harbour open"'). Runs under three words
    count for nothing."""
    if _trigrams(a).isdisjoint(_trigrams(b)):  # a shared run of three words or more is a shared trigram
        return 0.0
    wa, wb = _words(a), _words(b)
    if len(wa) < 3 or len(wb) < 3:
        return 0.0
    best, prev = 0, [0] * (len(wb) + 1)
    for x in wa:
        cur = [0] * (len(wb) + 1)
        for j, y in enumerate(wb, 1):
            if x == y:
                cur[j] = prev[j - 1] + 1
                best = max(best, cur[j])
        prev = cur
    return best / min(len(wa), len(wb)) if best >= 3 else 0.0


_QUOTED = re.compile(r"[“\"]([^“”\"]{2,300}?)[”\"]|‘([^‘’]{2,300}?)’(?![a-z])|''(.{2,300}?)''")
_NEGATIONS = frozenset(
    {"not", "no", "never", "nothing", "none", "nobody", "neither", "nor", "without", "cannot"}
)
FRAGMENT_SCORE = (
    0.8  # a quoted fragment of the other side's words: strong evidence, short of the same wording
)
POLARITY_DAMPING = 0.85  # shared terms, opposite polarity: "I pay the harbour fees" vs "not paying fees …"


def quotes_a_fragment_of(a: str, b: str) -> bool:
    """True when `a` puts in quote marks a fragment of `b`'s words, in order: an outlet reporting a statement
    quotes the telling words of it ('she would speak plainly to “ferry crews”'; 'be treated as
    “unacceptable”'). The fragment must hold a content word, and must not be the whole of `a`."""
    wa, wb = _words(a), _words(b)
    stop = stopwords()
    for m in _QUOTED.finditer(a[: MAX_WORDS * 12]):
        frag = _words(m.group(1) or m.group(2) or m.group(3))
        if not frag or len(frag) >= len(wa) - 1 or all(w in stop for w in frag):
            continue
        n = len(frag)
        if any(wb[i : i + n] == frag for i in range(len(wb) - n + 1)):
            return True
    return False


@lru_cache(maxsize=_TEXTS_CACHED)
def negated(text: str) -> bool:
    """Whether a statement holds a negation (not, never, no, …, or a word ending in n't)."""
    return any(w in _NEGATIONS or w.endswith("n't") for w in _words(text))


def quote_similarity(a_text: str, b_text: str) -> float:
    """The best of three readings: the same wording, a quoted fragment of the other's wording, or the same
    content terms. Terms shared by a negated and an affirmative statement count for less: they say opposite
    things about the same words."""
    terms_score = term_similarity(_content_terms(a_text), _content_terms(b_text))
    if negated(a_text) != negated(b_text):
        terms_score *= POLARITY_DAMPING
    fragment = quotes_a_fragment_of(a_text, b_text) or quotes_a_fragment_of(b_text, a_text)
    return max(wording_similarity(a_text, b_text), FRAGMENT_SCORE if fragment else 0.0, terms_score)


_NUMBER = re.compile(r"\d[\d,.]*")


@lru_cache(maxsize=_TEXTS_CACHED)
def _numbers(text: str) -> frozenset[str]:
    return frozenset(n.rstrip(".,").replace(",", "") for n in _NUMBER.findall(text))


def numbers_differ(a_text: str, b_text: str) -> bool:
    """Both statements give numbers and none of them is the same: "we lost 12 ships" is not "we lost 40 ships"."""
    na, nb = _numbers(a_text), _numbers(b_text)
    return bool(na and nb and na.isdisjoint(nb))


_CONTRADICTION_OVERLAP = 0.8  # share of both sides' terms in common: the same words, one of them negated


def contradicts(a_text: str, b_text: str) -> bool:
    """One statement is the other negated: the same content terms on both sides (not merely the shorter side's
    in the longer one, as for a shortened quote) and a negation on one side only ("we will sign the contract" /
    "we will not sign the contract"). A long quote holding a 'not' somewhere is not a contradiction of its
    summary: both sides must carry nearly the same terms."""
    if negated(a_text) == negated(b_text):
        return False
    ta, tb = set(_content_terms(a_text)), set(_content_terms(b_text))
    return bool(ta and tb) and len(ta & tb) / len(ta | tb) >= _CONTRADICTION_OVERLAP


def meaning_may_decide(a_text: str, b_text: str) -> bool:
    """Whether meaning could join two statements at all: the same polarity and no other numbers. Callers skip
    the model for pairs where it could not."""
    return negated(a_text) == negated(b_text) and not numbers_differ(a_text, b_text)


def quote_decision(a_text: str, b_text: str, meaning: float | None = None) -> Match:
    """Whether two statements by one speaker are the same statement: by their words, or by their meaning (the
    embeddings' cosine, when the caller has it). Statements that disagree on a negation or on their numbers need
    their words to agree: meaning alone cannot tell "we will" from "we will not"."""
    words = quote_similarity(a_text, b_text)
    same, score = words >= QUOTE_THRESHOLD, words
    if (
        not same
        and meaning is not None
        and meaning >= MEANING_THRESHOLD
        and meaning_may_decide(a_text, b_text)
    ):
        same, score = True, meaning
    if same and (
        contradicts(a_text, b_text)
        or (numbers_differ(a_text, b_text) and wording_similarity(a_text, b_text) < 0.9)
    ):
        same = False
    return Match(same, round(score, 3))


def quote_match(
    a_text: str, a_speaker: str | None, b_text: str, b_speaker: str | None, meaning: float | None = None
) -> Match:
    """Same speaker, and the same statement by its wording, its content terms or its meaning."""
    if not same_speaker(a_speaker, b_speaker):
        return Match(False, 0.0)
    return quote_decision(a_text, b_text, meaning)
