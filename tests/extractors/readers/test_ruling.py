"""Ruling lines found in a scanned page image: a row alone at the top of a page keeps its cell borders."""

from __future__ import annotations

import pytest
from PIL import Image, ImageDraw

from extractors.readers.ruling import ruling_edges

DPI = 150
COLUMNS = (50, 200, 350, 550)  # pixels
TOP, BOTTOM = 100, 127  # one row 13 pt high: its borders are shorter than a ruling line's least length


def _one_row_page() -> Image.Image:
    page = Image.new("L", (600, 300), 255)
    draw = ImageDraw.Draw(page)
    for y in (TOP, BOTTOM):
        draw.line((COLUMNS[0], y, COLUMNS[-1], y), fill=0, width=2)
    for x in COLUMNS:
        draw.line((x, TOP, x, BOTTOM + 1), fill=0, width=2)
    draw.line((120, TOP + 5, 120, BOTTOM - 5), fill=0, width=3)  # a character's stroke inside a cell
    draw.line((420, TOP + 8, 420, BOTTOM + 1), fill=0, width=3)  # a stroke touching one rule only
    return page


def test_borders_between_two_rules_are_kept_however_short() -> None:
    edges = ruling_edges(_one_row_page(), DPI)
    scale = 72 / DPI
    vertical = sorted(e["x0"] / scale for e in edges if e["orientation"] == "v")
    assert vertical == pytest.approx([x + 0.5 for x in COLUMNS], abs=1.0)  # the strokes are not borders
    assert len([e for e in edges if e["orientation"] == "h"]) == 2
