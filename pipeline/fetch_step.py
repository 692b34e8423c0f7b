"""Fetch every report of one registry source into the landing zone (the ingest DAG's `fetch` task).

Why a task per batch of sources and not per document (or per source): an
unchanged document costs one conditional request (a 304) and no parse, but a
mapped task instance costs about 3 s of scheduling and process start; at a
thousand documents on fifty sites that alone would exceed the incremental
budget (issue #9). So a task fetches its batch on one event loop, a
coroutine per host, the sources of a batch on different hosts at the same
time; each document's outcome is data (a `fetch_status`, an error code), and
one failing URL never loses the source's other documents.

A folder source's files are read from disk (status `read`, no HTTP and no
raw.fetch_attempts row); a web source goes through discovery and the guarded
`Fetcher`. Either way the bytes are landed by sha256 and each document says
whether this parser version already parsed it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from datetime import date
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote, urlsplit

from extractors.fetch.discovery import FETCH_STEP, DiscoveredReport, discover_source, fetch_reports
from extractors.fetch.fetcher import FAILED, NOT_DUE, FetchConfig, Fetcher, FetchResult
from extractors.fetch.host_limiter import HostSlots
from extractors.fetch.host_locks import host_limiter
from extractors.fetch.published import published_on
from extractors.fetch.revalidation import Revalidation
from extractors.landing import land
from pipeline.discover import source_from_dict
from pipeline.parse_step import parsed_path
from pipeline.settings import Settings

log = logging.getLogger(__name__)

READ = "read"  # a folder source's file, read from disk
# Hosts one fetch task crawls at once, per slot of DISCLOSURE_FETCH_HOSTS: a host at 1 s per request is
# in flight a few ms of each second, so several hosts per slot keep the slots busy. Bounded, though a
# host costs no thread: each one under way holds an HTTP client and lock files open, and while the
# slots are all taken it polls them (host_limiter.HostsAtOnce); thousands would poll for nothing.
HOSTS_PER_SLOT = 4


async def fetch_source(
    settings: Settings,
    source_data: dict[str, Any],
    year: int | None = None,
    config: FetchConfig | None = None,
    revalidation: Revalidation | None = None,
    limiter: HostSlots | None = None,
) -> dict[str, Any]:
    """Discover and fetch one source, at most one request per document.

    Returns `{"source", "documents": [...], "attempts": [FetchResult dicts],
    "skipped": [{"year", "url", "link_text"}], "pages": {listing: pages read},
    "warnings": [...]}`. Report links of years outside the source's
    first_year..last_year are skipped; `year` (a backfill) takes that year
    only, whatever first_year says. Links without a year are fetched, the
    parsed year decides later.

    A document already held is asked for on its day of `revalidation`
    (default: today's under DISCLOSURE_REVALIDATE_DAYS) and is `not_due`,
    its landed copy reused, on the other days; not_due results are no
    requests and are left out of `attempts`. `limiter`: the per-host limits
    shared with the task's other sources (default: the Fetcher's own).
    """
    source = source_from_dict(source_data)
    config = config or settings.fetch
    attempts: list[FetchResult] = []
    async with Fetcher(
        settings.storage,
        config,
        revalidation=revalidation or settings.revalidation(),
        hosts_at_once=settings.fetch_hosts,
        limiter=limiter,
    ) as fetcher:
        found = await discover_source(source, fetcher, attempts=attempts, years=(year, year) if year else None)
        reports = found.reports
        web = [r for r in reports if r.local_path is None]
        results = dict(zip((r.url for r in web), await fetch_reports(fetcher, web), strict=True))
    documents = [
        _from_folder(settings, r) if r.local_path is not None else _from_web(settings, r, results[r.url])
        for r in reports
    ]
    attempts += [r for r in results.values() if r.step == FETCH_STEP]  # discovery's are in already
    requested = [a for a in attempts if a.status != NOT_DUE]
    log.info(
        "%s: %d documents, %d need parsing, %d fetch attempts, %d not due",
        source.name,
        len(documents),
        sum(bool(d["sha256"]) and not d["parsed"] for d in documents),
        len(requested),
        len(attempts) - len(requested),
    )
    return {
        "source": source.name,
        "documents": documents,
        "attempts": [a.to_dict() for a in requested],
        "skipped": [dataclasses.asdict(s) for s in found.skipped],
        "pages": found.pages,
        "warnings": found.warnings,
    }


def fetch_sources(
    settings: Settings, sources: list[dict[str, Any]], year: int | None = None, revalidate: bool = False
) -> list[dict[str, Any]]:
    """`fetch_source` for each source of one mapped `fetch` task, in the sources' order.

    One revalidation schedule for the whole batch (`revalidate`: every known document).

    One event loop for the task (`asyncio.run`), a coroutine per host:
    sources on different hosts are fetched at the same time, up to
    `HOSTS_PER_SLOT` x `settings.fetch_hosts` hosts by this task, no thread
    pool; sources sharing a host (departments on their county's portal) one
    after another. A host spends most of its crawl waiting out its interval, so
    the cap of DISCLOSURE_FETCH_HOSTS is on requests in flight to distinct
    hosts by all the run's fetch tasks together, taken per request. That
    cap, the per-host rate limit and concurrency cap hold across processes
    through lock files in the shared fetch state, or in Redis when
    DISCLOSURE_HOST_LOCKS names one (extractors.fetch.host_locks). A source
    that raises (a bug, the landing zone unwritable) is logged and returned
    as `{"source", "documents": [], "attempts": [], "error"}`, so the other
    sources' documents go on to parse and load and `summarize` fails the run
    naming it. Failed requests never raise: they are data.
    """
    return asyncio.run(_fetch_sources(settings, sources, year, settings.revalidation(force=revalidate)))


async def _fetch_sources(
    settings: Settings, sources: list[dict[str, Any]], year: int | None, revalidation: Revalidation
) -> list[dict[str, Any]]:
    by_host: dict[str, list[int]] = {}
    for index, source in enumerate(sources):
        by_host.setdefault(_host(source), []).append(index)
    results: list[dict[str, Any]] = [{} for _ in sources]
    done = 0
    # One for the task's hosts: lock files, or Redis in server mode (DISCLOSURE_HOST_LOCKS).
    limiter = host_limiter(settings.host_locks, settings.storage.fetch_state_dir, settings.fetch, settings.fetch_hosts)
    hosts_under_way = asyncio.Semaphore(HOSTS_PER_SLOT * settings.fetch_hosts)

    async def one_host(indexes: list[int]) -> None:
        nonlocal done
        async with hosts_under_way:
            for index in indexes:
                results[index] = await _fetch_or_error(settings, sources[index], year, revalidation, limiter)
                done += 1
                log.info("fetch progress: %d of %d sources", done, len(sources))

    try:
        await asyncio.gather(*(one_host(indexes) for indexes in by_host.values()))
    finally:
        await limiter.aclose()
    return results


def _host(source: dict[str, Any]) -> str:
    """The host a source's requests go to (its first URL's), or its folder."""
    urls = [*(source.get("listing_urls") or ()), *(source.get("report_urls") or ())]
    return urlsplit(urls[0]).netloc.lower() if urls else f"folder:{source.get('local_dir')}"


async def _fetch_or_error(
    settings: Settings, source: dict[str, Any], year: int | None, revalidation: Revalidation, limiter: HostSlots
) -> dict[str, Any]:
    try:
        return await fetch_source(settings, source, year=year, revalidation=revalidation, limiter=limiter)
    except Exception as exc:
        log.exception("%s: fetch failed", source["name"])
        return {"source": source["name"], "documents": [], "attempts": [], "error": f"{type(exc).__name__}: {exc}"}


def document_name(url: str) -> str:
    """The file name a URL gives a document (`2020.pdf`), else its host and path."""
    parts = urlsplit(url)
    return PurePosixPath(unquote(parts.path)).name or f"{parts.netloc}{parts.path}".rstrip("/")


def _from_web(settings: Settings, report: DiscoveredReport, result: FetchResult) -> dict[str, Any]:
    # The page's hints came with the link; a bare file has the server's Last-Modified at best.
    dated = (report.published_on, report.published_on_source) if report.published_on else None
    dated = dated or published_on(last_modified=result.headers.get("last-modified"))
    return _document(
        settings,
        report,
        document_name(report.url),
        source_url=report.url,
        final_url=result.final_url,
        status=result.status,
        error=result.error,
        sha256=result.sha256,
        landing_path=result.landing_path,
        published=dated,
    )


def _from_folder(settings: Settings, report: DiscoveredReport) -> dict[str, Any]:
    path = report.local_path
    assert path is not None  # only folder reports come here
    try:
        sha256, landed = land(settings.storage, path.read_bytes())
    except OSError as exc:  # vanished or unreadable since it was listed: recorded, not dropped
        log.warning("%s: cannot read %s: %s", report.source, path, exc)
        return _document(
            settings,
            report,
            path.name,
            source_url=None,
            final_url=None,
            status=FAILED,
            error=f"fetch.read: {type(exc).__name__}: {exc}",
            sha256=None,
            landing_path=None,
        )
    return _document(
        settings,
        report,
        path.name,
        source_url=None,
        final_url=None,
        status=READ,
        error=None,
        sha256=sha256,
        landing_path=str(landed),
    )


def _document(
    settings: Settings,
    report: DiscoveredReport,
    name: str,
    *,
    source_url: str | None,
    final_url: str | None,
    status: str,
    error: str | None,
    sha256: str | None,
    landing_path: str | None,
    published: tuple[date, str] | None = None,
) -> dict[str, Any]:
    """One document of the run: where it came from, how the fetch went, whether it is parsed already.

    `published_on` (ISO date) and `published_on_source` date its report (a folder file has none).
    """
    out = parsed_path(settings, sha256) if sha256 else None
    return {
        "document": name,
        "source": report.source,
        "agency": report.agency,
        "report_year": report.year,
        "url": report.url,
        "source_url": source_url,
        "final_url": final_url,
        "fetch_status": status,
        "error": error,
        "sha256": sha256,
        "landing_path": landing_path,
        "parsed_path": str(out) if out else None,
        "parsed": out is not None and out.exists(),
        "published_on": published[0].isoformat() if published else None,
        "published_on_source": published[1] if published else None,
    }
