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


def _opening(text: str) -> str:
    words = text.split()
    return text if len(words) <= MEANING_WORDS else " ".join(words[:MEANING_WORDS])


class SentenceMeaning:
    """Sentence embeddings for bot.core.matching: `vectors` runs the model in a thread (numpy releases the GIL)."""

    def __init__(self, model: minilm.MiniLM | None = None) -> None:
        self._model = model
        self._lock = threading.Lock()  # one forward pass at a time: two would only share the same two cores
        self.calls = 0  # model calls made (texts embedded), for tests and benchmarks

    def _embed(self, texts: Sequence[str]) -> list[bytes]:
        with self._lock:
            if self._model is None:
                self._model = minilm.load()
            self.calls += len(texts)
            return [minilm.pack(v) for v in self._model.embed([_opening(t) for t in texts])]

    def embed_now(self, texts: Sequence[str]) -> list[bytes]:
        """The same vectors, in the caller's thread (command-line tools with no event loop)."""
        return self._embed(texts)

    async def vectors(self, texts: Sequence[str]) -> list[bytes]:
        return await asyncio.to_thread(self._embed, list(texts))

    def cosine(self, a: bytes, b: bytes) -> float:
        return minilm.cosine(minilm.unpack(a), minilm.unpack(b))
