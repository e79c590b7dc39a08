"""Spelling variants of transliterated names, so a lookup finds a speaker however an outlet (or the reader)
spells them: Zelensky, Zelenskyy, Zelenskiy, Zelenskii … are one name (Ukrainian and Russian -ий/-ій endings
romanised by different systems). Pure; used by the /quotes and /claims search (handlers.claims)."""

from __future__ import annotations

import re

# -sky / -ski / -skyy / -skiy …: the Slavic adjective ending of a surname (Zelensky, Kolomoisky, Dostoevsky)
_SKY = re.compile(r"(?P<stem>\w{2,}(?:sk|ck|zk|tsk))(?:yy|iy|ii|yi|ij|y|i)")
SKY_ENDINGS = ("y", "yy", "iy", "ii", "i", "ij", "yi")
# -iy / -ii / -ij / -yi alone (a given name: Oleksiy, Oleksii, Oleksij); a plain -y or -i is too common to vary
_IY = re.compile(r"(?P<stem>\w{3,})(?:iy|ii|ij|yi)")
IY_ENDINGS = ("iy", "ii", "ij", "yi")


def spelling_variants(word: str) -> tuple[str, ...]:
    """Every spelling of `word` (lower-cased) that names the same person; the word itself first."""
    w = word.lower()
    for pattern, endings in ((_SKY, SKY_ENDINGS), (_IY, IY_ENDINGS)):
        m = pattern.fullmatch(w)
        if m:
            return tuple(dict.fromkeys([w, *(m["stem"] + e for e in endings)]))
    return (w,)
