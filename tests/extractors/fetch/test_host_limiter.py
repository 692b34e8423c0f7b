"""Politeness across processes: parallel fetch tasks never hit one host at once, and keep its spacing."""

from __future__ import annotations

import dataclasses
import itertools
import multiprocessing
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

from extractors.fetch.fetcher import FETCHED, Fetcher
from extractors.fetch.host_limiter import HostLimiter
from extractors.storage import StorageConfig
from tests.fake_site import TEST_CONFIG, FakeSite, site_fixture, trap_fixture  # noqa: F401  (fixtures)

INTERVAL = 0.5  # an arrival's scheduling jitter under load (~0.2 s seen) stays under half of it
PATHS = [f"/doc/{i}.pdf" for i in range(4)]


class _Meter:
    """What the host saw: requests in flight at once (peak) and when each arrived."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.arrivals: list[float] = []

    def route(self, handler: BaseHTTPRequestHandler) -> None:
        with self.lock:
            self.active += 1
            self.peak = max(self.peak, self.active)
            self.arrivals.append(time.time())
        time.sleep(0.03)  # long enough for an overlapping request to be seen
        with self.lock:
            self.active -= 1
        handler._send(200, b"%PDF-1.4 doc", "application/pdf")  # type: ignore[attr-defined]


def _fetch_task(home: str, urls: list[str], ready: Any, go: Any, statuses: Any) -> None:  # manager proxies
    """One `fetch` task: its own process and Fetcher, a thread pool, the shared DISCLOSURE_HOME."""
    root = Path(home)
    storage = StorageConfig(str(root / "landing"), str(root / "parsed"), root / "fetch_state")
    config = dataclasses.replace(TEST_CONFIG, min_interval_per_host=INTERVAL, max_concurrency_per_host=1)
    # With the shared cap on requests in flight (DISCLOSURE_FETCH_HOSTS), as fetch tasks run: the host's start
    # is booked only once a shared slot is held, and the spacing must hold across that wait too.
    with Fetcher(storage, config, hosts_at_once=2) as fetcher:
        ready.set()
        go.wait(30)
        with ThreadPoolExecutor(4) as pool:
            statuses.extend(list(pool.map(lambda u: fetcher.fetch(u, local=True, conditional=False).status, urls)))


def test_two_fetch_processes_share_one_host_one_request_at_a_time_spaced(site: FakeSite, tmp_path: Path) -> None:
    meter = _Meter()
    site.routes.update({path: meter.route for path in PATHS})
    spawn = multiprocessing.get_context("spawn")
    manager = spawn.Manager()
    go, statuses = manager.Event(), manager.list()
    tasks = []
    for _ in range(2):
        ready = manager.Event()
        urls = [site.url(p) for p in PATHS]
        task = spawn.Process(target=_fetch_task, args=(str(tmp_path), urls, ready, go, statuses))
        task.start()
        assert ready.wait(60)
        tasks.append(task)
    go.set()  # both tasks hold their Fetcher: they start requesting together
    for task in tasks:
        task.join(60)
    assert [t.exitcode for t in tasks] == [0, 0]
    assert list(statuses) == [FETCHED] * 8
    assert len(meter.arrivals) == 8
    assert meter.peak == 1
    arrivals = sorted(meter.arrivals)
    # Booked starts are INTERVAL apart; an arrival carries scheduling jitter, so each gap is held to half of
    # it (unspaced requests would come one request time, 0.03 s, apart) and the whole series to all of it.
    assert min(b - a for a, b in itertools.pairwise(arrivals)) >= INTERVAL / 2
    assert arrivals[-1] - arrivals[0] >= (len(arrivals) - 1) * INTERVAL * 0.95
    manager.shutdown()


def test_threads_of_one_process_share_the_slots(tmp_path: Path) -> None:
    limiter = HostLimiter(tmp_path, min_interval=0.0, max_concurrency=2)
    lock, active, peak = threading.Lock(), [0], [0]

    def work() -> None:
        with limiter.slot("example.gov.cn:8080"):
            with lock:
                active[0] += 1
                peak[0] = max(peak[0], active[0])
            time.sleep(0.1)  # long enough for all six to queue
            with lock:
                active[0] -= 1

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == 2


def test_hosts_that_differ_after_their_last_dot_do_not_share_a_slot(tmp_path: Path) -> None:
    limiter = HostLimiter(tmp_path, min_interval=0.0, max_concurrency=1)
    entered = threading.Event()

    def other_host() -> None:
        with limiter.slot("127.0.0.2"):
            entered.set()

    with limiter.slot("127.0.0.1"):
        threading.Thread(target=other_host, daemon=True).start()
        assert entered.wait(5)  # not queued behind 127.0.0.1
