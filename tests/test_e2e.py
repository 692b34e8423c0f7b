"""End to end: `run_embedded` runs the real DAGs (`airflow dags test`) over the five samples, twice.

Slow (a minute or two): it migrates an SQLite Airflow database, parses and
loads the samples, builds dbt, runs the GX suites and publishes the copy.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import duckdb
import pytest

from extractors.embedded import run_embedded
from extractors.settings import Settings

pytestmark = pytest.mark.timeout(1800)


def _marts_schema(conn: duckdb.DuckDBPyConnection) -> str:
    schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata").fetchall()}
    return "marts" if "marts" in schemas else "main_marts"


def _failed_checks(conn: duckdb.DuckDBPyConnection, marts: str) -> set[tuple]:
    rows = conn.execute(f"""
        select d.agency_name, d.report_year, c.check_id, c.subject
        from {marts}.fct_check_results c join {marts}.dim_report d using (report_id)
        where c.status = 'failed'
    """).fetchall()
    return {(agency, int(year) if year is not None else None, check, subject) for agency, year, check, subject in rows}


def _raw_counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
                for t in ("documents", "reports", "cells", "narrative_facts")}


def _has_failure(failed: set[tuple], agency: str, year: int, check: str, subject: str | None = None) -> bool:
    return any(agency in (a or "") and y == year and c == check and (subject is None or s == subject)
               for a, y, c, s in failed)


def test_embedded_run_twice(tmp_settings: Settings) -> None:
    first = io.StringIO()
    assert run_embedded(tmp_settings, out=first) == 0, first.getvalue()
    output = first.getvalue()
    assert "disclosure_ingest: ok" in output and "disclosure_transform: ok" in output

    published = tmp_settings.published_path
    assert published.is_file()
    with duckdb.connect(str(published), read_only=True) as conn:
        marts = _marts_schema(conn)
        assert conn.execute(f"select count(*) from {marts}.dim_report").fetchone()[0] == 5
        failed = _failed_checks(conn, marts)
    for subject in ("natural_person", "total"):
        assert _has_failure(failed, "静乐县", 2020, "app.results_sum", subject), sorted(failed)
    assert _has_failure(failed, "盐池县人民政府办公室", 2021, "narrative.applications"), sorted(failed)
    assert _has_failure(failed, "华池县", 2020, "template.complete"), sorted(failed)

    # the summary names the failures and the files
    assert "app.results_sum" in output and "静乐县" in output
    assert str(tmp_settings.warehouse_path) in output and str(published) in output
    assert (tmp_settings.dbt_docs_dir / "index.html").is_file()
    assert (tmp_settings.gx_docs_dir / "index.html").is_file()

    counts = _raw_counts(tmp_settings)
    parsed_files = {p: p.stat().st_mtime_ns for p in Path(tmp_settings.parsed_dir).glob("*.json")}
    assert len(parsed_files) == 5

    second = io.StringIO()
    assert run_embedded(tmp_settings, out=second) == 0, second.getvalue()
    again = second.getvalue()
    assert "already migrated" in again  # the Airflow database is not migrated twice
    assert _raw_counts(tmp_settings) == counts
    assert {p: p.stat().st_mtime_ns for p in Path(tmp_settings.parsed_dir).glob("*.json")} == parsed_files
    assert re.search(r"0 parsed, 5 already parsed; 0 loaded, 5 already loaded", again), again
