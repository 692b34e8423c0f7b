"""Processes that take Redis host slots and report when they held them (tests/.../test_redis_host_limiter.py).

A module of its own so that the spawned processes import only the limiter, not the test's fixtures.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from extractors.fetch.redis_host_limiter import RedisHostLimiter


async def hold(limiter: RedisHostLimiter, host: str, seconds: float, held: Any) -> None:
    async with limiter.slot(host):
        start = time.time()
        await asyncio.sleep(seconds)
        held.put((host, start, time.time()))  # inside the slot: the span recorded lies within the real one


def take_slots(limiter: RedisHostLimiter, hosts: list[str], seconds: float, ready: Any, held: Any) -> None:
    """One request per host of `hosts` at once (a task per request), each holding its slot `seconds`."""

    async def run() -> None:
        await asyncio.gather(*(hold(limiter, host, seconds, held) for host in hosts))
        await limiter.aclose()

    ready.wait(60)  # a barrier: every process starts asking at once
    asyncio.run(run())


def take_a_slot_and_hang(limiter: RedisHostLimiter, host: str, held: Any) -> None:
    """Take a slot of `host`, say when, and keep it until killed."""

    async def hang() -> None:
        async with limiter.slot(host):
            held.put(time.time())
            await asyncio.sleep(3600)

    asyncio.run(hang())
