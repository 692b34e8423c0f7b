"""Group table cells into rows: a run of labels followed by its values.

Real files lay a table out in two ways, and both give the same rows here:
- one cell per line (Word tables saved as text: samples 001, 002), where a
  label broken over several lines ("科研\\n机构", "自\\n\\n然\\n\\n人") is joined
  back, and a row is the labels up to the values that follow them;
- one row per line, cells separated by tabs (samples 000, 004), where empty
  cells keep their positions, so a row also keeps its cells *by position*
  (`positional`), which is what lets a blank cell be told from a missing one.
Label-only rows (headers, a label's tail after a page break) are carried into
the next row's labels, so a table's header always arrives with its first row;
a one-line row whose label names a table row and whose cells are all blank
(an HTML row of `&nbsp;` cells) is a row of blank cells, not a label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from extractors.document import Line, Token
from extractors.layout import labels
from extractors.layout.digit_runs import flat_line
from extractors.layout.legacy_labels import legacy_row
from extractors.layout.near_labels import near_rows
from extractors.numbers import is_null_marker, looks_like_number, read_number

# A short line without tabs right after table cells is the rest of a broken cell.
_CONTINUATION_MAX_CHARS = 12
_CONTINUATION_MAX_GAP = 2
SECTION_HEADING = re.compile(r"^[一二三四五六七八九十]+、")
# The template whose application rows a flattened line's misspelt label may be near: the 2021 table has every
# row of the 2019 one (the mapper then takes the label only where its own template expects that row).
_NEAR_ROWS_TEMPLATE = "gov2021"
# "第二十条第（一）项" heads a block of the proactive table even when it stands on a line of its own.
_TABLE_CAPTION = re.compile(r"^第[一二三四五六七八九十]+条第[（(]?[一二三四五六七八九十]+[）)]?项$")


@dataclass
class Row:
    labels: list[Token] = field(default_factory=list)
    values: list[Token] = field(default_factory=list)  # non-blank values in order
    positional: list[Token] | None = None  # one-line rows: every cell after the labels
    heading: str | None = None  # the last heading line above the row
    flat: bool = False  # flattened text: the one value is a digit run holding every cell (digit_runs.py)

    @property
    def anchor(self) -> Token | None:
        """Where the row stands: its first value, else (a row of blank cells) its last label."""
        return self.values[0] if self.values else (self.labels[-1] if self.labels else None)

    @property
    def line(self) -> int | None:
        return self.anchor.line if self.anchor else None

    @property
    def page(self) -> int | None:
        return self.anchor.page if self.anchor else None


def is_value(text: str) -> bool:
    """A cell in a value's place: a number, a null marker, or a figure that is no exact number (约300)."""
    return read_number(text) is not None or is_null_marker(text) or looks_like_number(text)


