"""Values read by OCR that are not certain enough to be figures: null with `cell.low_confidence`, never a guess.

Two reasons, both only for cells OCR read (`Line.confidences`):
- a character read below `MIN_CONFIDENCE`;
- a row whose parts do not add up to its total (an application row across
  applicants, an appeals row across outcomes) while some of its digits were
  read below `CERTAIN`: the identity rejects the row, and the doubtful digits
  are the likely misreads. A row read with certainty that does not add up is
  the report's own error, kept for the identity checks to flag.
"""

from __future__ import annotations

from collections import defaultdict

from extractors.document import Cell, Issue, Line, ParsedDocument

MIN_CONFIDENCE = 0.9  # PP-OCR reads clean print at 0.99+; below 0.9 a digit is as likely another
CERTAIN = 0.98
_SUMMED_TABLES = ("applications", "appeals")  # rows whose columns add up to their `total` column


def null_doubtful_cells(doc: ParsedDocument, lines: list[Line]) -> None:
    """Gives each OCR-read cell its `confidence` (kept in the output for analysts) and nulls the doubtful ones."""
    recognised = {line.no: line for line in lines if line.confidences}
    if not recognised:
        return
    for cell in doc.cells:
        cell.confidence = _confidence(cell, recognised)
        if cell.value is not None and cell.confidence is not None and cell.confidence < MIN_CONFIDENCE:
            _null(doc, cell, f"read by OCR with confidence {cell.confidence:.2f} (below {MIN_CONFIDENCE})")
    rows: dict[tuple[str, str], list[Cell]] = defaultdict(list)
    for cell in doc.cells:
        if cell.table in _SUMMED_TABLES:
            rows[(cell.table, cell.row)].append(cell)
    for row in rows.values():
        totals = [c for c in row if c.column == "total"]
        parts = [c for c in row if c.column != "total"]
        if (
            len(totals) != 1
            or any(c.value is None for c in row)
            or abs(sum(c.value for c in parts) - totals[0].value) < 0.005
        ):
            continue
        for cell in row:
            if cell.confidence is not None and cell.confidence < CERTAIN:
                _null(
                    doc,
                    cell,
                    f"read by OCR with confidence {cell.confidence:.2f} in a row that does not add up to its total",
                )


def _confidence(cell: Cell, recognised: dict[int, Line]) -> float | None:
    line = recognised.get(cell.line) if cell.line is not None else None
    return line.confidence(cell.bbox) if line is not None else None


def _null(doc: ParsedDocument, cell: Cell, why: str) -> None:
    doc.issues.append(
        Issue(
            "cell.low_confidence",
            f"{cell.column}: {cell.raw!r} {why}: left null",
            table=cell.table,
            row=cell.row,
            line=cell.line,
            page=cell.page,
        )
    )
    cell.value = None
