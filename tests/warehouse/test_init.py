"""`disclosure warehouse init` on an empty Postgres server: database, raw schema and BI role, twice over."""

from __future__ import annotations

import uuid

import psycopg2
import pytest

from pipeline.cli import main
from tests.server_mode import admin_connection, drop_role

pytestmark = pytest.mark.integration


def test_warehouse_init_creates_database_schema_and_bi_login(
    monkeypatch: pytest.MonkeyPatch, tmp_path, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = admin_connection()  # fails on CI, skips elsewhere, when Postgres is missing
    suffix = uuid.uuid4().hex[:10]
    database, role = f"disclosure_init_{suffix}", f"disclosure_bi_{suffix}"
    dsn = f"postgresql://postgres@127.0.0.1:5432/{database}"
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "postgres")
    monkeypatch.setenv("DISCLOSURE_POSTGRES_DSN", dsn)
    monkeypatch.setenv("DISCLOSURE_BI_ROLE", role)
    monkeypatch.setenv("DISCLOSURE_BI_PASSWORD", "bi-secret")
    try:
        assert main(["warehouse", "init"]) == 0
        assert f"created database {database}" in capsys.readouterr().out
        assert main(["warehouse", "init"]) == 0  # idempotent
        assert f"database {database} exists" in capsys.readouterr().out
        with psycopg2.connect(dsn) as conn, conn.cursor() as cursor:
            cursor.execute("select count(*) from information_schema.tables where table_schema = 'raw'")
            assert cursor.fetchone()[0] > 0
            cursor.execute("create table marts.dim_report (report_id varchar)")  # what dbt builds later
        conn.close()
        bi = psycopg2.connect(dsn.replace("//postgres@", f"//{role}@", 1))  # the BI login
        bi.autocommit = True
        try:
            with bi.cursor() as cursor:
                cursor.execute("select count(*) from marts.dim_report")
                assert cursor.fetchone() == (0,)
                with pytest.raises(psycopg2.errors.InsufficientPrivilege):
                    cursor.execute("select count(*) from raw.cells")
        finally:
            bi.close()
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f"drop database if exists {database} with (force)")
        admin.close()
        drop_role(role)
