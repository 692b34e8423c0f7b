"""OCR of scanned pages, without running the recogniser: `ocr.recognise` replaced by a page of known characters.

The real recogniser is exercised on a rendered report in test_formats.py (one
scanned report); these tests pin what happens to what it returns: ruled cells
from the lines found in the image, confidences, the per-page deadline.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from extractors.parse import parse_bytes
from extractors.readers import ocr
from extractors.readers.ocr import Word, scan_dpi
from extractors.readers.ruling import line_edge
from pipeline.cli import main as cli_main
from tests.bad_documents import image_only_pdf

PX = 150 / 72  # recognise() works in image pixels (the test scan's own 150 dpi); everything after in points
COLUMNS = (60.0, 220.0, 320.0, 420.0, 520.0)  # the table's vertical lines
TOP, ROW = 120.0, 20.0
TITLE = "静乐县2021年政府信息公开工作年度报告"
ROWS = (
    ("第二十条第（一）项",),
    ("信息内容", "本年制发件数", "本年废止件数", "现行有效件数"),
    ("规章", "1", "0", "7"),
    ("规范性文件", "12", "3", "48"),
)


def _words(text: str, x: float, top: float, confidence: float) -> list[Word]:
    out: list[Word] = []
    for ch in text:
        width = 10.0 if ord(ch) > 0xFF else 5.0
        out.append((ch, confidence, (x * PX, top * PX, (x + width) * PX, (top + 10) * PX)))
        x += width
    return out


def fake_page(doubtful: str | None = None) -> tuple[list[Word], list[dict]]:
    """A title, a sentence and the 20.1 table, ruled; the value `doubtful` read at confidence 0.5."""
    words = _words(TITLE, 120, 60, 0.99) + _words("本年度收到政府信息公开申请共5件。", 60, 90, 0.99)
    for index, row in enumerate(ROWS):
        top = TOP + index * ROW + 5
        for text, x in zip(row, COLUMNS, strict=False):
            words += _words(text, x + 3, top, 0.5 if text == doubtful else 0.99)
    bottom = TOP + len(ROWS) * ROW
    edges = [line_edge("h", COLUMNS[0], TOP + i * ROW, COLUMNS[-1], TOP + i * ROW) for i in range(len(ROWS) + 1)]
    edges += [line_edge("v", x, TOP + ROW, x, bottom) for x in COLUMNS[1:-1]]
    edges += [line_edge("v", x, TOP, x, bottom) for x in (COLUMNS[0], COLUMNS[-1])]
    return words, edges


def test_a_scan_is_read_at_its_own_resolution() -> None:
    import io

    import pdfplumber

    with pdfplumber.open(io.BytesIO(image_only_pdf())) as pdf:  # 620 x 877 pixels on a page of 620 x 877 points
        assert scan_dpi(pdf.pages[0]) == 150  # 72 dpi is read at the least, 150


def test_a_scanned_page_reads_as_a_ruled_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "recognise", lambda image, dpi: fake_page())
    doc = parse_bytes("scan.pdf", image_only_pdf())
    assert (doc.format, doc.status, doc.agency, doc.year) == ("pdf", "parsed", "静乐县", 2021)
    got = {(c.row, c.column): c.value for c in doc.cells if c.table == "proactive" and c.value is not None}
    assert got == {
        ("regulation", "issued"): 1,
        ("regulation", "repealed"): 0,
        ("regulation", "in_force"): 7,
        ("normative_document", "issued"): 12,
        ("normative_document", "repealed"): 3,
        ("normative_document", "in_force"): 48,
    }
    cell = next(c for c in doc.cells if (c.row, c.column) == ("normative_document", "in_force"))
    assert cell.page == 1 and cell.bbox == pytest.approx((COLUMNS[3], TOP + 3 * ROW, COLUMNS[4], TOP + 4 * ROW))
    assert [(f.name, f.value) for f in doc.facts] == [("applications_received", 5)]


def test_a_value_read_with_low_confidence_is_null_with_an_issue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "recognise", lambda image, dpi: fake_page(doubtful="48"))
    doc = parse_bytes("scan.pdf", image_only_pdf())
    cells = {(c.row, c.column): c for c in doc.cells if c.table == "proactive"}
    assert cells[("normative_document", "in_force")].value is None
    assert cells[("normative_document", "in_force")].raw == "48"  # what was read stays visible
    assert cells[("normative_document", "issued")].value == 12
    low = [i for i in doc.issues if i.code == "cell.low_confidence"]
    assert [(i.table, i.row, i.page) for i in low] == [("proactive", "normative_document", 1)]
    assert "0.50" in low[0].message


def test_a_page_past_its_deadline_stays_needs_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    def stuck(image: object, dpi: int) -> tuple[list[Word], list[dict]]:
        time.sleep(60)
        return fake_page()

    monkeypatch.setattr(ocr, "recognise", stuck)
    monkeypatch.setattr(ocr, "PAGE_SECONDS", 0.5)
    doc = parse_bytes("scan.pdf", image_only_pdf())
    assert (doc.status, [i.code for i in doc.issues]) == ("needs_ocr", ["document.needs_ocr"])


def test_debug_page_draws_the_ocr_characters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(ocr, "recognise", lambda image, dpi: fake_page())
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_only_pdf())
    out = tmp_path / "page.png"
    assert cli_main(["debug-page", str(scan), "--page", "1", "--out", str(out)]) == 0
    from extractors.debug_page import draw_page

    drawn = draw_page(scan, 1, out)
    assert drawn["ocr_chars"] == len(fake_page()[0]) and drawn["codes"] >= 6 and drawn["table_cells"] >= 13
