"""One fetch task, one event loop: its hosts progress together without a thread each, and none stalls the others.

The sites are on distinct loopback addresses (bench.loopback_http.LoopbackHosts);
the server answers from threads of its own (ThreadingHTTPServer), so the
tests tell the fetch's threads from the server's by what they run.
"""

from __future__ import annotations

import itertools
import socket
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest

from bench.loopback_http import LoopbackHosts, QuietHandler
from pipeline.fetch_step import fetch_sources
from pipeline.settings import Settings

OPTIONS = "connect_timeout=2 read_timeout=2 total_timeout=10 retries=0"
YEARS = (2019, 2020, 2021)


class _Arrivals:
    """When each site was asked for what."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.seen: list[tuple[float, int, str]] = []

    def handler(self) -> type[QuietHandler]:
        arrivals = self

        class Handler(QuietHandler):
            def do_GET(self) -> None:
                with arrivals.lock:
                    arrivals.seen.append((time.monotonic(), self.server.site, self.path))  # type: ignore[attr-defined]
                if self.path == "/robots.txt":
                    return self._send(404, b"", "text/plain")
                return self._send(200, b"%PDF-1.4 report of " + self.path.encode(), "application/pdf")

        return Handler


def _settings(monkeypatch: pytest.MonkeyPatch, interval: float) -> Settings:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", f"{OPTIONS} min_interval_per_host={interval}")
    monkeypatch.setenv("DISCLOSURE_FETCH_HOSTS", "32")
    return Settings.from_env()


def _source(sites: LoopbackHosts, k: int) -> dict[str, Any]:
    urls = [f"{sites.base(k)}/{y}.pdf" for y in YEARS]
    return {"name": f"site {k}", "report_urls": urls, "local": True, "first_year": 2019}


def _threads_started(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., object] | None]:
    """The targets of the threads started from now on (the server's handlers included)."""
    started: list[Callable[..., object] | None] = []
    start = threading.Thread.start

    def recording(thread: threading.Thread) -> None:
        started.append(getattr(thread, "_target", None))
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording)
    return started


def test_one_task_crawls_forty_spaced_hosts_at_once_without_a_thread(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    interval, hosts = 0.5, 40
    arrivals = _Arrivals()
    with LoopbackHosts(hosts, arrivals.handler(), block=11) as sites:
        settings = _settings(monkeypatch, interval)
        started = _threads_started(monkeypatch)
        began = time.monotonic()
        results = fetch_sources(settings, [_source(sites, k) for k in range(hosts)])
        took = time.monotonic() - began
    statuses = [d["fetch_status"] for r in results for d in r["documents"]]
    assert statuses == ["fetched"] * hosts * len(YEARS)
    # Each host: robots.txt and three documents, `interval` apart: 1.5 s at least, 60 s one host after another.
    serial = hosts * len(YEARS) * interval
    assert took < serial / 4, took
    for site in range(hosts):
        times = sorted(t for t, k, _ in arrivals.seen if k == site)
        assert len(times) == 1 + len(YEARS)
        # Booked starts are `interval` apart; an arrival carries the loaded machine's jitter (as in
        # tests/extractors/fetch/test_host_limiter.py): each gap held to half of it, the series to all of it.
        assert min(b - a for a, b in itertools.pairwise(times)) >= interval / 2
        assert times[-1] - times[0] >= len(YEARS) * interval * 0.95
    fetch_threads = [t for t in started if getattr(t, "__name__", "") != "process_request_thread"]
    assert fetch_threads == []  # every thread started was the server's, one per connection


def test_a_host_whose_name_resolves_slowly_does_not_hold_up_the_others(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stall = 3.0
    resolve = socket.getaddrinfo

    def slow_for_one_name(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.example":
            time.sleep(stall)  # a resolver that answers late, and then with nothing
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_for_one_name)
    arrivals = _Arrivals()
    with LoopbackHosts(5, arrivals.handler(), block=12) as sites:
        slow = {"name": "slow", "report_urls": ["http://slow-dns.example/2021.pdf"], "first_year": 2019}
        began = time.monotonic()
        results = fetch_sources(_settings(monkeypatch, 0.0), [slow, *(_source(sites, k) for k in range(5))])
    assert results[0]["documents"][0]["error"].startswith("fetch.dns:")
    assert [d["fetch_status"] for r in results[1:] for d in r["documents"]] == ["fetched"] * 5 * len(YEARS)
    assert max(t for t, _, _ in arrivals.seen) - began < stall  # all served while the name was still resolving
