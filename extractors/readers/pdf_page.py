"""A pdfplumber page whose characters are read cheaply: the reader's share of a PDF's cost.

pdfplumber has pdfminer build an `LTChar` object per character, then turns
every object into a dict of all its attributes, each resolved recursively
(colours, graphic state, marked content): for characters, the bulk of a page,
that is over a third of the cost of reading it. The reader needs a
character's text and position only, so `LightPage` has pdfminer's
interpreter hand each character straight to a plain dict with those (and
size, font and matrix, which pdfplumber's text functions may read), with the
same arithmetic as `LTChar`, and leaves every other object (ruling lines,
rectangles, images) to pdfplumber.
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar
from pdfminer.pdffont import PDFUnicodeNotDefined
from pdfminer.pdfinterp import PDFPageInterpreter
from pdfminer.utils import apply_matrix_rect
from pdfplumber.page import Page, PDFPageAggregatorWithMarkedContent, fix_fontname_bytes
from pdfplumber.utils.exceptions import PdfminerException


class LightPage(Page):
    """A pdfplumber Page whose characters are the plain dicts `_CharDevice` keeps."""

    def parse_objects(self) -> dict[str, list[dict[str, Any]]]:
        if self.pdf.unicode_norm is not None or self.pdf.laparams is not None or hasattr(self, "_layout"):
            return super().parse_objects()  # texts to normalise, characters grouped, or pdfminer already ran
        device = _CharDevice(self.pdf.rsrcmgr, pageno=self.page_number)
        try:
            PDFPageInterpreter(self.pdf.rsrcmgr, device).process_page(self.page_obj)
        except Exception as exc:
            raise PdfminerException(exc) from exc
        self._layout = device.get_result()  # every object but the characters, for pdfplumber to convert
        objects = super().parse_objects()
        if device.chars:
            objects["char"] = [self._placed(char) for char in device.chars]
        return objects

    def _placed(self, char: dict[str, Any]) -> dict[str, Any]:
        """In pdfplumber's page coordinates: pdfminer measures from the MediaBox's bottom left."""
        left, top_offset = self.mediabox[:2]
        top = self.height - char["y1"] + top_offset
        char.update(
            object_type="char",
            page_number=self.page_number,
            x0=char["x0"] + left,
            x1=char["x1"] + left,
            top=top,
            bottom=self.height - char["y0"] + top_offset,
            doctop=self.initial_doctop + top,
        )
        return char


class _CharDevice(PDFPageAggregatorWithMarkedContent):
    """pdfplumber's page aggregator, with each character kept as a dict instead of an `LTChar` in the tree."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.chars: list[dict[str, Any]] = []

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
        try:
            text = font.to_unichr(cid)
        except PDFUnicodeNotDefined:
            text = self.handle_undefined_char(font, cid)
        if font.is_vertical():  # rare: LTChar's vertical metrics, read off the object
            item = LTChar(
                matrix,
                font,
                fontsize,
                scaling,
                rise,
                text,
                font.char_width(cid),
                font.char_disp(cid),
                ncs,
                graphicstate,
            )
            box, adv, size = item.bbox, item.adv, item.size
        else:  # LTChar's horizontal box, computed alike
            adv = font.char_width(cid) * fontsize * scaling
            descent = font.get_descent() * fontsize
            box = apply_matrix_rect(matrix, (0, descent + rise, adv, descent + rise + fontsize))
            size = box[3] - box[1]
        a, b, c, d, _, _ = matrix
        x0, y0, x1, y1 = box
        fontname = font.fontname
        self.chars.append(
            {
                "text": text,
                "fontname": fix_fontname_bytes(fontname) if isinstance(fontname, bytes) else fontname,
                "size": size,
                "upright": a * d * scaling > 0 and b * c <= 0,
                "matrix": matrix,
                "adv": adv,
                "x0": x0,
                "y0": y0,
                "x1": x1,
                "y1": y1,
                "width": x1 - x0,
                "height": y1 - y0,
            }
        )
        return adv


def light_page(page: Page) -> LightPage:
    """The same page of the same document, with characters read as `LightPage` reads them."""
    return LightPage(page.pdf, page.page_obj, page.page_number, page.initial_doctop)
