"""`disclosure ui`: the Airflow UI on the embedded default, over the same database as `disclosure run`.

It starts Airflow's api-server (UI, REST API v2, Execution API) on
127.0.0.1, the scheduler, the dag-processor and the triggerer, all with the environment of
`disclosure run` (`pipeline.embedded.airflow_env`: the SQLite metadata
database under `$DISCLOSURE_HOME/airflow`, the DuckDB warehouse, the repo's
`dags/` and `plugins/`). The runs `disclosure run` made are therefore listed
there, with their mapped task instances and task logs; the quality view of
`plugins/disclosure_quality.py` is in the navigation ("Disclosure quality").

Login: Airflow's simple auth manager. Its users come from
`[core] simple_auth_manager_users` (`admin:admin` by default: user `admin`,
role admin); the api-server generates their passwords on its first start into
`$DISCLOSURE_HOME/airflow/simple_auth_manager_passwords.json.generated`, and
this command prints the file and the passwords.

Each Airflow process runs in its own process group; Ctrl-C (or SIGTERM)
stops all of them (SIGTERM, then SIGKILL after a grace period). Their output
goes to `$DISCLOSURE_HOME/logs/ui-<time>/<process>.log`.

No Airflow import at module level: this is plain Python that runs the
`airflow` command.
"""

from __future__ import annotations

import configparser
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from pipeline.embedded import _prepare_airflow, _Runner, _say, airflow_command, airflow_env, airflow_home
from pipeline.settings import Settings

DEFAULT_PORT = 8080
HOST = "127.0.0.1"
# The triggerer too, although no task of ours defers: without it the home page shows a red Triggerer badge.
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
QUALITY_VIEW_PATH = "/disclosure/quality"
READY_TIMEOUT_SECONDS = 180.0
STOP_GRACE_SECONDS = 20.0
DEFAULT_USERS = "admin:admin"


def ui_env(settings: Settings, port: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """`disclosure run`'s environment plus what the long-running components need to find each other."""
    env = airflow_env(settings, base)
    env.update(
        {
            # Task processes (LocalExecutor) report to the Execution API of this api-server.
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://{HOST}:{port}/execution/",
            "AIRFLOW__API__HOST": HOST,
            "AIRFLOW__API__PORT": str(port),
            # The links in failure alerts and task log URLs: this UI, not Airflow's default :8080.
            "AIRFLOW__API__BASE_URL": f"http://{HOST}:{port}/",
        }
    )
    return env


def passwords_file(settings: Settings, env: dict[str, str] | None = None) -> Path:
    """The simple auth manager's generated passwords (JSON user -> password)."""
    configured = (env or os.environ).get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE", "")
    if configured:
        return Path(configured)
    return airflow_home(settings) / "simple_auth_manager_passwords.json.generated"


def configured_users(settings: Settings, env: dict[str, str] | None = None) -> list[str]:
    """User names of `[core] simple_auth_manager_users` (environment, then airflow.cfg, then the default)."""
    value = (env or os.environ).get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS")
    if value is None:
        cfg = configparser.RawConfigParser(strict=False)
        try:
            cfg.read(airflow_home(settings) / "airflow.cfg", encoding="utf-8")
            value = cfg.get("core", "simple_auth_manager_users", fallback=DEFAULT_USERS)
        except configparser.Error:
            value = DEFAULT_USERS
    return [u.split(":")[0].strip() for u in value.split(",") if u.strip()]


def read_passwords(path: Path) -> dict[str, str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def port_is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def healthy(base_url: str, timeout: float = 2.0) -> bool:
    """The api-server answers its (unauthenticated) health endpoint."""
    try:
        with urllib.request.urlopen(f"{base_url}/api/v2/monitor/health", timeout=timeout) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError, ValueError):
        return False


@dataclass
class UiServer:
    """The running Airflow components of `disclosure ui`."""

    settings: Settings
    port: int
    log_dir: Path
    processes: dict[str, subprocess.Popen] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self, env: dict[str, str]) -> None:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        airflow = airflow_command()
        for name in COMPONENTS:
            args = [*airflow, name]
            if name == "api-server":
                args += ["--host", HOST, "--port", str(self.port)]
            with (self.log_dir / f"{name}.log").open("ab") as log:
                # Own process group: stopping it stops the component's workers and task processes too.
                self.processes[name] = subprocess.Popen(
                    args,
                    env=env,
                    cwd=self.settings.home,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    process_group=0,
                )

    def exited(self) -> dict[str, int]:
        return {n: p.returncode for n, p in self.processes.items() if p.poll() is not None}

    def wait_ready(self, timeout: float = READY_TIMEOUT_SECONDS) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.exited():
                return False
            if healthy(self.url) and passwords_file(self.settings).is_file():
                return True
            time.sleep(0.5)
        return False

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """SIGTERM every component's process group, then SIGKILL what is left after `grace` seconds."""
        for process in self.processes.values():
            _signal_group(process, signal.SIGTERM)
        deadline = time.monotonic() + grace
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            _signal_group(process, signal.SIGKILL)  # also workers left behind by a component that exited
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, sig)


