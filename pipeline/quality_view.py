"""The data and the HTML of the quality view, the on-call home page (served by `plugins/disclosure_quality.py`).

Plain Python, no Airflow. It reads the current identity check results of
`marts.fct_check_results` (with their on-call state: new, open, resolved,
superseded), `marts.dim_report`, the cells involved from the fact marts and
publication monitoring from `marts.fct_publication`, and renders one
server-side HTML page for a person who has ten seconds:

* a header with the numbers that matter now (reports, errors to act on, new
  and resolved since the last run, publications late or missing);
* two charts drawn as inline SVG (no script, nothing from outside):
  failures per check and report year, and publication status per agency and
  year;
* the errors to act on first, each with the cells involved (page and raw
  text), the landed document and its original URL, the runbook section of
  the check, the Airflow task log of the run that found it and the GX / dbt
  docs; then the warnings grouped by check, collapsed; then the resolved;
* filters by agency, region, year, check, severity and status; Chinese or
  English labels (`?lang=`, else the browser's Accept-Language).

* DuckDB (embedded default): it reads the PUBLISHED copy
  (`DISCLOSURE_PUBLISHED_PATH`), opened read-only for each request, never the
  file the pipeline writes (DuckDB allows one process on a file that is being
  written; the copy is replaced by rename after each transform run).
* Postgres (server mode): the `marts` schema of the warehouse database.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from expectations.failures import MARTS, Failure, read_failures
from expectations.identities import IDENTITIES, IDENTITY_BY_ID
from expectations.runbook import runbook_anchor
from extractors.landing import landing_path
from extractors.storage import AnyPath
from pipeline.report_page import ReportDetail, read_details, render_detail
from pipeline.settings import Settings

DBT_PROJECT = "disclosure"


TRANSFORM_DAG, CHECK_TASK = "disclosure_transform", "identity_checks"  # the task that stores check results
STATES = ("new", "open", "resolved")
PUBLICATION_COLOURS = {
    "on_time": "#38a169",
    "late": "#dd6b20",
    "missing_overdue": "#c53030",
    "not_yet_due": "#cbd5e0",
}
OTHER_COLOUR = "#edf2f7"  # unverified and anything else: no date to judge by

# Which cells a failed check is about, by its subject: (mart, row column, column column, rows or None = all).
_BALANCE_ROWS = ("new_received", "carried_over", "results_total", "carried_forward")

LABELS: dict[str, dict[str, str]] = {
    "title": {"en": "Disclosure quality", "zh": "信息公开年报质量"},
    "reports": {"en": "reports", "zh": "份报告"},
    "errors": {"en": "errors to act on", "zh": "待处理错误"},
    "new": {"en": "new since the last run", "zh": "本次新增"},
    "resolved": {"en": "resolved since the last run", "zh": "本次已解决"},
    "late": {"en": "publications late or missing", "zh": "逾期或未公开"},
    "chart_checks": {"en": "Failures per check and report year", "zh": "各检查项失败数（按报告年度）"},
    "chart_publication": {"en": "Publication status per agency and year", "zh": "各机关各年度公开状态"},
    "errors_h": {"en": "Errors to act on", "zh": "待处理错误"},
    "warnings_h": {"en": "Warnings, by check", "zh": "警告（按检查项）"},
    "resolved_h": {"en": "Resolved", "zh": "已解决"},
    "reports_h": {
        "en": "Reports with failures: parts, reuse, changed cells",
        "zh": "有问题的报告：各部分、文本重复、变化的数字",
    },
    "none": {"en": "Nothing to act on.", "zh": "没有待处理的问题。"},
    "agency": {"en": "agency", "zh": "机关"},
    "region": {"en": "region", "zh": "地区"},
    "year": {"en": "year", "zh": "年度"},
    "check": {"en": "check", "zh": "检查项"},
    "severity": {"en": "severity", "zh": "级别"},
    "status": {"en": "status", "zh": "状态"},
    "subject": {"en": "subject", "zh": "对象"},
    "expected": {"en": "expected", "zh": "应为"},
    "observed": {"en": "observed", "zh": "实为"},
    "cells": {"en": "cells (page: raw text)", "zh": "单元格（页：原文）"},
    "links": {"en": "links", "zh": "链接"},
    "document": {"en": "document", "zh": "原文件"},
    "original": {"en": "original URL", "zh": "原网址"},
    "runbook": {"en": "runbook", "zh": "处置手册"},
    "task_log": {"en": "task log", "zh": "任务日志"},
    "filter": {"en": "filter", "zh": "筛选"},
    "clear": {"en": "clear", "zh": "清除"},
    "any": {"en": "any", "zh": "全部"},
    "on_time": {"en": "on time", "zh": "按时"},
    "late_s": {"en": "late", "zh": "逾期"},
    "missing_overdue": {"en": "missing", "zh": "未公开"},
    "not_yet_due": {"en": "not due", "zh": "未到期"},
    "unverified": {"en": "unverified", "zh": "无法核实"},
    "docs": {"en": "Docs", "zh": "文档"},
    "source": {"en": "read from", "zh": "数据来源"},
}


def label(key: str, lang: str) -> str:
    return LABELS[key][lang]


def language(requested: str, accept_language: str = "") -> str:
    """`zh` or `en`: the `lang` parameter, else the browser's first language we have."""
    if requested in ("zh", "en"):
        return requested
    for part in accept_language.split(","):
        code = part.split(";")[0].strip().lower()
        if code.startswith(("zh", "en")):
            return code[:2]
    return "en"


