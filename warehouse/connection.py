"""Connections to the warehouse: a DuckDB file (embedded default) or Postgres (server mode).

`connect(config)` yields a connection with DuckDB's small API on both
targets, so that the loader, the check runner, the alerts and the summary
hold one version of their SQL:

* `conn.execute(sql, params)` with `?` placeholders, returning a cursor with
  `fetchone()`, `fetchall()`, `description` and `df()`;
* `insert_rows(conn, table, columns, rows)`: many rows per statement on both;
* `conn.begin()` / `conn.commit()` / `conn.rollback()` (and the statements
  `begin transaction` / `commit` / `rollback`); outside a transaction every
  statement commits on its own, as in DuckDB.

On DuckDB it is DuckDB's own connection, unchanged. On Postgres it is
`PostgresConnection`, a thin wrapper over psycopg2 that turns `?` into `%s`.
Helpers that differ by dialect: `transaction`, `lock`, `insert_frame`,
`insert_rows`, `missing_relation_errors`.

Writers: DuckDB allows one writing process and no reader beside it; Airflow
serialises writers with the one-slot `warehouse` pool, and BI reads the
published copy. A process that still holds the file (a notebook, a second
loader) makes `connect` wait with backoff, up to `LOCK_WAIT_SECONDS`, then
fail with `WarehouseLocked` naming the file and the holder. Postgres takes
concurrent writers (one transaction per document; `lock` serialises two
writers of the same document), and BI reads the marts directly through the
read-only role of `warehouse.bi_role`.
"""

from __future__ import annotations

import logging
import random
import re
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warehouse.config import WarehouseConfig
from warehouse.raw_schema import CHECK_RESULTS_UPGRADE, UPGRADE_NEEDED_SQL, create_statements

if TYPE_CHECKING:
    import duckdb
    import pandas as pd

log = logging.getLogger(__name__)

# Any constant: the advisory lock taken while the raw schema is created on Postgres.
_DDL_LOCK_KEY = 0x64697363  # "disc"


@contextmanager
def connect(config: WarehouseConfig, read_only: bool = False) -> Iterator[Any]:
    """Open the warehouse; the writer side creates the raw schema if it is missing."""
    if config.is_postgres:
        with _connect_postgres(config, read_only) as conn:
            yield conn
        return
    with _connect_duckdb(config, read_only) as conn:
        yield conn


