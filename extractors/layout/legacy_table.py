"""Map the rows of a pre-2019 statistics table (统计指标 / 单位 / 统计数) to the `legacy` table's cells.

Each row is one figure: the labels name the row (the 单位 column, 条/件/万元, is a label like
the others and never a value), the value is the one number after them; a heading row holds
only a dash. A row of several
numbers (a table split by 区政府/乡镇 columns, say) cannot be placed with certainty and is
null. Rows of the table the report does not state are null, as for the other templates; those
tables differ from year to year, so no legacy identity asks them to be complete.
"""

from __future__ import annotations

from extractors import codes
from extractors.document import Cell, Issue
from extractors.layout.labels import fold
from extractors.layout.legacy_labels import PART, legacy_row
from extractors.layout.placement import keep_first, place_row
from extractors.layout.rows import Row
from extractors.numbers import is_null_marker

TABLE = "legacy"
COLUMN = "this_year"
_COLUMNS = [COLUMN]
_HEADER = "统计指标"  # the 统计表's first column head: no 2019 or 2021 table has it


def legacy_table_start(rows: list[Row]) -> int | None:
    """The first row under a 统计表 header: where a report that appends the old table to the new ones starts it."""
    return next((i for i, row in enumerate(rows) if any(fold(t.text) == _HEADER for t in row.labels)), None)


def map_legacy_table(rows: list[Row]) -> tuple[list[Cell], list[Issue]]:
    cells: dict[tuple[str, str, str], Cell] = {}
    issues: list[Issue] = []
    part: int | None = None  # the part of the table last read: 被依法纠错数 under 四 or 五
    for row in rows:
        code = next((c for c in (legacy_row(t.text, part) for t in reversed(row.labels)) if c), None)
        if code is None and all(is_null_marker(t.text) for t in row.values):
            continue  # a heading row (一、主动公开情况) with a dash in its 单位 column
        if code is None:
            issues.append(
                Issue(
                    "row.unrecognized",
                    f"a row of {len(row.values)} values under labels {[t.text for t in row.labels][-3:]} "
                    "matches no row of the legacy statistics table",
                    table=TABLE,
                    line=row.line,
                    page=row.page,
                )
            )
            continue
        part = PART[code]
        amounts = frozenset(_COLUMNS) if code in codes.LEGACY_AMOUNT_ROWS else frozenset()
        placed = place_row(row, _COLUMNS, TABLE, code, issues, allow_unheaded=False, amounts=amounts)
        keep_first(cells, placed, issues)
    missing = [code for code in codes.LEGACY_ROW_CODES if (TABLE, code, COLUMN) not in cells]
    for code in missing:
        cells[(TABLE, code, COLUMN)] = Cell(TABLE, code, COLUMN, None)
    if missing:
        issues.append(
            Issue(
                "table.rows_missing",
                f"{TABLE}: {len(missing)} rows of the legacy statistics table were not found and are null: "
                + ", ".join(missing),
                table=TABLE,
            )
        )
    return list(cells.values()), issues
