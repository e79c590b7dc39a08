"""Attribution from a dependency parse: who said what, read off the sentences that can carry a statement.

The rule pass (`quotes.py`) finds where quotation marks open and close, which it does well. What rules cannot do
is tell a person from a place or find the subject of "said"; en_core_web_sm's parser can. This module reads the
parsed sentences (only those with a quote mark or a speech-cue form are parsed, see `Extractor._parse`):

- **Reported speech**: a cue verb (`data/cues.txt`) with a clausal complement (`ccomp`) is an attribution; its
  subject (`nsubj`) is the speaker mention and the complement is the content, wherever the two stand ("Austin
  said Russia is …", "Russia is …, Austin said", "The economy, he said, is …"). "according to X" takes the clause
  it modifies. A negated cue ("has not confirmed that"), a denial, a passive ("is said to", "was told that"), a
  question ("asked whether") and the [belief] and [object] cues ("believes", "a study found", "urged") report no
  statement in anyone's words, so they give no quote.
- **Speakers of direct quotes**: a cue in the quote's sentence outside the quote marks, whose subject also stands
  outside them; else the quote is bare, and its speaker is the article's current speaker (see `SpeakerChain`).
- **Speakers are typed**: a mention's head must be a proper noun, a personal pronoun or a noun; its canonical
  form is a person's full name (titles split off as the role), a pronoun or "the minister" resolved through the
  chain, or the mention itself for groups, organisations and documents.
- **Split quotes**: a quote split around its attribution is reported as one quote per part.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from spacy.tokens import Doc, Token

from bot.extractor.lexicon import lexicon
from bot.extractor.speakers import PeopleIndex, looks_like_person, role_of, strip_title
from bot.extractor.types import Quote

_SUBJECTS = frozenset({"nsubj"})
_PASSIVE = frozenset({"nsubjpass", "auxpass", "csubjpass"})
_PERSONAL = frozenset({"he", "she", "him", "her"})
_GROUP_PRONOUNS = frozenset({"they", "we", "them", "us"})
_SELF = frozenset({"i", "me", "you", "it", "this", "that", "which", "who", "what", "there"})
# Cues that report no statement when they stand alone (a denial is not a quote; a question asks, it states nothing).
_NO_STATEMENT = frozenset(
    {"deny", "denies", "denied", "denying", "ask", "asks", "asked", "asking", "wonder", "wonders", "wondered"}
)
_MIN_CONTENT_WORDS = 3


@dataclass(frozen=True, slots=True)
class Mention:
    """A speaker mention in the text and the name it resolves to."""

    start: int
    end: int
    text: str
    speaker: str | None
    role: str | None
    person: bool  # the speaker is a named person (a chain can hand it on to "he" and to bare quotes)


@dataclass
class SpeakerChain:
    """The article's people as a reader follows them: who spoke last, and who the text turned to since.

    A pronoun or a bare quote goes to the last *person who spoke*, unless a person the text names as a
    sentence's subject came after that speaker's quote (a new voice being introduced). Places, companies and
    programmes never enter the chain: only persons do.
    """

    people: PeopleIndex
    genders: dict[str, str] = field(
        default_factory=dict
    )  # canonical name -> "m" / "f", where the text shows it
    _speakers: list[tuple[int, Mention]] = field(default_factory=list)
    _subjects: list[tuple[int, Mention]] = field(default_factory=list)

    def spoke(self, pos: int, mention: Mention) -> None:
        if mention.person:
            self._speakers.append((pos, mention))

    def introduced(self, pos: int, mention: Mention) -> None:
        if mention.person:
            self._subjects.append((pos, mention))

    def current(self, pos: int, gender: str | None = None) -> Mention | None:
        """Who the text is following at `pos`; with a pronoun's gender, the latest person it can refer to."""

        def fits(m: Mention) -> bool:
            return gender is None or self.genders.get(m.speaker or "") in (None, gender)

        i = bisect.bisect_left(self._speakers, pos, key=lambda x: x[0])
        speaker = next((x for x in reversed(self._speakers[:i]) if fits(x[1])), None)
        j = bisect.bisect_left(self._subjects, pos, key=lambda x: x[0])
        subject = next((x for x in reversed(self._subjects[:j]) if fits(x[1])), None)
        if subject is not None and (speaker is None or subject[0] > speaker[0]):
            return subject[1]
        if speaker is not None:
            return speaker[1]
        for person in self.people.people_before(pos):
            m = Mention(person.start, person.end, person.name, person.name, None, True)
            if fits(m) and not person.name.isupper():  # "JUŽNA KRONIKA": a masthead, not a person
                return m
        return None


