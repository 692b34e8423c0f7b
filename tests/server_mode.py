"""Server mode on this machine: Airflow 3 on Celery + Postgres + Redis, a Postgres warehouse, S3 on moto.

CI has no Docker engine, so the topology of docker-compose.yml runs here from
the project's virtualenv: a fresh metadata database, `airflow db migrate`, the
`warehouse` pool, then api-server, scheduler, dag-processor and Celery workers
(Redis broker, Postgres result backend) as subprocesses. `celery_server`
starts it all for tests/deploy/test_server_mode.py and bench/celery_throughput.py.

Every wait is on a state (health, a worker answering, a parsed DAG, a finished
run), polled while every process is alive. A service missing (Postgres,
Redis) fails on CI (CI=true) and skips elsewhere.
"""

from __future__ import annotations

import contextlib
import functools
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
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import service_missing
from tests.paths import REPO_ROOT, SAMPLES

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
ADMIN_DSN = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
VENV_BIN = Path(sys.executable).parent
AIRFLOW = str(VENV_BIN / "airflow")
DAG_IDS = ("disclosure_ingest", "disclosure_transform")


# ---------------------------------------------------------------- Postgres and Redis


def admin_connection() -> Any:
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
    admin = admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"create database {name}")
        yield f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {name} with (force)")
        admin.close()


def drop_role(role: str) -> None:
    admin = admin_connection()
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'drop role if exists "{role}"')
    finally:
        admin.close()


def query(dsn: str, sql: str, params: list | None = None) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(dsn)
    try:
        with conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else []  # an update returns no rows
    finally:
        conn.close()


def require_services() -> None:
    """Postgres and Redis answer, or the test fails on CI and skips elsewhere (for a server in a subprocess)."""
    import redis

    admin_connection().close()
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        service_missing(f"no Redis at {REDIS_HOST}:{REDIS_PORT}: {exc}")
    finally:
        client.close()


def free_redis_db() -> int:
    """An empty Redis database number (1..15), so the Celery queue is this run's own."""
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

    def start(self, name: str, args: list[str], env: dict[str, str] | None = None) -> None:
        """Start a component; `env` adds to the shared environment (a worker's own log server port)."""
        out = (self.logs / f"{name}.log").open("wb")
        self.running[name] = subprocess.Popen(
            args,
            env=self.env | (env or {}),
            stdout=out,
            stderr=subprocess.STDOUT,
            cwd=self.logs,
            start_new_session=True,
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

    def poll(self, timeout: float, what: str, ready: Callable[[], Any]) -> Any:
        """`ready()` once it returns something other than None, polled every second while the processes live.

        An api-server under CPU load answers late: a timeout or a refused
        connection is polled again, never a failure by itself, and the
        deadlines are generous bounds, not the expected times.
        """
        import httpx

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                found = ready()
            except httpx.TransportError as exc:  # busy or starting
                if isinstance(exc, httpx.TimeoutException):
                    print(f"{what}: {type(exc).__name__}, polling again")  # the sign of a loaded machine
                found = None
            if found is not None:
                return found
            time.sleep(1)
        raise AssertionError(f"{what}: not within {timeout} s")


def tail(path: Path, lines: int) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"({exc})"


def celery_workers_answering(broker_url: str, wanted: int) -> int | None:
    """How many Celery workers answer a ping on the broker; None while fewer than `wanted` do."""
    from celery import Celery

    app = Celery(broker=broker_url)
    try:
        answering = len(app.control.ping(timeout=2))
    finally:
        app.close()
    return answering if answering >= wanted else None


# ---------------------------------------------------------------- REST API


class Api:
    """The Airflow REST API v2 of the api-server (simple auth manager, everyone admin)."""

    def __init__(self, base_url: str, processes: Processes) -> None:
        import httpx

        self.base_url, self.processes = base_url, processes
        self.client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(60, connect=10))

    def wait_up(self, timeout: float) -> None:
        """Until the api-server reports its database, scheduler and dag-processor healthy, then log in."""

        def healthy() -> bool | None:
            response = self.client.get("/api/v2/monitor/health")
            if response.status_code != 200:
                return None
            health = response.json()
            parts = ("metadatabase", "scheduler", "dag_processor")
            return True if all((health.get(p) or {}).get("status") == "healthy" for p in parts) else None

        self.processes.poll(timeout, f"api-server healthy at {self.base_url}", healthy)
        token = self.client.get("/auth/token").json()["access_token"]
        self.client.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: Any) -> Any:
        response = self.client.get(f"/api/v2{path}", params=params)
        response.raise_for_status()
        return response.json()

    def wait_for_dag(self, dag_id: str, timeout: float) -> dict[str, Any]:
        def parsed() -> dict[str, Any] | None:
            response = self.client.get(f"/api/v2/dags/{dag_id}")
            # The ingest DAG is ready once its next scheduled run is known; the transform has no such run.
            if response.status_code == 200 and (
                dag_id == "disclosure_transform" or response.json().get("next_dagrun_logical_date") is not None
            ):
                return response.json()
            return None

        return self.processes.poll(timeout, f"{dag_id} parsed by the dag-processor", parsed)

    def unpause(self, dag_id: str) -> None:
        self.client.patch(f"/api/v2/dags/{dag_id}", json={"is_paused": False}).raise_for_status()

    def trigger(self, dag_id: str, run_id: str, logical_date: str | None = None) -> None:
        response = self.client.post(
            f"/api/v2/dags/{dag_id}/dagRuns", json={"dag_run_id": run_id, "logical_date": logical_date}
        )
        assert response.status_code in (200, 201), response.text

    def run_ids(self, dag_id: str) -> set[str]:
        return {run["dag_run_id"] for run in self.get(f"/dags/{dag_id}/dagRuns", limit=100)["dag_runs"]}

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """`task_id[map_index]` -> state of a run's task instances."""
        instances = self.get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=1000)["task_instances"]
        return {f"{t['task_id']}[{t['map_index']}]": t["state"] for t in instances}

    def wait_for_run(
        self, dag_id: str, timeout: float, run_id: str | None = None, known: frozenset[str] = frozenset()
    ) -> dict[str, Any]:
        """The run `run_id` (or else the newest run not in `known`) once finished; fail on a failed run."""

        def finished() -> dict[str, Any] | None:
            if run_id:
                runs = [self.get(f"/dags/{dag_id}/dagRuns/{run_id}")]
            else:
                runs = self.get(f"/dags/{dag_id}/dagRuns", order_by="-run_after")["dag_runs"]
                runs = [run for run in runs if run["dag_run_id"] not in known]
            if not runs or runs[0]["state"] not in ("success", "failed"):
                return None
            if runs[0]["state"] == "failed":
                states = self.task_states(dag_id, runs[0]["dag_run_id"])
                raise AssertionError(f"{dag_id} run {runs[0]['dag_run_id']} failed: {states}")
            return runs[0]

        return self.processes.poll(timeout, f"{dag_id} run finished", finished)


