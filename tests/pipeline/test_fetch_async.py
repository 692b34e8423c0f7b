"""One fetch task, one event loop: its hosts progress together without a thread each, and none stalls the others.

The sites are on distinct loopback addresses (bench.loopback_http.LoopbackHosts),
served by a process of their own: the fetch's process runs no thread but
its own, and the arrivals the sites note are not delayed by a shared GIL.
"""

from __future__ import annotations

import itertools
import multiprocessing
import socket
import threading
import time
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, ClassVar

import pytest

from bench.loopback_http import LoopbackHosts, QuietHandler
from extractors.fetch.host_limiter import HostLimiter
from pipeline.fetch_step import fetch_sources
from pipeline.settings import Settings
from tests.server_mode import REDIS_HOST, REDIS_PORT, flush_redis_db, free_redis_db

OPTIONS = "connect_timeout=2 read_timeout=2 total_timeout=10 retries=0"
YEARS = (2019, 2020, 2021)


class _Handler(QuietHandler):
    """A report for every path, no robots.txt (a 404: no rules); each request's arrival noted."""

    arrivals: ClassVar[list[tuple[float, int, str]]] = []  # in the serving process: (time, site, path)

    def do_GET(self) -> None:
        self.arrivals.append((time.time(), self.server.site, self.path))  # type: ignore[attr-defined]
        if self.path == "/robots.txt":
            return self._send(404, b"", "text/plain")
        return self._send(200, b"%PDF-1.4 report of " + self.path.encode(), "application/pdf")


def _serve(hosts: int, block: int, out: Any, stop: Any) -> None:  # multiprocessing queue and event
    with LoopbackHosts(hosts, _Handler, block) as sites:
        out.put([sites.base(k) for k in range(hosts)])
        stop.wait(120)
    out.put(_Handler.arrivals)


class _Sites:
    """`hosts` sites served by a process of their own: its server threads do not compete with the fetch's
    event loop for this process's GIL, so the arrivals they note are when the requests came."""

    def __init__(self, hosts: int, block: int) -> None:
        spawn = multiprocessing.get_context("spawn")
        self.out, self.stop = spawn.Queue(), spawn.Event()
        self.process = spawn.Process(target=_serve, args=(hosts, block, self.out, self.stop))
        self.arrivals: list[tuple[float, int, str]] = []

    def __enter__(self) -> list[str]:
        self.process.start()
        return self.out.get(timeout=60)  # the sites' base URLs

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.arrivals = self.out.get(timeout=60)
        self.process.join(60)


def _settings(monkeypatch: pytest.MonkeyPatch, interval: float) -> Settings:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", f"{OPTIONS} min_interval_per_host={interval}")
    monkeypatch.setenv("DISCLOSURE_FETCH_HOSTS", "32")
    return Settings.from_env()


def _source(base: str, k: int) -> dict[str, Any]:
    urls = [f"{base}/{y}.pdf" for y in YEARS]
    return {"name": f"site {k}", "report_urls": urls, "local": True, "first_year": 2019}


def _threads_started(monkeypatch: pytest.MonkeyPatch) -> list[Callable[..., object] | None]:
    """The targets of the threads this process starts from now on."""
    started: list[Callable[..., object] | None] = []
    start = threading.Thread.start

    def recording(thread: threading.Thread) -> None:
        started.append(getattr(thread, "_target", None))
        start(thread)

    monkeypatch.setattr(threading.Thread, "start", recording)
    return started


def _starts_recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[float]]:
    """When each request of this process starts, per host: noted as it enters the lock-file limiter's slot."""
    starts: dict[str, list[float]] = defaultdict(list)
    slot = HostLimiter.slot

    @asynccontextmanager
    async def noting(self: HostLimiter, host: str) -> AsyncIterator[None]:
        async with slot(self, host):
            starts[host].append(time.time())
            yield

    monkeypatch.setattr(HostLimiter, "slot", noting)
    return starts


def test_one_task_crawls_forty_spaced_hosts_at_once_without_a_thread(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    interval, hosts = 1.0, 40
    settings = _settings(monkeypatch, interval)
    starts = _starts_recorded(monkeypatch)
    with (sites := _Sites(hosts, block=11)) as bases:
        started = _threads_started(monkeypatch)
        began = time.monotonic()
        results = fetch_sources(settings, [_source(base, k) for k, base in enumerate(bases)])
        took = time.monotonic() - began
    statuses = [d["fetch_status"] for r in results for d in r["documents"]]
    assert statuses == ["fetched"] * hosts * len(YEARS)
    # Each host: robots.txt and three documents, `interval` apart: 3 s at least, 120 s one host after another.
    serial = hosts * len(YEARS) * interval
    assert took < serial / 4, took
    assert sorted(Counter(k for _, k, _ in sites.arrivals).values()) == [1 + len(YEARS)] * hosts
    assert len(starts) == hosts
    for times in starts.values():
        # Starts are booked `interval` apart; noted when the request's coroutine runs on, so a gap carries the
        # loop's jitter (the sites' arrivals carry the server's too: 0.08 s seen under the CI suite's load).
        # Unspaced, a host's requests would start a few ms apart.
        assert min(b - a for a, b in itertools.pairwise(times)) >= interval / 2
    assert started == []  # no thread: the hosts progressed as coroutines of one event loop


def test_a_host_whose_name_resolves_slowly_does_not_hold_up_the_others(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    stall = 2.0
    resolve = socket.getaddrinfo

    def slow_for_one_name(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "slow-dns.example":
            time.sleep(stall)  # a resolver that answers late, and then with nothing
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return resolve(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_for_one_name)
    settings = _settings(monkeypatch, 0.0)
    slow = {"name": "slow", "report_urls": ["http://slow-dns.example/2021.pdf"], "first_year": 2019}
    with (sites := _Sites(5, block=12)) as bases:
        began = time.time()
        results = fetch_sources(settings, [slow, *(_source(base, k) for k, base in enumerate(bases))])
    assert results[0]["documents"][0]["error"].startswith("fetch.dns:")
    assert [d["fetch_status"] for r in results[1:] for d in r["documents"]] == ["fetched"] * 5 * len(YEARS)
    assert max(t for t, _, _ in sites.arrivals) - began < stall  # all served while the name was still resolving


def test_a_task_with_redis_host_locks_spaces_its_hosts_in_redis(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DISCLOSURE_HOST_LOCKS=redis://... (server mode): the task's requests are booked in Redis, not lock files."""
    import redis

    interval, hosts = 0.5, 3
    db = free_redis_db()
    try:
        monkeypatch.setenv("DISCLOSURE_HOST_LOCKS", f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}")
        settings = _settings(monkeypatch, interval)
        with _Sites(hosts, block=13) as bases:
            results = fetch_sources(settings, [_source(base, k) for k, base in enumerate(bases)])
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        paced = {key.decode() for key in client.scan_iter(match="*:pace")}
    finally:
        flush_redis_db(db)
    assert [d["fetch_status"] for r in results for d in r["documents"]] == ["fetched"] * hosts * len(YEARS)
    assert len(paced) == hosts  # each host's next start was booked in Redis
    assert not list((settings.storage.fetch_state_dir / "hosts").glob("*.pace"))  # and not in a lock file
    # (the spacing kept in Redis across processes: tests/extractors/fetch/test_redis_host_limiter.py)
