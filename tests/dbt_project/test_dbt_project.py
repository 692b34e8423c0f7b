"""The dbt project on a hand-made DuckDB warehouse: staging, identity inputs, marts.

One module-scoped warehouse holds two reports:

* `REPORT_002` (gov2019), shaped like sample 002: 5 applications received
  and 5 granted, but (七) 总计 0. An older parser generation of the same
  document says 99 received; staging must keep the newer one.
* `REPORT_NULL` (gov2021): partially_granted x natural_person is null and
  the litigation_direct total is missing.

The fixture runs `dbt build` once (raw.check_results empty, as before GX
runs), then writes two check runs the way expectations.run_checks does and
rebuilds the marts only, as the transform DAG does after GX.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from extractors import codes
from pipeline.settings import Settings
from warehouse.raw_schema import create_statements
from warehouse.transform import run_dbt

SHA_002 = hashlib.sha256(b"sample 002").hexdigest()
SHA_NULL = hashlib.sha256(b"report with a null cell").hexdigest()
REPORT_002 = SHA_002[:16]
REPORT_NULL = SHA_NULL[:16]
AGENCY_002 = "某市人民政府办公室"
AGENCY_NULL = "某县财政局"
PARSER_OLD, PARSER_NEW = "0.1.0", "0.2.0"

CONTRACT_COLUMNS = {  # DESIGN.md section 6
    "dim_report": [
        "report_id",
        "agency_id",
        "agency_name",
        "report_year",
        "template",
        "source_url",
        "sha256",
        "published_on",
        "quality_status",
    ],
    "fct_applications": ["report_id", "row_code", "applicant", "value"],
    "fct_appeals": ["report_id", "proceeding", "outcome", "value"],
    "fct_disclosures": ["report_id", "article_item", "category", "measure", "value"],
    "fct_check_results": [
        "report_id",
        "check_id",
        "subject",
        "expected",
        "observed",
        "severity",
        "status",
    ],
}


# ---------------------------------------------------------------- raw rows


def application_cells(sha: str, parser: str, template: str, values: dict) -> list[tuple]:
    """Every cell of the template's application table; `values[(row, applicant)]` or 0."""
    rows = []
    for line, row in enumerate(codes.application_rows_of(template), start=1):
        for applicant in codes.APPLICANT_CODES:
            value = values.get((row, applicant), 0.0)
            raw_text = "" if value is None else f"{value:g}"
            rows.append(cell(sha, parser, "applications", None, row, applicant, value, raw_text, line))
    return rows


def appeal_cells(sha: str, parser: str, values: dict) -> list[tuple]:
    rows = []
    for proceeding in codes.APPEAL_PROCEEDING_CODES:
        for outcome in codes.APPEAL_OUTCOME_CODES:
            key = (proceeding, outcome)
            if key in values and values[key] == "absent":
                continue  # the parser emitted no cell at all
            value = values.get(key, 0.0)
            rows.append(cell(sha, parser, "appeals", None, proceeding, outcome, value, f"{value:g}", 80))
    return rows


def cell(sha, parser, table, article, row, column, value, raw_text, line_no) -> tuple:
    return (sha[:16], sha, parser, table, article, row, column, value, raw_text, 1, line_no, None, False, None)


