"""A pdfplumber page whose characters are read cheaply: the reader's share of a PDF's cost.

pdfplumber has pdfminer build an `LTChar` object per character, then turns
every object into a dict of all its attributes, each resolved recursively
(colours, graphic state, marked content): for characters, the bulk of a page,
that is over a third of the cost of reading it. The reader needs a
character's text and position only, so `LightPage` has pdfminer's
interpreter hand each character straight to a plain dict with those (and
size, font and matrix, which pdfplumber's text functions may read), with the
same arithmetic as `LTChar`, already in pdfplumber's page coordinates (no
second pass), a font's text and width for a character id looked up once per
page, and leaves every other object (ruling lines, rectangles, images) to
pdfplumber.
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent, fix_fontname_bytes
from pdfplumber.utils.exceptions import PdfminerException


class LightPage(Page):
    """A pdfplumber Page whose characters are the plain dicts `_CharDevice` keeps."""

    def parse_objects(self) -> dict[str, list[dict[str, Any]]]:
        if self.pdf.unicode_norm is not None or self.pdf.laparams is not None or hasattr(self, "_layout"):
            return super().parse_objects()  # texts to normalise, characters grouped, or pdfminer already ran
        device = _CharDevice(self)
        try:
            PDFPageInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        except Exception as exc:
            raise PdfminerException(exc) from exc
        self._layout = device.get_result()  # every object but the characters, for pdfplumber to convert
        objects = super().parse_objects()
        if device.chars:
            objects["char"] = device.chars
        return objects


class _CharDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page aggregator, with each character kept as a dict instead of an `LTChar` in the tree,
    placed in pdfplumber's page coordinates as it comes."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.pdf.rsrcmgr, pageno=page.page_number)
        self.chars: list[dict[str, Any]] = []
        # pdfminer measures from the MediaBox's bottom left, pdfplumber from the page's top left
        self.left, self.top_offset = page.mediabox[:2]
        self.height, self.doctop, self.page_number = page.height, page.initial_doctop, page.page_number
        # a font's text, width and name for each of its character ids, looked up once per page
        self.glyphs: dict[tuple[Any, int], tuple[str, float, str]] = {}

    def render_char(
        self,
        matrix: tuple[float, float, float, float, float, float],
        font: Any,
        fontsize: float,
        scaling: float,
        rise: float,
        cid: int,
        ncs: Any,
        graphicstate: Any,
    ) -> float:
        glyph = self.glyphs.get((font, cid))
        if glyph is None:
            glyph = self.glyphs[font, cid] = self._glyph(font, cid)
        text, width, fontname = glyph
        a, b, c, d, e, f = matrix
        if font.is_vertical():  # rare: LTChar's vertical metrics, read off the object
            item = LTChar(matrix, font, fontsize, scaling, rise, text, width, font.char_disp(cid), ncs, graphicstate)
            (x0, y0, x1, y1), adv, size = item.bbox, item.adv, item.size
        else:  # LTChar's horizontal box, `apply_matrix_rect` written out (a * 0 too: the same floats), no calls
            adv = width * fontsize * scaling
            descent = font.get_descent() * fontsize
            low, high = descent + rise, descent + rise + fontsize
            left1, bottom1 = a * 0 + c * low + e, b * 0 + d * low + f
            right1, bottom2 = a * adv + c * low + e, b * adv + d * low + f
            right2, top1 = a * adv + c * high + e, b * adv + d * high + f
            left2, top2 = a * 0 + c * high + e, b * 0 + d * high + f
            x0, y0 = min(left1, left2, right1, right2), min(bottom1, bottom2, top1, top2)
            x1, y1 = max(left1, left2, right1, right2), max(bottom1, bottom2, top1, top2)
            size = y1 - y0
        top = self.height - y1 + self.top_offset
        self.chars.append(
            {
                "text": text,
                "fontname": fontname,
                "size": size,
                "upright": a * d * scaling > 0 and b * c <= 0,
                "matrix": matrix,
                "adv": adv,
                "x0": x0 + self.left,
                "y0": y0,
                "x1": x1 + self.left,
                "y1": y1,
                "width": x1 - x0,
                "height": y1 - y0,
                "object_type": "char",
                "page_number": self.page_number,
                "top": top,
                "bottom": self.height - y0 + self.top_offset,
                "doctop": self.doctop + top,
            }
        )
        return adv

    def _glyph(self, font: Any, cid: int) -> tuple[str, float, str]:
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        name = font.fontname
        return text, font.char_width(cid), fix_fontname_bytes(name) if isinstance(name, bytes) else name


def light_page(page: Page) -> LightPage:
    """The same page of the same document, with characters read as `LightPage` reads them."""
    return LightPage(page.pdf, page.page_obj, page.page_number, page.initial_doctop)
