"""Sentence embeddings with all-MiniLM-L6-v2, run with numpy: no torch, no download at run time (issue 17).

Two quotes that say the same thing in other words ("about 8,000 soldiers were moved to the border" / "roughly
eight thousand troops were sent to the frontier") share few words, so the matcher needs a meaning-level
similarity. all-MiniLM-L6-v2 (sentence-transformers, Apache-2.0) is the usual small model for that: a 6-layer
BERT, 384-dimensional vectors, 90 MB of weights. Its reference implementation needs torch (hundreds of MB, slow
to import); the model is small enough that its forward pass is a few dozen numpy matrix products, so claimdesk
runs it itself: `tokenizers` (Hugging Face's Rust WordPiece tokenizer) turns text into ids, and this module does
what sentence-transformers does with them for this model — BERT, mean pooling over the real tokens, L2
normalisation — with the same weights. tests/integration/test_minilm.py checks the vectors against ones computed
once by sentence-transformers itself.

The weights come from a Python package whose files bot.adapters.minilm_files finds, checks (their SHA-256, and that
the config is the architecture the code below implements) and reads; this module is the arithmetic.

Vectors are stored compactly with `pack` (389 bytes: int8 per dimension and one float32 scale) and compared
with `cosine`.
"""

from __future__ import annotations

import math
import os
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]  # no py.typed
from tokenizers import Tokenizer

from bot.adapters.minilm_files import (
    DIMENSIONS,
    MAX_TOKENS,
    EmbeddingModelError,
    model_dir,
    read_json,
    read_safetensors,
    verify,
)
from bot.core.terms import stopwords

# the files' part is re-exported: callers load, check and catch through this module alone
__all__ = [
    "BATCH_SIZE",
    "BLAS_THREADS",
    "DIMENSIONS",
    "MAX_TOKENS",
    "EmbeddingModelError",
    "MiniLM",
    "Sketcher",
    "cosine",
    "erf",
    "load",
    "model_dir",
    "pack",
    "unpack",
    "verify",
]

# Texts per forward pass, after sorting by length so a batch pads little. The token budget bounds the attention
# scores' memory (batch × 12 heads × tokens² float32: 25 MB at 8 texts of 256 tokens) without shrinking the
# batches of short quotes, where batching pays.
BATCH_SIZE = 32
_BATCH_TOKENS = 2048

# BLAS threads for the whole process, set when the model loads unless the operator set OPENBLAS_NUM_THREADS or
# OMP_NUM_THREADS. OpenBLAS starts one busy-waiting thread per core; while the event loop, the extractor and the
# database share the cores, those threads fight them. On 2 cores (bench/bench_embedding.py): idle, 2 threads give
# 126 sentences/s and 1 gives 85; with the other core busy, 2 threads fall to 35 sentences/s (9/s one at a time)
# and 1 thread keeps 67 (35/s). A bot embeds a few quotes at a time, alongside other work: 1 thread.
BLAS_THREADS = 1

Vector = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class _Layer:
    # (384, 1152): query, key and value projections side by side, one matrix product for the three.
    qkv_w: Vector
    qkv_b: Vector
    out_w: Vector  # (384, 384)
    out_b: Vector
    ln1_g: Vector
    ln1_b: Vector
    up_w: Vector  # (384, 1536)
    up_b: Vector
    down_w: Vector  # (1536, 384)
    down_b: Vector
    ln2_g: Vector
    ln2_b: Vector


def _layers(t: dict[str, npt.NDArray[Any]], count: int) -> list[_Layer]:
    # Linear weights are stored (out, in), as torch keeps them; the transposes below are views, which BLAS
    # multiplies without a copy. Only the fused QKV matrix is a new array (1.7 MB per layer).
    layers = []
    for i in range(count):
        p = f"encoder.layer.{i}."
        att = p + "attention."
        layers.append(
            _Layer(
                qkv_w=np.ascontiguousarray(
                    np.concatenate([t[f"{att}self.{n}.weight"] for n in ("query", "key", "value")]).T
                ),
                qkv_b=np.concatenate([t[f"{att}self.{n}.bias"] for n in ("query", "key", "value")]),
                out_w=t[att + "output.dense.weight"].T,
                out_b=t[att + "output.dense.bias"],
                ln1_g=t[att + "output.LayerNorm.weight"],
                ln1_b=t[att + "output.LayerNorm.bias"],
                up_w=t[p + "intermediate.dense.weight"].T,
                up_b=t[p + "intermediate.dense.bias"],
                down_w=t[p + "output.dense.weight"].T,
                down_b=t[p + "output.dense.bias"],
                ln2_g=t[p + "output.LayerNorm.weight"],
                ln2_b=t[p + "output.LayerNorm.bias"],
            )
        )
    return layers


