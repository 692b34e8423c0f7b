"""A PDF page's tables as grids of cells with boxes: from ruling lines (pdfplumber) or from text alignment.

A table drawn without ruling lines is read the way a person reads it, from
pdfplumber's text lines (characters in displayed orientation):
- a line splits into fragments where characters stand more than `_CELL_GAP`
  characters apart; a line of two or more fragments is a table line, and a run
  of table lines, with at most `_MAX_LOOSE_LINES` one-fragment lines between
  them (none a section heading such as 三、...), is a table; it needs
  `_MIN_ROWS` rows, except the first lines of a page whose page before ended
  in a table (`continued`): a page break can leave a single row;
- label columns start where labels start: Word, WPS and LibreOffice
  left-align cell text, so a column's labels share their left edge; a value
  column is a run of values overlapping from line to line (`_value_runs`),
  whether they are left-aligned, right-aligned or centred;
- a label that wraps fills its column (it ends within `_WRAP_SLACK`
  characters of the next column or of the next fragment on its line), and its
  next line's fragment in the same column carries it on: "自然" + "人",
  "社会" + "公益" + "组织", a row-spanning "三、本" + "年度办" + "理结果". The
  joined cell stands once, in the row where it starts, as a merged cell of a
  ruled table does. A label spanning several columns is not carried on by a
  line that has another fragment under it (a group header over its
  sub-columns), nor the label naming a row (the one right before its
  values), nor a label that starts with an item number (（六）, 3.). Numbers
  wrap too (２４ + ０ in a narrow column) but only on a line of nothing but
  continuations;
- on a line with values, a value column between two values with nothing in
  it is a blank cell, so a blank keeps its position (see `_row` for the
  blanks that are not kept).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from extractors.layout.labels import is_numbered
from extractors.layout.rows import SECTION_HEADING, is_value
from extractors.numbers import read_number
from extractors.readers.pdf_text import cell_text

Box = tuple[float, float, float, float]  # x0, top, x1, bottom
Point = tuple[float, float]  # x0, top: where two ruling lines cross

_CELL_GAP = 1.0  # characters: wider than a space in prose, narrower than two cell paddings
_SPACE_GAP = 0.25  # characters: a gap this wide inside a fragment is a space
_MAX_LOOSE_LINES = 3  # one-fragment lines (captions, wrapped labels) inside a table
_COLUMN_TOLERANCE = 0.5  # characters: left edges this close start the same column
_WRAP_SLACK = 1.5  # characters: a wrapped label leaves less room than this (a word or 。 moves whole)
_VALUE_WRAP_SLACK = 1.0  # characters: a wrapped number leaves less than a digit
_MAX_PADDING = 1.5  # characters: two cells' paddings at most (Word's default is 0.19 cm a side)
_MIN_ROWS = 3
_MIN_NUMBER_SHARE = 0.3  # text alignment also "finds" tables in prose; figures tell them apart


@dataclass
class GridRow:
    bbox: Box
    cells: list[tuple[str, Box]]  # a merged cell once, in its first row; blanks as ""


@dataclass
class Grid:
    bbox: Box
    rows: list[GridRow]

    @property
    def cells(self) -> list[Box]:
        return [box for row in self.rows for _, box in row.cells]


def ruled_grid(table: Any) -> Grid:
    """A pdfplumber Table as a grid: the positions a merged cell covers (None) are dropped."""
    table_rows = table.rows  # pdfplumber works the rows out anew on every access
    rows = []
    for row, texts in zip(table_rows, _cell_texts(table.page.chars, table.bbox, table_rows), strict=True):
        kept = [(text, box) for text, box in zip(texts, row.cells, strict=True) if box is not None]
        if kept:
            rows.append(GridRow(row.bbox, kept))
    return Grid(table.bbox, rows)


def _cell_texts(page_chars: list[dict], bbox: Box, table_rows: list[Any]) -> list[list[str]]:
    """The text of every cell ("" for none), as `table.extract()` reads it: the characters whose centre
    lies in the cell (right and bottom edges excluded), read as pdfplumber's `extract_text` reads them.

    `extract()` tests every character of the page against every row, a function call each; here each
    centre is computed once and a row tests only the characters inside its table.
    """

    def inside(box: Box, chars: list[tuple[float, float, dict]]) -> list[tuple[float, float, dict]]:
        x0, top, x1, bottom = box
        return [c for c in chars if x0 <= c[0] < x1 and top <= c[1] < bottom]

    chars = inside(bbox, [((c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2, c) for c in page_chars])
    texts = []
    for row in table_rows:
        in_row = inside(row.bbox, chars)
        in_cells = [inside(box, in_row) if box is not None else [] for box in row.cells]
        texts.append([cell_text([c for _, _, c in cell]) if cell else "" for cell in in_cells])
    return texts


def ruled_tables(page: Any, edges: list[dict], settings: dict[str, Any]) -> list[Any]:
    """pdfplumber Tables from ruling-line `edges` (the page's own, or those found in a scanned page's image), as
    its table finder's "lines" strategy makes them, with a cheaper cell builder (`_cells`)."""
    from pdfplumber.table import Table, TableSettings, cells_to_tables, edges_to_intersections, merge_edges
    from pdfplumber.utils import filter_edges

    found = TableSettings.resolve(settings)
    least = found.edge_min_length_prefilter
    edges = filter_edges(edges, "v", min_length=least) + filter_edges(edges, "h", min_length=least)
    merged = merge_edges(
        edges, found.snap_x_tolerance, found.snap_y_tolerance, found.join_x_tolerance, found.join_y_tolerance
    )
    intersections = edges_to_intersections(
        filter_edges(merged, min_length=found.edge_min_length),
        found.intersection_x_tolerance,
        found.intersection_y_tolerance,
    )
    return [Table(page, cells) for cells in cells_to_tables(_cells(intersections))]