class NoWarehouse(Exception):
    """No published warehouse yet (the pipeline has not run) or no check results in it."""


@dataclass(frozen=True)
class Publication:
    agency: str
    year: int
    status: str
    region: str


@dataclass(frozen=True)
class Cell:
    row: str
    column: str
    value: float | None
    raw_text: str | None
    page: int | None
    line_no: int | None


@dataclass
class QualityData:
    source: str
    published_at: datetime | None
    failures: list[Failure] = field(default_factory=list)  # failed now, or resolved
    checked: int = 0  # current result rows (passed + failed + not evaluable)
    reports: int = 0  # reports in dim_report (not publication keys)
    latest_at: Any = None  # when the latest validation run validated
    publication: list[Publication] = field(default_factory=list)
    cells: dict[tuple[str, str, str], list[Cell]] = field(default_factory=dict)  # (report, check, subject)
    details: dict[str, ReportDetail] = field(default_factory=dict)  # report page (pipeline.report_page)

    @property
    def regions(self) -> dict[str, str]:
        return {p.agency: p.region for p in self.publication if p.region}

    def state(self, f: Failure) -> str:
        """new / open / resolved (superseded failures count as resolved: a newer version stands)."""
        return "resolved" if f.alert_state in ("resolved", "superseded") else (f.alert_state or "open")

    def headline(self) -> dict[str, int]:
        actionable = [f for f in self.failures if f.actionable]
        return {
            "reports": self.reports,
            "errors": sum(f.severity == "error" for f in actionable),
            "new": sum(f.alert_state == "new" for f in actionable),
            "resolved": sum(
                f.alert_state == "resolved" and self.latest_at is not None and f.state_at == self.latest_at
                for f in self.failures
            ),
            "late": sum(p.status in ("late", "missing_overdue") for p in self.publication),
        }


@dataclass(frozen=True)
class Filters:
    agency: str = ""
    region: str = ""
    year: int | None = None
    check: str = ""
    severity: str = ""
    status: str = ""  # new / open / resolved; empty: new and open, with the resolved collapsed
    lang: str = "en"

    def keep(self, f: Failure, data: QualityData) -> bool:
        return (
            (not self.agency or self.agency in (f.agency or ""))
            and (not self.region or self.region in data.regions.get(f.agency or "", ""))
            and (self.year is None or f.report_year == self.year)
            and (not self.check or f.check_id == self.check)
            and (not self.severity or f.severity == self.severity)
            and (not self.status or data.state(f) == self.status)
        )

    def query(self, **changes: Any) -> str:
        values = {
            "agency": self.agency,
            "region": self.region,
            "year": self.year or "",
            "check": self.check,
            "severity": self.severity,
            "status": self.status,
            "lang": self.lang,
            **changes,
        }
        return urlencode({k: v for k, v in values.items() if v})


def dbt_model_for(check_id: str, subject: str) -> str:
    """The mart a failed check is about (dbt docs page to open), from the identity registry."""
    identity = IDENTITY_BY_ID.get(check_id)
    return identity.mart_for(subject) if identity else "fct_check_results"


def dbt_docs_fragment(model: str) -> str:
    return f"index.html#!/model/model.{DBT_PROJECT}.{model}"


