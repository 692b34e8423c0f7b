"""
### disclosure_transform

Builds the warehouse models, checks the accounting identities, publishes the
read-only copy for BI and alerts the on-call engineer. Scheduled on the Asset
`disclosure://warehouse/raw`, i.e. after every `disclosure_ingest` run that
loaded a new document, or that found the marts not yet built today
(publication monitoring depends on the date too).

1. `dbt_build_staging` - first decides what the run has to do, from what
   the last successful transform was built from (`warehouse.transform_plan`:
   the raw tables' row counts and latest writes, the dbt code's fingerprint,
   the as-of date); the task log says which scope and why, and the other
   tasks receive it: `full` (param `full_refresh` / `disclosure run
   --full-refresh`, a new warehouse, or a changed dbt project: `dbt build
   --full-refresh`, unit tests included), `changed` (raw tables differ:
   incremental builds of what descends from them, without the dbt unit
   tests), `date` (only the date moved: the publication models; within one
   year, of the marts only `fct_publication` and `agg_agency_year`, built
   here as they read no check result), `nothing` (every stage logs why and
   returns). Then `dbt build` of the
   seeds, `staging` and `intermediate` (models and their dbt tests) as far as
   the scope asks. The per-report models are incremental: only the reports
   loaded or re-parsed since the last build (and the cross-report inputs of
   their agency-years) are recomputed, and their dbt tests read only those
   rows; the marts are the same either way.
   Publication monitoring is built here too: `int_publication` expects a
   report per agency and year of the registry snapshot `raw.sources`
   (nothing while it is empty) and judges it against its legal due date.
2. `identity_checks` - Great Expectations validates the rows of
   `intermediate.int_check_inputs` that dbt wrote since the last validation
   (the per-report identities of new or re-parsed reports, the cross-year
   `year.carry` of their agency-years, and `report.on_time` per expected
   agency-year); the results of the other reports stay as they are;
   row-level results go to `raw.check_results` under this run's `run_id`,
   data docs to `$DISCLOSURE_DOCS_DIR/gx`. Nothing at all when no row is new.
   A failed identity is data, not a task failure.
3. `dbt_build_marts` - `dbt build --select marts` as far as the scope asks,
   with what reads the check results when step 2 stored some (all below
   them after a report's; `fct_check_history` and `fct_check_results` only
   after `report.on_time` results alone; nothing, logged, after none)
   (`fct_check_results`, `dim_report.quality_status` read step 2's results;
   `fct_publication` shows found / on time / late / missing per agency and
   year). The cell-level facts (`fct_applications`, `fct_appeals`,
   `fct_disclosures`) are incremental like staging, the other marts rebuilt
   whole; with `--full-refresh` under the same conditions as step 1. Then it
   records the state the run was planned on (`raw.transform_code`). On the
   postgres target it then grants the read-only BI role
   (`DISCLOSURE_BI_ROLE`) SELECT on schema `marts` (`warehouse.bi_role`).
4. `dbt_docs` - `dbt docs generate` into `$DISCLOSURE_DOCS_DIR/dbt`.
5. `publish` - atomic copy of the DuckDB file to `DISCLOSURE_PUBLISHED_PATH`,
   the file BI tools open (read-only); nothing to do on Postgres, where BI
   reads the marts through the BI role.
6. `alert` - pages through Apprise (`DISCLOSURE_ALERT_URLS`; logged only
   when unset): one message per NEW or CHANGED failed check of severity
   `error` and one per RESOLVED one (state in `raw.alert_log`, keyed on
   agency, year, check and subject, so a corrected re-publication resolves
   the alert of the faulty version; an unchanged failure is not sent again).
   Then, at most once per UTC day, ONE digest of the failed `warning` checks
   (`DISCLOSURE_DIGEST_URLS`, default the alert URLs; `raw.alert_digests`),
   among them every report still missing after its due date (`report.on_time`).
   Fails only when a message cannot be delivered (the undelivered ones are
   sent again on the next run).

A task that fails for good alerts through the same route
(`TaskFailureNotifier`). A run going 30 min past the average duration of the
last 10 successful runs alerts too (`long_run_alert`: an Airflow deadline
alert under a scheduler, a check at the run's end under `airflow dags test`).

Every task that opens the DuckDB file uses pool `warehouse` (one slot):
DuckDB allows one writing process and no reader beside it. On Postgres the
pool may be widened (README "Server mode").

**Reads** `raw` (through dbt's staging models, the registry snapshot
`raw.sources` and `raw.fetch_attempts` included). **Writes** the schemas
`staging`, `intermediate`, `marts`, `seeds`, the row-level
`raw.check_results`, the GX data docs and dbt docs under
`$DISCLOSURE_DOCS_DIR`, and the published copy. The quality view of the UI
("Disclosure quality" in the navigation, `/disclosure/quality`) shows the
failed checks of the latest run per agency and year, linked to both docs.

#### When it fails

* `dbt_build_staging` / `dbt_build_marts`: the task log has dbt's output; a
  failing dbt test names the model and column. Reproduce with
  `dbt build --select <model>` in `dbt_project/` (profile from
  `warehouse.transform`). A failed identity check never fails these tasks.
* `identity_checks`: GX itself failed (not an identity: those are data).
  The log has the traceback; the warehouse is unchanged until it succeeds.
* A run that built less than expected: `dbt_build_staging`'s log line
  `transform scope <scope>: <reason> (raw inputs ..., as-of date ...)` shows
  what the decision compared; trigger with `full_refresh` to rebuild all.
* Anything queued for long waits on the one-slot `warehouse` pool.
* `alert`: an Apprise URL could not be reached; the failures are in
  `marts.fct_check_results` and the quality view meanwhile. Clear the task
  once the receiver is back: only what was not delivered is sent again.
  What a check id means and how to triage it: `docs/RUNBOOK.md`.
* Every task is safe to clear and re-run: dbt rebuilds, the check results
  are keyed on the run id, the publication replaces the copy atomically.

Owner: data engineering. Code: `warehouse.transform`, `warehouse.transform_plan`, `expectations.run_checks`,
`warehouse.publish`, `alerts.checks`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from _assets import RAW_WAREHOUSE
from _callbacks import DEFAULT_ARGS, long_run_alert
from airflow.sdk import Param, chain, dag, get_current_context, task

WAREHOUSE_POOL = "warehouse"
ALERT_TIMEOUT = timedelta(minutes=10)


@dag(
    dag_id="disclosure_transform",
    schedule=[RAW_WAREHOUSE],
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    **long_run_alert(timedelta(minutes=30)),
    doc_md=__doc__,
    tags=["disclosure", "transformation"],
    params={
        "full_refresh": Param(
            False,
            type="boolean",
            title="Full refresh",
            description="Rebuild the incremental models from scratch (dbt build --full-refresh) "
            "and validate every report again.",
        ),
    },
)
def disclosure_transform() -> None:
    @task(
        pool=WAREHOUSE_POOL,
        doc_md=(
            "Decides the run's scope (full / changed / date / nothing, and why: logged) from what raw, the "
            "dbt code and the as-of date were at the last successful transform (warehouse/transform_plan.py), "
            "then `dbt build --select resource_type:seed staging intermediate` as far as the scope asks "
            "(scope `date` within one year: and the date's marts; pool `warehouse`); `--full-refresh` when "
            "the param `full_refresh` is set or the dbt code changed. Returns the plan for the other tasks."
        ),
    )
    def dbt_build_staging() -> dict[str, Any]:
        from pipeline.settings import Settings
        from warehouse.transform import build_staging, plan_run

        dbt = Settings.from_env().dbt
        plan = plan_run(dbt, get_current_context()["params"]["full_refresh"])
        build_staging(dbt, plan)
        return plan.to_dict()

    @task(
        pool=WAREHOUSE_POOL,
        doc_md=(
            "Great Expectations identity suites over the rows of `intermediate.int_check_inputs` dbt wrote "
            "since the last validation; stores row-level results in `raw.check_results` under the Airflow "
            "run_id and builds the GX data docs. Nothing when the plan's scope is `nothing`. Returns the "
            "counts; never fails on a failed identity."
        ),
    )
    def identity_checks(plan: dict[str, Any]) -> dict[str, Any]:
        from expectations.run_checks import run_planned_checks
        from pipeline.settings import Settings
        from warehouse.transform_plan import TransformPlan

        run_id = get_current_context()["run_id"]
        summary = run_planned_checks(Settings.from_env().checks, run_id, TransformPlan.from_dict(plan))
        # Counts only: the failed rows are in raw.check_results, not in the XCom table.
        return {
            "run_id": run_id,
            "passed": summary.passed,
            "failed": summary.failed,
            "not_evaluable": summary.not_evaluable,
            "data_docs_index": str(summary.data_docs_index) if summary.data_docs_index else None,
        }

    @task(
        pool=WAREHOUSE_POOL,
        doc_md=(
            "`dbt build --select marts` as far as the plan's scope asks and GX stored results since the last "
            "transform (pool `warehouse`), with `--full-refresh` as `dbt_build_staging`; then records the "
            "state the run was planned on; on Postgres, SELECT on `marts` for the BI role."
        ),
    )
    def dbt_build_marts(plan: dict[str, Any]) -> None:
        from pipeline.settings import Settings
        from warehouse.bi_role import grant_bi_access
        from warehouse.transform import build_marts
        from warehouse.transform_plan import TransformPlan

        settings = Settings.from_env()
        build_marts(settings.dbt, TransformPlan.from_dict(plan))
        grant_bi_access(settings.warehouse)

    @task(pool=WAREHOUSE_POOL, doc_md="`dbt docs generate` into `$DISCLOSURE_DOCS_DIR/dbt` (reads the catalog).")
    def dbt_docs() -> str:
        from pipeline.settings import Settings
        from warehouse.transform import build_docs

        return str(build_docs(Settings.from_env().dbt))

    @task(
        pool=WAREHOUSE_POOL,
        doc_md="Copy the DuckDB file to `DISCLOSURE_PUBLISHED_PATH` atomically (temp file + rename).",
    )
    def publish() -> str:
        from pipeline.settings import Settings
        from warehouse.publish import publish_copy

        published = publish_copy(Settings.from_env().warehouse)  # None on Postgres: BI reads the marts
        return str(published) if published else ""

    @task(
        pool=WAREHOUSE_POOL,
        execution_timeout=ALERT_TIMEOUT,  # Apprise talks to outside services; one that hangs must not hold the pool
        doc_md=(
            "Page through Apprise (`DISCLOSURE_ALERT_URLS`; logged only when unset): one message per new "
            "or changed failed `error` check of this run and one per resolved one (state in "
            "`raw.alert_log`; unchanged failures are not sent again). Then at most one digest a day of the "
            "failed `warning` checks (`DISCLOSURE_DIGEST_URLS`). Fails only when a message is not delivered."
        ),
    )
    def alert() -> dict[str, int]:
        from alerts.checks import send_failure_alerts
        from alerts.delivery import AlertDeliveryError
        from alerts.digest import send_warning_digest
        from pipeline.settings import Settings

        settings, run_id = Settings.from_env(), get_current_context()["run_id"]
        problems: list[AlertDeliveryError] = []
        sent = digest = None
        try:
            sent = send_failure_alerts(settings.alerts, run_id=run_id)
        except AlertDeliveryError as exc:  # the digest still goes out; the task fails below
            problems.append(exc)
        try:
            digest = send_warning_digest(settings.alerts, run_id=run_id)
        except AlertDeliveryError as exc:
            problems.append(exc)
        if problems:
            raise AlertDeliveryError("; ".join(str(p) for p in problems))
        return {"alerts": len(sent or []), "digest_warnings": digest.n_failures if digest else 0}

    plan = dbt_build_staging()
    marts = dbt_build_marts(plan)
    chain(identity_checks(plan), marts)
    chain(marts, [dbt_docs(), publish()], alert())


disclosure_transform()