def _cells(intersections: dict[Point, dict[str, list[dict]]]) -> list[Box]:
    """pdfplumber's `intersections_to_cells`: from each crossing (in sorted order), the first cell it opens,
    trying the crossings below it and then those right of it nearest first, whose four sides are ruled (both
    crossings on one edge). pdfplumber finds the crossings below and right of each by scanning all the others
    and builds the sets of edges anew for each test; here both are worked out once."""

    def sides(kind: str) -> dict[Point, frozenset[Box]]:
        return {
            p: frozenset((e["x0"], e["top"], e["x1"], e["bottom"]) for e in edges[kind])
            for p, edges in intersections.items()
        }

    vertical, horizontal = sides("v"), sides("h")

    def connects(p: Point, q: Point) -> bool:
        return (p[0] == q[0] and not vertical[p].isdisjoint(vertical[q])) or (
            p[1] == q[1] and not horizontal[p].isdisjoint(horizontal[q])
        )

    def first_cell(p: Point, below: list[Point], right: list[Point]) -> Box | None:
        for b in below:
            for r in right if connects(p, b) else ():
                corner = (r[0], b[1])
                if connects(p, r) and corner in intersections and connects(corner, r) and connects(corner, b):
                    return (*p, *corner)
        return None

    points = sorted(intersections)
    columns: dict[float, list[Point]] = defaultdict(list)
    lines: dict[float, list[Point]] = defaultdict(list)
    for p in points:
        columns[p[0]].append(p)
        lines[p[1]].append(p)
    cells = []
    for p in points:
        column, line = columns[p[0]], lines[p[1]]
        cell = first_cell(p, column[column.index(p) + 1 :], line[line.index(p) + 1 :])
        if cell is not None:
            cells.append(cell)
    return cells


def filled_grid(table: Any, chars: list[dict]) -> Grid:
    """A ruled table filled with positioned characters (OCR): each cell's text from the characters inside it,
    its lines joined as a wrapped label is (no space: a cell's lines are one label or one number)."""
    from extractors.readers.positioned import text_lines

    rows = []
    for row in table.rows:
        kept = []
        for box in (b for b in row.cells if b is not None):
            inside = [c for c in chars if centre_in(c, box)]
            kept.append(("".join(c["text"] for line in text_lines(inside) for c in line["chars"]), box))
        if kept:
            rows.append(GridRow(row.bbox, kept))
    return Grid(table.bbox, rows)


def centre_in(c: dict, box: Box) -> bool:
    """The middle of a character or text line (x0, top, x1, bottom) lies in `box`."""
    return box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2] and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3]


def _looks_statistical(grid: Grid, min_rows: int, min_share: float) -> bool:
    cells = [text for row in grid.rows for text, _ in row.cells if text.strip()]
    numbers = sum(1 for t in cells if read_number(t) is not None)
    return len(grid.rows) >= min_rows and bool(cells) and numbers / len(cells) >= min_share


@dataclass
class _Fragment:
    text: str
    box: Box
    size: float
    value: bool
    column: int = -1
    anchor: float = 0.0  # where its column starts: its own left edge for a label, its column's for a value
    reach: float = 0.0  # where the next fragment on its line starts: a cell cannot extend past it
    chain: list[_Fragment] = field(default_factory=list)  # a label's wrapped lines, itself first

    @property
    def x0(self) -> float:
        return self.box[0]

    @property
    def x1(self) -> float:
        return self.box[2]


