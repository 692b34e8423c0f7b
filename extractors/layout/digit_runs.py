"""Split the glued digit runs of flattened table text back into cells, only where the identities allow one way.

Crawler text loses a table's cell borders: `一、本年新收政府信息公开申请数量230 000023`
holds 23, 0, 0, 0, 0, 0, 23. A run is split into the row's cell count (numbers
without leading zeros, bounded length; a space is a cell border; `-` only opens
a signed cell, `.` only sits in an amount), a split must satisfy the row's own
identity (`app.row_total`: the last cell sums the six applicant cells;
`appeal.sum` per proceeding), and the application rows must together satisfy
`app.results_sum` and `app.balance`. Exactly one split left: its values, each
cell with the run as raw text and `split=True`. Several: the row is null with
`cell.ambiguous_split` naming them. None: null with `cell.unsplittable`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from extractors import codes
from extractors.document import Cell, Issue, Token

# Label, then the run: digits, spaces, `-` and `.`; the label ends in no digit, so `1.属于国家秘密0000000` splits.
_FLAT_LINE = re.compile(r"^(?P<label>.*?[^\d\s.\-+])\s*(?P<run>-?\d(?:[\d\s.\-]*\d)?)$")
_LABEL_MAX_CHARS = 60
# A line of digits only is the appeals table's values (15 cells); shorter ones are page numbers and years.
_APPEALS_MIN_DIGITS = 15
_COUNT_DIGITS = 6  # at most 999,999 per cell: no agency reports more applications
_AMOUNT_DIGITS = 8  # 万元 before the decimal point
_MAX_CANDIDATES = 20  # splits kept per row; more means "many" and the row stays null
_MAX_COMBINATIONS = 20_000  # cross-row checks beyond this leave the rows' candidates as they are
_SHOWN = 3  # candidates named in an issue


def flat_line(text: str) -> tuple[str, str] | None:
    """(label, run) of a flattened table line, or None; the label may be empty (the appeals values)."""
    stripped = text.strip()
    if stripped.replace(" ", "").isdigit():
        return ("", stripped) if len(stripped.replace(" ", "")) >= _APPEALS_MIN_DIGITS else None
    found = _FLAT_LINE.match(stripped)
    if not found or len(found["label"]) > _LABEL_MAX_CHARS or any(p in found["label"] for p in "。；"):
        return None
    return found["label"].strip(), found["run"]


@dataclass
class FlatRow:
    """A row whose values are one run, waiting to be split with the others."""

    table: str
    row: str
    columns: list[str]  # the cells' columns in order; appeals: "proceeding|outcome"
    run: Token
    article: str | None = None


def _kind(column: str) -> str:
    measure = column.split("|")[-1]
    if measure in codes.AMOUNT_MEASURES:
        return "amount"
    return "signed" if measure in codes.SIGNED_MEASURES else "count"


_PATTERNS = {
    "count": re.compile(rf"0|[1-9]\d{{0,{_COUNT_DIGITS - 1}}}"),
    "signed": re.compile(rf"0|-?[1-9]\d{{0,{_COUNT_DIGITS - 1}}}"),
    "amount": re.compile(rf"(?:0|[1-9]\d{{0,{_AMOUNT_DIGITS - 1}}})(?:\.\d{{1,4}})?"),
}


def _groups(columns: list[str]) -> dict[int, list[int]]:
    """Total cell index -> the cells it sums (applicant columns; each proceeding's outcomes)."""
    groups: dict[int, list[int]] = {}
    heads = [c.split("|")[0] if "|" in c else "" for c in columns]  # appeals: per proceeding
    for index, column in enumerate(columns):
        if column.split("|")[-1] == "total":
            groups[index] = [i for i, h in enumerate(heads) if h == heads[index] and i != index]
    return groups


def splits(run: str, columns: list[str]) -> list[tuple[float, ...]]:
    """Every split of `run` into the columns' cells that satisfies the row's own sums (at most a few more
    than _MAX_CANDIDATES)."""
    compact = run.replace(" ", "")
    borders = set(itertools.accumulate(len(part) for part in run.split(" ")))
    kinds = [_kind(c) for c in columns]
    groups = _groups(columns)
    found: list[tuple[float, ...]] = []
    for values in _walk(compact, 0, kinds, groups, borders, []):
        found.append(tuple(values))
        if len(found) > _MAX_CANDIDATES:
            break
    return found


def _walk(
    text: str, start: int, kinds: list[str], groups: dict[int, list[int]], borders: set[int], done: list[float]
) -> Iterator[list[float]]:
    index = len(done)
    if index == len(kinds):
        if start == len(text):
            yield done
        return
    left = len(kinds) - index
    if len(text) - start < left:
        return
    if index in groups:  # a total: its text is the sum of its parts
        total = sum(done[i] for i in groups[index])
        options = [_fmt(total)]
    else:
        options = [m for m in _prefixes(text, start, _PATTERNS[kinds[index]])]
    for option in options:
        end = start + len(option)
        if not text.startswith(option, start) or any(start < b < end for b in borders):
            continue
        if end != len(text) and end not in borders and text[end : end + 1] == ".":
            continue  # a cell never ends just before a decimal point
        yield from _walk(text, end, kinds, groups, borders, [*done, float(option)])


def _prefixes(text: str, start: int, pattern: re.Pattern[str]) -> list[str]:
    """Every prefix of text[start:] that the pattern matches whole."""
    limit = min(len(text), start + _AMOUNT_DIGITS + 6)
    return [text[start:end] for end in range(start + 1, limit + 1) if pattern.fullmatch(text, start, end)]


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def resolve(
    flat: list[FlatRow], fixed: dict[str, tuple[float, ...]], template: str, other_as_one_row: bool = False
) -> tuple[list[Cell], list[Issue]]:
    """Cells of the flattened rows: split where exactly one split satisfies the identities, else null
    (`other_as_one_row`: the table prints 其他处理 as gov2019's one row, codes.result_leaves_of)."""
    domains = {id(f): splits(f.run.text, f.columns) for f in flat}
    apps = {f.row: f for f in flat if f.table == "applications"}
    _narrow(apps, domains, fixed, codes.result_leaves_of(template, other_as_one_row))
    cells: list[Cell] = []
    issues: list[Issue] = []
    for row in flat:
        found = domains[id(row)]
        values: tuple[float | None, ...] = found[0] if len(found) == 1 else (None,) * len(row.columns)
        if len(found) != 1:
            issues.append(_issue(row, found))
        cells += [
            Cell(
                row.table,
                row.row,
                column,
                value,
                raw=row.run.text,
                article=row.article,
                page=row.run.page,
                line=row.run.line,
                split=True,
            )
            for column, value in zip(row.columns, values, strict=True)
        ]
    return cells, issues


def _narrow(
    apps: dict[str, FlatRow],
    domains: dict[int, list[tuple[float, ...]]],
    fixed: dict[str, tuple[float, ...]],
    leaves: tuple[str, ...],
) -> None:
    """Keep the splits of application rows that some choice of the other rows' splits makes consistent."""
    equations = [
        {**{leaf: 1 for leaf in leaves}, "results_total": -1},  # app.results_sum
        {"new_received": 1, "carried_over": 1, "results_total": -1, "carried_forward": -1},  # app.balance
    ]
    changed = True
    while changed:
        changed = False
        for equation in equations:
            rows = {
                row: domains[id(apps[row])] if row in apps else [fixed[row]] if row in fixed else None
                for row in equation
            }
            if any(not d for d in rows.values()):
                continue  # a row stated nowhere (or with no split) decides nothing
            open_rows = [r for r in equation if r in apps and len(rows[r]) > 1]
            size = 1
            for row in open_rows:
                size *= len(rows[row])
            if not open_rows or size > _MAX_COMBINATIONS:
                continue
            base = [sum(rows[r][0][i] * c for r, c in equation.items() if r not in open_rows) for i in range(7)]
            kept: dict[str, set[tuple[float, ...]]] = {r: set() for r in open_rows}
            for choice in itertools.product(*(rows[r] for r in open_rows)):
                sums = [
                    base[i] + sum(v[i] * equation[r] for r, v in zip(open_rows, choice, strict=True)) for i in range(7)
                ]
                if all(abs(s) < 1e-9 for s in sums):
                    for row, values in zip(open_rows, choice, strict=True):
                        kept[row].add(values)
            for row in open_rows:
                narrowed = [v for v in rows[row] if v in kept[row]]
                if len(narrowed) < len(rows[row]):
                    domains[id(apps[row])] = narrowed
                    changed = True


def _issue(row: FlatRow, found: list[tuple[float, ...]]) -> Issue:
    where = f"{row.table} row {row.row}: the digit run {row.run.text!r}"
    if not found:
        code = "cell.unsplittable"
        message = f"{where} splits into no {len(row.columns)} cells that satisfy the table's sums; null"
    else:
        code = "cell.ambiguous_split"
        many = "more than " if len(found) > _MAX_CANDIDATES else ""
        shown = "; ".join(", ".join(_fmt(v) for v in values) for values in found[:_SHOWN])
        message = (
            f"{where} splits {many}{min(len(found), _MAX_CANDIDATES)} ways that satisfy the table's sums "
            f"({shown}{' ...' if len(found) > _SHOWN else ''}); which one is meant cannot be told, so null"
        )
    return Issue(code, message, table=row.table, row=row.row, line=row.run.line, page=row.run.page)
