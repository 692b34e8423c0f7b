"""The read-only copy for BI: the marts only, atomic, never half-written, and a session on it stays read-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import duckdb
import pytest

from pipeline.settings import Settings
from tests.paths import REPO_ROOT
from warehouse import connection
from warehouse.publish import open_published, publish_copy


def _make_warehouse(settings: Settings, rows: int) -> None:
    """A mart `marts.t` of `rows` rows (with descriptions) beside raw and staging tables that must stay home."""
    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        for schema in ("raw", "staging", "marts"):
            conn.execute(f"create schema if not exists {schema}")
        conn.execute("create or replace table raw.reports as select 'landing/ab/cd.pdf' as landing_path")
        conn.execute("create or replace view staging.v as select * from raw.reports")
        conn.execute("create or replace table marts.t as select range as i from range(?)", [rows])
        conn.execute("comment on table marts.t is '表。A table.'")
        conn.execute("comment on column marts.t.i is '编号。A number.'")


def _count(path) -> int:
    with duckdb.connect(str(path), read_only=True) as conn:
        return conn.execute("select count(*) from marts.t").fetchone()[0]


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
    conn.execute("insert into marts.t values (100)")
    conn.close()
    assert _count(publish_copy(tmp_settings.warehouse)) == 4


def test_publish_without_warehouse_fails_clearly(tmp_settings: Settings) -> None:
    with pytest.raises(FileNotFoundError, match="run the ingest first"):
        publish_copy(tmp_settings.warehouse)
    assert not tmp_settings.published_path.exists()


def test_published_copy_holds_the_marts_only_with_their_descriptions(tmp_settings: Settings) -> None:
    _make_warehouse(tmp_settings, 3)
    with open_published(publish_copy(tmp_settings.warehouse)) as conn:
        tables = conn.execute("select schema_name, table_name, comment from duckdb_tables()").fetchall()
        views = conn.execute("select view_name from duckdb_views() where not internal").fetchall()
        column = conn.execute("select comment from duckdb_columns() where table_name = 't'").fetchall()
    assert tables == [("marts", "t", "表。A table.")] and views == []
    assert column == [("编号。A number.",)]


ATTACKS = {
    "attach": "attach '{warehouse}' as live (read_write)",
    "copy_to": "copy (select 1) to '{out}'",
    "read_file": "select * from read_csv('/etc/passwd')",
}


def _attack(conn: duckdb.DuckDBPyConnection, attack: str, settings: Settings, tmp_path) -> None:
    conn.execute(ATTACKS[attack].format(warehouse=settings.warehouse_path, out=tmp_path / "stolen.csv"))


@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_bi_session_cannot_attach_copy_out_or_read_files(tmp_settings: Settings, tmp_path, attack: str) -> None:
    _make_warehouse(tmp_settings, 3)
    published = publish_copy(tmp_settings.warehouse)
    # the attack, as README used to document the session (read_only alone): it works
    with duckdb.connect(str(published), read_only=True) as plain:
        _attack(plain, attack, tmp_settings, tmp_path)
        if attack == "attach":
            plain.execute("insert into live.raw.reports values ('tampered')")  # the live warehouse, read-write
    # the documented session refuses it, and refuses to be reconfigured
    with open_published(published) as session:
        with pytest.raises(duckdb.Error, match=r"(?i)disabled|permission|external access"):
            _attack(session, attack, tmp_settings, tmp_path)
        with pytest.raises(duckdb.Error):
            session.execute("set enable_external_access = true")


# A BI session in its own process, as a dashboard is: opens the copy, tries to attach the live warehouse, waits.
BI_PROCESS = """
import sys, duckdb
from warehouse.publish import open_published
published, warehouse, documented = sys.argv[1], sys.argv[2], sys.argv[3] == "documented"
conn = open_published(published) if documented else duckdb.connect(published, read_only=True)
try:
    conn.execute(f"attach '{warehouse}' as live (read_write)")
    print("attached", flush=True)
except duckdb.Error as exc:
    print("refused", flush=True)
sys.stdin.readline()
"""


@pytest.mark.parametrize(("session", "outcome"), [("plain", "attached"), ("documented", "refused")])
def test_a_bi_session_never_blocks_the_loader(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, session: str, outcome: str
) -> None:
    _make_warehouse(tmp_settings, 3)
    published = publish_copy(tmp_settings.warehouse)
    monkeypatch.setattr(connection, "LOCK_WAIT_SECONDS", 0.0)
    bi = subprocess.Popen(
        [sys.executable, "-c", BI_PROCESS, str(published), str(tmp_settings.warehouse_path), session],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    try:
        assert bi.stdout.readline().strip() == outcome
        if session == "plain":  # the attack: the dashboard holds the live warehouse, the loader cannot open it
            with pytest.raises(connection.WarehouseLocked), connection.connect(tmp_settings.warehouse):
                pass
        else:
            with connection.connect(tmp_settings.warehouse) as loader:  # at once, no waiting
                loader.execute("insert into raw.reports (landing_path) values ('next load')")
    finally:
        bi.communicate("done\n", timeout=30)
