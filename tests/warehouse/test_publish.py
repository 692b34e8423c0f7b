"""The read-only copy for BI: complete, atomic, never half-written."""

from __future__ import annotations

import stat

import duckdb
import pytest

from pipeline.settings import Settings
from warehouse.publish import publish_copy


def _make_warehouse(settings: Settings, rows: int) -> None:
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        conn.execute("create or replace table t as select range as i from range(?)", [rows])


def _count(path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select count(*) from t").fetchone()[0]


def test_publish_copies_and_replaces(tmp_settings: Settings) -> None:
    _make_warehouse(tmp_settings, 10)
    target = publish_copy(tmp_settings.warehouse)
    assert target == tmp_settings.published_path and _count(target) == 10
    assert not target.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)  # read-only file

    _make_warehouse(tmp_settings, 25)
    assert _count(publish_copy(tmp_settings.warehouse)) == 25
    leftovers = [p.name for p in target.parent.iterdir() if p.name != target.name]
    assert leftovers == []  # no temporary files left behind


def test_publish_includes_uncheckpointed_writes(tmp_settings: Settings) -> None:
    _make_warehouse(tmp_settings, 3)
    conn = duckdb.connect(str(tmp_settings.warehouse_path))
    conn.execute("pragma disable_checkpoint_on_shutdown")
    conn.execute("insert into t values (100)")
    conn.close()
    assert _count(publish_copy(tmp_settings.warehouse)) == 4


def test_publish_without_warehouse_fails_clearly(tmp_settings: Settings) -> None:
    with pytest.raises(FileNotFoundError, match="run the ingest first"):
        publish_copy(tmp_settings.warehouse)
    assert not tmp_settings.published_path.exists()