# --- the forward pass -------------------------------------------------------------------------------------------

_LN_EPS = np.float32(1e-12)  # config.json's layer_norm_eps
# erf(x) ≈ x·P(x²)/Q(x²) on [-4, 4] (|erf| rounds to 1 in float32 beyond): the rational approximation XLA and
# Eigen use for float32. Measured against math.erf on 2,000,001 points in [-10, 10], evaluated in float32: max
# error 4.3e-7 (a few float32 ulps), so GELU's error is below 1e-6 for the activations BERT produces (|x| < 10);
# tests/integration/test_minilm.py checks the bound. No scipy, no per-element Python call (math.erf vectorised
# is ~100× slower).
_ERF_P = tuple(
    np.float32(c)
    for c in (
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    )
)
_ERF_Q = tuple(
    np.float32(c)
    for c in (
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    )
)


def erf(x: Vector) -> Vector:
    """The error function, elementwise, in float32 (see _ERF_P for the approximation and its measured error)."""
    x = np.clip(x, np.float32(-4.0), np.float32(4.0))
    x2 = x * x
    p = x2 * _ERF_P[0]
    p += _ERF_P[1]
    for c in _ERF_P[2:]:
        p *= x2
        p += c
    q = x2 * _ERF_Q[0]
    q += _ERF_Q[1]
    for c in _ERF_Q[2:]:
        q *= x2
        q += c
    p *= x
    p /= q
    return p


# Rows of 1536 float32 (1.5 MB) at a time: the dozen passes of erf's polynomial stay in cache (2× faster).
_GELU_ROWS = 256


def _gelu(x: Vector) -> Vector:
    """BERT's "gelu", the exact one, x·Φ(x) = x/2·(1 + erf(x/√2)) (not the tanh approximation), in place on x.

    It runs on the widest activations (tokens × 1536), so in place and in cache-sized row blocks."""
    for start in range(0, len(x), _GELU_ROWS):
        block = x[start : start + _GELU_ROWS]
        y = erf(block * np.float32(1 / math.sqrt(2)))
        y *= np.float32(0.5)
        y += np.float32(0.5)
        block *= y
    return x


def _layer_norm(x: Vector, gain: Vector, bias: Vector) -> Vector:
    # Normalises x in place (the callers' sums are temporaries) and returns it.
    x -= x.mean(axis=-1, keepdims=True)
    var = np.mean(np.square(x), axis=-1, keepdims=True)
    var += _LN_EPS
    x /= np.sqrt(var)
    x *= gain
    x += bias
    return x


