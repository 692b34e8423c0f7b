"""The warehouse at scale: `raw` synthesised for N reports, then dbt build and the GX identity suites.

    python -m bench.warehouse_scale [--sizes 1000,10000,100000] [--repeat R] [--incremental N] [--revalidate]
                                    [--keep DIR]

For every size N a fresh DuckDB file gets `raw` tables written directly in SQL
(generate_series and hash(), no Python per row): documents, reports in the
three layouts (35 % gov2021, 20 % gov2019, 45 % narrative), every cell of the
template's shape (extractors/templates.py and codes.py: about 200 cells per
table report, about 110 per report on average), narrative facts and parse
issues. Application and appeal tables add up, except the defects put in on
purpose: 2 % of reports break (七)总计 like sample 002, 1 % lose a cell
(not evaluable, template incomplete), 0.5 % state a negative count, 1 %
state a different number of applications in the text. `raw.sources` holds a
registry of the reports' agencies (n / 5 county governments, expected from
2019), as production always has one: `int_publication` then expects, in 2026,
140,000 agency-years at 100,000 reports, each a `report.on_time` check input.

Then the transform DAG's three tasks, each as its own process (the functions
the DAG calls, planned as the DAG plans them: `warehouse.transform.plan_run`,
scope `full` on the new warehouse), so that its peak memory is its own
(peak RSS: the highest VmHWM of the stage process and its children):

1. `build_staging`: `dbt build --select resource_type:seed staging intermediate`;
2. `expectations.run_checks.run_planned_checks` (GX, results stored as
   changes in `raw.check_results`, data docs);
3. `build_marts`: `dbt build --select marts`, then the state is recorded.

Baseline, same run and same file: one DuckDB `create table as select * from
raw.cells` plus an aggregate over it (the cost of reading and writing the
cells once). `--repeat R` runs GX and the marts build R - 1 more times at
the largest size under new run ids, as later daily runs would: with nothing
new they add no row to `raw.check_results`, only move last_seen_run.
`--incremental N` then times the incremental transform at the largest size
(docs/ARCHITECTURE.md "Incremental transform"): the same three stages once
with nothing new, once after N new reports of the same agencies were added
to raw, once more on the next day with nothing new (only the as-of date
moved), printing what each run decided (scope and why); then it rebuilds
with `--full-refresh` (as of that next day) and checks that every mart
equals what the incremental runs built, row for row. `--revalidate` last
times GX once more with every check input new to it over the stored
results (as after `disclosure run --full-refresh`).
Targets at 100,000 reports: stages 1-3 within 5 minutes and no process above 4 GiB
peak RSS; growth from size to size linear or better; with `--incremental 300`,
the transform for the 300 new reports within 60 s at 4 GiB, a run with nothing
new (the same day or the next) within 15 s.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from bench.work_folder import work_folder
from extractors import PARSER_VERSION, codes, templates
from extractors.fetch.registry import DEFAULT_FIRST_YEAR
from pipeline.settings import REPO_ROOT
from warehouse.transform_plan import AS_OF_VARIABLE

DEFAULT_SIZES = (1_000, 10_000, 100_000)
TARGET_SECONDS = 300.0
TARGET_RSS_GIB = 4.0
TARGET_NEW_SECONDS, TARGET_NOTHING_NEW_SECONDS = 60.0, 15.0  # the incremental transform (--incremental)
NEXT_DAY = "next day"  # the incremental run of a day with nothing new: only the as-of date moved
NOTHING_NEW = ("nothing new", NEXT_DAY)


# ---- synthesis ---------------------------------------------------------------------------------------


def grid_rows() -> list[tuple[str, str, str | None, str, str, str]]:
    """(template, table, article, row, column, kind) for every cell a template holds."""
    rows: list[tuple[str, str, str | None, str, str, str]] = []
    for template in ("gov2019", "gov2021"):
        for article, category, measures in templates.proactive_rows(template):
            for m in measures:
                kind = "amount" if m in codes.AMOUNT_MEASURES else "signed" if m in codes.SIGNED_MEASURES else "count"
                rows.append((template, "proactive", article, category, m, kind))
        for row in codes.application_rows_of(template):
            kind = row if row in codes.NON_RESULT_ROWS else "leaf"
            rows += [(template, "applications", None, row, a, kind) for a in codes.APPLICANT_CODES]
        for p in codes.APPEAL_PROCEEDING_CODES:
            rows += [
                (template, "appeals", None, p, o, "appeal_total" if o == "total" else "appeal_part")
                for o in codes.APPEAL_OUTCOME_CODES
            ]
    return rows


def synthesise(conn, n: int, first: int = 1, agencies: int | None = None) -> dict[str, int]:
    """Write raw tables for n reports numbered from `first` (of `agencies` agencies, default n / 5); row counts.

    conn: a duckdb connection. Reports added later (first > 1) share the agencies of the first ones.
    """
    agencies = max((agencies or n) // 5, 1)
    conn.execute(
        "create or replace temp table grid (template varchar, table_name varchar, article_item varchar,"
        " row_code varchar, column_code varchar, kind varchar)"
    )
    conn.executemany("insert into grid values (?, ?, ?, ?, ?, ?)", grid_rows())
    conn.execute(f"""
        create or replace temp table r as
        select
            i,
            md5('doc' || i) || md5('bench' || i) as sha256,
            substr(md5('doc' || i), 1, 16) as report_id,
            case when i % 20 < 7 then 'gov2021' when i % 20 < 11 then 'gov2019' else 'narrative' end as template,
            case i % 10 when 0 then 'docx' when 1 then 'docx' when 2 then 'html' when 3 then 'text'
                 else 'pdf' end as format,
            hash(i, 'broken') % 50 = 0 as broken,
            hash(i, 'missing') % 100 = 0 as missing,
            hash(i, 'negative') % 200 = 0 as negative,
            hash(i, 'mismatch') % 100 = 0 as mismatch
        from generate_series({first}, {first + n - 1}) as s(i)
    """)
    conn.execute(f"""
        insert into raw.documents
        select sha256, '{PARSER_VERSION}', 'report_' || i || '.' || format,
               'http://127.0.0.1/reports/' || i || '.' || format, '/landing/' || sha256, format,
               20000 + hash(i) % 500000, 'parsed', current_timestamp::timestamp
        from r
    """)
    conn.execute(f"""
        insert into raw.reports
        select report_id, sha256, '{PARSER_VERSION}', 'report_' || i || '.' || format,
               '模拟' || (i % {agencies}) || '县人民政府',
               case template when 'gov2021' then 2021 + i % 4 when 'gov2019' then 2019 + i % 2
                    else 2012 + i % 7 end,
               template, null, null
        from r
    """)
    # Application leaves and the four non-result rows per applicant column, consistent unless broken.
    conn.execute("""
        create or replace temp table app_leaf as
        select r.i, r.report_id, g.template, g.row_code, g.column_code,
               (hash(r.i, g.row_code, g.column_code) % 5)::double as value
        from r join grid g on g.template = r.template and g.table_name = 'applications'
            and g.kind = 'leaf' and g.column_code <> 'total'
    """)
    conn.execute("""
        create or replace temp table app_cols as
        with sums as (
            select i, report_id, template, column_code, sum(value) as rt from app_leaf group by all
        ), sides as (
            select *, least(hash(i, column_code, 'co') % 3, rt)::double as co,
                   (hash(i, column_code, 'cf') % 3)::double as cf from sums
        )
        select i, report_id, template, row_code, column_code, value from app_leaf
        union all select i, report_id, template, 'results_total', column_code,
            rt + case when column_code = 'natural_person' and (select broken from r where r.i = sides.i)
                      then 1 else 0 end from sides
        union all select i, report_id, template, 'carried_over', column_code, co from sides
        union all select i, report_id, template, 'carried_forward', column_code, cf from sides
        union all select i, report_id, template, 'new_received', column_code, rt + cf - co from sides
    """)
    conn.execute("""
        create or replace temp table app_all as
        select * from app_cols
        union all
        select i, report_id, template, row_code, 'total', sum(value) from app_cols group by all
    """)
    cell_values = """
        select r.i, r.report_id, r.sha256, r.format, g.table_name, g.article_item, g.row_code, g.column_code,
            case
                when r.missing and g.row_code = 'granted' and g.column_code = 'legal_service' then null
                when g.table_name = 'applications' then a.value
                when g.kind = 'amount' then (hash(r.i, g.row_code, g.column_code) % 1000000) / 100.0
                when g.kind = 'signed' then (hash(r.i, g.row_code, g.column_code) % 2000)::double - 1000
                when g.kind = 'appeal_part' then (hash(r.i, g.row_code, g.column_code) % 4)::double
                when r.negative and g.row_code = 'admin_license' then -3
                else (hash(r.i, g.row_code, g.column_code) % 5000)::double
            end as value
        from r
        join grid g on g.template = r.template
        left join app_all a on a.i = r.i and g.table_name = 'applications'
            and a.row_code = g.row_code and a.column_code = g.column_code
    """
    conn.execute(f"create or replace temp table cell_values as {cell_values}")
    conn.execute("""
        create or replace temp table appeal_totals as
        select i, row_code, sum(value) as total from cell_values
        where table_name = 'appeals' and column_code <> 'total' group by all
    """)
    conn.execute(f"""
        insert into raw.cells
        select c.report_id, c.sha256, '{PARSER_VERSION}', c.table_name, c.article_item, c.row_code,
               c.column_code, coalesce(t.total, c.value),
               cast(coalesce(t.total, c.value) as varchar),
               1 + hash(c.i, c.table_name) % 6, hash(c.i, c.row_code, c.column_code) % 60,
               case when c.format = 'pdf' then '[72.0, 301.5, 110.25, 312.75]' end, false, null
        from cell_values c
        left join appeal_totals t on c.table_name = 'appeals' and c.column_code = 'total'
            and t.i = c.i and t.row_code = c.row_code
    """)
    conn.execute(f"""
        insert into raw.narrative_facts
        select r.report_id, r.sha256, '{PARSER_VERSION}', 'applications_received', 1,
               a.value + case when r.mismatch then 2 else 0 end,
               '收到申请' || cast(a.value as bigint) || '件', 1, 5
        from r join app_all a on a.i = r.i and a.row_code = 'new_received' and a.column_code = 'total'
        where r.i % 5 < 3
        union all
        select report_id, sha256, '{PARSER_VERSION}', 'applications_received', 1, hash(i) % 50, null, 1, 5
        from r where template = 'narrative'
        union all
        select report_id, sha256, '{PARSER_VERSION}', f.fact, f.seq, f.value, null, 1, 3
        from r, lateral (
            select 'proactive_published_part' as fact, 1 as seq, (hash(i, 'p1') % 900)::double as value
            union all select 'proactive_published_part', 2, (hash(i, 'p2') % 90)::double
            union all select 'proactive_published_total', 1,
                (hash(i, 'p1') % 900 + hash(i, 'p2') % 90)::double
        ) f
        where r.i % 2 = 0
    """)
    conn.execute(f"""
        insert into raw.parse_issues
        select report_id, sha256, '{PARSER_VERSION}', 1, 'row.value_count_mismatch', 'warning',
               'row granted: 6 values for 7 columns', 'applications', 'granted', 2, 40
        from r where missing
    """)
    for t in ("app_leaf", "app_cols", "app_all", "cell_values", "appeal_totals", "r", "grid"):
        conn.execute(f"drop table {t}")
    if first == 1:
        register_agencies(conn, agencies)
    return {
        t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
        for t in ("documents", "reports", "cells", "narrative_facts", "parse_issues", "sources")
    }


def register_agencies(conn, agencies: int) -> None:
    """The registry of the synthetic agencies in raw.sources, as warehouse.registry_snapshot writes it.

    One county government per agency name of the reports, expected from the
    registry's default first year (int_publication: one report.on_time row per
    agency-year), registered before the first due date (a late report is late).
    """
    conn.execute(f"""
        insert into raw.sources
        select '模拟' || k || '县人民政府', null, '模拟省', null, 'county', 'government', {DEFAULT_FIRST_YEAR},
               null, false, timestamp '{DEFAULT_FIRST_YEAR}-01-01', current_timestamp::timestamp
        from generate_series(0, {agencies - 1}) as s(k)
    """)


# ---- measuring ---------------------------------------------------------------------------------------


@dataclass
class Stage:
    name: str
    seconds: float
    peak_rss_mib: float


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM of a running process (its own peak RSS since exec), from /proc; None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def process_tree(pid: int) -> list[int]:
    """pid and its descendants (a planned stage runs dbt as its child), from /proc."""
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(child) for child in (task / "children").read_text().split()]
        except OSError:
            continue
    return pids


def run_stage(name: str, command: list[str], env: dict[str, str], cwd: Path, log: Path) -> Stage:
    """Run one stage as its own process; its wall time and peak RSS.

    Peak RSS is the highest VmHWM of the process and of its children (dbt runs
    as a child of a planned stage), polled every 0.1 s (a high-water mark, so
    polling misses at most the growth of its last 0.1 s). Not ru_maxrss: Linux
    seeds a child's ru_maxrss with the RSS of the parent it was forked from,
    and this parent holds a DuckDB connection's memory.
    """
    started = time.perf_counter()
    peak = 0.0
    with log.open("a", encoding="utf-8") as out:
        out.write(f"\n===== {name}: {' '.join(command)}\n")
        out.flush()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        while process.poll() is None:
            peak = max([peak, *(peak_rss_mib(pid) or 0.0 for pid in process_tree(process.pid))])
            time.sleep(0.1)
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{name} failed (exit {process.returncode}); see {log}")
    return Stage(name, seconds, peak)


# The transform DAG's three tasks, as the DAG calls them: argv stage, plan file (written by the first), run id.
_PLANNED_STAGE = """
import json, logging, sys
from pathlib import Path
logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
from expectations.run_checks import run_planned_checks
from pipeline.settings import Settings
from warehouse.transform import build_marts, build_staging, plan_run
from warehouse.transform_plan import TransformPlan
stage, plan_file, run_id = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
settings = Settings.from_env()
if stage == "dbt_staging":
    plan = plan_run(settings.dbt)
    plan_file.write_text(json.dumps(plan.to_dict()), encoding="utf-8")
    build_staging(settings.dbt, plan)
    print(f"decided: scope {plan.scope}: {plan.reason}")
