"""`disclosure run`: the whole pipeline once, on the embedded default (SQLite Airflow, DuckDB warehouse).

It runs the real DAGs, not a copy of their logic:

1. an Airflow home under `$DISCLOSURE_HOME/airflow` (SQLite metadata DB,
   the repo's `dags/` folder, no examples, no telemetry);
2. `airflow db migrate` and the one-slot `warehouse` pool, skipped when a
   stamp says this Airflow version already did it for this database;
3. `airflow dags test disclosure_ingest`, then
   `airflow dags test disclosure_transform` (the Asset schedule that links
   them needs a scheduler, so they are run one after the other here;
   `--full-refresh` passes the transform its param `full_refresh`); each
   task attempt's output is also written as an Airflow task log file
   (`pipeline.task_logs`), so `disclosure ui` shows the runs with their logs;
4. the summary of `pipeline.summary`.

Airflow's own output goes to `$DISCLOSURE_HOME/logs/run-<time>.log`; the
terminal gets one line per task and step. Running it again does no work twice:
parsed documents are not parsed again and loaded ones are not loaded again.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TextIO

from pipeline.settings import REPO_ROOT, Settings
from pipeline.task_logs import TaskLogSplitter

DAG_IDS = ("disclosure_ingest", "disclosure_transform")
TRANSFORM_DAG = DAG_IDS[1]
POOL_NAME, POOL_SLOTS = "warehouse", 1
POOL_DESCRIPTION = "DuckDB allows one writer: every task that opens the warehouse file takes this slot"
DAGS_FOLDER = REPO_ROOT / "dags"
PLUGINS_FOLDER = REPO_ROOT / "plugins"  # the quality view (plugins/disclosure_quality.py)

_TASK_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")
_TASK_END = re.compile(r"\[DAG TEST\] end task task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")
_MAP_NAME = re.compile(r"rendered_map_index='(?P<name>[^']*)'")
_NEW_STATE = re.compile(r"new_state=(?P<state>\w+)")
# Lines our DAGs log for the terminal (logger `disclosure.dags`): "<time> [level ] message [logger] ..."
_DAG_MESSAGE = re.compile(r"^\S+ \[(?P<level>\w+)\s*\] (?P<message>.*?)\s+\[disclosure\.dags\]")


def airflow_home(settings: Settings) -> Path:
    return settings.home / "airflow"


def airflow_env(settings: Settings, base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment of the Airflow subprocesses: embedded Airflow home, and this run's settings."""
    env = dict(os.environ if base is None else base)
    home = airflow_home(settings)
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(PLUGINS_FOLDER),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
            # no telemetry from any of the tools
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
            # tasks run in these processes and must see exactly this run's settings
            "DISCLOSURE_HOME": str(settings.home),
            "DISCLOSURE_REGISTRY": str(settings.registry_path),
            "DISCLOSURE_FETCH_OPTIONS": settings.fetch_options,
            "DISCLOSURE_WAREHOUSE": settings.warehouse_target.value,
            "DISCLOSURE_WAREHOUSE_PATH": str(settings.warehouse_path),
            "DISCLOSURE_PUBLISHED_PATH": str(settings.published_path),
            "DISCLOSURE_POSTGRES_DSN": settings.postgres_dsn,
            "DISCLOSURE_PARSED_DIR": str(settings.parsed_dir),
            "DISCLOSURE_DOCS_DIR": str(settings.docs_dir),
            "DISCLOSURE_ALERT_URLS": " ".join(settings.alert_urls),
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p),
        }
    )
    # Unset means "the registry's folder": an inherited value must not override that.
    if settings.input_dir is None:
        env.pop("DISCLOSURE_INPUT_DIR", None)
    else:
        env["DISCLOSURE_INPUT_DIR"] = str(settings.input_dir)
    return env


def airflow_command() -> list[str]:
    """The airflow executable of this interpreter's environment (the project's virtualenv)."""
    beside = Path(sys.executable).parent / "airflow"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("airflow")
    return [found] if found else [sys.executable, "-m", "airflow"]


def run_embedded(
    settings: Settings, dag_ids: Sequence[str] = DAG_IDS, out: TextIO | None = None, full_refresh: bool = False
) -> int:
    """Run the DAGs once with `airflow dags test`; print the summary; 0 when every DAG run succeeded.

    `full_refresh` sets the transform's param of that name: its incremental models are rebuilt from scratch.
    """
    out = out or sys.stdout
    started = time.monotonic()
    logs = settings.home / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    airflow_home(settings).mkdir(parents=True, exist_ok=True)
    log_path = logs / f"run-{datetime.now().strftime('%Y%m%dT%H%M%S')}.log"
    env = airflow_env(settings)
    runner = _Runner(env=env, cwd=settings.home, log_path=log_path, out=out)
    folder = f", input folder {settings.input_dir}" if settings.input_dir else ""
    _say(out, f"disclosure run: home {settings.home}, sources {settings.registry_path}{folder}")
    _say(out, f"  Airflow output: {log_path}")

    failed: list[str] = []
    if not _prepare_airflow(settings, runner):
        failed.append("airflow setup")
    else:
        for dag_id in dag_ids:
            if dag_id != dag_ids[0] and failed and not settings.warehouse_path.exists():
                _say(out, f"{dag_id}: not run (no warehouse after the failed {failed[-1]})")
                failed.append(dag_id)
                continue
            # The transform also runs after a partly failed ingest, as the Asset would
            # trigger it: whatever was loaded gets built, checked and published.
            # The task log files the UI shows (`disclosure ui`); `dags test` writes none.
            splitter = TaskLogSplitter(airflow_home(settings) / "logs")
            conf = ["--conf", json.dumps({"full_refresh": True})] if full_refresh and dag_id == TRANSFORM_DAG else []
            code = runner.run(dag_id, [*airflow_command(), "dags", "test", *conf, dag_id], on_line=splitter.feed)
            splitter.close()
            if code != 0:
                failed.append(dag_id)

    try:
        _say(out, _summary(settings))
    except Exception as exc:
        _say(out, f"\n(summary unavailable: {type(exc).__name__}: {exc})")
    total = time.monotonic() - started
    if failed:
        _say(out, f"\nFAILED: {', '.join(failed)} ({total:.0f} s). Details in {log_path}")
        return 1
    _say(out, f"\nDone in {total:.0f} s.")
    return 0


