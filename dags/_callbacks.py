"""Failure notifier, deadline alert and default task arguments shared by the disclosure DAGs.

Kept light on purpose: the DAG processor imports this with every DAG file, so
only the standard library and `airflow.sdk` are imported here; the message
text and the Apprise delivery (`alerts.pipeline_runs`) are imported
when a notifier fires.

* `TaskFailureNotifier` (every task's `on_failure_callback`, through
  `DEFAULT_ARGS`): logs the failure and sends one alert naming the DAG, task,
  map index, try and log location, through the same Apprise route as the
  check alerts (`DISCLOSURE_ALERT_URLS`). It fires once per task that failed
  for good, not on the tries that are retried.
* `long_run_alert(interval)`: the "run far longer than usual" alert, attached
  in one line, `@dag(..., **long_run_alert(timedelta(minutes=30)))`. The rule
  is the same everywhere: a run still going `interval` past the mean duration
  of the DAG's last 10 successful runs (none until 3 have succeeded) raises
  one alert. Who checks it depends on who runs the DAG:
  - a scheduler (server mode, `disclosure ui`): Airflow's deadline alert
    (`DeadlineReference.AVERAGE_RUNTIME` + `interval`); the scheduler queues
    `RunOverdueNotifier` on the executor (`SyncCallback`) while the run is
    still going. Attached when the file is parsed by `airflow dag-processor`
    (the serialized DAG the scheduler reads comes from there).
  - `airflow dags test` / `dag.test()` (`disclosure run`, tests): no scheduler
    watches deadlines there, and Airflow 3.3.2 crashes at the end of a
    successful `dag.test()` of a DAG that has one (apache/airflow#73428:
    `DagRun.update_state` looks the alerts up with encoded dicts instead of
    ids). So the DAG gets `RunDurationCheck` as its success and failure
    callback instead: when the run ends it compares the run's duration with
    the same mean, read from the metadata DB, and alerts once if it is over.
    Late (at the end, not at the deadline) but never silent.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from airflow.sdk import DeadlineAlert, DeadlineReference, SyncCallback
from airflow.sdk.bases.notifier import BaseNotifier

log = logging.getLogger("disclosure.dags")

AVERAGE_OF_RUNS = 10  # the deadline's reference: mean duration of the last runs ...
MIN_RUNS = 3  # ... once this many runs have finished


def task_failure_facts(context: Any) -> dict[str, Any]:
    """What the on-call needs from a task's failure context (tolerant: a field may be missing)."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    map_index = getattr(ti, "map_index", -1)
    try_number = getattr(ti, "try_number", None)
    try:
        log_url = ti.log_url if ti is not None else None
    except Exception:
        log_url = None
    exception = context.get("exception")
    return {
        "dag_id": dag_id,
        "task_id": getattr(ti, "task_id", "?"),
        "map_index": map_index,
        "rendered_map_index": getattr(ti, "rendered_map_index", None),
        "run_id": context.get("run_id") or getattr(ti, "run_id", "?"),
        "try_number": try_number if try_number is not None else "?",
        "max_tries": getattr(getattr(ti, "task", None), "retries", None),
        "log_url": log_url,
        "log_path": _log_path(
            dag_id,
            context.get("run_id") or getattr(ti, "run_id", None),
            getattr(ti, "task_id", None),
            map_index,
            try_number,
        ),
        "hostname": getattr(ti, "hostname", None),
        "error": f"{type(exception).__name__}: {exception}" if exception else None,
    }


def log_task_failure(context: Any) -> dict[str, Any]:
    """Log which task failed, on which try, and where its log is (the on-call's first look)."""
    facts = task_failure_facts(context)
    map_index = facts["map_index"]
    log.error(
        "task failed: dag=%s task=%s%s run=%s try=%s%s log=%s error=%s",
        facts["dag_id"],
        facts["task_id"],
        f"[{map_index}]" if map_index is not None and map_index >= 0 else "",
        facts["run_id"],
        facts["try_number"],
        f" (retries {facts['max_tries']})" if facts["max_tries"] is not None else "",
        facts["log_url"],
        facts["error"] or "-",
    )
    return facts


class TaskFailureNotifier(BaseNotifier):
    """on_failure_callback: log the failure, then alert through Apprise (`DISCLOSURE_ALERT_URLS`)."""

    def notify(self, context: Any) -> None:
        facts = log_task_failure(context)
        try:
            from alerts.pipeline_runs import format_task_failure, send_pipeline_alert
            from pipeline.settings import Settings

            send_pipeline_alert(format_task_failure(facts), Settings.from_env().alert_urls)
        except Exception:  # the task has failed already; a broken alert route must not hide why
            log.exception("could not send the task-failure alert of %s.%s", facts["dag_id"], facts["task_id"])


class RunOverdueNotifier(BaseNotifier):
    """Deadline-alert callback: a DAG run still unfinished at its deadline; alert through Apprise."""

    def __init__(self, rule: str = "", context: Any = None):
        super().__init__(context)
        self.rule = rule

    def notify(self, context: Any) -> None:
        from alerts.pipeline_runs import format_run_overdue, send_pipeline_alert
        from pipeline.settings import Settings

        run = dict(context.get("dag_run") or {})
        facts = {
            "dag_run": run,
            "deadline": context.get("deadline") or {},
            "rule": self.rule,
            "run_url": _run_url(run.get("dag_id"), run.get("dag_run_id") or run.get("run_id")),
        }
        log.error(
            "DAG run overdue: dag=%s run=%s deadline=%s (%s)",
            run.get("dag_id"),
            run.get("dag_run_id") or run.get("run_id"),
            facts["deadline"].get("deadline_time"),
            self.rule,
        )
        send_pipeline_alert(format_run_overdue(facts), Settings.from_env().alert_urls)