plan = TransformPlan.from_dict(json.loads(plan_file.read_text(encoding="utf-8")))
if stage == "gx":
    s = run_planned_checks(settings.checks, run_id, plan)
    print(f"gx: {s.passed} passed, {s.failed} failed, {s.not_evaluable} not evaluable")
if stage == "dbt_marts":
    print(f"dbt marts: {build_marts(settings.dbt, plan) or 'nothing built'}")
"""
STAGE_NAMES = ("dbt_staging", "gx", "dbt_marts")

_GX_STEP = """
import logging, sys
logging.basicConfig(level=logging.WARNING)
from expectations.run_checks import run_identity_checks
from pipeline.settings import Settings
s = run_identity_checks(Settings.from_env().checks, run_id=sys.argv[1] if len(sys.argv) > 1 else "bench")
print(f"gx: {s.passed} passed, {s.failed} failed, {s.not_evaluable} not evaluable")
"""


def baseline(warehouse: Path) -> Stage:
    """One read and one write of raw.cells in DuckDB, in this process (RSS: the process's growth)."""
    import duckdb

    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    conn = duckdb.connect(str(warehouse))
    conn.execute("create or replace table main.bench_cells_copy as select * from raw.cells")
    conn.execute("select table_name, count(*), sum(value) from main.bench_cells_copy group by 1").fetchall()
    conn.execute("drop table main.bench_cells_copy")
    conn.execute("checkpoint")
    conn.close()
    seconds = time.perf_counter() - started
    grown = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before, 0)
    return Stage("baseline", seconds, grown / 1024)


