"""Run the identity suites on `intermediate.int_check_inputs` and store row-level results.

Flow of `run_identity_checks(config, run_id)`:

1. read the inputs that dbt built since the last validation (`built_at`
   after the latest `last_seen_at` in `raw.check_results`: the rows of the
   reports loaded or re-parsed since, the cross-report rows of their
   agency-years and the `report.on_time` rows that changed; all of them after a
   `--full-refresh` or on the first run) from the warehouse into pandas (GX
   cannot validate DuckDB through SQLAlchemy) and round both sides to 0.01,
   the documented tolerance for amounts in 万元 (counts are integers, so
   rounding leaves them exact);
2. run every suite of `expectations.suites` as one GX Checkpoint over the
   DataFrame, then build the data docs of this run's validations (and the
   index) into `config.docs_dir`, whose CDN links then point at vendored
   copies (`expectations.offline_docs`); no input row (once the docs
   exist): no GX at all;
3. turn GX's `unexpected_index_list` into one status per input row: `failed`
   for the rows GX reports, `not_evaluable` where an input is absent (GX skips
   those rows, and the row says why in `note`), `passed` otherwise;
4. store the results as changes in `raw.check_results`, in one transaction: a
   row for each (report, check, subject) whose result is new or differs from
   its latest stored row; an unchanged result only moves that row's
   `last_seen_run`. A run with nothing new adds no row; re-running a run_id
   first removes the rows that run added. The results of reports this run
   did not read stay as they are: each report's latest run speaks for it
   (`int_check_history.is_current`). How: `expectations.stored_results`.

This module never raises on failed checks: a failed check is data. The caller
(the DAG) decides what a failure means from `CheckSummary`.
"""

from __future__ import annotations

import logging
import math
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from expectations.context import (
    DOCS_SITE_NAME,
    ChecksConfig,
    data_context,
    data_docs_index,
    data_docs_pages,
    import_gx,
    write_data_docs_pages,
)
from expectations.identities import IDENTITIES, IDENTITY_BY_ID
from expectations.offline_docs import localize_site
from expectations.stored_results import KEY_COLUMNS, RESULT_COLUMNS, write_results
from expectations.suites import SUITE_PREFIX, build_suites
from warehouse.connection import connect, describe, missing_relation_errors, read_frame
from warehouse.transform_plan import NOTHING, TransformPlan

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

log = logging.getLogger(__name__)

INPUTS_RELATION = "intermediate.int_check_inputs"
INPUT_COLUMNS = (*KEY_COLUMNS, "expected", "observed", "note")
# Where the inputs say nothing, why a row could not be evaluated.
ABSENT_NOTES = {
    (True, True): "both sides absent",
    (True, False): "expected side absent (an input the identity needs is missing)",
    (False, True): "observed side absent (the cell or figure compared is missing)",
}
TOLERANCE_DECIMALS = 2  # 0.01 万元; integer identities stay exact
# report_id is hex (the first 16 digits of the document's sha256): read the inputs in slices by its first digit.
REPORT_ID_SLICES = tuple("0123456789abcdef")

# Every unexpected row's key (as lists per key column: `exclude_unexpected_values`), but neither the
# values nor a query string per row: at 100,000 reports, 150,000 failed rows cost GX more than
# the validation itself (a dict per row, deep-copied and serialised when the result is stored).
RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "unexpected_index_column_names": list(KEY_COLUMNS),
    "exclude_unexpected_values": True,
    "return_unexpected_index_query": False,
    "partial_unexpected_count": 0,
}

PASSED, FAILED, NOT_EVALUABLE = "passed", "failed", "not_evaluable"

Key = tuple[str, str, str]


