"""Server mode, natively: Airflow 3 on Celery + Postgres + Redis, the Postgres warehouse, S3 landing.

The CI machine has no Docker engine, so the topology of docker-compose.yml is
run here from the project's virtualenv:

* `test_celery_server_mode_end_to_end`: a fresh Airflow metadata database on
  Postgres, `airflow db migrate`, the `warehouse` pool, then api-server,
  scheduler, dag-processor and a Celery worker (Redis broker, Postgres result
  backend) as subprocesses; `disclosure_ingest` is triggered over the five
  samples through the REST API v2 and the Asset-triggered
  `disclosure_transform` follows; the marts and the read-only BI role are
  checked on a fresh Postgres warehouse.
* `test_dbt_build_gives_the_same_marts_on_both_targets`: the same parsed
  samples through load, dbt, GX and dbt marts on DuckDB and on Postgres; the
  marts agree row for row.
* `test_s3_landing_parse_and_load`: landing zone and parse results on an S3
  server (moto in server mode), parse + load into the warehouse.

On CI (CI=true) a missing Postgres or Redis fails these tests; elsewhere they skip.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pipeline.settings import Settings
from tests.conftest import REPO_ROOT, service_missing
from tests.sample_failures import SAMPLE_FAILURES

pytestmark = pytest.mark.integration

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
ADMIN_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
SAMPLES = sorted((REPO_ROOT / "data" / "samples").glob("*.txt"))
VENV_BIN = Path(sys.executable).parent


FAILED_CHECKS_SQL = """
    select d.agency_name, d.report_year, c.check_id, c.subject
    from marts.fct_check_results c join marts.dim_report d using (report_id)
    where c.status = 'failed'
"""


# ---------------------------------------------------------------- services


def _admin_connection() -> Any:
    import psycopg2

    try:
        conn = psycopg2.connect(ADMIN_DSN, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        service_missing(f"no Postgres at {PG_HOST}:{PG_PORT}: {exc}")
    conn.autocommit = True
    return conn


@contextlib.contextmanager
def fresh_database(prefix: str) -> Iterator[str]:
    """A new, empty Postgres database with a unique name, dropped at the end; yields its DSN."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"create database {name}")
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name} with (force)")
        admin.close()


def drop_role(role: str) -> None:
    admin = _admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'drop role if exists "{role}"')
    finally:
        admin.close()


def free_redis_db() -> int:
    """An empty Redis database number (1..15), so the test's Celery queue is its own."""
    import redis

    for number in range(15, 0, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_connect_timeout=3)
        try:
            if client.dbsize() == 0:
                client.set("disclosure-test-claim", "1", ex=900)  # keep a parallel run off this db
                return number
        except redis.exceptions.ConnectionError as exc:
            service_missing(f"no Redis at {REDIS_HOST}:{REDIS_PORT}: {exc}")
        finally:
            client.close()
    pytest.fail("no empty Redis database among 1..15")


def flush_redis_db(number: int) -> None:
    import redis

    with contextlib.suppress(Exception):
        redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number, socket_connect_timeout=3).flushdb()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def query(dsn: str, sql: str, params: list | None = None) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    finally:
        conn.close()


def failed_checks(dsn: str) -> set[tuple]:
    return {(a, int(y) if y is not None else None, c, s) for a, y, c, s in query(dsn, FAILED_CHECKS_SQL)}


