"""Pipeline alerts through Airflow's notifier mechanism: a task that fails, a DAG run past its deadline."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.alerts.test_alerts import Receiver
from tests.paths import REPO_ROOT

DAGS = REPO_ROOT / "dags"

BROKEN_DAG = f"""
import sys
sys.path.insert(0, {str(DAGS)!r})  # _callbacks, as the DAG processor finds it beside the real DAGs
from datetime import UTC, datetime, timedelta

from _callbacks import DEFAULT_ARGS, long_run_alert
from airflow.sdk import dag, task


@dag(dag_id="disclosure_broken", schedule=None, start_date=datetime(2025, 1, 1, tzinfo=UTC),
     default_args={{**DEFAULT_ARGS, "retries": 0}}, doc_md="fails on purpose",
     **long_run_alert(timedelta(minutes=30)))  # as the real DAGs: its DAG failure callback sends nothing here
def disclosure_broken():
    @task(doc_md="fails for n == 1")
    def explode(n: int) -> int:
        if n == 1:
            raise RuntimeError("boom on purpose")
        return n

    explode.expand(n=[0, 1])


disclosure_broken()
"""


@pytest.fixture(scope="module")
def airflow_db(airflow_home: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], check=True, env=os.environ, capture_output=True, timeout=300
    )
    return airflow_home


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch):
    with Receiver() as receiver:
        monkeypatch.setenv("DISCLOSURE_ALERT_URLS", receiver.url)
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        yield receiver


def test_a_failing_task_sends_one_alert(airflow_db, receiver, tmp_path: Path, monkeypatch) -> None:
    from airflow.dag_processing.dagbag import BundleDagBag

    # dag.test() syncs the DAG from a configured bundle: the test DAG's own folder, for this test.
    monkeypatch.setenv(
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST",
        json.dumps(
            [
                {
                    "name": "broken",
                    "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                    "kwargs": {"path": str(tmp_path), "refresh_interval": 0},
                }
            ]
        ),
    )
    (tmp_path / "disclosure_broken.py").write_text(BROKEN_DAG, encoding="utf-8")
    bag = BundleDagBag(dag_folder=tmp_path, bundle_path=tmp_path, bundle_name="broken")
    assert not bag.import_errors, bag.import_errors
    run = bag.dags["disclosure_broken"].test()

    assert str(run.state) == "failed"
    assert len(receiver.posts) == 1  # the failed map index only; the other succeeded
    path, post = receiver.posts[0]
    assert path == "/alerts"  # the same route as the check alerts
    assert post["title"] == "[disclosure] task failed: disclosure_broken.explode[1]"
    body = post["message"]
    for text in (
        "DAG:          disclosure_broken",
        "Task:         explode",
        "Map index:    1",
        f"Run:          {run.run_id}",
        "Try:          1 of 1",
        "RuntimeError: boom on purpose",
        "/dags/disclosure_broken/runs/",
        "/tasks/explode/mapped/1",
        "dag_id=disclosure_broken/run_id=",
        "task_id=explode/map_index=1/attempt=1.log",
    ):
        assert text in body, text


def test_the_failure_notifier_never_hides_the_failure(monkeypatch, caplog) -> None:
    """A broken alert route is logged; the callback itself does not raise."""
    sys.path.insert(0, str(DAGS))
    from _callbacks import TaskFailureNotifier

    monkeypatch.setenv("DISCLOSURE_ALERT_URLS", "nosuchscheme://nowhere")
    with caplog.at_level(logging.ERROR, logger="disclosure.dags"):
        TaskFailureNotifier().notify({"run_id": "r1", "exception": ValueError("x")})
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("task failed: dag=? task=?") for m in messages)
    assert any("could not send the task-failure alert" in m for m in messages)


def test_overdue_run_alert_through_the_executor_callback_path(airflow_home, receiver) -> None:
    """What the executor runs when the deadline passes: the SyncCallback's class, built with kwargs + context."""
    import structlog
    from airflow.sdk.execution_time.callback_supervisor import execute_callback

    sys.path.insert(0, str(DAGS))
    context = {
        "dag_run": {
            "dag_id": "disclosure_transform",
            "dag_run_id": "asset_triggered__2025-02-01T00:00:00+00:00",
            "state": "running",
            "queued_at": "2025-02-01T00:00:01Z",
            "start_date": "2025-02-01T00:00:02Z",
        },
        "deadline": {"id": "d1", "deadline_time": "2025-02-01T00:31:00Z"},
    }
    ok, error = execute_callback(
        "_callbacks.RunOverdueNotifier",
        {"rule": "avg + 30 min", "context": context},
        dag_rel_path="disclosure_transform.py",
        bundle_path=str(DAGS),
        log=structlog.get_logger(),
    )
    assert ok, error
    assert len(receiver.posts) == 1
    post = receiver.posts[0][1]
    run_id = "asset_triggered__2025-02-01T00:00:00+00:00"
    assert post["title"] == f"[disclosure] DAG run overdue: disclosure_transform {run_id}"
    for text in (
        "Deadline:     2025-02-01T00:31:00Z",
        "Rule:         avg + 30 min",
        "State:        running",
        "/dags/disclosure_transform/runs/asset_triggered__2025-02-01T00%3A00%3A00%2B00%3A00",
    ):
        assert text in post["message"], text