def transform_stages(label: str, env: dict[str, str], home: Path, log: Path) -> list[Stage]:
    """The transform DAG's three stages, planned as the DAG plans them; prints what each decided."""
    plan_file, run_id = home / f"plan-{label.replace(' ', '-')}.json", label.replace(" ", "-")
    stages = []
    for name in STAGE_NAMES:
        command = [sys.executable, "-c", _PLANNED_STAGE, name, str(plan_file), run_id]
        stages.append(run_stage(f"{label}: {name}", command, env, REPO_ROOT, log))
    plan = json.loads(plan_file.read_text(encoding="utf-8"))
    print(
        f"#   {label}: scope {plan['scope']} ({plan['reason']}); "
        + ", ".join(f"{s.name.split(': ')[1]} {s.seconds:.1f} s / {s.peak_rss_mib:.0f} MiB" for s in stages),
        flush=True,
    )
    return stages


def summed(label: str, stages: list[Stage]) -> Stage:
    """Stages as one: summed seconds, the highest peak."""
    return Stage(label, sum(s.seconds for s in stages), max(s.peak_rss_mib for s in stages))


def marts_differences(warehouse: Path, kept: str) -> dict[str, int]:
    """Rows in one of marts.<t> and <kept>.<t> and not the other (multisets), per mart; {} when all are equal.

    built_at (when dbt wrote a row of an incremental mart) is left out: it differs between any two builds.
    """
    import duckdb

    conn = duckdb.connect(str(warehouse), read_only=True)
    tables = [
        t
        for (t,) in conn.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'"
        ).fetchall()
    ]
    differences = {}
    for t in tables:
        columns = ", ".join(
            c
            for (c,) in conn.execute(
                "select column_name from information_schema.columns where table_schema = 'marts' "
                "and table_name = ? and column_name <> 'built_at' order by ordinal_position",
                [t],
            ).fetchall()
        )
        (n,) = conn.execute(
            f"select count(*) from ((select {columns} from marts.{t} except all select {columns} from {kept}.{t}) "
            f"union all (select {columns} from {kept}.{t} except all select {columns} from marts.{t})) as d"
        ).fetchone()
        if n:
            differences[t] = n
    conn.close()
    return differences


