"""The report page's data (pipeline.report_page) on hand-made marts, and its block in the quality view."""

from __future__ import annotations

from collections.abc import Iterator

import duckdb
import pytest

from expectations.failures import Failure
from pipeline import quality_view, report_page
from pipeline.settings import Settings

R2022, R2021, OTHER = "a" * 16, "b" * 16, "c" * 16

MARTS_DDL = (
    "create schema marts",
    "create table marts.fct_report_sections (report_id varchar, section_no integer, section_number varchar, "
    "title varchar, section_text varchar, n_chars integer, reuse_ratio double)",
    "create table marts.fct_report_reuse (report_id varchar, previous_report_id varchar, n_sentences integer, "
    "n_reused_sentences integer, reuse_ratio double)",
    "create table marts.fct_table_changes (report_id varchar, table_name varchar, article_item varchar, "
    "row_code varchar, column_code varchar, previous_value double, value double, change_kind varchar)",
)


@pytest.fixture
def conn() -> Iterator[duckdb.DuckDBPyConnection]:
    conn = duckdb.connect()
    for statement in MARTS_DDL:
        conn.execute(statement)
    conn.execute(
        "insert into marts.fct_report_sections values "
        f"('{R2022}', 6, '六', '其他需要报告的事项', '/', 0, null), "
        f"('{R2022}', 5, '五', '存在的主要问题及改进情况', '问题……', 120, 0.9), "
        f"('{OTHER}', 1, '一', '总体情况', '……', 300, null)"
    )
    conn.execute(f"insert into marts.fct_report_reuse values ('{R2022}', '{R2021}', 30, 29, 0.9667)")
    changes = [f"('{R2022}', 'applications', null, 'new_received', 'total', 6, 6.5, 'changed')"]
    changes += [
        f"('{R2022}', 'proactive', '20.1', 'r{i:02d}', 'new', null, {i + 1}, 'appeared')"
        for i in range(report_page.MAX_CHANGES + 2)
    ]
    conn.execute(f"insert into marts.fct_table_changes values {', '.join(changes)}")
    yield conn
    conn.close()


def details(conn: duckdb.DuckDBPyConnection, report_ids: set[str]) -> dict[str, report_page.ReportDetail]:
    tables = set(conn.execute("select table_schema, table_name from information_schema.tables").fetchall())
    return report_page.read_details(lambda sql: conn.execute(sql).fetchall(), tables, report_ids)


def test_sections_reuse_and_largest_changes_of_the_asked_reports(conn) -> None:
    found = details(conn, {R2022, "publication:某县:2022"})
    assert list(found) == [R2022]  # OTHER not asked; a publication key has no detail
    detail = found[R2022]
    assert [(s.section_number, s.n_chars, s.reuse_ratio) for s in detail.sections] == [
        ("五", 120, 0.9),
        ("六", 0, None),
    ]
    assert detail.reuse == report_page.Reuse(R2021, 30, 29, 0.9667)
    assert detail.n_changes == report_page.MAX_CHANGES + 3
    assert len(detail.changes) == report_page.MAX_CHANGES
    assert detail.changes[0].value == report_page.MAX_CHANGES + 2  # the largest difference first
    assert all(c.row_code != "new_received" for c in detail.changes)  # 0.5 is the smallest: counted, not listed


def test_a_warehouse_without_the_new_marts_gives_no_detail(conn) -> None:
    conn.execute("drop schema marts cascade")
    assert details(conn, {R2022}) == {}


def test_rendered_block_shows_parts_reuse_and_changes(conn) -> None:
    html = report_page.render_detail(details(conn, {R2022})[R2022])
    for text in ("存在的主要问题及改进情况", "97%", f"29 of 30 sentences in last year's report <code>{R2021}</code>"):
        assert text in html
    assert "Changed cells since last year / 与上年相比变化的单元格: 23" in html
    assert "and 3 more" in html
    assert report_page.render_detail(None) == ""


def test_quality_view_shows_the_block_under_the_reports_failures(conn, tmp_settings: Settings) -> None:
    failure = Failure(
        report_id=R2022, check_id="report.reused_text", subject="sentences", expected=0.5, observed=0.97,
        difference=0.47, severity="warning", run_id="run1", agency="盐池县人民政府办公室", report_year=2022,
        document="doc.txt", description_en="en", description_zh="zh", check_table="reuse", alert_state="new",
    )  # fmt: skip
    data = quality_view.QualityData("test", None, [failure], 1, 1, details=details(conn, {R2022}))
    page = quality_view.render(data, tmp_settings)
    assert page.index("report.reused_text") < page.index('<div class="report-detail">')
    assert "29 of 30 sentences" in page
