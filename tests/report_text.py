"""Render a report as extracted text from known cells, in the layouts real text files show.

`tabs`: one table row per line, cells separated by tabs (samples 000, 004);
`lines`: one cell per line, rows separated by blank lines (samples 001, 002),
a blank cell a line holding only a tab;
`pipes`: one row per line between `|`, with rule lines (archive and markdown exports);
`aligned`: `pdftotext -layout` text: columns of spaces, one column per character,
numbers right-aligned, long labels wrapped onto the next line, 三、本年度办理结果
standing one character per line beside its rows, and a page footer and form
feed inside the application table.
`flat` (crawler text, `FLAT`): every cell border lost, a row's label and values glued
into one line (`一、本年新收政府信息公开申请数量2300000023`); its values must satisfy the
identities (`consistent_cells`), which are all a reader has to split them by.
A cell whose value is `MISSING` is dropped (the row loses a value); `BLANK`
keeps an empty cell in its place.
`other_as_one_row` (gov2021): the （六）其他处理 group printed as the 2019 form's single row (`other.other`)
and none of the 2021-only sub-rows, as real 2021 reports do.
"""

from __future__ import annotations

import random

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


def _printed_rows(template: str, other_as_one_row: bool) -> tuple[str, ...]:
    """The application rows a table prints: the template's, or with the 其他处理 group as one row."""
    rows = codes.application_rows_of(template)
    return tuple(r for r in rows if not (other_as_one_row and r in codes.GOV2021_ONLY_ROWS))


def _row_labels(template: str, row: str, previous: str | None, other_as_one_row: bool) -> list[str]:
    """A row's label cells: its group's label on the group's first row, as the official table has."""
    if row == "other.other" and (template == "gov2019" or other_as_one_row):
        return [_GROUP_LABELS["other"]]
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


LAYOUTS = ("tabs", "lines", "pipes", "aligned")
FLAT = "flat"
_LABEL_WIDTH = 30  # aligned: characters of the label column (a label wraps at _LABEL_WIDTH - 2)
_VALUE_WIDTH = 12  # aligned: characters of each value column, numbers right-aligned
_GROUP_WIDTH = 10  # aligned: the column of a group label (（三）不予公开) beside its first row
_SIDE_WIDTH = 3  # aligned: the column of the vertical 三、本年度办理结果 label
_SIDE_LABEL = "三、本年度办理结果"


def table_row(cells: list[str], values: list[object], layout: str, side: str = "") -> list[str]:
    rendered = [v for v in (_fmt(x) for x in values) if v is not None]
    if layout == FLAT:
        return ["".join(cells + rendered)]
    if layout == "tabs":
        return ["\t".join(cells + rendered)]
    if layout == "pipes":
        return ["| " + " | ".join(cells + rendered) + " |", "|---|---|"]
    if layout == "aligned":
        return _aligned_row(cells, rendered, side)
    return [f"\t{c}" for c in cells + rendered] + [""]


def _aligned_row(labels: list[str], values: list[str], side: str) -> list[str]:
    """Labels in the label column (wrapped), a group label in its own column, or a header's labels over the
    value columns when the row has no values."""
    if not values and len(labels) > 1:  # a header: the first label heads the labels, the rest the columns
        return [_aligned_line(side, "", labels[0], labels[1:])]
    group, label = "".join(labels[:-1]), labels[-1] if labels else ""
    wrap = _LABEL_WIDTH - 2
    out = [_aligned_line(side, group, label[:wrap], values)]
    if label[wrap:]:
        out.append(_aligned_line("", "", label[wrap:], []))
    return out


def _aligned_line(side: str, group: str, label: str, columns: list[str]) -> str:
    text = side.ljust(_SIDE_WIDTH) + group.ljust(_GROUP_WIDTH) + label.ljust(_LABEL_WIDTH)
    return (text + "".join(c.rjust(_VALUE_WIDTH) for c in columns)).rstrip()


