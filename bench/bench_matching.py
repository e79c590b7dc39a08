"""Same-quote decisions on ../shared/data/quote-pairs-dev.jsonl: claimdesk's matcher beside a plain rapidfuzz
`token_set_ratio` threshold on the same pairs (the baseline the issue names), in the same run.

The baseline is shown at its best threshold on these very pairs (an upper bound for it); ours uses its fixed
threshold (bot.core.matching.QUOTE_THRESHOLD).

The 57 pairs are few, and the rules were tuned on them, so a second figure checks that they do not merge
statements at large: 4,000 random pairs of attributions from different PolNeAR *train* articles whose source is
the same named person (nearly all different statements). The share judged "same" bounds the false-merge rate.
"""

from __future__ import annotations

import json
import random
import re
import time
from pathlib import Path

from rapidfuzz import fuzz

from bot.core.matching import quote_match, speaker_key

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT.parent / "shared" / "data" / "quote-pairs-dev.jsonl"
TEXTS = ROOT.parent / "shared" / "data" / "polnear" / "dev" / "text"
TRAIN = ROOT.parent / "shared" / "data" / "polnear" / "train"
_NAME = re.compile(r"(?:[A-Z][a-z’'-]+ ){0,2}[A-Z][a-z’'-]+")
RANDOM_PAIRS = 4000


def _named_attributions() -> list[tuple[str, str, str]]:
    """(article, source mention, content) for every train attribution whose source is a plain name."""
    out = []
    for ann in sorted((TRAIN / "attributions").glob("*.ann")):
        article = ann.stem.rsplit("_", 1)[0]  # one text may be annotated twice, under two suffixes
        text = (TRAIN / "text" / f"{article}.txt").read_text(encoding="utf-8")
        spans: dict[str, tuple[int, int]] = {}
        for line in ann.read_text(encoding="utf-8").splitlines():
            cols = line.split("\t")
            if line.startswith("T") and len(cols) >= 3:
                head = cols[1].split(" ")
                spans[cols[0]] = (int(head[1]), int(head[-1]))
            elif line.startswith("E") and len(cols) >= 2:
                roles = dict(r.split(":", 1) for r in cols[1].split(" ") if ":" in r)
                s, c = spans.get(roles.get("Source", "")), spans.get(roles.get("Content", ""))
                if s and c and _NAME.fullmatch(text[s[0] : s[1]]) and len(text[c[0] : c[1]].split()) >= 4:
                    out.append((article, text[s[0] : s[1]], text[c[0] : c[1]]))
    return out


def _false_merge_rate() -> None:
    by_speaker: dict[str, list[tuple[str, str, str]]] = {}
    for item in _named_attributions():
        by_speaker.setdefault(speaker_key(item[1]), []).append(item)
    rng = random.Random(7)
    names = sorted(k for k, v in by_speaker.items() if len(v) > 5)
    pairs = []
    while len(pairs) < RANDOM_PAIRS:
        a, b = rng.sample(by_speaker[rng.choice(names)], 2)
        if a[0] != b[0]:
            pairs.append((a, b))
    same = sum(quote_match(a[2], a[1], b[2], b[1]).same for a, b in pairs)
    print(
        f"  {RANDOM_PAIRS} random cross-article same-speaker pairs (PolNeAR train): judged same {same} "
        f"({same / RANDOM_PAIRS:.2%}; an upper bound on false merges, some are the same statement)"
    )


def _f1(decisions: list[tuple[bool, bool]]) -> tuple[float, float, float]:
    tp = sum(1 for got, gold in decisions if got and gold)
    fp = sum(1 for got, gold in decisions if got and not gold)
    fn = sum(1 for got, gold in decisions if not got and gold)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def main() -> None:
    if not PAIRS.exists():
        print(f"  skipped: {PAIRS} not found (../shared/data is read at run time, never copied)")
        return
    cache: dict[str, str] = {}

    def side(s: dict[str, object]) -> str:
        name = str(s["article"])
        text = cache.setdefault(name, (TEXTS / f"{name}.txt").read_text(encoding="utf-8"))
        return text[int(str(s["start"])) : int(str(s["end"]))]

    pairs = [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]
    sides = [
        (side(p["a"]), p["a"].get("speaker"), side(p["b"]), p["b"].get("speaker"), p["same"]) for p in pairs
    ]
    t0 = time.perf_counter()
    ours = [(quote_match(a, sa, b, sb).same, gold) for a, sa, b, sb, gold in sides]
    dt = time.perf_counter() - t0
    p, r, f = _f1(ours)
    print(f"  {len(pairs)} pairs ({sum(g for *_, g in sides)} same)")
    print(
        f"  claimdesk matcher:            P {p:.3f} R {r:.3f} F1 {f:.3f}   ({len(pairs) / dt:,.0f} pairs/s)"
    )
    scores = [(fuzz.token_set_ratio(a, b), gold) for a, _, b, _, gold in sides]
    best = max(
        ((th, _f1([(s >= th, g) for s, g in scores])) for th in range(30, 101, 5)), key=lambda x: x[1][2]
    )
    th, (bp, br, bf) = best
    print(
        f"  rapidfuzz token_set_ratio ≥ {th}: P {bp:.3f} R {br:.3f} F1 {bf:.3f}   (best threshold on these pairs)"
    )
    print(f"  F1 ratio claimdesk / baseline: {f / bf:.2f}x" if bf else "  baseline F1 0")
    if TRAIN.exists():
        _false_merge_rate()
