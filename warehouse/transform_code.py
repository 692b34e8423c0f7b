"""What the last successful transform was built from: the dbt code, the raw inputs and the as-of date.

An incremental model keeps the rows its code computed on the day they were
built. After an upgrade that changes a model (a new column, another rule)
the rows held and the rows added would disagree, and dbt stops on a schema
change it cannot apply. So the transform records a fingerprint of the dbt
project in the warehouse and runs with `--full-refresh` whenever the
fingerprint held is not the code's: one full rebuild after each upgrade (or
on a new warehouse), incremental builds in between, nothing for the
operator to remember. Beside it the same row holds what the raw layer held
and the as-of date the transform judged publication by
(`warehouse.transform_plan`): a run that finds all three unchanged has
nothing to do.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from warehouse.config import WarehouseConfig
from warehouse.connection import connect, missing_relation_errors, read_frame, transaction

TABLE = "raw.transform_code"
# What decides the rows: SQL, configs and docs (persisted into the warehouse), seeds; never dbt's own output.
CODE_SUFFIXES = frozenset({".sql", ".yml", ".yaml", ".csv"})
NOT_CODE = frozenset({"target", "logs", "dbt_packages"})


@dataclass(frozen=True)
class TransformState:
    """The inputs of a transform: code fingerprint, raw tables (rows and latest write each), as-of date."""

    fingerprint: str
    raw_inputs: dict[str, list[Any]]
    as_of_date: str

    def to_dict(self) -> dict[str, Any]:
        return {"fingerprint": self.fingerprint, "raw_inputs": self.raw_inputs, "as_of_date": self.as_of_date}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TransformState:
        return cls(data["fingerprint"], data["raw_inputs"], data["as_of_date"])


def project_fingerprint(project_dir: Path) -> str:
    """sha256 over the project's code files, their paths included (a renamed model is a change)."""
    digest = hashlib.sha256()
    for path in sorted(project_dir.rglob("*")):
        relative = path.relative_to(project_dir)
        if path.is_file() and path.suffix in CODE_SUFFIXES and not NOT_CODE & set(relative.parts):
            digest.update(relative.as_posix().encode("utf-8") + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def held_state(config: WarehouseConfig) -> TransformState | None:
    """What the last successful transform was built from; None before the first.

    A warehouse recorded before the raw inputs were (fingerprint only) holds
    empty raw inputs and no date: never equal to a current state's.
    """
    if not config.is_postgres and not config.duckdb_path.is_file():
        return None
    try:
        frame = read_frame(config, f"select * from {TABLE}")
    except missing_relation_errors():
        return None
    if not len(frame):
        return None
    row = frame.iloc[0]
    raw_inputs = row.get("raw_inputs")
    as_of_date = row.get("as_of_date")
    return TransformState(
        fingerprint=str(row["fingerprint"]),
        raw_inputs=json.loads(raw_inputs) if isinstance(raw_inputs, str) else {},
        as_of_date=as_of_date if isinstance(as_of_date, str) else "",
    )


def record_state(config: WarehouseConfig, state: TransformState) -> None:
    """After a successful transform: what it was built from."""
    with connect(config) as conn, transaction(conn):  # the writer side creates or upgrades the table (raw_schema)
        conn.execute(f"delete from {TABLE}")
        conn.execute(
            f"insert into {TABLE} (fingerprint, raw_inputs, as_of_date, built_at) values (?, ?, ?, current_timestamp)",
            [state.fingerprint, json.dumps(state.raw_inputs, sort_keys=True), state.as_of_date],
        )