_PRONOUN = re.compile(r"\b(?:[Hh]e|[Hh]is|[Hh]im|[Ss]he|[Hh]er)\b")
_GENDER_OF = {"he": "m", "his": "m", "him": "m", "she": "f", "her": "f"}
_TITLED = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.?\s+(?:[A-Z][\w’'-]+\s+){0,2}([A-Z][\w’'-]+)")
_SENTENCE_END = re.compile(r"[.!?\n]")
_GENDER_REACH = 250  # characters after a person's mention in which a pronoun most likely refers to them


def genders(text: str, people: PeopleIndex) -> dict[str, str]:
    """Each person's gender where the article shows it: a title (Mr., Ms.) or, by majority, the pronouns that
    follow the person's mentions in the same sentence with nobody else named in between."""
    votes: dict[str, list[int]] = {}
    for m in _PRONOUN.finditer(text):
        person = people.last_person_before(m.start())
        if (
            person is not None
            and m.start() - person.end <= _GENDER_REACH
            and not _SENTENCE_END.search(text, person.end, m.start())
        ):  # a pronoun in the sentence that names the person: a pronoun further on is what is being resolved
            tally = votes.setdefault(person.name, [0, 0])
            tally[_GENDER_OF[m.group(0).lower()] == "f"] += 1
    out = {name: ("f" if f > m else "m") for name, (m, f) in votes.items() if m != f}
    for t in _TITLED.finditer(text):
        surname = t.group(2)
        for person in people.people:
            if person.name.split()[-1] == surname:
                out[person.name] = "m" if t.group(1) == "Mr" else "f"
    return out


def _cue_of(tok: Token) -> str | None:
    """The cue class of a verb token ("speech" or "object"), counting a particle ("point out")."""
    cues = lexicon().cues
    low = tok.lower_
    for child in tok.children:
        if child.dep_ == "prt":
            both = f"{low} {child.lower_}"
            if both in cues:
                return cues[both]
    return cues.get(low)


# The coarse class of a Penn tag. The pipeline's attribute_ruler does this with a Matcher over every token and
# cost a quarter of the parse time; the rules here only ask these five questions of a tag.
_COARSE = {"NN": "NOUN", "NNS": "NOUN", "NNP": "PROPN", "NNPS": "PROPN", "PRP": "PRON", "MD": "AUX"}


def _pos(tok: Token) -> str:
    tag = tok.tag_
    return _COARSE.get(tag) or ("VERB" if tag.startswith("VB") else tag)


def _verb_like(tok: Token) -> bool:
    """A verb, or a cue form the tagger read as a noun ("Okafor notes.") that still heads a subject and a clause."""
    if _pos(tok) in ("VERB", "AUX"):
        return True
    deps = {c.dep_ for c in tok.children}
    return _pos(tok) == "NOUN" and "nsubj" in deps and ("ccomp" in deps or tok.dep_ == "ROOT")


def _negated(tok: Token) -> bool:
    return any(c.dep_ == "neg" for c in tok.children) or any(
        c.dep_ == "neg" for c in tok.head.children if tok.dep_ in ("xcomp",) and tok.head is not tok
    )


_STATEMENT_NOUNS = frozenset(
    {
        "estimate",
        "claim",
        "view",
        "warning",
        "assessment",
        "prediction",
        "assertion",
        "argument",
        "statement",
        "position",
        "forecast",
        "promise",
        "pledge",
        "message",
        "point",
        "conclusion",
        "allegation",
        "contention",
    }
)


def _noun_complement(cue: Token) -> Token | None:
    """The clause of a statement noun a speech verb takes as its object ("repeated its estimate that …")."""
    for obj in cue.children:
        if obj.dep_ == "dobj" and obj.lower_ in _STATEMENT_NOUNS:
            for c in obj.children:
                if c.dep_ in ("acl", "ccomp") and c.i > obj.i:
                    return c
    return None


