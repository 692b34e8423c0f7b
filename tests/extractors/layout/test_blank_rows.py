"""A row whose cells are all blank (an HTML row of `&nbsp;` cells, as real report pages draw rows nobody
filled) is a row of null cells: its label must not be carried onto the next row's labels, where several row
labels over one row of values read as a transposed table and lose the next row (the 2019 report of the
Shanghai government's office lost 5.属于三类内部事务信息 and （七）总计 this way)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.corpus import random_spec
from bench.render_html import render_html
from bench.report_spec import BLANK, blocks
from extractors import codes
from extractors.parse import parse_bytes
from tests.report_text import BLANK as TEXT_BLANK
from tests.report_text import render, template_keys

# Consecutive result rows left blank, each followed by a row that holds values.
BLANK_ROWS = ("denied.prohibited_by_law", "denied.security_stability", "denied.third_party_rights", "other.other")


def _parsed(name: str, data: bytes) -> tuple[dict, set[str]]:
    doc = parse_bytes(name, data)
    assert doc.status == "parsed"
    return {(c.table, c.row, c.column): c.value for c in doc.cells}, {i.code for i in doc.issues}


def _check(parsed: dict, issues: set[str], cells: dict) -> None:
    assert "table.transposed" not in issues
    for row in BLANK_ROWS:
        assert all(parsed[("applications", row, a)] is None for a in codes.APPLICANT_CODES)
    kept = {k: v for k, v in cells.items() if k[0] == "applications" and k[1] not in BLANK_ROWS}
    assert {k: parsed.get(k) for k in kept} == kept


def test_an_html_row_of_blank_cells_keeps_the_rows_after_it() -> None:
    spec = replace(random_spec(3, "gov2019"), number_style="plain")
    spec.cells = {k: (BLANK if k[0] == "applications" and k[1] in BLANK_ROWS else v) for k, v in spec.cells.items()}
    parsed, issues = _parsed("report.html", render_html(blocks(spec), spec.title))
    _check(parsed, issues, {k: float(v) for k, v in spec.cells.items() if v != BLANK})


@pytest.mark.parametrize("layout", ["tabs", "pipes"])
def test_a_text_row_of_blank_cells_keeps_the_rows_after_it(layout: str) -> None:
    cells = {k: float(i % 7 + 1) for i, k in enumerate(template_keys("gov2019"))}
    drawn = {k: (TEXT_BLANK if k[0] == "applications" and k[1] in BLANK_ROWS else v) for k, v in cells.items()}
    parsed, issues = _parsed(f"{layout}.txt", render("测试县人民政府", 2020, "gov2019", drawn, layout).encode())
    _check(parsed, issues, cells)
