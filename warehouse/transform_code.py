"""Which dbt code built the incremental models: a changed project rebuilds them once from scratch.

An incremental model keeps the rows its code computed on the day they were
built. After an upgrade that changes a model (a new column, another rule)
the rows held and the rows added would disagree, and dbt stops on a schema
change it cannot apply. So the staging build records a fingerprint of the
dbt project in the warehouse and runs with `--full-refresh` whenever the
fingerprint held is not the code's: one full rebuild after each upgrade (or
on a new warehouse), incremental builds in between, nothing for the
operator to remember.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from warehouse.config import WarehouseConfig
from warehouse.connection import connect, missing_relation_errors, read_frame, transaction

TABLE = "raw.transform_code"
# What decides the rows: SQL, configs and docs (persisted into the warehouse), seeds; never dbt's own output.
CODE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv"})
NOT_CODE = frozenset({"target", "logs", "dbt_packages"})


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the project's code files, their paths included (a renamed model is a change)."""
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and path.suffix in CODE_SUFFIXES and not NOT_CODE & set(relative.parts):
            digest.update(relative.as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def held_fingerprint(config: WarehouseConfig) -> str | None:
    """The fingerprint of the code that last built the warehouse; None before the first build."""
    if not config.is_postgres and not config.duckdb_path.is_file():
        return None
    try:
        frame = read_frame(config, f"select fingerprint from {TABLE}")
    except missing_relation_errors():
        return None
    return str(frame["fingerprint"].iloc[0]) if len(frame) else None


def record_fingerprint(config: WarehouseConfig, fingerprint: str) -> None:
    """After a successful build: the code that built it."""
    with connect(config) as conn, transaction(conn):
        conn.execute(f"create table if not exists {TABLE} (fingerprint varchar not null, built_at timestamp)")
        conn.execute(f"delete from {TABLE}")
        conn.execute(f"insert into {TABLE} values (?, current_timestamp)", [fingerprint])