def aligned_grids(
    text_lines: list[dict], continued: bool = False, min_number_share: float = _MIN_NUMBER_SHARE
) -> list[Grid]:
    """Tables laid out by text alignment alone, from pdfplumber text lines with their characters.

    `continued`: the page before ended in a table, so table lines at the very top of this page are its
    last rows, kept however few (a page break can leave one row: 政府集中采购 alone on the next page).
    `min_number_share`: plain text has no pictures or ruled boxes to mistake for a table, and the 2021
    proactive table is mostly headers, so the text reader asks for fewer figures.
    """
    lines = [_fragments(line["chars"]) for line in text_lines]
    grids = []
    for start, end in _blocks(lines):
        grid = _grid(lines[start:end])
        if _looks_statistical(grid, 1 if continued and start == 0 else _MIN_ROWS, min_number_share):
            grids.append(grid)
    return grids


def has_cell_gap(text_lines: list[dict]) -> bool:
    """Some line splits into two fragments or more: text alignment can find a table only then."""
    for line in text_lines:
        chars = [c for c in line["chars"] if c["text"].strip()]
        if any(_cell_gap(previous, char) for previous, char in pairwise(chars)):
            return True
    return False


def _cell_gap(previous: dict, char: dict) -> bool:
    """The two characters of a line stand in different cells."""
    return char["x0"] - previous["x1"] > _CELL_GAP * (char["bottom"] - char["top"])


def _fragments(chars: list[dict]) -> list[_Fragment]:
    groups: list[list[dict]] = []
    for char in (c for c in chars if c["text"].strip()):
        if groups and not _cell_gap(groups[-1][-1], char):
            groups[-1].append(char)
        else:
            groups.append([char])
    fragments = []
    for group in groups:
        size = max(c["bottom"] - c["top"] for c in group)
        text = group[0]["text"]
        for previous, char in pairwise(group):
            text += (" " if char["x0"] - previous["x1"] > _SPACE_GAP * size else "") + char["text"]
        box = (group[0]["x0"], min(c["top"] for c in group), group[-1]["x1"], max(c["bottom"] for c in group))
        fragments.append(_Fragment(text, box, size, is_value(text), anchor=box[0]))
    return fragments


def _blocks(lines: list[list[_Fragment]]) -> list[tuple[int, int]]:
    """(start, end) of every run of table lines, with up to `_MAX_LOOSE_LINES` one-fragment lines between
    them or after them (`_grid` keeps those after only when they carry a label on)."""
    blocks: list[tuple[int, int]] = []
    start = last = None
    for index, fragments in enumerate(lines):
        if len(fragments) >= 2:
            start = index if start is None else start
            last = index
        elif start is not None and (
            not fragments or SECTION_HEADING.match(fragments[0].text) or index - last > _MAX_LOOSE_LINES
        ):
            blocks.append((start, index))
            start = None
    if start is not None:
        blocks.append((start, len(lines)))
    return blocks


