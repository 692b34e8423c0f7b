"""Many hosts at once, each politely: DISCLOSURE_FETCH_HOSTS caps the requests in flight by all fetch tasks.

The sites are on distinct loopback addresses (bench.loopback_http.LoopbackHosts),
so each is its own host to the per-host limits; every request is held 0.2 s,
long enough for the requests in flight at once to be counted.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from typing import Any

import pytest

from bench.loopback_http import LoopbackHosts, QuietHandler
from pipeline.fetch_step import fetch_sources
from pipeline.settings import Settings

HOLD = 0.2
OPTIONS = "connect_timeout=2 read_timeout=2 total_timeout=10 retries=0 min_interval_per_host=0"


class _Meter:
    """Requests in flight at once over every host, and which hosts were asked for what."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.active = self.peak = 0
        self.paths: list[tuple[int, str]] = []  # in the order they arrived


def _sites(meter: _Meter, count: int) -> LoopbackHosts:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            with meter.lock:
                meter.active += 1
                meter.peak = max(meter.peak, meter.active)
                meter.paths.append((self.server.site, self.path))  # type: ignore[attr-defined]
            time.sleep(HOLD)
            with meter.lock:
                meter.active -= 1
            if self.path == "/robots.txt":
                return self._send(200, b"User-agent: *\nDisallow: /admin/\n", "text/plain")
            return self._send(200, b"%PDF-1.4 report of " + self.path.encode(), "application/pdf")

    return LoopbackHosts(count, Handler, block=7)


def _sources(sites: LoopbackHosts, which: range) -> list[dict[str, Any]]:
    return [
        {"name": f"site {k}", "report_urls": [f"{sites.base(k)}/2021.pdf"], "local": True, "first_year": 2020}
        for k in which
    ]


def _settings(monkeypatch: pytest.MonkeyPatch, hosts: int, options: str = OPTIONS) -> Settings:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", options)
    monkeypatch.setenv("DISCLOSURE_FETCH_HOSTS", str(hosts))
    return Settings.from_env()


def test_a_batch_of_many_hosts_fetches_up_to_the_limit_at_once(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    meter = _Meter()
    with _sites(meter, 12) as sites:
        results = fetch_sources(_settings(monkeypatch, 8), _sources(sites, range(12)))
    assert [d["fetch_status"] for r in results for d in r["documents"]] == ["fetched"] * 12
    assert sorted(meter.paths) == sorted((k, p) for k in range(12) for p in ("/robots.txt", "/2021.pdf"))
    assert 4 < meter.peak <= 8  # more than the four hosts a batch had before, never more than the limit


def test_a_host_waiting_out_its_interval_lets_other_hosts_use_the_slot(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    meter = _Meter()
    interval = 1.0
    with _sites(meter, 4) as sites:
        busy = {"name": "site 0", "report_urls": [f"{sites.base(0)}/{y}.pdf" for y in (2019, 2020, 2021)]}
        sources = [{**busy, "local": True, "first_year": 2019}, *_sources(sites, range(1, 4))]
        options = OPTIONS.replace("min_interval_per_host=0", f"min_interval_per_host={interval}")
        results = fetch_sources(_settings(monkeypatch, 1, options), sources)
    assert [d["fetch_status"] for r in results for d in r["documents"]] == ["fetched"] * 6
    assert meter.peak == 1  # one request in flight at a time, whatever the host
    order = [site for site, _ in meter.paths]
    first, last = order.index(0), len(order) - 1 - order[::-1].index(0)
    # Site 0's four requests are 1 s apart; the other sites' six (0.2 s each) run in its pauses, not after it
    # (the one slot was held for a host's whole crawl before).
    assert sum(site != 0 for site in order[first:last]) >= 3, order


def _fetch_task(home: str, sources: list[dict[str, Any]], go: Any, out: Any) -> None:  # manager proxies
    """One `fetch` task: its own process, the shared DISCLOSURE_HOME and its lock files."""
    os.environ |= {"DISCLOSURE_HOME": home, "DISCLOSURE_FETCH_OPTIONS": OPTIONS, "DISCLOSURE_FETCH_HOSTS": "3"}
    go.wait(60)
    results = fetch_sources(Settings.from_env(), sources)
    out.extend([d["fetch_status"] for r in results for d in r["documents"]])


def test_two_fetch_processes_together_stay_within_the_limit(tmp_settings: Settings) -> None:
    meter = _Meter()
    spawn = multiprocessing.get_context("spawn")
    manager = spawn.Manager()
    go, statuses = manager.Event(), manager.list()
    with _sites(meter, 12) as sites:
        tasks = [
            spawn.Process(target=_fetch_task, args=(str(tmp_settings.home), _sources(sites, which), go, statuses))
            for which in (range(0, 6), range(6, 12))
        ]
        for task in tasks:
            task.start()
        time.sleep(0.5)  # both processes importing; `go` starts them together
        go.set()
        for task in tasks:
            task.join(120)
    assert [t.exitcode for t in tasks] == [0, 0]
    assert list(statuses) == ["fetched"] * 12
    # Each process alone would have three requests in flight (its six hosts at once, three slots), six together:
    # the shared slots hold them to three.
    assert 2 <= meter.peak <= 3
    manager.shutdown()
