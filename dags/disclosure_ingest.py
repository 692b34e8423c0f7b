"""
### disclosure_ingest

Fetches the annual disclosure reports of the registered sources and reads
them into the `raw` schema of the warehouse. Daily (catchup off); also run by
`disclosure run` (`airflow dags test`).

`discover` reads the source registry (`DISCLOSURE_REGISTRY`, default
`sources.yml`; `example: true` entries skipped) -> `fetch` runs once per
batch of `DISCLOSURE_FETCH_BATCH_SIZE` sources (default 10; dynamic task
mapping, named after the first entry: `静乐县 +9`): a web source's listing
pages are crawled every run, a report link never seen is fetched at once, and
a report already held is revalidated with a conditional request on its day of
the `DISCLOSURE_REVALIDATE_DAYS` cycle (default 7; `not_due`, its landed copy
reused, on the other days), a folder source's files are read; bytes land by sha256 -> `plan_parse` lists
the documents this parser version has not parsed yet, in batches of
`DISCLOSURE_PARSE_BATCH_SIZE` (default 20) -> `parse` runs once per batch
(named after its first file: `a.pdf +19`) and writes
`$DISCLOSURE_PARSED_DIR/<sha256>-<parser_version>.json` per document ->
`load` writes the fetch attempts to `raw.fetch_attempts` and every parse result not yet loaded
into `raw` (pool `warehouse`, one slot: DuckDB has one writer) -> `announce`
updates the Asset `disclosure://warehouse/raw`, which schedules
`disclosure_transform`, when a new document was loaded or the marts were not
built yet today (a same-day re-run with nothing new leaves the marts alone) ->
`summarize` logs the run per source and fails it if a document failed.

Why batches, and parse for changed documents only: a run where nothing
changed costs one 304 per web document due for revalidation and no parse
task at all. A task instance costs about 3 s of scheduling and process start
under the LocalExecutor, while a document parses in about 0.3 s and an unchanged
source is checked in well under a second, so a task per document would make
1,000 new documents take half an hour on two cores, and a task per source a
re-run of fifty sites over a minute (`bench/RESULTS.md`). Batch sizes of 1
give a task per source or per document.

**Reads** the registry, the sources' websites (politely: robots.txt, a
per-host rate limit, `DISCLOSURE_FETCH_OPTIONS`) and folders. **Writes** the
landing zone (documents by sha256, never overwritten), the conditional-request
state (`$DISCLOSURE_HOME/fetch_state`), the parse results, and
`raw.fetch_attempts` (a row per fetch attempt, listing pages included),
`raw.documents` (a row per document and parser version, with its
`source_url`), `raw.reports`, `raw.cells`, `raw.narrative_facts`,
`raw.parse_issues` (idempotent on sha256 and parser version).

The embedded default is the registry's folder source `bundled-samples`
(`data/samples`); `DISCLOSURE_INPUT_DIR`, when set, replaces that folder (the
registry must then hold exactly one folder source).

#### Params (backfill one agency or one year, or revalidate everything)

| param | type | default | meaning |
|---|---|---|---|
| `agency` | string or null | null | only sources (name, alias) and reports (parsed agency) containing this text |
| `year` | integer 2008-2100 or null | null | only report links of this year (or of none) and reports of this year |
| `revalidate` | boolean | false | ask for every known document this run, whatever its day of the revalidation cycle |

Both null (the schedule, `disclosure run`): every source and document. Folder
sources and links without a year are always read, since which agency and year
a file holds is known for sure only after parsing it; `load` matches every
parse result again and logs `not in this backfill` for those it leaves out. A
filter that matches no document fails `load` (a typo should not look like a
success). Trigger with params in the UI ("Trigger DAG" form) or the REST API
(README, "REST API"): `{"conf": {"agency": "静乐县", "year": 2020}}`.
`disclosure_transform` then rebuilds the marts over the whole warehouse.

#### When it fails

* A document that cannot be fetched (timeout or 5xx after retries, an HTTP
  error, cut off over the size cap) does not fail its source's `fetch` task:
  its attempt is in `raw.fetch_attempts` (`status`, `error` code such as
  `fetch.timeout`), the other documents go on, and `summarize` lists it and
  marks the run failed after everything else is loaded. A refusal by our own
  rules (`refused`: a private address; `robots_disallowed`) is listed as a
  warning only: fix the registry entry if the report is wanted.
* A document that cannot be read for parsing (its landed file missing,
  storage down) fails its batch's mapped task after the batch's other
  documents are parsed; the retry parses only what is missing. After the
  retries, `load` still loads every parse result that exists and
  `summarize` lists the batch and fails the run (so does a failed `fetch`
  task: its source's documents are missing, the other sources' are loaded).
  Open the failed `parse [<first file> +N]` task's log: it names the
  document and the error; `disclosure parse <landing path>` reproduces it
  outside Airflow.
* `discover` fails without retries on an invalid registry (the message names
  each bad entry and field), a folder that does not exist, or when no source
  is left to fetch (a backfill `agency` that matches no registry entry).
* `load` waits on the `warehouse` pool: a load stuck in "queued" means
  another task holds the DuckDB file (see Admin > Pools).
* Re-running is cheap and adds nothing: an unchanged document costs a 304 (no
  request at all when not due, or revalidated already today) and is not
  parsed again, one already loaded is not loaded again; a document landed
  and parsed by a run that stopped before `load` is loaded by the next
  run without fetching it again. Clearing a failed task is always safe.
* A parser crash inside one document is data, not a task failure: the
  document is loaded with status `failed` and a `parser.crash` parse issue.

Owner: data engineering. Code: `pipeline.discover`, `pipeline.fetch_step`
(with `extractors.fetch.discovery` and `extractors.fetch.fetcher`), `pipeline.ingest`,
`pipeline.parse_step`, `pipeline.backfill`, `warehouse.load`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from _assets import RAW_WAREHOUSE
from _callbacks import DEFAULT_ARGS, long_run_alert
from airflow.sdk import Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

WAREHOUSE_POOL = "warehouse"
# Upper bounds for the tasks that talk to the network or parse: a stuck exchange or child is
# stopped inside them (FetchConfig.total_timeout, extractors.limits), these catch what is not.
# A fetch batch: 10 sources, each at most MAX_REPORTS_PER_LISTING reports at one request a second.
FETCH_TIMEOUT = timedelta(hours=2)
# A parse batch: 20 documents at most 120 s each is 40 minutes.
PARSE_TIMEOUT = timedelta(hours=1)


def _flat(batches: Any) -> list[dict[str, Any]]:
    """The items of the mapped batch tasks that finished: per source fetch results, per document parse outcomes.

    A failed mapped task leaves no result behind. A slice fetches the results
    in one request and, unlike iteration, does not probe (and log an error)
    past the last one.
    """
    return [item for batch in batches[:] if batch for item in batch]


@dag(
    dag_id="disclosure_ingest",
    schedule="@daily",
    start_date=datetime(2025, 1, 1, tzinfo=UTC),
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    **long_run_alert(timedelta(minutes=30)),
    doc_md=__doc__,
    tags=["disclosure", "extract"],
    params={
        "agency": Param(
            None,
            type=["null", "string"],
            minLength=1,
            maxLength=200,
            title="Agency (backfill)",
            description="Load only reports whose parsed agency name contains this text, e.g. 静乐县. "
            "Empty: every agency.",
        ),
        "year": Param(
            None,
            type=["null", "integer"],
            minimum=2008,
            maximum=2100,
            title="Report year (backfill)",
            description="Load only reports of this year (2008-2100). Empty: every year.",
        ),
        "revalidate": Param(
            False,
            type="boolean",
            title="Revalidate every document",
            description="Ask every known document's server whether it changed, not only those due today "
            "(DISCLOSURE_REVALIDATE_DAYS spreads them over the cycle).",
        ),
    },
)
def disclosure_ingest() -> None:
    @task(
        doc_md="Read the source registry (`DISCLOSURE_REGISTRY`, default `sources.yml`): every entry "
        "except `example: true` ones (logged), narrowed to the backfill `agency` (web sources whose "
        "name or alias contains it; folder sources always). `DISCLOSURE_INPUT_DIR`, when set, is the "
        "folder of the registry's folder source. Fails without retries on an invalid registry, a "
        "missing folder or no source to fetch: the log names the entry and field."
    )
    def discover() -> list[dict[str, Any]]:
        from pipeline.backfill import Backfill
        from pipeline.discover import discover_sources
        from pipeline.ingest import source_batches
        from pipeline.settings import Settings

        backfill = Backfill.from_params(get_current_context()["params"])
        try:
            settings = Settings.from_env()
            sources = discover_sources(settings, backfill)
        except (FileNotFoundError, ValueError) as exc:  # a misconfiguration: retrying cannot help
            raise AirflowFailException(str(exc)) from exc
        if not sources:
            raise AirflowFailException(f"no source to fetch (no active registry entry, or {backfill.describe()})")
        return source_batches(sources, settings.fetch_batch_size)

    @task(
        map_index_template="{{ batch_name }}",
        execution_timeout=FETCH_TIMEOUT,
        doc_md=(
            "Fetch one batch of sources (`DISCLOSURE_FETCH_BATCH_SIZE`, default 10; the mapped task is "
            "named after its first registry entry, `静乐县 +9`), its hosts at the same time (at most "
            "`DISCLOSURE_FETCH_HOSTS`, 32, requests in flight across all fetch tasks), one host's sources one "
            "after another: "
            "crawl its listing "
            "pages (pagination, report pages followed one step) and direct URLs, then fetch every new report "
            "at once and revalidate a known one with a conditional request on its day of the "
            "`DISCLOSURE_REVALIDATE_DAYS` cycle (an unchanged one costs a 304; `not_due` on other days, "
            "or every one with the param `revalidate`), or read a folder source's files; "
            "land the bytes by sha256. Returns per source its documents (URL, final URL, agency, year from "
            "the link, sha256, landing path, fetch status and error, parsed already or not) and its fetch "
            "attempts. A document that fails (timeout, 5xx after retries, too large, refused) is data, "
            "not a task failure, and so is a source whose fetch raised (logged with its traceback): "
            "`summarize` lists them. Knobs: `DISCLOSURE_FETCH_OPTIONS`."
        ),
    )
    def fetch(batch: dict[str, Any]) -> list[dict[str, Any]]:
        from pipeline.backfill import Backfill
        from pipeline.fetch_step import fetch_sources
        from pipeline.settings import Settings

        context = get_current_context()
        context["batch_name"] = batch["name"]  # type: ignore[typeddict-unknown-key]
        backfill = Backfill.from_params(context["params"])
        return fetch_sources(Settings.from_env(), batch["sources"], year=backfill.year, revalidate=backfill.revalidate)

    # Runs when every fetch is done and one succeeded: a source whose task failed must not
    # keep the other sources' documents from being parsed.
    @task(
        trigger_rule="all_done_min_one_success",
        doc_md="List the documents to parse, landed and not yet parsed by this parser version (once per "
        "sha256), in batches of `DISCLOSURE_PARSE_BATCH_SIZE` (default 20). Empty on a run where "
        "nothing changed: `parse` then maps to nothing.",
    )
    def plan_parse(fetched: Any) -> list[dict[str, Any]]:
        from pipeline.ingest import parse_batches, to_parse
        from pipeline.settings import Settings

        return parse_batches(to_parse(_flat(fetched)), Settings.from_env().parse_batch_size)

    @task(
        map_index_template="{{ batch_name }}",
        execution_timeout=PARSE_TIMEOUT,
        doc_md=(
            "Parse one batch of landed documents (the mapped task is named after its first file, "
            "`a.pdf +19`), each into `$DISCLOSURE_PARSED_DIR/<sha256>-<parser_version>.json`. Each document "
            "is parsed in a child process with time and memory limits; a parser crash is recorded as a "
            "`failed` document, not a task failure. A document that cannot be read fails the task after "
            "the others are parsed; the retry parses only what is missing. Returns one "
            "`document, sha256, status, parsed_path, skipped, agency, year` per document. On failure: the "
            "log names the file; reproduce with `disclosure parse <landing path>`."
        ),
    )
    def parse(batch: dict[str, Any]) -> list[dict[str, Any]]:
        from pipeline.parse_step import parse_batch
        from pipeline.settings import Settings

        get_current_context()["batch_name"] = batch["name"]  # type: ignore[typeddict-unknown-key]
        return parse_batch(Settings.from_env(), batch["documents"])

    @task(
        pool=WAREHOUSE_POOL,
        pool_slots=1,
        # Runs once every fetch and parse task is done, whatever their states: a failed document
        # must not keep the others out of the warehouse, and a run with nothing to parse (`parse`
        # mapped to nothing, so skipped) still writes its fetch attempts.
        trigger_rule="all_done",
        doc_md=(
            "Write the run's fetch attempts to `raw.fetch_attempts`, then load every parse result not "
            "loaded yet (parsed now, or parsed by an earlier run that stopped before loading) and selected "
            "by the backfill params into `raw` (one transaction per document, idempotent on sha256 and "
            "parser version). Pool `warehouse`. Runs when its upstream tasks are done, failed ones included; "
            "skipped when no fetch task succeeded. Fails when a backfill filter matches no document. "
            "Stuck in queued: another task holds the `warehouse` pool slot."
        ),
    )
    def load(fetched: Any, outcomes: Any) -> dict[str, Any]:
        from pipeline.backfill import Backfill
        from pipeline.ingest import NothingSelected, load_run
        from pipeline.settings import Settings

        fetched = _flat(fetched)
        if not fetched:
            raise AirflowSkipException("no source was fetched (every fetch task failed)")
        try:
            return load_run(
                Settings.from_env(), fetched, _flat(outcomes), Backfill.from_params(get_current_context()["params"])
            )
        except NothingSelected as exc:
            raise AirflowFailException(str(exc)) from exc

    @task(
        outlets=[RAW_WAREHOUSE],
        doc_md=(
            "Update the Asset `disclosure://warehouse/raw`, which triggers `disclosure_transform`, when "
            "`load` loaded at least one new document or the marts were not built yet today (publication "
            "monitoring moves with the date); skipped otherwise, so that a re-run with nothing new does "
            "not rebuild the marts."
        ),
    )
    def announce(loaded: dict[str, Any]) -> None:
        import logging

        from pipeline.ingest import transform_reason

        reason = transform_reason(loaded)
        if reason is None:
            raise AirflowSkipException("nothing new loaded and the marts were built today: up to date")
        logging.getLogger("disclosure.dags").info("updating the raw Asset: %s", reason)

    @task(
        trigger_rule="all_done",
        doc_md=(
            "Log what the run did: documents per source and fetch status (fetched, not_modified, read, "
            "failed, too_large, refused, robots_disallowed), parsed vs already parsed, loaded vs already "
            "loaded, and every document that failed. Writes nothing. Runs after everything else and then "
            "fails the run when a document's fetch failed (failed, too_large), a fetch or parse task failed, "
            "or `plan_parse` or `load` did not finish; refusals by our own rules are warnings."
        ),
    )
    def summarize(sources: Any, fetched: Any, batches: Any, outcomes: Any, loaded: Any) -> dict[str, Any]:
        import logging

        from pipeline.backfill import Backfill
        from pipeline.ingest import summarize_run

        log = logging.getLogger("disclosure.dags")
        summary = summarize_run(
            sources or [],
            _flat(fetched),
            batches,
            _flat(outcomes),
            loaded,
            Backfill.from_params(get_current_context()["params"]),
        )
        for line in summary.lines:
            log.info("%s", line)
        for line in summary.warnings:
            log.warning("%s", line)
        for line in summary.failures:
            log.error("%s", line)
        if summary.failures:
            raise AirflowFailException(f"{len(summary.failures)} failures: {'; '.join(summary.failures[:5])}")
        return summary.counts

    sources = discover()
    fetched = fetch.expand(batch=sources)
    batches = plan_parse(fetched)
    outcomes = parse.expand(batch=batches)
    loaded = load(fetched, outcomes)
    announce(loaded)
    summarize(sources, fetched, batches, outcomes, loaded)


disclosure_ingest()