def assert_bi_role_reads_marts_only(dsn: str, role: str) -> None:
    """The BI role logs in, reads every mart, and can neither write nor create nor read raw."""
    import psycopg2

    bi_dsn = dsn.replace(f"//{PG_USER}@", f"//{role}@", 1)
    conn = psycopg2.connect(bi_dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for table in (
                "dim_report",
                "dim_agency",
                "fct_applications",
                "fct_appeals",
                "fct_disclosures",
                "fct_check_results",
                "agg_agency_year",
            ):
                cursor.execute(f"select count(*) from marts.{table}")
                assert cursor.fetchone()[0] >= 0
            forbidden = [
                "insert into marts.dim_report (report_id) values ('x')",
                "delete from marts.fct_applications",
                "create table marts.bi_scratch (x int)",
                "create table public.bi_scratch (x int)",
                "create schema bi_scratch",
                "select count(*) from raw.cells",
                "drop table marts.dim_report",
            ]
            for statement in forbidden:
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
    finally:
        conn.close()


# ---------------------------------------------------------------- processes


class Processes:
    """Airflow components as subprocesses, each in its own process group with its own log file."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: dict[str, subprocess.Popen] = {}
        logs.mkdir(parents=True, exist_ok=True)

    def run(self, name: str, args: list[str], timeout: float = 180) -> None:
        """Run a command to completion; fail with its output when it fails."""
        log = self.logs / f"{name}.log"
        with log.open("wb") as out:
            result = subprocess.run(
                args, env=self.env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout, cwd=self.logs, check=False
            )
        if result.returncode != 0:
            pytest.fail(f"{' '.join(args)} failed ({result.returncode}):\n{tail(log, 60)}")

    def start(self, name: str, args: list[str]) -> None:
        out = (self.logs / f"{name}.log").open("wb")
        self.running[name] = subprocess.Popen(
            args, env=self.env, stdout=out, stderr=subprocess.STDOUT, cwd=self.logs, start_new_session=True
        )
        out.close()

    def check_alive(self) -> None:
        for name, process in self.running.items():
            if process.poll() is not None:
                raise AssertionError(f"{name} exited with {process.returncode}")

    def stop(self) -> None:
        """SIGTERM to every process group, then SIGKILL to what is left after 20 s."""
        for process in self.running.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)  # the group: task processes too
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)

    def diagnostics(self, airflow_home: Path) -> str:
        parts = [f"===== {log.name}\n{tail(log, 40)}" for log in sorted(self.logs.glob("*.log"))]
        task_logs = sorted((airflow_home / "logs").rglob("*.log"), key=lambda p: p.stat().st_mtime)[-6:]
        parts += [f"===== task log {log.relative_to(airflow_home)}\n{tail(log, 30)}" for log in task_logs]
        return "\n".join(parts)


def tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"({exc})"


class Api:
    """The Airflow REST API v2 of the api-server (simple auth manager, everyone admin).

    Every wait is on a state (health, a parsed DAG, a finished run), polled
    while every process is alive. An api-server under CPU load answers late:
    a slow or refused answer is polled again, never a failure by itself, and
    the deadlines are generous bounds, not the expected times.
    """

    def __init__(self, base_url: str) -> None:
        import httpx

        self.base_url = base_url
        self.client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(60, connect=10))

    def _poll(self, processes: Processes, timeout: float, what: str, ready: Callable[[], Any]) -> Any:
        """`ready()` once it returns something other than None, polled every second while the processes live."""
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            processes.check_alive()
            try:
                found = ready()
            except httpx.TransportError as exc:  # a timeout or a refused connection: busy or starting
                if isinstance(exc, httpx.TimeoutException):
                    print(f"{what}: {type(exc).__name__}, polling again")  # the sign of a loaded machine
                found = None
            if found is not None:
                return found
            time.sleep(1)
        raise AssertionError(f"{what}: not within {timeout} s")

    def wait_up(self, processes: Processes, timeout: float) -> None:
        """Until the api-server reports its database, scheduler and dag-processor healthy, then log in."""

        def healthy() -> bool | None:
            response = self.client.get("/api/v2/monitor/health")
            if response.status_code != 200:
                return None
            health = response.json()
            parts = ("metadatabase", "scheduler", "dag_processor")
            return True if all((health.get(p) or {}).get("status") == "healthy" for p in parts) else None

        self._poll(processes, timeout, f"api-server healthy at {self.base_url}", healthy)
        token = self.client.get("/auth/token").json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"/api/v2{path}", params=params)
        response.raise_for_status()
        return response.json()

    def wait_for_dag(self, dag_id: str, processes: Processes, timeout: float) -> dict[str, Any]:
        def parsed() -> dict[str, Any] | None:
            response = self.client.get(f"/api/v2/dags/{dag_id}")
            # The ingest DAG is ready once its next scheduled run is known; the transform has no such run.
            if response.status_code == 200 and (
                dag_id == "disclosure_transform" or response.json().get("next_dagrun_logical_date") is not None
            ):
                return response.json()
            return None

        return self._poll(processes, timeout, f"{dag_id} parsed by the dag-processor", parsed)

    def unpause(self, dag_id: str) -> None:
        self.client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, run_id: str, logical_date: str | None) -> None:
        response = self.client.post(
            f"/api/v2/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": logical_date}
        )
        assert response.status_code in (200, 201), response.text

    def wait_for_run(self, dag_id: str, processes: Processes, timeout: float, run_id: str | None = None) -> dict:
        """The run `run_id` (or the first run of the DAG) once finished; fail on a failed run."""

        def finished() -> dict[str, Any] | None:
            if run_id:
                runs = [self.get(f"/dags/{dag_id}/dagRuns/{run_id}")]
            else:
                runs = self.get(f"/dags/{dag_id}/dagRuns", order_by="run_after")["dag_runs"]
            if not runs or runs[0]["state"] not in ("success", "failed"):
                return None
            if runs[0]["state"] == "failed":
                instances = self.get(f"/dags/{dag_id}/dagRuns/{runs[0]['dag_run_id']}/taskInstances")
                states = {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in instances["task_instances"]}
                raise AssertionError(f"{dag_id} run {runs[0]['dag_run_id']} failed: {states}")
            return runs[0]

        return self._poll(processes, timeout, f"{dag_id} run finished", finished)


def airflow_env(
    home: Path,
    metadata_dsn: str,
    redis_db: int,
    port: int,
    warehouse_dsn: str,
    bi_role: str,
    bi_password: str,
    s3_endpoint: str,
) -> dict[str, str]:
    """The environment of docker-compose.yml's x-airflow-common, for processes on this machine."""
    from cryptography.fernet import Fernet

    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "DISCLOSURE_"))}
    sqlalchemy = metadata_dsn.replace("postgresql://", "postgresql+psycopg2://", 1)
    env.update(
        {
            "AIRFLOW_HOME": str(home / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__CORE__FERNET_KEY": Fernet.generate_key().decode(),
            "AIRFLOW__CORE__AUTH_MANAGER": (
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager"
            ),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": sqlalchemy,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}",
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_dsn,
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "4",
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "DISCLOSURE_HOME": str(home / "var"),
            "DISCLOSURE_INPUT_DIR": str(REPO_ROOT / "data" / "samples"),
            "DISCLOSURE_WAREHOUSE": "postgres",
            "DISCLOSURE_POSTGRES_DSN": warehouse_dsn,
            "DISCLOSURE_BI_ROLE": bi_role,
            "DISCLOSURE_BI_PASSWORD": bi_password,
            # shared storage, as MinIO in docker-compose.yml
            "DISCLOSURE_LANDING_URL": "s3://disclosure/landing",
            "DISCLOSURE_PARSED_DIR": "s3://disclosure/parsed",
            "DISCLOSURE_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "PATH": os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", ""))),
        }
    )
    return env


