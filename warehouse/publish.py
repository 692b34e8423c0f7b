"""Publish a read-only copy of the DuckDB warehouse for BI tools.

BI tools never open the pipeline's own file: DuckDB allows one writing process
and no other process beside it, so a dashboard holding the file would block
the next load. They open the published copy instead, which is replaced
atomically: the copy is written to a temporary file in the destination
folder, flushed to disk, then renamed over the old copy (`os.replace`), so a
reader sees either the old file or the new one, never half of one.

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
import shutil
import stat
import tempfile
from pathlib import Path

from warehouse.config import WarehouseConfig

log = logging.getLogger(__name__)

_READ_ONLY = stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH  # 0o444


def publish_copy(config: WarehouseConfig) -> Path | None:
    """Copy `config.duckdb_path` to `config.published_path` atomically; returns the latter.

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
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, source.open("rb") as src:
            shutil.copyfileobj(src, out, length=16 * 1024 * 1024)
            out.flush()
            os.fsync(out.fileno())
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
