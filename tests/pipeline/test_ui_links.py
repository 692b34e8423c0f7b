"""`disclosure ui --port N`: the links in failure alerts point at that port, not Airflow's default 8080."""

from __future__ import annotations

import sys

import pytest

from pipeline.settings import Settings
from pipeline.ui import ui_env
from tests.paths import REPO_ROOT


def test_the_failure_alerts_run_link_names_the_ui_port(tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    env = ui_env(tmp_settings, 8123, base={})
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", env["AIRFLOW__API__BASE_URL"])
    monkeypatch.syspath_prepend(str(REPO_ROOT / "dags"))
    sys.modules.pop("_callbacks", None)
    from _callbacks import _run_url

    assert _run_url("disclosure_ingest", "manual__1") == "http://127.0.0.1:8123/dags/disclosure_ingest/runs/manual__1"
