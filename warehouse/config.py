"""Which warehouse the pipeline writes, and how to reach it: one small typed object for this package."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path


class WarehouseTarget(StrEnum):
    """DISCLOSURE_WAREHOUSE: the embedded DuckDB file, or Postgres in server mode."""

    DUCKDB = "duckdb"
    POSTGRES = "postgres"


@dataclass(frozen=True)
class WarehouseConfig:
    target: WarehouseTarget
    duckdb_path: Path  # the file the pipeline writes (DuckDB target)
    published_path: Path  # the read-only copy for BI (DuckDB target)
    postgres_dsn: str  # the warehouse database (Postgres target)
    bi_role: str = "disclosure_bi"  # read-only Postgres role for BI tools
    bi_password: str = field(default="", repr=False)  # "" makes the role NOLOGIN

    @property
    def is_postgres(self) -> bool:
        return self.target is WarehouseTarget.POSTGRES
