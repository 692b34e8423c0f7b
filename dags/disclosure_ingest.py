"""
### disclosure_ingest

Reads the annual disclosure reports in the input folder into the `raw` schema
of the warehouse.

`discover` lists the documents (`DISCLOSURE_INPUT_DIR`) -> `parse` runs once
per document (dynamic task mapping; the task is named after the file) and
writes `$DISCLOSURE_PARSED_DIR/<sha256>-<parser_version>.json` -> `load`
writes the parse results into `raw` (pool `warehouse`, one slot: DuckDB has
one writer) and updates the Asset `disclosure://warehouse/raw`, which
schedules `disclosure_transform` -> `summarize` logs what the run did.

* A document whose parse task fails (after its retries) fails only its own
  mapped task: `load` still loads every parse result that exists, and the run
  is marked failed by `summarize` so that the failure is not lost.
* Re-running is cheap and adds nothing: a document already parsed by this
  parser version is not parsed again, one already loaded is not loaded again.
* A parser crash inside one document is data, not a task failure: the
  document is loaded with status `failed` and a `parser.crash` parse issue.

Owner: data engineering. Code: `extractors.discover`, `extractors.parse_task`,
`extractors.load`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from _assets import RAW_WAREHOUSE
from _callbacks import DEFAULT_ARGS
from airflow.sdk import dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

WAREHOUSE_POOL = "warehouse"


def _existing(outcomes: Any) -> list[dict[str, Any]]:
    """The parse results that exist: a failed mapped task leaves no result behind.

    A slice fetches them in one request and, unlike iteration, does not probe
    (and log an error) past the last one.
    """
    return [o for o in outcomes[:] if o]


@dag(
    dag_id="disclosure_ingest",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    doc_md=__doc__,
    tags=["disclosure", "extract"],
)
def disclosure_ingest() -> None:
    @task(doc_md="List every document in `DISCLOSURE_INPUT_DIR` (absolute paths, sorted); fails "
                 "without retries when the folder does not exist.")
    def discover() -> list[str]:
        from extractors.discover import discover_documents
        from extractors.settings import Settings

        try:
            return discover_documents(Settings.from_env())
        except FileNotFoundError as exc:  # a misconfiguration: retrying cannot help
            raise AirflowFailException(str(exc)) from exc

    @task(
        map_index_template="{{ document_name }}",
        doc_md=(
            "Parse one document into its JSON hand-off file; skipped (cheap) when this parser "
            "version already parsed it. Returns `document, sha256, status, parsed_path, skipped`."
        ),
    )
    def parse(path: str) -> dict[str, Any]:
        from pathlib import Path

        from extractors.parse_task import parse_to_file
        from extractors.settings import Settings

        get_current_context()["document_name"] = Path(path).name  # type: ignore[typeddict-unknown-key]
        return parse_to_file(path, Settings.from_env())

    @task(
        pool=WAREHOUSE_POOL,
        pool_slots=1,
        outlets=[RAW_WAREHOUSE],
        # Runs once every parse task is done and at least one succeeded: a failed
        # document must not keep the others out of the warehouse.
        trigger_rule="all_done_min_one_success",
        doc_md=(
            "Load the parse results that exist into `raw` (one transaction per document, "
            "idempotent on sha256 and parser version). Pool `warehouse`. Updates the Asset "
            "`disclosure://warehouse/raw`."
        ),
    )
    def load(outcomes: Any) -> dict[str, int]:
        from extractors.load import load_parsed
        from extractors.settings import Settings

        paths = [o["parsed_path"] for o in _existing(outcomes) if o.get("parsed_path")]
        if not paths:
            raise AirflowSkipException("no parse results to load")
        return load_parsed(Settings.from_env(), paths)

    @task(
        doc_md=(
            "Log what the run did (documents per status, parsed vs skipped, rows loaded). "
            "Runs only when every parse task and the load succeeded, so a failed document "
            "marks the run failed."
        ),
    )
    def summarize(documents: list[str], outcomes: Any, loaded: dict[str, int]) -> dict[str, Any]:
        import logging
        from collections import Counter

        log = logging.getLogger("disclosure.dags")
        outcomes = _existing(outcomes)
        statuses = Counter(o["status"] for o in outcomes)
        summary = {
            "documents": len(documents),
            "parsed": sum(not o["skipped"] for o in outcomes),
            "parse_skipped": sum(bool(o["skipped"]) for o in outcomes),
            "statuses": dict(statuses),
            **loaded,
        }
        log.info(
            "ingest: %d documents; %d parsed, %d already parsed; %d loaded, %d already loaded, %d cells; "
            "status %s",
            summary["documents"], summary["parsed"], summary["parse_skipped"],
            summary.get("documents_loaded", 0), summary.get("documents_skipped", 0),
            summary.get("cells_loaded", 0), ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())),
        )
        for o in outcomes:
            if o["status"] != "parsed":
                log.warning("%s: status %s (sha256 %s)", o["document"], o["status"], o["sha256"])
        return summary

    documents = discover()
    outcomes = parse.expand(path=documents)
    loaded = load(outcomes)
    summarize(documents, outcomes, loaded)


disclosure_ingest()
