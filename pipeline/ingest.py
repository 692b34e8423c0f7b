"""The ingest run's bookkeeping between its tasks: what to parse, what to load, what to report.

`fetch` (pipeline.fetch_step) returns one result per source; these
functions turn those results and the parse outcomes into the parse list, the
load, and the run summary. Plain Python: the DAG only calls them.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from extractors.fetch.fetcher import FAILED, NOT_DUE, NOT_MODIFIED, TOO_LARGE, FetchResult
from pipeline.backfill import Backfill
from pipeline.settings import Settings

log = logging.getLogger(__name__)

# Fetch outcomes that fail the run: the document should be there and is not. A refusal
# (`refused`, `robots_disallowed`) is our own rule at work; it is listed, not failed.
FAILING_FETCH_STATUSES = (FAILED, TOO_LARGE)


class NothingSelected(ValueError):
    """A backfill filter matched no document: a typo must not look like a success."""


def documents_of(fetched: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every document of every source's fetch result, in source order."""
    return [d for result in fetched for d in result["documents"]]


def to_parse(fetched: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Documents landed this run (or before) that this parser version has not parsed yet, once per sha256."""
    pending: dict[str, dict[str, Any]] = {}
    for d in documents_of(fetched):
        if d["sha256"] and not d["parsed"]:
            pending.setdefault(d["sha256"], d)  # the same bytes under two URLs are parsed once
    return list(pending.values())


def batches(items: list[dict[str, Any]], size: int, key: str, contents: str) -> list[dict[str, Any]]:
    """`items` in batches of at most `size`, as even as possible, in order: `{"name", contents: [...]}`.

    Each batch is one mapped task, named after its first item's `key`
    (`a.pdf +19`): under the LocalExecutor a task instance costs about 3 s
    of scheduling and process start, a document or an unchanged source a
    fraction of that.
    """
    count = -(-len(items) // size)
    bounds = [round(i * len(items) / count) for i in range(count + 1)] if count else []
    return [
        {"name": str(batch[0][key]) + (f" +{len(batch) - 1}" if len(batch) > 1 else ""), contents: batch}
        for batch in (items[start:end] for start, end in itertools.pairwise(bounds))
    ]


def parse_batches(documents: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The documents to parse, one batch per mapped `parse` task."""
    return batches(documents, size, "document", "documents")


def source_batches(sources: list[dict[str, Any]], size: int) -> list[dict[str, Any]]:
    """The sources to fetch, one batch per mapped `fetch` task."""
    return batches(sources, size, "name", "sources")


def load_run(
    settings: Settings, fetched: list[dict[str, Any]], outcomes: list[dict[str, Any]], backfill: Backfill
) -> dict[str, int]:
    """Store the registry (`raw.sources`) and the fetch attempts, then load every parse result not loaded yet.

    Results parsed by an earlier run but never loaded (a crash between
    landing and loading) are loaded here without fetching or parsing again.
    Raises NothingSelected when a backfill matches none of the run's documents.
    """
    from extractors.fetch.registry import load_registry
    from warehouse.fetch_log import write_fetch_attempts
    from warehouse.load import load_parsed, loaded_sha256s
    from warehouse.registry_snapshot import write_sources

    # The whole registry, whatever the backfill: publication monitoring expects every entry's reports.
    registered = write_sources(settings.warehouse, load_registry(settings.registry_path))
    attempts = [FetchResult.from_dict(a) for result in fetched for a in result["attempts"]]
    written = write_fetch_attempts(settings.warehouse, attempts)
    parsed = {d["sha256"]: d["parsed_path"] for d in documents_of(fetched) if d["parsed"]}
    parsed |= {o["sha256"]: o["parsed_path"] for o in outcomes if o.get("parsed_path")}
    # A parse task that failed in the end returned nothing, but its other documents' results exist.
    parsed |= {
        d["sha256"]: d["parsed_path"]
        for d in documents_of(fetched)
        if d["sha256"] and d["sha256"] not in parsed and _result_exists(settings, d["sha256"])
    }
    # A backfill reads every result to match it; otherwise loaded documents are skipped unread.
    loaded = set() if backfill.active else loaded_sha256s(settings.warehouse) & parsed.keys()
    paths = [path for sha256, path in parsed.items() if sha256 not in loaded]
    select = (lambda doc: backfill.matches(doc.agency, doc.year)) if backfill.active else None
    published = {
        d["sha256"]: (date.fromisoformat(d["published_on"]), d["published_on_source"])
        for d in documents_of(fetched)
        if d["sha256"] and d.get("published_on")
    }
    summary = load_parsed(settings.warehouse, paths, select=select, published=published)
    summary["documents_skipped"] += len(loaded)
    if backfill.active and parsed and summary["documents_not_selected"] == len(parsed):
        raise NothingSelected(f"no document matches the {backfill.describe()}")
    return {
        **summary,
        "fetch_attempts_written": written,
        "sources_registered": registered,
        "checked_today": checked_today(settings),
    }


def _result_exists(settings: Settings, sha256: str) -> bool:
    from pipeline.parse_step import parsed_path

    return parsed_path(settings, sha256).exists()


def checked_today(settings: Settings, today: date | None = None) -> bool:
    """Whether the transform validated the warehouse today (UTC): raw timestamps are naive UTC."""
    from warehouse.connection import connect

    today = today or datetime.now(UTC).date()
    with connect(settings.warehouse) as conn:
        (last,) = conn.execute("select max(last_seen_at) from raw.check_results").fetchone()
    return last is not None and last.date() >= today


def transform_reason(loaded: dict[str, Any]) -> str | None:
    """Why the marts must be rebuilt after this load, or None when they are up to date.

    New documents, or a day without a build: publication monitoring (report.on_time)
    changes with the date even when no document does.
    """
    if loaded.get("documents_loaded"):
        return f"{loaded['documents_loaded']} new document(s) loaded"
    if not loaded.get("checked_today"):
        return "the marts were not built yet today"
    return None


@dataclass
class RunSummary:
    """What one ingest run did; `failures` are the documents that make the run fail."""

    counts: dict[str, Any]
    lines: list[str]
    warnings: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def summarize_run(
    sources: list[dict[str, Any]],
    fetched: list[dict[str, Any]],
    parse_plan: list[dict[str, Any]] | None,
    outcomes: list[dict[str, Any]],
    loaded: dict[str, int] | None,
    backfill: Backfill,
) -> RunSummary:
    """Counts per source and overall, the sources and documents that failed, and whether the load ran.

    `sources` are discover's batches, `parse_plan` plan_parse's; it and `loaded` are None when their
    task did not finish: that fails the run too.
    """
    documents = documents_of(fetched)
    parsed_now = {o["sha256"]: o for o in outcomes}
    by_source: dict[str, Counter[str]] = defaultdict(Counter)
    for d in documents:
        by_source[d["source"]][d["fetch_status"]] += 1
    already = sum(bool(d["parsed"]) for d in documents)
    counts = {
        "sources": len(fetched),
        "documents": len(documents),
        "fetch_statuses": dict(Counter(d["fetch_status"] for d in documents)),
        "parsed": len(parsed_now),
        "already_parsed": already,
        "parse_statuses": dict(Counter(o["status"] for o in outcomes)),
        **(loaded or {}),
    }
    lines = [
        f"{name}: {sum(c.values())} documents ({', '.join(f'{k} {v}' for k, v in sorted(c.items()))})"
        for name, c in by_source.items()
    ]
    statuses = counts["fetch_statuses"]
    lines.append(
        f"ingest: {len(documents)} documents; {len(parsed_now)} parsed, {already} already parsed; "
        f"{counts.get('documents_loaded', 0)} loaded, {counts.get('documents_skipped', 0)} already loaded, "
        f"{counts.get('cells_loaded', 0)} cells; not modified {statuses.get(NOT_MODIFIED, 0)}, "
        f"not due for revalidation {statuses.get(NOT_DUE, 0)}"
    )
    if counts.get("documents_not_selected"):
        lines.append(f"{backfill.describe()}: {counts['documents_not_selected']} documents left out")
    summary = RunSummary(counts, lines)
    done = {result["source"] for result in fetched}
    summary.failures += [
        f"{s['name']}: fetch task failed (`fetch [{batch['name']}]`)"
        for batch in sources
        for s in batch["sources"]
        if s["name"] not in done
    ]
    summary.failures += [f"{r['source']}: fetch failed: {r['error']}" for r in fetched if r.get("error")]
    summary.warnings += [f"{r['source']}: {w}" for r in fetched for w in r.get("warnings", ())]
    for r in fetched:
        if r.get("skipped"):
            years = sorted({s["year"] for s in r["skipped"]})
            summary.lines.append(
                f"{r['source']}: {len(r['skipped'])} report links of years outside the registered ones skipped "
                f"({', '.join(map(str, years))})"
            )
    for d in documents:
        if d["error"]:
            message = f"{d['source']}: {d['document']} ({d['url']}): {d['fetch_status']}: {d['error']}"
            (summary.failures if d["fetch_status"] in FAILING_FETCH_STATUSES else summary.warnings).append(message)
    if parse_plan is None:
        summary.failures.append("plan_parse did not finish: see the `plan_parse` task")
    for batch in parse_plan or []:
        missing = [d["document"] for d in batch["documents"] if d["sha256"] not in parsed_now]
        if missing:
            summary.failures.append(
                f"parse task `parse [{batch['name']}]` failed: no outcome for {', '.join(missing)} (its log names "
                "the document that could not be parsed; the batch's results written before that are loaded)"
            )
    for o in outcomes:
        if o["status"] != "parsed":
            reason = f": {o['reason']}" if o.get("reason") else ""
            summary.warnings.append(f"{o['document']}: parse status {o['status']}{reason} (sha256 {o['sha256']})")
    if loaded is None:
        summary.failures.append("load did not finish: see the `load` task")
    return summary
