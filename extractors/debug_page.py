"""Draw what the parser saw on one PDF page: table cells found, and each canonical cell's code at its box.

pdfplumber renders the page (page.to_image); the cells the reader's own
table finder sees (ruling lines, or text alignment) are outlined in blue, and
every cell the parse placed on this page gets a red box at its Cell.bbox with its code
(`granted/natural_person`). A value in a blue box without a red label was
read but not mapped; a red label on the wrong value is a mapping error.
"""

from __future__ import annotations

from pathlib import Path

_CELL_FILL = (0, 90, 255, 30)
_CELL_STROKE = (0, 90, 255, 200)
_CODE_STROKE = (220, 0, 0, 255)
_FONT_PX = 10


def draw_page(pdf_path: Path, page_number: int, out: Path, resolution: int = 150) -> dict[str, int]:
    """Write the annotated page image to `out`; returns how many table cells and codes were drawn."""
    import pdfplumber
    from PIL import ImageDraw, ImageFont

    from extractors.parse import parse_bytes
    from extractors.readers.pdf import page_tables

    doc = parse_bytes(pdf_path.name, pdf_path.read_bytes())
    cells = [c for c in doc.cells if c.page == page_number and c.bbox is not None]
    with pdfplumber.open(pdf_path) as pdf:
        if not 1 <= page_number <= len(pdf.pages):
            raise ValueError(f"{pdf_path.name} has {len(pdf.pages)} pages; there is no page {page_number}")
        page = pdf.pages[page_number - 1]
        image = page.to_image(resolution=resolution)
        table_cells = [box for table in page_tables(pdf, page_number) for box in table.cells]
        image.draw_rects(table_cells, fill=_CELL_FILL, stroke=_CELL_STROKE, stroke_width=1)
        image.draw_rects([c.bbox for c in cells], fill=(0, 0, 0, 0), stroke=_CODE_STROKE, stroke_width=2)
        draw = ImageDraw.Draw(image.annotated)
        font = ImageFont.load_default(size=_FONT_PX)
        for cell in cells:
            x0, top, _x1, _bottom = image._reproject_bbox(cell.bbox)  # page units -> image pixels
            draw.text((x0 + 2, top + 1), f"{cell.row}/\n{cell.column}", fill=_CODE_STROKE, font=font)
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, format="PNG")
    return {"table_cells": len(table_cells), "codes": len(cells)}
