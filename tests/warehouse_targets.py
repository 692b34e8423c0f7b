"""A fixture for tests that run on both warehouse targets: DuckDB in tmp_settings' home, a fresh Postgres database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext

import pytest

from pipeline.settings import Settings
from tests.server_mode import fresh_database
from warehouse.config import WarehouseConfig


@pytest.fixture(params=["duckdb", "postgres"])
def both_warehouses(
    request: pytest.FixtureRequest, tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WarehouseConfig]:
    """The warehouse config of each target in turn (import the fixture into the test module to use it)."""
    with fresh_database("disclosure_targets") if request.param == "postgres" else nullcontext() as dsn:
        if dsn:
            monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "postgres")
            monkeypatch.setenv("DISCLOSURE_POSTGRES_DSN", dsn)
        config = Settings.from_env().warehouse
        assert config.is_postgres == (request.param == "postgres")
        yield config
