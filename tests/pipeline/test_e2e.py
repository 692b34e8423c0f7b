"""End to end: `run_embedded` runs the real DAGs (`airflow dags test`) over the five samples, twice.

Slow (a minute or two): on a copy of the session's migrated SQLite Airflow
database (`prepared_airflow`, tests/conftest.py) it parses and loads the
samples, builds dbt, runs the GX suites and publishes the copy.
Before the second run the source registry (sources.yml) is stored in
raw.sources; its five agencies are examples, so publication monitoring
expects nothing of them, judged as of a pinned date.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from extractors.fetch.registry import load_registry
from pipeline.embedded import run_embedded
from pipeline.settings import Settings
from tests.conftest import EmbeddedRun
from tests.paths import REGISTRY
from tests.sample_failures import SAMPLE_FAILURES

pytestmark = pytest.mark.timeout(1800)


# Publication monitoring as of AS_OF: sources.yml's agencies are all examples, never monitored.
AS_OF = "2025-02-15"


def _marts_schema(conn: duckdb.DuckDBPyConnection) -> str:
    schemas = {r[0] for r in conn.execute("select schema_name from information_schema.schemata").fetchall()}
    assert "marts" in schemas  # the one name on every target (generate_schema_name)
    return "marts"


def _failed_checks(conn: duckdb.DuckDBPyConnection, marts: str) -> set[tuple]:
    rows = conn.execute(f"""
        select d.agency_name, d.report_year, c.check_id, c.subject
        from {marts}.fct_check_results c join {marts}.dim_report d using (report_id)
        where c.status = 'failed'
    """).fetchall()
    return {(agency, int(year) if year is not None else None, check, subject) for agency, year, check, subject in rows}


def _raw_counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {
            t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in ("documents", "reports", "cells", "narrative_facts")
        }


def _report_check_rows(settings: Settings) -> int:
    """Stored check result changes of the reports (publication monitoring changes with the as-of date)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute("select count(*) from raw.check_results where check_id <> 'report.on_time'").fetchone()[0]


def _has_failure(failed: set[tuple], agency: str, year: int, check: str, subject: str | None = None) -> bool:
    return any(
        agency in (a or "") and y == year and c == check and (subject is None or s == subject) for a, y, c, s in failed
    )


def _assert_acceptance_facts(published: Path) -> None:
    """Issue 3's acceptance facts, read from the marts BI queries."""
    with duckdb.connect(str(published), read_only=True) as conn:

        def value(sql: str, *params: object) -> object:
            row = conn.execute(sql, list(params)).fetchone()
            return None if row is None else row[0]

        app = (
            "select a.value from marts.fct_applications a join marts.dim_report r using (report_id) "
            "where r.agency_name = ? and a.row_code = ? and a.applicant = ?"
        )
        assert value(app, "金寨县人民政府", "new_received", "total") == 23
        assert value(app, "金寨县人民政府", "denied.admin_query", "natural_person") == 2
        assert value(app, "金寨县人民政府", "unable.not_held", "total") == 5
        assert value(app, "华池县", "new_received", "total") is None  # absent, never 0
        assert value(app, "盐池县人民政府办公室", "carried_forward", "natural_person") is None
        disclosure = (
            "select d.value from marts.fct_disclosures d join marts.dim_report r using (report_id) "
            "where r.agency_name = ? and d.category = ? and d.measure = ?"
        )
        assert value(disclosure, "金寨县人民政府", "normative_document", "total_published") == 249
        assert value(disclosure, "金寨县人民政府", "admin_license", "change") == -77992
        assert value(disclosure, "金寨县人民政府", "central_procurement", "procurement_amount") == Decimal(
            "35339.15"
        )  # decimal(18,2): 万元 kept exact
        assert value(disclosure, "华池县", "admin_penalty", "prev_count") == 665
        appeal = (
            "select a.value from marts.fct_appeals a join marts.dim_report r using (report_id) "
            "where r.agency_name = ? and a.proceeding = ? and a.outcome = ?"
        )
        assert value(appeal, "静乐县", "admin_review", "other") == 3
        assert value(appeal, "静乐县", "litigation_after_review", "pending") == 1
        assert value(appeal, "盐池县人民政府办公室", "admin_review", "total") is None
        check = (
            "select c.status from marts.fct_check_results c join marts.dim_report r using (report_id) "
            "where r.agency_name = ? and c.check_id = ? and c.subject = ?"
        )
        assert value(check, "华池县", "narrative.proactive", "proactive_published_total") == "passed"
        assert value(check, "静乐县", "appeal.sum", "admin_review") == "passed"
        statuses = dict(conn.execute("select agency_name, quality_status from marts.dim_report").fetchall())
        assert statuses == {
            "金寨县人民政府": "passed",
            "静乐县": "failed",
            "景泰县": "passed",
            "盐池县人民政府办公室": "failed",
            "华池县": "incomplete",
        }