class _RowBuilder:
    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.pending: list[Token] = []  # labels waiting for their values
        self.current: Row | None = None  # one-cell-per-line row being built
        self.heading: str | None = None
        self.empty_cell_open = False  # an empty cell line: a continuation starts a new cell

    def cell_token(self, token: Token) -> None:
        self.empty_cell_open = False
        if is_value(token.text):
            if self.current is None:
                self.current = Row(labels=self._take_pending(), heading=self.heading)
            self.current.values.append(token)
            if self.current.positional is not None:
                self.current.positional.append(token)
            return
        if self.current is not None and self.current.values:
            self.close_current()
        if self.current is None:
            self.pending.append(token)
        else:
            self.current.labels.append(token)

    def line_row(self, line: Line) -> None:
        """A whole row on one line: labels first, then cells kept by position."""
        self.close_current()
        tokens = [Token(text=c, line=line.no, page=line.page, bbox=line.bbox(i)) for i, c in enumerate(line.cells)]
        last_label = max((i for i, t in enumerate(tokens) if t.text.strip() and not is_value(t.text)), default=-1)
        labels = [t for t in tokens[: last_label + 1] if t.text.strip()]
        rest = tokens[last_label + 1 :]
        values = [t for t in rest if t.text.strip()]
        if not values and not (rest and labels and names_row(labels[-1].text)):
            self.pending.extend(labels)
            return
        self.rows.append(
            Row(labels=self._take_pending() + labels, values=values, positional=rest, heading=self.heading)
        )

    def append_to_last_token(self, text: str) -> bool:
        """Join a continuation line onto the cell it breaks from."""
        if self.empty_cell_open:
            return False
        holder = None
        if self.current is not None:
            holder = self.current.values if self.current.values else self.current.labels
        elif self.pending:
            holder = self.pending
        if not holder:
            return False
        last = holder[-1]
        holder[-1] = Token(text=last.text + text, line=last.line, page=last.page, bbox=last.bbox)
        return True

    def flat_row(self, label: str, run: Token) -> None:
        """A flattened row: its label and its cells glued into one digit run."""
        self.close_current()
        own = [Token(text=label, line=run.line, page=run.page)] if label else []
        self.rows.append(Row(labels=self._take_pending() + own, values=[run], heading=self.heading, flat=True))

    def new_heading(self, text: str) -> None:
        self.close_current()
        self.pending = []
        self.heading = text

    def blank_cell(self, token: Token) -> None:
        """A line holding only a tab: after a row's first value it is a blank cell in its place."""
        self.empty_cell_open = True
        if self.current is not None and self.current.values:
            if self.current.positional is None:
                self.current.positional = list(self.current.values)
            self.current.positional.append(token)

    def close_current(self) -> None:
        if self.current is None:
            return
        if self.current.values:
            self.rows.append(self.current)
        else:
            self.pending = self.current.labels + self.pending
        self.current = None

    def _take_pending(self) -> list[Token]:
        taken, self.pending = self.pending, []
        return taken


def build_rows(lines: list[Line]) -> list[Row]:
    """All table rows of a document, in order, with the heading each sits under."""
    builder = _RowBuilder()
    gap: int | None = None  # blank lines since the last table cell; None outside tables
    for line in lines:
        nonblank = [c for c in line.cells if c.strip()]
        if not line.is_table:
            text = line.cells[0].strip() if line.cells else ""
            if not text:
                gap = None if gap is None else gap + 1
                continue
            if _TABLE_CAPTION.match(text.replace(" ", "")):
                builder.cell_token(Token(text=text, line=line.no, page=line.page))
                gap = 0
                continue
            flat = _flat_row(text)
            if flat:
                builder.flat_row(flat[0], Token(text=flat[1], line=line.no, page=line.page))
                gap = None
                continue
            if _is_continuation(text, gap):
                if not builder.append_to_last_token(text):
                    builder.cell_token(Token(text=text, line=line.no, page=line.page))
                gap = 0
                continue
            builder.new_heading(text)
            gap = None
            continue
        gap = 0
        if len(nonblank) >= 2 or (len(line.cells) > len(nonblank) == 1 and names_row(nonblank[0])):
            builder.line_row(line)
        elif nonblank:
            index = next(i for i, c in enumerate(line.cells) if c.strip())
            builder.cell_token(Token(text=nonblank[0], line=line.no, page=line.page, bbox=line.bbox(index)))
        else:
            builder.blank_cell(Token(text="", line=line.no, page=line.page))
    builder.close_current()
    return builder.rows


def _flat_row(text: str) -> tuple[str, str] | None:
    """(label, run) of a flattened table line whose label names a table row, or nearly (a misspelt label, left
    to the mapper's row.fuzzy_label rule), or a bare appeals run."""
    found = flat_line(text)
    if found is None:
        return None
    label = found[0]
    if not label or names_row(label) or labels.is_bare_other(label) or near_rows(label, _NEAR_ROWS_TEMPLATE):
        return found
    return None


def names_row(label: str) -> bool:
    """Whether a label names a row of a template's tables (an application row, a proactive category, a legacy row)."""
    return bool(labels.application_row(label) or labels.category(label) or legacy_row(label))


def _is_continuation(text: str, gap: int | None) -> bool:
    return (
        gap is not None
        and gap <= _CONTINUATION_MAX_GAP
        and len(text) <= _CONTINUATION_MAX_CHARS
        and not SECTION_HEADING.match(text)
    )