@dataclass(frozen=True)
class CheckSummary:
    """What one run found; `failures` holds one dict per failed row (see FAILURE_FIELDS)."""

    run_id: str
    passed: int
    failed: int
    not_evaluable: int
    failures: list[dict[str, Any]] = field(default_factory=list)
    data_docs_index: Path | None = None
    # table group -> data docs page (file:// URL) of its validation in this run
    data_docs_pages: dict[str, str] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.not_evaluable

    @property
    def error_failures(self) -> list[dict[str, Any]]:
        """Failed rows of severity `error`: the ones that page the on-call engineer."""
        return [f for f in self.failures if f["severity"] == "error"]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable form (for an Airflow XCom)."""
        summary = asdict(self)
        summary["data_docs_index"] = str(self.data_docs_index) if self.data_docs_index else None
        return summary


FAILURE_FIELDS = ("report_id", "check_id", "subject", "expected", "observed", "difference", "severity")


def run_identity_checks(config: ChecksConfig, run_id: str) -> CheckSummary:
    """Validate the identity inputs with GX, store row-level results and build the data docs."""
    validated_at = datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC
    since = last_validated_at(config, run_id)
    inputs = prepare_inputs(load_inputs(config, since))
    log.info(
        "run %s: %d identity input rows from %s, built since %s",
        run_id,
        len(inputs),
        INPUTS_RELATION,
        since or "ever (first validation)",
    )
    if not len(inputs) and data_docs_index(config).is_file():  # no GX start-up, docs rebuild or row stored
        log.info("run %s: no identity input row to validate; the stored results and data docs stand", run_id)
        return CheckSummary(run_id, 0, 0, 0, data_docs_index=data_docs_index(config))

    unexpected = validate_inputs(config, inputs, run_id, validated_at)
    log.info("run %s: GX found %d unexpected rows", run_id, sum(map(len, unexpected.values())))
    results = row_results(inputs, unexpected)
    with connect(config.warehouse) as conn:
        write_results(conn, run_id, validated_at, results)

    _log_per_identity(run_id, results)
    counts = results["status"].value_counts()
    failed_rows = results[results["status"] == FAILED]
    summary = CheckSummary(
        run_id=run_id,
        passed=int(counts.get(PASSED, 0)),
        failed=int(counts.get(FAILED, 0)),
        not_evaluable=int(counts.get(NOT_EVALUABLE, 0)),
        failures=[_plain(row) for row in failed_rows[list(FAILURE_FIELDS)].to_dict("records")],
        data_docs_index=data_docs_index(config),
        data_docs_pages=data_docs_pages(config, run_id),
    )
    log.info(
        "run %s: %d passed, %d failed (%d of severity error), %d not evaluable; GX data docs %s",
        run_id,
        summary.passed,
        summary.failed,
        len(summary.error_failures),
        summary.not_evaluable,
        summary.data_docs_index,
    )
    return summary


def run_planned_checks(config: ChecksConfig, run_id: str, plan: TransformPlan) -> CheckSummary:
    """The transform DAG's identity_checks: `run_identity_checks` unless the run's plan has nothing to do."""
    if plan.scope == NOTHING:
        log.info("run %s: no identity check (transform scope %s: %s)", run_id, plan.scope, plan.reason)
        return CheckSummary(run_id, 0, 0, 0, data_docs_index=data_docs_index(config))
    return run_identity_checks(config, run_id)


def last_validated_at(config: ChecksConfig, run_id: str) -> datetime | None:
    """When the latest validation run before `run_id` started (None before the first): inputs built after it are new.

    Not `run_id` itself: a retried run reads again what its first attempt read.
    """
    with connect(config.warehouse) as conn:
        (latest,) = conn.execute(
            "select max(last_seen_at) from raw.check_results where last_seen_run <> ?", [run_id]
        ).fetchone()
    return latest


def load_inputs(config: ChecksConfig, since: datetime | None = None) -> pd.DataFrame:
    """Read `intermediate.int_check_inputs` (the rows built after `since`); a clear error if dbt has not built it.

    Read in slices by the first digit of report_id (hex), each slice's key
    columns turned into pandas categoricals before the next is read: at
    100,000 reports (13 million rows, mostly `values.valid`) plain object
    columns would take several GiB (bench/warehouse_scale.py).
    """
    import pandas as pd

    built = [] if since is None else [since]
    select = f"select {', '.join(INPUT_COLUMNS)} from {INPUTS_RELATION} where {'built_at > ? and ' * len(built)}"
    marks = ", ".join("?" * len(REPORT_ID_SLICES))
    queries = [(f"{select} substr(report_id, 1, 1) = ?", [*built, prefix]) for prefix in REPORT_ID_SLICES]
    # ... and whatever does not start with a lowercase hex digit (test ids, say), so nothing is left out
    queries.append((f"{select} substr(report_id, 1, 1) not in ({marks})", [*built, *REPORT_ID_SLICES]))
    slices: list[pd.DataFrame] = []
    try:
        for sql, params in queries:
            part = read_frame(config.warehouse, sql, params)
            # note as string first: a slice without any note would otherwise get other category dtypes
            part["note"] = part["note"].astype("string")
            slices.append(part.astype({c: "category" for c in (*KEY_COLUMNS, "note")}))
    except missing_relation_errors() as exc:
        raise RuntimeError(
            f"{INPUTS_RELATION} is missing in {describe(config.warehouse)}: "
            "run `dbt build --select staging intermediate` first"
        ) from exc
    slices = [part for part in slices if len(part)] or slices[:1]
    frame = pd.DataFrame(
        {
            **{
                c: pd.api.types.union_categoricals([part[c] for part in slices], sort_categories=True)
                for c in (*KEY_COLUMNS, "note")
            },
            **{
                c: pd.concat([part[c] for part in slices], ignore_index=True).astype("float64")
                for c in ("expected", "observed")
            },
        }
    )
    # The order of one unsliced read (categories are sorted, so this is text order).
    return frame.sort_values(["check_id", "report_id", "subject"], ignore_index=True)


def prepare_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the input contract and round both sides to the documented tolerance."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{INPUTS_RELATION} lacks columns {missing}")
    frame = frame.loc[:, list(INPUT_COLUMNS)].reset_index(drop=True)

    unknown = sorted(set(frame["check_id"].astype(str).unique()) - IDENTITY_BY_ID.keys())
    if unknown:
        raise ValueError(f"{INPUTS_RELATION} has check ids not in expectations/identities.py: {unknown}")
    duplicated = frame.duplicated(list(KEY_COLUMNS), keep=False)
    if duplicated.any():
        sample = frame.loc[duplicated, list(KEY_COLUMNS)].head(5).to_dict("records")
        raise ValueError(f"{INPUTS_RELATION} repeats (report_id, check_id, subject), e.g. {sample}")

    for side in ("expected", "observed"):
        frame[side] = frame[side].astype("float64").round(TOLERANCE_DECIMALS)
    return frame


def validate_inputs(
    config: ChecksConfig, inputs: pd.DataFrame, run_id: str, validated_at: datetime
) -> dict[str, set[Key]]:
    """Run every suite as one GX Checkpoint; return the unexpected row keys per check id.

    Then one data docs build writes this run's pages and the index in
    `config.docs_dir` (then made offline by `localize_site`); the page of each validation (from its
    ValidationResultIdentifier) is recorded for the alerts
    (`expectations.context.data_docs_pages`).
    """
    gx = import_gx()
    from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

    context = data_context(config)
    batch = (
        context.data_sources.add_pandas("warehouse")
        .add_dataframe_asset("int_check_inputs")
        .add_batch_definition_whole_dataframe("all_rows")
    )
    definitions = []
    for table, suite in build_suites().items():
        suite = context.suites.add(suite)
        definitions.append(
            context.validation_definitions.add(
                gx.ValidationDefinition(name=f"int_check_inputs.{table}", data=batch, suite=suite)
            )
        )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="identity_checks",
            validation_definitions=definitions,
            result_format=RESULT_FORMAT,
        )
    )
    result = checkpoint.run(
        batch_parameters={"dataframe": gx_frame(inputs)},
        run_id=gx.RunIdentifier(run_name=run_id, run_time=validated_at.replace(tzinfo=UTC)),
    )
    # One docs build for the run's pages and the index, not UpdateDataDocsAction's one per suite: each
    # build rewrites the index over every validation stored (9 per run, 3 s each at 10,000 reports).
    context.build_data_docs(
        site_names=[DOCS_SITE_NAME],
        resource_identifiers=[
            *result.run_results,
            *(ExpectationSuiteIdentifier(name=v.suite_name) for v in result.run_results.values()),
        ],
    )

    pages: dict[str, str] = {}
    for identifier in result.run_results:
        suite = identifier.expectation_suite_identifier.name  # identities.<table>
        urls = context.get_docs_sites_urls(resource_identifier=identifier, site_name=DOCS_SITE_NAME)
        if urls and urls[0].get("site_url"):
            pages[suite.removeprefix(f"{SUITE_PREFIX}.")] = urls[0]["site_url"]
    write_data_docs_pages(config, run_id, pages)
    if outside := localize_site(config.docs_dir):
        log.warning("GX data docs still load %s from outside: vendor them (expectations/static/vendor)", outside)

    unexpected: dict[str, set[Key]] = {identity.check_id: set() for identity in IDENTITIES}
    for validation in result.run_results.values():
        for expectation_result in validation.results:
            check_id = expectation_result.expectation_config.meta["check_id"]
            _raise_on_exception(check_id, expectation_result.exception_info)
            for columns in expectation_result.result.get("unexpected_index_list") or []:
                unexpected[check_id] |= set(zip(*(map(str, columns[c]) for c in KEY_COLUMNS), strict=True))
    return unexpected


def gx_frame(inputs: pd.DataFrame) -> pd.DataFrame:
    """What GX reads: the two sides and check_id (the suites' row condition), keyed by a (report_id, check_id,
    subject) index, from which GX takes an unexpected row's key instead of reading it cell by cell.

    Only these columns: every expectation's row condition copies the rows of its check, and GX hashes the
    whole frame once per suite.
    """
    import pandas as pd

    index = pd.MultiIndex.from_frame(inputs[list(KEY_COLUMNS)])
    return inputs[["check_id", "expected", "observed"]].set_axis(index)


def row_results(inputs: pd.DataFrame, unexpected: dict[str, set[Key]]) -> pd.DataFrame:
    """One result per input row: failed where GX said so, else passed or not evaluable (with why)."""

    results = inputs.copy()
    flagged = flagged_rows(results, set().union(*unexpected.values()))
    absent = results["expected"].isna() | results["observed"].isna()
    results["status"] = PASSED
    results.loc[flagged, "status"] = FAILED
    results.loc[absent, "status"] = NOT_EVALUABLE
    results["note"] = results["note"].astype(object).where(results["note"].notna(), None)
    unexplained = absent & results["note"].isna()
    if unexplained.any():
        sides = zip(
            results.loc[unexplained, "expected"].isna(), results.loc[unexplained, "observed"].isna(), strict=True
        )
        results.loc[unexplained, "note"] = [ABSENT_NOTES[side] for side in sides]
    results["difference"] = (results["observed"] - results["expected"]).round(TOLERANCE_DECIMALS)
    results["severity"] = results["check_id"].map(lambda c: IDENTITY_BY_ID[c].severity)
    return results.loc[:, list(RESULT_COLUMNS)]


def flagged_rows(inputs: pd.DataFrame, keys: set[Key]) -> np.ndarray:
    """A mask of the input rows whose (report_id, check_id, subject) is one of `keys` (GX's unexpected rows).

    Vectorised on integer codes (a failure per report is common: 150,000 keys at 100,000 reports), not one
    tuple per input row: each key column's values become their position among the column's values, and the
    three positions one number.
    """
    import numpy as np

    row_numbers = np.zeros(len(inputs), dtype=np.int64)
    key_numbers = np.zeros(len(keys), dtype=np.int64)
    known = np.ones(len(keys), dtype=bool)
    for position, column in enumerate(KEY_COLUMNS):
        values = inputs[column].astype("category").cat
        wanted = values.categories.get_indexer([key[position] for key in keys])  # -1: not among the inputs
        known &= wanted >= 0
        width = len(values.categories)
        row_numbers = row_numbers * width + values.codes.to_numpy()
        key_numbers = key_numbers * width + wanted
    flagged = np.isin(row_numbers, key_numbers[known])
    if int(flagged.sum()) != len(keys):
        found = set(inputs.loc[flagged, list(KEY_COLUMNS)].astype(str).itertuples(index=False, name=None))
        raise RuntimeError(f"GX reported rows that are not in the inputs: {sorted(keys - found)[:5]}")
    return flagged


def _raise_on_exception(check_id: str, exception_info: dict | None) -> None:
    """GX reports an expectation that crashed as a failure; it is a program error, not data."""
    if not exception_info:
        return
    infos = [exception_info] if "raised_exception" in exception_info else list(exception_info.values())
    for info in infos:
        if isinstance(info, dict) and info.get("raised_exception"):
            raise RuntimeError(f"GX could not evaluate {check_id}: {info.get('exception_message')}")


def _log_per_identity(run_id: str, results: pd.DataFrame) -> None:
    by_check = results.groupby("check_id")["status"].value_counts().unstack(fill_value=0)
    for identity in IDENTITIES:
        row = by_check.loc[identity.check_id] if identity.check_id in by_check.index else {}
        total = sum(int(row.get(s, 0)) for s in (PASSED, FAILED, NOT_EVALUABLE))
        log.info(
            "run %s: %-22s %5d rows, %4d failed, %4d not evaluable (%s)",
            run_id,
            identity.check_id,
            total,
            int(row.get(FAILED, 0)),
            int(row.get(NOT_EVALUABLE, 0)),
            identity.severity,
        )


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """NaN -> None and numpy scalars -> Python, so that the failures serialise as JSON."""
    plain: dict[str, Any] = {}
    for key, value in row.items():
        if hasattr(value, "item"):
            value = value.item()
        if isinstance(value, float) and math.isnan(value):
            value = None
        plain[key] = value
    return plain
