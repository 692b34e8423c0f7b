"""OCR-read values that are not certain: null with `cell.low_confidence`; certain ones kept even when wrong."""

from __future__ import annotations

from extractors.document import Cell, Line, ParsedDocument
from extractors.doubtful import null_doubtful_cells

BOXES = tuple((float(x), 0.0, float(x + 10), 10.0) for x in range(0, 80, 10))


def _doc(values: list[float], confidences: list[float]) -> tuple[ParsedDocument, list[Line]]:
    """One application row (6 applicants and the total) on line 1, read with these confidences."""
    columns = ("natural_person", "commercial_enterprise", "research_institution", "social_organization")
    columns += ("legal_service", "other_entity", "total")
    cells = [
        Cell("applications", "granted", column, value, raw=f"{value:g}", page=1, line=1, bbox=BOXES[i + 1])
        for i, (column, value) in enumerate(zip(columns, values, strict=True))
    ]
    line = Line(
        no=1,
        cells=("予以公开", *(c.raw or "" for c in cells)),
        page=1,
        is_table=True,
        bboxes=BOXES,
        confidences=(0.99, *confidences),
    )
    doc = ParsedDocument("scan.pdf", "0" * 64, "v", "pdf", "parsed", 1, cells=cells)
    return doc, [line]


def _nulled(doc: ParsedDocument) -> list[str]:
    return [c.column for c in doc.cells if c.value is None]


def test_a_low_confidence_value_is_null() -> None:
    doc, lines = _doc([1, 0, 0, 0, 0, 0, 1], [0.99, 0.99, 0.99, 0.99, 0.99, 0.99, 0.6])
    null_doubtful_cells(doc, lines)
    assert _nulled(doc) == ["total"]
    assert [(i.code, i.row) for i in doc.issues] == [("cell.low_confidence", "granted")]


def test_a_row_that_does_not_add_up_loses_its_doubtful_digits() -> None:
    doc, lines = _doc([8, 0, 0, 0, 0, 0, 3], [0.95, 0.99, 0.99, 0.99, 0.99, 0.99, 0.99])  # 3 read as 8
    null_doubtful_cells(doc, lines)
    assert _nulled(doc) == ["natural_person"]


def test_a_certain_row_that_does_not_add_up_is_the_reports_own_error() -> None:
    doc, lines = _doc([8, 0, 0, 0, 0, 0, 3], [0.999] * 7)
    null_doubtful_cells(doc, lines)
    assert _nulled(doc) == [] and doc.issues == []


def test_text_not_read_by_ocr_is_left_alone() -> None:
    doc, lines = _doc([8, 0, 0, 0, 0, 0, 3], [0.5] * 7)
    null_doubtful_cells(doc, [Line(no=1, cells=lines[0].cells, bboxes=BOXES)])
    assert _nulled(doc) == []
