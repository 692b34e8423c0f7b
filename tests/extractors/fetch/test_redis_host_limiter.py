"""Politeness in Redis (server mode): processes share each host's spacing and cap, and the shared cap.

Against the Redis at 127.0.0.1:6379, in a free database and under a key
prefix of each test's own, deleted after it. No Redis fails on CI (CI=true).
"""

from __future__ import annotations

import asyncio
import dataclasses
import itertools
import multiprocessing
import os
import queue
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis

from extractors.fetch import redis_host_limiter
from extractors.fetch.fetcher import FetchConfig
from extractors.fetch.host_limiter import HostLimiter
from extractors.fetch.host_locks import LEASE_MARGIN, host_limiter
from extractors.fetch.redis_host_limiter import HostLocksUnavailable, RedisHostLimiter
from pipeline.settings import Settings
from tests.extractors.fetch.redis_slot_workers import hold, take_a_slot_and_hang, take_slots
from tests.server_mode import REDIS_HOST, REDIS_PORT, free_port, free_redis_db

INTERVAL = 0.2
SPAWN = multiprocessing.get_context("spawn")
MakeLimiter = Callable[..., RedisHostLimiter]


@pytest.fixture(scope="module")
def redis_db() -> Iterator[int]:
    number = free_redis_db()  # claims the database with a key of ours
    yield number
    redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number).delete("disclosure-test-claim")


@pytest.fixture
def limiter_for(redis_db: int) -> Iterator[MakeLimiter]:
    """`limiter_for(min_interval, max_concurrency, hosts_at_once, lease_seconds)`: limiters sharing this test's keys."""
    url = f"redis://{REDIS_HOST}:{REDIS_PORT}/{redis_db}"
    prefix = f"test-hosts-{uuid.uuid4().hex[:8]}"

    def make(
        min_interval: float, max_concurrency: int, hosts_at_once: int, lease_seconds: float = 60
    ) -> RedisHostLimiter:
        return RedisHostLimiter(
            url, min_interval, max_concurrency, hosts_at_once, key_prefix=prefix, lease_seconds=lease_seconds
        )

    yield make
    client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=redis_db)
    for key in client.scan_iter(match=f"{prefix}:*"):
        client.delete(key)


def _run_together(limiter: RedisHostLimiter, hosts_per_process: list[list[str]], seconds: float) -> list[tuple]:
    """Each list of hosts taken at once by a process of its own, all processes released together; the spans held."""
    ready, held = SPAWN.Barrier(len(hosts_per_process) + 1), SPAWN.Queue()
    processes = [
        SPAWN.Process(target=take_slots, args=(limiter, hosts, seconds, ready, held)) for hosts in hosts_per_process
    ]
    try:
        for process in processes:
            process.start()
        ready.wait(60)  # every process imported: they ask together
        spans = [held.get(timeout=60) for _ in range(sum(map(len, hosts_per_process)))]
        for process in processes:
            process.join(30)
        assert [p.exitcode for p in processes] == [0] * len(processes)
        return spans
    finally:
        for process in processes:
            process.kill()  # a limiter that never lets a request in leaves them waiting


def _peak(spans: list[tuple]) -> int:
    """The most spans overlapping at one moment."""
    events = sorted([(start, 1) for _, start, _ in spans] + [(end, -1) for _, _, end in spans])
    return max(itertools.accumulate(step for _, step in events))


def test_processes_on_one_host_keep_its_spacing_and_its_cap(limiter_for: MakeLimiter) -> None:
    # Held longer than the interval, so that the cap and not the spacing bounds the overlap.
    limiter = limiter_for(INTERVAL, max_concurrency=2, hosts_at_once=8)
    spans = _run_together(limiter, [["a.gov.cn"] * 3] * 3, seconds=0.5)
    starts = sorted(start for _, start, _ in spans)
    # A start is recorded after the script booked it: each gap may lose some scheduling jitter, the series little.
    assert min(b - a for a, b in itertools.pairwise(starts)) >= INTERVAL / 2
    assert starts[-1] - starts[0] >= (len(starts) - 1) * INTERVAL * 0.95
    assert _peak(spans) == 2


def test_the_shared_cap_holds_across_processes_and_hosts(limiter_for: MakeLimiter) -> None:
    limiter = limiter_for(INTERVAL, max_concurrency=1, hosts_at_once=2)
    spans = _run_together(limiter, [[f"p{p}-h{h}.gov.cn" for h in range(3)] for p in range(3)], seconds=0.3)
    assert len({host for host, _, _ in spans}) == 9
    assert _peak(spans) == 2


def test_hundreds_of_requests_waiting_in_one_process_share_a_few_connections(limiter_for: MakeLimiter) -> None:
    limiter = limiter_for(0.0, max_concurrency=1, hosts_at_once=8)
    held: queue.SimpleQueue[tuple] = queue.SimpleQueue()

    async def run() -> None:
        try:
            await asyncio.wait_for(asyncio.gather(*(hold(limiter, f"h{k}.gov.cn", 0.01, held) for k in range(300))), 60)
        finally:
            await limiter.aclose()

    asyncio.run(run())  # more waiters than a connection pool's default 100 connections
    spans = [held.get() for _ in range(held.qsize())]
    assert len(spans) == 300
    assert _peak(spans) <= 8


