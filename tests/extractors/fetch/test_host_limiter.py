"""Politeness across processes: parallel fetch tasks never hit one host at once, and keep its spacing."""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import multiprocessing
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from extractors.fetch.fetcher import FETCHED, Fetcher
from extractors.fetch.host_limiter import HostLimiter
from extractors.storage import StorageConfig
from tests.fake_site import TEST_CONFIG, FakeSite, site_fixture, trap_fixture  # noqa: F401  (fixtures)

INTERVAL = 0.5  # an arrival's scheduling jitter under load (~0.2 s seen) stays under half of it
PATHS = [f"/doc/{i}.pdf" for i in range(4)]
pytestmark = pytest.mark.anyio


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
    """One `fetch` task: its own process, event loop and Fetcher, the shared DISCLOSURE_HOME."""
    asyncio.run(_fetch_all(home, urls, ready, go, statuses))


async def _fetch_all(home: str, urls: list[str], ready: Any, go: Any, statuses: Any) -> None:
    root = Path(home)
    storage = StorageConfig(str(root / "landing"), str(root / "parsed"), root / "fetch_state")
    config = dataclasses.replace(TEST_CONFIG, min_interval_per_host=INTERVAL, max_concurrency_per_host=1)
    # With the shared cap on requests in flight (DISCLOSURE_FETCH_HOSTS), as fetch tasks run: the host's start
    # is booked only once a shared slot is held, and the spacing must hold across that wait too.
    async with Fetcher(storage, config, hosts_at_once=2) as fetcher:
        ready.set()
        go.wait(30)  # nothing else on the loop yet
        results = await asyncio.gather(*(fetcher.fetch(u, local=True, conditional=False) for u in urls))
        statuses.extend([r.status for r in results])


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


async def test_coroutines_of_one_process_share_the_slots(tmp_path: Path) -> None:
    limiter = HostLimiter(tmp_path, min_interval=0.0, max_concurrency=2)
    active, peak = [0], [0]

    async def work() -> None:
        async with limiter.slot("example.gov.cn:8080"):
            active[0] += 1
            peak[0] = max(peak[0], active[0])
            await asyncio.sleep(0.1)  # long enough for all six to queue
            active[0] -= 1

    await asyncio.gather(*(work() for _ in range(6)))
    assert peak[0] == 2


async def test_hosts_that_differ_after_their_last_dot_do_not_share_a_slot(tmp_path: Path) -> None:
    limiter = HostLimiter(tmp_path, min_interval=0.0, max_concurrency=1)

    async def other_host() -> None:
        async with limiter.slot("127.0.0.2"):
            pass

    async with limiter.slot("127.0.0.1"):
        await asyncio.wait_for(other_host(), 5)  # not queued behind 127.0.0.1
