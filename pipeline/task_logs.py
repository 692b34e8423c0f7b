"""Per-task log files for the runs `disclosure run` makes, so that the Airflow UI shows them.

`airflow dags test` runs every task in its own process and writes no task
log files: the UI (`disclosure ui`) would list the runs and task instances of
`disclosure run` with "no logs". `TaskLogSplitter` reads the output of
`airflow dags test` line by line, cuts it at the `[DAG TEST] starting` /
`[DAG TEST] end task` markers, and writes each task attempt's lines where
Airflow's file task handler reads them (the default `log_filename_template`):

    <base_log_folder>/dag_id=<dag>/run_id=<run>/task_id=<task>/[map_index=<i>/]attempt=<n>.log

one JSON object per line (`timestamp`, `level`, `event`, `logger`), the
format of Airflow's own task logs.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

_START = re.compile(r"\[DAG TEST\] starting task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")
_RUNNING = re.compile(r"\[DAG TEST\] running task <TaskInstance: (?P<dag>[^.\s]+)\.(?P<task>\S+) (?P<run>\S+)")
_END = re.compile(r"\[DAG TEST\] end task task_id=(?P<task>\S+) map_index=(?P<index>-?\d+)")
# "<time> [level    ] message [logger] key=value ..."
_LINE = re.compile(
    r"^(?P<ts>\d{4}-\d\d-\d\dT\S+) \[(?P<level>\w+)\s*\] (?P<event>.*?)(?:\s+\[(?P<logger>[\w.]+)\](?P<rest>.*))?$"
)


def task_log_path(base: Path, dag_id: str, run_id: str, task_id: str, map_index: int, attempt: int) -> Path:
    """Where Airflow's default `log_filename_template` puts one attempt's log."""
    folder = base / f"dag_id={dag_id}" / f"run_id={run_id}" / f"task_id={task_id}"
    if map_index >= 0:
        folder = folder / f"map_index={map_index}"
    return folder / f"attempt={attempt}.log"


def structured(line: str) -> str:
    """One output line as an Airflow structured log line (JSON); unparsed lines keep their text."""
    text = line.rstrip("\n")
    match = _LINE.match(text)
    if not match:
        return json.dumps({"event": text}, ensure_ascii=False)
    event = match["event"]
    rest = (match["rest"] or "").strip()
    record = {
        "timestamp": match["ts"],
        "level": match["level"].lower(),
        "event": f"{event} {rest}".strip() if rest else event,
    }
    if match["logger"]:
        record["logger"] = match["logger"]
    return json.dumps(record, ensure_ascii=False)


class TaskLogSplitter:
    """Feed it the output of `airflow dags test`; it writes one log file per task attempt."""

    def __init__(self, base_log_folder: Path) -> None:
        self.base = base_log_folder
        self.attempts: dict[tuple[str, str, str, int], int] = {}
        self.written: list[Path] = []
        self._task: tuple[str, int] | None = None
        self._run: tuple[str, str] | None = None  # dag_id, run_id
        self._lines: list[str] = []

    def feed(self, line: str) -> None:
        if match := _START.search(line):
            self._flush()
            self._task = (match["task"], int(match["index"]))
            self._lines = [line]
            return
        if self._task is None:
            return
        self._lines.append(line)
        if (match := _RUNNING.search(line)) and self._run is None:
            self._run = (match["dag"], match["run"])
        elif _END.search(line):
            self._flush()

    def close(self) -> None:
        self._flush()

    def _flush(self) -> None:
        task, lines, run = self._task, self._lines, self._run
        self._task, self._lines = None, []
        if task is None or run is None or not lines:
            return
        dag_id, run_id = run
        key = (dag_id, run_id, task[0], task[1])
        attempt = self.attempts[key] = self.attempts.get(key, 0) + 1
        path = task_log_path(self.base, dag_id, run_id, task[0], task[1], attempt)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text("".join(structured(x) + "\n" for x in lines), encoding="utf-8")
        except OSError:  # a log copy must never fail the run
            return
        self.written.append(path)
