"""`disclosure warehouse init`: from an empty Postgres server to a warehouse a BI login can read.

Idempotent, run by a data engineer (or compose's init job) with a login that
may create databases and roles:

1. creates the database of DISCLOSURE_POSTGRES_DSN when it is missing
   (connecting to the server's `postgres` maintenance database; a missing
   database used to make `load` retry for 135 s and fail);
2. creates the raw schema (warehouse.raw_schema), as the loader would;
3. creates the read-only BI role and its grants on schema `marts`
   (warehouse.bi_role), so that the role exists before the first dbt build.

On the DuckDB target it creates the file and its raw schema.
"""

from __future__ import annotations

import logging
from urllib.parse import unquote, urlsplit, urlunsplit

from warehouse.bi_role import grant_bi_access
from warehouse.config import WarehouseConfig
from warehouse.connection import connect, redact_dsn

log = logging.getLogger(__name__)

MAINTENANCE_DATABASE = "postgres"


def init_warehouse(config: WarehouseConfig) -> list[str]:
    """Create what is missing; returns what was done, one line each."""
    done: list[str] = []
    if config.is_postgres:
        database = _database_name(config.postgres_dsn)
        if _create_database(config.postgres_dsn, database):
            done.append(f"created database {database}")
        else:
            done.append(f"database {database} exists")
    with connect(config):  # the writer side creates the raw schema
        done.append(f"raw schema ready in {_where(config)}")
    role = grant_bi_access(config)
    if role:
        done.append(f"BI role {role}: SELECT on schema marts")
    for line in done:
        log.info("warehouse init: %s", line)
    return done


def _database_name(dsn: str) -> str:
    name = unquote(urlsplit(dsn).path.lstrip("/"))
    if not name:
        raise ValueError(f"DISCLOSURE_POSTGRES_DSN names no database: {redact_dsn(dsn)}")
    return name


def _create_database(dsn: str, database: str) -> bool:
    """`create database` through the maintenance database when missing; True when created."""
    import psycopg2
    from psycopg2 import errors, sql

    maintenance = urlunsplit(urlsplit(dsn)._replace(path=f"/{MAINTENANCE_DATABASE}"))
    conn = psycopg2.connect(maintenance, connect_timeout=10, application_name="disclosure")
    conn.autocommit = True  # create database cannot run in a transaction
    try:
        with conn.cursor() as cursor:
            cursor.execute("select 1 from pg_database where datname = %s", [database])
            if cursor.fetchone():
                return False
            try:
                cursor.execute(sql.SQL("create database {}").format(sql.Identifier(database)))
            except errors.DuplicateDatabase:  # created meanwhile by a concurrent init
                return False
            return True
    finally:
        conn.close()


def _where(config: WarehouseConfig) -> str:
    return redact_dsn(config.postgres_dsn) if config.is_postgres else str(config.duckdb_path)
