"""Our cheaper text lines, cell text and ruled cells give what pdfplumber's own give (`pdf_text.py`,
`pdf_grid._cells`): on random characters and ruling lines packed close enough to hit every tolerance, and
on a hand-made PDF."""

from __future__ import annotations

import io

import pdfplumber
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.table import edges_to_intersections, intersections_to_cells
from pdfplumber.utils import extract_text
from pdfplumber.utils.text import chars_to_textmap

from extractors.readers.pdf_grid import _cells
from extractors.readers.pdf_text import cell_text, text_lines
from tests.pdf_text import text_pdf

# blanks, a ligature, a character of two letters and one of none, besides plain letters
TEXTS = ["a", "b", "中", "7", " ", "\u3000", "ﬁ", "ab", ""]


@st.composite
def characters(draw: st.DrawFn) -> list[dict]:
    """Characters on a coarse lattice (ties, overlaps and gaps right at pdfplumber's 3-point tolerance), upright
    or turned, in any order."""
    chars = []
    for _ in range(draw(st.integers(min_value=0, max_value=30))):
        x0, top = draw(st.integers(0, 24)) * 1.5, draw(st.integers(0, 12)) * 1.0
        width, height = draw(st.sampled_from([1.5, 3.0, 4.5])), draw(st.sampled_from([3.0, 6.0]))
        chars.append(
            {
                "text": draw(st.sampled_from(TEXTS)),
                "x0": x0,
                "x1": x0 + width,
                "top": top,
                "bottom": top + height,
                "doctop": top,
                "upright": draw(st.booleans()),
            }
        )
    return chars


@settings(max_examples=200, deadline=None)
@given(characters())
def test_text_lines_are_pdfplumbers(chars: list[dict]) -> None:
    # as `page.extract_text_lines` calls it: the page's box, which a page without characters needs
    textmap = chars_to_textmap(chars, presorted=True, layout_bbox=(0, 0, 595, 842))
    assert text_lines(chars) == textmap.extract_text_lines(strip=True)


@settings(max_examples=200, deadline=None)
@given(characters())
def test_cell_text_is_pdfplumbers(chars: list[dict]) -> None:
    assert cell_text(chars) == extract_text(chars)


@st.composite
def ruling_lines(draw: st.DrawFn) -> list[dict]:
    """Horizontal and vertical ruling lines on a small lattice: crossings, gaps, lines that stop short."""
    edges = []
    for orientation in ("h", "v"):
        for _ in range(draw(st.integers(min_value=0, max_value=12))):
            at = draw(st.integers(0, 6)) * 10.0
            start = draw(st.integers(0, 5)) * 10.0
            end = start + draw(st.integers(1, 6)) * 10.0
            x0, top, x1, bottom = (start, at, end, at) if orientation == "h" else (at, start, at, end)
            edges.append({"x0": x0, "top": top, "x1": x1, "bottom": bottom, "orientation": orientation})
    return edges


@settings(max_examples=200, deadline=None)
@given(ruling_lines())
def test_cells_are_pdfplumbers(edges: list[dict]) -> None:
    intersections = edges_to_intersections(edges, 3, 3)
    assert _cells(intersections) == intersections_to_cells(intersections)


def test_a_pdfs_text_lines_are_pdfplumbers() -> None:
    table = [(84 + 60 * column, 304 + 18 * row, f"{row}{column} x") for row in range(4) for column in range(3)]
    prose = [(72, 100, "The county office answered 12 requests in 2023,"), (72, 115, "all of them by 31 March.")]
    with pdfplumber.open(io.BytesIO(text_pdf([prose, table]))) as document:
        for page in document.pages:
            lines = text_lines(page.chars)
            assert len(lines) > 1
            assert lines == page.extract_text_lines(return_chars=True, strip=True)
