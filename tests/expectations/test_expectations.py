"""GX identity suites and the check runner, on a hand-made DuckDB warehouse."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote

import duckdb
import pytest

from expectations.identities import IDENTITIES
from pipeline.settings import REPO_ROOT, Settings
from warehouse.raw_schema import create_statements

RUN_ID = "scheduled__2025-01-31T00:00:00+00:00"

# (report_id, check_id, subject, expected, observed) -> the status the run must store
CASES = {
    ("r000000000000001", "app.results_sum", "natural_person", 5.0, 0.0): "failed",
    ("r000000000000001", "app.results_sum", "total", 5.0, 5.0): "passed",
    ("r000000000000001", "app.balance", "total", 5.0, 5.0): "passed",
    ("r000000000000001", "appeal.sum", "admin_review", 3.0, None): "not_evaluable",
    ("r000000000000001", "narrative.proactive", "proactive_published_total", 1.004, 1.0): "passed",
    ("r000000000000001", "values.valid", "applications:new_received:natural_person", 0.0, -5.0): "failed",
    ("r000000000000002", "template.complete", "applications", None, None): "not_evaluable",
}
# Notes the inputs carry (dbt's reason) beside the runner's own for an absent side.
NOTES = {("r000000000000002", "template.complete", "applications"): "template not detected"}


def use_tmp_settings(monkeypatch: pytest.MonkeyPatch, home: Path) -> Settings:
    for name in ("DISCLOSURE_WAREHOUSE", "DISCLOSURE_ALERT_URLS", "DISCLOSURE_DOCS_DIR"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(home))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE_PATH", str(home / "warehouse" / "disclosure.duckdb"))
    return Settings.from_env()


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC


def make_warehouse(settings: Settings, rows) -> None:
    """int_check_inputs as a dbt build leaves it: every row built now."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(settings.warehouse_path))
    try:
        for statement in create_statements():
            conn.execute(statement)
        conn.execute("create schema if not exists intermediate")
        conn.execute(
            "create or replace table intermediate.int_check_inputs ("
            "report_id varchar, check_id varchar, subject varchar, expected double, observed double, note varchar, "
            "built_at timestamp)"
        )
        if rows:
            conn.executemany(
                "insert into intermediate.int_check_inputs values (?, ?, ?, ?, ?, ?, ?)",
                [(*row, NOTES.get(row[:3]), now()) for row in rows],
            )
    finally:
        conn.close()


def stored_results(settings: Settings, run_id: str | None = None) -> list[tuple]:
    conn = duckdb.connect(str(settings.warehouse_path), read_only=True)
    try:
        where, params = ("where last_seen_run = ?", [run_id]) if run_id else ("", [])
        return conn.execute(
            "select first_seen_run, report_id, check_id, subject, expected, observed, difference, severity, status, "
            "note, last_seen_run "
            f"from raw.check_results {where} order by all",
            params,
        ).fetchall()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """One warehouse, checked twice with the same run id (the second run must give the same rows)."""
    from expectations.run_checks import run_identity_checks

    with pytest.MonkeyPatch.context() as monkeypatch:
        settings = use_tmp_settings(monkeypatch, tmp_path_factory.mktemp("home"))
        make_warehouse(settings, CASES)
        first = run_identity_checks(settings.checks, RUN_ID)
        first_rows = stored_results(settings)
        second = run_identity_checks(settings.checks, RUN_ID)
        yield settings, first, first_rows, second


def test_row_level_statuses(checked):
    settings, _, _, _ = checked
    statuses = {(r[1], r[2], r[3]): r[8] for r in stored_results(settings, RUN_ID)}
    assert statuses == {key[:3]: status for key, status in CASES.items()}


def test_stored_values_difference_and_severity(checked):
    settings, _, _, _ = checked
    rows = {(r[2], r[3]): r for r in stored_results(settings, RUN_ID)}
    failed = rows[("app.results_sum", "natural_person")]
    assert failed[4:9] == (5.0, 0.0, -5.0, "error", "failed")
    rounded = rows[("narrative.proactive", "proactive_published_total")]
    assert rounded[4:9] == (1.0, 1.0, 0.0, "warning", "passed")
    absent = rows[("appeal.sum", "admin_review")]
    assert absent[4:10] == (
        3.0,
        None,
        None,
        "error",
        "not_evaluable",
        "observed side absent (the cell or figure compared is missing)",
    )
    assert rows[("template.complete", "applications")][9] == "template not detected"
    assert failed[9] is None


