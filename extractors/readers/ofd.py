"""OFD (GB/T 33190, the Chinese fixed-layout format) into lines: our own reader of the spec's text objects.

An OFD file is a zip: `OFD.xml` names the document root (`DocBody/DocRoot`,
e.g. Doc_0/Document.xml), which lists the pages (`Pages/Page@BaseLoc`); each
page's content holds `TextObject`s with a `Boundary` ("x y w h", mm) and a
`Size`, whose `TextCode`s place characters at X (plus `DeltaX` steps, where
"g N d" means N steps of d) and baseline Y, relative to the boundary. The
characters become pdfplumber-style text lines in points, read by the PDF
path's grid and paragraph logic (`pdf.text_page_lines`): an OFD reads as the
same report printed to PDF would. Ruling lines (`PathObject`s) are not needed:
the grid reads text alignment. A text object's `CTM` ("a b c d e f") maps
its own coordinates into its boundary, as the spec says: a point (x, y) of the
object is at (a·x + c·y + e, b·x + d·y + f) from the boundary's corner; each
character's box is mapped whole (writers that give sizes in points scale them
to mm there; turned text gets the box around its turned glyph).

Defences as for DOCX (`archive.check_archive`): size caps on the archive and
on every member, parts declaring a DTD refused, and XML parsed without entity
expansion, DTD loading or network access.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile
from typing import Any

from extractors.document import Line
from extractors.readers.archive import check_archive, read_member
from extractors.readers.errors import DocumentCorrupt
from extractors.readers.pdf import TextPage, text_page_lines
from extractors.readers.positioned import char, text_lines

MM_TO_PT = 72 / 25.4
MAX_PAGES = 2000
_ASCENT = 0.88  # share of the font size above the baseline (Song / Hei fonts)
_A4_HEIGHT_MM = 297.0


def read_ofd(data: bytes) -> list[Line]:
    """The document's table rows and paragraphs as lines; raises UnreadableDocument subclasses."""
    check_archive(data, "an OFD writer")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        root = _xml(archive, "OFD.xml")
        doc_root = _text_of(root, "DocRoot")
        if not doc_root:
            raise DocumentCorrupt("OFD.xml names no document (DocBody/DocRoot)")
        doc_path = _resolve("", doc_root)
        document = _xml(archive, doc_path)
        height = _page_height(document)
        locations = [page.get("BaseLoc", "") for page in _all(document, "Page") if page.get("BaseLoc")]
        if not locations:
            raise DocumentCorrupt(f"{doc_path} lists no page")
        if len(locations) > MAX_PAGES:
            raise DocumentCorrupt(f"{doc_path} lists {len(locations)} pages (limit {MAX_PAGES})")
        base = posixpath.dirname(doc_path)
        pages = [
            TextPage(number, height * MM_TO_PT, text_lines(_chars(_xml(archive, _resolve(base, location)))))
            for number, location in enumerate(locations, start=1)
        ]
    return text_page_lines(pages)


def _xml(archive: zipfile.ZipFile, name: str) -> Any:
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(read_member(archive, name), parser)
    except etree.XMLSyntaxError as exc:
        raise DocumentCorrupt(f"{name} is not well-formed XML: {exc}") from exc


def _resolve(base: str, location: str) -> str:
    """A part's path in the zip: absolute (/Doc_0/...) from the root, else relative to `base`."""
    path = location.strip().replace("\\", "/")
    joined = posixpath.normpath(path.lstrip("/") if path.startswith("/") else posixpath.join(base, path))
    if joined.startswith(".."):
        raise DocumentCorrupt(f"the part {location!r} points outside the package")
    return joined


def _local(element: Any) -> str:
    tag = element.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _all(root: Any, name: str) -> list[Any]:
    return [e for e in root.iter() if _local(e) == name]


def _text_of(root: Any, name: str) -> str | None:
    found = _all(root, name)
    return (found[0].text or "").strip() if found else None


def _numbers(text: str | None) -> list[float]:
    try:
        return [float(x) for x in (text or "").split()]
    except ValueError as exc:
        raise DocumentCorrupt(f"not a list of numbers: {text[:40] if text else text!r}") from exc


def _number(text: str | None, default: float) -> float:
    values = _numbers(text)
    return values[0] if len(values) == 1 else default


def _page_height(document: Any) -> float:
    box = _numbers(_text_of(document, "PhysicalBox"))
    return box[3] if len(box) == 4 else _A4_HEIGHT_MM


def _deltas(text: str | None) -> list[float]:
    """DeltaX / DeltaY: numbers, with "g N d" standing for N times d."""
    out: list[float] = []
    tokens = (text or "").split()
    index = 0
    try:
        while index < len(tokens):
            if tokens[index] == "g":
                out += [float(tokens[index + 2])] * int(tokens[index + 1])
                index += 3
            else:
                out.append(float(tokens[index]))
                index += 1
    except (ValueError, IndexError) as exc:
        raise DocumentCorrupt(f"a DeltaX list cannot be read: {text[:40] if text else text!r}") from exc
    return out


_WIDE = re.compile(r"[^\x00-\x7f]")  # CJK and full-width characters are square; ASCII about half as wide


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _chars(page: Any) -> list[dict]:
    out: list[dict] = []
    for obj in _all(page, "TextObject"):
        box = _numbers(obj.get("Boundary"))
        if len(box) != 4:
            raise DocumentCorrupt(f"a TextObject has no Boundary: {obj.get('Boundary')!r}")
        ctm = tuple(_numbers(obj.get("CTM"))) or _IDENTITY
        if len(ctm) != 6:
            raise DocumentCorrupt(f"a TextObject's CTM is not six numbers: {obj.get('CTM')!r}")
        size = _number(obj.get("Size"), 0.0) or box[3]
        x = y = 0.0
        for code in (e for e in obj if _local(e) == "TextCode"):
            x = _number(code.get("X"), x)
            y = _number(code.get("Y"), y)
            deltas = _deltas(code.get("DeltaX"))
            for index, text in enumerate(code.text or ""):
                width = size if _WIDE.match(text) else size / 2
                corners = [(x + dx, y + dy) for dx in (0, width) for dy in (-_ASCENT * size, (1 - _ASCENT) * size)]
                xs, ys = zip(*(_placed(ctm, box, cx, cy) for cx, cy in corners), strict=True)
                out.append(char(text, min(xs), min(ys), max(xs), max(ys)))
                x += deltas[index] if index < len(deltas) else width
    return out


def _placed(ctm: tuple[float, ...], box: list[float], x: float, y: float) -> tuple[float, float]:
    """A point of a text object, in points on the page: through its CTM into its boundary."""
    a, b, c, d, e, f = ctm
    return (box[0] + a * x + c * y + e) * MM_TO_PT, (box[1] + b * x + d * y + f) * MM_TO_PT
