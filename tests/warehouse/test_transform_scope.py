"""A transform that does less because less changed leaves the marts a full transform gives (on the samples).

Reuses the session's embedded run (both DAGs over the samples), copied: that
run's transform recorded what it was built from, so the same warehouse
again has nothing to do; a registry change and a later as-of date then
build only what descends from `raw.sources` and `int_publication` (and the
marts over the check results); a date two months on in the same year only
the date's marts and those of the check results; a day later, which moves no
publication status, the date's marts only (the `report.on_time` inputs keep
their `built_at`: GX validates nothing). Each time the marts must equal a
`--full-refresh` build of the same raw rows and stored check results.
"""

from __future__ import annotations

import shutil
from datetime import date
from typing import Any

import pytest

from expectations.run_checks import run_planned_checks
from pipeline.settings import Settings
from tests.conftest import EmbeddedRun
from warehouse.connection import connect, transaction
from warehouse.transform import PUBLICATION_CHECK_MARTS, build_marts, build_staging, plan_run, run_dbt
from warehouse.transform_code import held_state
from warehouse.transform_plan import CHANGED, DATE, DATE_MARTS, NOTHING

NOT_COMPARED = {"built_at"}  # when dbt wrote the row: differs between any two builds


def _marts(settings: Settings) -> dict[str, list[tuple[Any, ...]]]:
    with connect(settings.warehouse, read_only=True) as conn:
        tables = [
            t
            for (t,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        ]
        marts = {}
        for table in tables:
            columns = [
                c
                for (c,) in conn.execute(
                    "select column_name from information_schema.columns where table_schema = 'marts' and table_name = ?"
                    " order by ordinal_position",
                    [table],
                ).fetchall()
                if c not in NOT_COMPARED
            ]
            marts[table] = sorted(conn.execute(f"select {', '.join(columns)} from marts.{table}").fetchall(), key=repr)
    return marts


def test_a_skipped_or_narrowed_transform_equals_a_full_one(
    embedded_run: EmbeddedRun, tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert embedded_run.exit_code == 0, embedded_run.output
    tmp_settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(embedded_run.settings.warehouse_path, tmp_settings.warehouse_path)
    shutil.copytree(embedded_run.settings.dbt.target_path, tmp_settings.dbt.target_path)  # dbt's partial parse
    # The date the embedded run's last transform was built on: today, or a pinned one (test_e2e re-runs it pinned).
    held = held_state(tmp_settings.warehouse)
    assert held is not None
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", held.as_of_date)
    dbt = tmp_settings.dbt

    plan = plan_run(dbt)
    assert plan.scope == NOTHING, plan.reason  # what the embedded run's transform recorded
    before = _marts(tmp_settings)

    # The samples' registry agencies are examples (never monitored): monitor them, and move the date a year on.
    with connect(tmp_settings.warehouse) as conn, transaction(conn):
        conn.execute("update raw.sources set example = false where kind is not null")
    later = date(date.fromisoformat(plan.state.as_of_date).year + 1, 2, 1)  # a year on: the agency-years expected move
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", later.isoformat())
    plan = plan_run(dbt)
    assert (plan.scope, plan.roots) == (CHANGED, ("source:raw.sources", "int_publication")), plan.reason
    build_staging(dbt, plan)
    assert run_planned_checks(tmp_settings.checks, "a-later-day", plan).total > 0  # the report.on_time rows
    build_marts(dbt, plan)
    narrowed = _marts(tmp_settings)
    assert narrowed["fct_publication"] != before["fct_publication"]  # the registry and the date reached the marts
    assert plan_run(dbt).scope == NOTHING  # recorded

    assert _marts_differing_from_a_full_refresh(tmp_settings, narrowed) == set()

    # Two months on in the same year: past the due date of the governments' reports (31 March), the same
    # agency-years expected. The date's marts are built with the staging, then only the check results' marts.
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", later.replace(month=4).isoformat())
    plan = plan_run(dbt)
    assert (plan.scope, plan.marts) == (DATE, DATE_MARTS), plan.reason
    built = [build_staging(dbt, plan)]
    assert run_planned_checks(tmp_settings.checks, "two-months-on", plan).total > 0  # the report.on_time rows
    built.append(build_marts(dbt, plan))
    assert [args[args.index("--select") + 1 : args.index("--exclude")] for args in built if args] == [
        [
            "int_publication+,resource_type:seed",
            "int_publication+,staging",
            "int_publication+,intermediate",
            *DATE_MARTS,
        ],
        list(PUBLICATION_CHECK_MARTS),
    ]
    two_months_on = _marts(tmp_settings)
    assert two_months_on["fct_publication"] != narrowed["fct_publication"]  # the statuses and days late moved
    assert _marts_differing_from_a_full_refresh(tmp_settings, two_months_on) == set()

    # A day on: no due date passes, no publication status moves (only days late). The report.on_time rows keep
    # their built_at, so GX has nothing to validate and the marts build nothing beyond the date's marts.
    on_time_built = _on_time_built_at(tmp_settings)
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", later.replace(month=4, day=2).isoformat())
    plan = plan_run(dbt)
    assert (plan.scope, plan.marts) == (DATE, DATE_MARTS), plan.reason
    assert build_staging(dbt, plan)
    assert _on_time_built_at(tmp_settings) == on_time_built
    assert run_planned_checks(tmp_settings.checks, "a-day-on", plan).total == 0
    assert build_marts(dbt, plan) is None
    a_day_on = _marts(tmp_settings)
    assert a_day_on["fct_publication"] != two_months_on["fct_publication"]  # the days late moved
    assert {t: rows for t, rows in a_day_on.items() if t not in DATE_MARTS} == {
        t: rows for t, rows in two_months_on.items() if t not in DATE_MARTS
    }
    assert _marts_differing_from_a_full_refresh(tmp_settings, a_day_on) == set()


def _on_time_built_at(settings: Settings) -> dict[tuple[str, str], Any]:
    """built_at of every report.on_time check input, per (agency-year key, subject); there are some."""
    with connect(settings.warehouse, read_only=True) as conn:
        rows = conn.execute(
            "select report_id, subject, built_at from intermediate.int_check_inputs where check_id = 'report.on_time'"
        ).fetchall()
    assert rows
    return {(report_id, subject): built_at for report_id, subject, built_at in rows}


def _marts_differing_from_a_full_refresh(settings: Settings, marts: dict[str, list[tuple[Any, ...]]]) -> set[str]:
    """The marts whose rows differ from those of a `--full-refresh` build on the same raw rows and date.

    The warehouse is then put back as the incremental runs left it: a full
    refresh rewrites every check input, which GX would validate again.
    """
    kept = settings.warehouse_path.with_name("before-full-refresh.duckdb")
    shutil.copy(settings.warehouse_path, kept)
    run_dbt(settings.dbt, ["build", "--full-refresh", "--exclude", "resource_type:unit_test"])
    full = _marts(settings)
    kept.replace(settings.warehouse_path)
    assert marts.keys() == full.keys()
    return {t for t in full if marts[t] != full[t]}