# ---------------------------------------------------------------- the environment


def compose_worker_settings() -> dict[str, str]:
    """docker-compose.yml's [workers] settings (the task processes' Execution API client): one source."""
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    common = compose["x-airflow-common"]["environment"]
    return {k: str(v) for k, v in common.items() if k.startswith("AIRFLOW__WORKERS__")}


def airflow_env(
    home: Path,
    metadata_dsn: str,
    broker_url: str,
    port: int,
    warehouse_dsn: str,
    bi_role: str,
    s3_endpoint: str,
    input_dir: Path,
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
            "AIRFLOW__CELERY__BROKER_URL": broker_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + metadata_dsn,
            "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": str(port),
            "AIRFLOW__API__WORKERS": "1",
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(32),
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),  # off 8793, another install's
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
            "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
            "SCARF_ANALYTICS": "false",
            "DO_NOT_TRACK": "1",
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "GX_ANALYTICS_ENABLED": "False",
            "DISCLOSURE_HOME": str(home / "var"),
            "DISCLOSURE_INPUT_DIR": str(input_dir),
            "DISCLOSURE_WAREHOUSE": "postgres",
            "DISCLOSURE_POSTGRES_DSN": warehouse_dsn,
            "DISCLOSURE_BI_ROLE": bi_role,
            "DISCLOSURE_BI_PASSWORD": secrets.token_hex(8),
            # shared storage, as MinIO in docker-compose.yml
            "DISCLOSURE_LANDING_URL": "s3://disclosure/landing",
            "DISCLOSURE_PARSED_DIR": "s3://disclosure/parsed",
            "DISCLOSURE_S3_ENDPOINT_URL": s3_endpoint,
            # host politeness in Redis, as compose (there on db 1; here the run's own db, its keys prefixed)
            "DISCLOSURE_HOST_LOCKS": broker_url,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": "us-east-1",
            "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
            "PATH": os.pathsep.join((str(VENV_BIN), os.environ.get("PATH", ""))),
        }
        | compose_worker_settings()
    )
    return env


