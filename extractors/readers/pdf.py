"""PDF into lines with pdfplumber: table rows with per-cell boxes, text between them as paragraphs.

- Tables come from ruling lines (`LINE_TABLES`); a page with digits but no
  ruling lines at all falls back to text alignment (`pdf_grid.aligned_grids`),
  kept only when it looks like a statistical table. A triage from the text
  layer and the ruling lines (`find_tables`) keeps the costly table finding
  to the pages that can hold a statistical table; characters are read
  cheaply (`pdf_page.LightPage`).
- A merged cell appears once in its row (`pdf_grid.Grid`). A table continued
  on the next page is just more rows; a repeated header is more header labels.
  A page that ends in a table tells the next page's text alignment that its
  first table lines continue it, however few they are.
- Text outside tables is read as visual lines and joined back into
  paragraphs (a full line followed by a line at the left margin continues the
  paragraph, across a page break too); page numbers are dropped.
- Items are ordered by page, then by their top edge, so paragraphs and
  tables keep the document's reading order. pdfplumber reports rotated pages
  in their displayed orientation, so landscape and /Rotate pages read alike.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass, replace
from typing import Any

from extractors.document import Issue, Line
from extractors.readers import pdf_text
from extractors.readers.errors import DocumentCorrupt, DocumentEncrypted, NeedsOcr
from extractors.readers.pdf_grid import (
    Grid,
    aligned_grids,
    centre_in,
    filled_grid,
    has_cell_gap,
    ruled_grid,
    ruled_tables,
)
from extractors.readers.pdf_page import light_page

log = logging.getLogger(__name__)

# Tables drawn with ruling lines (Word, WPS and LibreOffice exports).
LINE_TABLES: dict[str, Any] = {
    "vertical_strategy": "lines",
    "horizontal_strategy": "lines",
    "snap_tolerance": 3,
    "join_tolerance": 3,
    "intersection_tolerance": 3,
}
_PAGE_NUMBER = re.compile(r"^[-—–－\s]*(第\s*)?\d{1,4}\s*(页)?\s*([/／共]\s*\d{1,4}\s*页?)?[-—–－\s]*$")
_MARGIN_SHARE = 0.1  # page numbers sit in the top or bottom tenth of the page
_FULL_LINE_SLACK = 4.0  # within 4 characters of the right edge is full: a number or 。 that does not fit wraps whole
_INDENT = 0.5  # a line starting half a character in from the left edge is indented


@dataclass
class _Item:
    page: int
    top: float
    bottom: float
    cells: tuple[str, ...]
    bboxes: tuple[tuple[float, float, float, float] | None, ...]
    is_table: bool
    x0: float = 0.0
    x1: float = 0.0
    size: float = 0.0
    full: bool = False
    at_left: bool = True
    confidences: tuple[float | None, ...] | None = None  # OCR pages: the lowest per cell


def read_pdf(data: bytes, issues: list[Issue] | None = None) -> list[Line]:
    """The document's table rows and paragraphs as lines; raises UnreadableDocument subclasses.

    Pages without a text layer that show an image are read by OCR (`ocr.py`); a page OCR could not read
    in time adds a `document.needs_ocr` issue to `issues`, and a document none of whose pages could be
    read raises NeedsOcr.
    """
    import pdfplumber

    try:
        pdf = pdfplumber.open(io.BytesIO(data))
    except Exception as exc:
        raise _classify(exc) from exc
    items: list[_Item] = []
    unread: list[int] = []
    pages = read = 0
    try:  # around the `with`: closing a damaged PDF walks its pages again and can raise too
        with pdf:
            for page in map(light_page, pdf.pages):
                pages += 1
                continued = bool(items) and items[-1].is_table
                if page.chars:
                    items += page_items(page, continued)
                    read += 1
                elif page.images:
                    ocr = _ocr_page(page, continued)
                    read += ocr is not None
                    items += ocr or []
                    unread += [] if ocr is not None else [page.page_number]
                page.flush_cache()  # keep memory flat on long documents
    except Exception as exc:
        raise _classify(exc) from exc
    if not pages:  # pdfminer found no page tree (a broken cross-reference table): not a scan
        raise DocumentCorrupt("the PDF has no readable page (broken cross-reference table or page tree?)")
    if not read:
        raise NeedsOcr(f"no text layer on any of {pages} pages, and OCR read none of them")
    for number in unread:
        if issues is not None:
            issues.append(
                Issue(
                    "document.needs_ocr",
                    f"page {number}: no text layer, and OCR read nothing on it (in time)",
                    page=number,
                )
            )
    return _lines(items)


def _ocr_page(page: Any, continued: bool) -> list[_Item] | None:
    """The items OCR read on the page; None when it read nothing (out of time, or no text in the image)."""
    from extractors.readers.ocr import ocr_page

    read = ocr_page(page)
    if read is None or not read.lines:
        return None
    text_page = TextPage(page.page_number, page.height, read.lines)
    return _text_page_items(text_page, continued, ocr_grids(page, read.lines, read.edges) or None)


def ocr_grids(page: Any, lines: list[dict], edges: list[dict]) -> list[Grid]:
    """The tables of a scanned page: cells from the ruling lines found in its image, filled with OCR characters."""
    chars = [c for line in lines for c in line["chars"]]
    return [filled_grid(table, chars) for table in ruled_tables(page, edges, LINE_TABLES)]


def _classify(exc: Exception) -> Exception:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    cause = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(cause, MemoryError):
        return cause  # the parse's memory limit (extractors.limits), not a damaged file
    if isinstance(cause, PDFPasswordIncorrect | PDFEncryptionError):
        return DocumentEncrypted(f"the PDF is encrypted and cannot be opened without its password ({cause!r})")
    log.debug("unreadable PDF", exc_info=exc)
    return DocumentCorrupt(f"the PDF cannot be read: {type(cause).__name__}: {cause}")


def find_tables(page: Any, text_lines: list[dict] | None = None, continued: bool = False) -> list[Grid]:
    """The statistical tables of a page, looked for only where its text layer and ruling lines can hold one.

    Triage before the costly table finding: a page without digits holds no statistical table; ruling
    lines make cells only where horizontal and vertical ones cross; and text alignment finds a table
    only among lines split by a cell-wide gap (`pdf_grid.has_cell_gap`). A page with ruling lines but
    no ruled table holds none drawn by alignment either.

    `text_lines`: the page's text lines with their characters (`pdf_text.text_lines`) when the caller has them already
    (page numbers left out); `continued`: the page before ended in a table (`pdf_grid.aligned_grids`).
    """
    if not any(c["text"].isdigit() for c in page.chars):
        return []
    edges = page.edges
    if {"h", "v"} <= {edge["orientation"] for edge in edges}:
        tables = ruled_tables(page, edges, LINE_TABLES)
        if tables:
            return [ruled_grid(t) for t in tables]
    if page.lines or page.rects:
        return []
    lines = text_lines if text_lines is not None else pdf_text.text_lines(page.chars)
    return aligned_grids(lines, continued) if has_cell_gap(lines) else []


def page_tables(pdf: Any, page_number: int) -> list[Grid]:
    """The tables `read_pdf` finds on page `page_number` (1-based), continuation from the pages before included."""
    continued = False
    for page in map(light_page, pdf.pages[: page_number - 1]):
        items = page_items(page, continued)
        continued = items[-1].is_table if items else continued
        page.flush_cache()
    page = light_page(pdf.pages[page_number - 1])
    return find_tables(page, _text_lines(page), continued)


def _text_lines(page: Any) -> list[dict]:
    """The page's text lines with their characters, page numbers left out."""
    return [line for line in pdf_text.text_lines(page.chars) if not _page_number(line, page.height)]


