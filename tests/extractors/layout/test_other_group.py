"""A 2021 table that prints （六）其他处理 as the 2019 form's single row (real: 洪泽区 2023 and 2024).

The row is gov2019's `other.other` (DESIGN.md §3); the 2021-only sub-rows,
absent from the layout, stay null with the info issue `row.other_as_one_row`
and without `table.rows_missing`, and app.results_sum sums gov2019's leaves.
A sub-row that is printed but blank stays null and keeps the identity not
evaluable.
"""

from __future__ import annotations

import random

import pytest

from extractors import codes
from extractors.parse import parse_bytes
from tests.report_text import BLANK, FLAT, LAYOUTS, consistent_cells, render

AGENCY = "淮安市洪泽区人民政府"


def _parse(cells: dict, layout: str, other_as_one_row: bool, template: str = "gov2021", year: int = 2023):
    text = render(AGENCY, year, template, cells, layout, other_as_one_row=other_as_one_row)
    doc = parse_bytes("report.txt", text.encode("utf-8"))
    got = {(c.row, c.column): c.value for c in doc.cells if c.table == "applications"}
    return doc, got


def _results_sum_holds(got: dict, leaves: tuple[str, ...]) -> bool:
    return all(sum(got[(r, a)] for r in leaves) == got[("results_total", a)] for a in codes.APPLICANT_CODES)


@pytest.mark.parametrize("layout", [*LAYOUTS, FLAT])
@pytest.mark.parametrize("seed", range(3))
def test_the_group_as_one_row_is_other_other_and_the_2021_sub_rows_stay_null(layout: str, seed: int) -> None:
    cells = consistent_cells("gov2021", random.Random(seed), other_as_one_row=True)
    doc, got = _parse(cells, layout, other_as_one_row=True)
    assert doc.template == "gov2021"
    assert [got[("other.other", a)] for a in codes.APPLICANT_CODES] == [
        cells[("applications", "other.other", a)] for a in codes.APPLICANT_CODES
    ]
    assert all(got[(r, a)] is None for r in codes.GOV2021_ONLY_ROWS for a in codes.APPLICANT_CODES)
    assert set(got) == {(r, a) for r in codes.application_rows_of("gov2021") for a in codes.APPLICANT_CODES}
    issues = {(i.code, i.row) for i in doc.issues}
    assert ("row.other_as_one_row", "other.other") in issues
    assert "table.rows_missing" not in {code for code, _row in issues}
    assert _results_sum_holds(got, codes.result_leaves_of("gov2021", other_as_one_row=True))


@pytest.mark.parametrize("layout", ["tabs", "lines", "aligned"])
def test_a_printed_sub_row_left_blank_stays_null_without_the_one_row_note(layout: str) -> None:
    cells = consistent_cells("gov2021", random.Random(7))
    cells |= {("applications", "other.no_correction", a): BLANK for a in codes.APPLICANT_CODES}
    doc, got = _parse(cells, layout, other_as_one_row=False)
    assert all(got[("other.no_correction", a)] is None for a in codes.APPLICANT_CODES)
    assert [got[("other.other", a)] for a in codes.APPLICANT_CODES] == [
        cells[("applications", "other.other", a)] for a in codes.APPLICANT_CODES
    ]
    assert "row.other_as_one_row" not in {i.code for i in doc.issues}


def test_gov2019_single_row_stays_other_other() -> None:
    cells = consistent_cells("gov2019", random.Random(1))
    doc, got = _parse(cells, "tabs", other_as_one_row=False, template="gov2019", year=2020)
    assert doc.template == "gov2019" and "row.other_as_one_row" not in {i.code for i in doc.issues}
    assert [got[("other.other", a)] for a in codes.APPLICANT_CODES] == [
        cells[("applications", "other.other", a)] for a in codes.APPLICANT_CODES
    ]


def test_a_group_total_printed_beside_its_sub_rows_leaves_the_sub_rows_as_leaves() -> None:
    cells = consistent_cells("gov2021", random.Random(2))
    text = render(AGENCY, 2023, "gov2021", cells, "tabs")
    group_total = [sum(cells[("applications", r, a)] for r in codes.OTHER_SUB_ROWS) for a in codes.APPLICANT_CODES]
    total = "\t".join(str(v) for v in group_total)
    first_sub = "（六）其他处理\t申请人无正当理由逾期不补正"
    text = text.replace(first_sub, f"（六）其他处理\t{total}\n1.申请人无正当理由逾期不补正", 1)
    doc = parse_bytes("report.txt", text.encode("utf-8"))
    got = {(c.row, c.column): c.value for c in doc.cells if c.table == "applications"}
    assert set(got) == {(r, a) for r in codes.application_rows_of("gov2021") for a in codes.APPLICANT_CODES}
    assert [got[("other.other", a)] for a in codes.APPLICANT_CODES] == [
        cells[("applications", "other.other", a)] for a in codes.APPLICANT_CODES
    ]
    assert "row.other_group_total" in {i.code for i in doc.issues}
    assert _results_sum_holds(got, codes.result_leaves_of("gov2021"))
