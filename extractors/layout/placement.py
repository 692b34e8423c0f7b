"""Place a row's values under its columns, or refuse to when it cannot be done with certainty.

The rule, in order:
1. as many values as columns: in order;
2. a row kept by position with exactly one cell per column: by position, a
   blank cell is null (and recorded);
3. a row kept by position whose first cells fill every column: those, and the
   values beyond the last column are recorded as unheaded;
4. otherwise the whole row is null and the mismatch recorded, never guessed.
Rule 3 is skipped when the table's header names a column the mapper does not
know (`allow_unheaded=False`): the extra value may stand anywhere in the row.
A cell that is not one exact number (约300, 1,2,3) is null with `cell.unreadable`;
so is an amount written with 千/万/亿 but no unit in a 万元 column (2.5万: 2.5 or 25,000 万元?).
"""

from __future__ import annotations

from extractors.codes import AMOUNT_MEASURES
from extractors.document import Cell, Issue, Token
from extractors.layout.rows import Row
from extractors.numbers import is_null_marker, normalize, read_number, to_wan_yuan


def place_row(
    row: Row,
    columns: list[str],
    table: str,
    row_code: str,
    issues: list[Issue],
    article: str | None = None,
    allow_unheaded: bool = True,
    amounts: frozenset[str] = AMOUNT_MEASURES,
) -> list[Cell]:
    """Cells for `row_code` x each column; null cells where a value cannot be placed.

    `amounts`: the columns whose values are amounts in 万元 (a legacy row is one by its row, not its column).
    """
    tokens = _assign(row, columns, table, row_code, issues, allow_unheaded)
    return [
        _cell(table, row_code, column, token, issues, article, column in amounts)
        for column, token in zip(columns, tokens, strict=True)
    ]


def keep_first(cells: dict[tuple[str, str, str], Cell], new: list[Cell], issues: list[Issue]) -> None:
    """Add `new` cells by (table, row, column); a cell stated twice keeps its first value, recorded."""
    for cell in new:
        key = (cell.table, cell.row, cell.column)
        if key in cells:
            issues.append(
                Issue(
                    "row.duplicate",
                    f"{cell.table} {cell.row}/{cell.column} stated twice; first kept",
                    table=cell.table,
                    row=cell.row,
                    line=cell.line,
                )
            )
            continue
        cells[key] = cell


def _assign(
    row: Row, columns: list[str], table: str, row_code: str, issues: list[Issue], allow_unheaded: bool = True
) -> list[Token | None]:
    n = len(columns)
    line, page = row.line, row.page
    if len(row.values) == n:
        return list(row.values)
    positional = row.positional
    if positional is not None and len(positional) == n:
        blanks = [c for c, t in zip(columns, positional, strict=True) if not t.text.strip()]
        issues.append(
            Issue(
                "cell.blank",
                f"{table} row {row_code}: {len(blanks)} of {n} cells are blank and null: {', '.join(blanks)}",
                table=table,
                row=row_code,
                line=line,
                page=page,
            )
        )
        return [t if t.text.strip() else None for t in positional]
    if (
        allow_unheaded
        and positional is not None
        and len(positional) > n
        and all(t.text.strip() for t in positional[:n])
    ):
        extra = [t.text for t in positional[n:] if t.text.strip()]
        issues.append(
            Issue(
                "cell.unheaded_value",
                f"{table} row {row_code}: values {extra} stand under no column header; ignored",
                table=table,
                row=row_code,
                line=line,
                page=page,
            )
        )
        return list(positional[:n])
    issues.append(
        Issue(
            "row.value_count_mismatch",
            f"{table} row {row_code}: {len(row.values)} values for {n} columns; "
            f"which one is missing cannot be told, so the row is null "
            f"(raw: {' | '.join(t.text.strip() for t in row.values)})",
            severity="error",
            table=table,
            row=row_code,
            line=line,
            page=page,
        )
    )
    return [None] * n


def _cell(
    table: str,
    row_code: str,
    column: str,
    token: Token | None,
    issues: list[Issue],
    article: str | None,
    amount: bool,
) -> Cell:
    if token is None:
        return Cell(table, row_code, column, None, article=article)
    raw = token.text.strip()
    reading = read_number(raw)
    value = None
    if reading is not None and amount and reading.unit is None and _scaled(raw):
        issues.append(
            Issue(
                "cell.unreadable",
                f"{table} {row_code}/{column}: {raw!r} has a 千/万/亿 multiplier but no unit "
                "in a 万元 column, so its amount is ambiguous; null",
                table=table,
                row=row_code,
                line=token.line,
                page=token.page,
            )
        )
    elif reading is not None:
        value = to_wan_yuan(reading) if amount else reading.value
    elif not is_null_marker(raw):
        issues.append(
            Issue(
                "cell.unreadable",
                f"{table} {row_code}/{column}: {raw!r} is not a number; null",
                table=table,
                row=row_code,
                line=token.line,
                page=token.page,
            )
        )
    return Cell(
        table, row_code, column, value, raw=raw, article=article, page=token.page, line=token.line, bbox=token.bbox
    )


def _scaled(raw: str) -> bool:
    return any(ch in normalize(raw) for ch in "千万亿仟")