def page_items(page: Any, continued: bool = False) -> list[_Item]:
    """A page's table rows and text lines, top to bottom; `continued`: the page before ended in a table."""
    all_lines = _text_lines(page)
    return _layout(page.page_number, all_lines, find_tables(page, all_lines, continued))


@dataclass(frozen=True)
class TextPage:
    """A page of positioned text from a reader other than pdfplumber (OFD, OCR).

    `lines`: text lines as pdfplumber's `extract_text_lines(return_chars=True)` gives them (text, x0, top,
    x1, bottom, chars; each char with text, x0, top, x1, bottom), in points from the page's top left.
    """

    number: int
    height: float
    lines: list[dict]


def text_page_lines(pages: list[TextPage]) -> list[Line]:
    """Lines of pages without ruling lines, read exactly as a PDF's: tables from text alignment."""
    items: list[_Item] = []
    for page in pages:
        items += _text_page_items(page, bool(items) and items[-1].is_table)
    return _lines(items)


def _text_page_items(page: TextPage, continued: bool, grids: list[Grid] | None = None) -> list[_Item]:
    """The page's items; tables from `grids` (found from ruling lines) or else from text alignment."""
    lines = [line for line in page.lines if not _page_number(line, page.height)]
    if grids is None:
        has_digit = any(c["text"].isdigit() for line in lines for c in line["chars"])
        grids = aligned_grids(lines, continued) if has_digit else []
    items = _layout(page.number, lines, grids)
    chars = [c for line in lines for c in line["chars"] if "confidence" in c]
    return [_with_confidences(item, chars) for item in items] if chars else items


