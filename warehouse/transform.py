"""Run dbt on the warehouse: the transform's two builds as planned, `run_dbt(config, [...])`, `build_docs(config)`.

`plan_run` decides what a transform run does (warehouse.transform_plan);
`build_staging` and `build_marts` run the builds it asks for, and the marts
build records the state the run was planned on.

dbt runs as a subprocess of the virtualenv's own `dbt` (next to
`sys.executable`), with the committed `dbt_project/profiles.yml` and the
target named by `config.warehouse.target`. Everything dbt writes (compiled
SQL, manifest, logs) goes under `config.work_dir`, never into the repo
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
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from warehouse.config import WarehouseConfig
from warehouse.transform_code import held_state, project_fingerprint, record_state
from warehouse.transform_plan import (
    FULL,
    NOTHING,
    PUBLICATION_CHECKS,
    REPORT_CHECKS,
    TransformPlan,
    check_results_state,
    plan_transform,
)

log = logging.getLogger(__name__)

TAIL_LINES = 40  # lines of dbt output quoted in the error of a failed run
STATIC_DOCS_NAME = "static_index.html"  # what `dbt docs generate --static` writes
DOCS_INDEX_NAME = "index.html"  # the same page under the name browsers and the summary expect
# Two slips in dbt's static page make the browser fetch a template as a relative URL (a 404 and a
# console error each): the tree's SVG icons bound with a plain `xlink:href="{{ }}"`, fetched before
# Angular fills it in (`ng-attr-` sets it only once filled), and a favicon link its bundler never ran on.
STATIC_DOCS_FIXES = (
    ('<use xlink:href="{{ getIcon(', '<use ng-attr-xlink:href="{{ getIcon('),
    (
        '<link rel="shortcut icon" href="${require(\'./assets/favicons/favicon.ico\')}"/>',
        '<link rel="icon" href="data:,"/>',
    ),
)


def dbt_executable() -> Path:
    """The `dbt` of the running virtualenv; PATH as a fallback."""
    candidate = Path(sys.executable).parent / "dbt"
    if candidate.exists():
        return candidate
    found = shutil.which("dbt")
    if found is None:
        raise RuntimeError(f"dbt is not installed next to {sys.executable} nor on PATH")
    return Path(found)


@dataclass(frozen=True)
class DbtConfig:
    """The dbt project, where dbt may write, and the warehouse it builds."""

    warehouse: WarehouseConfig
    project_dir: Path  # dbt_project/ (also the profiles directory)
    work_dir: Path  # compiled SQL, manifest and logs: never inside the repo
    docs_dir: Path  # the published dbt docs page

    @property
    def target_path(self) -> Path:
        """Where dbt writes manifest.json, run_results.json and compiled SQL."""
        return self.work_dir / "target"

    @property
    def log_path(self) -> Path:
        return self.work_dir / "logs"


def dbt_env(config: DbtConfig) -> dict[str, str]:
    """The environment of a dbt run: the profile's variables and no tracking."""
    env = dict(os.environ)
    env.update(
        {
            "DISCLOSURE_WAREHOUSE_PATH": str(config.warehouse.duckdb_path),
            "DBT_PROJECT_DIR": str(config.project_dir),
            "DBT_PROFILES_DIR": str(config.project_dir),
            "DBT_TARGET": config.warehouse.target.value,
            "DBT_TARGET_PATH": str(config.target_path),
            "DBT_LOG_PATH": str(config.log_path),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
            "DO_NOT_TRACK": "1",
            "DBT_USE_COLORS": "False",
        }
    )
    if config.warehouse.is_postgres:
        env.update(postgres_env(config.warehouse.postgres_dsn))
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


# Seeds are included: the intermediate models join the code and shape seeds.
STAGING_SELECT = ("resource_type:seed", "staging", "intermediate")
MARTS_SELECT = ("marts",)
# No manifest.json / run_results.json: nothing reads them, and dbt writes the manifest twice per build
# (after parsing and at the end: about 4 of a no-op build's 17 s at load 10; partial_parse.msgpack is kept).
BUILD = ("build", "--no-write-json")
# The marts read the check results GX writes between the two builds: rebuilt below them when GX stored a
# result of a report since the last transform's marts were built; when it stored report.on_time results only
# (per expected agency-year, no report's), the marts of the check results alone (the others join reports).
MARTS_ROOTS = ("stg_check_results",)
PUBLICATION_CHECK_MARTS = ("fct_check_history", "fct_check_results")


def plan_run(config: DbtConfig, full_refresh: bool = False) -> TransformPlan:
    """The first task's decision (warehouse.transform_plan), on this project's code."""
    return plan_transform(config.warehouse, project_fingerprint(config.project_dir), full_refresh)