def _misread_complement(cue: Token) -> Token | None:
    """A clause with its own subject that the parser hung on the cue as an adverbial ("said after the convention
    he would not accept …"): content all the same, unless a subordinator makes it one ("said when he arrived")."""
    for c in cue.children:
        if (
            c.dep_ == "advcl"
            and c.i > cue.i
            and any(g.dep_ == "nsubj" for g in c.children)
            and not any(g.dep_ in ("mark", "advmod") and g.i < c.i for g in c.children)
        ):
            return c
    return None


def _before_coordinated_cue(comp: Token, hi: int) -> int:
    """Content ends before a second speech verb coordinated into it ("said the state would pay … and announced
    that the army …": the parser hangs "announced" on "pay", but it is the speaker's second statement)."""
    for c in comp.children:
        if c.dep_ == "conj" and c.i > comp.i and _cue_of(c) == "speech":
            cut = c.left_edge.i
            cc = [t.i for t in comp.children if t.dep_ in ("cc", "punct") and comp.i < t.i < c.i]
            return min(hi, _trim_end(comp.doc, min([cut, *cc])))
    return hi


def _subject_of(verb: Token) -> Token | None:
    """The subject of a cue verb; a participle or coordinated cue ("…, saying …", "… and said …") takes the
    subject of the verb it hangs on."""
    seen = 0
    tok = verb
    while seen < 4:
        seen += 1
        for c in tok.children:
            if c.dep_ in _SUBJECTS:
                return c
            if c.dep_ in _PASSIVE:
                return None
        if tok.dep_ in ("conj", "advcl", "xcomp") and tok.head is not tok:
            head = tok.head
            if tok.dep_ == "conj" and head.dep_ == "ccomp" and _cue_of(head.head) == "speech":
                head = (
                    head.head
                )  # "said … would pay … and announced …": coordinated with the cue, not the content
            tok = head
            continue
        return None
    return None


def _mention_span(head: Token) -> tuple[int, int]:
    """The noun phrase of a subject head: its left modifiers and compound parts, with appositions and relative
    clauses cut off ("Dr. Jane Roe, a virologist at …" → "Dr. Jane Roe")."""
    left = head.i
    for c in head.lefts:
        if (
            c.dep_ in ("compound", "amod", "det", "poss", "nmod", "nummod", "quantmod", "case")
            or _pos(c) == "PROPN"
        ):
            left = min(left, c.left_edge.i)
    right = head.i
    for c in head.rights:
        # "a spokesperson for the ministry" keeps its phrase; "Officials in Dunmere" are the officials
        if c.dep_ in ("compound", "flat") or (c.dep_ == "prep" and c.lower_ in ("of", "at", "for", "from")):
            right = max(right, c.right_edge.i)
        else:
            break
    doc = head.doc
    while left < head.i and doc[left].is_punct:
        left += 1
    while right > head.i and doc[right].is_punct:
        right -= 1
    return left, right + 1


def _is_speaker_head(tok: Token) -> bool:
    """A speaker is a person, an organisation, a group, a role or a document: never a fragment."""
    if _pos(tok) == "PRON":
        return tok.lower_ in _PERSONAL or tok.lower_ in _GROUP_PRONOUNS
    if _pos(tok) == "PROPN":
        return True
    if _pos(tok) == "NOUN":
        return tok.is_alpha and tok.lower_ not in _SELF
    # "one of the family's attorneys said": a number standing for people of a group
    return tok.tag_ == "CD" and any(c.dep_ == "prep" and c.lower_ == "of" for c in tok.children)