class MiniLM:
    """all-MiniLM-L6-v2: `embed` turns texts into unit-length 384-dimensional float32 vectors.

    Safe to call from several threads (`asyncio.to_thread`): the weights are read-only after loading and each call
    works on its own arrays; the tokenizer is configured once here and only read by `encode_batch`. numpy releases
    the GIL in its matrix products, so calls in other threads (up to one per core) run in parallel.
    """

    def __init__(self, folder: Path | None = None) -> None:
        """Load the model from `folder` (default: the installed package's), after verifying its files; limit
        numpy's BLAS to BLAS_THREADS threads (process-wide) unless the environment already sets a number."""
        folder = verify(folder if folder is not None else model_dir())
        if not (os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS")):
            threadpool_limits(limits=BLAS_THREADS, user_api="blas")
        config = read_json(folder / "config.json")
        self._heads = int(config["num_attention_heads"])
        t = read_safetensors(folder / "model.safetensors")
        self._word = t["embeddings.word_embeddings.weight"]
        self._position = t["embeddings.position_embeddings.weight"]
        self._token_type0 = t["embeddings.token_type_embeddings.weight"][0]  # one segment: every type id is 0
        self._emb_ln = (t["embeddings.LayerNorm.weight"], t["embeddings.LayerNorm.bias"])
        self._layers = _layers(t, int(config["num_hidden_layers"]))
        self._tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # tokenizer.json itself says truncate at 128 and pad every text to 128; sentence-transformers overrides
        # both: truncate at max_seq_length (256), pad per batch (done in _forward, with the mask).
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self._tokenizer.no_padding()

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Vectors of `texts`, shape (len(texts), 384), float32, each of unit length, in the order given.

        Texts are tokenized together, sorted by length and run in batches of up to BATCH_SIZE (fewer for long
        texts), so padding costs little; a text longer than 256 tokens is embedded from its first 254 word
        pieces, as sentence-transformers does. An empty text gets the vector of "[CLS] [SEP]", as there.
        """
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts), add_special_tokens=True)
        ids = [np.asarray(e.ids, dtype=np.int64) for e in encodings]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            longest = len(ids[order[min(len(order), start + BATCH_SIZE) - 1]])
            size = max(1, min(BATCH_SIZE, _BATCH_TOKENS // longest))
            batch = order[start : start + size]
            out[batch] = self._forward([ids[i] for i in batch])
            start += size
        return out

    def _forward(self, ids: list[npt.NDArray[np.int64]]) -> Vector:
        """BERT on one batch, mean-pooled over the real tokens and L2-normalised: (len(ids), 384)."""
        n, length = len(ids), max(len(i) for i in ids)
        token_ids = np.zeros((n, length), dtype=np.int64)  # [PAD] is id 0
        mask = np.zeros((n, length), dtype=np.float32)
        for row, seq in enumerate(ids):
            token_ids[row, : len(seq)] = seq
            mask[row, : len(seq)] = 1.0
        # Activations are kept as one (tokens, 384) matrix, so each linear layer is a single large matrix product
        # (twice as fast as numpy's loop over a (batch, tokens, 384) stack).
        x = self._word[token_ids.reshape(-1)] + np.tile(self._position[:length], (n, 1)) + self._token_type0
        x = _layer_norm(x, *self._emb_ln)
        # A padded key gets float32's lowest value added to its score, so its softmax weight is exactly 0 (as in
        # transformers); padded queries compute rows that pooling ignores.
        key_bias = ((np.float32(1.0) - mask) * np.finfo(np.float32).min)[:, None, None, :]
        heads, width = self._heads, DIMENSIONS // self._heads
        scale = np.float32(1.0 / math.sqrt(width))
        for layer in self._layers:
            qkv = (x @ layer.qkv_w + layer.qkv_b).reshape(n, length, 3, heads, width).transpose(2, 0, 3, 1, 4)
            q, k, v = qkv[0], qkv[1], qkv[2]  # (n, heads, length, width)
            scores = (q * scale) @ k.transpose(0, 1, 3, 2)
            scores += key_bias
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * length, DIMENSIONS)
            attended = context @ layer.out_w
            attended += layer.out_b
            attended += x
            x = _layer_norm(attended, layer.ln1_g, layer.ln1_b)
            hidden = x @ layer.up_w
            hidden += layer.up_b
            out = _gelu(hidden) @ layer.down_w
            out += layer.down_b
            out += x
            x = _layer_norm(out, layer.ln2_g, layer.ln2_b)
        x = x.reshape(n, length, DIMENSIONS)
        summed = np.einsum("nld,nl->nd", x, mask)
        pooled = summed / np.maximum(mask.sum(axis=1, keepdims=True), np.float32(1e-9))
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        result: Vector = (pooled / np.maximum(norms, np.float32(1e-12))).astype(np.float32, copy=False)
        return result


# --- a cheap first look: which pairs could the model call close? ------------------------------------------------

# Word pieces a sketch leaves out besides the matcher's stopwords (bot.core.terms: function words, verbs of
# attribution): punctuation. Without them any two sentences look alike.
_PUNCTUATION = ".,;:!?'\"()[]-–—“”‘’…$%&/"


class Sketcher:
    """A sentence's sketch: the sum of the model's own input vectors of its content word pieces, unit length.

    It costs a tokenisation and a sum (microseconds), where the model costs 10–20 ms a text, and its cosine bounds
    the model's from below well enough to skip pairs the model would never call close: on 2,869 PolNeAR pairs the
    matcher would send to the model (labelled pairs and random same-speaker pairs), every pair with a model cosine
    ≥ 0.70 had a sketch cosine ≥ 0.36, and 73% of the pairs had one below 0.30 (bench/bench_matching.py prints it).
    """

    def __init__(self, model: MiniLM) -> None:
        self._model = model
        vocab = model._tokenizer.get_vocab()
        skipped = stopwords() | set(_PUNCTUATION)
        self._skip = np.array(sorted(vocab[w] for w in skipped if w in vocab), dtype=np.int64)

    def sketch(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """(len(texts), 384) unit vectors; a text of function words only is sketched from all its pieces."""
        out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
        for row, encoding in enumerate(
            self._model._tokenizer.encode_batch(list(texts), add_special_tokens=False)
        ):
            ids = np.asarray(encoding.ids, dtype=np.int64)
            kept = ids[~np.isin(ids, self._skip)]
            if not len(kept):
                kept = ids
            if len(kept):
                v = self._model._word[kept].sum(axis=0)
                out[row] = v / max(float(np.linalg.norm(v)), 1e-12)
        return out


_load_lock = threading.Lock()
_instance: MiniLM | None = None


def load() -> MiniLM:
    """The process's one MiniLM, loaded (and verified) on first use: ~90 MB mapped, so never twice."""
    global _instance
    with _load_lock:
        if _instance is None:
            _instance = MiniLM()
        return _instance


# --- compact storage and comparison ---------------------------------------------------------------------------

_PACK_FORMAT = 1  # the first byte of a packed vector, so a later layout (or model) can be told apart
_PACKED_SIZE = 1 + 4 + DIMENSIONS


def pack(vector: npt.ArrayLike) -> bytes:
    """A 384-dimensional vector in 389 bytes: a format byte, a float32 scale, then one int8 per dimension.

    Symmetric int8 quantisation with the scale max|v|/127 per vector. Measured on all-MiniLM-L6-v2 vectors of
    news sentences (bench/bench_embedding.py, 2,000 pairs): cosine similarities of unpacked vectors differ from the
    originals' by at most 2.3e-3 (4.2e-4 on average), far below the gap between "same claim" and "different
    claim"; tests/integration/test_minilm.py bounds it at 5e-3 on its reference vectors.
    """
    v = np.asarray(vector, dtype=np.float32).reshape(-1)
    if v.shape != (DIMENSIONS,):
        raise ValueError(f"expected a vector of {DIMENSIONS} values, got shape {v.shape}")
    peak = float(np.max(np.abs(v)))
    scale = peak / 127.0 if peak > 0 else 1.0
    quantised = np.clip(np.rint(v / scale), -127, 127).astype(np.int8)
    header: bytes = struct.pack("<Bf", _PACK_FORMAT, scale)
    return header + bytes(quantised.data)


def unpack(data: bytes) -> Vector:
    """The vector `pack` stored, as float32, rescaled to unit length (so a dot product is a cosine)."""
    if len(data) != _PACKED_SIZE or data[0] != _PACK_FORMAT:
        raise ValueError(
            f"not a packed vector (format {_PACK_FORMAT}, {_PACKED_SIZE} bytes): {len(data)} bytes"
        )
    (scale,) = struct.unpack_from("<f", data, 1)
    v = np.frombuffer(data, dtype=np.int8, offset=5).astype(np.float32) * np.float32(scale)
    norm = float(np.linalg.norm(v))
    result: Vector = v / np.float32(norm) if norm > 0 else v
    return result


def cosine(a: npt.ArrayLike, b: npt.ArrayLike) -> float:
    """Cosine similarity of two vectors (normalised here, so packed, unpacked or raw vectors all work); 0.0 when
    either is all zeros."""
    x = np.asarray(a, dtype=np.float32).reshape(-1)
    y = np.asarray(b, dtype=np.float32).reshape(-1)
    denominator = float(np.linalg.norm(x)) * float(np.linalg.norm(y))
    return float(np.dot(x, y)) / denominator if denominator > 0 else 0.0