@pytest.mark.timeout(1200)  # a bound for a machine under load; about 3-4 minutes on a busy 2-core one
def test_celery_server_mode_end_to_end(tmp_path: Path) -> None:
    started = time.monotonic()
    timings: dict[str, float] = {}
    redis_db = free_redis_db()
    bi_role = f"disclosure_bi_{uuid.uuid4().hex[:8]}"
    port = free_port()
    airflow = str(VENV_BIN / "airflow")
    try:
        _run_server_mode(tmp_path, started, timings, redis_db, bi_role, port, airflow)
    finally:
        flush_redis_db(redis_db)
        drop_role(bi_role)  # after its database: the grants there depend on it
        print("server mode timings (s since start): " + json.dumps({k: round(v, 1) for k, v in timings.items()}))


def _run_server_mode(
    tmp_path: Path, started: float, timings: dict[str, float], redis_db: int, bi_role: str, port: int, airflow: str
) -> None:
    from moto.server import ThreadedMotoServer

    s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    s3.start()
    host, s3_port = s3.get_host_and_port()
    with contextlib.ExitStack() as stack:
        stack.callback(s3.stop)
        metadata_dsn = stack.enter_context(fresh_database("disclosure_af"))
        warehouse_dsn = stack.enter_context(fresh_database("disclosure_wh"))
        env = airflow_env(
            tmp_path,
            metadata_dsn,
            redis_db,
            port,
            warehouse_dsn,
            bi_role,
            secrets.token_hex(8),
            s3_endpoint=f"http://{host}:{s3_port}",
        )
        processes = Processes(env, tmp_path / "logs")
        ok = False
        try:
            processes.run("db-migrate", [airflow, "db", "migrate"], timeout=240)
            processes.run("pool", [airflow, "pools", "set", "warehouse", "1", "one writer at a time"])
            processes.run("storage", [sys.executable, "-m", "extractors", "init-storage"])  # as airflow-init
            timings["migrate"] = time.monotonic() - started
            processes.start("api-server", [airflow, "api-server"])
            processes.start("scheduler", [airflow, "scheduler"])
            processes.start("dag-processor", [airflow, "dag-processor"])
            processes.start(
                "celery-worker",
                [airflow, "celery", "worker", "--concurrency", "4", "--without-gossip", "--without-mingle"],
            )
            api = Api(f"http://127.0.0.1:{port}")
            api.wait_up(processes, timeout=240)
            ingest = api.wait_for_dag("disclosure_ingest", processes, timeout=240)
            api.wait_for_dag("disclosure_transform", processes, timeout=240)
            timings["services up"] = time.monotonic() - started

            # Triggered at the logical date the scheduler would pick on unpause, so that the
            # unpause adds no scheduled run of its own (catchup=False still makes one).
            run_id = f"server_mode_{uuid.uuid4().hex[:6]}"
            api.trigger("disclosure_ingest", run_id, ingest["next_dagrun_logical_date"])
            api.unpause("disclosure_transform")
            api.unpause("disclosure_ingest")
            api.wait_for_run("disclosure_ingest", processes, timeout=360, run_id=run_id)
            timings["ingest"] = time.monotonic() - started
            transform = api.wait_for_run("disclosure_transform", processes, timeout=360)
            assert transform["run_type"] == "asset_triggered", transform
            timings["transform"] = time.monotonic() - started

            documents = query(warehouse_dsn, "select status, landing_path from raw.documents")
            assert [status for status, _ in documents] == ["parsed"] * 5, documents
            assert all(path.startswith("s3://disclosure/landing/") for _, path in documents), documents
            assert query(warehouse_dsn, "select count(*) from marts.dim_report") == [(5,)]
            assert failed_checks(warehouse_dsn) == SAMPLE_FAILURES
            assert query(warehouse_dsn, "select count(distinct last_seen_run) from raw.check_results") == [(1,)]
            statuses = dict(query(warehouse_dsn, "select agency_name, quality_status from marts.dim_report"))
            assert statuses["静乐县"] == "failed" and statuses["金寨县人民政府"] == "passed"
            assert_bi_role_reads_marts_only(warehouse_dsn, bi_role)
            ok = True
        finally:
            try:
                diagnostics = "" if ok else processes.diagnostics(tmp_path / "airflow")
            finally:
                processes.stop()
            if not ok:
                print(diagnostics)
            timings["total"] = time.monotonic() - started