def test_a_run_with_nothing_new_adds_no_row_and_a_change_adds_one(tmp_path, monkeypatch):
    from expectations.run_checks import run_identity_checks

    settings = use_tmp_settings(monkeypatch, tmp_path)
    make_warehouse(settings, CASES)
    run_identity_checks(settings.checks, "run1")
    make_warehouse(settings, CASES)  # rebuilt by a --full-refresh: every row is read again
    run_identity_checks(settings.checks, "run2")
    rows = stored_results(settings)
    assert len(rows) == len(CASES)
    assert {(r[0], r[10]) for r in rows} == {("run1", "run2")}

    corrected = {**CASES}
    del corrected[("r000000000000001", "app.results_sum", "natural_person", 5.0, 0.0)]
    corrected[("r000000000000001", "app.results_sum", "natural_person", 5.0, 5.0)] = "passed"
    make_warehouse(settings, corrected)
    run_identity_checks(settings.checks, "run3")
    run_identity_checks(settings.checks, "run3")  # a retried run: the same rows
    rows = stored_results(settings)
    assert len(rows) == len(CASES) + 1
    history = [(r[0], r[8], r[10]) for r in rows if r[2:4] == ("app.results_sum", "natural_person")]
    assert sorted(history) == [("run1", "failed", "run2"), ("run3", "passed", "run3")]
    assert len(stored_results(settings, "run3")) == len(CASES)


def test_a_run_reads_only_the_rows_built_since_the_last_run(tmp_path, monkeypatch):
    """Incremental validation: rows dbt did not rebuild are not read, and their results stay as stored."""
    from expectations.run_checks import run_identity_checks

    settings = use_tmp_settings(monkeypatch, tmp_path)
    make_warehouse(settings, CASES)
    assert run_identity_checks(settings.checks, "run1").total == len(CASES)
    first = stored_results(settings)

    assert run_identity_checks(settings.checks, "run2").total == 0  # nothing built since run1
    assert stored_results(settings) == first

    conn = duckdb.connect(str(settings.warehouse_path))
    conn.execute("update intermediate.int_check_inputs set built_at = ? where report_id = 'r000000000000002'", [now()])
    conn.close()
    summary = run_identity_checks(settings.checks, "run3")
    assert (summary.total, summary.not_evaluable) == (1, 1)
    runs = {(r[1], r[8], r[10]) for r in stored_results(settings)}
    assert runs == {
        ("r000000000000001", "failed", "run1"),  # not read: its failures stay current, not resolved
        ("r000000000000001", "passed", "run1"),
        ("r000000000000001", "not_evaluable", "run1"),
        ("r000000000000002", "not_evaluable", "run3"),
    }
    assert run_identity_checks(settings.checks, "run3").total == 1  # a retry reads what its first attempt read


def test_rerun_same_run_id_is_idempotent(checked):
    settings, _, first_rows, _ = checked
    assert len(first_rows) == len(CASES)
    assert stored_results(settings) == first_rows


def test_summary(checked):
    _, first, _, second = checked
    for summary in (first, second):
        assert (summary.run_id, summary.passed, summary.failed, summary.not_evaluable) == (RUN_ID, 3, 2, 2)
        assert {(f["check_id"], f["subject"]) for f in summary.failures} == {
            ("app.results_sum", "natural_person"),
            ("values.valid", "applications:new_received:natural_person"),
        }
        assert len(summary.error_failures) == 2
        assert summary.to_dict()["failures"][0]["difference"] == -5.0


def test_data_docs_built_in_settings_dir(checked):
    settings, first, _, _ = checked
    index = settings.gx_docs_dir / "index.html"
    assert first.data_docs_index == index
    assert index.is_file()
    assert "identities.applications" in index.read_text(encoding="utf-8")
    assert list((settings.gx_docs_dir / "validations").rglob("*.html"))
    assert not (REPO_ROOT / "gx").exists()


def test_data_docs_load_nothing_from_outside(checked):
    """Every page loads its scripts, styles, fonts and images from the site itself (expectations.offline_docs)."""
    settings, _, _, _ = checked
    site = settings.gx_docs_dir
    pages = [
        site / "index.html",
        *sorted(site.glob("validations/**/*.html"))[:1],
        *sorted(site.glob("expectations/**/*.html"))[:1],
    ]
    assert len(pages) == 3
    for page in pages:
        text = page.read_text(encoding="utf-8")
        # links a reader may follow are fine; any other absolute URL would be fetched
        assert not re.findall(r"https?://[^\s\"'<>)]+", re.sub(r"<a\b[^>]*>", "", text)), page
        loaded = re.findall(r"""<(?:script|link|img)\b[^>]*?\b(?:src|href)=["']([^"']+)["']""", text)
        loaded += re.findall(r"""url\(['"]?([^'")]+)['"]?\)""", text)
        local = [url for url in loaded if not url.startswith(("data:", "#"))]
        assert len(local) >= 15, (page, local)
        missing = [url for url in local if not (page.parent / unquote(url.split("?")[0])).resolve().is_file()]
        assert not missing, (page, missing)


