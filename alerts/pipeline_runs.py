"""Alerts about the pipeline itself (a task that failed, a DAG run far past its usual time), not the data.

Airflow's notifiers in `dags/_callbacks.py` collect the facts from the task or
DAG-run context and call these; this module never imports Airflow. The
messages go the same Apprise route as the check alerts
(`DISCLOSURE_ALERT_URLS`; logged only when unset).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from alerts.delivery import FAILURE, WARNING, Message, send_or_log

TITLE_PREFIX = "[disclosure]"


def format_task_failure(facts: Mapping[str, Any]) -> Message:
    """One task that failed for good (its retries used up): which, where its log is, and why."""
    task = facts.get("task_id", "?")
    map_index = facts.get("map_index")
    mapped = map_index is not None and int(map_index) >= 0
    label = f"{task}[{facts.get('rendered_map_index') or map_index}]" if mapped else task
    title = f"{TITLE_PREFIX} task failed: {facts.get('dag_id', '?')}.{label}"
    tries = facts.get("try_number", "?")
    if facts.get("max_tries") is not None:
        tries = f"{tries} of {int(facts['max_tries']) + 1}"
    lines = [
        f"DAG:          {facts.get('dag_id', '?')}",
        f"Task:         {task}",
        f"Map index:    {map_index if mapped else '- (not mapped)'}"
        + (f" ({facts['rendered_map_index']})" if mapped and facts.get("rendered_map_index") else ""),
        f"Run:          {facts.get('run_id', '?')}",
        f"Try:          {tries}",
        f"Error:        {facts.get('error') or '-'}",
        f"Log (UI):     {facts.get('log_url') or 'unknown'}",
        f"Log (file):   {facts.get('log_path') or 'unknown'}",
        f"Host:         {facts.get('hostname') or 'unknown'}",
        "This is a pipeline failure, not a failed identity check: read the task's log first; the DAG's",
        "doc_md (Airflow UI, DAG > Docs) says what each task does and how to re-run it.",
    ]
    return Message(title, "\n".join(lines), FAILURE)


def overdue_deadline(start: datetime, history: Sequence[float], interval: timedelta, min_runs: int) -> datetime | None:
    """When a run started at `start` is overdue: mean of the `history` durations (s) + `interval`.

    None while fewer than `min_runs` durations are known: no "usual" duration yet
    (the rule of Airflow's `DeadlineReference.AVERAGE_RUNTIME`).
    """
    if len(history) < max(min_runs, 1):
        return None
    return start + timedelta(seconds=sum(history) / len(history)) + interval


def format_run_overdue(facts: Mapping[str, Any]) -> Message:
    """A DAG run past its deadline: still going (Airflow deadline alert) or finished late (`dags test`)."""
    run = facts.get("dag_run") or {}
    dag_id = run.get("dag_id", "?")
    run_id = run.get("dag_run_id") or run.get("run_id") or "?"
    title = f"{TITLE_PREFIX} DAG run overdue: {dag_id} {run_id}"
    lines = [
        f"DAG:          {dag_id}",
        f"Run:          {run_id}",
        f"State:        {run.get('state', '?')}",
        f"Queued at:    {run.get('queued_at') or '?'}",
        f"Started at:   {run.get('start_date') or '?'}",
        f"Deadline:     {(facts.get('deadline') or {}).get('deadline_time') or '?'}",
        f"Rule:         {facts.get('rule') or 'deadline alert'}",
        f"Run in UI:    {facts.get('run_url') or 'unknown'}",
        "The run is still going: look for"
        if run.get("state") in (None, "running", "queued")
        else "The run has ended, late: look in its task durations for",
        "a task stuck in queued (the one-slot `warehouse` pool), a parse at its time limit,",
        "or a slow dbt model (the task's log).",
    ]
    return Message(title, "\n".join(lines), WARNING)


def send_pipeline_alert(message: Message, urls: Sequence[str]) -> None:
    """Send (or log, without DISCLOSURE_ALERT_URLS) one pipeline alert; AlertDeliveryError if refused."""
    send_or_log([message], urls, "DISCLOSURE_ALERT_URLS").raise_for_failures([message])
