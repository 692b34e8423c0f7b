"""Store a PDF's pages turned, as scanners and some printer drivers write them: the same display, rotated inside.

Each page's content is drawn turned a quarter (a `cm` operator around its
content streams), its MediaBox swapped to the turned size, and `/Rotate 90`
or `/Rotate 270` set so that a viewer shows the page exactly as before. The
edit is an incremental update (new page objects, a new cross-reference
section and a trailer with `/Prev`), so the original bytes stay untouched.
Written for LibreOffice's output: page dictionaries without a `/Rotate`, a
classic cross-reference table.
"""

from __future__ import annotations

import re

_PAGE = re.compile(rb"(\d+) 0 obj\s*(<</Type/Page/.*?>>)\s*endobj", re.DOTALL)
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
_CONTENTS = re.compile(rb"/Contents\s*(\d+ 0 R|\[[^\]]*\])")
_TRAILER = re.compile(rb"trailer\s*(<<.*?)>>\s*startxref\s*(\d+)\s*%%EOF\s*$", re.DOTALL)
_SIZE = re.compile(rb"/Size\s+(\d+)")


def turn_pages(pdf: bytes, rotate: int) -> bytes:
    """`pdf` with every page stored turned and shown upright through `/Rotate rotate` (90 or 270)."""
    if rotate not in (90, 270):
        raise ValueError(f"rotate must be 90 or 270, not {rotate}")
    trailer = _TRAILER.search(pdf)
    if trailer is None or b"/Rotate" in pdf:
        raise ValueError("not a PDF this edit handles: no classic trailer, or pages already rotated")
    body, previous_xref = trailer.group(1), int(trailer.group(2))
    size = int(_SIZE.search(body).group(1))
    out = bytearray(pdf if pdf.endswith(b"\n") else pdf + b"\n")
    offsets: dict[int, int] = {}

    def add(number: int, obj: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + obj + b"\nendobj\n")

    for match in _PAGE.finditer(pdf):
        page = match.group(2)
        box, contents = _MEDIA_BOX.search(page), _CONTENTS.search(page)
        if box is None or contents is None:
            raise ValueError(f"page object {match.group(1).decode()} has no MediaBox [0 0 w h] or Contents")
        width, height = box.group(1), box.group(2)
        # Displayed point (x, y) -> stored point: turned back against the viewer's clockwise rotation.
        matrix = b"0 1 -1 0 " + height + b" 0" if rotate == 90 else b"0 -1 1 0 0 " + width
        opening, closing = size, size + 1
        size += 2
        add(opening, _stream(b"q " + matrix + b" cm\n"))
        add(closing, _stream(b"\nQ\n"))
        streams = contents.group(1).strip(b"[]").strip()
        page = page.replace(box.group(0), b"/MediaBox[0 0 " + height + b" " + width + b"]")
        page = page.replace(contents.group(0), b"/Contents[%d 0 R %s %d 0 R]" % (opening, streams, closing))
        add(int(match.group(1)), page.replace(b"/Type/Page", b"/Type/Page/Rotate %d" % rotate, 1))
    if not offsets:
        raise ValueError("no page object found")
    xref = len(out)
    out.extend(b"xref\n")
    for number in sorted(offsets):
        out.extend(b"%d 1\n%010d 00000 n \n" % (number, offsets[number]))
    body = _SIZE.sub(b"/Size %d" % size, body)
    out.extend(b"trailer\n" + body + b"/Prev %d>>\nstartxref\n%d\n%%%%EOF\n" % (previous_xref, xref))
    return bytes(out)


def _stream(data: bytes) -> bytes:
    return b"<</Length %d>>\nstream\n" % len(data) + data + b"\nendstream"
