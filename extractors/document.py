"""The parser's data: the format-blind intermediate (lines of cells) and the canonical output."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Line:
    """One line of a document as cells (tab-separated in text; table cells in PDF/DOCX/HTML)."""

    no: int  # 1-based line number in the document (provenance)
    cells: tuple[str, ...]
    page: int | None = None
    is_table: bool = False  # the line came from a table (or a tab-laid row of text)
    bboxes: tuple[tuple[float, float, float, float] | None, ...] | None = None  # per cell, PDFs only
    confidences: tuple[float | None, ...] | None = None  # per cell, OCR pages only: the lowest character's

    def bbox(self, index: int) -> tuple[float, float, float, float] | None:
        return self.bboxes[index] if self.bboxes and index < len(self.bboxes) else None

    def confidence(self, box: tuple[float, float, float, float] | None) -> float | None:
        """The OCR confidence of the cell at `box`; None for text that was not recognised from an image."""
        if not self.confidences or not self.bboxes or box is None or box not in self.bboxes:
            return None
        return self.confidences[self.bboxes.index(box)]


@dataclass(frozen=True)
class Token:
    """One cell's text with where it came from."""

    text: str
    line: int
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None


@dataclass
class Cell:
    """A canonical statistical cell (DESIGN.md section 3); value None when absent."""

    table: str
    row: str
    column: str
    value: float | None
    raw: str | None = None
    article: str | None = None
    page: int | None = None
    line: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    split: bool = False  # the value was split out of a flattened digit run (`raw` is the whole run)
    confidence: float | None = None  # OCR only: the lowest confidence (0-1) of the cell's characters


@dataclass
class Fact:
    """A figure stated in a sentence; `seq` orders several facts of the same name."""

    name: str
    seq: int
    value: float | None
    raw: str
    line: int | None = None
    page: int | None = None


@dataclass
class Section:
    """A numbered part of the report (一 … 六) and its prose; lines and pages it spans."""

    no: int  # 1 for 一
    number: str  # the numeral as printed: 一 … 十
    title: str
    text: str
    first_line: int
    last_line: int
    first_page: int | None = None
    last_page: int | None = None


@dataclass
class Issue:
    """A parse issue: something in the document that could not be read with certainty."""

    code: str
    message: str
    severity: str = "warning"  # error / warning / info
    table: str | None = None
    row: str | None = None
    line: int | None = None
    page: int | None = None


@dataclass
class ParsedDocument:
    """Everything read from one document; `status` is parsed / failed / needs_ocr."""

    document: str
    sha256: str
    parser_version: str
    format: str
    status: str
    size_bytes: int
    agency: str | None = None
    year: int | None = None
    template: str | None = None
    cells: list[Cell] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    source_url: str | None = None
    landing_path: str | None = None
    signed_on: str | None = None  # ISO date of the 落款 line, a publication-date hint (load uses it)

    @property
    def report_id(self) -> str:
        return self.sha256[:16]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ParsedDocument:
        data = dict(data)
        data["cells"] = [Cell(**_tuple_bbox(c)) for c in data.get("cells", [])]
        data["facts"] = [Fact(**f) for f in data.get("facts", [])]
        data["issues"] = [Issue(**i) for i in data.get("issues", [])]
        data["sections"] = [Section(**s) for s in data.get("sections", [])]
        return cls(**data)


def _tuple_bbox(cell: dict[str, Any]) -> dict[str, Any]:
    if cell.get("bbox") is not None:
        cell = {**cell, "bbox": tuple(cell["bbox"])}
    return cell
