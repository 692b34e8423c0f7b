"""Failure callback and default task arguments shared by the disclosure DAGs.

Kept tiny on purpose: the DAG processor imports this with every DAG file, so
nothing heavier than the standard library and `datetime` is imported here.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

log = logging.getLogger("disclosure.dags")


def log_task_failure(context: Any) -> None:
    """Log which task failed, on which try, and where its log is (the on-call's first look)."""
    ti = context.get("ti") or context.get("task_instance")
    dag_id = getattr(ti, "dag_id", None) or getattr(context.get("dag"), "dag_id", "?")
    task_id = getattr(ti, "task_id", "?")
    map_index = getattr(ti, "map_index", -1)
    try_number = getattr(ti, "try_number", "?")
    max_tries = getattr(getattr(ti, "task", None), "retries", None)
    try:
        log_url = ti.log_url if ti is not None else None
    except Exception:
        log_url = None
    exception = context.get("exception")
    log.error(
        "task failed: dag=%s task=%s%s run=%s try=%s%s log=%s error=%s",
        dag_id,
        task_id,
        f"[{map_index}]" if map_index is not None and map_index >= 0 else "",
        context.get("run_id", "?"),
        try_number,
        f" (retries {max_tries})" if max_tries is not None else "",
        log_url,
        f"{type(exception).__name__}: {exception}" if exception else "-",
    )


DEFAULT_ARGS: dict[str, Any] = {
    "owner": "disclosure",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": 2.0,  # 30 s, then 60 s
    "max_retry_delay": timedelta(minutes=10),
    "on_failure_callback": log_task_failure,
}