def incremental_runs(
    n: int, new: int, warehouse: Path, dbt: str, denv: dict[str, str], env: dict[str, str], project: Path, log: Path
) -> dict[str, Stage]:
    """Nothing new, then `new` reports more, through the incremental transform; then the full-refresh comparison."""
    import duckdb

    home = warehouse.parent.parent
    stages = {"nothing new": summed("nothing new", transform_stages("nothing new", env, home, log))}
    conn = duckdb.connect(str(warehouse))
    synthesise(conn, new, first=n + 1, agencies=n)
    conn.execute("checkpoint")
    conn.close()
    stages[f"{new} new"] = summed(f"{new} new", transform_stages(f"{new} new", env, home, log))
    # The daily run of a day with nothing new: only the as-of date moved. The full refresh below is
    # pinned to that day too, so the comparison covers the date-narrowed run.
    today = date.fromisoformat(env.get(AS_OF_VARIABLE) or str(datetime.now(UTC).date()))
    next_day = {AS_OF_VARIABLE: str(today + timedelta(days=1))}
    stages[NEXT_DAY] = summed(NEXT_DAY, transform_stages(NEXT_DAY, {**env, **next_day}, home, log))

    conn = duckdb.connect(str(warehouse))  # keep the incremental marts, rebuild from scratch, compare
    conn.execute("create schema bench_incremental")
    for (t,) in conn.execute(
        "select table_name from information_schema.tables where table_schema = 'marts'"
    ).fetchall():
        conn.execute(f"create table bench_incremental.{t} as select * from marts.{t}")
    conn.close()
    stages["full refresh"] = run_stage(
        "full refresh",
        [dbt, "build", "--full-refresh", "--exclude", "resource_type:unit_test"],
        {**denv, **next_day},
        project,
        log,
    )
    differences = marts_differences(warehouse, "bench_incremental")
    print(f"#   incremental marts = full refresh: {differences or 'yes, row for row'}", flush=True)
    if differences:
        raise RuntimeError(f"the incremental marts differ from a full refresh: {differences}")
    return stages


