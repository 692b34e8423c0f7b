"""Per-host politeness in Redis, for server mode: Celery workers on different machines share no lock folder.

The same limits as the lock-file `HostLimiter` (host_limiter.py), kept in the
Redis of DISCLOSURE_HOST_LOCKS under `key_prefix`:

- `<prefix>:host:<host>:leases`: a sorted set of the host's `max_concurrency`
  slots in use, each a random token scored with the time its lease runs out;
- `<prefix>:host:<host>:pace`: the time the host's next request may start;
- `<prefix>:any-host`: the leases of the `hosts_at_once` slots shared by every host.

One Lua script starts a request, atomically: once the host's turn has come
(pace), one of its slots and one shared slot are free, it takes both and
books the host's next start (`now + min_interval`). So the spacing is exact,
and a request waiting out its host's interval holds nothing, no shared slot
in particular. Otherwise it answers how long until the host's turn (slept
out exactly: no polling while a host pauses) or that the slots are busy
(polled again after an `asyncio.sleep` growing from 10 ms to 0.25 s, with
jitter). Back-off polling rather than BLPOP-style wake-ups, which would hold
a connection per waiter; while every shared slot is taken, only
`hosts_at_once` requests of an event loop poll, the others wait on a local
semaphore, and a release wakes one waiter of its own loop at once (other
processes' releases are found by polling). Waiting never blocks the event
loop; a request costs Redis 2 round trips when nobody waits (the script, the
release), about 2.25 with 600 hosts crawled at once (bench/host_locks.py). Times are Redis's own clock
(TIME), one clock for every worker; Redis 5 or later (a script that reads
TIME before it writes is replicated by its effects).

Leases instead of locks: a flock dies with its process, a Redis key does not.
Every lease runs out `lease_seconds` after it was taken (the factory gives the
fetch's `total_timeout` plus a margin: the request a slot is held for cannot
last longer), so a killed worker's slots come back within that time.

Redis unreachable (after the client's 3 retries, at most ~3.5 s): `slot` raises
`HostLocksUnavailable` and no request is made; there is no fall-back to an
unshared limit. A release that fails is logged; its leases run out by
themselves.
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, nullcontext, suppress
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.commands.core import AsyncScript
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger(__name__)

DEFAULT_PREFIX = "disclosure:hosts"
# Polls of a full host or of full shared slots: 10 ms, doubling to 0.25 s, as the lock-file limiter.
_FIRST_POLL, _LAST_POLL = 0.01, 0.25
# A blip of Redis (a restart, a failover) is retried this many times, after up to 0.5, 1 and 2 s.
_RETRIES, _RETRY_BASE, _RETRY_CAP = 3, 0.25, 2.0
_SOCKET_TIMEOUT = 5.0
# A script takes well under a millisecond, so a few connections serve thousands of waiting requests;
# the others wait for a free connection (up to _POOL_WAIT s) instead of opening one each.
_CONNECTIONS, _POOL_WAIT = 16, 60.0

# Redis's clock in ms: every process books against the same one.
_NOW = """
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
"""

# KEYS: host leases, host pace, shared leases. ARGV: token, max_concurrency, min_interval ms,
# hosts_at_once (0: no cap), lease ms. Returns STARTED, HOST_BUSY, SHARED_BUSY, or the ms until the host's turn.
_START = (
    _NOW
    + """
local next_start = tonumber(redis.call('GET', KEYS[2]) or '0')
if next_start > now then return next_start - now end
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[2]) then return -1 end
local cap, lease = tonumber(ARGV[4]), tonumber(ARGV[5])
if cap > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now)
  if redis.call('ZCARD', KEYS[3]) >= cap then return -2 end
  redis.call('ZADD', KEYS[3], now + lease, ARGV[1])
  redis.call('PEXPIRE', KEYS[3], lease)
