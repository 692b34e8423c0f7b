"""insert_frame on both targets: values, NULLs and constant columns (Postgres: COPY, in batches)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime

import pandas as pd
import pytest

from pipeline.settings import Settings
from tests.server_mode import fresh_database
from warehouse import connection
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, insert_frame, transaction


@pytest.fixture(params=["duckdb", "postgres"])
def warehouse(
    request: pytest.FixtureRequest, tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[WarehouseConfig]:
    with fresh_database("disclosure_frames") if request.param == "postgres" else nullcontext() as dsn:
        if dsn:
            monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "postgres")
            monkeypatch.setenv("DISCLOSURE_POSTGRES_DSN", dsn)
        config = Settings.from_env().warehouse
        assert config.is_postgres == (request.param == "postgres")
        yield config


def test_frame_values_nulls_and_constants_arrive_unchanged(
    warehouse: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "COPY_ROWS", 2)  # three batches on Postgres
    texts = ["plain", "tab\there", "line\nbreak\r", "back\\slash \\N", "", None]
    frame = pd.DataFrame(
        {"s": texts, "v": [1.5, float("nan"), -2.0, 1e-3, None, 7.0], "k": pd.Categorical(list("abcabc"))}
    )
    at = datetime(2025, 1, 2, 3, 4, 5, 678000)
    with connect(warehouse) as conn:
        conn.execute("create table t (s varchar, v double precision, k varchar, run varchar, seen_at timestamp)")
        with transaction(conn):
            insert_frame(conn, "t", ("s", "v", "k"), frame, constants={"run": "run-1", "seen_at": at})
        rows = conn.execute("select s, v, k, run, seen_at from t").fetchall()
    assert sorted(rows, key=repr) == sorted(
        [(s, v, k, "run-1", at) for s, v, k in zip(texts, [1.5, None, -2.0, 1e-3, None, 7.0], "abcabc", strict=True)],
        key=repr,
    )
