"""Plain text (and text extracted elsewhere) into lines of cells, whatever layout the table took.

Real text files hold a report's tables in four layouts, and each becomes the
same intermediate as a DOCX or PDF table:
- tab grids and one cell per line (Word tables saved as text): cells split on
  tabs; a line holding only a tab is a blank cell (`rows.py` keeps it);
- pipe rows (`| 一、本年新收… | 23 | 0 |`, markdown and archive exports):
  cells split on `|`, rule lines (`|---|`, `+----+`) dropped;
- space-aligned text (`pdftotext -layout`): the lines without tabs or pipes
  are laid out as character boxes, one column per character as pdftotext
  writes them, and read by the PDF reader's text-alignment grid
  (`pdf_grid.aligned_grids`: wrapped labels, merged labels one character per
  line, blank cells); page footers (`- 3 -`, `第3页 共9页`) and form feeds
  are dropped so a table broken by a page reads as one.
"""

from __future__ import annotations

import re

from extractors.document import Line
from extractors.readers.pdf_grid import aligned_grids

_PIPES = re.compile(r"[|｜]")
_PIPE_RULE = re.compile(r"^[\s|｜+\-=:—─━┼├┤┌┐└┘┬┴]+$")
_FOOTER = re.compile(
    r"^(?:[-—–－]\s*\d{1,4}\s*[-—–－]|第\s*\d{1,4}\s*页(?:\s*[/／，,]?\s*共\s*\d{1,4}\s*页)?|\d{1,4}\s*/\s*\d{1,4})$"
)
_MIN_PIPES = 2
_MIN_RULE_CHARS = 3  # a lone dash is a null marker, not a rule
# Figures among a space-aligned table's cells: the 2021 proactive table is mostly its headers and captions.
_MIN_NUMBER_SHARE = 0.15
_LINE_PITCH = 2.0  # a character box is one unit tall; lines stand two apart, as in a printed page


def text_lines(text: str) -> list[Line]:
    """One Line per text line or table row; a table row keeps its first line's number."""
    lines: list[Line] = []
    plain: list[tuple[int, str]] = []  # a run of lines without tabs or pipes: maybe a space-aligned table
    for no, raw in enumerate(text.replace("\f", "\n").splitlines(), start=1):
        stripped = raw.strip()
        if _FOOTER.match(stripped):
            continue
        if "\t" in raw:
            lines += _aligned(plain)
            plain = []
            cells = tuple(raw.split("\t"))
            lines.append(Line(no=no, cells=cells, is_table=len(cells) > 1))
        elif len(stripped) >= _MIN_RULE_CHARS and _PIPE_RULE.match(stripped):
            continue  # a table's rule line (|---|, +----+)
        elif len(_PIPES.findall(stripped)) >= _MIN_PIPES:
            lines += _aligned(plain)
            plain = []
            lines.append(Line(no=no, cells=_pipe_cells(stripped), is_table=True))
        else:
            plain.append((no, raw.rstrip()))
    lines += _aligned(plain)
    return lines


def _pipe_cells(text: str) -> tuple[str, ...]:
    cells = [c.strip() for c in _PIPES.split(text)]
    if cells and not cells[0]:
        cells = cells[1:]
    if cells and not cells[-1]:
        cells = cells[:-1]
    return tuple(cells)


def _aligned(plain: list[tuple[int, str]]) -> list[Line]:
    """Plain lines as text lines, with the rows of any space-aligned table among them as table rows."""
    kept = [(no, raw) for no, raw in plain if raw.strip()]
    boxes = [_boxed(index, raw) for index, (_no, raw) in enumerate(kept)]
    spaced = any("  " in raw.strip() for _, raw in kept)
    grids = aligned_grids([b for b in boxes if b["chars"]], min_number_share=_MIN_NUMBER_SHARE) if spaced else []
    rows: dict[int, tuple[str, ...]] = {}
    covered: set[int] = set()
    for grid in grids:
        first, last = _index(grid.bbox[1]), _index(grid.bbox[3])
        covered.update(range(first, last + 1))
        for row in grid.rows:
            rows[_index(row.bbox[1])] = tuple(text for text, _ in row.cells)
    out = []
    for index, (no, raw) in enumerate(kept):
        if index in rows:
            out.append(Line(no=no, cells=rows[index], is_table=True))
        elif index not in covered:
            out.append(Line(no=no, cells=(raw.strip(),)))
    return out


def _index(y: float) -> int:
    return int(y // _LINE_PITCH)


def _boxed(index: int, raw: str) -> dict:
    """A text line as pdfplumber's text-line dict: one unit-wide box per character, in its column."""
    top = index * _LINE_PITCH
    chars = [
        {"text": ch, "x0": float(col), "x1": col + 1.0, "top": top, "bottom": top + 1.0}
        for col, ch in enumerate(raw)
        if not ch.isspace()
    ]
    return {"text": raw.strip(), "chars": chars}
