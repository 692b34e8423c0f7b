"""Store a run's check results in `raw.check_results` as changes, in one transaction.

A row for each (report, check, subject) whose result is new or differs from
its latest stored row, first and last seen in this run; a result equal to
that row only moves the row's `last_seen_run` / `last_seen_at`. Rows an
earlier attempt of the same run id added are removed first, so a retried run
gives the same rows.

Two paths, the same rows:

* a report with no stored row (every report of a first validation, a newly
  loaded report): all its results are new, so they are inserted straight
  from the frame in one statement, without comparing anything;
* a report with stored rows: its results go through a temporary table and
  are compared with each key's latest row (mark the unchanged, insert the
  rest), a slice of whole reports at a time (`ROWS_PER_SLICE`), with
  DuckDB's buffer pool bounded lower than elsewhere (`STORE_MEMORY_LIMIT`),
  so that a full re-validation of every report does not hold the whole
  window and anti-join in memory at once (10.2 GiB at 100,000 reports in one
  piece with DuckDB's default pool).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warehouse.connection import bound_duckdb_memory, insert_frame, transaction

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

TABLE = "raw.check_results"
KEY_COLUMNS = ("report_id", "check_id", "subject")
RESULT_COLUMNS = (*KEY_COLUMNS, "expected", "observed", "difference", "severity", "status", "note")
# What makes a result differ from the stored one (severity follows the check id).
COMPARED_COLUMNS = ("expected", "observed", "status", "note")
RUN_COLUMNS = ("first_seen_run", "first_seen_at", "last_seen_run", "last_seen_at")
# Result rows compared with the stored ones per statement (whole reports: about 130 rows each).
ROWS_PER_SLICE = 500_000
# DuckDB's buffer pool while storing: the runner's DataFrames (about 2 GiB at 100,000 reports) are held beside
# it, and with the pool at warehouse.connection's 3GB a re-validation of every report peaked at 5.2 GiB. A slice
# of ROWS_PER_SLICE results compares within it (at 10,000 reports: 100MB and 100,000 rows per slice, 628 MiB).
STORE_MEMORY_LIMIT = "1GB"

# The latest stored row of each key of the reports in the slice; `same` joins an incoming result that equals it.
_LATEST = f"""
    select report_id, check_id, subject, first_seen_run, expected, observed, status, note
    from (
        select c.*, row_number() over (
            partition by report_id, check_id, subject order by first_seen_at desc, first_seen_run desc
        ) as row_rank
        from {TABLE} as c
        where c.report_id in (select report_id from check_results_incoming)
    ) as ranked
    where row_rank = 1
"""
_SAME = " and ".join(
    [f"latest.{c} = incoming.{c}" for c in KEY_COLUMNS]
    + [f"latest.{c} is not distinct from incoming.{c}" for c in COMPARED_COLUMNS]
)
_MARK_UNCHANGED = f"""
    update {TABLE} as stored set last_seen_run = ?, last_seen_at = ?
    from ({_LATEST}) as latest, check_results_incoming as incoming
    where {_SAME}
        and stored.report_id = latest.report_id
        and stored.check_id = latest.check_id
        and stored.subject = latest.subject
        and stored.first_seen_run = latest.first_seen_run
"""
_INSERT_CHANGED = f"""
    insert into {TABLE} ({", ".join((*RESULT_COLUMNS, *RUN_COLUMNS))})
    select {", ".join(f"incoming.{c}" for c in RESULT_COLUMNS)}, ?, ?, ?, ?
    from check_results_incoming as incoming
    where not exists (select 1 from ({_LATEST}) as latest where {_SAME})
"""
_INCOMING_DDL = """
    create temporary table check_results_incoming (
        report_id varchar, check_id varchar, subject varchar, expected double precision,
        observed double precision, difference double precision, severity varchar, status varchar, note varchar
    )
"""


def write_results(conn: Any, run_id: str, validated_at: datetime, results: pd.DataFrame) -> int:
    """Store `results` (RESULT_COLUMNS, one row per key) as changes; the number of rows added."""
    run_values = {"first_seen_run": run_id, "first_seen_at": validated_at}
    run_values |= {"last_seen_run": run_id, "last_seen_at": validated_at}
    bound_duckdb_memory(conn, STORE_MEMORY_LIMIT)
    with transaction(conn):
        conn.execute(f"delete from {TABLE} where first_seen_run = ?", [run_id])
        stored = results["report_id"].isin(reports_with_results(conn))
        # Unchanged first: marked after the insert, every row just added would match itself and be
        # updated again (a first validation at 100,000 reports rewrote all 13.4 million rows).
        if stored.any():
            conn.execute(_INCOMING_DDL)
            for part in report_slices(results, stored, ROWS_PER_SLICE):
                conn.execute("delete from check_results_incoming")
                insert_frame(conn, "check_results_incoming", RESULT_COLUMNS, part)
                conn.execute(_MARK_UNCHANGED, [run_id, validated_at])
                conn.execute(_INSERT_CHANGED, list(run_values.values()))
            conn.execute("drop table check_results_incoming")
        new = results.loc[~stored] if stored.any() else results  # no copy on a first validation
        insert_frame(conn, TABLE, RESULT_COLUMNS, new, constants=run_values)
        (added,) = conn.execute(f"select count(*) from {TABLE} where first_seen_run = ?", [run_id]).fetchone()
    log.info(
        "run %s: %d results (%d of reports with stored results), %d new or changed rows in %s",
        run_id,
        len(results),
        int(stored.sum()),
        added,
        TABLE,
    )
    return added


def reports_with_results(conn: Any) -> list[str]:
    """The reports that have a row in raw.check_results (inside the caller's transaction)."""
    return [report_id for (report_id,) in conn.execute(f"select distinct report_id from {TABLE}").fetchall()]


def report_slices(results: pd.DataFrame, among: pd.Series, rows: int) -> Iterator[pd.DataFrame]:
    """The rows of `results` where `among`, in slices of whole reports.

    Each report goes to the block of `rows` rows its last row falls in, so a slice holds at most `rows` rows
    plus the part of its first report before the block. Sliced from `results` itself: a copy of the rows
    `among` first would double the frame (800 MB at 100,000 reports, all of them stored on a re-validation).
    """
    import numpy as np
    import pandas as pd

    among = np.asarray(among, dtype=bool)
    report_of_row, reports = pd.factorize(results["report_id"])
    sizes = np.bincount(report_of_row[among], minlength=len(reports))
    slice_of_row = np.where(among, ((np.cumsum(sizes) - 1) // max(rows, 1))[report_of_row], -1)
    for number in np.unique(slice_of_row[among]):
        yield results.loc[slice_of_row == number]