def resolve_mention(
    head: Token, offset: int, text: str, chain: SpeakerChain, people: PeopleIndex
) -> Mention | None:
    """The speaker a subject head names, with its span in `text`; None for a fragment."""
    if not _is_speaker_head(head) or any(c.dep_ == "case" for c in head.children):
        return None  # a fragment, or a possessor ("Campbell's partner said": the partner spoke)
    left, right = _mention_span(head)
    doc = head.doc
    start, end = offset + doc[left].idx, offset + doc[right - 1].idx + len(doc[right - 1])
    mention = text[start:end]
    low = mention.lower()
    if _pos(head) == "PRON":
        if low in _PERSONAL or head.lower_ in _PERSONAL:
            current = chain.current(start, _GENDER_OF.get(head.lower_))
            name = current.speaker if current else None
            return Mention(start, end, mention, name, current.role if current else None, current is not None)
        return Mention(start, end, mention, mention, None, False)
    named = next((c for c in head.children if c.dep_ == "appos" and c.text[:1].isupper()), None)
    if (
        named is not None and head.tag_ in ("NN", "CD") and not any(c.dep_ == "conj" for c in named.children)
    ):  # "Its chief executive, Helene Vasquier, told …" (one person: not "the owners, A and B")
        a_lo, a_hi = _mention_span(named)
        name = text[offset + doc[a_lo].idx : offset + doc[a_hi - 1].idx + len(doc[a_hi - 1])]
        _, parts = strip_title(name.split())
        if len(parts) >= 2 and looks_like_person(parts):
            return Mention(start, end, mention, people.canonical(" ".join(parts)), role_of(mention), True)
    words = mention.split()
    roles = lexicon().role_nouns
    if (
        _pos(head) == "NOUN"
        and head.tag_ == "NN"
        and _person_noun(head.lower_, roles)
        and words[0].lower() in ("the", "its", "their")  # "its chief executive": the company's person
    ):
        # "the minister": the person named with that title ("Interior Minister Selma Oriach"), else the person
        # the article is following
        current = _titled(text, head.lower_, start, people) or chain.current(start)
        if current is not None:
            return Mention(start, end, mention, current.speaker, role_of(mention), True)
        return Mention(start, end, mention, mention, None, False)
    if _pos(head) == "PROPN" or head.text[:1].isupper():  # the small tagger calls many surnames NOUN
        _, name_words = strip_title(words)
        parts = [w.rstrip(",") for w in name_words]
        owner = max((i for i, w in enumerate(parts) if w.endswith(("'s", "’s"))), default=-1)
        parts = parts[owner + 1 :]  # "Vancouver's Bo Horvat" is Bo Horvat
        if parts and looks_like_person(parts):
            known = people.canonical(" ".join(parts))
            if len(parts) >= 2 or known != parts[0]:  # a full name, or the surname of one the article named
                return Mention(start, end, mention, known, role_of(mention), True)
    return Mention(start, end, mention, mention, None, False)


# Agent nouns name people ("the founder", "the proprietor", "the defenceman", "the economist", "the pianist");
# those that end so but name things or bodies are listed apart.
_AGENT = re.compile(r"\w{2,}(?:er|or|ist|ian|man|woman|person|ant|ent|ee|arch|ive)")
_NOT_PEOPLE = frozenset(
    {
        "paper",
        "order",
        "letter",
        "report",
        "center",
        "centre",
        "number",
        "matter",
        "border",
        "sector",
        "quarter",
        "government",
        "department",
        "statement",
        "document",
        "agreement",
        "parliament",
        "committee",
        "meter",
        "computer",
        "counter",
        "register",
        "river",
        "water",
        "power",
        "tower",
        "chapter",
        "monitor",
        "motor",
        "factor",
        "error",
        "mirror",
        "indicator",
        "incident",
        "accident",
        "amendment",
        "management",
        "research",
        "search",
        "archive",
    }
)


_TITLE_REACH = 3_000  # characters back to look for the person a title describes
_TITLE_WORDS = re.compile(r"(?:[A-Z][\w.’'-]*\s+){1,4}$")


def _titled(text: str, noun: str, pos: int, people: PeopleIndex) -> Mention | None:
    """The latest person introduced with `noun` among the title words before their name."""
    for person in people.people_before(pos):
        if pos - person.start > _TITLE_REACH:
            return None
        run = _TITLE_WORDS.search(text, max(0, person.start - 60), person.start)
        if run is not None and noun in run.group(0).lower().split():
            return Mention(person.start, person.end, person.name, person.name, None, True)
    return None


def _person_noun(word: str, roles: frozenset[str]) -> bool:
    """A singular noun for a person: a role from data/role_nouns.txt or an agent noun."""
    return word in roles or (_AGENT.fullmatch(word) is not None and word not in _NOT_PEOPLE)


_WORDS = re.compile(r"\w")
_MARKS = re.compile(r"[“”\"«»]")
_OPENING = frozenset('“"«‘„')


def _content_span(comp: Token) -> tuple[int, int]:
    """The complement's tokens without the complementiser and the punctuation around them (an opening quote
    mark stays when the quoted words are part of the content)."""
    left, right = comp.left_edge.i, comp.right_edge.i
    doc = comp.doc
    while left < right and (
        (doc[left].is_punct and doc[left].text not in _OPENING)
        or (doc[left].lower_ == "that" and doc[left].dep_ == "mark")
    ):
        left += 1
    if left > 0 and doc[left - 1].text in _OPENING and any(t.text in '”"»' for t in doc[left : right + 1]):
        left -= 1  # 'said “it drives me crazy” every time …': the quoted words open the content
    return left, _trim_end(doc, right + 1)


