"""Flattened digit runs are split only where the identities leave exactly one split; never guessed."""

from __future__ import annotations

import random

import pytest

from extractors import codes
from extractors.document import Token
from extractors.layout.digit_runs import FlatRow, flat_line, resolve, splits
from extractors.parse import parse_bytes
from tests.report_text import FLAT, consistent_cells, render

APPLICANTS = list(codes.APPLICANT_CODES)
APPEALS = [f"{p}|{o}" for p in codes.APPEAL_PROCEEDING_CODES for o in codes.APPEAL_OUTCOME_CODES]


def test_flat_line_takes_the_label_and_its_run() -> None:
    assert flat_line("1.属于国家秘密0000000") == ("1.属于国家秘密", "0000000")
    assert flat_line("一、本年新收政府信息公开申请数量230 000023") == ("一、本年新收政府信息公开申请数量", "230 000023")
    assert flat_line("10203120001200000") == ("", "10203120001200000")
    assert flat_line("2021") is None  # a year or page number is no appeals run
    assert flat_line("全年共受理行政许可申请。共计12") is None  # a sentence


def test_a_row_splits_where_its_total_allows_one_way() -> None:
    assert splits("230 000023", APPLICANTS) == [(23, 0, 0, 0, 0, 0, 23)]


def test_the_appeals_run_splits_per_proceeding() -> None:
    assert splits("10203120001200000", APPEALS) == [(1, 0, 2, 0, 3, 12, 0, 0, 0, 12, 0, 0, 0, 0, 0)]


def test_signs_open_a_signed_cell_and_decimals_sit_in_amounts() -> None:
    assert splits("35-15", ["prev_count", "change"]) == [(35, -15)]
    assert splits("35-15", ["prev_count", "decisions"]) == []
    assert sorted(splits("312.5", ["procurement_count", "procurement_amount"])) == [(3, 12.5), (31, 2.5)]


def _flat(row: str, run: str) -> FlatRow:
    return FlatRow("applications", row, APPLICANTS, Token(text=run, line=7))


def test_the_other_rows_decide_a_split_the_row_alone_cannot() -> None:
    assert len(splits("011000011", APPLICANTS)) == 2  # 0,1,10,… or 0,11,0,…
    zeros = (0.0,) * 7
    fixed = {r: zeros for r in codes.result_leaves_of("gov2021") if r != "granted"}
    fixed["results_total"] = (0, 11, 0, 0, 0, 0, 11)
    cells, issues = resolve([_flat("granted", "011000011")], fixed, "gov2021")
    assert [c.value for c in cells] == [0, 11, 0, 0, 0, 0, 11] and not issues
    assert {(c.raw, c.split, c.line) for c in cells} == {("011000011", True, 7)}


def test_an_ambiguous_split_is_null_and_names_its_candidates() -> None:
    cells, issues = resolve([_flat("granted", "011000011")], {}, "gov2021")
    assert [c.value for c in cells] == [None] * 7
    assert [i.code for i in issues] == ["cell.ambiguous_split"]
    assert "0, 1, 10, 0, 0, 0, 11" in issues[0].message and "0, 11, 0, 0, 0, 0, 11" in issues[0].message


def test_a_run_no_split_fits_is_null() -> None:
    cells, issues = resolve([_flat("granted", "1111111")], {}, "gov2021")
    assert [c.value for c in cells] == [None] * 7 and [i.code for i in issues] == ["cell.unsplittable"]


@pytest.mark.parametrize("seed", range(6))
def test_flattened_reports_never_give_a_wrong_value(seed: int) -> None:
    """Precision 100%: every value read from a flattened report is the one written; most are read."""
    template = ("gov2019", "gov2021")[seed % 2]
    cells = consistent_cells(template, random.Random(seed))
    text = render("测试县人民政府", 2021 if template == "gov2021" else 2020, template, cells, FLAT)
    doc = parse_bytes("flat.txt", text.encode("utf-8"))
    assert (doc.status, doc.template) == ("parsed", template)
    read = {(c.table, c.row, c.column): c.value for c in doc.cells if c.value is not None}
    assert {k: v for k, v in read.items() if cells.get(k) != v} == {}
    assert len(read) > 0.8 * len(cells)
