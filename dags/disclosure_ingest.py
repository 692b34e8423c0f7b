"""
### disclosure_ingest

Reads the annual disclosure reports in the input folder into the `raw` schema
of the warehouse. Daily; also run by `disclosure run` (`airflow dags test`).

`discover` lists the documents (`DISCLOSURE_INPUT_DIR`) -> `parse` runs once
per document (dynamic task mapping; the task is named after the file) and
writes `$DISCLOSURE_PARSED_DIR/<sha256>-<parser_version>.json` -> `load`
writes the parse results into `raw` (pool `warehouse`, one slot: DuckDB has
one writer) and updates the Asset `disclosure://warehouse/raw`, which
schedules `disclosure_transform` -> `summarize` logs what the run did.

**Reads** the input folder. **Writes** the landing zone (documents by sha256),
the parse results, and `raw.documents`, `raw.reports`, `raw.cells`,
`raw.narrative_facts`, `raw.parse_issues` (idempotent on sha256 and parser
version).

#### Params (backfill one agency or one year)

| param | type | default | meaning |
|---|---|---|---|
| `agency` | string or null | null | load only reports whose parsed agency name contains this text (`静乐县`) |
| `year` | integer 2008-2100 or null | null | load only reports of this year |

Both null (the schedule, `disclosure run`): every document. Which agency and
year a file holds is known only after parsing it, so every document is still
parsed (or its earlier result reused) and the filter is applied before `load`:
a parse task logs `not in this backfill` for a document it leaves out. A
filter that matches no document fails `load` (a typo should not look like a
success). Trigger with params in the UI ("Trigger DAG" form) or the REST API
(README, "REST API"): `{"conf": {"agency": "静乐县", "year": 2020}}`.
`disclosure_transform` then rebuilds the marts over the whole warehouse.

#### When it fails

* A document whose parse task fails (after its retries) fails only its own
  mapped task: `load` still loads every parse result that exists, and the run
  is marked failed by `summarize` so that the failure is not lost. Open the
  failed `parse [<file name>]` task's log: it names the document and the
  step; `disclosure parse <file>` reproduces it outside Airflow.
* `discover` fails without retries when `DISCLOSURE_INPUT_DIR` does not exist.
* `load` waits on the `warehouse` pool: a load stuck in "queued" means
  another task holds the DuckDB file (see Admin > Pools).
* Re-running is cheap and adds nothing: a document already parsed by this
  parser version is not parsed again, one already loaded is not loaded again;
  clearing a failed task and re-running it is always safe.
* A parser crash inside one document is data, not a task failure: the
  document is loaded with status `failed` and a `parser.crash` parse issue.

Owner: data engineering. Code: `extractors.discover`, `extractors.parse_task`,
`extractors.backfill`, `extractors.load`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from _assets import RAW_WAREHOUSE
from _callbacks import DEFAULT_ARGS
from airflow.sdk import Param, dag, get_current_context, task
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
    params={
        "agency": Param(
            None, type=["null", "string"], minLength=1, maxLength=200, title="Agency (backfill)",
            description="Load only reports whose parsed agency name contains this text, e.g. 静乐县. "
                        "Empty: every agency.",
        ),
        "year": Param(
            None, type=["null", "integer"], minimum=2008, maximum=2100, title="Report year (backfill)",
            description="Load only reports of this year (2008-2100). Empty: every year.",
        ),
    },
)
def disclosure_ingest() -> None:
    @task(doc_md="List every document in `DISCLOSURE_INPUT_DIR` (absolute paths, sorted; hidden files "
                 "skipped). Reads only the folder listing. Fails without retries when the folder does not "
                 "exist: set `DISCLOSURE_INPUT_DIR`. The backfill params are applied after parsing.")
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
            "Parse one document (the mapped task is named after its file) into "
            "`$DISCLOSURE_PARSED_DIR/<sha256>-<parser_version>.json`, after copying it to the landing "
            "zone; skipped (cheap) when this parser version already parsed it. Runs the parser in a "
            "child process with time and memory limits. Marks the document `selected` when it matches "
            "the backfill params. Returns `document, sha256, status, parsed_path, skipped, agency, year, "
            "selected`. On failure: the log names the file; reproduce with `disclosure parse <file>`."
        ),
    )
    def parse(path: str) -> dict[str, Any]:
        import logging
        from pathlib import Path

        from extractors.backfill import Backfill
        from extractors.parse_task import parse_to_file
        from extractors.settings import Settings

        context = get_current_context()
        context["document_name"] = Path(path).name  # type: ignore[typeddict-unknown-key]
        outcome = parse_to_file(path, Settings.from_env())
        backfill = Backfill.from_params(context["params"])
        outcome["selected"] = backfill.matches(outcome.get("agency"), outcome.get("year"))
        if not outcome["selected"]:
            logging.getLogger("disclosure.dags").info(
                "%s: %s %s is not in this backfill (%s); not loaded", outcome["document"],
                outcome.get("agency"), outcome.get("year"), backfill.describe(),
            )
        return outcome

    @task(
        pool=WAREHOUSE_POOL,
        pool_slots=1,
        outlets=[RAW_WAREHOUSE],
        # Runs once every parse task is done and at least one succeeded: a failed
        # document must not keep the others out of the warehouse.
        trigger_rule="all_done_min_one_success",
        doc_md=(
            "Load the parse results that exist and are selected by the backfill params into `raw` "
            "(one transaction per document, idempotent on sha256 and parser version). Pool `warehouse`. "
            "Updates the Asset `disclosure://warehouse/raw`, which triggers `disclosure_transform`. "
            "Skipped when no parse result exists; fails when a backfill filter matches no document. "
            "Stuck in queued: another task holds the `warehouse` pool slot."
        ),
    )
    def load(outcomes: Any) -> dict[str, int]:
        from extractors.backfill import Backfill
        from extractors.load import load_parsed
        from extractors.settings import Settings

        existing = _existing(outcomes)
        paths = [o["parsed_path"] for o in existing if o.get("parsed_path") and o.get("selected", True)]
        if not paths:
            backfill = Backfill.from_params(get_current_context()["params"])
            if existing and backfill.active:
                raise AirflowFailException(f"no document matches the {backfill.describe()}")
            raise AirflowSkipException("no parse results to load")
        return load_parsed(Settings.from_env(), paths)

    @task(
        doc_md=(
            "Log what the run did (documents per status, parsed vs skipped, left out by the backfill, "
            "rows loaded). Writes nothing. Runs only when every parse task and the load succeeded, so "
            "a failed document marks the run failed (look for the failed `parse` task)."
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
            "not_selected": sum(not o.get("selected", True) for o in outcomes),
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
        if summary["not_selected"]:
            from extractors.backfill import Backfill

            log.info("%s: %d documents left out", Backfill.from_params(get_current_context()["params"]).describe(),
                     summary["not_selected"])
        for o in outcomes:
            if o["status"] != "parsed":
                log.warning("%s: status %s (sha256 %s)", o["document"], o["status"], o["sha256"])
        return summary

    documents = discover()
    outcomes = parse.expand(path=documents)
    loaded = load(outcomes)
    summarize(documents, outcomes, loaded)


disclosure_ingest()
