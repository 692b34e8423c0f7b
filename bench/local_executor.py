"""The DAGs under a real scheduler with the LocalExecutor, for the end-to-end benchmark.

`airflow dags test` runs tasks one after another in one process; a deployment
runs them with an executor. This starts the same components as `disclosure ui`
(api-server with the Execution API, scheduler, dag-processor; LocalExecutor
with `parallelism` worker slots) on the embedded default's SQLite database,
triggers `disclosure_ingest` and waits for it and for the `disclosure_transform`
run its Asset event schedules. Plain Python driving the `airflow` command and
reading the metadata database; no Airflow import.
"""

from __future__ import annotations

import sqlite3
import subprocess
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from pipeline.embedded import _prepare_airflow, _Runner, airflow_command, airflow_home
from pipeline.settings import Settings
from pipeline.ui import UiServer, port_is_free, ui_env

INGEST, TRANSFORM = "disclosure_ingest", "disclosure_transform"
TERMINAL = ("success", "failed")
# How long after the ingest run ends its Asset event may take to become a transform run.
ASSET_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class RunTimes:
    ingest_state: str
    transform_state: str | None  # None: the ingest emitted no Asset event (nothing loaded)
    seconds: float  # trigger to the end of the last run


class LocalAirflow:
    """Scheduler + api-server + dag-processor with the LocalExecutor; `with` stops them."""

    def __init__(self, settings: Settings, log_dir: Path, parallelism: int = 2, port: int = 18080) -> None:
        port = _free_port(port)
        log_port = _free_port(port + 1)
        self.settings = settings
        self.db = airflow_home(settings) / "airflow.db"
        self.env = ui_env(settings, port) | {
            "AIRFLOW__CORE__PARALLELISM": str(parallelism),
            "AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG": str(parallelism),
            # Pick up new runs and finished tasks promptly; defaults are tuned for big installs.
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL": "3600",
            # The scheduler serves task logs on 8793 by default: keep clear of other installs.
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(log_port),
        }
        self.log_dir = log_dir
        self.server = UiServer(settings, port, log_dir)

    def __enter__(self) -> LocalAirflow:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        with (self.log_dir / "setup.log").open("a", encoding="utf-8") as out:
            runner = _Runner(env=self.env, cwd=self.settings.home, log_path=self.log_dir / "setup.log", out=out)
            if not _prepare_airflow(self.settings, runner):
                raise RuntimeError(f"airflow setup failed; see {self.log_dir / 'setup.log'}")
        self.server.start(self.env)
        if not self.server.wait_ready():
            self.server.stop()
            raise RuntimeError(f"Airflow did not start ({self.server.exited() or 'timeout'}); see {self.log_dir}")
        self._wait_for_dags()
        self._airflow("dags", "unpause", TRANSFORM)  # the ingest: on the first run_once
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.stop()

    def run_once(self, timeout: float = 3600.0) -> RunTimes:
        """One ingest run and the transform run it schedules; times from the trigger to the end.

        The first call unpauses the daily ingest: the scheduler starts its run for the
        latest interval at once (catchup is off), which is the run measured. Later
        calls trigger a manual run (no further scheduled run before the next day).
        """
        started = time.time()
        known = set(self._rows("select run_id from dag_run where dag_id = ?", INGEST))
        if known:
            run_id = f"bench__{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}"
            self._airflow("dags", "trigger", INGEST, "--run-id", run_id)
        else:
            self._airflow("dags", "unpause", INGEST)
            run_id = self._wait_new_run(INGEST, known, started + 120)
        ingest_state = self._wait_state(INGEST, run_id, started + timeout)
        transform_state = self._wait_transform(started, started + timeout)
        return RunTimes(ingest_state, transform_state, time.time() - started)

    def _wait_new_run(self, dag_id: str, known: set[str], deadline: float) -> str:
        while time.time() < deadline:
            new = set(self._rows("select run_id from dag_run where dag_id = ?", dag_id)) - known
            if new:
                return sorted(new)[0]
            self._check_alive()
            time.sleep(0.5)
        raise TimeoutError(f"the scheduler started no {dag_id} run; see {self.log_dir}")

    def _wait_for_dags(self, timeout: float = 300.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if {INGEST, TRANSFORM} <= set(self._rows("select dag_id from dag where is_stale = 0")):
                return
            time.sleep(1)
        raise RuntimeError(f"the dag-processor did not register both DAGs in {timeout:.0f} s; see {self.log_dir}")

    def _wait_state(self, dag_id: str, run_id: str, deadline: float) -> str:
        while time.time() < deadline:
            states = self._rows("select state from dag_run where dag_id = ? and run_id = ?", dag_id, run_id)
            if states and states[0] in TERMINAL:
                return states[0]
            self._check_alive()
            time.sleep(1)
        raise TimeoutError(f"{dag_id} run {run_id} did not finish")

    def _wait_transform(self, since: float, deadline: float) -> str | None:
        cutoff = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M:%S")
        events = self._rows("select count(*) from asset_event where timestamp >= ?", cutoff)
        if not events or not events[0]:
            return None
        grace = time.time() + ASSET_GRACE_SECONDS
        while time.time() < deadline:
            rows = self._rows(
                "select run_id, state from dag_run where dag_id = ? and queued_at >= ? order by id desc limit 1",
                TRANSFORM,
                cutoff,
            )
            if rows:
                return self._wait_state(TRANSFORM, rows[0], deadline)
            if time.time() > grace:
                raise TimeoutError(f"no {TRANSFORM} run after the ingest's Asset event; see {self.log_dir}")
            self._check_alive()
            time.sleep(1)
        raise TimeoutError(f"{TRANSFORM} did not finish")

    def _check_alive(self) -> None:
        if gone := self.server.exited():
            raise RuntimeError(f"Airflow component exited: {gone}; see {self.log_dir}")

    def _rows(self, sql: str, *params: object) -> list:
        with sqlite3.connect(self.db, timeout=30) as db:
            return [row[0] for row in db.execute(sql, params).fetchall()]

    def _airflow(self, *args: str) -> None:
        with (self.log_dir / "cli.log").open("ab") as log:
            subprocess.run(
                [*airflow_command(), *args],
                env=self.env,
                cwd=self.settings.home,
                check=True,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=300,
            )


def _free_port(port: int) -> int:
    while not port_is_free(port):
        port += 1
    return port
