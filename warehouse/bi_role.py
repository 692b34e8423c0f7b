"""The read-only Postgres role BI tools connect as: SELECT on schema `marts`, nothing else.

`grant_bi_access(config)` runs after every `dbt build --select marts` on the
postgres target (the transform DAG's `dbt_build_marts` task calls it; see
README "Server mode"). It is idempotent:

* creates the role `DISCLOSURE_BI_ROLE` (default `disclosure_bi`) when
  missing: `LOGIN` with `DISCLOSURE_BI_PASSWORD` when that is set, else
  `NOLOGIN` (grant it to personal login roles: `grant disclosure_bi to alice`);
  an existing role gets its password (and LOGIN) refreshed from the setting;
* grants CONNECT on the database, USAGE on schema `marts` and SELECT on all
  its tables and views, plus default privileges so that tables dbt creates
  later (dbt replaces a table on every build) are readable too;
* grants nothing on `raw`, `staging`, `intermediate` or `seeds`, and no
  INSERT / UPDATE / DELETE / CREATE anywhere.

Python rather than a dbt on-run-end hook: the password comes from the
environment and never passes through dbt's logs or compiled SQL, and the grant
runs once per transform run rather than after every dbt command.
"""

from __future__ import annotations

import logging

from warehouse.config import WarehouseConfig

log = logging.getLogger(__name__)

MARTS_SCHEMA = "marts"


def grant_bi_access(config: WarehouseConfig, schema: str = MARTS_SCHEMA) -> str:
    """Create or refresh the BI role and its grants on `schema`; returns the role name."""
    if not config.is_postgres:
        log.info("warehouse target %s: no BI role (BI reads the published copy)", config.target)
        return ""
    import psycopg2
    from psycopg2 import sql

    role = sql.Identifier(config.bi_role)
    target = sql.Identifier(schema)
    conn = psycopg2.connect(config.postgres_dsn, connect_timeout=10, application_name="disclosure")
    try:
        with conn, conn.cursor() as cursor:  # one transaction
            # Roles are cluster-wide: two databases (or two runs) may create it at once.
            cursor.execute("select pg_advisory_xact_lock(hashtext('disclosure.bi_role'))")
            cursor.execute("select 1 from pg_roles where rolname = %s", [config.bi_role])
            exists = cursor.fetchone() is not None
            verb = sql.SQL("alter role" if exists else "create role")
            if config.bi_password:
                cursor.execute(sql.SQL("{} {} login password %s").format(verb, role), [config.bi_password])
            elif not exists:
                cursor.execute(sql.SQL("create role {} nologin").format(role))
            cursor.execute("select current_database(), current_user")
            database, owner = cursor.fetchone()
            statements = [
                sql.SQL("grant connect on database {} to {}").format(sql.Identifier(database), role),
                sql.SQL("create schema if not exists {}").format(target),
                sql.SQL("grant usage on schema {} to {}").format(target, role),
                sql.SQL("grant select on all tables in schema {} to {}").format(target, role),
                sql.SQL("alter default privileges for role {} in schema {} grant select on tables to {}").format(
                    sql.Identifier(owner), target, role
                ),
            ]
            for statement in statements:
                cursor.execute(statement)
    finally:
        conn.close()
    log.info(
        "BI role %s: SELECT on schema %s of database %s (%s)",
        config.bi_role,
        schema,
        database,
        "login" if config.bi_password else "nologin" if not exists else "unchanged login",
    )
    return config.bi_role