def _with_confidences(item: _Item, chars: list[dict]) -> _Item:
    """The item with each cell's lowest character confidence (OCR), from the characters inside its box."""

    def lowest(box: tuple[float, float, float, float] | None) -> float | None:
        inside = [c["confidence"] for c in chars if box is not None and centre_in(c, box)]
        return min(inside) if inside else None

    return replace(item, confidences=tuple(lowest(box) for box in item.bboxes))


def _layout(number: int, all_lines: list[dict], grids: list[Grid]) -> list[_Item]:
    """The page's table rows (from `grids`) and the text lines outside them, top to bottom."""
    items: list[_Item] = []
    spans: list[tuple[float, float, float, float]] = []
    for grid in grids:
        spans.append(grid.bbox)
        for row in grid.rows:
            items.append(
                _Item(
                    number,
                    row.bbox[1],
                    row.bbox[3],
                    tuple(t for t, _ in row.cells),
                    tuple(b for _, b in row.cells),
                    True,
                )
            )
    text_lines = [line for line in all_lines if not _inside(line, spans)]
    if text_lines:
        left = min(line["x0"] for line in text_lines)
        right = max(line["x1"] for line in text_lines)
        for line in text_lines:
            size = max(line["bottom"] - line["top"], 1.0)
            box = (line["x0"], line["top"], line["x1"], line["bottom"])
            items.append(
                _Item(
                    number,
                    line["top"],
                    line["bottom"],
                    (line["text"],),
                    (box,),
                    False,
                    x0=line["x0"],
                    x1=line["x1"],
                    size=size,
                    full=line["x1"] >= right - _FULL_LINE_SLACK * size,
                    at_left=line["x0"] <= left + _INDENT * size,
                )
            )
    items.sort(key=lambda item: item.top)
    return items


def _inside(line: dict, boxes: list[tuple[float, float, float, float]]) -> bool:
    return any(centre_in(line, box) for box in boxes)


def _page_number(line: dict, height: float) -> bool:
    in_margin = line["top"] < height * _MARGIN_SHARE or line["bottom"] > height * (1 - _MARGIN_SHARE)
    return in_margin and bool(_PAGE_NUMBER.match(line["text"]))


def _lines(items: list[_Item]) -> list[Line]:
    """Items in reading order as lines; visual lines of one paragraph joined into one."""
    out: list[Line] = []
    previous: _Item | None = None
    for item in items:
        if (
            not item.is_table
            and previous is not None
            and not previous.is_table
            and previous.full
            and item.at_left
            and _follows(previous, item)
        ):
            last = out[-1]
            box = last.bbox(0)
            if box is not None and item.page == last.page:  # the paragraph's box grows down its page
                box = (min(box[0], item.x0), box[1], max(box[2], item.x1), item.bottom)
            out[-1] = Line(no=last.no, cells=(last.cells[0] + item.cells[0],), page=last.page, bboxes=(box,))
        else:
            out.append(
                Line(
                    no=len(out) + 1,
                    cells=item.cells,
                    page=item.page,
                    is_table=item.is_table,
                    bboxes=item.bboxes,
                    confidences=item.confidences,
                )
            )
        previous = item
    return out


def _follows(previous: _Item, item: _Item) -> bool:
    """The next visual line of the same paragraph: close below it, or at the top of the next page."""
    if item.page != previous.page:
        return item.page == previous.page + 1
    return item.top - previous.bottom < item.size
