"""Positioned text as pdfplumber sees it, without LibreOffice: synthetic text lines and a hand-made PDF.

`text_line` builds the dict `page.extract_text_lines(return_chars=True)` gives, one character box per
character (full-width characters one em wide, others half), so `pdf_grid` can be fed exact geometry.
`text_pdf` writes pages of ASCII text in Helvetica, whose widths pdfminer knows without an embedded font.
"""

from __future__ import annotations

from tests.bad_documents import pdf_from_objects

SIZE = 9.0  # points: the font size of every synthetic line
PAGE_HEIGHT = 842.0


def width(text: str) -> float:
    return sum(SIZE if ord(ch) > 0xFF else SIZE / 2 for ch in text)


def text_line(top: float, *cells: tuple[float, str] | tuple[float, str, str]) -> dict:
    """A text line of cells `(x0, text)`, or `(x1, text, "right")` for text right-aligned at x1."""
    chars = []
    for cell in cells:
        x, text = cell[0], cell[1]
        x = x - width(text) if cell[2:] == ("right",) else x
        for ch in text:
            step = width(ch)
            chars.append({"text": ch, "x0": x, "x1": x + step, "top": top, "bottom": top + SIZE})
            x += step
    return {
        "text": " ".join(c[1] for c in cells),
        "chars": chars,
        "x0": chars[0]["x0"],
        "x1": chars[-1]["x1"],
        "top": top,
        "bottom": top + SIZE,
    }


def text_pdf(
    pages: list[list[tuple[float, float, str]]], rules: list[list[tuple[float, float, float, float]]] | None = None
) -> bytes:
    """A PDF of A4 pages, each a list of `(x0, top, text)` in Helvetica at `SIZE` points (ASCII only);
    `rules`: each page's ruling lines `(x0, top, x1, bottom)`, drawn as stroked segments."""
    count = len(pages)
    kids = b" ".join(b"%d 0 R" % (4 + 2 * i) for i in range(count))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    for index, texts in enumerate(pages):
        stream = b"".join(
            b"BT /F1 %.1f Tf %.2f %.2f Td (%s) Tj ET\n" % (SIZE, x, PAGE_HEIGHT - top - SIZE, text.encode("ascii"))
            for x, top, text in texts
        ) + b"".join(
            b"%.2f %.2f m %.2f %.2f l S\n" % (x0, PAGE_HEIGHT - top, x1, PAGE_HEIGHT - bottom)
            for x0, top, x1, bottom in (rules[index] if rules else [])
        )
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 %d] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R >> >> >>" % (PAGE_HEIGHT, 5 + 2 * index)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
    return pdf_from_objects(objects, b"<< /Size %d /Root 1 0 R >>" % (len(objects) + 1))
