"""The matcher's Meaning port on all-MiniLM-L6-v2 (bot.adapters.minilm): packed vectors, computed off the event loop.

The model is loaded (and its files' hashes checked) on first use, in the worker thread, so a store that never meets
a second quote by the same speaker never pays for it.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from bot.adapters import minilm

# A statement is embedded from its first MEANING_WORDS words: they say what it is about, and the model's cost grows
# with every word. On the pair sets (dev, tune, hold) 32 and 64 words give the F1 of the whole texts; 48 is kept.
MEANING_WORDS = 48

# Pairs whose sketches (minilm.Sketcher) are further apart than this never reach the model: the matcher joins by
# meaning from a cosine of 0.70 (bot.core.quote_identity.MEANING_THRESHOLD), and no pair that reached it had a
# sketch cosine below 0.36 (Sketcher's docstring); 0.30 leaves a margin for text unlike the pairs measured.
SKETCH_FLOOR = 0.30


def _opening(text: str) -> str:
    words = text.split()
    return text if len(words) <= MEANING_WORDS else " ".join(words[:MEANING_WORDS])


class SentenceMeaning:
    """Sentence embeddings for bot.core.matching: `vectors` runs the model in a thread (numpy releases the GIL)."""

    def __init__(self, model: minilm.MiniLM | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()  # one forward pass at a time: two would only share the same two cores
        self._sketcher: minilm.Sketcher | None = None
        self.calls = 0  # model calls made (texts embedded), for tests and benchmarks

    def _loaded(self) -> minilm.MiniLM:
        if self._model is None:
            self._model = minilm.load()
        return self._model

    def _embed(self, texts: Sequence[str]) -> list[bytes]:
        with self._lock:
            model = self._loaded()
            self.calls += len(texts)
            return [minilm.pack(v) for v in model.embed([_opening(t) for t in texts])]

    def _near(self, text: str, others: Sequence[str]) -> list[bool]:
        with self._lock:
            if self._sketcher is None:
                self._sketcher = minilm.Sketcher(self._loaded())
            sketches = self._sketcher.sketch([_opening(t) for t in (text, *others)])
        return [bool(s @ sketches[0] >= SKETCH_FLOOR) for s in sketches[1:]]

    def near_now(self, text: str, others: Sequence[str]) -> list[bool]:
        """`near`, in the caller's thread (command-line tools and benchmarks with no event loop)."""
        return self._near(text, others)

    async def near(self, text: str, others: Sequence[str]) -> list[bool]:
        """For each of `others`, whether the model could call it close to `text`: False when their sketches are
        too far apart for the model's cosine to reach the joining threshold, so the pair costs no model call."""
        return await asyncio.to_thread(self._near, text, list(others))

    def embed_now(self, texts: Sequence[str]) -> list[bytes]:
        """The same vectors, in the caller's thread (command-line tools with no event loop)."""
        return self._embed(texts)

    async def vectors(self, texts: Sequence[str]) -> list[bytes]:
        return await asyncio.to_thread(self._embed, list(texts))

    def cosine(self, a: bytes, b: bytes) -> float:
        return minilm.cosine(minilm.unpack(a), minilm.unpack(b))