# ---------------------------------------------------------------- the whole server


@dataclass
class Server:
    """A running server mode: its REST API, processes, databases, and timings since it was asked for."""

    api: Api
    processes: Processes
    metadata_dsn: str
    warehouse_dsn: str
    bi_role: str
    dags: dict[str, dict[str, Any]]  # the DAGs as the REST API showed them once parsed
    started: float
    timings: dict[str, float] = field(default_factory=dict)

    def mark(self, what: str) -> None:
        self.timings[what] = time.monotonic() - self.started


@contextlib.contextmanager
def celery_server(
    work: Path,
    *,
    input_dir: Path = SAMPLES,
    workers: int = 1,
    concurrency: int = 4,
    settings: dict[str, str] | None = None,
) -> Iterator[Server]:
    """Everything up and healthy, `workers` Celery workers of `concurrency` slots each answering; stopped after.

    `settings` add to the environment of every component (DISCLOSURE_* knobs).
    On an error inside, the components' logs and the last task logs are printed.
    """
    import httpx
    from moto.server import ThreadedMotoServer

    started = time.monotonic()
    timings: dict[str, float] = {}
    with contextlib.ExitStack() as stack:
        stack.callback(_print_timings, timings, started)
        bi_role = f"disclosure_bi_{uuid.uuid4().hex[:8]}"
        stack.callback(drop_role, bi_role)  # after its database (callbacks run last first): grants depend on it
        redis_db = free_redis_db()
        stack.callback(flush_redis_db, redis_db)
        s3 = ThreadedMotoServer(ip_address="127.0.0.1", port=free_port(), verbose=False)
        s3.start()
        stack.callback(s3.stop)
        host, s3_port = s3.get_host_and_port()
        # moto keeps its buckets per process, not per server: a second server in one process starts empty
        httpx.post(f"http://{host}:{s3_port}/moto-api/reset", timeout=30).raise_for_status()
        metadata_dsn = stack.enter_context(fresh_database("disclosure_af"))
        warehouse_dsn = stack.enter_context(fresh_database("disclosure_wh"))
        port = free_port()
        broker_url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}"
        env = airflow_env(
            work, metadata_dsn, broker_url, port, warehouse_dsn, bi_role, f"http://{host}:{s3_port}", input_dir
        )
        processes = Processes(env | (settings or {}), work / "logs")
        stack.enter_context(_stopped_with_diagnostics(processes, work / "airflow"))
        processes.run("db-migrate", [AIRFLOW, "db", "migrate"], timeout=240)
        processes.run("pool", [AIRFLOW, "pools", "set", "warehouse", "1", "one writer at a time"])
        processes.run("storage", [sys.executable, "-m", "extractors", "init-storage"])  # as airflow-init
        timings["migrate"] = time.monotonic() - started
        for component in ("api-server", "scheduler", "dag-processor"):
            processes.start(component, [AIRFLOW, component])
        _start_workers(processes, workers, concurrency)
        api = Api(f"http://127.0.0.1:{port}", processes)
        api.wait_up(timeout=240)
        answering = functools.partial(celery_workers_answering, broker_url, workers)
        processes.poll(240, f"{workers} Celery worker(s) answering", answering)
        dags = {dag_id: api.wait_for_dag(dag_id, timeout=240) for dag_id in DAG_IDS}
        timings["services up"] = time.monotonic() - started
        yield Server(api, processes, metadata_dsn, warehouse_dsn, bi_role, dags, started, timings)


def _start_workers(processes: Processes, workers: int, concurrency: int) -> None:
    """Celery workers with names of their own, each serving its task logs on a port of its own."""
    for number in range(1, workers + 1):
        processes.start(
            f"celery-worker-{number}",
            [
                AIRFLOW,
                "celery",
                "worker",
                "--concurrency",
                str(concurrency),
                "--celery-hostname",
                f"worker{number}@%h",
                "--without-gossip",
                "--without-mingle",
            ],
            env={"AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port())},
        )


@contextlib.contextmanager
def _stopped_with_diagnostics(processes: Processes, airflow_home: Path) -> Iterator[None]:
    ok = False
    try:
        yield
        ok = True
    finally:
        try:
            diagnostics = "" if ok else processes.diagnostics(airflow_home)
        finally:
            processes.stop()
        if not ok:
            print(diagnostics)


def _print_timings(timings: dict[str, float], started: float) -> None:
    timings["total"] = time.monotonic() - started
    print("server mode timings (s since start): " + json.dumps({k: round(v, 1) for k, v in timings.items()}))
