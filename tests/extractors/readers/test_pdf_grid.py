"""The text-alignment grid (`extractors/readers/pdf_grid.py`) on synthetic character boxes: no LibreOffice, no PDF.

Each table is drawn the way a borderless Word table comes out of a PDF: cells
left-aligned at their column's start unless said otherwise, labels wrapped
inside their column, two cells' paddings between columns.
"""

from __future__ import annotations

import pytest

from extractors.readers.pdf import read_pdf
from extractors.readers.pdf_grid import Grid, aligned_grids
from tests.pdf_text import SIZE, text_line, text_pdf

LABEL, A, B, C = 80.0, 180.0, 220.0, 260.0  # column starts: a label column, three value columns


def rows(grid: Grid) -> list[list[str]]:
    return [[text for text, _box in row.cells] for row in grid.rows]


def only_grid(lines: list[dict], continued: bool = False) -> Grid:
    grids = aligned_grids(lines, continued)
    assert len(grids) == 1, [rows(g) for g in grids]
    return grids[0]


def test_wrapped_labels_are_joined_in_the_row_where_they_start() -> None:
    grid = only_grid(
        [
            text_line(100, (LABEL, "项目"), (A, "自然"), (B, "商业"), (C, "总计")),
            text_line(115, (A, "人"), (B, "企业")),
            text_line(130, (LABEL, "（二）部分公开（区"), (A, "1"), (B, "2"), (C, "3")),
            text_line(145, (LABEL, "分处理的）")),
            text_line(160, (LABEL, "（三）不予公开"), (A, "4"), (B, "5"), (C, "9")),
        ]
    )
    assert rows(grid) == [
        ["项目", "自然人", "商业企业", "总计"],
        ["（二）部分公开（区分处理的）", "1", "2", "3"],
        ["（三）不予公开", "4", "5", "9"],
    ]
    label_box = grid.rows[1].cells[0][1]
    assert label_box[1] == 130 and label_box[3] == 145 + SIZE  # the joined cell covers both lines


def test_a_wrapped_number_is_joined_on_a_line_of_nothing_but_continuations() -> None:
    grid = only_grid(
        [
            text_line(100, (LABEL, "本年新收"), (A, "２４"), (B, "1"), (C, "25")),
            text_line(115, (A, "０")),
            text_line(130, (LABEL, "上年结转"), (A, "２"), (B, "0"), (C, "2")),
            text_line(145, (LABEL, "本年办结"), (A, "７"), (B, "1"), (C, "8")),
        ]
    )
    assert rows(grid) == [["本年新收", "２４０", "1", "25"], ["上年结转", "２", "0", "2"], ["本年办结", "７", "1", "8"]]


def test_a_blank_cell_between_values_keeps_its_place() -> None:
    grid = only_grid(
        [
            text_line(100, (LABEL, "行政复议"), (A, "1"), (B, "2"), (C, "3")),
            text_line(115, (LABEL, "行政诉讼"), (A, "4"), (C, "6")),
            text_line(130, (LABEL, "复议后起诉"), (A, "7"), (B, "8"), (C, "15")),
        ]
    )
    assert rows(grid)[1] == ["行政诉讼", "4", "", "6"]
    blank_box = grid.rows[1].cells[2][1]
    assert blank_box[0] == B and blank_box[1] == 115  # where the blank cell stands


def test_columns_blank_on_every_line_keep_their_place_under_their_header() -> None:
    # 004's appeals: the 行政复议 columns are blank, the row of values has no label to its left.
    grid = only_grid(
        [
            text_line(100, (LABEL, "维持"), (LABEL + 40, "总计"), (A, "维持"), (B, "纠正"), (C, "总计")),
            text_line(115, (A, "0"), (B, "1"), (C, "1")),
            text_line(130, (A, "2"), (C, "2")),
        ]
    )
    assert rows(grid)[1:] == [["", "", "0", "1", "1"], ["", "", "2", "", "2"]]


def test_a_group_header_is_not_joined_with_its_sub_columns() -> None:
    grid = only_grid(
        [
            text_line(100, (LABEL, "行政复议"), (A, "行政诉讼")),
            text_line(115, (LABEL, "总计"), (A, "起诉"), (B, "复议后"), (C, "总计")),
            text_line(130, (LABEL, "1"), (A, "2"), (B, "3"), (C, "5")),
            text_line(145, (LABEL, "0"), (A, "1"), (B, "1"), (C, "2")),
        ]
    )
    assert rows(grid) == [
        ["行政复议", "行政诉讼"],
        ["总计", "起诉", "复议后", "总计"],
        ["1", "2", "3", "5"],
        ["0", "1", "1", "2"],
    ]


