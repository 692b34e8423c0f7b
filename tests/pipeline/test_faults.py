"""Faults injected into the pipeline: nothing is lost, nothing is loaded twice, the next run finishes the job.

- a parse or load process killed with SIGKILL at a random moment, then run
  again: the warehouse holds exactly the rows of a clean run (counts of every
  raw table and a checksum of `raw.cells`, against a clean run in another home);
- the warehouse file held by another process (read-only or read-write): the
  loader waits with backoff and succeeds once it is released, or fails with a
  message naming the file and the holder; BI readers keep their published copy
  while the pipeline writes and publishes again;
- the warehouse unreachable (Postgres on a wrong port): the load fails with
  the server's address in the message, the parse results stay, the next run
  loads them;
- a crash between landing and loading: the next run loads without parsing again;
- the Airflow metadata DB (SQLite) locked for 12 s while a task finishes: the
  try fails, the retry succeeds and loads nothing twice;
- two runs at once: both DAGs have `max_active_runs=1` (the scheduler queues a
  second run); two loaders of the same parse results in two processes, and two
  `airflow dags test disclosure_ingest` at once on one home (`disclosure run`
  twice, where no scheduler holds the second back), end with one copy of each
  document.
"""

from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from tests.conftest import service_missing
from tests.paths import REPO_ROOT
from tests.report_text import render, template_keys
from warehouse import connection as warehouse
from warehouse.config import WarehouseConfig
from warehouse.connection import connect
from warehouse.load import load_parsed
from warehouse.publish import publish_copy

REPO = REPO_ROOT
SAMPLES = sorted((REPO / "data" / "samples").glob("*.txt"))
GENERATED = 5  # reports added to the samples so that a load lasts long enough to be killed inside

# Parse then load the documents named on the command line, as the ingest DAG's tasks do.
RUNNER = """
import json, sys
from warehouse.load import load_parsed
from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
settings = Settings.from_env()
print("parsing", flush=True)
outcomes = [parse_to_file(p, settings)["parsed_path"] for p in sys.argv[1:]]
print("loading", flush=True)
print(json.dumps(load_parsed(settings.warehouse, outcomes)), flush=True)
"""
# Hold the warehouse file open: argv = path, ro|rw, seconds.
HOLDER = """
import duckdb, sys, time
conn = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
conn.execute("select count(*) from raw.documents").fetchone()
print("held", flush=True)
time.sleep(float(sys.argv[3]))
conn.close()
"""
# A BI reader on the published copy: a count, then (after a line on stdin) the count again on the same connection.
READER = """
import duckdb, sys
conn = duckdb.connect(sys.argv[1], read_only=True)
print(conn.execute("select count(*) from marts.cells").fetchone()[0], flush=True)
sys.stdin.readline()
print(conn.execute("select count(*) from marts.cells").fetchone()[0], flush=True)
"""
CELLS_CHECKSUM = """
select count(*), md5(string_agg(concat_ws('|', sha256, parser_version, table_name, coalesce(article_item, ''),
       row_code, column_code, coalesce(cast(value as varchar), 'null'), coalesce(raw_text, ''),
       coalesce(cast(page as varchar), ''), coalesce(cast(line_no as varchar), ''), coalesce(bbox, '')),
       '\n' order by sha256, table_name, row_code, column_code))
from raw.cells
"""
FAULTS = {  # counted in the README's Reliability section (test_readme_fault_figures)
    "kill_during_parse": 1,
    "kill_during_load": 1,
    "warehouse_held_read_only": 1,
    "warehouse_held_read_write": 1,
    "warehouse_held_past_the_wait": 1,
    "bi_reader_during_publish": 1,
    "warehouse_unreachable": 1,
    "crash_between_landing_and_load": 1,
    "two_loaders_at_once": 1,
    "two_pipeline_runs_at_once": 1,
    "metadata_db_briefly_down": 1,
}


def _env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCLOSURE_")}
    env.update({"DISCLOSURE_HOME": str(settings.home), "PYTHONPATH": str(REPO), **extra})
    return env