def test_each_suite_has_one_expectation_per_identity_of_its_table():
    from expectations.suites import TABLES, build_suites

    suites = build_suites()
    assert (
        set(suites)
        == {"applications", "appeals", "legacy", "narrative", "cells", "reports", "sections", "reuse", "publication"}
        == set(TABLES)
    )
    seen = []
    for table, suite in suites.items():
        assert suite.name == f"identities.{table}"
        registry = [i for i in IDENTITIES if i.table == table]
        assert [e.meta["check_id"] for e in suite.expectations] == [i.check_id for i in registry]
        for expectation, identity in zip(suite.expectations, registry, strict=True):
            assert type(expectation).__name__ == "ExpectColumnPairValuesToBeEqual"
            assert (expectation.column_A, expectation.column_B) == ("expected", "observed")
            assert expectation.ignore_row_if == "either_value_is_missing"
            assert expectation.meta == {
                "check_id": identity.check_id,
                "severity": identity.severity,
                "description_en": identity.description_en,
                "description_zh": identity.description_zh,
            }
            seen.append(identity.check_id)
    assert sorted(seen) == sorted(i.check_id for i in IDENTITIES)


def test_missing_inputs_relation_is_a_clear_error(tmp_path, monkeypatch):
    from expectations.run_checks import run_identity_checks

    settings = use_tmp_settings(monkeypatch, tmp_path)
    make_warehouse(settings, [])
    conn = duckdb.connect(str(settings.warehouse_path))
    conn.execute("drop table intermediate.int_check_inputs")
    conn.close()
    with pytest.raises(RuntimeError, match="int_check_inputs is missing"):
        run_identity_checks(settings.checks, "manual__1")


def test_no_inputs_stores_nothing_and_still_builds_docs(tmp_path, monkeypatch):
    from expectations import run_checks
    from expectations.run_checks import run_identity_checks

    settings = use_tmp_settings(monkeypatch, tmp_path)
    make_warehouse(settings, [])
    summary = run_identity_checks(settings.checks, "manual__empty")
    assert (summary.passed, summary.failed, summary.not_evaluable, summary.failures) == (0, 0, 0, [])
    assert stored_results(settings) == []
    assert summary.data_docs_index.is_file()

    # again with nothing new: the docs exist, so GX does not even start
    monkeypatch.setattr(run_checks, "validate_inputs", lambda *args: pytest.fail("GX ran with no input row"))
    again = run_identity_checks(settings.checks, "manual__empty_again")
    assert (again.total, again.data_docs_index) == (0, summary.data_docs_index)


def test_inputs_contract_violations_raise():
    import pandas as pd

    from expectations.run_checks import prepare_inputs

    row = {
        "report_id": "r1",
        "check_id": "app.balance",
        "subject": "total",
        "expected": 1.0,
        "observed": 1.0,
        "note": None,
    }
    with pytest.raises(ValueError, match=r"not in expectations/identities\.py"):
        prepare_inputs(pd.DataFrame([{**row, "check_id": "no.such_check"}]))
    with pytest.raises(ValueError, match="repeats"):
        prepare_inputs(pd.DataFrame([row, row]))


def test_dag_facing_modules_do_not_import_gx_or_airflow():
    code = (
        "import sys, expectations.suites, expectations.run_checks, alerts.checks\n"
        "heavy = sorted(m for m in ('great_expectations', 'airflow', 'apprise') if m in sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, timeout=60)


def test_check_table_accepted_values_are_the_registry_tables() -> None:
    """fct_check_results.check_table accepts exactly the tables of the identity registry (a new one fails dbt)."""
    import yaml

    spec = yaml.safe_load((REPO_ROOT / "dbt_project/models/marts/fct_check_results.yml").read_text(encoding="utf-8"))
    (column,) = [c for c in spec["models"][0]["columns"] if c["name"] == "check_table"]
    (test,) = [t["accepted_values"] for t in column["data_tests"] if "accepted_values" in t]
    assert set(test["arguments"]["values"]) == {identity.table for identity in IDENTITIES}
