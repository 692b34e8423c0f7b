"""The incremental transform gives the warehouse a full refresh gives, row for row (issue #20 item 3).

The five samples are loaded in two steps, each followed by the transform
DAG's three steps (dbt staging and intermediate, GX, dbt marts): first
000-003, then 004, a re-parse of 002 (a newer parser version that lost some
cells), a re-parse of 001 that yields no cell, and 003's document deleted
from raw. Every mart (the incremental cell facts and check history among
them), every
incremental model and int_check_inputs (less built_at, the time dbt wrote a
row) must then equal a `--full-refresh` build of the same raw rows; and the
second build must have left the reports it had no reason to touch as the
first build wrote them, and tested only the rows it wrote. On DuckDB and on
Postgres (a fresh database on 127.0.0.1:5432).
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import pytest

from expectations.run_checks import run_identity_checks
from extractors.document import ParsedDocument
from extractors.parse import parse_file
from pipeline.settings import Settings
from tests.deploy.test_server_mode import fresh_database
from tests.paths import SAMPLES
from warehouse.connection import connect, transaction
from warehouse.load import load_parsed
from warehouse.transform import run_dbt

INCREMENTAL_MODELS = (
    "staging.stg_documents",
    "staging.stg_reports",
    "staging.stg_cells",
    "staging.stg_narrative_facts",
    "staging.stg_sections",
    "staging.stg_parse_issues",
    "intermediate.int_check_inputs",
)
INCREMENTAL_MARTS = ("marts.fct_applications", "marts.fct_appeals", "marts.fct_disclosures", "marts.fct_check_history")
BUILT_AT_MODELS = ("staging.stg_cells", "intermediate.int_check_inputs", *INCREMENTAL_MARTS)
PARSED_TABLES = ("documents", "reports", "cells", "narrative_facts", "sections", "parse_issues")
NOT_COMPARED = {"built_at"}  # when dbt wrote the row: differs between any two builds


def _load(settings: Settings, tmp_path: Path, docs: list[ParsedDocument]) -> None:
    paths = []
    for doc in docs:
        path = tmp_path / f"{doc.sha256}-{doc.parser_version}.json"
        path.write_text(json.dumps(doc.to_dict(), ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    assert load_parsed(settings.warehouse, paths)["documents_loaded"] == len(docs)


def _transform(settings: Settings, run_id: str) -> None:
    """What the transform DAG runs: dbt staging and intermediate, GX, dbt marts (incremental builds)."""
    run_dbt(settings.dbt, ["build", "--exclude", "marts"])
    run_identity_checks(settings.checks, run_id=run_id)
    run_dbt(settings.dbt, ["build", "--select", "marts"])


def _query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[tuple]:
    with connect(settings.warehouse, read_only=True) as conn:
        return [tuple(row) for row in conn.execute(sql, params or []).fetchall()]


def _relations(settings: Settings) -> list[str]:
    marts = _query(
        settings,
        "select table_schema || '.' || table_name from information_schema.tables "
        "where table_schema = 'marts' order by table_name",
    )
    return [*INCREMENTAL_MODELS, *(name for (name,) in marts)]


def _snapshot(settings: Settings) -> dict[str, list[tuple]]:
    """Every compared relation's rows, sorted (None first), without NOT_COMPARED columns."""
    snapshot = {}
    for relation in _relations(settings):
        schema, table = relation.split(".")
        columns = [
            c
            for (c,) in _query(
                settings,
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, table],
            )
            if c not in NOT_COMPARED
        ]
        rows = _query(settings, f"select {', '.join(columns)} from {relation}")
        snapshot[relation] = sorted(rows, key=lambda row: [(v is not None, str(v)) for v in row])
    return snapshot


def _built_at(settings: Settings, report_id: str) -> dict[str, set]:
    """When dbt wrote the report's rows, per model incremental on the report."""
    return {
        relation: {
            built_at
            for (built_at,) in _query(
                settings, f"select distinct built_at from {relation} where report_id = ?", [report_id]
            )
        }
        for relation in BUILT_AT_MODELS
    }


def _set_issue_severity(settings: Settings, report_id: str, severity: str | None) -> str | None:
    """Set the severity of the report's first parse issue held in staging; its severity before."""
    (seq, before), *_ = _query(
        settings, "select seq, severity from staging.stg_parse_issues where report_id = ? order by seq", [report_id]
    )
    with connect(settings.warehouse) as conn, transaction(conn):
        conn.execute(
            "update staging.stg_parse_issues set severity = ? where report_id = ? and seq = ?",
            [severity, report_id, seq],
        )
    return before


@pytest.fixture(params=["duckdb", "postgres"])
def settings(
    request: pytest.FixtureRequest, tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", "2025-02-15")
    with fresh_database("disclosure_incremental") if request.param == "postgres" else nullcontext() as dsn:
        if dsn:
            monkeypatch.setenv("DISCLOSURE_WAREHOUSE", "postgres")
            monkeypatch.setenv("DISCLOSURE_POSTGRES_DSN", dsn)
        settings = Settings.from_env()
        assert settings.warehouse_target == request.param
        settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
        with connect(settings.warehouse):  # creates the raw schema
            pass
        yield settings


def test_incremental_builds_equal_a_full_refresh(settings: Settings, tmp_path: Path) -> None:
    docs = [parse_file(path) for path in sorted(SAMPLES.glob("*.txt"))]
    assert len(docs) == 5 and all(doc.cells for doc in docs[1:3])
    _load(settings, tmp_path, docs[:4])
    _transform(settings, "first")
    untouched = docs[0].report_id
    first_build = _built_at(settings, untouched)

    reparsed = dataclasses.replace(docs[2], parser_version=docs[2].parser_version + "+fewer", cells=docs[2].cells[5:])
    emptied = dataclasses.replace(docs[1], parser_version=docs[1].parser_version + "+empty", cells=[])
    _load(settings, tmp_path, [docs[4], reparsed, emptied])
    with connect(settings.warehouse) as conn, transaction(conn):
        for table in PARSED_TABLES:  # 003's document is gone
            conn.execute(f"delete from raw.{table} where sha256 = ?", [docs[3].sha256])
    # a held row no test accepts: the incremental build does not read it, a whole-table test does
    severity = _set_issue_severity(settings, untouched, "bogus")
    _transform(settings, "second")
    with pytest.raises(RuntimeError, match="accepted_values_stg_parse_issues_severity"):
        run_dbt(settings.dbt, ["test", "--select", "stg_parse_issues"])
    _set_issue_severity(settings, untouched, severity)
    incremental = _snapshot(settings)

    # the second build replaced the changed reports and left the untouched one as it was
    assert _built_at(settings, untouched) == first_build
    assert all(first_build.values())
    new_report = _built_at(settings, docs[4].report_id)
    assert all(new_report[relation] - first_build[relation] for relation in BUILT_AT_MODELS)
    cells = {
        (report_id, parser_version): n
        for report_id, parser_version, n in _query(
            settings, "select report_id, parser_version, count(*) from staging.stg_cells group by 1, 2"
        )
    }
    assert (docs[2].report_id, reparsed.parser_version) in cells
    assert cells[docs[2].report_id, reparsed.parser_version] == len(docs[2].cells) - 5
    assert not {report_id for report_id, _ in cells} & {docs[1].report_id, docs[3].report_id}

    run_dbt(settings.dbt, ["build", "--full-refresh"])
    full = _snapshot(settings)
    assert full.keys() == incremental.keys()
    assert all(full[relation] for relation in INCREMENTAL_MARTS)
    for relation, rows in full.items():
        assert incremental[relation] == rows, relation