def build_staging(config: DbtConfig, plan: TransformPlan) -> list[str] | None:
    """The transform's first build (seeds, staging, intermediate) as the plan says; the dbt args, None if skipped.

    The plan's `marts` (scope `date` within one year: the marts of the date,
    which read no check result GX is about to store) are built here too:
    one dbt start-up fewer when GX then stores nothing.
    """
    return _build(config, plan, STAGING_SELECT, plan.roots, plan.marts, "staging")


def build_marts(config: DbtConfig, plan: TransformPlan) -> list[str] | None:
    """The transform's last build (marts); then records the plan's state: the transform succeeded.

    The marts over the check results are rebuilt as far as GX stored
    something since the last transform (`check_results_state` against the
    recorded one); the state recorded holds the check results' too.
    """
    if plan.scope == NOTHING:
        return _build(config, plan, MARTS_SELECT, (), (), "marts")  # logs why
    checked = check_results_state(config.warehouse)
    held = held_state(config.warehouse)
    held_inputs = held.raw_inputs if held else {}
    roots: tuple[str, ...] = () if plan.marts else plan.roots  # the plan's marts: built with the staging
    models: tuple[str, ...] = ()
    if held_inputs.get(REPORT_CHECKS) != checked[REPORT_CHECKS]:
        roots += MARTS_ROOTS
    elif held_inputs.get(PUBLICATION_CHECKS) != checked[PUBLICATION_CHECKS]:
        models = PUBLICATION_CHECK_MARTS
    idle = "GX stored no result since the last transform" + ("; the date's marts were built" if plan.marts else "")
    args = _build(config, plan, MARTS_SELECT, roots, models, "marts", idle)
    record_state(config.warehouse, replace(plan.state, raw_inputs=plan.state.raw_inputs | checked))
    return args


def build_args(
    plan: TransformPlan, select: Sequence[str], roots: Sequence[str], models: Sequence[str] = ()
) -> list[str] | None:
    """`dbt build` arguments of one build under `plan`; None when it has nothing to do.

    `full`: --full-refresh, unit tests included. Otherwise only the
    descendants of `roots` within `select` (dbt's `a+,b` intersection) and
    `models` themselves, and the code is the one the last successful
    transform built and unit-tested (its fingerprint is recorded only then):
    the unit tests are left out.
    """
    if plan.scope == NOTHING:
        return None
    if plan.scope == FULL:
        return [*BUILD, "--full-refresh", "--select", *select]
    narrowed = [f"{root}+,{part}" for root in roots for part in select]
    if not narrowed and not models:
        return None
    return [*BUILD, "--select", *narrowed, *models, "--exclude", "resource_type:unit_test"]


def _build(
    config: DbtConfig,
    plan: TransformPlan,
    select: Sequence[str],
    roots: Sequence[str],
    models: Sequence[str],
    name: str,
    idle: str = "",
) -> list[str] | None:
    args = build_args(plan, select, roots, models)
    if args is None:
        log.info(
            "dbt %s build: nothing to do (scope %s: %s%s)", name, plan.scope, plan.reason, f"; {idle}" * bool(idle)
        )
        return None
    log.info("dbt %s build, scope %s: %s", name, plan.scope, plan.reason)
    run_dbt(config, args)
    return args


def run_dbt(config: DbtConfig, args: Sequence[str]) -> None:
    """Run `dbt <args>` on the configured warehouse; raise RuntimeError when it fails.

    Every line dbt prints is logged at INFO; the error of a failed run quotes
    the last lines of the output (where dbt summarises what failed).
    """
    if not args:
        raise ValueError("run_dbt needs a dbt command, e.g. ['build']")
    if not config.warehouse.is_postgres:
        config.warehouse.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    for path in (config.target_path, config.log_path):
        path.mkdir(parents=True, exist_ok=True)

    command = [str(dbt_executable()), *args]
    log.info("running %s (target %s)", " ".join(command), config.warehouse.target)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    with subprocess.Popen(
        command,
        cwd=config.project_dir,
        env=dbt_env(config),
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
            f"(target {config.warehouse.target}, logs in {config.log_path}); "
            "last lines:\n" + "\n".join(tail)
        )


def build_docs(config: DbtConfig) -> Path:
    """Generate the dbt docs as one self-contained HTML page in `config.docs_dir`.

    The page is written as both `static_index.html` (dbt's name) and
    `index.html`, with `STATIC_DOCS_FIXES` applied; the path of `index.html`
    is returned.
    """
    run_dbt(config, ["docs", "generate", "--static"])
    generated = config.target_path / STATIC_DOCS_NAME
    if not generated.exists():
        raise RuntimeError(f"dbt docs generate --static did not write {generated}")
    page = generated.read_text(encoding="utf-8")
    for slip, fix in STATIC_DOCS_FIXES:
        page = page.replace(slip, fix)
    config.docs_dir.mkdir(parents=True, exist_ok=True)
    (config.docs_dir / STATIC_DOCS_NAME).write_text(page, encoding="utf-8")
    index = config.docs_dir / DOCS_INDEX_NAME
    index.write_text(page, encoding="utf-8")
    log.info("dbt docs: %s", index)
    return index