def test_a_killed_process_slots_come_back_when_their_lease_runs_out(limiter_for: MakeLimiter) -> None:
    lease = 1.5
    limiter = limiter_for(0.0, max_concurrency=1, hosts_at_once=1, lease_seconds=lease)
    held = SPAWN.Queue()
    process = SPAWN.Process(target=take_a_slot_and_hang, args=(limiter, "a.gov.cn", held))
    process.start()
    try:
        taken = held.get(timeout=60)
    finally:
        os.kill(process.pid, signal.SIGKILL)  # no release: only the lease frees its slots
        process.join(10)

    async def both() -> tuple[float, float]:
        try:
            return await _entered(limiter, "b.gov.cn"), await _entered(limiter, "a.gov.cn")  # shared slot, host's
        finally:
            await limiter.aclose()

    shared_back, host_back = asyncio.run(both())
    # Back once the lease ran out, not before (one machine's clock; 0.3 s for the lag of `taken` behind the
    # lease's start under load). Held by nothing, they would be back as soon as the process was killed.
    assert taken + lease - 0.3 <= shared_back <= taken + lease + 1.0
    assert host_back - shared_back < 0.5


def test_a_cancelled_request_gives_its_slots_back_at_once(limiter_for: MakeLimiter) -> None:
    limiter = limiter_for(0.0, max_concurrency=1, hosts_at_once=1)  # leases of 60 s

    async def run() -> float:
        inside = asyncio.Event()

        async def hang() -> None:
            async with limiter.slot("a.gov.cn"):
                inside.set()
                await asyncio.sleep(3600)

        task = asyncio.create_task(hang())
        await inside.wait()
        task.cancel()  # as a deadline around the request would
        began = time.time()
        entered = await _entered(limiter, "b.gov.cn")  # needs the one shared slot
        await limiter.aclose()
        return entered - began

    assert asyncio.run(run()) < 1.0


def test_a_host_waiting_out_its_interval_holds_no_shared_slot(limiter_for: MakeLimiter) -> None:
    interval = 1.0
    limiter = limiter_for(interval, max_concurrency=1, hosts_at_once=1)

    async def run() -> tuple[float, float]:
        async with limiter.slot("slow.gov.cn"):
            pass  # its next start is booked a second later
        began = time.time()
        second = asyncio.create_task(_entered(limiter, "slow.gov.cn"))
        await asyncio.sleep(0.1)  # the slow host is waiting out its interval now
        other = await _entered(limiter, "fast.gov.cn")
        slow = await second
        await limiter.aclose()
        return other - began, slow - began

    other, slow = asyncio.run(run())
    assert other < interval / 2  # not behind the slow host's pause
    assert slow >= interval * 0.9


async def _entered(limiter: RedisHostLimiter, host: str) -> float:
    """When a slot of `host` was entered; a limiter that never lets it in fails the test in 10 s."""
    async with asyncio.timeout(10), limiter.slot(host):
        return time.time()


def test_without_redis_no_request_is_made_and_the_error_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redis_host_limiter, "_RETRIES", 0)  # the error, not the seconds of retries before it
    limiter = RedisHostLimiter(f"redis://:secret@127.0.0.1:{free_port()}/3", 1.0, 1, 4)
    entered = []

    async def run() -> None:
        async with limiter.slot("a.gov.cn"):
            entered.append(True)

    with pytest.raises(HostLocksUnavailable, match=r"fetch\.host_locks: Redis at redis://:\*\*\*@127\.0\.0\.1") as err:
        asyncio.run(run())
    assert "secret" not in str(err.value)
    assert not entered


def test_the_setting_picks_lock_files_or_redis_and_refuses_anything_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = dataclasses.replace(FetchConfig(), min_interval_per_host=2.0, max_concurrency_per_host=3, total_timeout=90)
    files = host_limiter("", tmp_path, config, 32)
    assert isinstance(files, HostLimiter) and files.lock_dir == tmp_path / "hosts"
    assert (files.min_interval, files.max_concurrency, files.any_host and files.any_host.limit) == (2.0, 3, 32)
    shared = host_limiter("redis://redis:6379/1", tmp_path, config, 32)
    assert isinstance(shared, RedisHostLimiter)
    assert (shared.min_interval, shared.max_concurrency, shared.hosts_at_once) == (2.0, 3, 32)
    assert shared.lease_ms == (90 + LEASE_MARGIN) * 1000
    assert Settings.from_env().host_locks == ""
    monkeypatch.setenv("DISCLOSURE_HOST_LOCKS", "redis://redis:6379/1")
    assert Settings.from_env().host_locks == "redis://redis:6379/1"
    for wrong in ("redis", "memcached://cache:11211", "postgresql://u:pw@db/x"):
        monkeypatch.setenv("DISCLOSURE_HOST_LOCKS", wrong)
        with pytest.raises(ValueError, match=r"DISCLOSURE_HOST_LOCKS must be empty .* or a redis:// URL") as err:
            Settings.from_env()
        assert "pw" not in str(err.value)
