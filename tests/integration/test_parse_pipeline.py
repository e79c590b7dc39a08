"""The spaCy pipeline the extractor parses with: installed, checked by hash and meta data at load, and a clear
one-line error (exit 2) when it is missing, altered or misnamed in the config."""

from __future__ import annotations

import importlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.errors import ConfigError
from bot.extractor import Extractor, model
from bot.extractor.model import DEFAULT_PIPELINE, PipelineError
from bot.extractor.pipeline import _PARSE_BUDGET, _PARSE_WINDOW, SENTENCES_KEY
from tests.helpers import claimdesk

ROOT = Path(__file__).resolve().parents[2]


def test_the_default_pipeline_is_installed_and_matches_its_pinned_hashes() -> None:
    data_dir = model.verify(DEFAULT_PIPELINE)
    meta = json.loads((data_dir / "meta.json").read_text(encoding="utf-8"))
    assert (meta["lang"], meta["version"]) == ("en", "3.8.0")
    nlp = model.load()
    assert set(model.NEEDED) <= set(nlp.pipe_names) and "ner" not in nlp.pipe_names
    doc = nlp("Officials in Dunmere said the bridge would reopen.")
    said = next(t for t in doc if t.text == "said")
    assert [c.text for c in said.children if c.dep_ == "nsubj"] == ["Officials"]


def test_the_hash_manifest_covers_every_model_file() -> None:
    data_dir = model.verify(DEFAULT_PIPELINE)
    on_disk = {str(p.relative_to(data_dir)) for p in data_dir.rglob("*") if p.is_file()}
    listed = set(model._manifest()[DEFAULT_PIPELINE]["files"])
    assert listed == on_disk and any(name.endswith("parser/model") for name in listed)


def test_a_missing_pipeline_names_the_package_and_how_to_install_it() -> None:
    with pytest.raises(PipelineError) as err:
        model.load("en_core_web_nonexistent")
    assert "'en_core_web_nonexistent' is not installed" in str(err.value)
    assert "requirements/pipeline.txt" in str(err.value)


def test_an_altered_model_file_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    installed = model.package_dir(DEFAULT_PIPELINE)
    copy = tmp_path / DEFAULT_PIPELINE
    shutil.copytree(installed, copy, ignore=shutil.ignore_patterns("__pycache__"))
    cfg = next(copy.rglob("tagger/cfg"))
    cfg.write_text(cfg.read_text(encoding="utf-8") + " ", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    assert model.package_dir(DEFAULT_PIPELINE) == copy
    with pytest.raises(PipelineError, match="tagger/cfg does not match its pinned sha256"):
        model.verify(DEFAULT_PIPELINE)


def test_the_config_names_the_pipeline(write_config: Callable[..., Path]) -> None:
    assert load_settings(write_config(), env={}).pipeline == DEFAULT_PIPELINE
    named = write_config('[extractor]\npipeline = "en_core_web_sm"')
    assert load_settings(named, env={}).pipeline == "en_core_web_sm"
    with pytest.raises(ConfigError, match=r"extractor\.pipeline"):
        load_settings(write_config('[extractor]\npipeline = "../models/x"'), env={})


@pytest.mark.slow
def test_run_with_a_missing_pipeline_is_one_line_and_exit_2(write_config: Callable[..., Path]) -> None:
    config = write_config('[extractor]\npipeline = "en_core_web_nonexistent"')
    proc = claimdesk("run", "--once", "--config", str(config))
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "en_core_web_nonexistent" in lines[0] and "Traceback" not in proc.stderr


def test_the_parser_reads_a_bounded_share_of_hostile_input(extractor: Extractor) -> None:
    """A 2 MB run-on full of cue words is parsed only up to the budget; the rules read the rest."""
    text = ("the committee said that " * 90_000)[:2_000_000]
    doc = extractor.nlp(text)
    (parsed,) = extractor._parse([(doc.user_data[SENTENCES_KEY], text)])
    assert parsed and sum(len(d.text) for _, d in parsed) <= _PARSE_BUDGET + _PARSE_WINDOW
    result = extractor.extract(text)  # still a well-formed result for the whole text
    assert all(0 <= q.start <= q.end <= len(text) for q in result.quotes)


@pytest.mark.slow
def test_extract_uses_the_pipeline_a_named_config_gives(tmp_path: Path) -> None:
    config = tmp_path / "claimdesk.toml"
    config.write_text('[extractor]\npipeline = "en_core_web_nonexistent"\n', encoding="utf-8")
    proc = claimdesk("extract", "--config", str(config), str(ROOT / "seeds" / "feed.xml"))
    assert proc.returncode == 2 and "en_core_web_nonexistent" in proc.stderr and not proc.stdout
