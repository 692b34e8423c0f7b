"""Every text layout of a report gives the cells its tab grid gives: tabs, one cell per line, pipes, aligned."""

from __future__ import annotations

import pytest

from extractors.parse import parse_bytes
from extractors.readers.text import text_lines
from tests.report_text import BLANK, LAYOUTS, render, template_keys

BLANKED = ("applications", "granted", "research_institution")


def _cells(template: str) -> dict:
    return {key: (i * 37) % 500 for i, key in enumerate(template_keys(template))}


def _parsed(template: str, layout: str, cells: dict) -> tuple[dict, set[str]]:
    year = 2021 if template == "gov2021" else 2020
    doc = parse_bytes(f"{layout}.txt", render("测试县人民政府", year, template, cells, layout).encode("utf-8"))
    assert (doc.status, doc.template) == ("parsed", template)
    return {(c.table, c.row, c.column): c.value for c in doc.cells}, {i.code for i in doc.issues}


@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
@pytest.mark.parametrize("layout", LAYOUTS)
def test_each_layout_reads_every_cell(template: str, layout: str) -> None:
    cells = _cells(template)
    parsed, issues = _parsed(template, layout, cells)
    assert {k: parsed.get(k) for k in cells} == cells
    assert not issues


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_blank_cell_is_null_in_its_place(layout: str) -> None:
    """One cell per line writes a blank as a line holding only a tab: the row keeps its other values."""
    cells = _cells("gov2021")
    parsed, issues = _parsed("gov2021", layout, cells | {BLANKED: BLANK})
    assert parsed[BLANKED] is None and "cell.blank" in issues
    assert {k: parsed[k] for k in cells if k != BLANKED} == {k: v for k, v in cells.items() if k != BLANKED}


def test_pipe_rows_drop_rules_and_outer_pipes() -> None:
    lines = text_lines("| 行政许可 | 12 |  |\n|---|---|---|\n+----+----+\n")
    assert [(line.cells, line.is_table) for line in lines] == [(("行政许可", "12", ""), True)]


def test_page_footers_and_form_feeds_leave_no_line() -> None:
    lines = text_lines("报告\n\f- 2 -\n第 3 页 共 9 页\n3/9\n正文")
    assert [line.cells for line in lines] == [("报告",), ("正文",)]


def test_prose_with_double_spaces_is_no_table() -> None:
    lines = text_lines("一、总体情况\n本年度  我县认真落实条例，  主动公开信息。\n二、主动公开\n")
    assert not any(line.is_table for line in lines)
