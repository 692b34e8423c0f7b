"""What a scanned page image needs before OCR and table finding: upright, without its red seal, its ruling lines.

- deskew: the angle (within ±`MAX_SKEW` degrees) whose rows of ink are the
  sharpest (the variance of the row profile peaks when text lines and ruling
  lines are level), found on a reduced image;
- a red seal stamped over a table is taken out by reading the red channel
  only: red ink is bright there, black print (under the seal too) stays dark,
  so the seal neither hides digits from OCR nor draws lines;
- ruling lines are runs of ink far longer than any character stroke, joined
  across the few pixel rows of their thickness; "ink" is anything darker than
  light grey, so a thin rule blurred by the scan stays unbroken, while the
  white between two characters still splits a line of text (no gap is
  closed: that would join a line of characters into a rule); a shorter
  vertical run is a rule too when it reaches from one horizontal rule to
  another (the borders of a table row alone at the top of a page: no
  character stroke touches two rules); they become pdfplumber edges, turned
  into cells as a text PDF's ruling lines are (`pdf_grid.ruled_tables`).
  Plain numpy: no OpenCV needed.
"""

from __future__ import annotations

from typing import Any

MAX_SKEW = 3.0  # degrees
_SKEW_STEP = 0.1
_REDUCED_WIDTH = 600
_DARK = 150  # grey level: darker is ink (for the skew estimate)
_LINE_DARK = 200  # a thin ruling line, blurred by the scan and by levelling, is light grey: lighter than text
_MIN_LINE_INCHES = 0.3  # a ruling line is longer than three characters; a character stroke never is
_THICKNESS = 3  # pixels: runs this close across rows are one line
_PIECES = 4  # a run a quarter of a line's least length may be a step of a line slightly off level


def clean(image: Any) -> Any:
    """The page as a grey image (its red channel: seal ink gone), turned level."""
    from PIL import Image

    page = image.convert("RGB").getchannel("R")
    angle = skew(page)
    return page.rotate(angle, fillcolor=255, resample=Image.BICUBIC) if abs(angle) >= _SKEW_STEP / 2 else page


def skew(page: Any) -> float:
    """Degrees to turn the page (counter-clockwise) so that its lines are level."""
    import numpy as np

    small = page.resize((_REDUCED_WIDTH, max(1, page.height * _REDUCED_WIDTH // page.width)))
    best, best_score = 0.0, -1.0
    steps = int(MAX_SKEW / _SKEW_STEP)
    for step in range(-steps, steps + 1):
        angle = step * _SKEW_STEP
        ink = np.asarray(small.rotate(angle, fillcolor=255)) < _DARK
        score = float(ink.sum(axis=1).astype(np.float64).var())
        if score > best_score:
            best, best_score = angle, score
    return best


def ruling_edges(page: Any, dpi: int) -> list[dict]:
    """Horizontal and vertical ruling lines of a level grey page as pdfplumber edges, in points."""
    import numpy as np

    ink = np.asarray(page) < _LINE_DARK
    scale = 72 / dpi
    least = int(_MIN_LINE_INCHES * dpi)
    rows = _segments(ink, least)
    columns = [c for c in _segments(ink.T, least, least // _PIECES) if c[2] - c[0] >= least or _bridges(c, rows)]
    edges = [line_edge("h", x0, y0, x1, y1, scale) for x0, y0, x1, y1 in rows]
    edges += [line_edge("v", y0, x0, y1, x1, scale) for x0, y0, x1, y1 in columns]
    return edges


def _bridges(column: tuple[int, int, int, int], rows: list[tuple[int, int, int, int]]) -> bool:
    """A vertical run from one horizontal rule to another: a rule between two cells, even when shorter than
    `_MIN_LINE_INCHES` (a table row alone at the top of a page); no character stroke touches two rules."""
    top, left, bottom, right = column  # a segment of the transposed image: along the column, then across

    def on_a_rule(y: int) -> bool:
        return any(y0 - _THICKNESS <= y <= y1 + _THICKNESS and x0 <= right and left <= x1 for x0, y0, x1, y1 in rows)

    return on_a_rule(top) and on_a_rule(bottom)


def _segments(ink: Any, least: int, shortest: int | None = None) -> list[tuple[int, int, int, int]]:
    """Lines of at least `shortest` (default `least`) pixels: runs of ink along each row joined across neighbouring
    rows (x0, y0, x1, y1)."""
    import numpy as np

    padded = np.zeros((ink.shape[0], ink.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = ink
    change = np.diff(padded, axis=1)
    starts_y, starts_x = np.nonzero(change == 1)
    _, ends_x = np.nonzero(change == -1)  # row-major order: the n-th end closes the n-th start
    # a line a fraction of a degree off level steps from row to row: its pieces are joined first and the
    # whole judged by length, so a short last step is not lost
    long = ends_x - starts_x >= least // _PIECES
    runs = sorted(zip(starts_y[long].tolist(), starts_x[long].tolist(), ends_x[long].tolist(), strict=True))
    closed: list[list[int]] = []  # x0, y0, x1, y1
    growing: list[list[int]] = []
    for y, x0, x1 in runs:
        closed += [s for s in growing if y - s[3] > _THICKNESS]
        growing = [s for s in growing if y - s[3] <= _THICKNESS]
        touching = [s for s in growing if x0 <= s[2] + 1 and s[0] <= x1 + 1]  # a step may bridge two pieces
        growing = [s for s in growing if s not in touching]
        growing.append(
            [
                min([x0, *(s[0] for s in touching)]),
                min([y, *(s[1] for s in touching)]),
                max([x1, *(s[2] for s in touching)]),
                y,
            ]
        )
    segments = closed + growing
    return [(x0, y0, x1, y1 + 1) for x0, y0, x1, y1 in segments if x1 - x0 >= (shortest or least)]


def line_edge(orientation: str, x0: float, top: float, x1: float, bottom: float, scale: float = 1.0) -> dict:
    """A pdfplumber line edge ("h"/"v") of a ruling found in the image, in points (`scale`: points per pixel)."""
    x0, top, x1, bottom = x0 * scale, top * scale, x1 * scale, bottom * scale
    if orientation == "h":
        top = bottom = (top + bottom) / 2
    else:
        x0 = x1 = (x0 + x1) / 2
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
        "object_type": "line",
    }
