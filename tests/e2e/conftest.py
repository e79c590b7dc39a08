"""Fixtures of the end-to-end tests (the CLI in subprocesses)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, SEEDS


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """The shipped default config, with its database moved into tmp_path."""
    text = (ROOT / "config" / "claimdesk.toml").read_text(encoding="utf-8")
    text = text.replace('path = "../var/claimdesk.db"', f'path = "{tmp_path / "claimdesk.db"}"')
    text = text.replace('url = "../seeds/feed.xml"', f'url = "{SEEDS / "feed.xml"}"')
    path = tmp_path / "claimdesk.toml"
    path.write_text(text, encoding="utf-8")
    return path
