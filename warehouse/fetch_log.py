"""Record fetch attempts in raw.fetch_attempts: what was asked of which site, and how it went."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from extractors.fetch.fetcher import FetchResult, result_row
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, insert_rows, transaction

log = logging.getLogger(__name__)

FETCH_ATTEMPT_COLUMNS: tuple[str, ...] = (
    "attempt_id",
    "source",
    "agency",
    "report_year",
    "step",
    "url",
    "final_url",
    "status",
    "http_status",
    "content_type",
    "etag",
    "last_modified",
    "content_length",
    "size_bytes",
    "sha256",
    "landing_path",
    "tries",
    "fetched_at",
    "error",
)


def write_fetch_attempts(config: WarehouseConfig, results: Sequence[FetchResult]) -> int:
    """Insert the results in one transaction; returns rows added. Writing the same results again adds none."""
    if not results:
        return 0
    rows = [tuple(result_row(r)[c] for c in FETCH_ATTEMPT_COLUMNS) for r in results]
    with connect(config) as conn:
        before = conn.execute("select count(*) from raw.fetch_attempts").fetchone()[0]
        with transaction(conn):
            # attempt_id is minted once per attempt, so a retried task re-writing its list is harmless.
            insert_rows(
                conn,
                "raw.fetch_attempts",
                FETCH_ATTEMPT_COLUMNS,
                rows,
                on_conflict="on conflict (attempt_id) do nothing",
            )
        added = conn.execute("select count(*) from raw.fetch_attempts").fetchone()[0] - before
    log.info("raw.fetch_attempts: %d rows added (%d given)", added, len(rows))
    return added