# DuckDB lets one process open the file (or several read-only ones): another process holding it makes
# `connect` fail at once with "Could not set lock on file". We wait for it, with backoff, this long.
LOCK_WAIT_SECONDS = 120.0
# DuckDB's buffer pool, as dbt's profile bounds it (dbt_project/profiles.yml): its default is 80 % of RAM,
# which the check runner's write against the stored results filled to 10 GiB at 100,000 reports when
# every report was validated again (a full refresh); DuckDB spills to disk beyond it.
DUCKDB_MEMORY_LIMIT = "3GB"
_LOCK_FIRST_DELAY, _LOCK_MAX_DELAY = 0.1, 5.0
_LOCK_HOLDER = re.compile(r"Conflicting lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class WarehouseLocked(RuntimeError):
    """The DuckDB file stayed locked by another process for `LOCK_WAIT_SECONDS`."""


def _duckdb_connect_waiting(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    """`duckdb.connect`, retried with exponential backoff while another process holds the file's lock."""
    import duckdb

    deadline = time.monotonic() + LOCK_WAIT_SECONDS
    delay, attempts = _LOCK_FIRST_DELAY, 0
    while True:
        attempts += 1
        try:
            return duckdb.connect(str(path), read_only=read_only, config={"memory_limit": DUCKDB_MEMORY_LIMIT})
        except duckdb.IOException as exc:
            if "Could not set lock" not in str(exc):
                raise
            holder = _LOCK_HOLDER.search(str(exc))
            who = f"{holder['program']} (PID {holder['pid']})" if holder else "another process"
            left = deadline - time.monotonic()
            if left <= 0:
                raise WarehouseLocked(
                    f"the warehouse {path} is locked by {who}: still locked after {attempts} attempts over "
                    f"{LOCK_WAIT_SECONDS:g} s. DuckDB allows one process on the file; close the program "
                    "holding it (BI tools and notebooks should open the published copy, "
                    "DISCLOSURE_PUBLISHED_PATH) and retry the task."
                ) from exc
            if attempts == 1:
                log.warning("warehouse %s is locked by %s; waiting up to %g s", path, who, LOCK_WAIT_SECONDS)
            time.sleep(min(delay * random.uniform(0.8, 1.2), left))
            delay = min(delay * 2, _LOCK_MAX_DELAY)


@contextmanager
def _connect_duckdb(config: WarehouseConfig, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
    config.duckdb_path.parent.mkdir(parents=True, exist_ok=True)
    conn = _duckdb_connect_waiting(config.duckdb_path, read_only)
    try:
        if not read_only:
            for statement in create_statements():
                conn.execute(statement)
            upgrade_raw_schema(conn)
        yield conn
    finally:
        conn.close()


@contextmanager
def _connect_postgres(config: WarehouseConfig, read_only: bool) -> Iterator[PostgresConnection]:
    import psycopg2

    raw = psycopg2.connect(config.postgres_dsn, connect_timeout=10, application_name="disclosure")
    conn = PostgresConnection(raw)
    try:
        if read_only:
            raw.set_session(readonly=True, autocommit=True)
        else:
            create_raw_schema(conn)
        yield conn
    finally:
        conn.close()


def create_raw_schema(conn: PostgresConnection) -> None:
    """The raw DDL in one transaction under an advisory lock: concurrent workers may all try it.

    (`create ... if not exists` alone races on Postgres: two sessions can both
    see the schema missing and one fails on the catalog's unique index.)
    """
    with transaction(conn):
        conn.execute("select pg_advisory_xact_lock(?)", [_DDL_LOCK_KEY])
        for statement in create_statements():
            conn.execute(statement)
        upgrade_raw_schema(conn)


def upgrade_raw_schema(conn: Any) -> None:
    """Bring a raw schema of an older release up to date (inside the caller's DDL step)."""
    (needed,) = conn.execute(UPGRADE_NEEDED_SQL).fetchone()
    if needed:
        log.info("raw.check_results: storing check results as changes (first_seen_run / last_seen_run)")
        for statement in CHECK_RESULTS_UPGRADE:
            conn.execute(statement)


def bound_duckdb_memory(conn: Any, limit: str) -> None:
    """DuckDB: bound the buffer pool of this connection's database to `limit` (it spills beyond). Postgres: nothing."""
    if dialect(conn) == "duckdb":
        conn.execute(f"set memory_limit = '{limit}'")


def dialect(conn: Any) -> str:
    """`postgres` or `duckdb`."""
    return getattr(conn, "dialect", "duckdb")


@contextmanager
def transaction(conn: Any) -> Iterator[Any]:
    """`begin` ... `commit`, or `rollback` and re-raise; the same on both targets."""
    conn.begin()
    try:
        yield conn
    except BaseException:
        conn.rollback()
        raise
    conn.commit()


def lock(conn: Any, key: str) -> None:
    """Inside a transaction: serialise the writers of `key` until commit (Postgres; DuckDB has one writer)."""
    if dialect(conn) == "postgres":
        conn.execute("select pg_advisory_xact_lock(?)", [zlib.crc32(key.encode("utf-8"))])


def insert_frame(
    conn: Any,
    table: str,
    columns: Sequence[str],
    frame: pd.DataFrame,
    on_conflict: str = "",
    constants: Mapping[str, Any] | None = None,
) -> None:
    """Insert the `columns` of a DataFrame into `table` (inside the caller's transaction), in one statement.

    `on_conflict`: a clause both dialects read alike, e.g. `on conflict (attempt_id) do nothing`.
    `constants`: more columns, the same value in every row (a run id), not copied into the frame.
    On Postgres: COPY, `COPY_ROWS` rows at a time, unless `on_conflict` (which COPY does not take).
    """
    constants = constants or {}
    names = ", ".join((*columns, *constants))
    if dialect(conn) == "postgres":
        for start in range(0, len(frame), COPY_ROWS):
            rows = [(*row, *constants.values()) for row in _plain_rows(frame[start : start + COPY_ROWS], columns)]
            if on_conflict:
                conn.insert_rows(table, (*columns, *constants), rows, on_conflict)
            else:
                conn.copy_rows(table, (*columns, *constants), rows)
        return
    view = f"_insert_frame_{abs(hash(table))}"
    conn.complete()  # register refuses while an earlier execute's result is unread (a count's fetchone)
    conn.register(view, frame)
    try:
        selected = ", ".join([*columns, *["?"] * len(constants)])
        conn.execute(
            f"insert into {table} ({names}) select {selected} from {view} {on_conflict}", list(constants.values())
        )
    finally:
        conn.unregister(view)


# Rows per COPY on Postgres: the text of one batch is held in memory.
COPY_ROWS = 100_000


def insert_rows(
    conn: Any, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = ""
) -> None:
    """Insert `rows` (values in `columns` order) inside the caller's transaction, in one statement.

    DuckDB's executemany runs one statement per row (about 0.7 ms each: 0.1 s
    per report of 140 rows), and a multi-row VALUES binds every value as a
    parameter (23,624 fetch attempts: 42 s, issue #20); DuckDB scans the rows
    as a DataFrame of Python objects instead (None is NULL, each column cast
    to the table's type). `on_conflict` as in `insert_frame`.
    """
    if dialect(conn) == "postgres":
        conn.insert_rows(table, columns, rows, on_conflict)
        return
    import pandas as pd

    frame = pd.DataFrame(list(rows), columns=list(columns), dtype=object)
    insert_frame(conn, table, columns, frame, on_conflict)


def missing_relation_errors() -> tuple[type[BaseException], ...]:
    """The exceptions a query on a table that does not exist raises, on either target."""
    import duckdb

    errors: list[type[BaseException]] = [duckdb.CatalogException]
    try:
        from psycopg2 import errors as pg_errors
    except ImportError:  # pragma: no cover - psycopg2 is in the lock file
        pass
    else:
        errors += [pg_errors.UndefinedTable, pg_errors.InvalidSchemaName]
    return tuple(errors)


def read_frame(config: WarehouseConfig, sql: str, params: list | None = None) -> pd.DataFrame:
    """Run a query on the warehouse and return a pandas DataFrame (GX validates these)."""
    with connect(config, read_only=True) as conn:
        return conn.execute(sql, params or []).df()


def describe(config: WarehouseConfig) -> str:
    """The warehouse for log lines and summaries: the file, or the DSN without its password."""
    if config.is_postgres:
        return redact_dsn(config.postgres_dsn)
    return str(config.duckdb_path)


def redact_dsn(dsn: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# ---------------------------------------------------------------- Postgres


def to_pyformat(sql: str) -> str:
    """`?` placeholders -> psycopg2's `%s`; a literal `%` -> `%%`. Quoted text is left alone."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _plain(value: Any) -> Any:
    """numpy scalars -> Python, NaN/NaT/NA -> None (psycopg2 adapts Python values only)."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    try:
        import pandas as pd

        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    if hasattr(value, "to_pydatetime"):
        value = value.to_pydatetime()
    return value


# COPY's text format: backslash escapes for these characters, \N for NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_text(value: Any) -> str:
    """One value as COPY's text format reads it.

    A plain Python value (`_plain`): str() of a number, boolean or datetime is Postgres input syntax.
    """
    if value is None:
        return "\\N"
    return str(value).translate(_COPY_ESCAPES)


def _plain_rows(frame: pd.DataFrame, columns: Sequence[str]) -> list[tuple[Any, ...]]:
    data = frame.loc[:, list(columns)].astype(object)
    return [tuple(_plain(v) for v in row) for row in data.itertuples(index=False, name=None)]


class PostgresCursor:
    """The result of `PostgresConnection.execute`: DuckDB's fetch methods over a psycopg2 cursor."""

    def __init__(self, cursor: Any) -> None:
        self._cursor = cursor

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._cursor.fetchone()

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self._cursor.fetchall()

    def df(self) -> pd.DataFrame:
        import pandas as pd

        columns = [d[0] for d in self._cursor.description or ()]
        return pd.DataFrame.from_records(self._cursor.fetchall(), columns=columns)


class PostgresConnection:
    """psycopg2 behind DuckDB's connection API (see the module doc). Autocommit unless `begin()`."""

    dialect = "postgres"

    def __init__(self, raw: Any) -> None:
        self.raw = raw
        self.raw.autocommit = True
        self._cursor: Any = None

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PostgresCursor:
        if self._cursor is not None:
            self._cursor.close()
        self._cursor = self.raw.cursor()
        if params:
            self._cursor.execute(to_pyformat(sql), [_plain(p) for p in params])
        else:
            self._cursor.execute(sql)
        return PostgresCursor(self._cursor)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]], on_conflict: str = ""
    ) -> None:
        """A multi-row insert (psycopg2's execute_values): fast for the check results."""
        from psycopg2.extras import execute_values

        with self.raw.cursor() as cursor:
            execute_values(
                cursor, f"insert into {table} ({', '.join(columns)}) values %s {on_conflict}", rows, page_size=5000
            )

    def copy_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """COPY the rows in (text format): a first validation's millions of result rows, far faster than inserts."""
        import io

        text = "".join("\t".join(map(_copy_text, row)) + "\n" for row in rows)
        with self.raw.cursor() as cursor:
            cursor.copy_expert(f"copy {table} ({', '.join(columns)}) from stdin", io.StringIO(text))

    def begin(self) -> None:
        self.raw.cursor().execute("begin")

    def commit(self) -> None:
        self.raw.cursor().execute("commit")

    def rollback(self) -> None:
        if not self.raw.closed:
            self.raw.cursor().execute("rollback")

    def close(self) -> None:
        if self._cursor is not None and not self._cursor.closed:
            self._cursor.close()
        self.raw.close()
