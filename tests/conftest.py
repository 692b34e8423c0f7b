"""Shared fixtures: every test writes under its own temporary DISCLOSURE_HOME."""

from __future__ import annotations

import io
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from pipeline.settings import ELSEWHERE_VARIABLES, Settings

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with every path under tmp_path and no alert URLs."""
    return _samples_settings(monkeypatch, tmp_path / "home")


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


PrepareAirflow = Callable[[Settings], None]


@pytest.fixture(scope="session")
def prepared_airflow(tmp_path_factory: pytest.TempPathFactory) -> PrepareAirflow:
    """Gives a home a copy of an embedded Airflow database prepared once per session (`run_embedded`'s step 2).

    Migrating, creating the pool and registering the DAGs are three Airflow
    processes (15-25 s on a loaded CI machine) that every new home would
    repeat with the same result. The copy's stamp names the copy, so that
    `run_embedded` takes it as prepared; Airflow writes its own airflow.cfg.
    """
    from pipeline.embedded import airflow_home, prepared_stamp, run_embedded

    with pytest.MonkeyPatch.context() as mp:
        template = _samples_settings(mp, tmp_path_factory.mktemp("airflow_template") / "home")
        out = io.StringIO()
        assert run_embedded(template, dag_ids=(), out=out) == 0, out.getvalue()
    database = airflow_home(template) / "airflow.db"

    def prepare(settings: Settings) -> None:
        airflow_home(settings).mkdir(parents=True)
        shutil.copyfile(database, airflow_home(settings) / "airflow.db")
        stamp, text = prepared_stamp(settings)
        stamp.write_text(text)

    return prepare


def _samples_settings(mp: pytest.MonkeyPatch, home: Path) -> Settings:
    """Settings of a home over the bundled samples, nothing pointing elsewhere (the environment set in `mp`)."""
    for name in ELSEWHERE_VARIABLES:
        mp.delenv(name, raising=False)
    mp.setenv("DISCLOSURE_HOME", str(home))
    mp.setenv("DISCLOSURE_INPUT_DIR", str(REPO_ROOT / "data" / "samples"))
    return Settings.from_env()


@dataclass(frozen=True)
class EmbeddedRun:
    settings: Settings
    exit_code: int
    output: str


@pytest.fixture(scope="session")
def embedded_run(tmp_path_factory: pytest.TempPathFactory, prepared_airflow: PrepareAirflow) -> EmbeddedRun:
    """The whole pipeline (`run_embedded`: both DAGs with `airflow dags test`) run once over the samples.

    Session-scoped and shared (the e2e, UI and server-mode tests use it) so
    that the pipeline's minute runs once per session. Tests may run it again in the
    same home (the e2e test does, to check idempotence), never delete it.
    """
    from pipeline.embedded import run_embedded

    with pytest.MonkeyPatch.context() as mp:
        settings = _samples_settings(mp, tmp_path_factory.mktemp("embedded") / "home")
        prepared_airflow(settings)
        out = io.StringIO()
        code = run_embedded(settings, out=out)
    return EmbeddedRun(settings=settings, exit_code=code, output=out.getvalue())
