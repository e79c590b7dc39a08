"""Same-quote decisions on ../shared/data/quote-pairs-dev.jsonl: claimdesk's matcher beside a plain rapidfuzz
`token_set_ratio` threshold on the same pairs (the baseline the issue names), in the same run.

The baseline is shown at its best threshold on these very pairs (an upper bound for it); ours uses its fixed
threshold (bot.core.matching.QUOTE_THRESHOLD).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from rapidfuzz import fuzz

from bot.core.matching import quote_match

ROOT = Path(__file__).resolve().parents[1]
PAIRS = ROOT.parent / "shared" / "data" / "quote-pairs-dev.jsonl"
TEXTS = ROOT.parent / "shared" / "data" / "polnear" / "dev" / "text"


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
