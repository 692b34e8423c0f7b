"""Run the identity suites on `intermediate.int_check_inputs` and store row-level results.

Flow of `run_identity_checks(settings, run_id)`:

1. read the inputs from DuckDB into pandas (GX cannot validate DuckDB through
   SQLAlchemy) and round both sides to 0.01, the documented tolerance for
   amounts in 万元 (counts are integers, so rounding leaves them exact);
2. run every suite of `expectations.suites` as one GX Checkpoint over the
   DataFrame; its `UpdateDataDocsAction` writes the data docs site into
   `settings.gx_docs_dir`;
3. turn GX's `unexpected_index_list` into one status per input row: `failed`
   for the rows GX reports, `not_evaluable` where an input is absent (GX skips
   those rows), `passed` otherwise;
4. replace the rows of this `run_id` in `raw.check_results` in one transaction
   (re-running a run_id changes nothing).

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

from expectations.context import data_context, data_docs_index, import_gx
from expectations.identities import IDENTITIES, IDENTITY_BY_ID
from expectations.suites import build_suites
from extractors.settings import Settings
from extractors.warehouse import connect, read_frame

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

INPUTS_RELATION = "intermediate.int_check_inputs"
KEY_COLUMNS = ("report_id", "check_id", "subject")
INPUT_COLUMNS = (*KEY_COLUMNS, "expected", "observed")
RESULT_COLUMNS = (
    "run_id", "report_id", "check_id", "subject", "expected", "observed",
    "difference", "severity", "status", "validated_at",
)
TOLERANCE_DECIMALS = 2  # 0.01 万元; integer identities stay exact

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


def run_identity_checks(settings: Settings, run_id: str) -> CheckSummary:
    """Validate the identity inputs with GX, store row-level results and build the data docs."""
    validated_at = datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC
    inputs = prepare_inputs(load_inputs(settings))
    log.info("run %s: %d identity input rows from %s", run_id, len(inputs), INPUTS_RELATION)

    unexpected = validate_inputs(settings, inputs, run_id, validated_at)
    results = row_results(inputs, unexpected, run_id, validated_at)
    write_results(settings, run_id, results)

    _log_per_identity(run_id, results)
    counts = results["status"].value_counts()
    failed_rows = results[results["status"] == FAILED]
    summary = CheckSummary(
        run_id=run_id,
        passed=int(counts.get(PASSED, 0)),
        failed=int(counts.get(FAILED, 0)),
        not_evaluable=int(counts.get(NOT_EVALUABLE, 0)),
        failures=[_plain(row) for row in failed_rows[list(FAILURE_FIELDS)].to_dict("records")],
        data_docs_index=data_docs_index(settings),
    )
    log.info(
        "run %s: %d passed, %d failed (%d of severity error), %d not evaluable; GX data docs %s",
        run_id, summary.passed, summary.failed, len(summary.error_failures),
        summary.not_evaluable, summary.data_docs_index,
    )
    return summary


def load_inputs(settings: Settings) -> pd.DataFrame:
    """Read `intermediate.int_check_inputs`; a clear error if dbt has not built it yet."""
    import duckdb

    sql = f"select {', '.join(INPUT_COLUMNS)} from {INPUTS_RELATION} order by check_id, report_id, subject"
    try:
        return read_frame(settings, sql)
    except duckdb.CatalogException as exc:
        raise RuntimeError(
            f"{INPUTS_RELATION} is missing in {settings.warehouse_path}: "
            "run `dbt build --select staging intermediate` first"
        ) from exc


def prepare_inputs(frame: pd.DataFrame) -> pd.DataFrame:
    """Check the input contract and round both sides to the documented tolerance."""
    missing = [c for c in INPUT_COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{INPUTS_RELATION} lacks columns {missing}")
    frame = frame.loc[:, list(INPUT_COLUMNS)].reset_index(drop=True)

    unknown = sorted(set(frame["check_id"]) - IDENTITY_BY_ID.keys())
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
    settings: Settings, inputs: pd.DataFrame, run_id: str, validated_at: datetime
) -> dict[str, set[Key]]:
    """Run every suite as one GX Checkpoint; return the unexpected row keys per check id.

    The checkpoint's UpdateDataDocsAction builds the data docs site in
    `settings.gx_docs_dir`.
    """
    gx = import_gx()
    context = data_context(settings)
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
            actions=[gx.checkpoint.UpdateDataDocsAction(name="update_data_docs")],
            result_format={
                "result_format": "COMPLETE",
                "unexpected_index_column_names": list(KEY_COLUMNS),
            },
        )
    )
    result = checkpoint.run(
        batch_parameters={"dataframe": inputs},
        run_id=gx.RunIdentifier(run_name=run_id, run_time=validated_at.replace(tzinfo=UTC)),
    )

    unexpected: dict[str, set[Key]] = {identity.check_id: set() for identity in IDENTITIES}
    for validation in result.run_results.values():
        for expectation_result in validation.results:
            check_id = expectation_result.expectation_config.meta["check_id"]
            _raise_on_exception(check_id, expectation_result.exception_info)
            rows = expectation_result.result.get("unexpected_index_list") or []
            unexpected[check_id] = {tuple(str(row[c]) for c in KEY_COLUMNS) for row in rows}
    return unexpected


def row_results(
    inputs: pd.DataFrame, unexpected: dict[str, set[Key]], run_id: str, validated_at: datetime
) -> pd.DataFrame:
    """One `raw.check_results` row per input row: failed where GX said so, else passed or not evaluable."""
    import pandas as pd

    results = inputs.copy()
    keys = list(zip(*(results[c].astype(str) for c in KEY_COLUMNS), strict=True))
    flagged = [key in unexpected.get(key[1], ()) for key in keys]
    absent = results["expected"].isna() | results["observed"].isna()

    unknown = set().union(*unexpected.values()) - set(keys)
    if unknown:
        raise RuntimeError(f"GX reported rows that are not in the inputs: {sorted(unknown)[:5]}")

    results["status"] = PASSED
    results.loc[pd.Series(flagged, index=results.index, dtype=bool), "status"] = FAILED
    results.loc[absent, "status"] = NOT_EVALUABLE
    results["difference"] = (results["observed"] - results["expected"]).round(TOLERANCE_DECIMALS)
    results["severity"] = results["check_id"].map(lambda c: IDENTITY_BY_ID[c].severity)
    results["run_id"] = run_id
    results["validated_at"] = validated_at
    return results.loc[:, list(RESULT_COLUMNS)]


def write_results(settings: Settings, run_id: str, results: pd.DataFrame) -> None:
    """Replace this run's rows of raw.check_results in one transaction."""
    columns = ", ".join(RESULT_COLUMNS)
    with connect(settings) as conn:
        conn.begin()
        try:
            conn.execute("delete from raw.check_results where run_id = ?", [run_id])
            conn.register("check_results_frame", results)
            conn.execute(f"insert into raw.check_results ({columns}) select {columns} from check_results_frame")
            conn.unregister("check_results_frame")
            conn.commit()
        except Exception:
            conn.rollback()
            raise
    log.info("run %s: wrote %d rows to raw.check_results", run_id, len(results))


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
            run_id, identity.check_id, total, int(row.get(FAILED, 0)),
            int(row.get(NOT_EVALUABLE, 0)), identity.severity,
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