def _trim_end(doc: Doc, end: int) -> int:
    """`end` moved back past punctuation (a closing quote mark stays when its opener is inside)."""
    while end > 1 and doc[end - 1].is_punct:
        end -= 1
    return end


@dataclass(frozen=True, slots=True)
class Reported:
    content: tuple[int, int]
    cue: tuple[int, int]
    cue_text: str
    subject: Token | None
    head: int = -1  # the content's head token


def reported_in(doc: Doc) -> list[Reported]:
    """Every attribution the parse shows in one parsed sentence (token offsets relative to `doc`)."""
    out: list[Reported] = []
    for tok in doc:
        if tok.lower_ == "according":
            to = next((c for c in tok.children if c.lower_ == "to"), None)
            obj = next((c for c in to.children if c.dep_ == "pobj"), None) if to is not None else None
            if obj is None:
                continue
            clause = tok.head
            while clause.dep_ not in ("ROOT", "ccomp", "conj") and clause.head is not clause:
                clause = clause.head
            lo, hi = clause.left_edge.i, clause.right_edge.i + 1
            a_lo, a_hi = tok.left_edge.i, tok.right_edge.i + 1
            if a_lo <= lo:
                lo = a_hi
            elif all(t.is_punct for t in doc[a_hi:hi]):
                hi = a_lo  # "…, according to X." at the end
            while lo < hi and doc[lo].is_punct:
                lo += 1
            while hi > lo and doc[hi - 1].is_punct:
                hi -= 1
            if hi - lo >= _MIN_CONTENT_WORDS and to is not None:
                out.append(Reported((lo, hi), (tok.i, to.i + 1), "according to", obj))
            continue
        if _cue_of(tok) != "speech" or not _verb_like(tok):
            continue
        if tok.lower_ in _NO_STATEMENT or _negated(tok):
            continue
        if any(c.dep_ in _PASSIVE for c in tok.children):
            continue
        comp = next((c for c in tok.children if c.dep_ == "ccomp"), None)
        min_words = _MIN_CONTENT_WORDS
        if comp is None:
            # "The economy, he said, is …": the cue hangs on the clause it interrupts
            if tok.dep_ in ("parataxis",) and _pos(tok.head) in ("VERB", "AUX"):
                comp = tok.head
                lo, hi = _content_span(comp)
                if tok.left_edge.i > lo and all(t.is_punct for t in doc[tok.right_edge.i + 1 : hi]):
                    hi = min(hi, _trim_end(doc, tok.left_edge.i))  # "…, he said." at the end
            else:
                complement = _noun_complement(tok) or _misread_complement(tok)
                if complement is None:
                    continue
                comp = complement
                lo, hi = _content_span(complement)
        else:
            if comp.i < tok.i and any(
                c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in comp.children
            ):
                continue
            if any(c.dep_ == "mark" and c.lower_ in ("if", "whether") for c in comp.children):
                continue  # "asked whether …": a question
            lo, hi = _content_span(comp)
            hi = _before_coordinated_cue(comp, hi)
        if sum(1 for t in doc[lo:hi] if t.is_alpha) < min_words:
            continue
        out.append(Reported((lo, hi), (tok.i, tok.i + 1), tok.text, _subject_of(tok), comp.i))
    return out


_HEAD_OF_SENTENCE = re.compile(r"\s*(?:[\w’'.-]+\s+){0,3}$")


def _introduced_before(text: str, lo: int, hi: int, people: PeopleIndex, chain: SpeakerChain) -> None:
    """A person at the head of the sentence right before a parsed one, in its paragraph, enters the chain as a new
    voice: "Crew leader Mira Halvorsen was not convinced. '…,' she said." The parse reads only sentences with a
    quote or a speech verb, so the sentence that introduces the speaker is not parsed."""
    gap = text[lo:hi]
    if "\n" in gap.strip():
        return  # another paragraph: the introduction is not this quote's
    cut = gap.rstrip().rfind(". ", 0, len(gap.rstrip()) - 1)
    start = lo + cut + 2 if cut >= 0 else lo
    person = people.first_from(start)
    if person is None or person.start >= hi:
        return
    if _HEAD_OF_SENTENCE.fullmatch(text, start, person.start) and not person.name.isupper():
        mention = Mention(person.start, person.end, text[person.start : person.end], person.name, None, True)
        chain.introduced(person.start, mention)


