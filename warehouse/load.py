"""Write parsed documents into the `raw` schema: one transaction per document, idempotent.

A document already loaded by the same parser version is skipped, so a retry
after a crash, or a second run, adds no rows. The same code writes DuckDB and
Postgres (warehouse.connection). On Postgres several loaders may run at once:
each document's transaction first takes a lock on (sha256, parser_version)
and checks again, so two writers of the same document load it once.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from extractors import PARSER_VERSION
from extractors.document import ParsedDocument
from extractors.fetch.published import LAST_MODIFIED, SIGNATURE
from extractors.limits import PARSE_KILLED
from extractors.storage import StorageConfig, as_path
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, insert_rows, lock, transaction

log = logging.getLogger(__name__)

_HAN = re.compile(r"[\u4e00-\u9fff]")

_COLUMNS: dict[str, tuple[str, ...]] = {
    "documents": (
        "sha256",
        "parser_version",
        "document",
        "source_url",
        "landing_path",
        "format",
        "size_bytes",
        "status",
        "loaded_at",
    ),
    "reports": (
        "report_id",
        "sha256",
        "parser_version",
        "document",
        "agency",
        "report_year",
        "template",
        "published_on",
        "published_on_source",
    ),
    "cells": (
        "report_id",
        "sha256",
        "parser_version",
        "table_name",
        "article_item",
        "row_code",
        "column_code",
        "value",
        "raw_text",
        "page",
        "line_no",
        "bbox",
        "split",
        "confidence",
    ),
    "narrative_facts": ("report_id", "sha256", "parser_version", "fact", "seq", "value", "raw_text", "page", "line_no"),
    "sections": (
        "report_id",
        "sha256",
        "parser_version",
        "section_no",
        "section_number",
        "title",
        "text",
        "first_line",
        "last_line",
        "first_page",
        "last_page",
    ),
    "parse_issues": (
        "report_id",
        "sha256",
        "parser_version",
        "seq",
        "issue",
        "severity",
        "message",
        "table_name",
        "row_code",
        "page",
        "line_no",
    ),
}


def report_agency(doc: ParsedDocument) -> str | None:
    """The agency a document names, when it was read as a report; else None (no invented agency).

    The parser takes the agency from a document's first lines, whatever the
    document is: a 404 page or a site menu would become an agency of
    marts.dim_agency. Read as a report means it gave cells or narrative
    facts, and an agency's name has a Chinese character (a table dump's run
    of digits has none).
    """
    if not (doc.cells or doc.facts) or not doc.agency or not _HAN.search(doc.agency):
        return None
    return doc.agency


# A document's publication date and its hint (extractors.fetch.published), known from where it was fetched.
Published = tuple[date, str]


def rows_of(
    doc: ParsedDocument, loaded_at: datetime, published: Published | None = None
) -> dict[str, list[tuple[Any, ...]]]:
    """The raw rows of one parsed document, per raw table; `published` dates its report.

    The document's own 落款 date (`signed_on`) dates it when the fetch gave
    no hint or only the server's Last-Modified, the one hint it outranks.
    """
    if doc.signed_on and (published is None or published[1] == LAST_MODIFIED):
        published = (date.fromisoformat(doc.signed_on), SIGNATURE)
    published_on, published_on_source = published or (None, None)
    key = (doc.report_id, doc.sha256, doc.parser_version)
    return {
        "documents": [
            (
                doc.sha256,
                doc.parser_version,
                doc.document,
                doc.source_url,
                doc.landing_path,
                doc.format,
                doc.size_bytes,
                doc.status,
                loaded_at,
            )
        ],
        "reports": [
            (*key[:3], doc.document, report_agency(doc), doc.year, doc.template, published_on, published_on_source)
        ],
        "cells": [
            (
                *key,
                c.table,
                c.article,
                c.row,
                c.column,
                c.value,
                c.raw,
                c.page,
                c.line,
                json.dumps(list(c.bbox)) if c.bbox else None,
                c.split,
                c.confidence,
            )
            for c in doc.cells
        ],
        "narrative_facts": [(*key, f.name, f.seq, f.value, f.raw, f.page, f.line) for f in doc.facts],
        "sections": [
            (*key, s.no, s.number, s.title, s.text, s.first_line, s.last_line, s.first_page, s.last_page)
            for s in doc.sections
        ],
        "parse_issues": [
            (*key, seq, i.code, i.severity, i.message, i.table, i.row, i.page, i.line)
            for seq, i in enumerate(doc.issues, start=1)
        ],
    }


def load_parsed(
    config: WarehouseConfig,
    parsed_paths: list[str],
    select: Callable[[ParsedDocument], bool] | None = None,
    storage: StorageConfig | None = None,
    published: dict[str, Published] | None = None,
) -> dict[str, int]:
    """Load parse results into `raw`; returns counts of documents loaded/skipped/not selected, cells loaded.

    `select` (a backfill filter) leaves out the documents it rejects; they count as `documents_not_selected`.
    `published` maps a sha256 to its report's publication date and hint (a folder file has none).
    """
    published = published or {}
    summary = {"documents_loaded": 0, "documents_skipped": 0, "documents_not_selected": 0, "cells_loaded": 0}
    with connect(config) as conn:
        for path in parsed_paths:
            doc = ParsedDocument.from_dict(json.loads(as_path(path, storage).read_text(encoding="utf-8")))
            if select is not None and not select(doc):
                summary["documents_not_selected"] += 1
                log.info("%s: %s %s is not in this backfill; not loaded", doc.document, doc.agency, doc.year)
                continue
            if _held(conn, doc) == _LOADED:
                summary["documents_skipped"] += 1
                log.info("%s: already loaded (parser %s); skipped", doc.document, doc.parser_version)
                continue
            rows = rows_of(doc, datetime.now(UTC).replace(tzinfo=None), published.get(doc.sha256))
            with transaction(conn):
                lock(conn, f"raw.documents:{doc.sha256}:{doc.parser_version}")
                held = _held(conn, doc)
                if held == _LOADED:  # another writer loaded it meanwhile (Postgres)
                    summary["documents_skipped"] += 1
                    log.info("%s: loaded by another writer meanwhile; skipped", doc.document)
                    continue
                # An earlier killed try of this generation, replaced by its retry. Only then: its rows went in
                # with its raw.documents row, and each delete scans a raw table (raw.cells: 11M rows at 100k).
                if held == _KILLED_TRY:
                    for table in _COLUMNS:
                        conn.execute(
                            f"delete from raw.{table} where sha256 = ? and parser_version = ?",
                            [doc.sha256, doc.parser_version],
                        )
                for table, values in rows.items():
                    if values:
                        insert_rows(conn, f"raw.{table}", _COLUMNS[table], values)
            summary["documents_loaded"] += 1
            summary["cells_loaded"] += len(rows["cells"])
            log.info(
                "%s: loaded %d cells, %d facts, %d issues (%s)",
                doc.document,
                len(rows["cells"]),
                len(rows["narrative_facts"]),
                len(rows["parse_issues"]),
                doc.status,
            )
    log.info("load summary: %s", summary)
    return summary


def loaded_sha256s(config: WarehouseConfig) -> set[str]:
    """The documents this parser version already loaded (one query, so a run skips them unread).

    A document loaded as a killed parse is left out: its retry's result may replace it.
    """
    with connect(config) as conn:
        rows = conn.execute(
            "select sha256 from raw.documents as d where parser_version = ? and not exists ("
            "select 1 from raw.parse_issues as i where i.sha256 = d.sha256 "
            "and i.parser_version = d.parser_version and i.issue = ?)",
            [PARSER_VERSION, PARSE_KILLED],
        ).fetchall()
    return {sha256 for (sha256,) in rows}


_LOADED, _KILLED_TRY = "loaded", "killed try"


def _held(conn: Any, doc: ParsedDocument) -> str | None:
    """What raw holds of this result: nothing (None), it `_LOADED`, or a `_KILLED_TRY` its retry replaces."""
    held = conn.execute(
        "select count(*) from raw.documents where sha256 = ? and parser_version = ?",
        [doc.sha256, doc.parser_version],
    ).fetchone()[0]
    if not held:
        return None
    kills_loaded = conn.execute(
        "select count(*) from raw.parse_issues where sha256 = ? and parser_version = ? and issue = ?",
        [doc.sha256, doc.parser_version, PARSE_KILLED],
    ).fetchone()[0]
    return _LOADED if kills_loaded == sum(issue.code == PARSE_KILLED for issue in doc.issues) else _KILLED_TRY
