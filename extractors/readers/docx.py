"""Word DOCX into lines: the body in document order, tables read from their XML structure.

A merged cell appears once in its row (the intermediate's convention): a
horizontal merge (w:gridSpan) is one w:tc already, and the rows below a
vertical merge hold `w:vMerge="continue"` cells that are skipped. A table
whose cells hold tables, or that has a single column, lays out the page
rather than holding figures: its cells are read as body content.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from typing import Any

from extractors.document import Line
from extractors.readers.archive import check_archive
from extractors.readers.errors import DocumentCorrupt

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_docx(data: bytes) -> list[Line]:
    """The document's paragraphs and table rows as lines; raises UnreadableDocument subclasses."""
    check_archive(data, "Word")
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(io.BytesIO(data))
    except (PackageNotFoundError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise DocumentCorrupt(f"not a readable Word document: {type(exc).__name__}: {exc}") from exc
    except Exception as exc:  # lxml syntax errors and the like in a damaged part
        raise DocumentCorrupt(f"damaged Word document: {type(exc).__name__}: {exc}") from exc
    return _Walker(document).lines(document.element.body)


class _Walker:
    def __init__(self, document: Any) -> None:
        self.document = document
        self.out: list[Line] = []

    def lines(self, body: Any) -> list[Line]:
        self._blocks(body)
        return self.out

    def _blocks(self, parent: Any) -> None:
        for child in _content_children(parent):
            if child.tag == f"{_W}p":
                self._paragraph(child)
            elif child.tag == f"{_W}tbl":
                self._table(child)

    def _paragraph(self, p: Any) -> None:
        from docx.text.paragraph import Paragraph

        text = Paragraph(p, self.document).text
        for part in text.split("\n"):
            cells = tuple(part.split("\t"))  # tab-laid rows, as in the text reader
            self.out.append(Line(no=len(self.out) + 1, cells=cells, is_table=len(cells) > 1))

    def _table(self, tbl: Any) -> None:
        rows = [list(_row_cells(tr)) for tr in tbl.iterchildren(f"{_W}tr")]
        if _is_layout_table(rows):
            for row in rows:
                for tc in row:
                    self._blocks(tc)
            return
        for row in rows:
            texts = tuple(_cell_text(tc, self.document) for tc in row if not _continues_merge(tc))
            if texts:
                self.out.append(Line(no=len(self.out) + 1, cells=texts, is_table=True))


def _content_children(parent: Any) -> Iterator[Any]:
    """Block children, looking through content controls (w:sdt) and tracked insertions."""
    for child in parent.iterchildren():
        if child.tag in (f"{_W}sdt", f"{_W}customXml", f"{_W}ins"):
            content = child.find(f"{_W}sdtContent")
            yield from _content_children(content if content is not None else child)
        else:
            yield child


def _row_cells(tr: Any) -> Iterator[Any]:
    for child in _content_children(tr):
        if child.tag == f"{_W}tc":
            yield child


def _continues_merge(tc: Any) -> bool:
    return tc.vMerge == "continue"


def _is_layout_table(rows: list[list[Any]]) -> bool:
    if all(len(row) <= 1 for row in rows):
        return True
    return any(tc.find(f".//{_W}tbl") is not None for row in rows for tc in row)


def _cell_text(tc: Any, document: Any) -> str:
    from docx.table import _Cell

    return _Cell(tc, document).text
