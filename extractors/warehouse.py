"""Connections to the warehouse: DuckDB file (embedded default) for now.

DuckDB allows one writer process at a time; Airflow serialises writers with
the one-slot `warehouse` pool, and readers (BI) use the published copy.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from extractors.raw_schema import create_statements
from extractors.settings import Settings

if TYPE_CHECKING:
    import duckdb
    import pandas as pd


@contextmanager
def connect(settings: Settings, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; the writer side creates the raw schema if it is missing."""
    import duckdb

    if settings.warehouse_target != "duckdb":
        raise NotImplementedError(f"warehouse target {settings.warehouse_target!r} is not supported yet")
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    conn = duckdb.connect(str(settings.warehouse_path), read_only=read_only)
    try:
        if not read_only:
            for statement in create_statements():
                conn.execute(statement)
        yield conn
    finally:
        conn.close()


def read_frame(settings: Settings, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a query on the warehouse and return a pandas DataFrame (GX validates these)."""
    with connect(settings, read_only=True) as conn:
        return conn.execute(sql, params or []).df()
