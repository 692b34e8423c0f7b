"""The incremental transform gives the warehouse a full refresh gives, row for row (issue #20 item 3).

The five samples are loaded in two steps, each followed by the transform
DAG's three steps (dbt staging and intermediate, GX, dbt marts): first
000-003, then 004, a re-parse of 002 (a newer parser version that lost some
cells, so some check subjects), a re-parse of 001 that yields no cell, and
003's document deleted from raw. Three copies of 002 under an agency the
registry does not know add the cases where a report's current check results
(fct_check_results) change although no run validated it again: `failing`,
whose failures are new after the first run and open after the second (the
latest run moved), and `old`, a version whose failures the first run finds
resolved by `corrected`, its agency-year's primary version, whose document
is then deleted (`old` is the primary version again: its failures are open).
The registry expects the agency-years of 000's and 004's agencies: finding 004
rewrites its agency-year's `report.on_time` row (a first report now, though
late as missing overdue was failing), the others keep the first build's.
Every mart (the incremental cell facts and check results among them), every
incremental model and int_check_inputs (less built_at, the time dbt wrote a
row) must then equal a `--full-refresh` build of the same raw rows; and the
second build must have left the reports it had no reason to touch as the
first build wrote them, and tested only the rows it wrote. On DuckDB and on
Postgres (a fresh database on 127.0.0.1:5432).
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import json
from collections.abc import Iterator
from contextlib import nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from expectations.run_checks import run_identity_checks
from extractors.document import ParsedDocument
from extractors.fetch.registry import Source
from extractors.parse import parse_file
from pipeline.settings import Settings
from tests.deploy.test_server_mode import fresh_database
from tests.paths import SAMPLES
from warehouse.connection import connect, transaction
from warehouse.load import load_parsed
from warehouse.registry_snapshot import write_sources
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
CHECK_RESULTS = "marts.fct_check_results"
INCREMENTAL_MARTS = (
    "marts.fct_applications",
    "marts.fct_appeals",
    "marts.fct_disclosures",
    "marts.fct_check_history",
    CHECK_RESULTS,
)
BUILT_AT_MODELS = ("staging.stg_cells", "intermediate.int_check_inputs", *INCREMENTAL_MARTS)
PARSED_TABLES = ("documents", "reports", "cells", "narrative_facts", "sections", "parse_issues")
NOT_COMPARED = {"built_at"}  # when dbt wrote the row: differs between any two builds
UNKNOWN_AGENCY = "测试县"  # not in the registry: no publication key, no other report of its agency-years
REGISTERED_AT = datetime(2019, 1, 1)  # monitoring began before the first due date: a report found after it is late


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


def _on_time_built_at(settings: Settings) -> dict[str, Any]:
    """built_at of the report.on_time check inputs, per agency-year key."""
    sql = "select report_id, built_at from intermediate.int_check_inputs where check_id = 'report.on_time'"
    return dict(_query(settings, sql))


def _copy(doc: ParsedDocument, name: str, year: int, cells_from: ParsedDocument | None = None) -> ParsedDocument:
    """Another document (its own sha256) of UNKNOWN_AGENCY and `year`, with the cells of `cells_from` or `doc`."""
    sha256 = hashlib.sha256(name.encode()).hexdigest()
    cells = (cells_from or doc).cells
    return dataclasses.replace(doc, document=name, sha256=sha256, agency=UNKNOWN_AGENCY, year=year, cells=cells)


def _alert_states(settings: Settings, report_id: str) -> set[tuple[str | None, str | None]]:
    """(alert_state, replaced_by) of the report's failed current results."""
    return set(
        _query(
            settings,
            "select alert_state, replaced_by from marts.fct_check_results where report_id = ? and status = 'failed'",
            [report_id],
        )
    )


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
    # 002 fails identities (its (七)总计); `corrected` holds 001's cells (as many), which pass them
    failing, old = _copy(docs[2], "failing", 2017), _copy(docs[2], "old", 2020)
    corrected = _copy(docs[2], "corrected", 2020, cells_from=docs[1])
    # the registry expects 000's and 004's agencies from 2019: report.on_time rows, one per agency-year
    write_sources(settings.warehouse, [Source(docs[i].agency, kind="government") for i in (0, 4)], REGISTERED_AT)
    _load(settings, tmp_path, [*docs[:4], failing, old])
    _load(settings, tmp_path, [corrected])  # loaded later: the primary version of its agency-year
    _transform(settings, "first")
    on_time_first = _on_time_built_at(settings)
    untouched = docs[0].report_id
    first_build = _built_at(settings, untouched)
    assert {state for state, _ in _alert_states(settings, failing.report_id)} == {"new"}
    assert ("resolved", corrected.report_id) in _alert_states(settings, old.report_id)

    reparsed = dataclasses.replace(docs[2], parser_version=docs[2].parser_version + "+fewer", cells=docs[2].cells[5:])
    emptied = dataclasses.replace(docs[1], parser_version=docs[1].parser_version + "+empty", cells=[])
    _load(settings, tmp_path, [docs[4], reparsed, emptied])
    with connect(settings.warehouse) as conn, transaction(conn):
        for table, gone in itertools.product(PARSED_TABLES, (docs[3], corrected)):  # their documents are gone
            conn.execute(f"delete from raw.{table} where sha256 = ?", [gone.sha256])
    # a held row no test accepts: the incremental build does not read it, a whole-table test does
    severity = _set_issue_severity(settings, untouched, "bogus")
    _transform(settings, "second")
    with pytest.raises(RuntimeError, match="accepted_values_stg_parse_issues_severity"):
        run_dbt(settings.dbt, ["test", "--select", "stg_parse_issues"])
    _set_issue_severity(settings, untouched, severity)
    incremental = _snapshot(settings)

    # 004 found: its agency-year's report.on_time row is new (missing_overdue -> late); the others' rows, whose
    # status did not move, keep the first build's built_at (GX did not validate them again)
    on_time_second = _on_time_built_at(settings)
    found_key = f"publication:{docs[4].agency}:{docs[4].year}"
    assert on_time_second.keys() == on_time_first.keys()
    assert {key for key in on_time_first if on_time_second[key] != on_time_first[key]} == {found_key}

    # no run validated `failing` and `old` again (their history is the first build's), yet their failures are open
    for report in (failing, old):
        history_built = _built_at(settings, report.report_id)["marts.fct_check_history"]
        assert history_built == first_build["marts.fct_check_history"]
        assert _alert_states(settings, report.report_id) == {("open", None)}

    # the second build replaced the changed reports and left the untouched one as it was, but for its
    # current check results: template.complete failures new after the first run, open after the second
    untouched_built = _built_at(settings, untouched)
    assert untouched_built.pop(CHECK_RESULTS) != first_build.pop(CHECK_RESULTS)
    assert untouched_built == first_build
    assert all(first_build.values())
    new_report = _built_at(settings, docs[4].report_id)
    assert all(new_report[relation] - first_build.get(relation, set()) for relation in BUILT_AT_MODELS)
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
