"""insert_frame on both targets: values, NULLs and constant columns (Postgres: COPY, in batches)."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from tests import warehouse_targets
from warehouse import connection
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, insert_frame, transaction

both_warehouses = warehouse_targets.both_warehouses  # the fixture, on DuckDB and on Postgres


def test_frame_values_nulls_and_constants_arrive_unchanged(
    both_warehouses: WarehouseConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(connection, "COPY_ROWS", 2)  # three batches on Postgres
    texts = ["plain", "tab\there", "line\nbreak\r", "back\\slash \\N", "", None]
    frame = pd.DataFrame(
        {"s": texts, "v": [1.5, float("nan"), -2.0, 1e-3, None, 7.0], "k": pd.Categorical(list("abcabc"))}
    )
    at = datetime(2025, 1, 2, 3, 4, 5, 678000)
    with connect(both_warehouses) as conn:
        conn.execute("create table t (s varchar, v double precision, k varchar, run varchar, seen_at timestamp)")
        with transaction(conn):
            insert_frame(conn, "t", ("s", "v", "k"), frame, constants={"run": "run-1", "seen_at": at})
        rows = conn.execute("select s, v, k, run, seen_at from t").fetchall()
    assert sorted(rows, key=repr) == sorted(
        [(s, v, k, "run-1", at) for s, v, k in zip(texts, [1.5, None, -2.0, 1e-3, None, 7.0], "abcabc", strict=True)],
        key=repr,
    )
