"""A pdfplumber page whose characters are read cheaply: the reader's share of a PDF's cost.

pdfplumber turns every pdfminer object into a dict of all its attributes, each
resolved recursively (colours, graphic state, marked content): for characters,
the bulk of a page, that is a third of the cost of reading it. The reader
needs a character's text and position only, so `LightPage` copies those
(and size, font and matrix, which pdfplumber's text functions may read) and
leaves every other object (ruling lines, rectangles, images) to pdfplumber.
"""

from __future__ import annotations

from typing import Any

from pdfminer.layout import LTChar
from pdfplumber.page import Page


class LightPage(Page):
    def process_object(self, obj: Any) -> dict[str, Any]:
        if type(obj) is not LTChar or self.pdf.unicode_norm is not None or isinstance(obj.fontname, bytes):
            return super().process_object(obj)  # not a character, or one whose text or font name needs fixing
        # pdfminer places objects relative to the MediaBox; pdfplumber measures from its top left, as here.
        left, top_offset = self.mediabox[:2]
        top = self.height - obj.y1 + top_offset
        return {
            "object_type": "char",
            "page_number": self.page_number,
            "text": obj.get_text(),
            "fontname": obj.fontname,
            "size": obj.size,
            "upright": obj.upright,
            "matrix": obj.matrix,
            "adv": obj.adv,
            "x0": obj.x0 + left,
            "x1": obj.x1 + left,
            "y0": obj.y0,
            "y1": obj.y1,
            "width": obj.width,
            "height": obj.height,
            "top": top,
            "bottom": self.height - obj.y0 + top_offset,
            "doctop": self.initial_doctop + top,
        }


def light_page(page: Page) -> LightPage:
    """The same page of the same document, with characters read as `LightPage` reads them."""
    return LightPage(page.pdf, page.page_obj, page.page_number, page.initial_doctop)