def prepared_stamp(settings: Settings) -> tuple[Path, str]:
    """The stamp file of a prepared Airflow home, and what it says for this Airflow version and database."""
    home = airflow_home(settings)
    try:
        airflow_version = version("apache-airflow")
    except PackageNotFoundError:
        airflow_version = "unknown"
    text = f"airflow {airflow_version}; db {home / 'airflow.db'}; pool {POOL_NAME}={POOL_SLOTS}; dags registered\n"
    return home / ".disclosure-prepared", text


def _prepare_airflow(settings: Settings, runner: _Runner) -> bool:
    """Migrate the metadata DB, create the pool and register the DAGs, once per Airflow version and database.

    Registering them here (`dags reserialize`) means two `airflow dags test`
    started at once find the DAGs and their Asset in the database instead of
    both inserting them (a UNIQUE violation that fails one of them).
    """
    home = airflow_home(settings)
    stamp, wanted = prepared_stamp(settings)
    if (home / "airflow.db").is_file() and stamp.is_file() and stamp.read_text() == wanted:
        _say(runner.out, "airflow db: already migrated, pool ready (skipped)")
        return True
    stamp.unlink(missing_ok=True)
    airflow = airflow_command()
    if runner.run("airflow db migrate", [*airflow, "db", "migrate"]) != 0:
        return False
    if runner.run("warehouse pool", [*airflow, "pools", "set", POOL_NAME, str(POOL_SLOTS), POOL_DESCRIPTION]) != 0:
        return False
    if runner.run("register DAGs", [*airflow, "dags", "reserialize"]) != 0:
        return False
    stamp.write_text(wanted)
    return True


def _summary(settings: Settings) -> str:
    from pipeline.summary import build_summary

    return build_summary(settings)


class _Runner:
    """Runs a command, copies its output to the log file, prints one line per task and a timing."""

    def __init__(self, env: dict[str, str], cwd: Path, log_path: Path, out: TextIO) -> None:
        self.env, self.cwd, self.log_path, self.out = env, cwd, log_path, out
        self.timings: dict[str, float] = {}

    def run(self, label: str, command: list[str], on_line: Callable[[str], None] | None = None) -> int:
        _say(self.out, f"{label} ...")
        started = time.monotonic()
        with self.log_path.open("a", encoding="utf-8") as log:
            log.write(f"\n===== {label}: {' '.join(command)}\n")
            log.flush()
            process = subprocess.Popen(
                command,
                env=self.env,
                cwd=self.cwd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="replace",
                bufsize=1,
            )
            progress_of = _Progress()
            try:
                assert process.stdout is not None
                for line in process.stdout:
                    log.write(line)
                    if on_line is not None:
                        on_line(line)
                    if (progress := progress_of.feed(line)) is not None:
                        _say(self.out, f"    {progress}")
                code = process.wait()
            except BaseException:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                raise
            elapsed = time.monotonic() - started
            log.write(f"===== {label}: exit {code} after {elapsed:.1f} s\n")
        self.timings[label] = elapsed
        _say(self.out, f"{label}: {'ok' if code == 0 else f'FAILED (exit {code})'} in {elapsed:.1f} s")
        return code


class _Progress:
    """Turns Airflow's output into one terminal line per finished task, plus our DAGs' own messages."""

    def __init__(self) -> None:
        self.name: str | None = None
        self.state: str | None = None

    def feed(self, line: str) -> str | None:
        if _TASK_START.search(line):
            self.name, self.state = None, None
            return None
        if match := _MAP_NAME.search(line):
            self.name = match["name"]
        if match := _NEW_STATE.search(line):
            self.state = match["state"]
        if match := _TASK_END.search(line):
            label = match["task"]
            if int(match["index"]) >= 0:
                label += f"[{self.name or match['index']}]"
            return f"{label}: {self.state or 'done'}"
        if match := _DAG_MESSAGE.search(line):
            level = match["level"].lower()
            return f"  {'' if level == 'info' else level.upper() + ': '}{match['message']}"
        return None


def _say(out: TextIO, text: str) -> None:
    print(text, file=out, flush=True)