def quotes_from_parses(
    text: str,
    parses: Sequence[tuple[int, Doc]],
    direct: Sequence[Quote],
    people: PeopleIndex,
    reported_by_rules: Sequence[Quote] = (),
) -> list[Quote]:
    """Direct quotes with their speakers decided by the parse, plus the reported speech the parse shows.

    `parses` are (character offset, parsed sentence) in text order; `direct` the rule pass's direct quotes.
    """
    chain = SpeakerChain(people, genders(text, people))
    starts = [off for off, _ in parses]
    direct_spans = sorted((q.start, q.end) for q in direct if q.direct)
    out: list[Quote] = []
    pending_direct = sorted(direct, key=lambda q: q.start)
    di = 0
    prev_end = 0
    for off, doc in parses:
        s_end = off + len(doc.text)
        _introduced_before(text, prev_end, off, people, chain)
        prev_end = s_end
        # people named as subjects here enter the chain (a new voice)
        for tok in doc:
            if tok.dep_ == "nsubj" and _pos(tok) in ("PROPN", "NOUN") and tok.text[:1].isupper():
                m = resolve_mention(tok, off, text, chain, people)
                if m is not None:
                    chain.introduced(off + tok.idx, m)
        # direct quotes that start in this sentence, read with the sentences they run over
        while di < len(pending_direct) and pending_direct[di].start < s_end:
            q = pending_direct[di]
            di += 1
            k = bisect.bisect_right(starts, q.start) - 1
            around = [parses[j] for j in range(max(k, 0), len(parses)) if parses[j][0] <= q.end + 2][:4]
            out.append(_direct_speaker(text, q, around or [(off, doc)], chain, people))
        found = reported_in(doc)
        cue_heads = {r.cue[0] for r in found}
        for r in found:
            if r.head in cue_heads:
                continue  # "The union said …, while “…,” Marsh said": Marsh did not say what the union said
            c_lo = off + doc[r.content[0]].idx
            c_hi = off + doc[r.content[1] - 1].idx + len(doc[r.content[1] - 1])
            if _inside_any(direct_spans, c_lo, c_hi):
                continue
            c_hi = _before_direct(text, direct_spans, c_lo, c_hi)
            if len(text[c_lo:c_hi].split()) < _MIN_CONTENT_WORDS:
                continue
            if r.subject is None:
                continue
            m = resolve_mention(r.subject, off, text, chain, people)
            if m is None:
                continue  # a fragment is no speaker: no statement either
            cue_lo = off + doc[r.cue[0]].idx
            cue_hi = off + doc[r.cue[1] - 1].idx + len(doc[r.cue[1] - 1])
            out.append(
                _attributed(
                    Quote(text[c_lo:c_hi], c_lo, c_hi, False), m, (cue_lo, cue_hi, text[cue_lo:cue_hi])
                )
            )
            chain.spoke(c_lo, m)
    while di < len(pending_direct):  # a quote in a sentence that was not parsed
        out.append(_bare(pending_direct[di], chain))
        di += 1
    # the rules' reported speech the parse cannot read: title-case headlines ("Harbour Chief Warns Fares Will
    # Rise"), and sentences that weave quoted words into reported speech ("described the shift as “long”")
    taken = sorted((q.start, q.end) for q in out)
    for q in reported_by_rules:
        readable = (q.speaker and (q.cue or "").istitle()) or _MARKS.search(text, q.start, q.end)
        if readable and not any(min(b, q.end) > max(a, q.start) for a, b in taken):
            out.append(q)
    out.sort(key=lambda q: q.start)
    return [part for q in out for part in _each_part(text, q)]


def _each_part(text: str, q: Quote) -> list[Quote]:
    """A quote split around its attribution ('“…,” Austin said. “…”') is one claim per part: each part is what was
    said in one breath, and readers (and every annotated set) take them apart."""
    if len(q.parts) < 2 or not any(
        _WORDS.search(text, b, a) for (_, b), (a, _) in itertools.pairwise(q.parts)
    ):
        return [q]  # one quote running over several paragraphs: nothing stands between its parts
    return [replace(q, text=text[a:b], start=a, end=b, parts=((a, b),)) for a, b in q.parts]