def _python(script: str, *args: str, env: dict[str, str], **kwargs: object) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        cwd=REPO,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """The five samples and generated reports (random cells, both templates and layouts)."""
    folder = tmp_path_factory.mktemp("fault-corpus")
    rng = random.Random(8)
    paths = [str(p) for p in SAMPLES]
    for i in range(GENERATED):
        template = ("gov2019", "gov2021")[i % 2]
        cells = {key: rng.randint(0, 500) for key in template_keys(template)}
        text = render(
            f"生成{i}县人民政府", 2019 + template.endswith("2021") * 2, template, cells, ("tabs", "lines")[i // 2 % 2]
        )
        path = folder / f"generated_{i:02d}.txt"
        path.write_text(text, encoding="utf-8")
        paths.append(str(path))
    return paths


def _settings(home: Path, **env: str) -> Settings:
    old = dict(os.environ)
    try:
        for name in [k for k in os.environ if k.startswith("DISCLOSURE_")]:
            del os.environ[name]
        os.environ.update({"DISCLOSURE_HOME": str(home), **env})
        return Settings.from_env()
    finally:
        os.environ.clear()
        os.environ.update(old)


def warehouse_state(settings: Settings) -> dict[str, object]:
    """Row counts of every raw table, the documents with their status, and a checksum of raw.cells."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'raw' order by 1"
            ).fetchall()
        ]
        state: dict[str, object] = {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in tables}
        state["documents_status"] = conn.execute(
            "select sha256, parser_version, status from raw.documents order by 1"
        ).fetchall()
        state["cells_checksum"] = conn.execute(CELLS_CHECKSUM).fetchone()
    return state


@pytest.fixture(scope="module")
def clean_state(corpus: list[str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    settings = _settings(tmp_path_factory.mktemp("clean") / "home")
    outcomes = [parse_to_file(p, settings)["parsed_path"] for p in corpus]
    assert load_parsed(settings.warehouse, outcomes)["documents_loaded"] == len(corpus)
    return warehouse_state(settings)


def _kill_group(process: subprocess.Popen) -> None:
    """SIGKILL the runner and its parse children, as a dying worker loses them."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=30)


@pytest.mark.parametrize("phase", ["parse", "load"])
def test_killed_mid_way_then_run_again_gives_a_clean_runs_rows(
    phase: str, corpus: list[str], clean_state: dict[str, object], tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "home")
    rng = random.Random()
    env = _env(settings)
    if phase == "load":  # a first, partial load: later kills then land among committed documents
        half = [parse_to_file(p, settings)["parsed_path"] for p in corpus[: len(corpus) // 2]]
        load_parsed(settings.warehouse, half[: len(half) // 2])
    process = _python(RUNNER, *corpus, env=env, start_new_session=True)
    assert process.stdout.readline().strip() == "parsing"
    if phase == "parse":
        time.sleep(rng.uniform(0.0, 0.15))  # parsing the documents takes about 0.2 s
    else:
        assert process.stdout.readline().strip() == "loading"
        time.sleep(rng.uniform(0.0, 0.1))  # loading them about 1 s
    _kill_group(process)
    if phase == "load" and process.returncode == -signal.SIGKILL:
        partial = warehouse_state(settings)
        assert partial["documents"] < clean_state["documents"], "the kill should land before the load ends"

    again = _python(RUNNER, *corpus, env=env)  # the retry
    _out, err = again.communicate(timeout=120)
    assert again.returncode == 0, err[-2000:]
    assert warehouse_state(settings) == clean_state


@pytest.mark.parametrize("mode", ["ro", "rw"])
def test_the_loader_waits_for_a_process_holding_the_warehouse(
    mode: str, corpus: list[str], tmp_settings: Settings
) -> None:
    outcomes = [parse_to_file(p, tmp_settings)["parsed_path"] for p in samples_only(corpus)]
    with connect(tmp_settings.warehouse):
        pass  # the file and the raw schema exist
    holder = _python(HOLDER, str(tmp_settings.warehouse_path), mode, "1.0", env=_env(tmp_settings))
    try:
        assert holder.stdout.readline().strip() == "held"
        started = time.monotonic()
        summary = load_parsed(tmp_settings.warehouse, outcomes)
        waited = time.monotonic() - started
    finally:
        holder.communicate(timeout=30)
    assert summary["documents_loaded"] == len(outcomes)
    assert waited > 0.5  # it did wait for the holder


def samples_only(corpus: list[str]) -> list[str]:
    return corpus[: len(SAMPLES)]


def test_a_warehouse_held_too_long_fails_with_the_file_and_the_holder(
    corpus: list[str], tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    outcomes = [parse_to_file(p, tmp_settings)["parsed_path"] for p in samples_only(corpus)]
    with connect(tmp_settings.warehouse):
        pass
    monkeypatch.setattr(warehouse, "LOCK_WAIT_SECONDS", 0.8)
    holder = _python(HOLDER, str(tmp_settings.warehouse_path), "rw", "60", env=_env(tmp_settings))
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(warehouse.WarehouseLocked) as caught:
            load_parsed(tmp_settings.warehouse, outcomes)
    finally:
        holder.kill()
        holder.communicate(timeout=30)
    message = str(caught.value)
    assert str(tmp_settings.warehouse_path) in message and f"PID {holder.pid}" in message
    assert "published copy" in message
    assert load_parsed(tmp_settings.warehouse, outcomes)["documents_loaded"] == len(outcomes)  # nothing lost


def test_bi_readers_keep_the_published_copy_while_the_pipeline_writes(
    corpus: list[str], tmp_settings: Settings
) -> None:
    first = [parse_to_file(p, tmp_settings)["parsed_path"] for p in samples_only(corpus)]
    load_parsed(tmp_settings.warehouse, first)
    published = publish_copy(_with_cells_mart(tmp_settings))
    reader = _python(READER, str(published), env=_env(tmp_settings), stdin=subprocess.PIPE)
    before = int(reader.stdout.readline())
    # The pipeline writes and publishes again while the reader holds the old copy.
    more = [parse_to_file(p, tmp_settings)["parsed_path"] for p in corpus[len(SAMPLES) :]]
    assert load_parsed(tmp_settings.warehouse, more)["documents_loaded"] == len(more)
    publish_copy(_with_cells_mart(tmp_settings))
    out, err = reader.communicate("go\n", timeout=30)
    assert reader.returncode == 0, err
    assert int(out.strip()) == before  # the reader's copy kept working, unchanged
    with duckdb.connect(str(published), read_only=True) as conn:  # a new connection sees the new copy
        assert conn.execute("select count(*) from marts.cells").fetchone()[0] > before


def _with_cells_mart(settings: Settings) -> WarehouseConfig:
    """The warehouse with a stand-in mart `marts.cells` (the copy holds the marts only; dbt is not the point here)."""
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        conn.execute("create schema if not exists marts")
        conn.execute("create or replace table marts.cells as select * from raw.cells")
    return settings.warehouse


def _postgres_reachable() -> bool:
    try:
        import psycopg2

        psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3).close()
    except Exception:
        return False
    return True


def test_an_unreachable_warehouse_fails_clearly_and_loses_nothing(corpus: list[str], tmp_path: Path) -> None:
    wrong = _settings(
        tmp_path / "home",
        DISCLOSURE_WAREHOUSE="postgres",
        DISCLOSURE_POSTGRES_DSN="postgresql://postgres@127.0.0.1:1/disclosure",
    )
    outcomes = [parse_to_file(p, wrong)["parsed_path"] for p in samples_only(corpus)]  # parse needs no warehouse
    with pytest.raises(Exception) as caught:  # the task fails (no endless wait); Airflow retries it with backoff
        load_parsed(wrong.warehouse, outcomes)
    assert "127.0.0.1" in str(caught.value) and "1" in str(caught.value)
    assert "port 1" in str(caught.value) or ":1" in str(caught.value)
    assert all(Path(p).is_file() for p in outcomes)  # the parse results wait for the next run

    callbacks = _dag_default_args()
    assert callbacks["retries"] >= 2 and callbacks["retry_exponential_backoff"]

    if not _postgres_reachable():
        service_missing("Postgres is not running on 127.0.0.1:5432: the next run's load is not tried")
    import psycopg2

    database = f"disclosure_faults_{os.getpid()}"
    admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres")
    admin.autocommit = True
    admin.cursor().execute(f"create database {database}")
    try:
        right = _settings(
            tmp_path / "home",
            DISCLOSURE_WAREHOUSE="postgres",
            DISCLOSURE_POSTGRES_DSN=f"postgresql://postgres@127.0.0.1:5432/{database}",
        )
        again = [parse_to_file(p, right) for p in samples_only(corpus)[:2]]
        assert all(o["skipped"] for o in again)  # not parsed again
        assert load_parsed(right.warehouse, [o["parsed_path"] for o in again])["documents_loaded"] == len(again)
    finally:
        admin.cursor().execute(f"drop database if exists {database} with (force)")
        admin.close()


def _dag_default_args() -> dict:
    import importlib.util

    spec = importlib.util.spec_from_file_location("_disclosure_callbacks", REPO / "dags" / "_callbacks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.DEFAULT_ARGS


def test_a_crash_between_landing_and_loading_is_finished_by_the_next_run(
    corpus: list[str], tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "fetched.txt"
    source.write_bytes(Path(corpus[1]).read_bytes())
    first = parse_to_file(str(source), tmp_settings)  # landed and parsed; the worker dies before `load`
    source.unlink()  # the site is gone too: only the landing zone has the document
    landed = tmp_settings.home / "landing" / first["sha256"][:2] / first["sha256"]
    assert landed.is_file()

    import pipeline.parse_step as parse_task

    def must_not_parse(*_args: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(parse_task, "parse_bytes", must_not_parse)
    again = parse_to_file(str(landed), tmp_settings)
    assert again["skipped"] and again["parsed_path"] == first["parsed_path"]
    assert load_parsed(tmp_settings.warehouse, [again["parsed_path"]])["documents_loaded"] == 1


def test_both_dags_allow_one_active_run() -> None:
    for name in ("disclosure_ingest.py", "disclosure_transform.py"):
        tree = ast.parse((REPO / "dags" / name).read_text(encoding="utf-8"))
        values = [
            kw.value.value
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            for kw in node.keywords
            if kw.arg == "max_active_runs"
        ]
        assert values == [1], name


def test_two_loaders_at_once_load_each_document_once(
    corpus: list[str], clean_state: dict[str, object], tmp_path: Path
) -> None:
    settings = _settings(tmp_path / "home")
    outcomes = [parse_to_file(p, settings)["parsed_path"] for p in corpus]
    script = (
        "import json, sys\nfrom warehouse.load import load_parsed\nfrom pipeline.settings import Settings\n"
        "print(json.dumps(load_parsed(Settings.from_env().warehouse, sys.argv[1:])))"
    )
    loaders = [_python(script, *outcomes, env=_env(settings)) for _ in range(2)]
    results = []
    for loader in loaders:
        out, err = loader.communicate(timeout=120)
        assert loader.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert sorted(r["documents_loaded"] for r in results) == [0, len(corpus)]  # one loads, the other waits
    assert warehouse_state(settings) == clean_state


def test_readme_fault_figures() -> None:
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"faults injected\s*\|\s*(\d+)", readme)
    assert stated and int(stated.group(1)) == sum(FAULTS.values())


def test_two_pipeline_runs_at_once_are_harmless(
    corpus: list[str], clean_state: dict[str, object], tmp_path: Path
) -> None:
    """`disclosure run` twice at once: two `airflow dags test disclosure_ingest` on one home.

    `airflow dags test` bypasses the scheduler, so `max_active_runs=1` does not
    hold here: the two runs share the SQLite metadata DB and the DuckDB file
    (one writer at a time, `warehouse.connection` waits). Both succeed and the
    warehouse holds each document once, as a clean run.
    """
    from pipeline.embedded import _prepare_airflow, _Runner, airflow_command, airflow_env, airflow_home

    inbox = tmp_path / "input"
    inbox.mkdir()
    for path in corpus:
        (inbox / Path(path).name).write_bytes(Path(path).read_bytes())
    settings = _settings(tmp_path / "home", DISCLOSURE_INPUT_DIR=str(inbox))
    env = airflow_env(settings, _env(settings))
    airflow = airflow_command()
    # As `disclosure run` prepares a home: migrate, pool, DAGs registered (else both runs insert them).
    airflow_home(settings).mkdir(parents=True, exist_ok=True)
    prepared = io.StringIO()
    assert _prepare_airflow(settings, _Runner(env, REPO, tmp_path / "prepare.log", prepared)), prepared.getvalue()

    runs = [
        subprocess.Popen(
            [*airflow, "dags", "test", "disclosure_ingest"],
            env=env,
            cwd=REPO,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
    state = warehouse_state(settings)
    for key in ("documents", "cells", "documents_status", "cells_checksum"):
        assert state[key] == clean_state[key], key


# A DAG whose one task parses and loads the corpus, says so in a marker file, then pushes its XCom.
METADATA_DAG = f"""
import json, os, sys, time
sys.path.insert(0, {str(REPO / "dags")!r})
from datetime import UTC, datetime, timedelta

from _callbacks import DEFAULT_ARGS
from airflow.sdk import dag, task


@dag(dag_id="disclosure_metadata_fault", schedule=None, start_date=datetime(2025, 1, 1, tzinfo=UTC),
     default_args={{**DEFAULT_ARGS, "retry_delay": timedelta(seconds=1)}})
def disclosure_metadata_fault():
    @task
    def parse_and_load() -> dict:
        from warehouse.load import load_parsed
        from pipeline.parse_step import parse_to_file
        from pipeline.settings import Settings

        settings = Settings.from_env()
        paths = json.loads(os.environ["FAULT_CORPUS"])
        summary = load_parsed(settings.warehouse, [parse_to_file(p, settings)["parsed_path"] for p in paths])
        with open(os.environ["FAULT_MARKER"], "a") as marker:
            marker.write("loaded\\n")
        time.sleep(1)  # the metadata DB goes down here: the XCom push below meets it
        return summary

    parse_and_load()


disclosure_metadata_fault()
"""
# Lock the SQLite metadata DB (argv: path, seconds, marker) once the task has loaded: "the database is down".
METADATA_HOLDER = """
import os, sqlite3, sys, time
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("begin exclusive")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("rollback")
"""


def test_metadata_db_briefly_down_the_task_retries_and_nothing_is_lost(
    corpus: list[str], clean_state: dict[str, object], tmp_path: Path
) -> None:
    """The metadata DB unusable for 12 s while a task finishes: the task fails that try, is retried and
    succeeds; the retry loads nothing twice (the first try's load is kept)."""
    dags, home = tmp_path / "dags", tmp_path / "airflow"
    dags.mkdir()
    (dags / "disclosure_metadata_fault.py").write_text(METADATA_DAG, encoding="utf-8")
    settings = _settings(tmp_path / "home")
    marker = tmp_path / "loaded"
    env = _env(
        settings,
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__DAGS_FOLDER=str(dags),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__UNIT_TEST_MODE="False",
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        FAULT_CORPUS=json.dumps(corpus),
        FAULT_MARKER=str(marker),
        NO_PROXY="127.0.0.1,localhost",
    )
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env=env,
        cwd=REPO,
        check=True,
        capture_output=True,
        timeout=300,
    )
    holder = _python(METADATA_HOLDER, str(home / "airflow.db"), "12", str(marker), env=env)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "airflow", "dags", "test", "disclosure_metadata_fault"],
            env=env,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=300,
        )
    finally:
        holder.communicate(timeout=60)
    output = run.stdout + run.stderr
    assert holder.returncode == 0
    assert run.returncode == 0, output[-3000:]
    assert "database is locked" in output  # the outage is in the task's log, named
    assert marker.read_text().count("loaded") == 2  # the first try failed after its load; the retry ran
    assert "state=success" in output
    assert warehouse_state(settings) == clean_state  # one copy of every row
