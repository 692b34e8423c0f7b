"""A day of a nationwide crawl: thousands of agency sites, a warehouse of known reports, a few new ones.

    python -m bench.nationwide [--sites 3000] [--known 100000] [--new 300] [--first-crawl-sites 300]
                               [--interval 1.0] [--hosts 32] [--tasks 2] [--fetch-batch 100]
                               [--no-transform] [--keep DIR]

Sites: `--sites` fake agency websites, each on its own loopback address
(127.1.x.y, bench.loopback_http.LoopbackHosts), so each is its own host to
the fetcher's per-host limits. Site k publishes the known reports `i` with
`i % sites == k` (about 33 a site at full size) in a GBK 政府信息公开年报
column, `PER_PAGE` links a page, newest first, each a direct link to its
file (a known report a `.pdf`, a new one a plain-text report that parses),
answering with an ETag (and a 304 to it).

Setup (timed, not part of the day): the warehouse of bench.warehouse_scale
with `--known` reports, the transform built over it once, and every known
report known to the crawler as a run would have left it: its validators in
the fetch state (last checked yesterday), a landed copy and a parse result
under the warehouse's sha256 (that copy stands in for the bytes fetched
when the report was new), so the day revalidates only the reports of its
day of the DISCLOSURE_REVALIDATE_DAYS cycle (7) and parses nothing known.

The day: `--new` new reports (rendered plain-text reports that parse) appear,
spread over the sites; the ingest runs as the DAG's tasks would, without
Airflow: `fetch_sources` per batch of `--fetch-batch` sources in `--tasks`
processes at once (the LocalExecutor's slots), the politeness as deployed
(`--interval` s between two requests to a host, one at a time,
robots.txt, at most `--hosts` requests in flight across the processes), then
parse (`parse_batch` in the same processes), load (`load_run`) and the
transform (dbt staging, GX, dbt marts, as the transform DAG). Airflow's own
cost (about 3 s per mapped task instance, bench/RESULTS.md "End to end") is
printed as an estimate beside it, not measured.

First crawl: `--first-crawl-sites` sites crawled from nothing (fetch only:
every report is new) into a fresh home; the whole `--sites` extrapolated
from it by rounds of fetch tasks (`--fetch-batch` sources, `--tasks` at a
time): a task crawls all its hosts at once (up to 4 per `--hosts` slot,
pipeline.fetch_step), so it lasts about as long as its busiest host while
the slots, taken per request, are not all busy.

Baselines printed beside the figures, same run: the politeness floor (what
no scheduling can beat: the busiest host's requests `--interval` apart, or
the sites' time answering every request over `--hosts` requests in
flight), the floor of the model before (a slot held for a host's whole
crawl: every host's requests times the interval over `--hosts` hosts at
once), and the first transform over the same warehouse.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import shutil
import statistics
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from bench.agency_sites import Published, listing_number, listing_page, registry_entry, site_name
from bench.loopback_http import LoopbackHosts, QuietHandler
from bench.work_folder import work_folder
from pipeline.settings import ELSEWHERE_VARIABLES, Settings

PER_PAGE = 20  # links per listing page: county CMS columns show 15 to 20
FIRST_YEAR = 2008  # the 条例 took effect in 2008
TARGET_DAY_SECONDS = 600.0
AIRFLOW_TASK_SECONDS = 3.0  # a mapped task instance under the LocalExecutor (bench/RESULTS.md, "End to end")
ROBOTS = b"User-agent: *\nDisallow: /admin/\n"
# Variables of the caller's environment that would point the runs elsewhere.
CLEARED = (*ELSEWHERE_VARIABLES, "DISCLOSURE_INPUT_DIR", "DISCLOSURE_REVALIDATE_DAYS")


# ---- the sites ----------------------------------------------------------------------------------------


@dataclass
class Catalogue:
    """What every site publishes (read live: reports added between runs show on the next crawl)."""

    sites: int
    reports: dict[int, list[Published]] = field(default_factory=dict)  # site -> its reports
    bodies: dict[str, bytes] = field(default_factory=dict)  # file -> bytes of a new report
    hits: dict[int, Counter[str]] = field(default_factory=dict)  # site -> requests by kind
    files: Counter[str] = field(default_factory=Counter)  # file -> 200 responses
    served: float = 0.0  # seconds the sites spent answering, summed over requests
    lock: threading.Lock = field(default_factory=threading.Lock)

    def publish(self, report: Published, body: bytes | None = None) -> None:
        self.reports.setdefault(report.site, []).append(report)
        if body is not None:
            self.bodies[report.file] = body

    def body(self, name: str) -> bytes | None:
        if name in self.bodies:
            return self.bodies[name]
        return known_body(int(name[1:-4])) if name.startswith("k") and name[1:-4].isdigit() else None

    def count(self, site: int, kind: str) -> None:
        with self.lock:
            self.hits.setdefault(site, Counter())[kind] += 1

    def answered(self, seconds: float) -> None:
        with self.lock:
            self.served += seconds

    def requests(self) -> dict[int, int]:
        with self.lock:
            return {site: sum(kinds.values()) for site, kinds in self.hits.items()}

    def reset(self) -> None:
        with self.lock:
            self.hits.clear()
            self.files.clear()
            self.served = 0.0


def known_file(i: int) -> str:
    return f"k{i}.pdf"  # a direct attachment link, as most reports are; never parsed here (loaded already)


def file_url(base: str, name: str) -> str:
    return f"{base}/files/{name}"


def known_body(i: int) -> bytes:
    """The bytes a known report's URL serves (its landed copy stands under the warehouse's sha256)."""
    return f"known report {i}\n".encode()


def etag(body: bytes) -> str:
    return f'"{hashlib.sha256(body).hexdigest()[:16]}"'


def _handler(catalogue: Catalogue) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            started = time.perf_counter()
            self._answer()
            catalogue.answered(time.perf_counter() - started)

        def _answer(self) -> None:
            site: int = self.server.site  # type: ignore[attr-defined]
            parts = self.path.split("?")[0].strip("/").split("/")
            if parts == ["robots.txt"]:
                catalogue.count(site, "robots")
                return self._send(200, ROBOTS, "text/plain")
            page = listing_number(parts[-1]) if parts[:1] == ["nb"] else None
            if page is not None:
                catalogue.count(site, "listing")
                body = listing_page(site, page, catalogue.reports.get(site, []), _link, PER_PAGE)
                return self._send(200, body, "text/html") if body else self._send(404, b"", "text/plain")
            body = catalogue.body(parts[-1]) if parts[:1] == ["files"] else None
            if body is None:
                catalogue.count(site, "404")
                return self._send(404, b"not found", "text/plain")
            tag = etag(body)
            if self.headers.get("If-None-Match") == tag:
                catalogue.count(site, "304")
                return self._send(304, b"", "text/plain", {"ETag": tag})
            catalogue.count(site, "200")
            with catalogue.lock:
                catalogue.files[parts[-1]] += 1
            kind = "application/pdf" if parts[-1].endswith(".pdf") else "text/plain; charset=utf-8"
            return self._send(200, body, kind, {"ETag": tag})

    return Handler


def _link(report: Published) -> str:
    return file_url("", report.file)


def registry(sites: LoopbackHosts, count: int) -> dict[str, Any]:
    return {"sources": [registry_entry(k, f"{sites.base(k)}/nb/index.html", FIRST_YEAR) for k in range(count)]}


def known_reports(catalogue: Catalogue, known: int) -> None:
    """Known report i (1..known, as the warehouse numbers them) on site i % sites, years 2008-2025."""
    for i in range(1, known + 1):
        site = i % catalogue.sites
        catalogue.publish(Published(known_file(i), site, site_name(site), FIRST_YEAR + (i // catalogue.sites) % 18))


def new_reports(catalogue: Catalogue, count: int, first_seed: int) -> list[Published]:
    """`count` plain-text reports that parse, spread evenly over the sites."""
    from bench.corpus import random_spec
    from tests.report_text import render

    added = []
    for j in range(count):
        seed = first_seed + j
        spec = random_spec(seed, ("gov2021", "gov2019")[seed % 2])
        body = render(spec.expected["agency"], spec.expected["year"], spec.template, spec.cells).encode()
        site = j * catalogue.sites // count
        report = Published(f"n{seed}.txt", site, site_name(site), spec.expected["year"])
        catalogue.publish(report, body)
        added.append(report)
    return added


# ---- the known state ----------------------------------------------------------------------------------


def warehouse_sha256(i: int) -> str:
    """The sha256 bench.warehouse_scale.synthesise gives report i: md5('doc' || i) || md5('bench' || i)."""
    return hashlib.md5(f"doc{i}".encode()).hexdigest() + hashlib.md5(f"bench{i}".encode()).hexdigest()


def build_warehouse(settings: Settings, known: int) -> None:
    import duckdb

    from bench.warehouse_scale import synthesise
    from warehouse.raw_schema import create_statements

    settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(settings.warehouse_path)) as conn:
        for statement in create_statements():
            conn.execute(statement)
        synthesise(conn, known)
        conn.execute("checkpoint")


def know_reports(settings: Settings, sites: LoopbackHosts, catalogue: Catalogue, known: int) -> None:
    """Validators (checked yesterday), landed copy and parse result of every known report."""
    from extractors.fetch.revalidation import Revalidation
    from extractors.fetch.state import ConditionalStore, Validators
    from extractors.landing import landing_path
    from pipeline.parse_step import parsed_path

    storage = settings.storage
    store = ConditionalStore(storage)
    yesterday = (Revalidation().today - timedelta(days=1)).isoformat()
    for i in range(1, known + 1):
        sha256, body = warehouse_sha256(i), known_body(i)
        for path, data in ((Path(landing_path(storage, sha256)), body), (Path(parsed_path(settings, sha256)), b"{}")):
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)  # never read: loaded already, and not due or unchanged
        url = file_url(sites.base(i % catalogue.sites), known_file(i))
        store.put(Validators(url, sha256, etag(body), None, yesterday))


# ---- the runs -----------------------------------------------------------------------------------------


def _fetch_task(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One mapped `fetch` task (its process reads the settings from the environment, as a task does)."""
    from pipeline.fetch_step import fetch_sources

    return fetch_sources(Settings.from_env(), sources)


