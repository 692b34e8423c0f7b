"""Draw what the parser saw on one PDF page: table cells found, and each canonical cell's code at its box.

pdfplumber renders the page (page.to_image); the cells the reader's own
table finder sees (ruling lines, or text alignment) are outlined in blue, and
every cell the parse placed on this page gets a red box at its Cell.bbox with its code
(`granted/natural_person`). A value in a blue box without a red label was
read but not mapped; a red label on the wrong value is a mapping error.
On a scanned page (no text layer) the page is read by OCR as the parse reads
it: every recognised character gets a green box (darker the more confident),
and the blue cells are those of the ruling lines found in the image.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_CELL_FILL = (0, 90, 255, 30)
_CELL_STROKE = (0, 90, 255, 200)
_CODE_STROKE = (220, 0, 0, 255)
_WORD_STROKE = (0, 150, 60)
_FONT_PX = 10


def draw_page(pdf_path: Path, page_number: int, out: Path, resolution: int = 150) -> dict[str, int]:
    """Write the annotated page image to `out`; returns how many table cells, codes and OCR characters were drawn."""
    import pdfplumber
    from PIL import ImageDraw, ImageFont

    from extractors.parse import parse_bytes

    doc = parse_bytes(pdf_path.name, pdf_path.read_bytes())
    cells = [c for c in doc.cells if c.page == page_number and c.bbox is not None]
    with pdfplumber.open(pdf_path) as pdf:
        if not 1 <= page_number <= len(pdf.pages):
            raise ValueError(f"{pdf_path.name} has {len(pdf.pages)} pages; there is no page {page_number}")
        page = pdf.pages[page_number - 1]
        image = page.to_image(resolution=resolution)
        table_cells, chars = _seen(pdf, page_number)
        for c in chars:
            alpha = int(80 + 175 * c["confidence"])
            image.draw_rect((c["x0"], c["top"], c["x1"], c["bottom"]), fill=(0, 0, 0, 0), stroke=(*_WORD_STROKE, alpha))
        image.draw_rects(table_cells, fill=_CELL_FILL, stroke=_CELL_STROKE, stroke_width=1)
        image.draw_rects([c.bbox for c in cells], fill=(0, 0, 0, 0), stroke=_CODE_STROKE, stroke_width=2)
        draw = ImageDraw.Draw(image.annotated)
        font = ImageFont.load_default(size=_FONT_PX)
        for cell in cells:
            x0, top, _x1, _bottom = image._reproject_bbox(cell.bbox)  # page units -> image pixels
            draw.text((x0 + 2, top + 1), f"{cell.row}/\n{cell.column}", fill=_CODE_STROKE, font=font)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, format="PNG")
    return {"table_cells": len(table_cells), "codes": len(cells), "ocr_chars": len(chars)}


def _seen(pdf: Any, page_number: int) -> tuple[list[tuple[float, float, float, float]], list[dict]]:
    """The table cells the reader finds on the page, and the characters OCR read there (none on a text page)."""
    from extractors.readers.ocr import ocr_page
    from extractors.readers.pdf import ocr_grids, page_tables

    page = pdf.pages[page_number - 1]
    if page.chars or not page.images:
        return [box for table in page_tables(pdf, page_number) for box in table.cells], []
    read = ocr_page(page)
    if read is None:
        return [], []
    grids = ocr_grids(page, read.lines, read.edges)
    return [box for grid in grids for box in grid.cells], [c for line in read.lines for c in line["chars"]]
