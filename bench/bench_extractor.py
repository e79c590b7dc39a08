"""Extractor throughput on one core, against bare `spacy.blank("en")` tokenisation of the same texts.

Texts: the PolNeAR dev articles read from ../shared at run time (never copied here); without them, the seeds.
The two are timed in alternating rounds (this machine is noisy: a burst of load hits both, not one), and the
ratio is reported per round: best and median. A second table times hostile input of growing size (one endless
sentence, an unbalanced quote mark, a run of numbers, a long article): linear time shows as ~2x per doubling.
"""

from __future__ import annotations

import itertools
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import spacy

from bot.extractor import Extractor, model

ROOT = Path(__file__).resolve().parents[1]
POLNEAR_DEV = ROOT.parent / "shared" / "data" / "polnear" / "dev" / "text"
ROUNDS = 7


def _texts() -> tuple[str, list[str]]:
    if POLNEAR_DEV.is_dir():
        files = sorted(POLNEAR_DEV.glob("*.txt"))
        return f"PolNeAR dev ({len(files)} articles)", [f.read_text(encoding="utf-8") for f in files]
    print("  ../shared/data/polnear is absent: measuring on the two seed articles instead")
    files = sorted((ROOT / "seeds").glob("*.txt"))
    return "seeds", [f.read_text(encoding="utf-8") for f in files] * 20


def _seconds(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def _throughput(blank: spacy.language.Language, extractor: Extractor) -> None:
    name, texts = _texts()
    list(blank.pipe(texts))  # warm both tokenizer caches
    list(extractor.extract_many((t, None) for t in texts))
    base, ours = [], []
    for _ in range(ROUNDS):
        base.append(_seconds(lambda: list(blank.pipe(texts))))
        ours.append(_seconds(lambda: list(extractor.extract_many((t, None) for t in texts))))
    ratios = [o / b for o, b in zip(ours, base, strict=True)]
    print(
        f"  texts: {name}, {sum(len(t) for t in texts) / 1e6:.2f} M characters, {ROUNDS} alternating rounds"
    )
    print(f"  spacy.blank('en') tokenisation: {len(texts) / min(base):8.1f} articles/s (best round)")
    print(f"  claimdesk extractor:            {len(texts) / min(ours):8.1f} articles/s (best round)")
    print(
        f"  ratio extractor / blank:        {min(ratios):8.2f}x best, {statistics.median(ratios):.2f}x median"
    )
    _against_full_pipeline(texts, extractor)


def _against_full_pipeline(texts: list[str], extractor: Extractor) -> None:
    """The extractor against the whole en_core_web_sm pipeline (every component, every sentence) over the same
    texts, alternating: what parsing only the sentences that can carry an attribution saves (target >= 3x)."""
    full = model.load_full()
    rounds = 3 if "--full" not in sys.argv else ROUNDS
    list(full.pipe(texts[:5]))
    fulls, ours = [], []
    for _ in range(rounds):
        fulls.append(_seconds(lambda: list(full.pipe(texts))))
        ours.append(_seconds(lambda: list(extractor.extract_many((t, None) for t in texts))))
    speedups = [f / o for f, o in zip(fulls, ours, strict=True)]
    print(f"  full en_core_web_sm pipeline:   {len(texts) / min(fulls):8.1f} articles/s (best of {rounds})")
    print(f"  claimdesk extractor:            {len(texts) / min(ours):8.1f} articles/s (best of {rounds})")
    print(
        f"  speed-up extractor / full:      {max(speedups):8.2f}x best, {statistics.median(speedups):.2f}x median"
    )


_HOSTILE: dict[str, Callable[[int], str]] = {
    "endless sentence": lambda n: ("the committee said that " * (n // 23 + 1))[:n],
    "unbalanced quote": lambda n: "“" + ("a mark that never closes, he said " * (n // 34 + 1))[:n],
    "numbers": lambda n: ("12,500 of 30,000 troops, 45% and $9 billion; " * (n // 45 + 1))[:n],
    "runs of one character": lambda n: (
        ("." * 5000 + "“" * 5000 + "A." * 2500 + " " * 5000 + "- a ") * (n // 20004 + 1)
    )[:n],
    "article paragraphs": lambda n: (
        "Officials said on Monday that about 1,200 workers would rebuild the pier. "
        "“We will finish before the storms,” the mayor said.\n" * (n // 128 + 1)
    )[:n],
}


def _linearity(blank: spacy.language.Language, extractor: Extractor) -> None:
    sizes = (250_000, 500_000, 1_000_000, 2_000_000)  # 2 MB: the extractor's input limit (MAX_CHARS)
    print(f"  hostile input, seconds at {' / '.join(f'{s / 1e6:g} MB' for s in sizes)}; growth per 2x size")
    for label, make in _HOSTILE.items():
        times, base = [], []
        for size in sizes:
            text = make(size)
            base.append(_seconds(lambda text=text: blank(text)))  # type: ignore[misc]
            times.append(_seconds(lambda text=text: extractor.extract(text)))  # type: ignore[misc]
        growth = [b / a for a, b in itertools.pairwise(times)]
        print(
            f"  {label:22s} {' / '.join(f'{t:6.2f}' for t in times)} s   growth {' '.join(f'{g:.1f}x' for g in growth)}"
            f"   (extractor / blank at 2 MB: {times[-1] / base[-1]:.2f}x)"
        )


def main() -> None:
    blank = spacy.blank("en")
    blank.max_length = 10_000_000
    extractor = Extractor()
    _throughput(blank, extractor)
    _linearity(blank, extractor)
