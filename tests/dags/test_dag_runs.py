"""The DAGs' wiring, run for real by Airflow (`dag.test()`, in process) over fake pipeline steps.

The steps themselves are tested in their own modules and end to end in
`test_e2e.py`; here they are replaced by fakes so that what is tested is the
orchestration: mapping, trigger rules, run ids, order, outcome of the run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from pipeline.settings import Settings
from tests.paths import REPO_ROOT

DAGS = REPO_ROOT / "dags"


@pytest.fixture(scope="module")
def airflow_db(airflow_home: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ, capture_output=True, timeout=300
    )
    return airflow_home


def _dag(dag_id: str):
    from airflow.dag_processing.dagbag import BundleDagBag

    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag.dags[dag_id]


def _states(dag_run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): str(ti.state) for ti in dag_run.get_task_instances()}


def _document(name: str, parsed: bool = False) -> dict:
    return {
        "document": name,
        "source": "site",
        "agency": None,
        "report_year": None,
        "url": f"file:///in/{name}",
        "source_url": None,
        "final_url": None,
        "fetch_status": "read",
        "error": None,
        "sha256": f"sha-{name}",
        "landing_path": f"/landing/{name}",
        "parsed_path": f"/parsed/{name}.json",
        "parsed": parsed,
    }


def _fake_fetch(monkeypatch, documents: list[dict]) -> None:
    import pipeline.discover
    import pipeline.fetch_step

    monkeypatch.setattr(pipeline.discover, "discover_sources", lambda settings, backfill: [{"name": "site"}])

    async def fetch_source(settings: Settings, source: dict, year: int | None = None, **_kwargs: object) -> dict:
        return {"source": source["name"], "documents": documents, "attempts": []}

    monkeypatch.setattr(pipeline.fetch_step, "fetch_source", fetch_source)


def test_a_document_that_cannot_be_parsed_fails_only_its_batch(airflow_db, tmp_settings: Settings, monkeypatch) -> None:
    import pipeline.parse_step
    import warehouse.load

    loaded: list[list[str]] = []
    result = {
        name: str(pipeline.parse_step.parsed_path(tmp_settings, f"sha-{name}"))
        for name in ("000_a.txt", "002_c.txt", "003_d.txt", "004_e.txt")
    }

    def parse_to_file(path: str, settings: Settings, source_url: str | None = None, name: str | None = None) -> dict:
        if "broken" in path:
            raise OSError(f"cannot read {path}")
        Path(result[name]).parent.mkdir(parents=True, exist_ok=True)
        Path(result[name]).write_text("{}", encoding="utf-8")
        return {
            "document": name,
            "sha256": f"sha-{name}",
            "status": "parsed",
            "parsed_path": result[name],
            "skipped": False,
        }

    def load_parsed(settings: Settings, parsed_paths: list[str], select=None, **_kwargs: object) -> dict:
        loaded.append(list(parsed_paths))
        return {
            "documents_loaded": len(parsed_paths),
            "documents_skipped": 0,
            "documents_not_selected": 0,
            "cells_loaded": 7,
        }

    # 003 was parsed by an earlier run that stopped before loading: loaded now, not parsed again.
    documents = [
        _document("000_a.txt"),
        _document("001_broken.txt"),
        _document("002_c.txt"),
        _document("003_d.txt", parsed=True),
        _document("004_e.txt"),
    ]
    for d in documents:
        d["parsed_path"] = result.get(d["document"], d["parsed_path"])
    _fake_fetch(monkeypatch, documents)
    monkeypatch.setattr(pipeline.parse_step, "parse_to_file", parse_to_file)
    monkeypatch.setattr(warehouse.load, "load_parsed", load_parsed)
    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH_SIZE", "2")

    dag = _dag("disclosure_ingest")
    dag.get_task("parse").retries = 0  # no 30 s retry wait in a test
    run = dag.test()

    states = _states(run)
    assert states[("parse", 0)] == "failed"  # 000 and 001: 001 cannot be read
    assert states[("parse", 1)] == "success"  # 002 and 004
    assert ("parse", 2) not in states  # 003 already parsed: in no batch
    assert states[("load", -1)] == states[("announce", -1)] == "success"  # new documents: the Asset is updated
    # 000 was parsed before its batch failed: its result on disk is loaded all the same.
    assert loaded == [[result["003_d.txt"], result["002_c.txt"], result["004_e.txt"], result["000_a.txt"]]]
    assert states[("summarize", -1)] == "failed"  # after the load, it lists the failure and fails the run
    assert str(run.state) == "failed"  # the failure is not hidden by the successful load
    names = {ti.map_index: ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "parse"}
    assert names == {0: "000_a.txt +1", 1: "002_c.txt +1"}
    assert {ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "fetch"} == {"site"}


def test_ingest_with_nothing_to_parse_still_loads_and_succeeds(airflow_db, tmp_settings: Settings, monkeypatch) -> None:
    from datetime import UTC, datetime

    import warehouse.load
    from warehouse.connection import connect, transaction

    with connect(tmp_settings.warehouse) as conn, transaction(conn):  # the marts were checked today
        conn.execute(
            "insert into raw.check_results values "
            "('rep', 'app.balance', 'total', 1, 1, 0, 'error', 'passed', null, 'r', ?, 'r', ?)",
            [datetime.now(UTC).replace(tzinfo=None)] * 2,
        )
    calls: list[list[str]] = []
    _fake_fetch(monkeypatch, [])
    monkeypatch.setattr(
        warehouse.load,
        "load_parsed",
        lambda settings, paths, select=None, **_kwargs: (
            calls.append(paths)
            or {"documents_loaded": 0, "documents_skipped": 0, "documents_not_selected": 0, "cells_loaded": 0}
        ),
    )
    run = _dag("disclosure_ingest").test()
    assert str(run.state) == "success"
    states = _states(run)
    assert states[("load", -1)] == states[("summarize", -1)] == "success"
    assert states[("announce", -1)] == "skipped"  # nothing new, checked today: no Asset event, no rebuild
    assert not any(task == "parse" and state == "success" for (task, _), state in states.items())
    assert calls == [[]]


def test_transform_runs_the_steps_in_order_with_the_run_id(airflow_db, tmp_settings: Settings, monkeypatch) -> None:
    import alerts.checks
    import expectations.run_checks
    import warehouse.publish
    import warehouse.transform

    calls: list[tuple] = []
    monkeypatch.setattr(warehouse.transform, "run_dbt", lambda dbt, args: calls.append(("dbt", tuple(args))))
    monkeypatch.setattr(
        warehouse.transform, "build_docs", lambda dbt: calls.append(("docs",)) or dbt.docs_dir / "index.html"
    )

    def run_identity_checks(settings: Settings, run_id: str):
        calls.append(("checks", run_id))
        return SimpleNamespace(passed=3, failed=1, not_evaluable=0, failures=[], data_docs_index=None)

    monkeypatch.setattr(expectations.run_checks, "run_identity_checks", run_identity_checks)
    monkeypatch.setattr(
        warehouse.publish, "publish_copy", lambda config: calls.append(("publish",)) or config.published_path
    )
    monkeypatch.setattr(
        alerts.checks, "send_failure_alerts", lambda settings, run_id: calls.append(("alert", run_id)) or []
    )

    run = _dag("disclosure_transform").test()
    assert str(run.state) == "success"
    # a new warehouse: built from scratch (no code recorded, warehouse/transform_code.py)
    assert calls[0] == (
        "dbt",
        ("build", "--no-write-json", "--full-refresh", "--select", "resource_type:seed", "staging", "intermediate"),
    )
    assert calls[1] == ("checks", run.run_id)
    assert calls[2] == (
        "dbt",
        ("build", "--no-write-json", "--full-refresh", "--select", "marts"),
    )  # the code is recorded after it
    assert set(calls[3:5]) == {("docs",), ("publish",)}
    assert calls[5] == ("alert", run.run_id)

    calls.clear()  # the same code, raw and date again: nothing to do, and each task says so
    assert str(_dag("disclosure_transform").test().state) == "success"
    assert [c for c in calls if c[0] in ("dbt", "checks")] == []

    calls.clear()  # `disclosure run --full-refresh`: the param rebuilds the incremental models
    run = _dag("disclosure_transform").test(run_conf={"full_refresh": True})
    assert str(run.state) == "success"
    assert calls[0] == (
        "dbt",
        ("build", "--no-write-json", "--full-refresh", "--select", "resource_type:seed", "staging", "intermediate"),
    )
    assert calls[2] == ("dbt", ("build", "--no-write-json", "--full-refresh", "--select", "marts"))


def test_the_marts_are_rebuilt_for_new_documents_or_once_a_day(tmp_settings: Settings) -> None:
    from datetime import UTC, date, datetime, timedelta

    from pipeline.ingest import checked_today, transform_reason
    from warehouse.connection import connect, transaction

    assert transform_reason({"documents_loaded": 2, "checked_today": True}) == "2 new document(s) loaded"
    assert transform_reason({"documents_loaded": 0, "checked_today": False}) == "the marts were not built yet today"
    assert transform_reason({"documents_loaded": 0, "checked_today": True}) is None
    assert not checked_today(tmp_settings)  # never checked
    yesterday = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=1)
    with connect(tmp_settings.warehouse) as conn, transaction(conn):
        conn.execute(
            "insert into raw.check_results values "
            "('rep', 'app.balance', 'total', 1, 1, 0, 'error', 'passed', null, 'r', ?, 'r', ?)",
            [yesterday] * 2,
        )
    assert not checked_today(tmp_settings)
    assert checked_today(tmp_settings, today=yesterday.date())
    assert not checked_today(tmp_settings, today=date.today() + timedelta(days=2))
