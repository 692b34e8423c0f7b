"""Store the source registry in the warehouse (`raw.sources`), for publication monitoring.

`write_sources(config, registry)` replaces the whole table in one
transaction with the registry as loaded now, so dbt knows which agency-year
reports are expected (`int_publication`, `fct_publication`). A source keeps
the `registered_at` of the first snapshot that held its name: monitoring of
it began then, which tells a late report from one published before we
looked. The registry's defaults are applied here (`first_year`), once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import UTC, datetime

from extractors.fetch.registry import DEFAULT_FIRST_YEAR, Source
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, insert_rows, transaction

log = logging.getLogger(__name__)

ALIAS_SEPARATOR = "\n"  # stg_sources splits `aliases` on it (chr(10))
COLUMNS = (
    "name",
    "aliases",
    "region",
    "division_code",
    "level",
    "kind",
    "first_year",
    "last_year",
    "example",
    "registered_at",
    "snapshot_at",
)


def write_sources(config: WarehouseConfig, registry: Iterable[Source], now: datetime | None = None) -> int:
    """Replace `raw.sources` with the registry's entries; return the number of rows written."""
    now = now or datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC
    sources = list(registry)
    for source in sources:
        bad = [name for name in (source.name, *source.aliases) if ALIAS_SEPARATOR in name]
        if bad:  # a configuration error, not data: the registry cannot be stored unambiguously
            raise ValueError(f"source {source.name!r}: names must be one line, got {bad!r}")
    with connect(config) as conn, transaction(conn):
        registered = dict(conn.execute("select name, registered_at from raw.sources").fetchall())
        conn.execute("delete from raw.sources")
        insert_rows(
            conn, "raw.sources", COLUMNS, [_row(source, registered.get(source.name, now), now) for source in sources]
        )
    log.info(
        "raw.sources: %d registry entries (%d new)",
        len(sources),
        sum(source.name not in registered for source in sources),
    )
    return len(sources)


def _row(source: Source, registered_at: datetime, snapshot_at: datetime) -> tuple:
    return (
        source.name,
        ALIAS_SEPARATOR.join(source.aliases) or None,
        source.region,
        source.division_code,
        source.level,
        source.kind,
        source.first_year or DEFAULT_FIRST_YEAR,
        source.last_year,
        source.example,
        registered_at,
        snapshot_at,
    )