def overdue_run_deadline(interval: timedelta) -> DeadlineAlert:
    """Alert when a run is still going `interval` past the average duration of the DAG's recent runs."""
    rule = _rule(interval)
    return DeadlineAlert(
        reference=DeadlineReference.AVERAGE_RUNTIME(max_runs=AVERAGE_OF_RUNS, min_runs=MIN_RUNS),
        interval=interval,
        callback=SyncCallback(RunOverdueNotifier, kwargs={"rule": rule}),
        name="run_far_longer_than_usual",
    )


def long_run_alert(interval: timedelta) -> dict[str, Any]:
    """DAG arguments for the long-run alert: `@dag(..., **long_run_alert(timedelta(minutes=30)))`."""
    if sys.argv[1:2] == ["dag-processor"]:
        return {"deadline": [overdue_run_deadline(interval)]}
    check = RunDurationCheck(interval)
    return {"on_success_callback": check, "on_failure_callback": check}


class RunDurationCheck:
    """DAG success/failure callback under `dags test`: alert when the run took far longer than usual.

    A plain callable, not a `BaseNotifier`: `dag.test()` hands DAG callbacks its
    serialized DAG, which cannot render a notifier's templates.
    """

    def __init__(self, interval: timedelta):
        self.interval = interval

    def __call__(self, context: Any) -> None:
        dag_id = getattr(context.get("dag"), "dag_id", None)
        run_id = context.get("run_id")
        try:
            from alerts.pipeline_runs import format_run_overdue, overdue_deadline, send_pipeline_alert
            from pipeline.settings import Settings

            run, history = _run_and_history(dag_id, run_id)
            run["state"] = "success" if context.get("reason") == "success" else "failed"  # not committed yet
            deadline = overdue_deadline(run["start_date"], history, self.interval, min_runs=MIN_RUNS)
            if deadline is None or datetime.now(UTC) <= deadline:
                return
            log.error("DAG run took far longer than usual: dag=%s run=%s deadline=%s", dag_id, run_id, deadline)
            facts = {
                "dag_run": run,
                "deadline": {"deadline_time": deadline.isoformat()},
                "rule": _rule(self.interval),
                "run_url": _run_url(dag_id, run_id),
            }
            send_pipeline_alert(format_run_overdue(facts), Settings.from_env().alert_urls)
        except Exception:  # the run is over; a broken check or route must not change its outcome
            log.exception("could not check or alert the duration of %s %s", dag_id, run_id)


def _run_and_history(dag_id: str | None, run_id: str | None) -> tuple[dict[str, Any], list[float]]:
    """This run (from the metadata DB) and the durations in seconds of the DAG's last successful runs."""
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState
    from sqlalchemy import select

    with create_session() as session:
        this = session.scalars(select(DagRun).where(DagRun.dag_id == dag_id, DagRun.run_id == run_id)).one()
        earlier = session.scalars(
            select(DagRun)
            .where(
                DagRun.dag_id == dag_id,
                DagRun.run_id != run_id,
                DagRun.state == DagRunState.SUCCESS,
                DagRun.start_date.is_not(None),
                DagRun.end_date.is_not(None),
            )
            .order_by(DagRun.end_date.desc())
            .limit(AVERAGE_OF_RUNS)
        ).all()
        run = {
            "dag_id": dag_id,
            "run_id": run_id,
            "state": str(this.state),
            "start_date": this.start_date,
            "queued_at": this.queued_at,
        }
        return run, [(r.end_date - r.start_date).total_seconds() for r in earlier]


def _rule(interval: timedelta) -> str:
    return (
        f"still running {_duration(interval)} after the average duration of the last {AVERAGE_OF_RUNS} "
        f"successful runs (from {MIN_RUNS} runs on)"
    )


def _log_path(dag_id: Any, run_id: Any, task_id: Any, map_index: Any, try_number: Any) -> str | None:
    """The attempt's log file under Airflow's default `log_filename_template`."""
    if not (dag_id and run_id and task_id and try_number):
        return None
    try:
        from airflow.sdk.configuration import conf

        base = conf.get("logging", "base_log_folder")
    except Exception:
        return None
    mapped = f"map_index={map_index}/" if map_index is not None and map_index >= 0 else ""
    return f"{base}/dag_id={dag_id}/run_id={run_id}/task_id={task_id}/{mapped}attempt={try_number}.log"


def _run_url(dag_id: Any, run_id: Any) -> str | None:
    if not (dag_id and run_id):
        return None
    try:
        from airflow.sdk.configuration import conf

        base = conf.get("api", "base_url", fallback="http://localhost:8080/")
    except Exception:
        return None
    return f"{base.rstrip('/')}/dags/{dag_id}/runs/{quote(str(run_id), safe='')}"


def _duration(interval: timedelta) -> str:
    seconds = int(interval.total_seconds())
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "disclosure",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,  # 30 s, then 60 s
    "max_retry_delay": timedelta(minutes=10),
    # Every task ends: a hang outside our own limits (a stuck connection, a lock) fails and retries.
    # Tasks that fetch, parse or alert set tighter bounds of their own.
    "execution_timeout": timedelta(hours=3),
    "on_failure_callback": TaskFailureNotifier(),
}
