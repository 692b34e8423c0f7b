"""Shared fixtures: every test writes under its own temporary DISCLOSURE_HOME."""

from __future__ import annotations

import functools
import os
import shutil
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pipeline.settings import ELSEWHERE_VARIABLES, Settings
from tests.background import Background, Finished, background

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

# Bench smoke runs (tests/bench/test_bench_smoke.py asserts on their output), by fixture name.
BENCH_RUNS = {
    # three reports on two fake agency sites, under the LocalExecutor, no `--new` run
    "pipeline_e2e_bench": ("bench.pipeline_e2e", "--n", "3", "--new", "0", "--per-site", "2"),
    # 100 reports, then the incremental transform: nothing new, 10 new, the next day, and the full-refresh comparison
    "warehouse_scale_bench": ("bench.warehouse_scale", "--sizes", "100", "--incremental", "10"),
}


@dataclass(frozen=True)
class EmbeddedRun:
    settings: Settings
    exit_code: int
    output: str


class SessionRuns:
    """The session's slow subprocess runs (tests/background.py), each submitted once, when first asked for."""

    def __init__(self, jobs: Background, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.jobs, self.tmp = jobs, tmp_path_factory
        self.futures: dict[str, Future] = {}
        self.starters = {
            "prepared_airflow": self._airflow_template,
            "embedded_run": self._embedded_run,
        } | {name: functools.partial(self._bench, args) for name, args in BENCH_RUNS.items()}

    def start(self, name: str) -> None:
        if name not in self.futures:
            self.futures[name] = self.starters[name]()

    def result(self, name: str) -> Any:
        self.start(name)
        return self.futures[name].result()

    def _samples(self, folder: str) -> tuple[Settings, dict[str, str]]:
        """Settings of a new home over the samples, and the environment they come from."""
        with pytest.MonkeyPatch.context() as mp:
            return _samples_settings(mp, self.tmp.mktemp(folder) / "home"), dict(os.environ)

    def _airflow_template(self) -> Future[tuple[Settings, Finished]]:
        settings, env = self._samples("airflow_template")
        return self.jobs.submit(lambda: (settings, self.jobs.run_embedded(env, prepare_only=True)))

    def _embedded_run(self) -> Future[EmbeddedRun]:
        self.start("prepared_airflow")  # ahead of this run on the one worker thread
        template = self.futures["prepared_airflow"]
        settings, env = self._samples("embedded")

        def run() -> EmbeddedRun:
            _copy_prepared(_prepared(*template.result()), settings)
            finished = self.jobs.run_embedded(env)
            return EmbeddedRun(settings=settings, exit_code=finished.returncode, output=finished.stdout)

        return self.jobs.submit(run)

    def _bench(self, args: tuple[str, ...]) -> Future[Finished]:
        env = dict(os.environ)
        return self.jobs.submit(lambda: self.jobs.run([sys.executable, "-m", *args], env, 900))


@pytest.fixture(scope="session", autouse=True)
def session_runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SessionRuns]:
    """Starts the slow runs the selected tests need, in the order they first need them (tests/background.py)."""
    with background() as jobs:
        runs = SessionRuns(jobs, tmp_path_factory)
        first_needed: dict[str, int] = {}
        for index, item in enumerate(request.session.items):
            for name in getattr(item, "fixturenames", ()):
                if name in runs.starters:
                    first_needed.setdefault(name, index)
        for name in sorted(first_needed, key=first_needed.__getitem__):
            runs.start(name)
        yield runs


@pytest.fixture(scope="session")
def prepared_airflow(session_runs: SessionRuns) -> PrepareAirflow:
    """Gives a home a copy of an embedded Airflow database prepared once per session (`run_embedded`'s step 2).

    Migrating, creating the pool and registering the DAGs are three Airflow
    processes (15-25 s on a loaded CI machine) that every new home would
    repeat with the same result. The copy's stamp names the copy, so that
    `run_embedded` takes it as prepared; Airflow writes its own airflow.cfg.
    The template is prepared in the background when the session starts.
    """
    template = _prepared(*session_runs.result("prepared_airflow"))
    return lambda settings: _copy_prepared(template, settings)


def _prepared(template: Settings, finished: Finished) -> Settings:
    """The template's settings, once its preparing run succeeded."""
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return template


def _copy_prepared(template: Settings, settings: Settings) -> None:
    from pipeline.embedded import airflow_home, prepared_stamp

    airflow_home(settings).mkdir(parents=True)
    shutil.copyfile(airflow_home(template) / "airflow.db", airflow_home(settings) / "airflow.db")
    stamp, text = prepared_stamp(settings)
    stamp.write_text(text)


def _samples_settings(mp: pytest.MonkeyPatch, home: Path) -> Settings:
    """Settings of a home over the bundled samples, nothing pointing elsewhere (the environment set in `mp`)."""
    for name in ELSEWHERE_VARIABLES:
        mp.delenv(name, raising=False)
    mp.setenv("DISCLOSURE_HOME", str(home))
    mp.setenv("DISCLOSURE_INPUT_DIR", str(REPO_ROOT / "data" / "samples"))
    return Settings.from_env()


@pytest.fixture(scope="session")
def embedded_run(session_runs: SessionRuns) -> EmbeddedRun:
    """The whole pipeline (`run_embedded`: both DAGs with `airflow dags test`) run once over the samples.

    Session-scoped and shared (the e2e, UI and server-mode tests use it) so
    that the pipeline's minute runs once per session, in the background from
    the session's start (a copy of `prepared_airflow`'s database, in its own
    process and environment). Tests may run it again in the same home (the
    e2e test does, to check idempotence), never delete it.
    """
    return session_runs.result("embedded_run")


@pytest.fixture(scope="session")
def pipeline_e2e_bench(session_runs: SessionRuns) -> Finished:
    """The pipeline bench's run of `BENCH_RUNS`, in the background from the session's start."""
    return session_runs.result("pipeline_e2e_bench")


@pytest.fixture(scope="session")
def warehouse_scale_bench(session_runs: SessionRuns) -> Finished:
    """The warehouse bench's run of `BENCH_RUNS`, in the background from the session's start."""
    return session_runs.result("warehouse_scale_bench")