def login_text(settings: Settings, url: str) -> str:
    pw_file = passwords_file(settings)
    passwords = read_passwords(pw_file)
    users = configured_users(settings) or list(passwords)
    lines = [
        "",
        f"Airflow UI        {url}/",
        f"quality view      {url}{QUALITY_VIEW_PATH}  (also in the navigation: Disclosure quality)",
        f"REST API v2       {url}/api/v2  (token: POST {url}/auth/token; see the README)",
        f"passwords file    {pw_file}",
    ]
    for user in users:
        lines.append(f"login             user {user!r}, password {passwords.get(user, '(not generated yet)')!r}")
    return "\n".join(lines)


def serve(settings: Settings, port: int = DEFAULT_PORT, out: TextIO | None = None) -> int:
    """Start the UI; block until Ctrl-C, SIGTERM or a component exits; stop everything."""
    out = out or sys.stdout
    if settings.warehouse.is_postgres:
        _say(
            out,
            "disclosure ui: the embedded default only (DISCLOSURE_WAREHOUSE=duckdb); "
            "server mode runs the UI in docker-compose",
        )
        return 2
    if not port_is_free(port):
        _say(out, f"disclosure ui: port {port} on {HOST} is in use (choose another with --port)")
        return 2
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    log_dir = settings.home / "logs" / f"ui-{stamp}"
    log_dir.mkdir(parents=True, exist_ok=True)
    env = ui_env(settings, port)
    _say(out, f"disclosure ui: home {settings.home}")
    # Migrate (first use) before the processes start at once: they share airflow.cfg and the DB.
    runner = _Runner(env=env, cwd=settings.home, log_path=log_dir / "setup.log", out=out)
    if not _prepare_airflow(settings, runner):
        _say(out, f"disclosure ui: Airflow setup failed, see {log_dir / 'setup.log'}")
        return 1

    server = UiServer(settings, port, log_dir)
    stopping = False

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Both, explicitly: a shell starting this in the background leaves SIGINT ignored.
    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start(env)
        for name, process in server.processes.items():
            _say(out, f"  started {name} (pid {process.pid}), output {log_dir / (name + '.log')}")
        _say(out, "  waiting for the api-server ...")
        if not server.wait_ready():
            _say(out, f"disclosure ui: not ready ({server.exited() or 'timeout'}); see the logs in {log_dir}")
            return 1
        _say(out, login_text(settings, server.url))
        _say(
            out,
            "\nDAGs are paused when first seen: unpause one in the UI to let the scheduler run it. "
            "Ctrl-C stops everything.",
        )
        while not (gone := server.exited()):
            time.sleep(1)
        _say(out, f"disclosure ui: {', '.join(f'{n} exited ({c})' for n, c in gone.items())}; see {log_dir}")
        return 1
    except KeyboardInterrupt:
        stopping = True
        return 0
    finally:
        if stopping:
            _say(out, "\ndisclosure ui: stopping ...")
        for sig in previous:  # a second Ctrl-C must not cut the shutdown short
            signal.signal(sig, signal.SIG_IGN)
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _say(out, "disclosure ui: stopped")
