"""Table finding runs only on the pages that can hold a statistical table, and characters are read cheaply
(`extractors/readers/pdf.py` find_tables, `pdf_page.py`), on a hand-made PDF: no LibreOffice."""

from __future__ import annotations

import io

import pdfplumber
import pytest

from extractors.readers import pdf as pdf_reader
from extractors.readers.pdf_page import light_page
from tests.pdf_text import text_pdf

PROSE = [(72, 100, "The county office answered 12 requests in 2023,"), (72, 115, "all of them by 31 March 2024.")]
UNDERLINE = [(72, 126, 300, 126)]
TABLE = [("Item", "Made", "Total"), ("Rules", "12", "30"), ("Plans", "3", "7"), ("Fees", "0", "1")]
COLUMNS = (80.0, 200.0, 260.0, 320.0)  # the ruled table's column edges; text starts 4 points in
ROWS = (300.0, 318.0, 336.0, 354.0, 372.0)


def _document() -> bytes:
    """Prose with figures; the same with an underline; a ruled table; the same table drawn without lines."""
    starts = COLUMNS[:-1]
    table = [
        (x + 4, top + 4, text)
        for row, top in zip(TABLE, ROWS, strict=False)
        for x, text in zip(starts, row, strict=True)
    ]
    grid = [(COLUMNS[0], y, COLUMNS[-1], y) for y in ROWS] + [(x, ROWS[0], x, ROWS[-1]) for x in COLUMNS]
    return text_pdf([PROSE, PROSE, table, table], rules=[[], UNDERLINE, grid, []])


def test_table_finding_runs_only_on_pages_that_can_hold_a_table(monkeypatch: pytest.MonkeyPatch) -> None:
    ruled_on: list[int] = []
    aligned_on: list[str] = []
    ruled_tables, aligned_grids = pdf_reader.ruled_tables, pdf_reader.aligned_grids

    def spy_ruled_tables(page: pdfplumber.page.Page, *args: object) -> list:
        ruled_on.append(page.page_number)
        return ruled_tables(page, *args)

    def spy_aligned_grids(lines: list[dict], *args: object) -> list:
        aligned_on.append(" / ".join(line["text"] for line in lines))
        return aligned_grids(lines, *args)

    monkeypatch.setattr(pdf_reader, "ruled_tables", spy_ruled_tables)
    monkeypatch.setattr(pdf_reader, "aligned_grids", spy_aligned_grids)
    lines = pdf_reader.read_pdf(_document())

    # Figures in prose, and a lone underline, make no table: neither finder looks at pages 1 and 2.
    assert ruled_on == [3]
    assert len(aligned_on) == 1 and "Rules" in aligned_on[0]
    tables = {page: [line.cells for line in lines if line.page == page and line.is_table] for page in (1, 2, 3, 4)}
    assert tables[1] == tables[2] == []
    assert tables[3] == tables[4] == TABLE


def test_light_page_reads_characters_as_pdfplumber_does() -> None:
    with pdfplumber.open(io.BytesIO(_document())) as document:
        for page in document.pages:
            light = light_page(page)
            assert light.chars and len(light.chars) == len(page.chars)
            for ours, theirs in zip(light.chars, page.chars, strict=True):
                assert ours == {key: theirs[key] for key in ours}
            assert [(e["x0"], e["top"], e["x1"], e["bottom"]) for e in light.edges] == [
                (e["x0"], e["top"], e["x1"], e["bottom"]) for e in page.edges
            ]
