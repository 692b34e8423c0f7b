"""What one transform run has to do, decided in Python before dbt or GX start.

The transform DAG runs after every ingest that loaded a document and once a
day (publication monitoring moves with the date). Its first task compares
what the warehouse holds now with what the last successful transform was
built from (`warehouse.transform_code`: dbt code fingerprint, the raw tables'
row counts and latest writes, the as-of date) and picks one scope, which the
other tasks receive:

- `full`: asked for (`full_refresh`), a new warehouse, or the dbt project
  changed: `dbt build --full-refresh` of everything, unit tests included,
  GX on every row;
- `changed`: a raw table differs (a document loaded, re-parsed or deleted,
  a fetch attempt, a registry with other entries): the incremental builds of
  the descendants of the changed raw tables (`source:raw.<table>+`, plus
  `DATE_MODELS` when the date moved too) and, in the marts, of the check
  results too; without the dbt unit tests (they test the code, which the
  last transform tested);
- `date`: only the as-of date moved: the same with `DATE_MODELS` as the only
  root; GX validates what dbt rewrote (the `report.on_time` rows). Within
  one year the expected agency-years stay the same and only their status
  and days late move: of the marts only `DATE_MARTS` are rebuilt (by the
  first build: they read no check result), not every mart below
  `int_publication` (the others read its keys only);
- `nothing`: every stage logs why and returns.

`raw.check_results` is not an input here: the transform writes it itself,
between its two builds. The marts build compares it with what the last
transform's marts were built from (`check_results_state`): the marts over
the check results are rebuilt only when GX stored something since. The
state is taken once, by the first task (the check results' by the marts
build), and recorded by the last build after it succeeded: a document
loaded while the run was under way is not recorded as built, and a failed
run is redone.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from typing import Any

from warehouse.config import WarehouseConfig
from warehouse.connection import connect
from warehouse.transform_code import TransformState, held_state

log = logging.getLogger(__name__)

FULL, CHANGED, DATE, NOTHING = "full", "changed", "date", "nothing"
SCOPES = (FULL, CHANGED, DATE, NOTHING)
# The raw tables dbt reads, each with what tells a change beyond its row count: its latest write, or
# for the registry snapshot (rewritten with a new snapshot_at by every ingest) a digest of its content.
RAW_INPUTS: dict[str, str | None] = {
    "documents": "cast(max(loaded_at) as varchar)",
    "reports": None,  # its rows come with a document's (and its loaded_at)
    "cells": None,
    "narrative_facts": None,
    "sections": None,
    "parse_issues": None,
    "fetch_attempts": "cast(max(fetched_at) as varchar)",
    "sources": "md5(string_agg(concat_ws('|', name, aliases, region, division_code, level, kind, first_year,"
    " last_year, example, registered_at), ';' order by name))",
}
# The models whose rows depend on the as-of date (dbt_project/macros/as_of_date.sql).
DATE_MODELS = ("int_publication",)
# The marts that read what the date moves within one year (publication status, days late); the other marts
# below int_publication read its keys (agency-years expected), which move only with the year.
DATE_MARTS = ("fct_publication", "agg_agency_year")
# What raw.check_results held when the marts were built, per kind of result: the per-report checks and the
# report.on_time rows (per expected agency-year, which no report mart reads). GX adds a row per new result
# and moves last_seen_at of each result it found unchanged.
CHECK_RESULTS_STATE = (
    "select check_id = 'report.on_time' as publication, count(*), cast(max(first_seen_at) as varchar),"
    " cast(max(last_seen_at) as varchar) from raw.check_results group by 1"
)
REPORT_CHECKS, PUBLICATION_CHECKS = "check_results", "check_results_publication"  # their keys in raw_inputs
AS_OF_VARIABLE = "DISCLOSURE_AS_OF_DATE"  # pins the date (the macro reads it too)


@dataclass(frozen=True)
class TransformPlan:
    """The scope of one transform run, why, and the state it was decided on (recorded after the marts)."""

    scope: str
    reason: str
    state: TransformState
    # `changed` and `date`: the dbt nodes whose descendants are rebuilt (source:raw.<table>, DATE_MODELS)
    roots: tuple[str, ...] = ()
    # `date` within one year: the marts rebuilt (DATE_MARTS, by the first build) instead of those below the roots
    marts: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable (an Airflow XCom from the first task to the others)."""
        return {
            "scope": self.scope,
            "reason": self.reason,
            "state": self.state.to_dict(),
            "roots": list(self.roots),
            "marts": list(self.marts),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TransformPlan:
        if data["scope"] not in SCOPES:
            raise ValueError(f"unknown transform scope {data['scope']!r}; one of {SCOPES}")
        state = TransformState.from_dict(data["state"])
        return cls(data["scope"], data["reason"], state, tuple(data["roots"]), tuple(data.get("marts", ())))


def current_state(config: WarehouseConfig, fingerprint: str) -> TransformState:
    """The state a run starts from: per raw input [rows, latest write as text], and the as-of date.

    The date is the pinned one, else the warehouse's own current_date (what
    dbt_project/macros/as_of_date.sql gives the models).
    """
    inputs: dict[str, list[Any]] = {}
    with connect(config) as conn:  # the writer side: creates the raw tables of a new warehouse
        for table, changed in RAW_INPUTS.items():
            inputs[table] = list(conn.execute(f"select count(*), {changed or 'null'} from raw.{table}").fetchone())
        (today,) = conn.execute("select cast(current_date as varchar)").fetchone()
    return TransformState(fingerprint, inputs, os.environ.get(AS_OF_VARIABLE, "").strip() or str(today))


def decide(state: TransformState, held: TransformState | None, full_refresh: bool) -> tuple[str, str, tuple[str, ...]]:
    """(scope, reason, roots) of a run on `state` after a transform built from `held`."""
    if full_refresh:
        return FULL, "a full refresh was asked for (param full_refresh / disclosure run --full-refresh)", ()
    if held is None:
        return FULL, "no transform recorded in this warehouse yet", ()
    if held.fingerprint != state.fingerprint:
        return FULL, "the dbt project differs from the code of the last transform", ()
    changed = [table for table, now in state.raw_inputs.items() if held.raw_inputs.get(table) != now]
    date_moved = held.as_of_date != state.as_of_date
    roots = tuple(f"source:raw.{table}" for table in changed) + (DATE_MODELS if date_moved else ())
    moved = f"as-of date {held.as_of_date} -> {state.as_of_date}" if date_moved else "same as-of date"
    if changed:
        what = "; ".join(f"raw.{t} {held.raw_inputs.get(t)} -> {state.raw_inputs[t]}" for t in changed)
        return CHANGED, f"raw changed since the last transform ([rows, latest write or digest]): {what}; {moved}", roots
    if date_moved:
        return DATE, f"only the {moved}: raw and code unchanged", roots
    return NOTHING, f"raw, dbt code and as-of date ({state.as_of_date}) are those of the last transform", ()


def date_marts(scope: str, state: TransformState, held: TransformState | None) -> tuple[str, ...]:
    """DATE_MARTS when only the date moved, within one year (the same agency-years expected); else ()."""
    if scope != DATE or held is None or held.as_of_date[:4] != state.as_of_date[:4]:
        return ()
    return DATE_MARTS


def check_results_state(config: WarehouseConfig) -> dict[str, list[Any]]:
    """What raw.check_results holds now, as raw inputs: {REPORT_CHECKS: [...], PUBLICATION_CHECKS: [...]}."""
    with connect(config) as conn:
        rows = {bool(row[0]): list(row[1:]) for row in conn.execute(CHECK_RESULTS_STATE).fetchall()}
    return {REPORT_CHECKS: rows.get(False, [0, None, None]), PUBLICATION_CHECKS: rows.get(True, [0, None, None])}


def plan_transform(config: WarehouseConfig, fingerprint: str, full_refresh: bool = False) -> TransformPlan:
    """Decide what this run does (logged, with what it was decided on, for the task log)."""
    state, held = current_state(config, fingerprint), held_state(config)
    scope, reason, roots = decide(state, held, full_refresh)
    marts = date_marts(scope, state, held)
    log.info(
        "transform scope %s: %s (rebuilds below %s%s; raw inputs %s, as-of date %s)",
        scope,
        reason,
        ", ".join(roots) or "-",
        f"; of the marts {', '.join(marts)}" if marts else "",
        state.raw_inputs,
        state.as_of_date,
    )
    return TransformPlan(scope, reason, state, roots, marts)
