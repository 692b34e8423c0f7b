"""Misspelt and broken row labels: read as their row only when unique, close and in the expected place."""

from __future__ import annotations

import random

from extractors.document import Line
from extractors.layout.near_labels import edit_distance, near_rows
from extractors.layout.rows import build_rows
from extractors.layout.tables import map_tables
from extractors.parse import parse_bytes
from tests.report_text import FLAT, consistent_cells, render

ROW = "其他法律行政法规禁止公开"
KEY = ("applications", "denied.prohibited_by_law", "total")


def _report(replace: tuple[str, str]) -> tuple[str, dict[tuple[str, str, str], object]]:
    cells = consistent_cells("gov2021", random.Random(3))
    cells[KEY] = 7  # a value that tells the row apart (the identities are not what is tested here)
    text = render("测试县人民政府", 2021, "gov2021", cells)
    assert replace[0] in text
    return text.replace(replace[0], replace[1], 1), cells


def _parse(text: str) -> tuple[dict[tuple[str, str, str], object], list[str]]:
    doc = parse_bytes("r.txt", text.encode("utf-8"))
    return {(c.table, c.row, c.column): c.value for c in doc.cells}, [i.code for i in doc.issues]


def test_edit_distance() -> None:
    assert edit_distance("其他法律行政止公开", ROW) == 3
    assert edit_distance("重复申请", "重复申请") == 0


def test_a_misspelt_label_in_its_place_is_read_with_a_warning() -> None:
    text, _ = _report((ROW, "其他法律行政止公开"))
    read, issues = _parse(text)
    assert read[KEY] == 7
    assert "row.fuzzy_label" in issues and "row.unrecognized" not in issues


def test_an_unrelated_label_is_not_matched() -> None:
    text, _ = _report((ROW, "其他事项说明情况"))
    read, issues = _parse(text)
    assert read[KEY] is None
    assert "row.unrecognized" in issues and "row.fuzzy_label" not in issues


def test_a_near_label_out_of_its_place_is_not_read() -> None:
    # 其他法律行政止公开 where 国家秘密 is expected (the row before it): near, but not the expected row.
    text, _ = _report(("属于国家秘密", "其他法律行政止公开"))
    read, issues = _parse(text)
    assert read[("applications", "denied.state_secret", "total")] is None
    assert "row.fuzzy_label" not in issues


def test_short_and_group_labels_are_never_near() -> None:
    assert near_rows("总记", "gov2021") == []
    assert near_rows("（三）不予公开", "gov2021") == []  # one edit from 予以公开, but a group label
    assert near_rows("重复申诉", "gov2021") == ["not_processed.duplicate"]


def test_a_label_wrapped_before_its_values_is_joined() -> None:
    text, _ = _report((ROW, "其他法律行政法规\n禁止公开"))
    read, issues = _parse(text)
    assert read[KEY] == 7 and "row.unrecognized" not in issues


def test_a_label_whose_tail_follows_its_values_on_the_next_page_is_joined() -> None:
    # The row's values stay with the label's first part; its tail tops the next page, before the next row.
    text, cells = _report((ROW, "其他法律行政法规"))
    head, rest = text.split("其他法律行政法规", 1)
    line_end = rest.index("\n") + 1
    text = head + "其他法律行政法规" + rest[:line_end] + "\f\n禁止公开\n" + rest[line_end:]
    read, issues = _parse(text)
    assert read[KEY] == 7 and "row.unrecognized" not in issues
    security = ("applications", "denied.security_stability", "total")
    assert read[security] == cells[security]


HEADER = ("申请人情况", "自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")


def _pdf_rows(broken: list[Line]) -> dict[tuple[str, str], float | None]:
    """PDF table rows (one Line per table row, a page number each) around a broken 其他法律行政法规禁止公开 row."""
    header = Line(1, HEADER, 1, True)
    before = Line(2, ("（三）不予公开", "1.属于国家秘密", *"0000000"), 1, True)
    after = Line(9, ("3.危及“三安全一稳定”", *"1000001"), 2, True)
    cells, _ = map_tables(build_rows([header, before, *broken, after]), "gov2019")
    return {(c.row, c.column): c.value for c in cells if c.table == "applications"}


def test_a_pdf_label_broken_over_a_page_is_joined_either_way() -> None:
    values_first = [Line(3, ("2.其他法律行政法规", *"2000002"), 1, True), Line(8, ("禁止公开",), 2, True)]
    values_last = [Line(3, ("2.其他法律行政法规",), 1, True), Line(8, ("禁止公开", *"2000002"), 2, True)]
    for broken in (values_first, values_last):
        read = _pdf_rows(broken)
        assert read[("denied.prohibited_by_law", "total")] == 2
        assert read[("denied.security_stability", "total")] == 1


def test_a_misspelt_label_in_a_flattened_row_is_read_with_a_warning() -> None:
    """Crawler text glues the label to its digit run (其他法律行政止公开00251001954): the run is split as any other."""
    cells = consistent_cells("gov2021", random.Random(3))
    text = render("测试县人民政府", 2021, "gov2021", cells, FLAT)
    doc = parse_bytes("r.txt", text.replace(ROW, "其他法律行政止公开", 1).encode("utf-8"))
    read = {(c.table, c.row, c.column): c.value for c in doc.cells}
    assert {k: read[k] for k in cells if k[0] == "applications"} == {
        k: v for k, v in cells.items() if k[0] == "applications"
    }
    assert [(i.code, i.row) for i in doc.issues if i.table == "applications"] == [
        ("header.missing", None),
        ("row.fuzzy_label", "denied.prohibited_by_law"),
    ]