# ---------------------------------------------------------------- same marts on both targets

COMPARED = {  # mart -> key columns + value columns, in order
    "fct_applications": ("report_id", "row_code", "applicant", "value"),
    "fct_appeals": ("report_id", "proceeding", "outcome", "value"),
    "fct_disclosures": ("report_id", "article_item", "category", "measure", "value"),
    "fct_check_results": ("report_id", "check_id", "subject", "expected", "observed", "severity", "status"),
    "dim_report": ("report_id", "agency_id", "agency_name", "report_year", "template", "sha256", "quality_status"),
}


def _normalise(row: tuple) -> tuple:
    """Both drivers' values as comparable Python values (Decimal/float/int -> rounded float)."""
    out = []
    for value in row:
        if value is None or isinstance(value, str):
            out.append(value)
        elif isinstance(value, float) and value != value:  # NaN
            out.append(None)
        else:
            out.append(round(float(value), 6))
    return tuple(out)


def _marts_rows(settings: Settings) -> dict[str, list[tuple]]:
    from warehouse.connection import connect

    rows = {}
    with connect(settings.warehouse, read_only=True) as conn:
        for table, columns in COMPARED.items():
            fetched = conn.execute(f"select {', '.join(columns)} from marts.{table}").fetchall()
            rows[table] = sorted((_normalise(r) for r in fetched), key=repr)
    return rows