def raw_rows() -> dict[str, list[tuple]]:
    documents = [
        (SHA_002, PARSER_OLD, "002_sample.txt", None, None, "text", 1000, "parsed", datetime(2025, 1, 1)),
        (SHA_002, PARSER_NEW, "002_sample.txt", None, None, "text", 1000, "parsed", datetime(2025, 2, 1)),
        (
            SHA_NULL,
            PARSER_NEW,
            "county_finance_2021.pdf",
            "https://example.gov.cn/2021.pdf",
            None,
            "pdf",
            5000,
            "parsed",
            datetime(2025, 2, 1),
        ),
    ]
    reports = [
        (REPORT_002, SHA_002, PARSER_OLD, "002_sample.txt", AGENCY_002, 2020, "gov2019", None, None),
        (REPORT_002, SHA_002, PARSER_NEW, "002_sample.txt", AGENCY_002, 2020, "gov2019", None, None),
        (
            REPORT_NULL,
            SHA_NULL,
            PARSER_NEW,
            "county_finance_2021.pdf",
            AGENCY_NULL,
            2021,
            "gov2021",
            date(2022, 1, 20),
            "url",
        ),
    ]
    received_granted_002 = {
        (row, applicant): 5.0 for row in ("new_received", "granted") for applicant in ("natural_person", "total")
    }
    null_report = {
        (row, applicant): 2.0
        for row in ("new_received", "granted", "results_total")
        for applicant in ("natural_person", "total")
    }
    null_report[("partially_granted", "natural_person")] = None
    cells = (
        application_cells(SHA_002, PARSER_OLD, "gov2019", {("new_received", "natural_person"): 99.0})
        + application_cells(SHA_002, PARSER_NEW, "gov2019", received_granted_002)
        + appeal_cells(SHA_002, PARSER_NEW, {})
        + [
            cell(SHA_002, PARSER_NEW, "proactive", "20.1", "regulation", "new_made", 1.0, "1", 10),
            cell(SHA_002, PARSER_NEW, "proactive", "20.8", "admin_fee", "prev_count", 2.0, "2", 11),
            cell(SHA_002, PARSER_NEW, "proactive", "20.8", "admin_fee", "change", -1.0, "-1", 11),
            cell(
                SHA_002, PARSER_NEW, "proactive", "20.9", "central_procurement", "procurement_amount", 12.5, "12.5", 12
            ),
        ]
        + application_cells(SHA_NULL, PARSER_NEW, "gov2021", null_report)
        + appeal_cells(SHA_NULL, PARSER_NEW, {("litigation_direct", "total"): "absent"})
    )
    narrative_facts = [
        (REPORT_002, SHA_002, PARSER_NEW, "applications_received", 1, 5.0, "收到申请5件", 1, 3),
        (REPORT_NULL, SHA_NULL, PARSER_NEW, "proactive_published_total", 1, 10.0, "主动公开10条", 1, 2),
        (REPORT_NULL, SHA_NULL, PARSER_NEW, "proactive_published_part", 1, 4.0, "其中4条", 1, 2),
        (REPORT_NULL, SHA_NULL, PARSER_NEW, "proactive_published_part", 2, 6.0, "6条", 1, 2),
    ]
    parse_issues = [
        (
            REPORT_NULL,
            SHA_NULL,
            PARSER_NEW,
            1,
            "row.value_missing",
            "warning",
            "部分公开 natural_person has no value",
            "applications",
            "partially_granted",
            1,
            30,
        ),
    ]
    return {
        "documents": documents,
        "reports": reports,
        "cells": cells,
        "narrative_facts": narrative_facts,
        "parse_issues": parse_issues,
    }


def make_raw_warehouse(settings: Settings) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        for statement in create_statements():
            conn.execute(statement)
        for table, rows in raw_rows().items():
            placeholders = ", ".join("?" * len(rows[0]))
            conn.executemany(f"insert into raw.{table} values ({placeholders})", rows)


CHECK_RUNS = [  # (run_id, validated_at, report_id, check_id, subject, expected, observed, severity, status)
    ("run-1", datetime(2025, 2, 2), REPORT_002, "app.balance", "total", 5.0, 5.0, "error", "passed"),
    ("run-1", datetime(2025, 2, 2), REPORT_002, "app.row_total", "granted", 3.0, 4.0, "error", "failed"),
    ("run-2", datetime(2025, 2, 3), REPORT_002, "app.row_total", "granted", 4.0, 4.0, "error", "passed"),
    ("run-2", datetime(2025, 2, 3), REPORT_002, "app.results_sum", "natural_person", 5.0, 0.0, "error", "failed"),
    ("run-2", datetime(2025, 2, 3), REPORT_002, "app.balance", "natural_person", 5.0, 0.0, "error", "failed"),
    (
        "run-2",
        datetime(2025, 2, 3),
        REPORT_NULL,
        "app.results_sum",
        "natural_person",
        None,
        2.0,
        "error",
        "not_evaluable",
    ),
    (
        "run-2",
        datetime(2025, 2, 3),
        REPORT_NULL,
        "template.complete",
        "applications",
        175.0,
        174.0,
        "warning",
        "failed",
    ),
]