def _parse_task(documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    from pipeline.parse_step import parse_batch

    return parse_batch(Settings.from_env(), documents)


@contextmanager
def task_slots(tasks: int) -> Iterator[ProcessPoolExecutor]:
    """`tasks` processes that run mapped tasks side by side, started with the environment as it is now."""
    with ProcessPoolExecutor(max_workers=tasks, mp_context=get_context("spawn")) as pool:
        yield pool


@dataclass
class Crawl:
    seconds: float
    fetched: list[dict[str, Any]]
    tasks: int


def crawl(pool: ProcessPoolExecutor, sources: list[dict[str, Any]], batch: int) -> Crawl:
    from pipeline.ingest import source_batches

    batches = source_batches(sources, batch)
    started = time.perf_counter()
    fetched = [r for results in pool.map(_fetch_task, [b["sources"] for b in batches]) for r in results]
    return Crawl(time.perf_counter() - started, fetched, len(batches))


@dataclass
class Day:
    fetch: Crawl
    parse_seconds: float
    parse_tasks: int
    load_seconds: float
    loaded: dict[str, Any]
    requests: dict[int, int]  # site -> requests it answered
    served: float  # seconds the sites spent answering them
    hits: Counter[str]  # requests by kind: robots, listing, 200, 304, 404
    statuses: Counter[str]  # documents by fetch status
    new_requested: Counter[str]  # new report -> 200 responses for it
    new_in_warehouse: int
    transform: dict[str, float] = field(default_factory=dict)  # stage -> seconds
    check_rows_added: int = 0

    @property
    def ingest_seconds(self) -> float:
        return self.fetch.seconds + self.parse_seconds + self.load_seconds

    @property
    def seconds(self) -> float:
        return self.ingest_seconds + sum(self.transform.values())


def transform(settings: Settings, run_id: str) -> dict[str, float]:
    """The transform DAG's data stages in order, timed: dbt staging, GX identity checks, dbt marts."""
    from expectations.run_checks import run_identity_checks
    from warehouse.transform import STAGING_SELECT, run_dbt

    stages = {
        "dbt staging": lambda: run_dbt(settings.dbt, ["build", "--select", *STAGING_SELECT]),
        "GX": lambda: run_identity_checks(settings.checks, run_id=run_id),
        "dbt marts": lambda: run_dbt(settings.dbt, ["build", "--select", "marts"]),
    }
    seconds = {}
    for name, stage in stages.items():
        started = time.perf_counter()
        stage()
        seconds[name] = time.perf_counter() - started
    return seconds


def check_rows(settings: Settings) -> int:
    """Rows of raw.check_results (every identity check result kept)."""
    import duckdb

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as db:
        return db.execute("select count(*) from raw.check_results").fetchone()[0]


def in_warehouse(settings: Settings, sha256s: set[str]) -> int:
    import duckdb

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as db:
        return sum(sha in sha256s for (sha,) in db.execute("select sha256 from raw.documents").fetchall())


def run_day(
    settings: Settings, pool: ProcessPoolExecutor, catalogue: Catalogue, added: list[Published], fetch_batch: int
) -> Day:
    """The day's ingest: fetch every source, parse what is new, load; `transform` is the caller's."""
    from pipeline.backfill import Backfill
    from pipeline.discover import discover_sources
    from pipeline.ingest import load_run, parse_batches, to_parse

    catalogue.reset()
    fetch = crawl(pool, discover_sources(settings), fetch_batch)
    hits = Counter[str]()
    for kinds in catalogue.hits.values():
        hits.update(kinds)
    requests, served = catalogue.requests(), catalogue.served
    batches = parse_batches(to_parse(fetch.fetched), settings.parse_batch_size)
    started = time.perf_counter()
    outcomes = [o for results in pool.map(_parse_task, [b["documents"] for b in batches]) for o in results]
    parse_seconds = time.perf_counter() - started
    started = time.perf_counter()
    loaded = load_run(settings, fetch.fetched, outcomes, Backfill())
    load_seconds = time.perf_counter() - started
    documents = [d for r in fetch.fetched for d in r["documents"]]
    new_names = {p.file for p in added}
    new_sha256s = {d["sha256"] for d in documents if d["document"] in new_names and d["sha256"]}
    return Day(
        fetch=fetch,
        parse_seconds=parse_seconds,
        parse_tasks=len(batches),
        load_seconds=load_seconds,
        loaded=loaded,
        requests=requests,
        served=served,
        hits=hits,
        statuses=Counter(d["fetch_status"] for d in documents),
        new_requested=Counter({name: catalogue.files[name] for name in new_names}),
        new_in_warehouse=in_warehouse(settings, new_sha256s),
    )


def transform_day(settings: Settings, day: Day) -> None:
    """The transform the day's load triggers, and the rows it adds to raw.check_results."""
    rows = check_rows(settings)
    day.transform = transform(settings, f"bench-day-{time.time():.0f}")
    day.check_rows_added = check_rows(settings) - rows


def _busy(requests: dict[int, int], interval: float) -> list[float]:
    """Each host's time from its first request to its last: its requests `interval` apart."""
    return [max(n - 1, 0) * interval for n in requests.values()] or [0.0]


def politeness_floor(requests: dict[int, int], interval: float, hosts: int, served: float) -> float:
    """What no scheduling can beat: the busiest host, or the requests' time on `hosts` slots in flight at once.

    `served`: seconds the sites spent answering (a lower bound of each request's time in its slot).
    """
    return max(max(_busy(requests, interval)), served / hosts)


def held_slot_floor(requests: dict[int, int], interval: float, hosts: int) -> float:
    """The floor when a slot was held for a host's whole crawl, its pauses included (before issue #20 item 2)."""
    busy = _busy(requests, interval)
    return max(max(busy), sum(busy) / hosts)


def task_rounds(sites: int, batch: int, tasks: int) -> int:
    """Rounds of fetch tasks: `sites` in batches of `batch`, `tasks` at a time."""
    return math.ceil(math.ceil(sites / batch) / tasks)


# ---- the report ---------------------------------------------------------------------------------------


def report(args: Any, results: Results) -> str:
    setup, day, first, first_requests = results.setup, results.day, results.first, results.first_requests
    per_host = [day.requests.get(k, 0) for k in range(args.sites)]
    floor = politeness_floor(day.requests, args.interval, args.hosts, day.served)
    old_floor = held_slot_floor(day.requests, args.interval, args.hosts)
    airflow = AIRFLOW_TASK_SECONDS * (day.fetch.tasks + day.parse_tasks) / args.tasks
    with_airflow = day.seconds + airflow
    known_docs = sum(n for s, n in day.statuses.items() if s in ("not_due", "not_modified"))
    first_floor = politeness_floor(first_requests, args.interval, args.hosts, results.first_served)
    scale = task_rounds(args.sites, args.fetch_batch, args.tasks) / task_rounds(
        args.first_crawl_sites, args.fetch_batch, args.tasks
    )
    lines = [
        f"{args.sites} sites on distinct loopback addresses, {args.known:,} known reports "
        f"({args.known / args.sites:.0f} a site, {PER_PAGE} links a listing page), {args.new} new; "
        f"{args.interval:g} s between two requests to a host, at most {args.hosts} requests in flight, "
        f"{args.tasks} task processes, {args.fetch_batch} sources per fetch task",
        "setup: " + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in setup.items()),
        "",
        f"the day: {day.seconds:.0f} s ({day.seconds / 60:.1f} min) = fetch {day.fetch.seconds:.0f} s "
        f"({day.fetch.tasks} tasks) + parse {day.parse_seconds:.0f} s ({day.parse_tasks} tasks) + load "
        f"{day.load_seconds:.0f} s + transform "
        + (", ".join(f"{k} {v:.0f} s" for k, v in day.transform.items()) or "not run"),
        f"  + Airflow, estimated: {AIRFLOW_TASK_SECONDS:.0f} s per mapped task on {args.tasks} slots = "
        f"{airflow:.0f} s -> {with_airflow / 60:.1f} min (target <= {TARGET_DAY_SECONDS / 60:.0f} min: "
        f"{'met' if with_airflow <= TARGET_DAY_SECONDS else 'MISSED'})",
        f"  baseline, the politeness floor of the day's requests: {floor:.0f} s = max(the busiest host's "
        f"{max(per_host)} requests {args.interval:g} s apart, the sites' {day.served:.0f} s of answering over "
        f"{args.hosts} requests in flight) (fetch at {day.fetch.seconds / floor if floor else 0:.2f}x it)",
        f"  the floor when a slot was held for a host's whole crawl, pauses included (before): {old_floor:.0f} s "
        f"= every host's requests {args.interval:g} s apart, {args.hosts} hosts at a time",
        f"requests per host: max {max(per_host)}, mean {statistics.mean(per_host):.1f}, min {min(per_host)}; "
        f"all {sum(per_host):,}: " + ", ".join(f"{n:,} {kind}" for kind, n in sorted(day.hits.items())),
        f"documents: {dict(sorted(day.statuses.items()))}; known ones not_due or 304: {known_docs:,} of {args.known:,}",
        f"new reports: {len(day.new_requested)} published, {sum(n == 1 for n in day.new_requested.values())} "
        f"fetched exactly once, {day.new_in_warehouse} in raw.documents; loaded "
        f"{day.loaded.get('documents_loaded', 0)} documents",
        f"transform: {sum(day.transform.values()):.0f} s (baseline, the first build over the same warehouse "
        f"in setup: {setup.get('first transform', 0):.0f} s); raw.check_results rows added: "
        f"{day.check_rows_added:,}"
        if day.transform
        else "transform: not run (--no-transform)",
        "",
        f"first crawl of {args.first_crawl_sites} sites (every report new, fetch only): {first.seconds:.0f} s, "
        f"{sum(first_requests.values()):,} requests (politeness floor {first_floor:.0f} s); "
        f"EXTRAPOLATED to {args.sites} sites (x{scale:g}, the rounds of {args.fetch_batch}-source tasks "
        f"{args.tasks} at a time, each as long as its busiest host): {first.seconds * scale / 60:.0f} min",
    ]
    return "\n".join(lines)


