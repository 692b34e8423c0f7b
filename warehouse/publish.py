"""Publish a read-only copy of the DuckDB warehouse's marts for BI tools.

BI tools never open the pipeline's own file: DuckDB allows one writing process
and no other process beside it, so a dashboard holding the file would block
the next load. They open the published copy instead, which holds the tables
of schema `marts` only (with their descriptions), never the raw, staging,
intermediate or seed tables nor the landing paths. It is replaced
atomically: the copy is written to a temporary file in the destination
folder, flushed to disk, then renamed over the old copy (`os.replace`), so a
reader sees either the old file or the new one, never half of one.

A BI session opens the copy with `open_published` (or the same settings in
its own client, README "BI"): read-only and without external access, so it
can neither ATTACH another database (the live warehouse: that would block
the loader and let it write raw tables), nor COPY TO a file, nor read one
(`read_csv('/etc/passwd')`), nor turn those settings back on.

The caller holds the warehouse (Airflow pool `warehouse`): no writer runs
while the copy is taken.

On the Postgres target there is nothing to copy: BI tools read the marts
directly, through the read-only role of `warehouse.bi_role`, and Postgres
gives them consistent snapshots while the pipeline writes. `publish_copy`
logs that and returns None.
"""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from warehouse.config import WarehouseConfig

if TYPE_CHECKING:
    import duckdb

log = logging.getLogger(__name__)

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0o444
PUBLISHED_SCHEMAS = ("marts",)
# The settings of a BI session on the copy; lock_configuration keeps the session from setting them back.
BI_SESSION_CONFIG = {"access_mode": "read_only", "enable_external_access": "false", "lock_configuration": "true"}


def publish_copy(config: WarehouseConfig) -> Path | None:
    """Copy the marts of `config.duckdb_path` to `config.published_path` atomically; returns the latter.

    A no-op (None) on Postgres, where BI reads the marts through the read-only role.
    """
    source, target = config.duckdb_path, config.published_path
    if config.is_postgres:
        log.info("warehouse target postgres: no copy to publish; BI reads schema marts as role %s", config.bi_role)
        return None
    if not source.is_file():
        raise FileNotFoundError(f"warehouse {source} does not exist: run the ingest first")
    if source.resolve() == target.resolve():
        raise ValueError(f"DISCLOSURE_PUBLISHED_PATH must differ from the warehouse file ({source})")

    _checkpoint(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # DuckDB creates the file itself (an empty file is not a database); the name stays ours
    try:
        _copy_marts(source, tmp)
        with tmp.open("rb") as written:
            os.fsync(written.fileno())
        os.chmod(tmp, _READ_ONLY)
        # A write-ahead log left beside an old copy would be replayed onto the new one.
        Path(f"{target}.wal").unlink(missing_ok=True)
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    log.info("published %s (%d bytes) -> %s", source, target.stat().st_size, target)
    return target


def open_published(path: Path) -> duckdb.DuckDBPyConnection:
    """A BI session on the published copy: read-only, no ATTACH, no file reads or writes."""
    import duckdb

    return duckdb.connect(str(path), read_only=True, config=dict(BI_SESSION_CONFIG))


def _copy_marts(source: Path, target: Path) -> None:
    """Write the tables of PUBLISHED_SCHEMAS, with their table and column comments, into a new file."""
    import duckdb

    conn = duckdb.connect(str(target))
    try:
        conn.execute(f"attach {_literal(str(source))} as source (read_only)")
        schemas = ", ".join(_literal(schema) for schema in PUBLISHED_SCHEMAS)
        tables = conn.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            f"where database_name = 'source' and schema_name in ({schemas}) order by all"
        ).fetchall()
        columns = conn.execute(
            "select schema_name, table_name, column_name, comment from duckdb_columns() "
            f"where database_name = 'source' and schema_name in ({schemas}) and comment is not null"
        ).fetchall()
        for schema in {schema for schema, _, _ in tables}:
            conn.execute(f'create schema "{schema}"')
        for schema, table, comment in tables:
            name = f'"{schema}"."{table}"'
            conn.execute(f"create table {name} as select * from source.{name}")
            if comment:
                conn.execute(f"comment on table {name} is {_literal(comment)}")
        for schema, table, column, comment in columns:
            conn.execute(f'comment on column "{schema}"."{table}"."{column}" is {_literal(comment)}')
        conn.execute("detach source")
        conn.execute("checkpoint")
    finally:
        conn.close()


def _literal(text: str) -> str:
    """A SQL string literal (ATTACH and COMMENT ON take no parameters)."""
    return "'" + text.replace("'", "''") + "'"


def _checkpoint(path: Path) -> None:
    """Fold DuckDB's write-ahead log into the file, so that the file alone is the whole database."""
    import duckdb

    conn = duckdb.connect(str(path))
    try:
        conn.execute("checkpoint")
    finally:
        conn.close()
    wal = Path(f"{path}.wal")
    if wal.exists() and wal.stat().st_size:
        raise RuntimeError(f"{wal} is still there after a checkpoint: is another process writing {path}?")


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # not every platform opens folders
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