def _grid(lines: list[list[_Fragment]]) -> Grid:
    fragments = [f for line in lines for f in line]
    size = sorted(f.size for f in fragments)[len(fragments) // 2]
    runs = _value_runs([f for f in fragments if f.value])
    starts = _column_starts([f.anchor for f in fragments], _COLUMN_TOLERANCE * size)
    right = max(f.x1 for f in fragments)
    for line in lines:
        for fragment, after in zip(line, [*line[1:], None], strict=True):
            fragment.column = min(range(len(starts)), key=lambda c: abs(starts[c] - fragment.anchor))
            fragment.reach = after.x0 if after else float("inf")
    value_columns = _value_columns(fragments, runs)
    gaps = [b.x0 - a.x1 for line in lines for a, b in pairwise(line)]
    padding = min([*gaps, _MAX_PADDING * size])  # the narrowest gap between two cells: their paddings
    open_cells: dict[int, _Fragment] = {}  # column -> the cell of the line above that fills its column
    laid: list[tuple[int, list[_Fragment | Box]]] = []
    used = 0  # lines of the table: up to the last of two fragments or more, and wrapped labels right after
    for index, line in enumerate(lines):
        heads = _carry_on(line, open_cells)
        if len(line) >= 2 or (not heads and used == index):
            used = index + 1
        open_cells = {f.column: f.chain[0] for f in line if _fills_column(f, starts, right, padding, size)}
        if heads:
            laid.append((index, _row(heads, starts, value_columns)))
    rows = [GridRow(_union([_cell(c)[1] for c in row]), [_cell(c) for c in row]) for i, row in laid if i < used]
    return Grid(_union([f.box for line in lines[:used] for f in line]), rows)


def _carry_on(line: list[_Fragment], open_cells: dict[int, _Fragment]) -> list[_Fragment]:
    """Join the line's fragments that carry a cell of the line above on; returns those that start a cell.

    A line of nothing but continuations (wide numbers wrap too: ２４ + ０) carries every cell on; otherwise
    only labels carry on, never the label that names the line's row. A label that starts with an item
    number (（六）其 under the short last line 予处理 of （五）不予处理) starts a cell of its own.
    """

    def carries(fragment: _Fragment) -> bool:
        above = open_cells.get(fragment.column)
        return (
            above is not None
            and above.value == fragment.value
            and (fragment.value or not is_numbered(fragment.text))
            and not any(
                above.chain[-1].x0 < other.x0 < above.chain[-1].reach for other in line if other is not fragment
            )
        )

    whole_line = all(carries(f) for f in line)
    row_label = _row_label(line)
    heads = []
    for fragment in line:
        if carries(fragment) and (whole_line or (not fragment.value and fragment is not row_label)):
            above = open_cells[fragment.column]
            above.chain.append(fragment)
            fragment.chain = above.chain
        else:
            fragment.chain = [fragment]
            heads.append(fragment)
    return heads


def _fills_column(fragment: _Fragment, starts: list[float], right: float, padding: float, size: float) -> bool:
    """A fragment that ends where its cell ends: the next column's start or the next fragment on its line."""
    limit = min([right + padding, fragment.reach, *(s for s in starts if s > fragment.x1 - _COLUMN_TOLERANCE * size)])
    slack = _VALUE_WRAP_SLACK if fragment.value else _WRAP_SLACK
    return limit - fragment.x1 <= padding + slack * fragment.size


def _value_runs(values: list[_Fragment]) -> list[tuple[float, float]]:
    """The x-extents of the value columns; sets each value's `anchor` to its column's left edge.

    The values of one column overlap from line to line whether the column is left-aligned, right-aligned
    (１９０２７７ over 5) or centred, and the values of two columns never do: the cells' paddings lie between.
    """
    runs: list[tuple[float, float]] = []
    for fragment in sorted(values, key=lambda f: f.x0):
        if runs and fragment.x0 <= runs[-1][1]:
            runs[-1] = (runs[-1][0], max(runs[-1][1], fragment.x1))
        else:
            runs.append((fragment.x0, fragment.x1))
        fragment.anchor = runs[-1][0]
    return runs


def _value_columns(fragments: list[_Fragment], runs: list[tuple[float, float]]) -> set[int]:
    """Columns that may hold a blank cell: those of the value runs, and those of labels over no value
    (a column blank on every line: 004's 行政复议). A label over a value column (centred, say) adds none."""
    return {f.column for f in fragments if f.value or not any(x0 < f.x1 and f.x0 < x1 for x0, x1 in runs)}


def _column_starts(lefts: list[float], tolerance: float) -> list[float]:
    starts: list[float] = []
    for x in sorted(lefts):
        if not starts or x - starts[-1] > tolerance:
            starts.append(x)
    return starts


def _row_label(line: list[_Fragment]) -> _Fragment | None:
    """On a line with values, the label right before them names the row: it starts a cell, it carries none on."""
    if not any(f.value for f in line):
        return None
    return max((f for f in line if not f.value), key=lambda f: f.x0, default=None)


def _row(heads: list[_Fragment], starts: list[float], value_columns: set[int]) -> list[_Fragment | Box]:
    """The cells a line starts; blank value columns between its values as boxes.

    A blank right of a label or after the last value is not kept: a label's
    or value's merged cell may cover that column (a row of fewer values),
    which alignment cannot tell from a blank cell. A line without labels keeps
    blanks before its first value: nothing stands left of them.
    """
    values = [h for h in heads if h.value]
    if not values:
        return list(heads)
    labels = [h for h in heads if not h.value]
    first = values[0].column if labels else 0
    by_column = {h.column: h for h in heads}
    top, bottom = min(h.box[1] for h in heads), max(h.box[3] for h in heads)
    return [
        *(h for h in heads if h.column < first),
        *(
            by_column.get(c) or (starts[c], top, starts[c], bottom)
            for c in range(first, values[-1].column + 1)
            if c in value_columns or c in by_column
        ),
        *(h for h in heads if h.column > values[-1].column),
    ]


def _cell(item: _Fragment | Box) -> tuple[str, Box]:
    """A cell's text and box: a wrapped label's lines joined, a blank as ""."""
    if not isinstance(item, _Fragment):
        return "", item
    return "".join(f.text for f in item.chain), _union([f.box for f in item.chain])


def _union(boxes: list[Box]) -> Box:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