def gx_docs_page(gx_docs_dir: Path, check_table: str, run_id: str) -> str:
    """The GX data docs page (relative to the site) of a check table's validation in one run."""
    folder = gx_docs_dir / "validations" / "identities" / check_table / run_id
    pages = sorted(folder.glob("*/*.html")) if folder.is_dir() else []
    if pages:
        return quote(pages[-1].relative_to(gx_docs_dir).as_posix())
    suite = gx_docs_dir / "expectations" / "identities" / f"{check_table}.html"
    if suite.is_file():
        return quote(suite.relative_to(gx_docs_dir).as_posix())
    return "index.html"


def task_log_url(run_id: str) -> str:
    """The Airflow UI page of the task that stored the run's check results (its log is a tab there)."""
    return f"/dags/{TRANSFORM_DAG}/runs/{quote(run_id, safe='')}/tasks/{CHECK_TASK}"


def cells_involved(check_id: str, subject: str) -> tuple[str, str, str, tuple[str, ...] | None, str | None] | None:
    """(mart, row column, column column, rows, column) of the cells a failed check compares; None: none to show."""
    if check_id in ("app.balance", "app.results_sum", "year.carry"):
        rows = _BALANCE_ROWS if check_id != "app.results_sum" else None
        return ("fct_applications", "row_code", "applicant", rows, subject)
    if check_id == "app.row_total":
        return ("fct_applications", "row_code", "applicant", (subject,), None)
    if check_id == "narrative.applications":
        return ("fct_applications", "row_code", "applicant", ("new_received", "carried_over"), "total")
    if check_id == "appeal.sum":
        return ("fct_appeals", "proceeding", "outcome", (subject,), None)
    if check_id == "values.valid" and subject.count(":") == 2:
        table, row, column = subject.split(":")
        mart = {"applications": "fct_applications", "appeals": "fct_appeals"}.get(table)
        if mart:
            names = ("row_code", "applicant") if mart == "fct_applications" else ("proceeding", "outcome")
            return (mart, *names, (row,), column)
        if table == "proactive":
            return ("fct_disclosures", "category", "measure", (row,), column)
    return None


@contextmanager
def _reader(settings: Settings) -> Iterator[tuple[Callable[[str], list[tuple]], str, datetime | None]]:
    """(query, source, published at) on the published copy (DuckDB) or the warehouse (Postgres)."""
    if settings.warehouse.is_postgres:
        from warehouse.connection import describe, read_frame

        def query(sql: str) -> list[tuple]:
            return list(read_frame(settings.warehouse, sql).itertuples(index=False, name=None))

        yield query, describe(settings.warehouse), None
        return
    path = settings.published_path
    if not path.is_file():
        raise NoWarehouse(f"no published warehouse at {path}")
    import duckdb

    from warehouse.publish import open_published

    try:  # as any BI session: read-only, no file access, no ATTACH (issue #21)
        conn = open_published(path)
    except duckdb.Error as exc:
        raise NoWarehouse(f"cannot open {path}: {exc}") from exc
    try:
        published_at = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        yield (lambda sql: conn.execute(sql).fetchall()), str(path), published_at
    finally:
        conn.close()


def load(settings: Settings) -> QualityData:
    """What the page shows; raises NoWarehouse when there is nothing to read."""
    with _reader(settings) as (query, source, published_at):
        return _load(query, source, published_at)


def landed_document(settings: Settings, report_id: str) -> tuple[AnyPath, str] | None:
    """The landed copy of a report's document and its file name; None when the report or the copy is unknown."""
    with _reader(settings) as (query, _, _):
        rows = query(f"select sha256, document from {MARTS}.dim_report where report_id = {_sql_text(report_id)}")
    if not rows or not rows[0][0]:
        return None
    path = landing_path(settings.storage, rows[0][0])
    return (path, str(rows[0][1] or rows[0][0])) if path.exists() else None


