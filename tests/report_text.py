"""Render a report as extracted text from known cells, in the two layouts real files show.

`tabs`: one table row per line, cells separated by tabs (samples 000, 004);
`lines`: one cell per line, rows separated by blank lines (samples 001, 002).
A cell whose value is `MISSING` is dropped (the row loses a value); `BLANK`
keeps an empty cell in its place.
"""

from __future__ import annotations

from extractors import codes, templates
from extractors.codes import Code

MISSING = object()
BLANK = object()

_ROW_LABELS = {c.code: c.label_zh.split("：")[-1] for c in codes.APPLICATION_ROWS}
_GROUP_LABELS = {
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}


def _row_labels(template: str, row: str, previous: str | None) -> list[str]:
    """A row's label cells: its group's label on the group's first row, as the official table has."""
    if template == "gov2019" and row == "other.other":
        return ["（六）其他处理"]
    group = row.split(".")[0] if "." in row else None
    first_of_group = group is not None and (previous is None or previous.split(".")[0] != group)
    return ([_GROUP_LABELS[group]] if first_of_group else []) + [_ROW_LABELS[row]]


_MEASURE_LABELS = {c.code: c.label_zh for c in codes.PROACTIVE_MEASURES}
_CATEGORY_LABELS = {"normative_document": "规范性文件"} | {
    c.code: c.label_zh for c in codes.PROACTIVE_CATEGORIES if c.code != "normative_document"
}
_ARTICLE_LABELS = {c.code: c.label_zh for c in codes.PROACTIVE_ARTICLES}
_APPLICANT_HEADER = ("自然人", "法人或其他组织", "总计")


def _applicant_subs(template: str) -> tuple[str, ...]:
    social = "社会组织" if template == "gov2021" else "社会公益组织"
    return ("商业企业", "科研机构", social, "法律服务机构", "其他")


def _fmt(value: object) -> str | None:
    if value is MISSING:
        return None
    if value is BLANK or value is None:
        return ""
    number = float(value)  # type: ignore[arg-type]
    return str(int(number)) if number.is_integer() else str(number)


def _row(cells: list[str], values: list[object], layout: str) -> list[str]:
    rendered = [v for v in (_fmt(x) for x in values) if v is not None]
    if layout == "tabs":
        return ["\t".join(cells + rendered)]
    return [f"\t{c}" for c in cells + rendered] + [""]


def render(
    agency: str, year: int, template: str, cells: dict[tuple[str, str, str], object], layout: str = "tabs"
) -> str:
    """The text of a report stating `cells` ((table, row, column) -> value)."""
    out = [f"{agency}{year}年政府信息公开工作年度报告", "", "二、主动公开政府信息情况", ""]
    for article, category, measures in templates.proactive_rows(template):
        out += [f"{_ARTICLE_LABELS[article]}\t\t\t"] if layout == "tabs" else [f"\t{_ARTICLE_LABELS[article]}"]
        out += _row(["信息内容", *(_MEASURE_LABELS[m] for m in measures)], [], layout)
        out += _row([_CATEGORY_LABELS[category]], [cells[("proactive", category, m)] for m in measures], layout)
    out += ["", "三、收到和处理政府信息公开申请情况", ""]
    out += _row(["申请人情况", *_APPLICANT_HEADER, *_applicant_subs(template)], [], layout)
    previous = None
    for row in codes.application_rows_of(template):
        values = [cells[("applications", row, a)] for a in codes.APPLICANT_CODES]
        out += _row(_row_labels(template, row, previous), values, layout)
        previous = row
    out += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    outcomes = [c.label_zh for c in codes.APPEAL_OUTCOMES]
    out += _row(["行政复议", "行政诉讼", *outcomes, "未经复议直接起诉", "复议后起诉", *outcomes, *outcomes], [], layout)
    out += _row(
        [],
        [cells[("appeals", p, o)] for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES],
        layout,
    )
    out += ["", "五、存在的主要问题及改进情况", "无。"]
    return "\n".join(out) + "\n"


def template_keys(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a template's tables hold."""
    keys = [("proactive", cat, m) for _a, cat, ms in templates.proactive_rows(template) for m in ms]
    keys += [("applications", r, a) for r in codes.application_rows_of(template) for a in codes.APPLICANT_CODES]
    keys += [("appeals", p, o) for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES]
    return keys


__all__ = ["BLANK", "MISSING", "Code", "render", "template_keys"]