def render(
    agency: str,
    year: int,
    template: str,
    cells: dict[tuple[str, str, str], object],
    layout: str = "tabs",
    other_as_one_row: bool = False,
) -> str:
    """The text of a report stating `cells` ((table, row, column) -> value)."""
    out = [f"{agency}{year}年政府信息公开工作年度报告", "", "二、主动公开政府信息情况", ""]
    for article, category, measures in templates.proactive_rows(template):
        caption = _ARTICLE_LABELS[article]
        out += {"tabs": [f"{caption}\t\t\t"], "lines": [f"\t{caption}"], "pipes": [f"| {caption} | | |"]}.get(
            layout, [caption]
        )
        out += table_row(["信息内容", *(_MEASURE_LABELS[m] for m in measures)], [], layout)
        out += table_row([_CATEGORY_LABELS[category]], [cells[("proactive", category, m)] for m in measures], layout)
    out += ["", "三、收到和处理政府信息公开申请情况", ""]
    if layout == "aligned":  # the header's labels over their own columns, in the columns' order
        out += table_row(["申请人情况", "自然人", *_applicant_subs(template), "总计"], [], layout)
    else:
        out += table_row(["申请人情况", *_APPLICANT_HEADER, *_applicant_subs(template)], [], layout)
    previous = None
    side = iter(_SIDE_LABEL)
    rows = _printed_rows(template, other_as_one_row)
    for index, row in enumerate(rows):
        values = [cells[("applications", row, a)] for a in codes.APPLICANT_CODES]
        beside = next(side, "") if row not in codes.NON_RESULT_ROWS else ""
        out += table_row(_row_labels(template, row, previous, other_as_one_row), values, layout, beside)
        if layout == "aligned" and index == len(rows) // 2:
            out += ["", "\f", "                                  - 2 -", ""]
        previous = row
    out += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    outcomes = [c.label_zh for c in codes.APPEAL_OUTCOMES]
    if layout == "aligned":  # each proceeding over its first outcome column
        proceedings = [c.label_zh for c in codes.APPEAL_PROCEEDINGS]
        out.append(_aligned_line("", "", "", [p for p in proceedings for p in (p, "", "", "", "")]))
        out.append(_aligned_line("", "", "", outcomes * 3))
    else:
        out += table_row(
            ["行政复议", "行政诉讼", *outcomes, "未经复议直接起诉", "复议后起诉", *outcomes, *outcomes], [], layout
        )
    out += table_row(
        [],
        [cells[("appeals", p, o)] for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES],
        layout,
    )
    out += ["", "五、存在的主要问题及改进情况", "无。"]
    return "\n".join(out) + "\n"


def _count(rng: random.Random) -> int:
    """Mostly 0, often small, sometimes large: as real tables are."""
    draw = rng.random()
    return 0 if draw < 0.55 else rng.randint(1, 30) if draw < 0.9 else rng.randint(31, 3000)


def consistent_cells(
    template: str, rng: random.Random, other_as_one_row: bool = False
) -> dict[tuple[str, str, str], object]:
    """Random cells of a template that satisfy app.row_total, app.results_sum, app.balance and appeal.sum;
    `other_as_one_row`: the leaves of a table printing 其他处理 as one row (no 2021-only sub-rows)."""
    cells: dict[tuple[str, str, str], object] = {}
    for _article, category, measures in templates.proactive_rows(template):
        for measure in measures:
            value: float = _count(rng)
            if measure in codes.SIGNED_MEASURES and rng.random() < 0.3:
                value = -value
            if measure in codes.AMOUNT_MEASURES and rng.random() < 0.5:
                value = round(value + rng.randint(1, 9) / 10, 1)
            cells[("proactive", category, measure)] = value
    applicants = codes.APPLICANT_CODES[:-1]
    leaves = codes.result_leaves_of(template, other_as_one_row)
    rows: dict[str, list[int]] = {r: [_count(rng) for _ in applicants] for r in leaves}
    rows["results_total"] = [sum(r[i] for r in rows.values()) for i in range(len(applicants))]
    rows["carried_forward"] = [_count(rng) for _ in applicants]
    rows["carried_over"] = [
        rng.randint(0, t + f) if rng.random() < 0.4 else 0
        for t, f in zip(rows["results_total"], rows["carried_forward"], strict=True)
    ]
    rows["new_received"] = [
        t + f - o for t, f, o in zip(rows["results_total"], rows["carried_forward"], rows["carried_over"], strict=True)
    ]
    for row, values in rows.items():
        for applicant, value in zip(codes.APPLICANT_CODES, [*values, sum(values)], strict=True):
            cells[("applications", row, applicant)] = value
    for proceeding in codes.APPEAL_PROCEEDING_CODES:
        outcomes = [_count(rng) if rng.random() < 0.3 else 0 for _ in codes.APPEAL_OUTCOME_CODES[:-1]]
        for outcome, value in zip(codes.APPEAL_OUTCOME_CODES, [*outcomes, sum(outcomes)], strict=True):
            cells[("appeals", proceeding, outcome)] = value
    return cells


def template_keys(template: str) -> list[tuple[str, str, str]]:
    """Every (table, row, column) a template's tables hold."""
    keys = [("proactive", cat, m) for _a, cat, ms in templates.proactive_rows(template) for m in ms]
    keys += [("applications", r, a) for r in codes.application_rows_of(template) for a in codes.APPLICANT_CODES]
    keys += [("appeals", p, o) for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES]
    return keys


__all__ = ["BLANK", "FLAT", "LAYOUTS", "MISSING", "Code", "render", "template_keys"]