def _load(query: Callable[[str], list[tuple]], source: str, published_at: datetime | None) -> QualityData:
    tables = {(s, t) for s, t in query("select table_schema, table_name from information_schema.tables")}
    if (MARTS, "fct_check_results") not in tables:
        raise NoWarehouse(f"{source} has no marts.fct_check_results yet")
    has_reports = (MARTS, "dim_report") in tables
    failures = read_failures(query, with_report=has_reports)
    checked, latest_at = query(f"select count(*), max(validated_at) from {MARTS}.fct_check_results")[0]
    reports = query(f"select count(*) from {MARTS}.dim_report")[0][0] if has_reports else 0
    publication = []
    if (MARTS, "fct_publication") in tables:
        publication = [
            Publication(str(a), int(y), str(s), str(r or ""))
            for a, y, s, r in query(
                f"select agency_name, report_year, publication_status, region from {MARTS}.fct_publication"
            )
        ]
    return QualityData(
        source=source,
        published_at=published_at,
        failures=failures,
        checked=int(checked or 0),
        reports=int(reports or 0),
        latest_at=latest_at,
        publication=publication,
        cells=_cells(query, [f for f in failures if f.actionable], tables),
        details=read_details(query, tables, {f.report_id for f in failures}),
    )


def _cells(
    query: Callable[[str], list[tuple]], failures: Iterable[Failure], tables: set[tuple[str, str]]
) -> dict[tuple[str, str, str], list[Cell]]:
    """The cells each failure compares, with page and raw text, read per mart for the failing reports only."""
    wanted = {(f.report_id, f.check_id, f.subject): cells_involved(f.check_id, f.subject) for f in failures}
    out: dict[tuple[str, str, str], list[Cell]] = {}
    for mart in sorted({spec[0] for spec in wanted.values() if spec}):
        if (MARTS, mart) not in tables:
            continue
        specs = {key: spec for key, spec in wanted.items() if spec and spec[0] == mart}
        ids = ", ".join(sorted({_sql_text(key[0]) for key in specs}))
        _, row_col, col_col, _, _ = next(iter(specs.values()))
        rows = query(
            f"select report_id, {row_col}, {col_col}, value, raw_text, page, line_no from {MARTS}.{mart} "
            f"where report_id in ({ids}) order by report_id, {row_col}, {col_col}"
        )
        for key, (_, _, _, row_codes, column) in specs.items():
            out[key] = [
                Cell(str(r), str(c), v, t, p, n)
                for rid, r, c, v, t, p, n in rows
                if rid == key[0] and (row_codes is None or r in row_codes) and (column is None or c == column)
            ]
    return out


