"""A small OFD writer (GB/T 33190) for the corpus and the tests: text objects placed on A4 pages.

`write_ofd` packages pages of text runs; `pdf_to_ofd` writes a PDF's
characters (pdfplumber) as such runs, one `TextObject` per run of characters
on a line with a `DeltaX` step list, as OFD printers do: the OFD shows the
same report as the PDF, so it has the same known cells.
"""

from __future__ import annotations

import io
import itertools
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

from extractors.readers.ofd import MM_TO_PT

_NS = "http://www.ofdspec.org/2016"
_ASCENT = 0.88
_RUN_GAP = 1.0  # font sizes: a wider gap between two characters starts a new text object


@dataclass(frozen=True)
class Run:
    """Characters on one baseline: `x`, `baseline` and `size` in mm, one step per character after the first."""

    x: float
    baseline: float
    size: float
    text: str
    steps: tuple[float, ...]


def write_ofd(pages: list[list[Run]], width: float = 210.0, height: float = 297.0) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD xmlns:ofd="{_NS}" Version="1.1" DocType="OFD">'
            "<ofd:DocBody><ofd:DocInfo><ofd:DocID>0</ofd:DocID></ofd:DocInfo>"
            "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        )
        pages_xml = "".join(f'<ofd:Page ID="{i + 1}" BaseLoc="Pages/Page_{i}/Content.xml"/>' for i in range(len(pages)))
        archive.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document xmlns:ofd="{_NS}"><ofd:CommonData>'
            f"<ofd:MaxUnitID>1</ofd:MaxUnitID><ofd:PageArea><ofd:PhysicalBox>0 0 {width:g} {height:g}"
            f"</ofd:PhysicalBox></ofd:PageArea><ofd:PublicRes>PublicRes.xml</ofd:PublicRes></ofd:CommonData>"
            f"<ofd:Pages>{pages_xml}</ofd:Pages></ofd:Document>",
        )
        archive.writestr(
            "Doc_0/PublicRes.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:Res xmlns:ofd="{_NS}" BaseLoc="Res"><ofd:Fonts>'
            '<ofd:Font ID="1" FontName="宋体" FamilyName="宋体"/></ofd:Fonts></ofd:Res>',
        )
        for index, runs in enumerate(pages):
            objects = "".join(_text_object(i + 2, run) for i, run in enumerate(runs))
            archive.writestr(
                f"Doc_0/Pages/Page_{index}/Content.xml",
                f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page xmlns:ofd="{_NS}"><ofd:Content>'
                f'<ofd:Layer ID="1">{objects}</ofd:Layer></ofd:Content></ofd:Page>',
            )
    return out.getvalue()


def _text_object(object_id: int, run: Run) -> str:
    width = sum(run.steps) + run.size
    top = run.baseline - _ASCENT * run.size
    steps = " ".join(f"{s:.3f}" for s in run.steps)
    return (
        f'<ofd:TextObject ID="{object_id}" Boundary="{run.x:.3f} {top:.3f} {width:.3f} {run.size:.3f}" '
        f'Font="1" Size="{run.size:.3f}"><ofd:FillColor Value="0 0 0"/>'
        f'<ofd:TextCode X="0" Y="{_ASCENT * run.size:.3f}" DeltaX="{steps}">{escape(run.text)}</ofd:TextCode>'
        "</ofd:TextObject>"
    )


def pdf_to_ofd(pdf: bytes) -> bytes:
    """The PDF's characters as OFD text runs on pages of the same size (ruling lines are not drawn)."""
    import pdfplumber

    pages: list[list[Run]] = []
    with pdfplumber.open(io.BytesIO(pdf)) as document:
        size = (document.pages[0].width / MM_TO_PT, document.pages[0].height / MM_TO_PT)
        for page in document.pages:
            pages.append(_runs(page.chars))
            page.flush_cache()
    return write_ofd(pages, *size)


def _runs(chars: list[dict]) -> list[Run]:
    runs: list[Run] = []
    current: list[dict] = []
    for c in sorted((c for c in chars if c["text"].strip()), key=lambda c: (round(c["bottom"], 1), c["x0"])):
        previous = current[-1] if current else None
        size = c["size"]
        if (
            previous
            and round(previous["bottom"], 1) == round(c["bottom"], 1)
            and c["x0"] - previous["x1"] < _RUN_GAP * size
        ):
            current.append(c)
            continue
        if current:
            runs.append(_run(current))
        current = [c]
    if current:
        runs.append(_run(current))
    return runs


def _run(chars: list[dict]) -> Run:
    mm = [c["x0"] / MM_TO_PT for c in chars]
    size = max(c["size"] for c in chars) / MM_TO_PT
    baseline = chars[0]["top"] / MM_TO_PT + _ASCENT * size
    return Run(
        mm[0], baseline, size, "".join(c["text"] for c in chars), tuple(b - a for a, b in itertools.pairwise(mm))
    )