end
redis.call('ZADD', KEYS[1], now + lease, ARGV[1])
redis.call('PEXPIRE', KEYS[1], lease)
local interval = tonumber(ARGV[3])
redis.call('SET', KEYS[2], now + interval, 'PX', interval + 1000)
return 0
"""
)
STARTED, HOST_BUSY, SHARED_BUSY = 0, -1, -2


class HostLocksUnavailable(RuntimeError):
    """The Redis holding the host locks does not answer: no request may be made without them."""


class RedisHostLimiter:
    """At most `max_concurrency` requests to a host at a time and one start per `min_interval` s, across machines.

    With `hosts_at_once`, a request also holds one of that many slots shared by
    every host, taken (with the host's start booked) only once the host's pace
    allows it. `lease_seconds` bounds how long a killed process's slots stay taken.
    """

    def __init__(
        self,
        url: str,
        min_interval: float,
        max_concurrency: int,
        hosts_at_once: int | None = None,
        *,
        key_prefix: str = DEFAULT_PREFIX,
        lease_seconds: float = 360.0,
    ) -> None:
        self.url = url
        self.min_interval = min_interval
        self.max_concurrency = max(1, max_concurrency)
        self.hosts_at_once = hosts_at_once or 0
        self.key_prefix = key_prefix
        self.lease_ms = max(1, round(lease_seconds * 1000))
        # A redis.asyncio client (and an asyncio.Semaphore) belongs to the event loop it first ran on.
        self._loops: dict[asyncio.AbstractEventLoop, _OnLoop] = {}

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        """Hold a slot of `host` (and a shared one) for the block; its start is spaced from the host's last."""
        on_loop = self._on_loop()
        token = uuid.uuid4().hex
        host_key = f"{self.key_prefix}:host:{host}"
        keys = [f"{host_key}:leases", f"{host_key}:pace", f"{self.key_prefix}:any-host"]
        try:
            await self._start(on_loop, keys, token)
            yield
        finally:
            # Shielded: a request cancelled (a deadline, a stopping task) still gives its slots back now.
            await asyncio.shield(self._release(on_loop.client, keys, token))
            async with on_loop.released:
                on_loop.released.notify()  # a waiter of this loop asks at once; other processes' poll

    async def aclose(self) -> None:
        """Close the clients of every event loop this limiter ran on (the current one's, in practice)."""
        loops, self._loops = self._loops, {}
        for on_loop in loops.values():
            await on_loop.client.aclose()

    def _on_loop(self) -> _OnLoop:
        loop = asyncio.get_running_loop()
        if loop not in self._loops:
            self._loops = {k: v for k, v in self._loops.items() if not k.is_closed()}
            pool = redis.BlockingConnectionPool.from_url(
                self.url,
                max_connections=_CONNECTIONS,
                timeout=_POOL_WAIT,
                socket_timeout=_SOCKET_TIMEOUT,
                socket_connect_timeout=_SOCKET_TIMEOUT,
                retry=Retry(ExponentialWithJitterBackoff(base=_RETRY_BASE, cap=_RETRY_CAP), _RETRIES),
            )
            client = redis.Redis.from_pool(pool)  # closing the client closes its pool
            gate = asyncio.Semaphore(self.hosts_at_once) if self.hosts_at_once else None
            self._loops[loop] = _OnLoop(client, client.register_script(_START), gate, asyncio.Condition())
        return self._loops[loop]

    async def _start(self, on_loop: _OnLoop, keys: list[str], token: str) -> None:
        """Wait for the host's turn and free slots, then take them and book the host's next start."""
        args = [token, self.max_concurrency, round(self.min_interval * 1000), self.hosts_at_once, self.lease_ms]
        poll = _Poll()
        while True:
            async with on_loop.gate or nullcontext():
                while (answer := await self._call(on_loop.script, keys, args)) == SHARED_BUSY:
                    await poll.sleep(on_loop.released)
            if answer == STARTED:
                return
            if answer == HOST_BUSY:
                await poll.sleep()
            else:
                await asyncio.sleep(answer / 1000)  # the host's turn, holding nothing

    async def _call(self, script: AsyncScript, keys: list[str], args: list[str | int]) -> int:
        try:
            return int(await script(keys=keys, args=args))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise HostLocksUnavailable(
                f"fetch.host_locks: Redis at {_without_password(self.url)} (DISCLOSURE_HOST_LOCKS) "
                f"does not answer, no request is made without the per-host locks: {exc}"
            ) from exc

    async def _release(self, client: redis.Redis, keys: list[str], token: str) -> None:
        try:
            async with client.pipeline(transaction=True) as pipe:
                await pipe.zrem(keys[0], token).zrem(keys[2], token).execute()
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            log.warning(
                "host locks: could not release a slot in %s (%s); it runs out within %.0f s",
                _without_password(self.url),
                exc,
                self.lease_ms / 1000,
            )


@dataclass(frozen=True)
class _OnLoop:
    """What the limiter uses on one event loop.

    `gate`: at most `hosts_at_once` of the loop's requests ask for a shared slot at a time. While every
    shared slot is taken, only they poll; the others wait on the semaphore, costing Redis nothing.
    """

    client: redis.Redis
    script: AsyncScript
    gate: asyncio.Semaphore | None
    released: asyncio.Condition  # notified when a request of this loop gives its slots back


class _Poll:
    """Sleeps between polls of a busy slot: 10 ms doubling to 0.25 s, jittered so waiters do not poll in step."""

    def __init__(self) -> None:
        self.pause = _FIRST_POLL

    async def sleep(self, released: asyncio.Condition | None = None) -> None:
        """Sleep the next pause, or less when `released` is notified first."""
        pause = self.pause * random.uniform(0.5, 1.0)
        self.pause = min(2 * self.pause, _LAST_POLL)
        if released is None:
            await asyncio.sleep(pause)
            return
        async with released:
            with suppress(TimeoutError):
                await asyncio.wait_for(released.wait(), pause)


def _without_password(url: str) -> str:
    """`url` fit for a log or an error: a password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    user = f"{parts.username}:***@" if parts.username else ":***@"
    netloc = user + (parts.hostname or "") + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
