"""The data and the HTML of the quality view (served by `plugins/disclosure_quality.py` inside Airflow).

Plain Python, no Airflow: it reads the latest failed identity checks per
agency and year from `marts.fct_check_results` and renders one server-side
HTML page (no JavaScript, no build step).

* DuckDB (embedded default): it reads the PUBLISHED copy
  (`DISCLOSURE_PUBLISHED_PATH`), opened read-only for each request, never the
  file the pipeline writes (DuckDB allows one process on a file that is being
  written; the copy is replaced by rename after each transform run).
* Postgres (server mode): the `marts` schema of the warehouse database.

Each failure links to the Great Expectations data docs page of its
validation (`<docs>/gx/validations/identities/<table>/<run_id>/...`) and to
the dbt docs page of the model the failed cells are in (plus
`int_check_inputs`, where both sides of the identity are computed).
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from expectations.failures import MARTS, Failure, read_failures
from expectations.identities import IDENTITY_BY_ID
from pipeline.report_page import ReportDetail, read_details, render_detail
from pipeline.settings import Settings

DBT_PROJECT = "disclosure"


class NoWarehouse(Exception):
    """No published warehouse yet (the pipeline has not run) or no check results in it."""


@dataclass
class QualityData:
    source: str
    published_at: datetime | None
    failures: list[Failure] = field(default_factory=list)
    checked: int = 0  # result rows of the latest run (passed + failed + not evaluable)
    reports: int = 0
    details: dict[str, ReportDetail] = field(default_factory=dict)  # report page (pipeline.report_page)

    def groups(self) -> list[tuple[tuple[str, int | None], list[Failure]]]:
        """Failures per (agency, year): those with a failed error check first, then newest year first."""
        out: dict[tuple[str, int | None], list[Failure]] = {}
        for f in self.failures:
            out.setdefault((f.agency_name, f.report_year), []).append(f)
        order = sorted(out, key=lambda k: (all(f.severity != "error" for f in out[k]), -(k[1] or 0), k[0]))
        return [(k, sorted(out[k], key=lambda f: (f.severity != "error", f.check_id, f.subject))) for k in order]


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


def load(settings: Settings) -> QualityData:
    """The failed checks of the latest validation run; raises NoWarehouse when there is nothing to read."""
    if settings.warehouse.is_postgres:
        from warehouse.connection import describe, read_frame

        def query(sql: str) -> list[tuple]:
            return list(read_frame(settings.warehouse, sql).itertuples(index=False, name=None))

        return _load(query, describe(settings.warehouse), None)
    path = settings.published_path
    if not path.is_file():
        raise NoWarehouse(f"no published warehouse at {path}")
    import duckdb

    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as exc:
        raise NoWarehouse(f"cannot open {path}: {exc}") from exc
    try:
        published_at = datetime.fromtimestamp(path.stat().st_mtime).astimezone()
        return _load(lambda sql: conn.execute(sql).fetchall(), str(path), published_at)
    finally:
        conn.close()


def _load(query: Any, source: str, published_at: datetime | None) -> QualityData:
    tables = {(s, t) for s, t in query("select table_schema, table_name from information_schema.tables")}
    marts = MARTS
    if (marts, "fct_check_results") not in tables:
        raise NoWarehouse(f"{source} has no marts.fct_check_results yet")
    failures = read_failures(query, with_report=(marts, "dim_report") in tables)
    counts = query(f"select count(*), count(distinct report_id) from {marts}.fct_check_results")[0]
    return QualityData(
        source=source,
        published_at=published_at,
        failures=failures,
        checked=int(counts[0] or 0),
        reports=int(counts[1] or 0),
        details=read_details(query, tables, {f.report_id for f in failures}),
    )


# ---------------------------------------------------------------- HTML

_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:0;padding:16px 24px;
color:#1a202c;background:#fff;font-size:14px}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:24px 0 6px}
.meta{color:#4a5568;margin:0 0 12px} .muted{color:#718096}
table{border-collapse:collapse;width:100%;margin:4px 0 8px}
th,td{border:1px solid #e2e8f0;padding:5px 8px;text-align:left;vertical-align:top}
th{background:#f7fafc;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.sev-error{color:#fff;background:#c53030;border-radius:3px;padding:1px 6px;font-size:12px}
.sev-warning{color:#1a202c;background:#f6e05e;border-radius:3px;padding:1px 6px;font-size:12px}
.status{font-size:12px;border:1px solid #cbd5e0;border-radius:3px;padding:1px 6px}
.empty{padding:24px;border:1px dashed #cbd5e0;border-radius:6px;background:#f7fafc;max-width:720px}
code{background:#edf2f7;padding:1px 4px;border-radius:3px} a{color:#2b6cb0} td.docs{white-space:nowrap}
form{margin:8px 0 4px} input,select{font-size:13px;padding:2px 4px}
"""


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _num(value: float | None) -> str:
    if value is None:
        return '<span class="muted">absent</span>'
    return _e(int(value) if float(value).is_integer() else round(value, 2))


def _page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>'
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


