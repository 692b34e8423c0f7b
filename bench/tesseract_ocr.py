"""Tesseract in place of rapidocr, for the scan bench only: the same page clean-up, ruling lines and mapping.

`recognise` has the signature of `extractors.readers.ocr.recognise`;
`bench.parse_legacy --engine tesseract` puts it in that one's place (the
parse children are forked and inherit it), so the two engines are compared on
the same pages through the same layout and doubtful-value rules. Tesseract is
not a dependency of the pipeline: `apt-get install tesseract-ocr
tesseract-ocr-chi-sim` to measure it.

It runs as `tesseract - - -l chi_sim --dpi N tsv`: one row per word, its box in
pixels and a confidence of 0-100. A word of several characters (`政务`, `110`)
is cut into characters of equal width, since the layout places each character
by its centre; a table's vertical ruling lines, which tesseract reads as `|`
(rapidocr's detector does not see them as text), are dropped.
"""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from typing import Any

from extractors.readers.ocr import Word
from extractors.readers.ruling import clean, ruling_edges

_WORD_LEVEL = "5"
_RULES = "|丨"  # a table's vertical ruling line read as a character (rapidocr's detector skips them)


def installed() -> bool:
    return shutil.which("tesseract") is not None


def recognise(image: Any, dpi: int) -> tuple[list[Word], list[dict]]:
    """Characters with their confidence (0-1) and box (pixels) on the levelled page image, and its ruling lines."""
    page = clean(image)
    edges = ruling_edges(page, dpi)
    png = io.BytesIO()
    page.save(png, "PNG")
    tsv = subprocess.run(
        ["tesseract", "-", "-", "-l", "chi_sim", "--dpi", str(dpi), "tsv"],
        input=png.getvalue(),
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    return words_of(tsv), edges


def words_of(tsv: str) -> list[Word]:
    """Tesseract's TSV words as characters, each with its word's confidence (0-1) and a share of its box."""
    words: list[Word] = []
    for row in csv.DictReader(io.StringIO(tsv), delimiter="\t", quoting=csv.QUOTE_NONE):
        text = (row["text"] or "").strip()
        if row["level"] != _WORD_LEVEL or not text:  # lines, blocks, and the blank "words" ruling lines give
            continue
        left, top, width, height = (float(row[k]) for k in ("left", "top", "width", "height"))
        step = width / len(text)
        words += [
            (ch, float(row["conf"]) / 100, (left + i * step, top, left + (i + 1) * step, top + height))
            for i, ch in enumerate(text)
            if ch not in _RULES
        ]
    return words
