"""Shared fixtures: every test writes under its own temporary DISCLOSURE_HOME."""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.settings import ELSEWHERE_VARIABLES, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with every path under tmp_path and no alert URLs."""
    for name in ELSEWHERE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DISCLOSURE_INPUT_DIR", str(REPO_ROOT / "data" / "samples"))
    return Settings.from_env()


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Configure Airflow for in-process use (DagBag, dag.test) with its own SQLite home.

    Airflow reads its configuration once, at its first import: tests that
    import airflow must request this fixture first. The environment is left
    set for the rest of the session, on purpose.
    """
    import os

    home = tmp_path_factory.mktemp("airflow")
    os.environ.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "DO_NOT_TRACK": "1",
        }
    )
    return home


def service_missing(reason: str) -> None:
    """A local service (Postgres, Redis, a browser) is missing: fail on CI, skip on a workstation."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{reason} (CI=true: integration tests must not skip)")
    pytest.skip(reason)


@dataclass(frozen=True)
class EmbeddedRun:
    settings: Settings
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory) -> EmbeddedRun:
    """The whole pipeline (`run_embedded`: both DAGs with `airflow dags test`) run once over the samples.

    Session-scoped and shared (the e2e and the UI tests use it) so that the
    pipeline's minute runs once per session. Tests may run it again in the
    same home (the e2e test does, to check idempotence), never delete it.
    """
    from pipeline.embedded import run_embedded

    home = tmp_path_factory.mktemp("embedded") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in ELSEWHERE_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("DISCLOSURE_HOME", str(home))
        mp.setenv("DISCLOSURE_INPUT_DIR", str(REPO_ROOT / "data" / "samples"))
        settings = Settings.from_env()
        out = io.StringIO()
        code = run_embedded(settings, out=out)
    return EmbeddedRun(settings=settings, exit_code=code, output=out.getvalue())
