"""Run dbt on the warehouse: `run_dbt(settings, ["build", ...])` and `build_docs(settings)`.

dbt runs as a subprocess of the virtualenv's own `dbt` (next to
`sys.executable`), with the committed `dbt_project/profiles.yml` and the
target named by `settings.warehouse_target`. Everything dbt writes (compiled
SQL, manifest, logs) goes under `settings.home / "dbt"`, never into the repo
tree. No Airflow import: the DAGs, the CLI and the tests call these alike.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from extractors.settings import Settings

log = logging.getLogger(__name__)

TAIL_LINES = 40  # lines of dbt output quoted in the error of a failed run
STATIC_DOCS_NAME = "static_index.html"  # what `dbt docs generate --static` writes
DOCS_INDEX_NAME = "index.html"  # the same page under the name browsers and the summary expect


def dbt_executable() -> Path:
    """The `dbt` of the running virtualenv; PATH as a fallback."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return candidate
    found = shutil.which("dbt")
    if found is None:
        raise RuntimeError(f"dbt is not installed next to {sys.executable} nor on PATH")
    return Path(found)


def dbt_target_path(settings: Settings) -> Path:
    """Where dbt writes manifest.json, run_results.json and compiled SQL."""
    return settings.home / "dbt" / "target"


def dbt_log_path(settings: Settings) -> Path:
    return settings.home / "dbt" / "logs"


def dbt_env(settings: Settings) -> dict[str, str]:
    """The environment of a dbt run: the profile's variables and no tracking."""
    env = dict(os.environ)
    env.update(
        {
            "DISCLOSURE_WAREHOUSE_PATH": str(settings.warehouse_path),
            "DBT_PROJECT_DIR": str(settings.dbt_project_dir),
            "DBT_PROFILES_DIR": str(settings.dbt_project_dir),
            "DBT_TARGET": settings.warehouse_target,
            "DBT_TARGET_PATH": str(dbt_target_path(settings)),
            "DBT_LOG_PATH": str(dbt_log_path(settings)),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
            "DBT_USE_COLORS": "False",
        }
    )
    if settings.warehouse_target == "postgres":
        env.update(postgres_env(settings.postgres_dsn))
    return env


def postgres_env(dsn: str) -> dict[str, str]:
    """DISCLOSURE_POSTGRES_* variables of profiles.yml from a postgresql:// DSN."""
    parts = urlsplit(dsn)
    if parts.scheme not in {"postgresql", "postgres"}:
        raise ValueError(f"DISCLOSURE_POSTGRES_DSN must be a postgresql:// URL, not {dsn!r}")
    env = {
        "DISCLOSURE_POSTGRES_HOST": parts.hostname or "127.0.0.1",
        "DISCLOSURE_POSTGRES_PORT": str(parts.port or 5432),
        "DISCLOSURE_POSTGRES_USER": unquote(parts.username or "postgres"),
        "DISCLOSURE_POSTGRES_DB": unquote(parts.path.lstrip("/")) or "disclosure",
    }
    if parts.password:
        env["DISCLOSURE_POSTGRES_PASSWORD"] = unquote(parts.password)
    return env


def run_dbt(settings: Settings, args: Sequence[str]) -> None:
    """Run `dbt <args>` on the configured warehouse; raise RuntimeError when it fails.

    Every line dbt prints is logged at INFO; the error of a failed run quotes
    the last lines of the output (where dbt summarises what failed).
    """
    if not args:
        raise ValueError("run_dbt needs a dbt command, e.g. ['build']")
    if settings.warehouse_target == "duckdb":
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    for path in (dbt_target_path(settings), dbt_log_path(settings)):
        path.mkdir(parents=True, exist_ok=True)

    command = [str(dbt_executable()), *args]
    log.info("running %s (target %s)", " ".join(command), settings.warehouse_target)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        command,
        cwd=settings.dbt_project_dir,
        env=dbt_env(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        encoding="utf-8",
        errors="replace",
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            line = line.rstrip()
            tail.append(line)
            log.info("dbt: %s", line)
        returncode = process.wait()
    if returncode != 0:
        raise RuntimeError(
            f"dbt {' '.join(args)} failed with exit code {returncode} "
            f"(target {settings.warehouse_target}, logs in {dbt_log_path(settings)}); "
            "last lines:\n" + "\n".join(tail)
        )


def build_docs(settings: Settings) -> Path:
    """Generate the dbt docs as one self-contained HTML page in `settings.dbt_docs_dir`.

    The page is written as both `static_index.html` (dbt's name) and
    `index.html`; the path of `index.html` is returned.
    """
    run_dbt(settings, ["docs", "generate", "--static"])
    generated = dbt_target_path(settings) / STATIC_DOCS_NAME
    if not generated.exists():
        raise RuntimeError(f"dbt docs generate --static did not write {generated}")
    settings.dbt_docs_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(generated, settings.dbt_docs_dir / STATIC_DOCS_NAME)
    index = settings.dbt_docs_dir / DOCS_INDEX_NAME
    shutil.copyfile(generated, index)
    log.info("dbt docs: %s", index)
    return index
