"""The end-of-run summary that `disclosure run` prints: what was loaded, what failed, where things are.

It reads the published copy when that is up to date (else the warehouse
itself), always read-only, through `warehouse.connection.read_frame`. On the
Postgres target it reads the warehouse database itself; the SQL is the same.
"""

from __future__ import annotations

import dataclasses
import math
import unicodedata
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from expectations.failures import MARTS, Failure, read_failures
from pipeline.settings import Settings
from warehouse.connection import describe, read_frame
from warehouse.failed_documents import failed_documents

MAX_ERROR_ROWS = 200  # a terminal's worth; the rest is counted and where to read it is said
MAX_FAILURE_ROWS = 40  # failed documents listed by name; the rest counted, with where to read them
FACT_TABLES = ("fct_applications", "fct_appeals", "fct_disclosures")
ERROR_HEADER = ("agency", "year", "check", "subject", "expected", "observed", "document")
WARNING_HEADER = ("check", "failed", "reports", "what it checks")


def summary_source(settings: Settings) -> Path | None:
    """The file to read: the published copy unless it is older than the warehouse."""
    warehouse, published = settings.warehouse_path, settings.published_path
    if published.is_file() and (not warehouse.is_file() or published.stat().st_mtime >= warehouse.stat().st_mtime):
        return published
    return warehouse if warehouse.is_file() else None


def build_summary(settings: Settings) -> str:
    """A plain-text summary of the warehouse after a run (counts, failed checks, paths)."""
    lines = ["", "Disclosure pipeline summary"]
    contact = settings.fetch.contact_warning
    if contact:  # every run until set: a site owner who objects must know whom to tell
        lines.append(f"  warning            {contact}")
    if settings.warehouse.is_postgres:
        reader, source_label = settings, describe(settings.warehouse)
    else:
        source = summary_source(settings)
        if source is None:
            lines.append(f"  no warehouse at {settings.warehouse_path}: nothing was loaded")
            lines += _paths(settings)
            return "\n".join(lines)
        reader, source_label = dataclasses.replace(settings, warehouse_path=source), str(source)
    tables = _tables(reader)
    marts = MARTS if (MARTS, "dim_report") in tables else None
    lines.append(f"  read from          {source_label}")

    documents = _documents(reader, tables)
    if marts:
        reports = _scalar(reader, f"select count(*) from {marts}.dim_report")
    else:
        has_reports = ("raw", "reports") in tables
        reports = _scalar(reader, "select count(distinct report_id) from raw.reports") if has_reports else 0
        lines.append("  marts              not built (see the transform log)")
    lines.append(f"  reports loaded     {reports}{documents}")
    lines.append(f"  cells loaded       {_cells(reader, tables, marts)}")

    if marts and (marts, "fct_check_results") in tables:
        lines += _checks(reader, marts)
    else:
        lines.append("  identity checks    no results (marts.fct_check_results is missing)")
    if ("raw", "parse_issues") in tables:
        lines += _failed_documents(reader)
    lines += _paths(settings)
    return "\n".join(lines)


def _tables(settings: Settings) -> set[tuple[str, str]]:
    frame = read_frame(settings.warehouse, "select table_schema, table_name from information_schema.tables")
    return set(zip(frame["table_schema"], frame["table_name"], strict=True))


def _scalar(settings: Settings, sql: str) -> int:
    value = read_frame(settings.warehouse, sql).iloc[0, 0]
    return 0 if value is None or (isinstance(value, float) and math.isnan(value)) else int(value)


def _documents(settings: Settings, tables: set[tuple[str, str]]) -> str:
    if ("raw", "documents") not in tables:
        return ""
    frame = read_frame(
        settings.warehouse, "select status, count(*) as n from raw.documents group by status order by status"
    )
    if frame.empty:
        return ""
    counts = ", ".join(f"{n} {status}" for status, n in zip(frame["status"], frame["n"], strict=True))
    return f"   (documents: {counts})"


def _cells(settings: Settings, tables: set[tuple[str, str]], marts: str | None) -> int:
    facts = [f"select count(*) as n from {marts}.{t}" for t in FACT_TABLES if marts and (marts, t) in tables]
    if facts:
        return _scalar(settings, f"select sum(n) from ({' union all '.join(facts)}) as facts")
    return _scalar(settings, "select count(*) from raw.cells") if ("raw", "cells") in tables else 0