def revalidation(warehouse: Path, env: dict[str, str], log: Path) -> None:
    """GX once more with every check input new to it over the stored results (as after `--full-refresh`)."""
    import duckdb

    conn = duckdb.connect(str(warehouse))
    conn.execute(
        "update intermediate.int_check_inputs "
        "set built_at = (select max(last_seen_at) from raw.check_results) + interval 1 second"
    )
    conn.close()
    stage = run_stage("re-validation", [sys.executable, "-c", _GX_STEP, "revalidation"], env, REPO_ROOT, log)
    print(
        f"#   re-validation of every input over the stored results: {stage.seconds:.1f} s / "
        f"{stage.peak_rss_mib:.0f} MiB",
        flush=True,
    )


def measure(
    n: int, folder: Path, repeat: int = 1, incremental: int = 0, revalidate: bool = False
) -> tuple[dict[str, int], dict[str, Stage], str]:
    import duckdb

    from warehouse.raw_schema import create_statements

    home = folder / f"n{n}"
    shutil.rmtree(home, ignore_errors=True)
    home.mkdir(parents=True)
    warehouse = home / "warehouse" / "disclosure.duckdb"
    warehouse.parent.mkdir()
    env = {
        **os.environ,
        "DISCLOSURE_HOME": str(home),
        "DISCLOSURE_WAREHOUSE": "duckdb",
        "DISCLOSURE_WAREHOUSE_PATH": str(warehouse),
        "DISCLOSURE_DOCS_DIR": str(home / "docs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "False",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    env.pop("DISCLOSURE_ALERT_URLS", None)
    started = time.perf_counter()
    conn = duckdb.connect(str(warehouse))
    for statement in create_statements():
        conn.execute(statement)
    counts = synthesise(conn, n)
    conn.execute("checkpoint")
    conn.close()
    counts["synthesis_seconds"] = round(time.perf_counter() - started)
    stages = {"baseline": baseline(warehouse)}

    from pipeline.settings import Settings
    from warehouse.transform import dbt_env, dbt_executable

    os.environ.update({k: env[k] for k in ("DISCLOSURE_HOME", "DISCLOSURE_WAREHOUSE_PATH")})
    settings = Settings.from_env()
    denv = dbt_env(settings.dbt) | {"DISCLOSURE_DOCS_DIR": str(home / "docs")}
    for path in (home / "dbt" / "target", home / "dbt" / "logs"):
        path.mkdir(parents=True, exist_ok=True)
    log = home / "bench.log"
    dbt = str(dbt_executable())
    # the first transform of a new warehouse: scope full, as the DAG's first run
    stages |= {stage.name.split(": ")[1]: stage for stage in transform_stages("bench", env, home, log)}
    conn = duckdb.connect(str(warehouse), read_only=True)
    counts["check_inputs"] = conn.execute("select count(*) from intermediate.int_check_inputs").fetchone()[0]
    conn.close()
    for k in range(2, repeat + 1):  # later daily runs: only changed results add rows
        gx = run_stage(f"gx run {k}", [sys.executable, "-c", _GX_STEP, f"bench-{k}"], env, REPO_ROOT, log)
        marts = run_stage(
            f"dbt_marts run {k}", [dbt, "build", "--select", "marts"], denv, settings.dbt_project_dir, log
        )
        conn = duckdb.connect(str(warehouse), read_only=True)
        rows = conn.execute("select count(*) from raw.check_results").fetchone()[0]
        conn.close()
        print(
            f"#   run {k}: GX {gx.seconds:.1f} s / {gx.peak_rss_mib:.0f} MiB, dbt marts {marts.seconds:.1f} s / "
            f"{marts.peak_rss_mib:.0f} MiB; raw.check_results now {rows:,} rows",
            flush=True,
        )
    gx_line = next((line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith("gx: ")), "")
    if incremental:
        stages |= incremental_runs(n, incremental, warehouse, dbt, denv, env, settings.dbt_project_dir, log)
    if revalidate:
        revalidation(warehouse, env, log)
    return counts, stages, gx_line


def table(results: dict[int, tuple[dict[str, int], dict[str, Stage], str]]) -> str:
    lines = [
        f"{'reports':>8} {'cells':>11} {'chk rows':>10} {'baseline s':>10} {'dbt stg s':>9} {'GX s':>8} "
        f"{'dbt marts s':>11} {'total s':>8} {'x base':>7} {'peak MiB dbt/GX':>16} {'s/1k rep':>8}"
    ]
    previous = None
    for n, (counts, stages, _gx) in sorted(results.items()):
        total = stages["dbt_staging"].seconds + stages["gx"].seconds + stages["dbt_marts"].seconds
        dbt_peak = max(stages["dbt_staging"].peak_rss_mib, stages["dbt_marts"].peak_rss_mib)
        lines.append(
            f"{n:>8} {counts['cells']:>11,} {counts['check_inputs']:>10,} {stages['baseline'].seconds:>10.2f} "
            f"{stages['dbt_staging'].seconds:>9.1f} {stages['gx'].seconds:>8.1f} {stages['dbt_marts'].seconds:>11.1f} "
            f"{total:>8.1f} {total / stages['baseline'].seconds:>7.0f} "
            f"{dbt_peak:>7.0f}/{stages['gx'].peak_rss_mib:<8.0f} {1000 * total / n:>8.2f}"
        )
        previous = (n, total)
    lines.append("")
    sizes = sorted(results)
    for a, b in itertools.pairwise(sizes):
        ta = sum(results[a][1][s].seconds for s in ("dbt_staging", "gx", "dbt_marts"))
        tb = sum(results[b][1][s].seconds for s in ("dbt_staging", "gx", "dbt_marts"))
        per = {s: results[b][1][s].seconds / results[a][1][s].seconds for s in ("dbt_staging", "gx", "dbt_marts")}
        lines.append(
            f"growth {a:,} -> {b:,} reports (x{b / a:.0f}): total x{tb / ta:.1f} "
            f"(dbt staging x{per['dbt_staging']:.1f}, GX x{per['gx']:.1f}, dbt marts x{per['dbt_marts']:.1f})"
        )
    if previous:
        n, total = previous
        counts, stages, gx = results[n]
        peak_gib = max(s.peak_rss_mib for k, s in stages.items() if k != "baseline") / 1024
        lines.append(
            f"largest ({n:,} reports): {total:.0f} s (target <= {TARGET_SECONDS:.0f} s: "
            f"{'met' if total <= TARGET_SECONDS else 'MISSED'}), peak RSS {peak_gib:.2f} GiB "
            f"(target <= {TARGET_RSS_GIB:.0f} GiB: {'met' if peak_gib <= TARGET_RSS_GIB else 'MISSED'}); "
            f"{gx}"
        )
        incremental = [stage for stage in stages.values() if stage.name.endswith(" new") or stage.name == NEXT_DAY]
        lines += [
            f"incremental transform at {n:,} reports, {stage.name}: {stage.seconds:.1f} s, "
            f"peak RSS {stage.peak_rss_mib / 1024:.2f} GiB (target <= {target:.0f} s at <= {TARGET_RSS_GIB:.0f} GiB: "
            f"{'met' if stage.seconds <= target and stage.peak_rss_mib / 1024 <= TARGET_RSS_GIB else 'MISSED'})"
            for stage in incremental
            for target in [TARGET_NOTHING_NEW_SECONDS if stage.name in NOTHING_NEW else TARGET_NEW_SECONDS]
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.warehouse_scale",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="comma-separated numbers of reports (default 1000,10000,100000)",
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="at the largest size, run GX and the marts build this many times (later runs "
        "with new run ids, as daily runs would) and print each",
    )
    parser.add_argument(
        "--incremental",
        type=int,
        default=0,
        metavar="N",
        help="at the largest size, then time the incremental transform with nothing new and with N new "
        "reports, and check its marts against a full refresh",
    )
    parser.add_argument(
        "--revalidate",
        action="store_true",
        help="at the largest size, last, time GX with every check input new to it over the stored results",
    )
    parser.add_argument("--keep", type=Path, help="keep the warehouses and logs here (default: a temp folder)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results = {}
    with work_folder(args.keep, "bench-warehouse-") as folder:
        for n in sizes:
            largest = n == max(sizes)
            results[n] = measure(
                n,
                folder,
                args.repeat if largest else 1,
                args.incremental if largest else 0,
                args.revalidate and largest,
            )
            counts, stages, gx = results[n]
            print(
                f"# {n} reports: synthesised in {counts['synthesis_seconds']} s; "
                + ", ".join(f"{s.name} {s.seconds:.1f} s / {s.peak_rss_mib:.0f} MiB" for s in stages.values())
                + f"; {gx}",
                flush=True,
            )
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
