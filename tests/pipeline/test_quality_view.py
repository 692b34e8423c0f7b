"""The quality view and the run summary, rendered from hand-made failures (no warehouse, no server)."""

from __future__ import annotations

import re
from datetime import datetime
from html.parser import HTMLParser

import pytest

from expectations.failures import Failure
from expectations.runbook import runbook_anchor
from pipeline import quality_view
from pipeline.runbook_page import render_runbook
from pipeline.summary import check_lines

LATEST = datetime(2025, 2, 3)
EARLIER = datetime(2025, 2, 2)


def failure(agency: str, year: int, check_id: str, subject: str, severity: str, state: str, **extra) -> Failure:
    values = {
        "agency": agency,
        "report_year": year,
        "check_id": check_id,
        "subject": subject,
        "expected": 5.0,
        "observed": 0.0,
        "difference": -5.0,
        "severity": severity,
        "description_en": f"{check_id} holds",
        "description_zh": f"{check_id} 成立",
        "report_id": f"r{year}{agency}",
        "document": f"{agency}{year}.pdf",
        "run_id": "manual__2025-02-03",
        "check_table": "applications",
        "source_url": f"https://example.gov.cn/{year}.pdf",
        "alert_state": state,
        "state_at": LATEST if state != "open" else EARLIER,
        **extra,
    }
    return Failure(**values)


FAILURES = [
    failure("静乐县", 2020, "app.results_sum", "natural_person", "error", "new"),
    failure("金寨县人民政府", 2021, "app.balance", "total", "error", "open"),
    *(failure(f"机关{i}", 2022, "report.on_time", "due:2023-03-31", "warning", "open") for i in range(30)),
    failure(
        "华池县", 2020, "template.complete", "applications", "warning", "open", note="rows short of cells: granted"
    ),
    failure("盐池县", 2021, "narrative.applications", "new_received.total", "error", "resolved"),
]


@pytest.fixture
def data() -> quality_view.QualityData:
    return quality_view.QualityData(
        source="test",
        published_at=None,
        failures=FAILURES,
        checked=1749,
        reports=5,
        latest_at=LATEST,
        publication=[
            quality_view.Publication("静乐县", 2020, "on_time", "忻州市"),
            quality_view.Publication("静乐县", 2021, "late", "忻州市"),
            quality_view.Publication("华池县", 2021, "missing_overdue", "庆阳市"),
        ],
        cells={
            (FAILURES[0].report_id, "app.results_sum", "natural_person"): [
                quality_view.Cell("results_total", "natural_person", 0.0, "0", 3, 41),
                quality_view.Cell("new_received", "natural_person", 5.0, "5", None, 40),
            ]
        },
    )


class _Rows(HTMLParser):
    """Failure rows in document order, and every link."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict[str, str]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "tr" and found.get("class") == "failure":
            self.rows.append({k: v or "" for k, v in found.items()})
        if tag == "a" and found.get("href"):
            self.links.append(found["href"] or "")


def parse(page: str) -> _Rows:
    parser = _Rows()
    parser.feed(page)
    return parser


def test_header_counts_what_matters_now(data, tmp_settings) -> None:
    assert data.headline() == {"reports": 5, "errors": 2, "new": 1, "resolved": 1, "late": 2}
    page = quality_view.render(data, tmp_settings)
    numbers = dict(re.findall(r'data-number="(\w+)">(?:<a [^>]+>)?<b>(\d+)</b>', page))
    assert numbers == {"reports": "5", "errors": "2", "new": "1", "resolved": "1", "late": "2"}


def test_errors_lead_and_warnings_are_grouped_below(data, tmp_settings) -> None:
    page = quality_view.render(data, tmp_settings)
    rows = parse(page).rows
    assert [(r["data-check"], r["data-state"]) for r in rows[:2]] == [
        ("app.results_sum", "new"),
        ("app.balance", "open"),
    ]
    assert page.index('id="errors"') < page.index('id="warnings"') < page.index('id="resolved"')
    # the 30 publication warnings sit in one collapsed group, counted
    assert re.search(
        r'<details class="warnings" data-check="report.on_time"><summary><code>report.on_time</code> 30', page
    )
    assert "rows short of cells: granted" in page
    assert "p.3: “0”" in page and "l.40: “5”" in page  # the cells involved: page (or line) and raw text


def test_each_failure_links_document_runbook_task_log_and_docs(data, tmp_settings) -> None:
    links = parse(quality_view.render(data, tmp_settings)).links
    report_id = FAILURES[0].report_id
    assert f"/disclosure/document/{report_id}" in [
        link.replace("%E9%9D%99%E4%B9%90%E5%8E%BF", "静乐县") for link in links
    ]
    assert "https://example.gov.cn/2020.pdf" in links
    assert f"/disclosure/runbook#{runbook_anchor('app.results_sum')}" in links
    assert "/dags/disclosure_transform/runs/manual__2025-02-03/tasks/identity_checks" in links
    assert any(
        link.startswith("/disclosure/docs/dbt/index.html#!/model/model.disclosure.fct_applications") for link in links
    )


def test_filters(data, tmp_settings) -> None:
    def checks(**filters) -> list[str]:
        page = quality_view.render(data, tmp_settings, filters=quality_view.Filters(**filters))
        return [r["data-check"] for r in parse(page).rows]

    assert checks(status="resolved") == ["narrative.applications"]
    assert checks(status="new") == ["app.results_sum"]
    assert checks(region="庆阳") == ["template.complete"]
    assert checks(year=2021, severity="error") == ["app.balance", "narrative.applications"]
    assert checks(check="report.on_time").count("report.on_time") == 30
    assert checks(agency="静乐") == ["app.results_sum"]


def test_charts_are_inline_svg_and_labels_switch_language(data, tmp_settings) -> None:
    page = quality_view.render(data, tmp_settings, filters=quality_view.Filters(lang="zh"))
    assert (
        page.count("<svg") == 2
        and "<script" not in page
        and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    )
    assert "待处理错误" in page and '<html lang="zh-CN">' in page
    assert quality_view.language("", "zh-CN,zh;q=0.9,en;q=0.8") == "zh"
    assert quality_view.language("", "de-DE,en;q=0.5") == "en"
    assert quality_view.language("en", "zh-CN") == "en"


def test_runbook_page_renders_the_anchors_the_links_use() -> None:
    from expectations.identities import IDENTITIES

    ids = set(re.findall(r'<h[1-6] id="([^"]+)"', render_runbook()))
    assert {runbook_anchor(i.check_id) for i in IDENTITIES} <= ids


def test_summary_lists_errors_with_documents_then_warnings_by_check() -> None:
    lines = check_lines({"passed": 10, "failed": 34, "not_evaluable": 1}, FAILURES)
    text = "\n".join(lines)
    assert text.index("Errors to act on (2):") < text.index("Warnings by check (31 in 31 reports):")
    errors = text.split("Errors to act on (2):")[1].split("Warnings")[0]
    assert "静乐县2020.pdf" in errors and "金寨县人民政府2021.pdf" in errors and "report.on_time" not in errors
    assert re.search(r"report\.on_time\s+30\s+30", text)
    assert "narrative.applications" not in text.split("Errors to act on")[1]  # resolved: not listed
    assert "1 resolved" in text


def test_summary_counts_what_it_does_not_show(monkeypatch) -> None:
    import pipeline.summary

    monkeypatch.setattr(pipeline.summary, "MAX_ERROR_ROWS", 1)
    text = "\n".join(check_lines({}, FAILURES))
    assert "... 1 more errors not shown: all in marts.fct_check_results" in text