def _parse_dags(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> dict:
    from airflow.dag_processing.dagbag import BundleDagBag

    monkeypatch.setattr(sys, "argv", argv)
    bag = BundleDagBag(dag_folder=DAGS, bundle_path=DAGS, bundle_name="dags-folder")
    assert not bag.import_errors, bag.import_errors
    return bag.dags


def test_the_dag_processor_gets_a_deadline_alert(airflow_home, monkeypatch) -> None:
    """What the scheduler watches: the DAG as `airflow dag-processor` parses and serializes it."""
    from airflow.serialization.serialized_objects import DagSerialization

    dag = _parse_dags(monkeypatch, ["airflow", "dag-processor"])["disclosure_transform"]
    (deadline,) = dag.deadline
    assert type(deadline.reference).__name__ == "AverageRuntimeDeadline"
    assert deadline.reference.max_runs == 10 and deadline.reference.min_runs == 3
    assert deadline.interval.total_seconds() == 30 * 60
    assert deadline.callback.path == "_callbacks.RunOverdueNotifier"
    assert not dag.on_success_callback  # one alert per slow run: the deadline's
    assert DagSerialization.serialize_dag(dag)["deadline"]  # the scheduler can store it


def test_dags_test_gets_the_end_of_run_check(airflow_home, monkeypatch) -> None:
    """`airflow dags test` (`disclosure run`): no deadline (Airflow 3.3.2 crashes on it), the duration check."""
    dag = _parse_dags(monkeypatch, ["airflow", "dags", "test", "disclosure_transform"])["disclosure_transform"]
    assert not dag.deadline
    on_success, on_failure = dag.on_success_callback, dag.on_failure_callback
    assert on_success is on_failure and type(on_success).__name__ == "RunDurationCheck"
    assert on_success.interval.total_seconds() == 30 * 60


SLOW_DAG = f"""
import os, sys, time
sys.path.insert(0, {str(DAGS)!r})
from datetime import UTC, datetime, timedelta

from _callbacks import DEFAULT_ARGS, long_run_alert
from airflow.sdk import dag, task


@dag(dag_id="disclosure_slow", schedule=None, start_date=datetime(2025, 1, 1, tzinfo=UTC),
     default_args={{**DEFAULT_ARGS, "retries": 0}}, doc_md="slow on demand",
     **long_run_alert(timedelta(seconds={{interval}})))
def disclosure_slow():
    @task
    def work() -> None:
        time.sleep(float(os.environ.get("SLOW_SECONDS", "0")))

    work()


disclosure_slow()
"""


def test_a_run_far_longer_than_usual_sends_one_alert(airflow_db, receiver, tmp_path: Path, monkeypatch) -> None:
    """Usual runs (in process) are silent; one slowed by 15 s (`airflow dags test`), past mean + 5 s, alerts once."""
    from airflow.dag_processing.dagbag import BundleDagBag
    from airflow.models.dagrun import DagRun

    monkeypatch.setenv(
        "AIRFLOW__DAG_PROCESSOR__DAG_BUNDLE_CONFIG_LIST",
        json.dumps(
            [
                {
                    "name": "slow",
                    "classpath": "airflow.dag_processing.bundles.local.LocalDagBundle",
                    "kwargs": {"path": str(tmp_path), "refresh_interval": 0},
                }
            ]
        ),
    )
    (tmp_path / "disclosure_slow.py").write_text(SLOW_DAG.replace("{interval}", "5"), encoding="utf-8")
    bag = BundleDagBag(dag_folder=tmp_path, bundle_path=tmp_path, bundle_name="slow")
    assert not bag.import_errors, bag.import_errors
    for _ in range(4):  # three make the usual duration; the fourth is checked against it
        assert str(bag.dags["disclosure_slow"].test().state) == "success"
    assert receiver.posts == []  # a usual run is no alert

    env = {**os.environ, "AIRFLOW__CORE__DAGS_FOLDER": str(tmp_path), "SLOW_SECONDS": "15"}
    done = subprocess.run(
        [sys.executable, "-m", "airflow", "dags", "test", "disclosure_slow"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]  # and no deadline crash at the end
    (slow,) = [
        r
        for r in DagRun.find(dag_id="disclosure_slow")
        if r.run_type == "manual" and (r.end_date - r.start_date).total_seconds() > 15
    ]
    assert len(receiver.posts) == 1
    path, post = receiver.posts[0]
    assert path == "/alerts"
    assert post["title"] == f"[disclosure] DAG run overdue: disclosure_slow {slow.run_id}"
    for text in (
        "State:        success",
        "Rule:         still running 5 s after the average duration of the last 10 successful runs (from 3 runs on)",
        "The run has ended, late",
        f"/dags/disclosure_slow/runs/{slow.run_id.replace(':', '%3A').replace('+', '%2B')}",
    ):
        assert text in post["message"], text