_LINKS = re.compile(r"[\s,;:—–-]*(?:\b(?:while|as|and|but|whereas|although)\b)?[\s,;:—–-]*$")


def _before_direct(text: str, spans: Sequence[tuple[int, int]], lo: int, hi: int) -> int:
    """Reported content ends where a direct quote inside it opens ("…a year, while “the cranes …”")."""
    for a, b in spans:
        if lo < a - 1 and (a - 1 < hi < b + 2 or b <= hi):
            cut = a - 1
            m = _LINKS.search(text, lo, cut)
            return m.start() if m else cut
    return hi


def _inside_any(spans: Sequence[tuple[int, int]], lo: int, hi: int) -> bool:
    i = bisect.bisect_right(spans, (lo, 1 << 62))
    return any(min(b, hi) - max(a, lo) > (hi - lo) * 0.5 for a, b in spans[max(0, i - 2) : i + 1])


def _direct_speaker(
    text: str, q: Quote, around: Sequence[tuple[int, Doc]], chain: SpeakerChain, people: PeopleIndex
) -> Quote:
    """The speaker of a direct quote: a cue outside its marks in this sentence, else the chain's."""
    spans = q.parts or ((q.start, q.end),)

    def inside(pos: int) -> bool:
        return any(a - 1 <= pos < b + 1 for a, b in spans)

    best: tuple[int, Token, Token, int, Doc] | None = None
    for off, doc in around:
        for tok in doc:
            p = off + tok.idx
            if inside(p) or _pos(tok) not in ("VERB", "AUX") or _cue_of(tok) is None:
                continue
            subj = _subject_of(tok) or _misread_subject(tok)
            if subj is None or inside(off + subj.idx):
                continue
            dist = min(abs(p - q.start), abs(p - q.end))
            if best is None or dist < best[0]:
                best = (dist, tok, subj, off, doc)
    if best is not None:
        _, cue, subj, off, doc = best
        m = resolve_mention(subj, off, text, chain, people)
        if m is not None:
            chain.spoke(q.start, m)
            return _attributed(q, m, (off + cue.idx, off + cue.idx + len(cue), cue.text))
    if q.cue is not None and q.speaker is not None and q.speaker_start is not None:
        # the rules found a cue the parse did not (a dash-style "- urged the Ukrainian leader", a headline):
        # keep their mention, typed like any other
        mention = text[q.speaker_start : q.speaker_end]
        words = mention.split()
        if mention.lower() not in _PERSONAL and not (words and words[0].lower() in ("the", "a")):
            person = looks_like_person(q.speaker.split())
            end = q.speaker_end or q.speaker_start
            chain.spoke(q.start, Mention(q.speaker_start, end, mention, q.speaker, q.speaker_role, person))
            return q
        current = chain.current(q.start)
        if current is not None:
            return replace(q, speaker=current.speaker, speaker_role=current.role or q.speaker_role)
        return q
    return _bare(q, chain)


def _misread_subject(cue: Token) -> Token | None:
    """The speaker of a cue the parser read as a participle of the noun before it: '"…," the head of the agency,
    Danica Ferrol, repeated on television' (repeated: acl of head). Only right after a comma that closes the
    noun phrase, where a participle would be odd and a speech verb is the reading a journalist meant."""
    head = cue.head
    if cue.dep_ != "acl" or head.i >= cue.i or cue.i == 0 or cue.nbor(-1).text != ",":
        return None
    return head if _pos(head) in ("NOUN", "PROPN") else None


def _bare(q: Quote, chain: SpeakerChain) -> Quote:
    """A quote with no attribution of its own: the chain's person, or nobody."""
    return _attributed(q, chain.current(q.start), None)


def _attributed(q: Quote, m: Mention | None, cue: tuple[int, int, str] | None) -> Quote:
    """`q` with the speaker of mention `m` (none when None) and the cue (start, end, text) that attributes it."""
    return replace(
        q,
        speaker=m.speaker if m else None,
        speaker_start=m.start if m else None,
        speaker_end=m.end if m else None,
        speaker_role=m.role if m else None,
        cue=cue[2] if cue else None,
        cue_start=cue[0] if cue else None,
        cue_end=cue[1] if cue else None,
    )