def _sql_text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# ---------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:0;padding:16px 24px;
color:#1a202c;background:#fff;font-size:14px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:20px 0 6px}
.meta{color:#4a5568;margin:0 0 10px} .muted{color:#718096}
.numbers{display:flex;gap:12px;flex-wrap:wrap;margin:8px 0 12px}
.number{border:1px solid #e2e8f0;border-radius:6px;padding:8px 14px;min-width:120px}
.number b{display:block;font-size:26px} .number.alert b{color:#c53030}
.charts{display:flex;gap:24px;flex-wrap:wrap;align-items:flex-start} .chart h3{font-size:13px;margin:4px 0}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid #e2e8f0;padding:4px 7px;text-align:left;vertical-align:top}
th{background:#f7fafc;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev-error{color:#fff;background:#c53030;border-radius:3px;padding:1px 6px;font-size:12px}
.sev-warning{color:#1a202c;background:#f6e05e;border-radius:3px;padding:1px 6px;font-size:12px}
.state{font-size:12px;border:1px solid #cbd5e0;border-radius:3px;padding:1px 6px} .state-new{border-color:#c53030}
.empty{padding:16px;border:1px dashed #cbd5e0;border-radius:6px;background:#f7fafc;max-width:720px}
code{background:#edf2f7;padding:1px 4px;border-radius:3px} a{color:#2b6cb0} td.links{white-space:nowrap}
form{margin:8px 0 4px} input,select{font-size:13px;padding:2px 4px} summary{cursor:pointer;font-weight:600;margin:6px 0}
.cell{font-size:12px;white-space:nowrap}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None) -> str:
    if value is None:
        return '<span class="muted">absent</span>'
    return _e(int(value) if float(value).is_integer() else round(value, 2))


def _page(title: str, body: str, lang: str = "en") -> str:
    html_lang = "zh-CN" if lang == "zh" else "en"
    return (
        f'<!doctype html><html lang="{html_lang}"><head><meta charset="utf-8"><title>{_e(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_STYLE}</style></head><body>{body}</body></html>"
    )


def render_no_warehouse(reason: str, prefix: str = "/disclosure") -> str:
    body = (
        "<h1>Disclosure quality: failed identity checks</h1>"
        '<div class="empty"><h2>No warehouse yet: run <code>./dev run</code></h2>'
        "<p>This view reads the published read-only copy of the warehouse, which the "
        "<code>disclosure_transform</code> DAG writes (task <code>publish</code>). Run the pipeline "
        "once with <code>./dev run</code> (or trigger <code>disclosure_ingest</code> here), then reload.</p>"
        f'<p class="muted">{_e(reason)}</p>'
        f'<p><a href="{_e(prefix)}/docs/gx/index.html" target="_blank" rel="noopener">GX data docs</a> · '
        f'<a href="{_e(prefix)}/docs/dbt/index.html" target="_blank" rel="noopener">dbt docs</a></p></div>'
    )
    return _page("Disclosure quality", body)


def render(data: QualityData, settings: Settings, prefix: str = "/disclosure", filters: Filters | None = None) -> str:
    """The on-call home page: numbers, charts, errors to act on, warnings by check, resolved."""
    filters = filters or Filters()
    lang = filters.lang
    shown = [f for f in data.failures if filters.keep(f, data)]
    errors = [f for f in shown if data.state(f) != "resolved" and f.severity == "error"]
    warnings = [f for f in shown if data.state(f) != "resolved" and f.severity != "error"]
    resolved = [f for f in shown if data.state(f) == "resolved"]
    published = data.published_at.strftime("%Y-%m-%d %H:%M:%S %Z") if data.published_at else "-"
    other = "en" if lang == "zh" else "zh"
    parts = [
        f"<h1>{_e(label('title', lang))}</h1>",
        f'<p class="meta">{_e(label("source", lang))} <code>{_e(data.source)}</code> ({_e(published)}) · '
        f'<a href="{_e(prefix)}/quality?{_e(filters.query(lang=other))}" lang="{other}">'
        f"{'English' if other == 'en' else '中文'}</a></p>",
        _numbers(data, prefix, filters),
        _filter_form(prefix, filters, data),
        '<div class="charts">',
        _chart_checks([f for f in data.failures if f.actionable], lang),
        _chart_publication(data.publication, lang),
        "</div>",
        f'<p class="meta">{_e(label("docs", lang))}: <a href="{_e(prefix)}/docs/gx/index.html" target="_blank" '
        f'rel="noopener">GX data docs</a> · <a href="{_e(prefix)}/docs/dbt/index.html" target="_blank" '
        f'rel="noopener">dbt docs</a> · <a href="{_e(prefix)}/runbook" target="_blank" rel="noopener">'
        f"{_e(label('runbook', lang))}</a></p>",
        f'<h2 id="errors">{_e(label("errors_h", lang))} ({len(errors)})</h2>',
        _failure_table(errors, data, settings, prefix, lang)
        if errors
        else f'<div class="empty">{_e(label("none", lang))}</div>',
    ]
    if warnings:
        parts.append(f'<h2 id="warnings">{_e(label("warnings_h", lang))} ({len(warnings)})</h2>')
        by_check: dict[str, list[Failure]] = {}
        for f in warnings:
            by_check.setdefault(f.check_id, []).append(f)
        for check_id, group in sorted(by_check.items(), key=lambda item: (-len(item[1]), item[0])):
            description = group[0].description_zh if lang == "zh" else group[0].description_en
            parts.append(
                f'<details class="warnings" data-check="{_e(check_id)}"><summary><code>{_e(check_id)}</code> '
                f"{len(group)} · {_e(description)}</summary>"
                f"{_failure_table(group, data, settings, prefix, lang)}</details>"
            )
    # The report page (pipeline.report_page) of each report with a failure shown above.
    for report_id in dict.fromkeys(f.report_id for f in errors + warnings):
        detail = render_detail(data.details.get(report_id))
        if detail:
            parts.append(
                f'<details class="report" id="report-{_e(report_id)}"><summary>{_e(label("reports_h", lang))}: '
                f"<code>{_e(report_id)}</code></summary>{detail}</details>"
            )
    if resolved:
        parts.append(
            f'<details id="resolved"{" open" if filters.status == "resolved" else ""}><summary>'
            f"{_e(label('resolved_h', lang))} ({len(resolved)})</summary>"
            f"{_failure_table(resolved, data, settings, prefix, lang)}</details>"
        )
    return _page(label("title", lang), "".join(parts), lang)


def _numbers(data: QualityData, prefix: str, filters: Filters) -> str:
    numbers = data.headline()
    links = {
        "errors": filters.query(severity="error", status=""),
        "new": filters.query(status="new"),
        "resolved": filters.query(status="resolved"),
    }
    boxes = []
    for key in ("reports", "errors", "new", "resolved", "late"):
        alert = " alert" if key in ("errors", "new") and numbers[key] else ""
        text = f"<b>{numbers[key]}</b>{_e(label(key, filters.lang))}"
        if key in links:
            text = f'<a href="{_e(prefix)}/quality?{_e(links[key])}">{text}</a>'
        boxes.append(f'<div class="number{alert}" data-number="{key}">{text}</div>')
    return f'<div class="numbers">{"".join(boxes)}</div>'


def _failure_table(failures: list[Failure], data: QualityData, settings: Settings, prefix: str, lang: str) -> str:
    head = "".join(
        f"<th>{_e(label(k, lang))}</th>"
        for k in ("agency", "year", "check", "subject", "expected", "observed", "status", "cells", "links")
    )
    rows = []
    for f in failures:
        state = data.state(f)
        cells = data.cells.get((f.report_id, f.check_id, f.subject), [])
        cell_text = "<br>".join(
            f'<span class="cell">{_e(c.row)}/{_e(c.column)} = {_num(c.value)} '
            f'<span class="muted">{_e(_where(c))}: “{_e(c.raw_text)}”</span></span>'
            for c in cells
        )
        if f.note:
            cell_text = f'<span class="muted">{_e(f.note)}</span>' + ("<br>" + cell_text if cell_text else "")
        rows.append(
            f'<tr class="failure" data-check="{_e(f.check_id)}" data-agency="{_e(f.agency)}" '
            f'data-year="{_e(f.report_year)}" data-severity="{_e(f.severity)}" data-state="{_e(state)}">'
            f'<td>{_e(f.agency or "(agency unknown)")}</td><td class="num">{_e(f.report_year or "?")}</td>'
            f'<td><code>{_e(f.check_id)}</code> <span class="sev-{_e(f.severity)}">{_e(f.severity)}</span></td>'
            f'<td>{_e(f.subject)}</td><td class="num">{_num(f.expected)}</td><td class="num">{_num(f.observed)}</td>'
            f'<td><span class="state state-{_e(state)}">{_e(state)}</span></td><td>{cell_text}</td>'
            f'<td class="links">{_links(f, settings, prefix, lang)}</td></tr>'
        )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _where(cell: Cell) -> str:
    """Page of a PDF cell, else line of a text, DOCX or HTML cell."""
    if cell.page is not None:
        return f"p.{cell.page}"
    return f"l.{cell.line_no}" if cell.line_no is not None else "?"


def _links(f: Failure, settings: Settings, prefix: str, lang: str) -> str:
    def a(href: str, text: str, css: str) -> str:
        return f'<a class="{css}" href="{_e(href)}" target="_blank" rel="noopener">{_e(text)}</a>'

    links = []
    if f.document and not f.report_id.startswith("publication:"):
        links.append(a(f"{prefix}/document/{quote(f.report_id)}", label("document", lang), "document"))
    if f.source_url:
        links.append(a(f.source_url, label("original", lang), "original"))
    links.append(a(f"{prefix}/runbook#{runbook_anchor(f.check_id)}", label("runbook", lang), "runbook"))
    links.append(a(task_log_url(f.run_id), label("task_log", lang), "task-log"))
    gx = gx_docs_page(settings.gx_docs_dir, f.check_table, f.run_id)
    links.append(a(f"{prefix}/docs/gx/{gx}", "GX validation", "gx"))
    model = dbt_model_for(f.check_id, f.subject)
    links.append(a(f"{prefix}/docs/dbt/{dbt_docs_fragment(model)}", f"dbt: {model}", "dbt"))
    return "<br>".join(links)


def _grid_svg(
    rows: list[str], columns: list[str], cell: Callable[[str, str], tuple[str, str]], title: str, row_width: int = 150
) -> str:
    """A labelled grid as inline SVG: `cell(row, column)` gives (fill colour, text)."""
    size, top = 26, 22
    width, height = row_width + size * len(columns) + 4, top + size * len(rows) + 4
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="{_e(title)}" font-size="11" font-family="inherit">'
    ]
    for j, column in enumerate(columns):
        x = row_width + j * size + size / 2
        parts.append(f'<text x="{x}" y="{top - 8}" text-anchor="middle">{_e(column[-2:])}</text>')
    for i, row in enumerate(rows):
        y = top + i * size
        parts.append(f'<text x="{row_width - 6}" y="{y + size / 2 + 4}" text-anchor="end">{_e(row[:22])}</text>')
        for j, column in enumerate(columns):
            fill, text = cell(row, column)
            x = row_width + j * size
            parts.append(
                f'<rect x="{x + 1}" y="{y + 1}" width="{size - 2}" height="{size - 2}" rx="3" fill="{fill}">'
                f"<title>{_e(row)} {_e(column)}: {_e(text)}</title></rect>"
            )
            if text.isdigit():
                parts.append(f'<text x="{x + size / 2}" y="{y + size / 2 + 4}" text-anchor="middle">{text}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _chart_checks(failures: list[Failure], lang: str) -> str:
    counts = Counter((f.check_id, f.report_year) for f in failures)
    years = sorted({str(y) for _, y in counts if y is not None})
    checks = [i.check_id for i in IDENTITIES if any(c == i.check_id for c, _ in counts)]
    top = max(counts.values(), default=1)

    def cell(check_id: str, year: str) -> tuple[str, str]:
        n = counts.get((check_id, int(year)), 0)
        return (f"rgba(197,48,48,{0.15 + 0.85 * n / top:.2f})" if n else "#f7fafc", str(n) if n else "0 ")

    svg = _grid_svg(checks, years, cell, label("chart_checks", lang)) if checks and years else ""
    return f'<div class="chart" id="chart-checks"><h3>{_e(label("chart_checks", lang))}</h3>{svg or "-"}</div>'


def _chart_publication(publication: list[Publication], lang: str) -> str:
    status = {(p.agency, str(p.year)): p.status for p in publication}
    agencies = sorted({p.agency for p in publication})
    years = sorted({str(p.year) for p in publication})

    def cell(agency: str, year: str) -> tuple[str, str]:
        s = status.get((agency, year))
        if s is None:
            return "#ffffff", "-"
        return PUBLICATION_COLOURS.get(s, OTHER_COLOUR), _status_label(s, lang)

    svg = _grid_svg(agencies, years, cell, label("chart_publication", lang)) if agencies else ""
    legend = " ".join(
        f'<span style="color:{colour}">■</span> {_e(_status_label(s, lang))}'
        for s, colour in (*PUBLICATION_COLOURS.items(), ("unverified", OTHER_COLOUR))
    )
    return (
        f'<div class="chart" id="chart-publication"><h3>{_e(label("chart_publication", lang))}</h3>'
        f'{svg or "-"}<div class="muted">{legend}</div></div>'
    )


def _status_label(status: str, lang: str) -> str:
    key = {"late": "late_s"}.get(status, status)
    return label(key if key in LABELS else "unverified", lang)


def _filter_form(prefix: str, filters: Filters, data: QualityData) -> str:
    lang = filters.lang

    def select(name: str, current: str, values: Iterable[str]) -> str:
        options = [f'<option value="">{_e(label(name, lang))}: {_e(label("any", lang))}</option>']
        options += [f'<option value="{_e(v)}"{" selected" if v == current else ""}>{_e(v)}</option>' for v in values]
        return f'<select name="{name}">{"".join(options)}</select>'

    regions = sorted(set(data.regions.values()))
    years = sorted({str(f.report_year) for f in data.failures if f.report_year}, reverse=True)
    clear = f' <a href="{_e(prefix)}/quality?lang={lang}">{_e(label("clear", lang))}</a>'
    return (
        f'<form method="get" action="{_e(prefix)}/quality"><input type="hidden" name="lang" value="{lang}">'
        f'{_e(label("agency", lang))} <input name="agency" value="{_e(filters.agency)}" size="14"> '
        + select("region", filters.region, regions)
        + " "
        + select("year", str(filters.year or ""), years)
        + " "
        + select("check", filters.check, [i.check_id for i in IDENTITIES])
        + " "
        + select("severity", filters.severity, ("error", "warning"))
        + " "
        + select("status", filters.status, STATES)
        + f' <button type="submit">{_e(label("filter", lang))}</button>{clear}</form>'
    )