def test_right_aligned_numbers_share_their_column() -> None:
    ends = (A + 30, B + 30, C + 30)  # right edges of the three value columns
    grid = only_grid(
        [
            text_line(100, (LABEL, "项目"), (A, "自然人"), (B, "法人"), (C, "总计")),
            text_line(
                115, (LABEL, "本年新收"), *((x, v, "right") for x, v in zip(ends, ("5", "103", "108"), strict=True))
            ),
            text_line(130, (LABEL, "上年结转"), (ends[0], "1234", "right"), (ends[2], "1234", "right")),
            text_line(
                145, (LABEL, "本年办结"), *((x, v, "right") for x, v in zip(ends, ("12", "7", "19"), strict=True))
            ),
        ]
    )
    assert rows(grid) == [
        ["项目", "自然人", "法人", "总计"],
        ["本年新收", "5", "103", "108"],
        ["上年结转", "1234", "", "1234"],
        ["本年办结", "12", "7", "19"],
    ]
    blank_box = grid.rows[2].cells[2][1]
    assert ends[0] < blank_box[0] < ends[1]  # the blank stands in the middle column, not beside a short number


def test_an_item_number_starts_a_label_under_a_short_last_line() -> None:
    # （五）不予处理 wraps to 予处理, which ends a character short of its column's end, like a wrapped line
    # that moved a word whole; the （六）其 under it starts the next group, then the bare row 3.其他.
    group, item = LABEL + 40, LABEL + 90
    grid = only_grid(
        [
            text_line(100, (LABEL, "三、本"), (group, "（五）不"), (item, "1.信访举报投诉类"), (C, "0"), (C + 30, "1")),
            text_line(115, (LABEL, "年度办"), (group, "予处理"), (item, "申请")),
            text_line(130, (LABEL, "理结果"), (group, "（六）其"), (item, "1.逾期不补正"), (C, "2"), (C + 30, "3")),
            text_line(145, (group, "他处理")),
            text_line(160, (item, "3.其他"), (C, "4"), (C + 30, "5")),
        ]
    )
    assert rows(grid) == [
        ["三、本年度办理结果", "（五）不予处理", "1.信访举报投诉类申请", "0", "1"],
        ["（六）其他处理", "1.逾期不补正", "2", "3"],
        ["3.其他", "4", "5"],
    ]


def _procurement_page() -> list[dict]:
    """The last row of a table left alone at the top of a page by a page break, then the next section."""
    return [
        text_line(72, (LABEL, "政府集中采购"), (A, "１９０２７７"), (C, "８８５２１.５２")),
        text_line(90, (LABEL, "三、收到和处理政府信息公开申请情况")),
    ]


def test_a_row_alone_at_the_top_of_a_page_continues_the_table_of_the_page_before() -> None:
    assert rows(only_grid(_procurement_page(), continued=True)) == [["政府集中采购", "１９０２７７", "８８５２１.５２"]]
    assert aligned_grids(_procurement_page(), continued=False) == []  # a lone aligned line is no table
    below_prose = [text_line(50, (LABEL, "本年度共收到申请12件，均按时答复。")), *_procurement_page()]
    assert aligned_grids(below_prose, continued=True) == []  # only the page's first lines continue a table


def _drawn(rows: list[tuple[float, tuple[str, ...]]]) -> list[tuple[float, float, str]]:
    """Rows `(top, cells)` as positioned text, the cells at the label column and value columns A and C."""
    return [(x, top, text) for top, cells in rows for x, text in zip((LABEL, A, C), cells, strict=False)]


@pytest.mark.parametrize("ends_in_table", [True, False])
def test_read_pdf_carries_a_table_over_the_page_break(ends_in_table: bool) -> None:
    table = [
        (100, ("Item", "Made", "Total")),
        (115, ("Rules", "12", "30")),
        (130, ("Plans", "3", "7")),
        (145, ("Fees", "0", "1")),
    ]
    prose = [(100, ("The agency published its rules and plans on time.",))]
    first_page = [(50, ("Proactive disclosure",)), *(table if ends_in_table else prose)]
    second_page = [(72, ("Procurement", "190277", "88521.52")), (90, ("Applications received",))]
    lines = read_pdf(text_pdf([_drawn(first_page), _drawn(second_page)]))
    assert any(line.is_table for line in lines if line.page == 1) == ends_in_table
    procurement = next(line for line in lines if "Procurement" in line.cells[0])
    assert procurement.is_table == ends_in_table
    if ends_in_table:
        assert procurement.cells == ("Procurement", "190277", "88521.52")
