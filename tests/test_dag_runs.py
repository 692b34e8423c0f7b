"""The DAGs' wiring, run for real by Airflow (`dag.test()`, in process) over fake pipeline steps.

The steps themselves are tested in their own modules and end to end in
`test_e2e.py`; here they are replaced by fakes so that what is tested is the
orchestration: mapping, trigger rules, run ids, order, outcome of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import types
from pathlib import Path
from types import SimpleNamespace

import pytest

from extractors.settings import Settings

DAGS = Path(__file__).resolve().parent.parent / "dags"


@pytest.fixture(scope="module")
def airflow_db(airflow_home: Path) -> Path:
    subprocess.run([sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ,
                   capture_output=True, timeout=300)
    return airflow_home


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): str(ti.state) for ti in dag_run.get_task_instances()}


def test_a_failed_document_fails_only_its_own_task(airflow_db, tmp_settings: Settings, monkeypatch) -> None:
    import extractors.discover
    import extractors.load
    import extractors.parse_task

    documents = ["/in/000_a.txt", "/in/001_broken.txt", "/in/002_c.txt"]
    loaded: list[list[str]] = []

    def parse_to_file(path: str, settings: Settings) -> dict:
        if "broken" in path:
            raise OSError(f"cannot read {path}")
        name = Path(path).name
        return {"document": name, "sha256": name, "status": "parsed", "parsed_path": f"/parsed/{name}.json",
                "skipped": False}

    def load_parsed(settings: Settings, parsed_paths: list[str]) -> dict:
        loaded.append(list(parsed_paths))
        return {"documents_loaded": len(parsed_paths), "documents_skipped": 0, "cells_loaded": 7}

    monkeypatch.setattr(extractors.discover, "discover_documents", lambda settings: documents)
    monkeypatch.setattr(extractors.parse_task, "parse_to_file", parse_to_file)
    monkeypatch.setattr(extractors.load, "load_parsed", load_parsed)

    dag = _dag("disclosure_ingest")
    dag.get_task("parse").retries = 0  # no 30 s retry wait in a test
    run = dag.test()

    states = _states(run)
    assert states[("parse", 1)] == "failed"
    assert states[("parse", 0)] == states[("parse", 2)] == "success"
    assert states[("load", -1)] == "success"
    assert loaded == [["/parsed/000_a.txt.json", "/parsed/002_c.txt.json"]]
    assert states[("summarize", -1)] == "upstream_failed"
    assert str(run.state) == "failed"  # the failure is not hidden by the successful load
    names = {ti.map_index: ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "parse"}
    assert names[0] == "000_a.txt" and names[2] == "002_c.txt"


def test_ingest_with_no_documents_loads_nothing(airflow_db, tmp_settings: Settings, monkeypatch) -> None:
    import extractors.discover
    import extractors.load

    monkeypatch.setattr(extractors.discover, "discover_documents", lambda settings: [])
    monkeypatch.setattr(extractors.load, "load_parsed", lambda *a: pytest.fail("nothing to load"))
    run = _dag("disclosure_ingest").test()
    assert str(run.state) == "success"
    assert _states(run)[("load", -1)] == "skipped"


def test_transform_runs_the_steps_in_order_with_the_run_id(airflow_db, tmp_settings: Settings,
                                                          monkeypatch) -> None:
    import expectations.alerts
    import expectations.run_checks
    import extractors.publish

    calls: list[tuple] = []
    transform = types.ModuleType("extractors.transform")  # a fake until the dbt step lands
    transform.run_dbt = lambda settings, args: calls.append(("dbt", tuple(args)))
    transform.build_docs = lambda settings: calls.append(("docs",)) or settings.dbt_docs_dir / "index.html"
    monkeypatch.setitem(sys.modules, "extractors.transform", transform)

    def run_identity_checks(settings: Settings, run_id: str):
        calls.append(("checks", run_id))
        return SimpleNamespace(passed=3, failed=1, not_evaluable=0, failures=[], data_docs_index=None)

    monkeypatch.setattr(expectations.run_checks, "run_identity_checks", run_identity_checks)
    monkeypatch.setattr(extractors.publish, "publish_copy",
                        lambda settings: calls.append(("publish",)) or settings.published_path)
    monkeypatch.setattr(expectations.alerts, "send_failure_alerts",
                        lambda settings, run_id: calls.append(("alert", run_id)) or [])

    run = _dag("disclosure_transform").test()
    assert str(run.state) == "success"
    assert calls[0] == ("dbt", ("build", "--select", "resource_type:seed", "staging", "intermediate"))
    assert calls[1] == ("checks", run.run_id)
    assert calls[2] == ("dbt", ("build", "--select", "marts"))
    assert set(calls[3:5]) == {("docs",), ("publish",)}
    assert calls[5] == ("alert", run.run_id)
