"""OCR of PDF pages without a text layer: rapidocr (PP-OCRv6 small ONNX models, shipped inside the wheel).

A page is rendered at `OCR_DPI` and recognised in a child process of its own
(`limits.run_limited`), under a per-page deadline that never reaches past
the parse's own (`limits.time_left`): a page that cannot be read in time is
left unread (`document.needs_ocr` for that page) and the pages read are kept.
Every character comes back with its box and the recogniser's confidence; the
PDF reader lays them out like a text layer (`pdf.text_page_lines`), and a
cell holding a doubtful character is null with `cell.low_confidence`
(`extractors/doubtful.py`), never a guess.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from extractors.limits import DEFAULT_MEMORY_MB, LimitExceeded, Limits, run_limited, time_left
from extractors.readers.positioned import char, text_lines
from extractors.readers.ruling import clean, ruling_edges

log = logging.getLogger(__name__)

OCR_DPI = 300  # the most a page is rendered at; a scan of fewer dots per inch is read at its own
_MIN_DPI = 150
PAGE_SECONDS = 90.0
_DETECT_SIDE = 2000
_LOWEST_SCORE = 0.3  # weaker reads are dropped as noise (rapidocr's default is 0.5): kept to be flagged
_RESERVE_SECONDS = 10.0  # of the parse's deadline, kept for laying out and mapping what was read

Word = tuple[str, float, tuple[float, float, float, float]]  # text, confidence, box in pixels


@dataclass(frozen=True)
class OcrPage:
    """A scanned page read: text lines (pdfplumber-style, each char with a `confidence`) and ruling-line edges,
    in points on the levelled page."""

    lines: list[dict]
    edges: list[dict]


def ocr_page(page: Any) -> OcrPage | None:
    """The page read by OCR, or None when it could not be read in time."""
    budget = _budget()
    if budget <= 0:
        return None
    dpi = scan_dpi(page)
    image = page.to_image(resolution=dpi).original
    try:
        words, edges = run_limited(recognise, (image, dpi), Limits(seconds=budget, memory_mb=DEFAULT_MEMORY_MB))
    except LimitExceeded as exc:
        log.warning("page %s: OCR stopped: %s", page.page_number, exc)
        return None
    except Exception as exc:  # the recogniser failing on one image leaves that page unread, not the document
        log.warning("page %s: OCR failed: %s: %s", page.page_number, type(exc).__name__, exc)
        return None
    scale = 72 / dpi
    chars = []
    for text, confidence, (x0, top, x1, bottom) in words:
        c = char(text, x0 * scale, top * scale, x1 * scale, bottom * scale)
        c["confidence"] = confidence
        chars.append(c)
    return OcrPage(text_lines(chars), edges)


def scan_dpi(page: Any) -> int:
    """The resolution of the page's largest image (a 150 dpi scan gains nothing from 300), within 150-300."""
    widest = max(page.images, key=lambda image: image["width"], default=None)
    if widest is None or not widest["width"]:
        return OCR_DPI
    dpi = round(widest["srcsize"][0] / (widest["width"] / 72))
    return max(_MIN_DPI, min(OCR_DPI, dpi))


def _budget() -> float:
    left = time_left()
    return PAGE_SECONDS if left is None else min(PAGE_SECONDS, left - _RESERVE_SECONDS)


def recognise(image: Any, dpi: int) -> tuple[list[Word], list[dict]]:
    """Characters with their confidence and box (pixels) on the levelled page image, and its ruling lines."""
    import numpy as np

    page = clean(image)
    edges = ruling_edges(page, dpi)
    result = _engine()(np.asarray(page.convert("RGB")), return_word_box=True, return_single_char_box=True)
    words: list[Word] = []
    if getattr(result, "boxes", None) is None:  # nothing detected: an output without recognition results
        return words, edges
    for line in result.word_results:
        for text, score, box in line:
            xs, ys = [p[0] for p in box], [p[1] for p in box]
            words.append((text, float(score), (min(xs), min(ys), max(xs), max(ys))))
    return words, edges


@cache
def _engine() -> Any:
    from rapidocr import RapidOCR

    return RapidOCR(
        params={
            "Global.use_cls": False,  # pages are rendered upright; the angle classifier only costs time
            "Global.text_score": _LOWEST_SCORE,
            "Global.log_level": "warning",
            # detection on at most 2000 px a side (an A4 page at 170 dpi): a 300 dpi page at full size needs
            # over 2 GB, past the parse's memory limit; recognition still reads the full-resolution crops
            "Det.limit_type": "max",
            "Det.limit_side_len": _DETECT_SIDE,
        }
    )