def _checks(settings: Settings, marts: str) -> list[str]:
    counts = read_frame(
        settings.warehouse, f"select status, count(*) as n from {marts}.fct_check_results group by status"
    )
    by_status = dict(zip(counts["status"], counts["n"].astype(int), strict=True))
    return check_lines(by_status, _failures(settings), marts)


def check_lines(by_status: dict[str, int], failures: Sequence[Failure], marts: str = MARTS) -> list[str]:
    """Counts; then every error to act on with its document; then the warnings grouped by check with counts.

    Nothing is cut silently: past MAX_ERROR_ROWS errors the rest is counted and where to read it is said.
    """
    actionable = [f for f in failures if f.actionable]
    errors = [f for f in actionable if f.severity == "error"]
    warnings = [f for f in actionable if f.severity != "error"]
    resolved = sum(f.alert_state == "resolved" for f in failures)
    lines = [
        f"  identity checks    {by_status.get('passed', 0)} passed, {by_status.get('failed', 0)} failed, "
        f"{by_status.get('not_evaluable', 0)} not evaluable",
        f"  to act on          {len(errors)} errors ({sum(f.alert_state == 'new' for f in errors)} new), "
        f"{len(warnings)} warnings; {resolved} resolved",
    ]
    where = f"all in {marts}.fct_check_results and the quality view (`disclosure ui`, /disclosure/quality)"
    if errors:
        lines += ["", f"Errors to act on ({len(errors)}):"]
        rows = [ERROR_HEADER] + [
            (
                f.agency or f.report_id,
                _text(f.report_year),
                f.check_id,
                f.subject,
                _number(f.expected),
                _number(f.observed),
                f.document or "-",
            )
            for f in errors[:MAX_ERROR_ROWS]
        ]
        lines += ["  " + line for line in format_table(rows, right_aligned={1, 4, 5})]
        if len(errors) > MAX_ERROR_ROWS:
            lines.append(f"  ... {len(errors) - MAX_ERROR_ROWS} more errors not shown: {where}")
    if warnings:
        lines += ["", f"Warnings by check ({len(warnings)} in {len({f.report_id for f in warnings})} reports):"]
        by_check: dict[str, list[Failure]] = {}
        for f in warnings:
            by_check.setdefault(f.check_id, []).append(f)
        rows = [WARNING_HEADER] + [
            (check_id, str(len(group)), str(len({f.report_id for f in group})), group[0].description_en)
            for check_id, group in sorted(by_check.items(), key=lambda item: (-len(item[1]), item[0]))
        ]
        lines += ["  " + line for line in format_table(rows, right_aligned={1, 2})]
        lines.append(f"  each warning: {where}")
    return lines


def _failed_documents(settings: Settings) -> list[str]:
    failed = failed_documents(
        lambda sql, params: read_frame(settings.warehouse, sql, list(params)).itertuples(index=False, name=None)
    )
    if not failed:
        return []
    rows = [("document", "sha256", "reason")] + [
        (f.document, f.sha256[:12], f.reason) for f in failed[:MAX_FAILURE_ROWS]
    ]
    lines = ["", f"Failed documents ({len(failed)}):", *("  " + line for line in format_table(rows))]
    if len(failed) > MAX_FAILURE_ROWS:
        lines.append(f"  ... and {len(failed) - MAX_FAILURE_ROWS} more (query raw.documents where status = 'failed')")
    return lines


def _failures(settings: Settings) -> list[Failure]:
    return read_failures(lambda sql: read_frame(settings.warehouse, sql).itertuples(index=False, name=None))


def _paths(settings: Settings) -> list[str]:
    rows = [
        ("warehouse", settings.warehouse_path),
        ("published copy", settings.published_path),
        ("dbt docs", settings.dbt_docs_dir / "index.html"),
        ("GX data docs", settings.gx_docs_dir / "index.html"),
    ]
    lines = ["", "Files:"]
    for label, path in rows:
        lines.append(f"  {label:<16} {path}{'' if path.exists() else '   (missing)'}")
    return lines


def format_table(rows: Sequence[Sequence[str]], right_aligned: Collection[int] = ()) -> list[str]:
    """Align columns by display width (CJK characters take two cells in a terminal)."""
    widths = [max(display_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    out = []
    for row in rows:
        cells = []
        for i, cell in enumerate(row):
            pad = " " * (widths[i] - display_width(cell))
            cells.append(pad + cell if i in right_aligned else cell + pad)
        out.append("  ".join(cells).rstrip())
    return out


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _number(value: Any) -> str:
    if value is None:
        return "-"
    value = float(value)
    return str(int(value)) if value.is_integer() else f"{value:.2f}"