# ---- main ---------------------------------------------------------------------------------------------


def _timed(setup: dict[str, float], name: str, step: Any) -> Any:
    started = time.perf_counter()
    result = step()
    setup[name] = time.perf_counter() - started
    print(f"# {name}: {setup[name]:.0f} s", flush=True)
    return result


def _point_at(home: Path, registry_path: Path, args: Any) -> Settings:
    """The environment a task process reads its settings from: this home, the sites' registry, the politeness."""
    for name in CLEARED:
        os.environ.pop(name, None)
    os.environ |= {
        "DISCLOSURE_HOME": str(home),
        "DISCLOSURE_REGISTRY": str(registry_path),
        "DISCLOSURE_FETCH_HOSTS": str(args.hosts),
        "DISCLOSURE_FETCH_OPTIONS": f"min_interval_per_host={args.interval} contact_url=https://example.org/bench",
    }
    return Settings.from_env()


@dataclass
class Results:
    setup: dict[str, float]  # step -> seconds
    day: Day
    first: Crawl
    first_requests: dict[int, int]  # site -> requests of the first crawl
    first_served: float  # seconds the sites spent answering them
    catalogue: Catalogue
    settings: Settings


def run(args: Any, folder: Path) -> Results:
    """Setup, the day (with the transform unless `args.no_transform`), the first crawl; in `folder`."""
    from pipeline.discover import discover_sources

    catalogue = Catalogue(args.sites)
    setup: dict[str, float] = {}
    with LoopbackHosts(args.sites, _handler(catalogue)) as sites:
        registry_path = folder / "sources.yml"
        registry_path.write_text(json.dumps(registry(sites, args.sites), ensure_ascii=False), encoding="utf-8")
        settings = _point_at(folder / "home", registry_path, args)
        known_reports(catalogue, args.known)
        _timed(setup, "warehouse synthesised", lambda: build_warehouse(settings, args.known))
        _timed(setup, "known reports made known", lambda: know_reports(settings, sites, catalogue, args.known))
        if not args.no_transform:
            _timed(setup, "first transform", lambda: transform(settings, "bench-setup"))
        added = new_reports(catalogue, args.new, first_seed=args.known + 1)
        with task_slots(args.tasks) as pool:
            day = run_day(settings, pool, catalogue, added, args.fetch_batch)
        print(f"# the day's ingest: {day.ingest_seconds:.0f} s", flush=True)
        if not args.no_transform:
            transform_day(settings, day)
        # The first crawl: a fresh home, the first sites, every report new to it.
        first_settings = _point_at(folder / "first-crawl", registry_path, args)
        catalogue.reset()
        with task_slots(args.tasks) as pool:
            first = crawl(pool, discover_sources(first_settings)[: args.first_crawl_sites], args.fetch_batch)
        return Results(setup, day, first, catalogue.requests(), catalogue.served, catalogue, settings)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.nationwide", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sites", type=int, default=3000, help="fake agency sites (default 3000)")
    parser.add_argument("--known", type=int, default=100_000, help="reports in the warehouse (default 100000)")
    parser.add_argument("--new", type=int, default=300, help="reports new on the day (default 300)")
    parser.add_argument("--first-crawl-sites", type=int, default=300, help="sites of the measured first crawl")
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between requests to a host (1)")
    parser.add_argument("--hosts", type=int, default=32, help="DISCLOSURE_FETCH_HOSTS (default 32)")
    parser.add_argument("--tasks", type=int, default=2, help="task processes at once (LocalExecutor slots, 2)")
    parser.add_argument("--fetch-batch", type=int, default=100, help="sources per fetch task (default 100)")
    parser.add_argument("--no-transform", action="store_true", help="the ingest only (no dbt, no GX)")
    parser.add_argument("--keep", type=Path, help="work here and keep everything (default: a temp folder)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with work_folder(args.keep, "bench-nationwide-") as folder:
        for name in ("home", "first-crawl"):
            shutil.rmtree(folder / name, ignore_errors=True)  # a kept folder's earlier run
        results = run(args, folder)
        print(report(args, results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
