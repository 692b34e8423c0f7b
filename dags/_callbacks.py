"""Failure notifier, deadline alert and default task arguments shared by the disclosure DAGs.

Kept light on purpose: the DAG processor imports this with every DAG file, so
only the standard library and `airflow.sdk` are imported here; the message
text and the Apprise delivery (`expectations.pipeline_alerts`) are imported
when a notifier fires.

* `TaskFailureNotifier` (every task's `on_failure_callback`, through
  `DEFAULT_ARGS`): logs the failure and sends one alert naming the DAG, task,
  map index, try and log location, through the same Apprise route as the
  check alerts (`DISCLOSURE_ALERT_URLS`). It fires once per task that failed
  for good, not on the tries that are retried.
* `run_deadlines(interval)`: Airflow deadline alerts for a DAG. The reference
  is `DeadlineReference.AVERAGE_RUNTIME` (the mean duration of the DAG's last
  10 finished runs, counted from the run's creation; no deadline until 3 runs
  have finished), plus `interval`; when the run is still going then, the
  scheduler queues `RunOverdueNotifier` on the executor (`SyncCallback`),
  which sends the overdue alert. Attached only where a scheduler runs the
  DAGs against the server-mode warehouse (`DISCLOSURE_WAREHOUSE=postgres`):
  Airflow 3.3.2's `dag.test()` / `airflow dags test` (what `disclosure run`
  uses) crash at the end of a successful run of a DAG that has a deadline
  (its `DagRun.update_state` looks the alerts up by ids that only exist once
  the scheduler has stored the DAG), and the embedded mode has no scheduler
  to watch deadlines anyway.
"""

from __future__ import annotations

import logging
import os
from datetime import timedelta
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
        "log_path": _log_path(dag_id, context.get("run_id") or getattr(ti, "run_id", None),
                              getattr(ti, "task_id", None), map_index, try_number),
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
            from expectations.pipeline_alerts import format_task_failure, send_pipeline_alert

            send_pipeline_alert(format_task_failure(facts))
        except Exception:  # the task has failed already; a broken alert route must not hide why
            log.exception("could not send the task-failure alert of %s.%s", facts["dag_id"], facts["task_id"])


class RunOverdueNotifier(BaseNotifier):
    """Deadline-alert callback: a DAG run still unfinished at its deadline; alert through Apprise."""

    def __init__(self, rule: str = "", context: Any = None):
        super().__init__(context)
        self.rule = rule

    def notify(self, context: Any) -> None:
        from expectations.pipeline_alerts import format_run_overdue, send_pipeline_alert

        run = dict(context.get("dag_run") or {})
        facts = {"dag_run": run, "deadline": context.get("deadline") or {}, "rule": self.rule,
                 "run_url": _run_url(run.get("dag_id"), run.get("dag_run_id") or run.get("run_id"))}
        log.error("DAG run overdue: dag=%s run=%s deadline=%s (%s)", run.get("dag_id"),
                  run.get("dag_run_id") or run.get("run_id"), facts["deadline"].get("deadline_time"), self.rule)
        send_pipeline_alert(format_run_overdue(facts))


def overdue_run_deadline(interval: timedelta) -> DeadlineAlert:
    """Alert when a run is still going `interval` past the average duration of the DAG's recent runs."""
    rule = (f"still running {_minutes(interval)} after the average duration of the last {AVERAGE_OF_RUNS} "
            f"runs (deadline alerts start once {MIN_RUNS} runs have finished)")
    return DeadlineAlert(
        reference=DeadlineReference.AVERAGE_RUNTIME(max_runs=AVERAGE_OF_RUNS, min_runs=MIN_RUNS),
        interval=interval,
        callback=SyncCallback(RunOverdueNotifier, kwargs={"rule": rule}),
        name="run_far_longer_than_usual",
    )


def run_deadlines(interval: timedelta) -> list[DeadlineAlert]:
    """The DAG's deadline alerts: `overdue_run_deadline(interval)` in server mode, none in the embedded one."""
    if os.environ.get("DISCLOSURE_WAREHOUSE", "").strip().lower() != "postgres":
        return []
    return [overdue_run_deadline(interval)]


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


def _minutes(interval: timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "disclosure",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,  # 30 s, then 60 s
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": TaskFailureNotifier(),
}
