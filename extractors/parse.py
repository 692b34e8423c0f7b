"""One document in, canonical cells out: detect the format, read lines, map the layout."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from extractors import PARSER_VERSION
from extractors.document import Cell, Fact, Issue, Line, ParsedDocument
from extractors.doubtful import null_doubtful_cells
from extractors.encoding import decode
from extractors.fetch.published import signature_date
from extractors.layout.legacy_table import legacy_table_start, map_legacy_table
from extractors.layout.metadata import (
    FIRST_TABLE_YEAR,
    Metadata,
    expected_template,
    is_report_title,
    later_report_titles,
    read_metadata,
)
from extractors.layout.narrative import read_facts
from extractors.layout.rows import Row, build_rows
from extractors.layout.sections import read_sections
from extractors.layout.stated_figures import read_stated_figures
from extractors.layout.tables import map_tables
from extractors.numbers import normalize
from extractors.readers.detect import detect_format
from extractors.readers.errors import UnreadableDocument
from extractors.readers.text import text_lines

log = logging.getLogger(__name__)


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
    if doc.format in {"empty", "binary"}:
        return _failed(doc, f"document.{doc.format}", f"{name}: {doc.format} documents cannot be read")
    try:
        lines = _lines_of(doc, data)
    except UnreadableDocument as exc:
        log.warning("%s: %s: %s", name, exc.code, exc)
        _failed(doc, exc.code, f"{name}: {exc}")
        doc.status = exc.status
        return doc
    _read_lines(doc, lines)
    return doc


def _lines_of(doc: ParsedDocument, data: bytes) -> list[Line]:
    """The format's reader: every format gives the same intermediate, lines of cells."""
    if doc.format == "pdf":
        from extractors.readers.pdf import read_pdf

        return read_pdf(data, doc.issues)
    if doc.format == "docx":
        from extractors.readers.docx import read_docx

        return read_docx(data)
    if doc.format == "doc":
        from extractors.readers.doc import read_doc

        return read_doc(data)
    if doc.format == "ofd":
        from extractors.readers.ofd import read_ofd

        return read_ofd(data)
    if doc.format == "html":
        from extractors.readers.html import read_html

        return read_html(data, doc.issues)
    text, encoding = decode(data)
    if "+" in encoding:
        doc.issues.append(
            Issue(
                "document.mixed_encoding",
                f"{doc.document}: lines in two encodings "
                f"({encoding.replace('+', ' and ')}); each line decoded in its own",
            )
        )
    if "\ufffd" in text:
        doc.issues.append(Issue("document.undecodable_bytes", f"{doc.document}: some bytes are not valid {encoding}"))
    return text_lines(text)


def _read_lines(doc: ParsedDocument, lines: list[Line]) -> None:
    meta = read_metadata(lines)
    doc.agency, doc.year, doc.template = meta.agency, meta.year, meta.template
    rows = build_rows(lines)
    cells, table_issues = _map_rows(rows, meta.template)
    facts, fact_issues = read_facts(lines)
    missing_tables = _tables_expected_but_absent(meta, lines, cells, facts)
    if missing_tables:
        # The template's cells, all null, so that template.complete fails where the tables are lost.
        doc.template = missing_tables
        cells, table_issues = map_tables(rows, missing_tables)
    read_stated_figures(lines, facts)
    doc.cells, doc.facts, doc.sections = cells, facts, read_sections(lines)
    signed = signature_date("\n".join(" ".join(line.cells) for line in lines))
    doc.signed_on = signed.isoformat() if signed else None
    doc.issues.extend(table_issues + fact_issues)
    null_doubtful_cells(doc, lines)
    if meta.year is None or meta.agency is None:
        doc.issues.append(
            Issue(
                "document.metadata_missing",
                f"agency or year not found in the title {meta.title[:60]!r}",
                severity="error",
                line=meta.title_line,
            )
        )
    legacy = _legacy_note(doc)
    if legacy:
        doc.issues.append(legacy)
    for title in later_report_titles(lines, meta.agency, meta.year):
        doc.issues.append(
            Issue(
                "document.multiple_reports",
                f"another report starts at line {title.no} "
                f"({''.join(title.cells)[:60]!r}); one file holding two reports is read as the first one: "
                "cells stated twice keep the first value (row.duplicate)",
                severity="error",
                line=title.no,
                page=title.page,
            )
        )
    if missing_tables:
        _failed(
            doc,
            "tables.not_found",
            f"{doc.document}: a {doc.year or '?'} report ({meta.title[:40]!r}) must hold the {missing_tables} "
            "tables, but no table value was read; its cells are null",
        )
    elif not cells and not facts and not (legacy and is_report_title(meta.title)):
        # A report of a year before the tables may state no figure at all; it is still that year's report.
        _failed(doc, "document.not_a_report", f"{doc.document}: no disclosure table or figure found")
    log.info(
        "parsed %s: %s %s %s, %d cells, %d facts, %d issues",
        doc.document,
        doc.agency,
        doc.year,
        doc.template,
        len(doc.cells),
        len(doc.facts),
        len(doc.issues),
    )


def _map_rows(rows: list[Row], template: str) -> tuple[list[Cell], list[Issue]]:
    """The template's tables; a 2019/2021 report that appends the old 统计表 keeps its rows as the legacy table."""
    if template == "legacy":
        return map_legacy_table(rows)
    start = legacy_table_start(rows)
    if start is None:
        return map_tables(rows, template)
    cells, issues = map_tables(rows[:start], template)
    legacy_cells, legacy_issues = map_legacy_table(rows[start:])
    return cells + legacy_cells, issues + legacy_issues


def _legacy_note(doc: ParsedDocument) -> Issue | None:
    """A report of the years before the 2019 table templates says so: its figures are of another form."""
    if doc.template == "legacy":
        return Issue(
            "report.legacy",
            f"a {doc.year or '?'} report with the pre-2019 统计表 (统计指标 / 单位 / 统计数): its rows are the "
            "`legacy` table and its text's figures are facts; the 2019 template identities do not apply",
            severity="info",
        )
    if doc.template == "narrative" and doc.year is not None and doc.year < FIRST_TABLE_YEAR:
        return Issue(
            "report.legacy",
            f"a {doc.year} report, before the 2019 table templates: its figures are the ones its text states",
            severity="info",
        )
    return None


def _tables_expected_but_absent(meta: Metadata, lines: list[Line], cells: list[Cell], facts: list[Fact]) -> str | None:
    """The template a report-like document must hold when it states no table value at all."""
    if any(c.raw is not None for c in cells):
        return None
    if not is_report_title(meta.title) and not facts:
        return None
    return expected_template(meta.year, "".join(normalize("".join(line.cells)) for line in lines))


def _failed(doc: ParsedDocument, code: str, message: str) -> ParsedDocument:
    doc.status = "failed"
    doc.issues.append(Issue(code, message, severity="error"))
    return doc
