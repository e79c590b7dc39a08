"""Extractor throughput on one core, against bare `spacy.blank("en")` tokenisation of the same texts.

Texts: the PolNeAR dev articles read from ../shared at run time (never copied here); without them, the seeds.
"""

from __future__ import annotations

import time
from pathlib import Path

import spacy

from bot.extractor import Extractor

ROOT = Path(__file__).resolve().parents[1]
POLNEAR_DEV = ROOT.parent / "shared" / "data" / "polnear" / "dev" / "text"


def _texts() -> tuple[str, list[str]]:
    if POLNEAR_DEV.is_dir():
        files = sorted(POLNEAR_DEV.glob("*.txt"))
        return f"PolNeAR dev ({len(files)} articles)", [f.read_text(encoding="utf-8") for f in files]
    print("  ../shared/data/polnear is absent: measuring on the two seed articles instead")
    files = sorted((ROOT / "seeds").glob("*.txt"))
    return "seeds", [f.read_text(encoding="utf-8") for f in files] * 20


def _best_of(n: int, fn: object) -> float:
    best = float("inf")
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    name, texts = _texts()
    blank = spacy.blank("en")
    extractor = Extractor()
    list(extractor.extract_many((t, None) for t in texts[:5]))  # warm caches
    base = _best_of(3, lambda: list(blank.pipe(texts)))
    ours = _best_of(3, lambda: list(extractor.extract_many((t, None) for t in texts)))
    chars = sum(len(t) for t in texts)
    print(f"  texts: {name}, {chars / 1e6:.2f} M characters")
    print(f"  spacy.blank('en') tokenisation: {len(texts) / base:8.1f} articles/s")
    print(f"  claimdesk extractor:            {len(texts) / ours:8.1f} articles/s")
    print(f"  ratio extractor / blank:        {ours / base:8.2f}x (target <= 2)")