def render(
    data: QualityData,
    settings: Settings,
    prefix: str = "/disclosure",
    agency: str = "",
    year: int | None = None,
    severity: str = "",
) -> str:
    """The quality page: failed checks per agency and year, with links to the GX and dbt docs."""
    failures = [
        f
        for f in data.failures
        if (not agency or agency in f.agency_name)
        and (year is None or f.report_year == year)
        and (not severity or f.severity == severity)
    ]
    shown = QualityData(data.source, data.published_at, failures, data.checked, data.reports)
    groups = shown.groups()
    published = data.published_at.strftime("%Y-%m-%d %H:%M:%S %Z") if data.published_at else "-"
    run_ids = sorted({f.run_id for f in data.failures})
    agency_years = len({(f.agency_name, f.report_year) for f in data.failures})
    parts = [
        "<h1>Disclosure quality: failed identity checks</h1>",
        f'<p class="meta">Latest validation run of each report, from <code>{_e(data.source)}</code> '
        f"(published {published}). {data.reports} reports, {data.checked} check results, "
        f"<strong>{len(data.failures)} failed</strong> in {agency_years} agency-years. "
        f"Run: {_e(', '.join(run_ids) or '-')}.</p>",
        _filter_form(prefix, agency, year, severity),
        f'<p class="meta">Docs: <a href="{_e(prefix)}/docs/gx/index.html" target="_blank" rel="noopener">'
        f'GX data docs</a> · <a href="{_e(prefix)}/docs/dbt/index.html" target="_blank" rel="noopener">'
        "dbt docs (lineage from raw to marts)</a></p>",
    ]
    if groups:
        parts.append(_overview(groups))
    if not groups:
        parts.append(
            '<div class="empty">No failed identity check'
            f"{' matches this filter' if failures != data.failures else ''}.</div>"
        )
    for (agency_name, report_year), rows in groups:
        first = rows[0]
        parts.append(
            f'<h2 id="{_e(first.report_id)}">{_e(agency_name or "(agency unknown)")} · {_e(report_year or "?")}'
            f' <span class="status">quality {_e(first.quality_status or "?")}</span></h2>'
            f'<p class="meta">report <code>{_e(first.report_id)}</code> · document <code>{_e(first.document)}</code>'
            f" · validated {_e(first.validated_at)}</p>"
        )
        parts.append(
            "<table><thead><tr><th>check</th><th>subject</th><th>expected</th><th>observed</th>"
            "<th>difference</th><th>severity</th><th>description</th><th>docs</th></tr></thead><tbody>"
        )
        for f in rows:
            model = dbt_model_for(f.check_id, f.subject)
            gx = gx_docs_page(settings.gx_docs_dir, f.check_table, f.run_id)
            parts.append(
                f'<tr class="failure" data-check="{_e(f.check_id)}" data-agency="{_e(f.agency_name)}" '
                f'data-year="{_e(f.report_year)}">'
                f"<td><code>{_e(f.check_id)}</code></td><td>{_e(f.subject)}</td>"
                f'<td class="num">{_num(f.expected)}</td><td class="num">{_num(f.observed)}</td>'
                f'<td class="num">{_num(f.difference)}</td>'
                f'<td><span class="sev-{_e(f.severity)}">{_e(f.severity)}</span></td>'
                f'<td>{_e(f.description_en)}<br><span class="muted">{_e(f.description_zh)}</span></td>'
                f'<td class="docs"><a href="{_e(prefix)}/docs/gx/{_e(gx)}" target="_blank" rel="noopener">'
                "GX validation</a><br>"
                f'<a href="{_e(prefix)}/docs/dbt/{_e(dbt_docs_fragment(model))}" target="_blank" rel="noopener">'
                f"dbt: {_e(model)}</a><br>"
                f'<a href="{_e(prefix)}/docs/dbt/{_e(dbt_docs_fragment("int_check_inputs"))}" target="_blank" '
                'rel="noopener">dbt: int_check_inputs</a></td></tr>'
            )
        parts.append("</tbody></table>")
        parts.append(render_detail(data.details.get(first.report_id)))  # report page (pipeline.report_page)
    return _page("Disclosure quality", "".join(parts))


def _overview(groups: list[tuple[tuple[str, int | None], list[Failure]]]) -> str:
    """One line per agency and year: failed errors and warnings, linked to the section below."""
    rows = []
    for (agency_name, report_year), failures in groups:
        errors = sum(f.severity == "error" for f in failures)
        checks = ", ".join(sorted({f.check_id for f in failures}))
        rows.append(
            f'<tr><td><a href="#{_e(failures[0].report_id)}">{_e(agency_name or "(agency unknown)")}</a></td>'
            f'<td class="num">{_e(report_year or "?")}</td><td>{_e(failures[0].quality_status or "?")}</td>'
            f'<td class="num">{errors}</td><td class="num">{len(failures) - errors}</td><td>{_e(checks)}</td></tr>'
        )
    return (
        '<table class="overview"><thead><tr><th>agency</th><th>year</th><th>quality</th><th>errors</th>'
        f"<th>warnings</th><th>failed checks</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def _filter_form(prefix: str, agency: str, year: int | None, severity: str) -> str:
    options = "".join(
        f'<option value="{v}"{" selected" if v == severity else ""}>{label}</option>'
        for v, label in (("", "any severity"), ("error", "error"), ("warning", "warning"))
    )
    clear = f' <a href="{_e(prefix)}/quality">clear</a>' if (agency or year or severity) else ""
    return (
        f'<form method="get" action="{_e(prefix)}/quality">agency <input name="agency" value="{_e(agency)}" '
        f'size="16"> year <input name="year" value="{_e(year or "")}" size="5"> '
        f'<select name="severity">{options}</select> <button type="submit">filter</button>{clear}</form>'
    )
