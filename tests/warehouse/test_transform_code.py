"""The transform does what changed: everything after a code change, the incremental builds after a raw change,
the date's models after a new date, nothing when nothing changed (warehouse.transform_plan)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from pipeline.settings import Settings
from tests.paths import REPO_ROOT
from warehouse import transform
from warehouse.connection import connect, transaction
from warehouse.transform_code import TransformState, held_state, project_fingerprint
from warehouse.transform_plan import (
    CHANGED,
    DATE,
    DATE_MARTS,
    FULL,
    NOTHING,
    RAW_INPUTS,
    TransformPlan,
    check_results_state,
    current_state,
    decide,
)

UNIT_TESTS_OUT = ["--exclude", "resource_type:unit_test"]


def test_the_fingerprint_follows_the_code_and_ignores_dbt_output(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    first = project_fingerprint(project)
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")
    (project / "logs").mkdir()
    (project / "logs" / "dbt.sql").write_text("select 1")
    assert project_fingerprint(project) == first

    model = project / "models" / "staging" / "stg_cells.sql"
    model.write_text(model.read_text() + "\n-- changed\n")
    assert project_fingerprint(project) != first
    model.rename(model.with_name("stg_cells_renamed.sql"))
    assert project_fingerprint(project) not in (first, project_fingerprint(project.parent / "nowhere"))


def test_a_new_document_a_registry_change_a_fetch_and_a_new_date_each_change_the_state(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DISCLOSURE_AS_OF_DATE", raising=False)
    config = tmp_settings.warehouse
    states = [current_state(config, "code")]
    assert decide(states[0], states[0], False)[0] == NOTHING
    edits = [  # (the change, the raw tables it changes)
        (
            "insert into raw.documents (sha256, parser_version, document, status, loaded_at)"
            " values ('a1', '1', 'a.pdf', 'parsed', timestamp '2026-01-01 00:00:00')",
            ("source:raw.documents",),
        ),
        (
            "insert into raw.sources (name, first_year, example, registered_at, snapshot_at)"
            " values ('某县', 2023, false, timestamp '2026-01-01', timestamp '2026-01-02')",
            ("source:raw.sources",),
        ),
        ("update raw.sources set snapshot_at = timestamp '2026-01-03'", ()),  # the same registry loaded again
        ("update raw.sources set example = true", ("source:raw.sources",)),  # the same names, other content
        (
            "insert into raw.fetch_attempts (attempt_id, url, status, tries, fetched_at)"
            " values ('f1', 'http://x/a.pdf', 'fetched', 1, timestamp '2026-01-01')",
            ("source:raw.fetch_attempts",),
        ),
        ("delete from raw.documents", ("source:raw.documents",)),  # a document deleted from raw
    ]
    for edit, roots in edits:
        with connect(config) as conn, transaction(conn):
            conn.execute(edit)
        states.append(current_state(config, "code"))
        scope, _, changed = decide(states[-1], states[-2], False)
        assert (scope, changed) == ((CHANGED, roots) if roots else (NOTHING, ())), edit
    assert states[-1].raw_inputs["documents"] == states[0].raw_inputs["documents"]  # back to none, but
    assert decide(states[-1], states[0], False)[0] == CHANGED  # the fetch and the registry are not

    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", "2030-01-01")
    pinned = current_state(config, "code")
    assert pinned.as_of_date == "2030-01-01" and pinned.as_of_date != states[-1].as_of_date
    assert decide(pinned, states[-1], False)[::2] == (DATE, ("int_publication",))
    moved = TransformState("code", states[0].raw_inputs, pinned.as_of_date)  # raw and date: both kinds of root
    assert decide(moved, states[-1], False)[2] == (
        "source:raw.fetch_attempts",
        "source:raw.sources",
        "int_publication",
    )
    assert decide(pinned, pinned, False)[0] == NOTHING
    assert decide(pinned, pinned, True)[0] == FULL  # asked for
    assert decide(pinned, None, False)[0] == FULL  # a new warehouse
    assert decide(TransformState("other code", pinned.raw_inputs, pinned.as_of_date), pinned, False)[0] == FULL
    # a warehouse recorded before the raw inputs were: never "nothing"
    assert decide(pinned, TransformState("code", {}, ""), False)[0] == CHANGED


def test_each_scope_builds_what_it_must_and_the_marts_record_it(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []
    monkeypatch.setattr(transform, "run_dbt", lambda config, args: calls.append(list(args)))
    monkeypatch.delenv("DISCLOSURE_AS_OF_DATE", raising=False)
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO_ROOT / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    config = transform.DbtConfig(tmp_settings.warehouse, project, tmp_path / "work", tmp_path / "docs")

    def transform_run(full_refresh: bool = False) -> TransformPlan:
        plan = transform.plan_run(config, full_refresh)
        transform.build_staging(config, plan)
        transform.build_marts(config, plan)
        return plan

    assert held_state(config.warehouse) is None
    assert transform_run().scope == FULL  # a new warehouse: unit tests included
    assert calls == [
        ["build", "--no-write-json", "--full-refresh", "--select", "resource_type:seed", "staging", "intermediate"],
        ["build", "--no-write-json", "--full-refresh", "--select", "marts"],
    ]
    state = transform.plan_run(config).state  # recorded, with what the marts were built from of the check results
    assert held_state(config.warehouse) == replace(
        state, raw_inputs=state.raw_inputs | check_results_state(config.warehouse)
    )

    calls.clear()
    assert transform_run().scope == NOTHING
    assert calls == []  # the same code, raw and date: no dbt at all

    with connect(config.warehouse) as conn, transaction(conn):
        conn.execute(
            "insert into raw.documents (sha256, parser_version, document, status, loaded_at)"
            " values ('a1', '1', 'a.pdf', 'parsed', current_timestamp)"
        )
    calls.clear()
    plan = transform.plan_run(config)
    assert plan.scope == CHANGED  # the code is the one tested last time: no unit tests
    transform.build_staging(config, plan)
    _store_check_result(config, "r1", "app.balance")  # GX between the builds: a report's result
    transform.build_marts(config, plan)
    assert calls == [  # what descends from the raw table that changed; in the marts, from the check results too
        _staging_below("source:raw.documents"),
        [
            "build",
            "--no-write-json",
            "--select",
            "source:raw.documents+,marts",
            "stg_check_results+,marts",
            *UNIT_TESTS_OUT,
        ],
    ]

    calls.clear()
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", "2030-01-01")
    assert transform_run().scope == DATE  # a year later: the date's models; GX stored nothing new
    assert calls == [
        _staging_below("int_publication"),
        ["build", "--no-write-json", "--select", "int_publication+,marts", *UNIT_TESTS_OUT],
    ]

    # The next day: the same agency-years expected, only their status and days late move: of the marts only
    # those that read them, with the staging (they read no check result); after GX's report.on_time results
    # the check results' marts, not the reports'.
    calls.clear()
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", "2030-01-02")
    plan = transform.plan_run(config)
    assert (plan.scope, plan.marts) == (DATE, DATE_MARTS)
    transform.build_staging(config, plan)
    _store_check_result(config, "publication:某县:2029", "report.on_time")
    transform.build_marts(config, plan)
    assert calls == [
        _staging_below("int_publication", *DATE_MARTS),
        ["build", "--no-write-json", "--select", "fct_check_history", "fct_check_results", *UNIT_TESTS_OUT],
    ]
    calls.clear()
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", "2030-01-03")
    assert transform_run().scope == DATE
    assert len(calls) == 1  # GX stored nothing: one dbt start-up

    calls.clear()
    assert transform_run(full_refresh=True).scope == FULL  # `disclosure run --full-refresh`
    assert transform_run().scope == NOTHING
    (project / "macros" / "incremental_reports.sql").write_text("{# an upgrade #}\n", encoding="utf-8")
    plan = transform.plan_run(config)
    assert plan.scope == FULL  # the code changed: from scratch, unit tests included
    transform.build_staging(config, plan)
    monkeypatch.setattr(transform, "run_dbt", lambda config, args: (_ for _ in ()).throw(RuntimeError("dbt failed")))
    with pytest.raises(RuntimeError):
        transform.build_marts(config, plan)
    assert transform.plan_run(config).scope == FULL  # a failed transform records nothing: redone next time
    assert calls[-1] == [
        "build",
        "--no-write-json",
        "--full-refresh",
        "--select",
        "resource_type:seed",
        "staging",
        "intermediate",
    ]
    assert TransformPlan.from_dict(plan.to_dict()) == plan  # the XCom between the DAG's tasks


def _staging_below(root: str, *models: str) -> list[str]:
    """The staging build of a narrowed run: what descends from `root`, and `models`."""
    narrowed = [f"{root}+,{part}" for part in ("resource_type:seed", "staging", "intermediate")]
    return ["build", "--no-write-json", "--select", *narrowed, *models, *UNIT_TESTS_OUT]


def _store_check_result(config: transform.DbtConfig, report_id: str, check_id: str) -> None:
    """A result as GX stores it."""
    with connect(config.warehouse) as conn, transaction(conn):
        conn.execute(
            "insert into raw.check_results (report_id, check_id, subject, severity, status, first_seen_run,"
            " first_seen_at, last_seen_run, last_seen_at)"
            " values (?, ?, 'total', 'error', 'passed', 'run', current_timestamp, 'run', current_timestamp)",
            [report_id, check_id],
        )


def test_every_raw_table_dbt_reads_is_compared() -> None:
    """A raw source the plan does not compare would let a change of it pass as `nothing`; check_results is the
    transform's own output (GX writes it between the two builds)."""
    sources = yaml.safe_load((REPO_ROOT / "dbt_project/models/staging/__sources.yml").read_text(encoding="utf-8"))
    (raw,) = (source for source in sources["sources"] if source["name"] == "raw")
    assert {table["name"] for table in raw["tables"]} - {"check_results"} == set(RAW_INPUTS)