def _publication(published: Path) -> tuple[dict[tuple, str], set[tuple]]:
    """fct_publication statuses, and the agency-years whose report.on_time check failed."""
    with duckdb.connect(str(published), read_only=True) as conn:
        statuses = {
            (a, int(y)): s
            for a, y, s in conn.execute(
                "select agency_name, report_year, publication_status from marts.fct_publication"
            ).fetchall()
        }
        late = {
            (a, int(y))
            for a, y in conn.execute(
                "select agency_name, report_year from marts.fct_check_results "
                "where check_id = 'report.on_time' and status = 'failed'"
            ).fetchall()
        }
    return statuses, late


def _assert_static_dbt_docs(folder: Path) -> None:
    """The transform's `build_docs`: one static page under both names, with the slips fixed."""
    page = folder / "index.html"
    assert (folder / "static_index.html").read_bytes() == page.read_bytes()
    text = page.read_text(encoding="utf-8")
    assert "int_check_inputs" in text
    # no template left for the browser to fetch as a URL (fails if a dbt upgrade moves a slip we fix)
    assert text.count('<use ng-attr-xlink:href="{{ getIcon(') == 4 and '<link rel="icon" href="data:,"/>' in text
    assert '<use xlink:href="{{' not in text and "${require(" not in text


def test_embedded_run_twice(embedded_run: EmbeddedRun, monkeypatch: pytest.MonkeyPatch) -> None:
    # The first run is the session's shared one (tests/conftest.py), also used by tests/pipeline/test_ui.py.
    tmp_settings, output = embedded_run.settings, embedded_run.output
    assert embedded_run.exit_code == 0, output
    assert "disclosure_ingest: ok" in output and "disclosure_transform: ok" in output

    published = tmp_settings.published_path
    assert published.is_file()
    with duckdb.connect(str(published), read_only=True) as conn:
        marts = _marts_schema(conn)
        assert conn.execute(f"select count(*) from {marts}.dim_report").fetchone()[0] == 5
        failed = _failed_checks(conn, marts)
    # exactly the samples' known defects fail, nothing else (no agency has two years: no year.carry row)
    assert failed == SAMPLE_FAILURES, sorted(failed)
    _assert_acceptance_facts(published)

    # the summary names the failures and the files
    assert "app.results_sum" in output and "静乐县" in output
    assert str(tmp_settings.warehouse_path) in output and str(published) in output
    _assert_static_dbt_docs(tmp_settings.dbt_docs_dir)
    assert (tmp_settings.gx_docs_dir / "index.html").is_file()

    counts = _raw_counts(tmp_settings)
    check_rows = _report_check_rows(tmp_settings)
    parsed_files = {p: p.stat().st_mtime_ns for p in Path(tmp_settings.parsed_dir).glob("*.json")}
    assert len(parsed_files) == 5

    # the ingest's load stored the whole registry (example entries included); examples are not monitored
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        registered = {name for (name,) in conn.execute("select name from raw.sources").fetchall()}
    assert registered == {source.name for source in load_registry(REGISTRY)} and len(registered) == 6
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", AS_OF)
    second = io.StringIO()
    assert run_embedded(tmp_settings, out=second) == 0, second.getvalue()
    again = second.getvalue()
    assert "already migrated" in again  # the Airflow database is not migrated twice
    assert _raw_counts(tmp_settings) == counts
    assert _report_check_rows(tmp_settings) == check_rows  # nothing new about the reports: no check row added
    assert {p: p.stat().st_mtime_ns for p in Path(tmp_settings.parsed_dir).glob("*.json")} == parsed_files
    assert re.search(r"0 parsed, 5 already parsed; 0 loaded, 5 already loaded", again), again

    statuses, late = _publication(published)
    assert statuses == {} and late == set(), (sorted(statuses.items()), sorted(late))  # no report.on_time row
    with duckdb.connect(str(published), read_only=True) as conn:
        assert _failed_checks(conn, "marts") == SAMPLE_FAILURES  # per report: unchanged
