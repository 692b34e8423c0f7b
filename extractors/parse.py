"""One document in, canonical cells out: detect the format, read lines, map the layout."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from extractors import PARSER_VERSION
from extractors.detect import detect_format
from extractors.document import Issue, Line, ParsedDocument
from extractors.layout.metadata import read_metadata
from extractors.layout.narrative import read_facts
from extractors.layout.rows import build_rows
from extractors.layout.tables import map_tables
from extractors.text_reader import decode, text_lines

log = logging.getLogger(__name__)

# Formats whose readers land with issue #4; until then they are recorded, not dropped.
_NOT_YET_READ = {"pdf", "docx", "html"}


def parse_file(path: str | Path, source_url: str | None = None) -> ParsedDocument:
    path = Path(path)
    return parse_bytes(path.name, path.read_bytes(), source_url=source_url)


def parse_bytes(name: str, data: bytes, source_url: str | None = None) -> ParsedDocument:
    """Parse one document; bad input gives a `failed` document with a parse issue, never an exception."""
    doc = ParsedDocument(
        document=name,
        sha256=hashlib.sha256(data).hexdigest(),
        parser_version=PARSER_VERSION,
        format=detect_format(data),
        status="parsed",
        size_bytes=len(data),
        source_url=source_url,
    )
    if doc.format in {"empty", "binary"} or doc.format in _NOT_YET_READ:
        return _failed(doc, f"document.{doc.format}" if doc.format in {"empty", "binary"} else
                       "document.format_not_supported",
                       f"{name}: {doc.format} documents cannot be read by parser {PARSER_VERSION}")
    text, encoding = decode(data)
    if "\ufffd" in text:
        doc.issues.append(Issue("document.undecodable_bytes", f"{name}: some bytes are not valid {encoding}"))
    _read_lines(doc, text_lines(text))
    return doc


def _read_lines(doc: ParsedDocument, lines: list[Line]) -> None:
    meta = read_metadata(lines)
    doc.agency, doc.year, doc.template = meta.agency, meta.year, meta.template
    cells, table_issues = map_tables(build_rows(lines), meta.template)
    facts, fact_issues = read_facts(lines)
    doc.cells, doc.facts = cells, facts
    doc.issues.extend(table_issues + fact_issues)
    if meta.year is None or meta.agency is None:
        doc.issues.append(
            Issue("document.metadata_missing", f"agency or year not found in the title {meta.title[:60]!r}",
                  severity="error", line=meta.title_line)
        )
    if not cells and not facts:
        _failed(doc, "document.not_a_report", f"{doc.document}: no disclosure table or figure found")
    log.info("parsed %s: %s %s %s, %d cells, %d facts, %d issues", doc.document, doc.agency, doc.year,
             doc.template, len(doc.cells), len(doc.facts), len(doc.issues))


def _failed(doc: ParsedDocument, code: str, message: str) -> ParsedDocument:
    doc.status = "failed"
    doc.issues.append(Issue(code, message, severity="error"))
    return doc
