"""Per-host politeness in Redis (server mode) at a nationwide day's scale: spacing kept, the cap kept, its cost.

    .venv/bin/python -m bench.host_locks                          # 600 hosts, 3 requests each, 2 processes
    .venv/bin/python -m bench.host_locks --hosts 3000 --requests 2

Every process asks for every host (a coroutine per host, `--requests` /
processes requests each, one after another) through one `RedisHostLimiter`
on the Redis at `--redis` (default: a free database of 127.0.0.1:6379, its
keys deleted after). A request holds its slot `--hold` seconds (a loopback
exchange). Printed beside their baselines of the same run:

- wall time against the ideal: a host's requests back to back at
  `--interval`, (requests - 1) x interval, or every request's `--hold`
  spread over the `--hosts-at-once` slots, whichever is longer;
- the handover: how much later than its booked turn each next start on a
  host came (gap - interval), median and 99th percentile, and the smallest gap;
- the peak of requests in flight against `--hosts-at-once`;
- a slot taken and given back with nobody waiting (3 round trips) against an
  empty `async with`, per request;
- Lua scripts Redis ran per request (server-wide EVALSHA count: other
  clients of the same server do not run ours).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import multiprocessing
import queue
import statistics
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import redis

from extractors.fetch.redis_host_limiter import RedisHostLimiter

SPAWN = multiprocessing.get_context("spawn")


def _crawl(limiter: RedisHostLimiter, hosts: list[str], requests: int, hold: float, ready: Any, out: Any) -> None:
    """One fetch task: a coroutine per host, `requests` requests each; puts its (host, start, end) spans."""
    spans: list[tuple[str, float, float]] = []

    async def host_requests(host: str) -> None:
        for _ in range(requests):
            async with limiter.slot(host):
                start = time.time()
                await asyncio.sleep(hold)
                spans.append((host, start, time.time()))

    async def run() -> None:
        await asyncio.gather(*(host_requests(h) for h in hosts))
        await limiter.aclose()

    ready.wait(60)  # every process imported: they start together
    asyncio.run(run())
    out.put(spans)


def crawl(limiter: RedisHostLimiter, args: argparse.Namespace) -> tuple[float, list[tuple[str, float, float]]]:
    """The wall time and spans of `args.processes` processes crawling every host together."""
    hosts = [f"site{k}.gov.cn" for k in range(args.hosts)]
    ready, out = SPAWN.Barrier(args.processes + 1), SPAWN.Queue()
    share = args.requests // args.processes
    tasks = [
        SPAWN.Process(target=_crawl, args=(limiter, hosts, share, args.hold, ready, out)) for _ in range(args.processes)
    ]
    for task in tasks:
        task.start()
    ready.wait(60)
    began = time.time()
    spans: list[tuple[str, float, float]] = []
    for _ in tasks:
        spans += _result(out, tasks)
    wall = max(end for _, _, end in spans) - began
    for task in tasks:
        task.join(60)
    return wall, spans


def _result(out: Any, tasks: list[Any]) -> list[tuple[str, float, float]]:
    """A task's spans once one reports; an exit without them (a traceback on stderr) ends the bench."""
    while True:
        try:
            return out.get(timeout=1)
        except queue.Empty:
            failed = [t.exitcode for t in tasks if t.exitcode not in (None, 0)]
            if failed:
                for task in tasks:
                    task.kill()
                raise SystemExit(f"a crawling process failed (exit codes {failed})") from None


def handovers(spans: list[tuple[str, float, float]], interval: float) -> list[float]:
    """For each next start on a host: how long after its turn (previous start + interval) it came."""
    starts: dict[str, list[float]] = {}
    for host, start, _ in spans:
        starts.setdefault(host, []).append(start)
    return [b - a - interval for s in starts.values() for a, b in itertools.pairwise(sorted(s))]


def peak(spans: list[tuple[str, float, float]]) -> int:
    events = sorted([(s, 1) for _, s, _ in spans] + [(e, -1) for _, _, e in spans])
    return max(itertools.accumulate(step for _, step in events))


@contextlib.asynccontextmanager
async def _nothing(_host: str) -> AsyncIterator[None]:
    yield


async def per_slot(limiter: RedisHostLimiter, slots: int) -> tuple[float, float]:
    """Seconds per uncontended slot (distinct hosts, no waiting): the limiter's and an empty context manager's."""
    timings = []
    for slot in (_nothing, limiter.slot):
        began = time.perf_counter()
        for k in range(slots):
            async with slot(f"solo{k}.gov.cn"):
                pass
        timings.append((time.perf_counter() - began) / slots)
    await limiter.aclose()
    return timings[1], timings[0]


def scripts_run(client: redis.Redis) -> int:
    return int(client.info("commandstats").get("cmdstat_evalsha", {}).get("calls", 0))


def free_db(host: str, port: int) -> int:
    for number in range(15, 0, -1):
        if redis.Redis(host=host, port=port, db=number).dbsize() == 0:
            return number
    raise SystemExit("no empty Redis database among 1..15: pass --redis")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=600)
    parser.add_argument("--requests", type=int, default=4, help="per host, split between the processes")
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--interval", type=float, default=1.0)
    parser.add_argument("--hosts-at-once", type=int, default=32)
    parser.add_argument("--hold", type=float, default=0.005, help="seconds a request holds its slot")
    parser.add_argument("--redis", default="", help="redis://host:port/db (default: a free db of 127.0.0.1:6379)")
    args = parser.parse_args()
    url = args.redis or f"redis://127.0.0.1:6379/{free_db('127.0.0.1', 6379)}"
    client = redis.Redis.from_url(url)
    prefix = f"bench-hosts-{uuid.uuid4().hex[:8]}"
    limiter = RedisHostLimiter(url, args.interval, 1, args.hosts_at_once, key_prefix=prefix)
    try:
        before = scripts_run(client)
        wall, spans = crawl(limiter, args)
        scripts = scripts_run(client) - before
        limited, empty = asyncio.run(per_slot(limiter, 500))
    finally:
        for key in client.scan_iter(match=f"{prefix}:*"):
            client.delete(key)
    late = sorted(handovers(spans, args.interval))
    per_host = args.requests // args.processes * args.processes
    print(f"{args.hosts} hosts x {per_host} requests, {args.processes} processes, interval {args.interval} s, ")
    print(f"hosts at once {args.hosts_at_once}, hold {args.hold} s, Redis {url}")
    print(f"{'figure':<38}{'measured':>12}{'baseline':>12}")
    ideal = max((per_host - 1) * args.interval, len(spans) * args.hold / args.hosts_at_once)
    print(f"{'wall time (s) / ideal':<38}{wall:>12.2f}{ideal:>12.2f}")
    print(f"{'handover, median (ms after its turn)':<38}{1000 * statistics.median(late):>12.1f}{0:>12}")
    print(f"{'handover, p99 (ms)':<38}{1000 * late[int(0.99 * (len(late) - 1))]:>12.1f}{0:>12}")
    print(f"{'smallest gap on a host (s) / interval':<38}{min(late) + args.interval:>12.3f}{args.interval:>12.3f}")
    print(f"{'peak in flight / cap':<38}{peak(spans):>12}{args.hosts_at_once:>12}")
    print(f"{'one slot, nobody waiting (ms) / empty':<38}{1000 * limited:>12.2f}{1000 * empty:>12.4f}")
    print(f"{'Lua scripts per request (server-wide)':<38}{scripts / len(spans):>12.2f}{2:>12}")


if __name__ == "__main__":
    main()