def _build(settings: Settings, parsed: list[str]) -> dict[str, list[tuple]]:
    from expectations.run_checks import run_identity_checks
    from warehouse.bi_role import grant_bi_access
    from warehouse.load import load_parsed
    from warehouse.transform import run_dbt

    assert load_parsed(settings.warehouse, parsed)["documents_loaded"] == 5
    run_dbt(settings.dbt, ["build", "--select", "resource_type:seed", "staging", "intermediate"])
    run_identity_checks(settings.checks, run_id="parity")
    run_dbt(settings.dbt, ["build", "--select", "marts"])
    grant_bi_access(settings.warehouse)
    return _marts_rows(settings)


@pytest.mark.timeout(600)
def test_dbt_build_gives_the_same_marts_on_both_targets(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from pipeline.parse_step import parse_to_file

    for name in (
        "DISCLOSURE_WAREHOUSE_PATH",
        "DISCLOSURE_PUBLISHED_PATH",
        "DISCLOSURE_DOCS_DIR",
        "DISCLOSURE_PARSED_DIR",
        "DISCLOSURE_LANDING_URL",
        "DISCLOSURE_S3_ENDPOINT_URL",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path / "duckdb"))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "duckdb")
    on_duckdb = Settings.from_env()
    parsed = [parse_to_file(str(p), on_duckdb)["parsed_path"] for p in SAMPLES]

    bi_role = f"disclosure_bi_{uuid.uuid4().hex[:8]}"
    try:
        with fresh_database("disclosure_parity") as dsn:
            on_postgres = dataclasses.replace(
                on_duckdb,
                home=tmp_path / "postgres",
                warehouse_target="postgres",
                postgres_dsn=dsn,
                docs_dir=tmp_path / "postgres" / "docs",
                bi_role=bi_role,
            )
            duck = _build(on_duckdb, parsed)
            pg = _build(on_postgres, parsed)
            _assert_alerts_and_summary_read_postgres(on_postgres)
            # The BI role exists (NOLOGIN: no password set); SET ROLE proves its grants.
            _assert_role_grants(dsn, bi_role)
    finally:
        drop_role(bi_role)  # after its database: the grants there depend on it

    for table in COMPARED:
        assert len(duck[table]) == len(pg[table]), table
        assert duck[table] == pg[table], f"{table}: first difference " + repr(
            next((a, b) for a, b in zip(duck[table], pg[table], strict=True) if a != b)
        )
    assert len(duck["fct_applications"]) > 500 and len(duck["fct_check_results"]) > 100
    failed = {(r[1], r[2]) for r in duck["fct_check_results"] if r[-1] == "failed"}
    assert ("app.results_sum", "total") in failed


def _assert_alerts_and_summary_read_postgres(settings: Settings) -> None:
    """alerts.checks and pipeline.summary run their one version of the SQL on Postgres too."""
    from alerts.checks import build_alerts
    from pipeline.summary import build_summary
    from warehouse.publish import publish_copy

    alerts = build_alerts(settings.alerts, "parity")
    assert {(a.agency, a.report_year, a.check_id) for a in alerts} >= {("静乐县", 2020, "app.results_sum")}
    assert alerts[0].sha256 and alerts[0].document
    summary = build_summary(settings)
    assert "reports loaded     5" in summary and "app.results_sum" in summary and "静乐县" in summary
    assert "postgresql://" in summary
    assert publish_copy(settings.warehouse) is None  # BI reads the marts through the role: nothing to copy


