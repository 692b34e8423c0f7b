"""The hand-made warehouse of test_dbt_project built on DuckDB and on Postgres alike, for cross-target tests.

Both hold the same raw rows (`raw_rows()`), the check runs of `CHECK_RUNS`
and a registry snapshot (`SOURCES`): one registered agency whose reports
print its registry name, one registered agency that never published, so that
the agency-year grid has missing reports. `DISCLOSURE_AS_OF_DATE` is pinned
so that the expected years do not move with the calendar.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from pipeline.settings import Settings
from tests.dbt_project.test_dbt_project import AGENCY_002, CHECK_RUNS, PARSER_NEW, application_cells, raw_rows
from tests.server_mode import fresh_database
from warehouse.raw_schema import create_statements
from warehouse.transform import run_dbt

AS_OF_DATE = "2024-06-01"
# AGENCY_002's next report (2021), for the year over year: 7 received (5 in 2020), 6 granted
SHA_NEXT = hashlib.sha256(b"sample 002, next year").hexdigest()
REPORT_NEXT = SHA_NEXT[:16]
NEXT_YEAR_FIGURES = {("new_received", "total"): 7.0, ("granted", "total"): 6.0, ("results_total", "total"): 6.0}
SILENT_AGENCY = "某区教育局"  # registered, never published
SNAPSHOT_AT = datetime(2020, 1, 1)
# (name, aliases, region, division_code, level, kind, first_year, example, registered_at, snapshot_at)
SOURCES = [
    (AGENCY_002, None, "山西省忻州市", "140926", "county", "government", 2019, None, False, SNAPSHOT_AT, SNAPSHOT_AT),
    (SILENT_AGENCY, None, "北京市", "110105", "department", "department", 2021, None, False, SNAPSHOT_AT, SNAPSHOT_AT),
]
CHECK_RESULT_COLUMNS = (
    "first_seen_run, first_seen_at, last_seen_run, last_seen_at, report_id, check_id, subject, expected, observed, "
    "difference, severity, status"
)


def all_raw_rows() -> dict[str, list[tuple]]:
    """raw_rows() plus the registry snapshot and the check runs (difference computed as the runner does)."""
    rows = raw_rows()
    rows["documents"].append((SHA_NEXT, PARSER_NEW, "002_2021.txt", None, None, "text", 900, "parsed", SNAPSHOT_AT))
    rows["reports"].append((REPORT_NEXT, SHA_NEXT, PARSER_NEW, "002_2021.txt", AGENCY_002, 2021, "gov2021", None, None))
    rows["cells"] += application_cells(SHA_NEXT, PARSER_NEW, "gov2021", NEXT_YEAR_FIGURES)
    rows["sources"] = SOURCES
    rows["check_results"] = [  # each run's row one stored change, first and last seen in its run (write_check_runs)
        (*run[:2], *run[:7], None if run[5] is None or run[6] is None else round(run[6] - run[5], 2), *run[7:])
        for run in CHECK_RUNS
    ]
    return rows


def _insert_all(cursor: Any, placeholder: str) -> None:
    for statement in create_statements():
        cursor.execute(statement)
    for table, rows in all_raw_rows().items():
        columns = f" ({CHECK_RESULT_COLUMNS})" if table == "check_results" else ""
        marks = ", ".join([placeholder] * len(rows[0]))
        cursor.executemany(f"insert into raw.{table}{columns} values ({marks})", rows)


def _settings(monkeypatch: pytest.MonkeyPatch, home: Path, dsn: str | None) -> Settings:
    for name in ("DISCLOSURE_WAREHOUSE", "DISCLOSURE_DOCS_DIR", "DISCLOSURE_WAREHOUSE_PATH", "DISCLOSURE_POSTGRES_DSN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(home))
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", AS_OF_DATE)
    if dsn:
        monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "postgres")
        monkeypatch.setenv("DISCLOSURE_POSTGRES_DSN", dsn)
    return Settings.from_env()


@contextmanager
def built_warehouses(home: Path) -> Iterator[tuple[Settings, Settings]]:
    """`dbt build` on a DuckDB file and on a fresh Postgres database; yields both settings."""
    import psycopg2

    with pytest.MonkeyPatch.context() as monkeypatch, fresh_database("disclosure_bi_test") as dsn:
        duck = _settings(monkeypatch, home / "duckdb", None)
        duck.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(duck.warehouse_path)) as conn:
            _insert_all(conn, "?")
        postgres = _settings(monkeypatch, home / "postgres", dsn)
        with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
            _insert_all(cursor, "%s")
        conn.close()
        # Two dbt subprocesses at once: each builds its own warehouse with its own target's
        # environment (run_dbt sets it), and the suite otherwise leaves the second core idle.
        with ThreadPoolExecutor(max_workers=1) as pool:
            on_duckdb = pool.submit(run_dbt, duck.dbt, ["build"])
            run_dbt(postgres.dbt, ["build"])
            on_duckdb.result()
        yield duck, postgres


def query_duckdb(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


def query_postgres(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    import psycopg2

    conn = psycopg2.connect(settings.postgres_dsn)
    try:
        with conn.cursor() as cursor:
            if params:
                cursor.execute(sql.replace("?", "%s"), params)
            else:  # no parameters: a literal % (like 'denied.%') stays as written
                cursor.execute(sql)
            return cursor.fetchall()
    finally:
        conn.close()
