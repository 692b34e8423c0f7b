"""A report's prose beside its failed checks: its parts, its reuse of last year's text, its changed cells.

Read from the marts `fct_report_sections`, `fct_report_reuse` and
`fct_table_changes` (issue 22) through the quality view's `query(sql)`
callable, so the same SQL runs on the published DuckDB copy and on
Postgres. The sections' text stays in the warehouse: the page shows each
part's heading, length and reuse, which is enough to see a part missing,
empty or copied.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from expectations.failures import MARTS

Query = Callable[[str], list[tuple]]

# Changed cells listed per report, largest differences first; the rest are counted only.
MAX_CHANGES = 20
# report_id is hex (the sha256's first 16 digits); anything else (publication:... keys) has no detail.
_REPORT_ID = re.compile(r"^[0-9a-f]{16}$")


@dataclass(frozen=True)
class SectionRow:
    section_number: str
    title: str
    n_chars: int
    reuse_ratio: float | None


@dataclass(frozen=True)
class Reuse:
    previous_report_id: str
    n_sentences: int
    n_reused_sentences: int
    reuse_ratio: float


@dataclass(frozen=True)
class Change:
    table_name: str
    article_item: str | None
    row_code: str
    column_code: str
    previous_value: float | None
    value: float | None
    change_kind: str


@dataclass
class ReportDetail:
    sections: list[SectionRow] = field(default_factory=list)
    reuse: Reuse | None = None
    changes: list[Change] = field(default_factory=list)
    n_changes: int = 0


def read_details(query: Query, tables: set[tuple[str, str]], report_ids: Iterable[str]) -> dict[str, ReportDetail]:
    """Sections, reuse and changes of these reports, from the marts the warehouse has (older ones lack them)."""
    ids = sorted({r for r in report_ids if _REPORT_ID.match(r)})
    if not ids:
        return {}
    in_list = ", ".join(f"'{r}'" for r in ids)  # safe: checked against _REPORT_ID
    details: dict[str, ReportDetail] = {}

    def detail(report_id: Any) -> ReportDetail:
        return details.setdefault(str(report_id), ReportDetail())

    if (MARTS, "fct_report_sections") in tables:
        for report_id, number, title, n_chars, ratio in query(
            f"select report_id, section_number, title, n_chars, reuse_ratio from {MARTS}.fct_report_sections "
            f"where report_id in ({in_list}) order by report_id, section_no"
        ):
            detail(report_id).sections.append(SectionRow(number, title, int(n_chars or 0), _float(ratio)))
    if (MARTS, "fct_report_reuse") in tables:
        for report_id, previous, n_sentences, n_reused, ratio in query(
            f"select report_id, previous_report_id, n_sentences, n_reused_sentences, reuse_ratio "
            f"from {MARTS}.fct_report_reuse where report_id in ({in_list})"
        ):
            detail(report_id).reuse = Reuse(str(previous), int(n_sentences), int(n_reused), float(ratio))
    if (MARTS, "fct_table_changes") in tables:
        for report_id, *cells in query(
            f"select report_id, table_name, article_item, row_code, column_code, previous_value, value, change_kind "
            f"from {MARTS}.fct_table_changes where report_id in ({in_list}) "
            "order by report_id, abs(coalesce(value, 0) - coalesce(previous_value, 0)) desc, "
            "table_name, article_item, row_code, column_code"
        ):
            found = detail(report_id)
            found.n_changes += 1
            if len(found.changes) < MAX_CHANGES:
                table, item, row, column, previous, value, kind = cells
                found.changes.append(Change(table, item, row, column, _float(previous), _float(value), kind))
    return details


def _float(value: Any) -> float | None:
    # NaN arrives from a pandas frame (Postgres) where SQL had null
    return None if value is None or value != value else float(value)


# ---------------------------------------------------------------- HTML


def _e(value: Any) -> str:
    return html.escape("" if value is None else str(value))


def _n(value: float | None) -> str:
    if value is None:
        return '<span class="muted">absent</span>'
    return _e(int(value) if value.is_integer() else round(value, 2))


def _pct(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.0%}"


def render_detail(detail: ReportDetail | None) -> str:
    """The report's parts, reuse and changed cells (empty when the marts say nothing of it)."""
    if detail is None:
        return ""
    parts = ['<div class="report-detail">']
    if detail.sections:
        rows = "".join(
            f"<tr><td>{_e(s.section_number)}</td><td>{_e(s.title)}</td>"
            f'<td class="num">{s.n_chars}</td><td class="num">{_pct(s.reuse_ratio)}</td></tr>'
            for s in detail.sections
        )
        parts.append(
            '<h3>Sections / 报告各部分</h3><table class="sections"><thead><tr><th>part</th><th>title</th>'
            f"<th>characters</th><th>repeated from last year</th></tr></thead><tbody>{rows}</tbody></table>"
        )
    if detail.reuse is not None:
        r = detail.reuse
        parts.append(
            f'<p class="reuse">Text reuse / 文本重复: <strong>{_pct(r.reuse_ratio)}</strong> '
            f"({r.n_reused_sentences} of {r.n_sentences} sentences in last year's report "
            f"<code>{_e(r.previous_report_id)}</code>)</p>"
        )
    if detail.n_changes:
        rows = "".join(
            f"<tr><td>{_e(c.table_name)}</td><td>{_e(c.article_item or '')}</td><td>{_e(c.row_code)}</td>"
            f'<td>{_e(c.column_code)}</td><td class="num">{_n(c.previous_value)}</td>'
            f'<td class="num">{_n(c.value)}</td><td>{_e(c.change_kind)}</td></tr>'
            for c in detail.changes
        )
        more = detail.n_changes - len(detail.changes)
        parts.append(
            f"<h3>Changed cells since last year / 与上年相比变化的单元格: {detail.n_changes}</h3>"
            '<table class="changes"><thead><tr><th>table</th><th>item</th><th>row</th><th>column</th>'
            f"<th>last year</th><th>this year</th><th>change</th></tr></thead><tbody>{rows}</tbody></table>"
            + (f'<p class="muted">and {more} more (marts.fct_table_changes)</p>' if more else "")
        )
    parts.append("</div>")
    return "".join(parts)