def _assert_role_grants(dsn: str, role: str) -> None:
    import psycopg2

    conn = psycopg2.connect(dsn)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            cursor.execute(f'set role "{role}"')
            cursor.execute("select count(*) from marts.dim_report")
            assert cursor.fetchone() == (5,)
            for statement in (
                "insert into marts.dim_report (report_id) values ('x')",
                "create table marts.bi_scratch (x int)",
                "select 1 from raw.documents",
            ):
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute(statement)
            cursor.execute("reset role")
    finally:
        conn.close()


# ---------------------------------------------------------------- S3 landing


@pytest.mark.timeout(300)
def test_s3_landing_parse_and_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Landing and parse results on s3:// (moto in server mode): content-addressed, written once, loaded."""
    import boto3
    from moto.server import ThreadedMotoServer

    from pipeline.cli import main as disclosure
    from pipeline.parse_step import parse_to_file
    from warehouse.connection import connect
    from warehouse.load import load_parsed

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        endpoint = f"http://{host}:{port}"
        for name, value in {
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "DISCLOSURE_S3_ENDPOINT_URL": endpoint,
            "DISCLOSURE_LANDING_URL": "s3://disclosure/landing",
            "DISCLOSURE_PARSED_DIR": "s3://disclosure/parsed",
            "DISCLOSURE_HOME": str(tmp_path / "home"),
            "DISCLOSURE_WAREHOUSE": "duckdb",
        }.items():
            monkeypatch.setenv(name, value)
        for name in ("DISCLOSURE_WAREHOUSE_PATH", "DISCLOSURE_PUBLISHED_PATH", "DISCLOSURE_DOCS_DIR"):
            monkeypatch.delenv(name, raising=False)
        settings = Settings.from_env()
        assert settings.landing_root == "s3://disclosure/landing"
        assert disclosure(["init-storage"]) == 0  # what the compose init job runs: creates the bucket

        s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
        outcomes = [parse_to_file(str(p), settings) for p in SAMPLES]
        assert all(o["parsed_path"].startswith("s3://disclosure/parsed/") for o in outcomes)
        objects = {o["Key"]: o for o in s3.list_objects_v2(Bucket="disclosure")["Contents"]}
        for outcome in outcomes:
            sha = outcome["sha256"]
            assert f"landing/{sha[:2]}/{sha}" in objects
        assert sum(k.startswith("parsed/") for k in objects) == 5
        sample = SAMPLES[0].read_bytes()
        landed = s3.get_object(Bucket="disclosure", Key=f"landing/{outcomes[0]['sha256'][:2]}/{outcomes[0]['sha256']}")
        assert landed["Body"].read() == sample

        summary = load_parsed(settings.warehouse, [o["parsed_path"] for o in outcomes])
        assert summary["documents_loaded"] == 5
        with connect(settings.warehouse, read_only=True) as conn:
            paths = [r[0] for r in conn.execute("select landing_path from raw.documents").fetchall()]
        assert len(paths) == 5 and all(p.startswith("s3://disclosure/landing/") for p in paths)

        # Again: nothing parsed, landed or loaded twice; landed objects are never rewritten.
        again = [parse_to_file(str(p), settings) for p in SAMPLES]
        assert all(o["skipped"] for o in again)
        after = {o["Key"]: o for o in s3.list_objects_v2(Bucket="disclosure")["Contents"]}
        assert {k: (o["ETag"], o["LastModified"]) for k, o in after.items()} == {
            k: (o["ETag"], o["LastModified"]) for k, o in objects.items()
        }
        assert load_parsed(settings.warehouse, [o["parsed_path"] for o in again])["documents_skipped"] == 5
    finally:
        server.stop()