def write_check_runs(settings: Settings) -> None:
    """Each CHECK_RUNS row as one stored change, first and last seen in its run."""
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        conn.executemany(
            "insert into raw.check_results (first_seen_run, first_seen_at, last_seen_run, last_seen_at, report_id, "
            "check_id, subject, expected, observed, difference, severity, status) values (?, ?, ?, ?, ?, ?, ?, ?, ?, "
            "round(? - ?, 2), ?, ?)",
            [(*row[:2], *row[:7], row[6], row[5], *row[7:]) for row in CHECK_RUNS],
        )


def query(settings: Settings, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql, params or []).fetchall()


# ---------------------------------------------------------------- fixture


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    """Build everything with raw.check_results empty, snapshot, then add check runs and rebuild marts."""
    home = tmp_path_factory.mktemp("home")
    with pytest.MonkeyPatch.context() as monkeypatch:
        for name in ("DISCLOSURE_WAREHOUSE", "DISCLOSURE_DOCS_DIR", "DISCLOSURE_WAREHOUSE_PATH"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("DISCLOSURE_HOME", str(home))
        settings = Settings.from_env()
    make_raw_warehouse(settings)

    run_dbt(settings.dbt, ["build"])
    before_checks = {
        "dim_report": query(settings, "select report_id, quality_status, n_failed_checks from marts.dim_report"),
        "fct_check_results": query(settings, "select count(*) from marts.fct_check_results")[0][0],
    }

    write_check_runs(settings)
    run_dbt(settings.dbt, ["build", "--select", "marts"])
    return settings, before_checks


def inputs(settings: Settings, report_id: str, check_id: str) -> dict[str, tuple]:
    rows = query(
        settings,
        "select subject, expected, observed from intermediate.int_check_inputs where report_id = ? and check_id = ?",
        [report_id, check_id],
    )
    return {subject: (expected, observed) for subject, expected, observed in rows}


# ---------------------------------------------------------------- schemas and staging


def test_schemas_are_named_exactly(warehouse):
    settings, _ = warehouse
    schemas = {row[0] for row in query(settings, "select schema_name from information_schema.schemata")}
    assert {"raw", "seeds", "staging", "intermediate", "marts"} <= schemas
    assert not any(schema.startswith("main_") for schema in schemas)


def test_staging_keeps_the_newest_parser_generation(warehouse):
    settings, _ = warehouse
    documents = query(settings, "select report_id, parser_version from staging.stg_documents order by 1")
    assert documents == sorted([(REPORT_002, PARSER_NEW), (REPORT_NULL, PARSER_NEW)])
    received = query(
        settings,
        "select value, raw_text, page, line_no from staging.stg_cells where report_id = ? "
        "and table_name = 'applications' and row_code = 'new_received' and column_code = 'natural_person'",
        [REPORT_002],
    )
    assert received == [(5.0, "5", 1, 1)]


def test_applications_wide_has_a_column_per_row_code(warehouse):
    settings, _ = warehouse
    columns = [
        row[0]
        for row in query(
            settings,
            "select column_name from information_schema.columns where table_schema = 'intermediate' "
            "and table_name = 'int_applications_wide'",
        )
    ]
    expected = {code.replace(".", "__") for code in codes.APPLICATION_ROW_CODES}
    assert expected <= set(columns)
    row = query(
        settings,
        "select new_received, granted, results_total, partially_granted from intermediate.int_applications_wide "
        "where report_id = ? and applicant = 'natural_person'",
        [REPORT_NULL],
    )
    assert row == [(2.0, 2.0, 2.0, None)]


# ---------------------------------------------------------------- identity inputs


def test_results_sum_like_sample_002(warehouse):
    settings, _ = warehouse
    results_sum = inputs(settings, REPORT_002, "app.results_sum")
    assert results_sum["natural_person"] == (5.0, 0.0)
    assert results_sum["total"] == (5.0, 0.0)
    assert results_sum["commercial_enterprise"] == (0.0, 0.0)
    assert set(results_sum) == set(codes.APPLICANT_CODES)
    balance = inputs(settings, REPORT_002, "app.balance")
    assert balance["natural_person"] == (5.0, 0.0)
    assert balance["total"] == (5.0, 0.0)


def test_null_cell_makes_inputs_not_evaluable(warehouse):
    settings, _ = warehouse
    assert inputs(settings, REPORT_NULL, "app.results_sum")["natural_person"] == (None, 2.0)
    assert inputs(settings, REPORT_NULL, "app.results_sum")["total"] == (2.0, 2.0)
    assert inputs(settings, REPORT_NULL, "app.row_total")["partially_granted"] == (None, 0.0)
    appeal_sum = inputs(settings, REPORT_NULL, "appeal.sum")
    assert appeal_sum["litigation_direct"] == (0.0, None)
    assert appeal_sum["admin_review"] == (0.0, 0.0)


def test_row_totals_per_template_row(warehouse):
    settings, _ = warehouse
    assert set(inputs(settings, REPORT_002, "app.row_total")) == set(codes.application_rows_of("gov2019"))
    assert set(inputs(settings, REPORT_NULL, "app.row_total")) == set(codes.application_rows_of("gov2021"))


def test_narrative_inputs(warehouse):
    settings, _ = warehouse
    assert inputs(settings, REPORT_002, "narrative.applications") == {"new_received.total": (5.0, 5.0)}
    assert inputs(settings, REPORT_NULL, "narrative.applications") == {}
    assert inputs(settings, REPORT_NULL, "narrative.proactive") == {"proactive_published_total": (10.0, 10.0)}


def test_values_valid_skips_nulls_and_signed_change(warehouse):
    settings, _ = warehouse
    values = inputs(settings, REPORT_002, "values.valid")
    assert values["proactive:admin_fee:prev_count"] == (2.0, 2.0)
    assert values["proactive:central_procurement:procurement_amount"] == (12.5, 12.5)
    assert "proactive:admin_fee:change" not in values
    assert "applications:partially_granted:natural_person" not in inputs(settings, REPORT_NULL, "values.valid")


def test_template_complete_counts_present_cells(warehouse):
    settings, _ = warehouse
    complete_002 = inputs(settings, REPORT_002, "template.complete")
    assert complete_002["applications"] == (23 * 7.0, 23 * 7.0)
    assert complete_002["appeals"] == (15.0, 15.0)
    assert complete_002["proactive"] == (22.0, 4.0)  # 20.1 one cell, 20.8 two (change counts), 20.9 one
    complete_null = inputs(settings, REPORT_NULL, "template.complete")
    assert complete_null["applications"] == (25 * 7.0, 25 * 7.0 - 1)
    assert complete_null["appeals"] == (15.0, 14.0)
    assert complete_null["proactive"] == (10.0, 0.0)  # gov2021 (〔2021〕30号) has no 其他对外管理服务事项 row


def test_check_inputs_keys_are_unique(warehouse):
    settings, _ = warehouse
    duplicates = query(
        settings,
        "select report_id, check_id, subject from intermediate.int_check_inputs group by all having count(*) > 1",
    )
    assert duplicates == []


# ---------------------------------------------------------------- marts


def test_marts_have_the_contract_columns(warehouse):
    settings, _ = warehouse
    for table, contract in CONTRACT_COLUMNS.items():
        columns = [
            row[0]
            for row in query(
                settings,
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? order by ordinal_position",
                [table],
            )
        ]
        assert set(contract) <= set(columns), (table, columns)


def test_cells_carry_their_split_flag_and_ocr_confidence_to_the_facts(warehouse):
    settings, _ = warehouse
    for model in ("staging.stg_cells", "marts.fct_applications", "marts.fct_appeals", "marts.fct_disclosures"):
        assert query(settings, f"select distinct split, confidence from {model}") == [(False, None)], model


def test_marts_build_before_any_check_results(warehouse):
    _, before_checks = warehouse
    assert before_checks["fct_check_results"] == 0
    assert sorted(before_checks["dim_report"]) == sorted([(REPORT_002, None, 0), (REPORT_NULL, None, 0)])


def test_empty_registry_snapshot_expects_nothing(warehouse):
    # raw.sources is empty here (no registry snapshot yet): monitoring is empty, the build still passes
    settings, _ = warehouse
    assert query(settings, "select count(*) from raw.sources") == [(0,)]
    assert query(settings, "select count(*) from marts.fct_publication") == [(0,)]
    assert query(
        settings,
        "select count(*) from intermediate.int_check_inputs where check_id in ('report.on_time', 'year.carry')",
    ) == [(0,)]


def test_dim_report_and_agency(warehouse):
    settings, _ = warehouse
    rows = query(
        settings,
        "select report_id, agency_id, agency_name, report_year, template, source_url, parser_version, "
        "n_parse_issues, quality_status from marts.dim_report order by report_year",
    )
    agency_002 = hashlib.md5(AGENCY_002.encode()).hexdigest()[:12]
    agency_null = hashlib.md5(AGENCY_NULL.encode()).hexdigest()[:12]
    assert rows == [
        (
            REPORT_002,
            agency_002,
            AGENCY_002,
            2020,
            "gov2019",
            None,
            PARSER_NEW,
            0,
            "failed",
        ),
        (
            REPORT_NULL,
            agency_null,
            AGENCY_NULL,
            2021,
            "gov2021",
            "https://example.gov.cn/2021.pdf",
            PARSER_NEW,
            1,
            "incomplete",
        ),
    ]
    failed = query(settings, "select report_id, check_id, severity, n_failed_subjects from marts.fct_failed_checks")
    assert sorted(failed) == [
        (REPORT_002, "app.balance", "error", 1),
        (REPORT_002, "app.results_sum", "error", 1),
        (REPORT_NULL, "template.complete", "warning", 1),
    ]
    dated = query(settings, "select published_on, published_on_source from marts.dim_report order by report_year")
    assert dated == [(None, None), (date(2022, 1, 20), "url")]
    agencies = query(settings, "select agency_id, agency_name, first_report_year, n_reports from marts.dim_agency")
    assert sorted(agencies) == sorted([(agency_002, AGENCY_002, 2020, 1), (agency_null, AGENCY_NULL, 2021, 1)])


def test_fct_check_results_holds_the_latest_run(warehouse):
    settings, _ = warehouse
    rows = query(
        settings,
        "select report_id, check_id, subject, expected, observed, difference, severity, status, run_id, "
        "agency_name, report_year, description_en is not null from marts.fct_check_results order by all",
    )
    assert rows == [
        (
            REPORT_002,
            "app.balance",
            "natural_person",
            5.0,
            0.0,
            -5.0,
            "error",
            "failed",
            "run-2",
            AGENCY_002,
            2020,
            True,
        ),
        (
            REPORT_002,
            "app.results_sum",
            "natural_person",
            5.0,
            0.0,
            -5.0,
            "error",
            "failed",
            "run-2",
            AGENCY_002,
            2020,
            True,
        ),
        (REPORT_002, "app.row_total", "granted", 4.0, 4.0, 0.0, "error", "passed", "run-2", AGENCY_002, 2020, True),
        (
            REPORT_NULL,
            "app.results_sum",
            "natural_person",
            None,
            2.0,
            None,
            "error",
            "not_evaluable",
            "run-2",
            AGENCY_NULL,
            2021,
            True,
        ),
        (
            REPORT_NULL,
            "template.complete",
            "applications",
            175.0,
            174.0,
            -1.0,
            "warning",
            "failed",
            "run-2",
            AGENCY_NULL,
            2021,
            True,
        ),
    ]


def test_check_history_keeps_every_change_and_the_current_state(warehouse):
    settings, _ = warehouse
    history = query(
        settings,
        "select first_seen_run, status, previous_status, change_kind, is_current from marts.fct_check_history "
        "where report_id = ? and check_id = 'app.row_total' order by first_seen_run",
        [REPORT_002],
    )
    assert history == [("run-1", "failed", None, "new", False), ("run-2", "passed", "failed", "resolved", True)]
    states = query(
        settings,
        "select check_id, subject, alert_state, state_at = validated_at from marts.fct_check_results "
        "where alert_state is not null order by all",
    )
    assert states == [
        ("app.balance", "natural_person", "new", True),
        ("app.results_sum", "natural_person", "new", True),
        ("app.row_total", "granted", "resolved", True),
        ("template.complete", "applications", "new", True),
    ]


def test_facts_keep_nulls_and_labels(warehouse):
    settings, _ = warehouse
    partially = query(
        settings,
        "select value, row_label_zh, applicant_label_zh from marts.fct_applications "
        "where report_id = ? and row_code = 'partially_granted' and applicant = 'natural_person'",
        [REPORT_NULL],
    )
    assert partially == [(None, "（二）部分公开", "自然人")]
    appeals = query(settings, "select count(*) from marts.fct_appeals where report_id = ?", [REPORT_NULL])
    assert appeals == [(14,)]
    disclosures = query(
        settings,
        "select article_item, category, measure, value, is_amount from marts.fct_disclosures "
        "where report_id = ? order by all",
        [REPORT_002],
    )
    assert disclosures == [
        ("20.1", "regulation", "new_made", 1.0, False),
        ("20.8", "admin_fee", "change", -1.0, False),
        ("20.8", "admin_fee", "prev_count", 2.0, False),
        ("20.9", "central_procurement", "procurement_amount", 12.5, True),
    ]


def test_agency_year_rates_stay_null_without_a_denominator(warehouse):
    settings, _ = warehouse
    rows = query(
        settings,
        "select agency_name, report_year, applications_received, applications_granted, grant_rate, "
        "appeals_total, appeal_correction_rate, n_failed_checks from marts.agg_agency_year order by report_year",
    )
    assert rows == [
        (AGENCY_002, 2020, 5.0, 5.0, None, 0.0, None, 2),  # (七) 总计 0: no grant rate
        (AGENCY_NULL, 2021, 2.0, 2.0, 1.0, None, None, 1),  # litigation_direct total missing
    ]


# ---------------------------------------------------------------- run_dbt / build_docs


def test_dbt_writes_under_home_not_the_repo(warehouse):
    settings, _ = warehouse
    assert (settings.dbt.target_path / "manifest.json").exists()
    assert (settings.home / "dbt" / "logs" / "dbt.log").exists()


def test_run_dbt_failure_raises_with_output_tail(tmp_path):
    settings = Settings(
        home=tmp_path,
        input_dir=tmp_path,
        warehouse_target="duckdb",
        warehouse_path=tmp_path / "w.duckdb",
        published_path=tmp_path / "p.duckdb",
        postgres_dsn="postgresql://postgres@127.0.0.1:5432/disclosure",
        parsed_dir=tmp_path,
        docs_dir=tmp_path,
        dbt_project_dir=Path(tmp_path),  # no dbt_project.yml here
    )
    with pytest.raises(RuntimeError, match=r"dbt parse failed with exit code \d+.*last lines"):
        run_dbt(settings.dbt, ["parse"])


def test_build_docs_fixes_the_static_page_slips(tmp_path, monkeypatch):
    """Both copies get STATIC_DOCS_FIXES (no template fetched as a URL); the rest stays as dbt wrote it."""
    import warehouse.transform as transform

    for name in ("DISCLOSURE_WAREHOUSE", "DISCLOSURE_DOCS_DIR", "DISCLOSURE_WAREHOUSE_PATH"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path))
    config = Settings.from_env().dbt

    def generate(config, args):
        config.target_path.mkdir(parents=True)
        page = "".join(slip for slip, _ in transform.STATIC_DOCS_FIXES) + "<p>报告</p>"
        (config.target_path / "static_index.html").write_text(page, encoding="utf-8")

    monkeypatch.setattr(transform, "run_dbt", generate)
    index = transform.build_docs(config)
    assert index == config.docs_dir / "index.html"
    fixed = "".join(fix for _, fix in transform.STATIC_DOCS_FIXES) + "<p>报告</p>"
    assert index.read_text(encoding="utf-8") == fixed
    assert (config.docs_dir / "static_index.html").read_text(encoding="utf-8") == fixed
