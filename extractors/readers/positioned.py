"""Positioned characters (from OFD text codes or OCR words) into pdfplumber-style text lines.

The PDF grid (`pdf_grid.aligned_grids`) and paragraph joining (`pdf.text_page_lines`)
read text lines of characters; this groups characters into such lines, the
way pdfplumber's `extract_text_lines` does: by their vertical middle, then
left to right, with a space where characters stand apart.
"""

from __future__ import annotations

import itertools

_SAME_LINE = 0.5  # of a character's height: middles closer than this share a line
_SPACE_GAP = 0.25  # of a character's height: a wider gap inside a line reads as a space


def char(text: str, x0: float, top: float, x1: float, bottom: float) -> dict:
    return {"text": text, "x0": x0, "top": top, "x1": x1, "bottom": bottom}


def text_lines(chars: list[dict]) -> list[dict]:
    """Lines top to bottom, each {text, x0, top, x1, bottom, chars} with its characters left to right."""
    rows: list[list[dict]] = []
    for c in sorted((c for c in chars if c["text"].strip()), key=lambda c: (c["top"] + c["bottom"]) / 2):
        middle, size = (c["top"] + c["bottom"]) / 2, c["bottom"] - c["top"]
        if rows and abs(middle - _middle(rows[-1])) <= _SAME_LINE * size:
            rows[-1].append(c)
        else:
            rows.append([c])
    return [_line(sorted(row, key=lambda c: c["x0"])) for row in rows]


def _middle(row: list[dict]) -> float:
    return sum((c["top"] + c["bottom"]) / 2 for c in row) / len(row)


def _line(row: list[dict]) -> dict:
    text = row[0]["text"]
    for previous, c in itertools.pairwise(row):
        gap = c["x0"] - previous["x1"]
        text += (" " if gap > _SPACE_GAP * (c["bottom"] - c["top"]) else "") + c["text"]
    return {
        "text": text,
        "x0": row[0]["x0"],
        "top": min(c["top"] for c in row),
        "x1": row[-1]["x1"],
        "bottom": max(c["bottom"] for c in row),
        "chars": row,
    }
