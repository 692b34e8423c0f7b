"""Every DAG file imports cleanly, fast, without heavy modules, and follows the house rules.

After mattermost-data-warehouse's `airflow/tests/test_dag_integrity.py`: the
DAG processor imports these files over and over, so an import error, a cycle
or a slow import is a production incident, not a style issue.
"""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import REPO_ROOT

DAGS = REPO_ROOT / "dags"
DAG_FILES = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
ALL_PY_FILES = sorted(DAGS.glob("*.py"))
EXPECTED_DAGS = {"disclosure_ingest", "disclosure_transform"}
HEAVY_MODULES = ("pandas", "great_expectations", "dbt", "duckdb", "pdfplumber", "extractors", "expectations")
WAREHOUSE_TASKS = {
    "disclosure_ingest": {"load"},
    "disclosure_transform": {"dbt_build_staging", "identity_checks", "dbt_build_marts", "dbt_docs", "publish", "alert"},
}
RAW_ASSET_URI = "disclosure://warehouse/raw"

# Imports one file in a fresh interpreter the way the DAG processor does: Airflow is
# already loaded there, so the file's own cost is what is timed; the whole wall time
# of the process is reported too.
_IMPORT_PROBE = r"""
import importlib.util, json, sys, time
started = time.perf_counter()
path, heavy = sys.argv[1], sys.argv[2].split(",")
sys.path.insert(0, str(__import__("pathlib").Path(path).parent))
import airflow.sdk  # noqa: F401
before = {m for m in heavy if m in sys.modules}
airflow_loaded = time.perf_counter()
spec = importlib.util.spec_from_file_location("dag_under_test", path)
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
done = time.perf_counter()
print(json.dumps({
    "file_seconds": done - airflow_loaded,
    "airflow_seconds": airflow_loaded - started,
    "heavy": sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy} - before),
}))
"""


@pytest.fixture(scope="module")
def dagbag(airflow_home: Path):
    from airflow.dag_processing.dagbag import BundleDagBag

    return BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")


def test_no_import_errors(dagbag) -> None:
    assert dagbag.import_errors == {}, "\n".join(f"{f}: {e}" for f, e in dagbag.import_errors.items())


def test_expected_dags(dagbag) -> None:
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_one_dag_per_file(dagbag, path: Path) -> None:
    dags = [d for d in dagbag.dags.values() if Path(d.fileloc).resolve() == path.resolve()]
    assert len(dags) == 1, f"{path.name} defines {[d.dag_id for d in dags]}"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_rules(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    dag.check_cycle()  # raises on a cycle
    assert dag.doc_md and dag.doc_md.strip(), "DAG needs doc_md"
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    assert dag.tags and "disclosure" in dag.tags
    args = dag.default_args
    assert args.get("retries", 0) >= 1
    assert args.get("retry_exponential_backoff", 0) > 1
    assert callable(args.get("on_failure_callback"))
    for task in dag.tasks:
        assert task.doc_md and task.doc_md.strip(), f"{dag_id}.{task.task_id} needs doc_md"
        assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
        assert task.on_failure_callback, f"{dag_id}.{task.task_id} has no failure callback"


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_warehouse_tasks_share_the_one_slot_pool(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    in_pool = {t.task_id for t in dag.tasks if t.pool == "warehouse"}
    assert in_pool == WAREHOUSE_TASKS[dag_id]
    assert all(t.pool_slots == 1 for t in dag.tasks)


def test_ingest_shape(dagbag) -> None:
    dag = dagbag.dags["disclosure_ingest"]
    fetch, parse, load = dag.get_task("fetch"), dag.get_task("parse"), dag.get_task("load")
    assert fetch.is_mapped and fetch.map_index_template  # one task per batch of sources, not per document
    assert parse.is_mapped and parse.map_index_template
    assert dag.get_task("plan_parse").trigger_rule == "all_done_min_one_success"  # a failed source ...
    assert load.trigger_rule == "all_done"  # ... or document does not block the others, nor nothing to parse
    assert not load.outlets  # the Asset is updated by `announce`, only when something new was loaded
    announce = dag.get_task("announce")
    assert [a.uri for a in announce.outlets] == [RAW_ASSET_URI]
    assert announce.upstream_task_ids == {"load"}
    assert dag.get_task("summarize").trigger_rule == "all_done"  # ... but is listed and fails the run
    assert dag.get_task("summarize").upstream_task_ids == {"discover", "fetch", "plan_parse", "parse", "load"}
    assert "expression='0 0 * * *'" in repr(dag.timetable)  # @daily


def test_transform_is_scheduled_on_the_raw_asset(dagbag) -> None:
    dag = dagbag.dags["disclosure_transform"]
    assert type(dag.timetable).__name__ == "AssetTriggeredTimetable"
    assert f"uri='{RAW_ASSET_URI}'" in repr(dag.timetable)
    order = ["dbt_build_staging", "identity_checks", "dbt_build_marts"]
    for upstream, downstream in itertools.pairwise(order):
        assert downstream in dag.get_task(upstream).downstream_task_ids
    assert dag.get_task("alert").upstream_task_ids == {"dbt_docs", "publish"}


@pytest.mark.parametrize("path", ALL_PY_FILES, ids=lambda p: p.name)
def test_dag_file_imports_no_heavy_module(path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-c", _IMPORT_PROBE, str(path), ",".join(HEAVY_MODULES)],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO_ROOT,
        env={**__import__("os").environ, "AIRFLOW__CORE__LOAD_EXAMPLES": "False"},
    )
    assert result.returncode == 0, result.stderr[-3000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    # What keeps parsing fast is checked here (no heavy module); how fast is bench/dag_parse.py's figure.
    assert probe["heavy"] == [], f"{path.name} imports {probe['heavy']} at module level"
    assert probe["file_seconds"] >= 0


# The tasks that talk to the network or parse: a hang outside our own limits must still end.
BOUNDED_TASKS = {"disclosure_ingest": {"fetch", "parse"}, "disclosure_transform": {"alert"}}


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_every_task_has_an_execution_timeout(dagbag, dag_id: str) -> None:
    dag = dagbag.dags[dag_id]
    default = dag.default_args["execution_timeout"]
    for task in dag.tasks:
        assert task.execution_timeout, f"{dag_id}.{task.task_id} has no execution_timeout"
        if task.task_id in BOUNDED_TASKS.get(dag_id, ()):
            assert task.execution_timeout < default, f"{dag_id}.{task.task_id}: no bound of its own"
