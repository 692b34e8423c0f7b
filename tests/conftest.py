"""Shared fixtures: every test writes under its own temporary DISCLOSURE_HOME."""

from __future__ import annotations

from pathlib import Path

import pytest

from extractors.settings import Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with every path under tmp_path and no alert URLs."""
    for name in ("DISCLOSURE_WAREHOUSE_PATH", "DISCLOSURE_PUBLISHED_PATH", "DISCLOSURE_PARSED_DIR",
                 "DISCLOSURE_DOCS_DIR", "DISCLOSURE_ALERT_URLS", "DISCLOSURE_WAREHOUSE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DISCLOSURE_INPUT_DIR", str(REPO_ROOT / "data" / "samples"))
    return Settings.from_env()
