"""Per-host politeness shared by every process that fetches: a concurrency cap and a spacing between starts.

Mapped `fetch` tasks run in separate processes (and in server mode in
separate containers), so an in-process semaphore would let two tasks hit one
host at once. The limits live in lock files instead, one set per host in a
folder every fetching process sees (`<fetch_state_dir>/hosts`, on the
shared `DISCLOSURE_HOME` volume in compose): `fcntl.flock` on one of
`max_concurrency` slot files is held for the whole request, and a pace file,
locked briefly, holds the wall-clock time the host's next request may start.
flock locks belong to an open file, so coroutines (and threads) of one
process exclude each other the same way processes do; the kernel drops them
when a process dies.

The fetch runs on an event loop, one coroutine per host, so no lock is ever
waited for in a blocking call: every flock is tried non-blocking and retried
after an `asyncio.sleep` (a few ms for the briefly held pace files, growing
to `_LAST_POLL` for the slots held a whole request), and a host's pace is
waited out with `asyncio.sleep`. The loop keeps serving the other hosts.

`HostsAtOnce` caps the requests in flight at once by all of them together
(DISCLOSURE_FETCH_HOSTS) with `limit` slot files of the same folder; a
request takes one only after its host's pace allows it to start, so the
many hosts waiting out their interval hold none. Lock
files and not Redis or the warehouse: the embedded mode has neither a Redis
nor a warehouse that takes a second writer (DuckDB), and every process that
fetches already shares this folder for the per-host budget. Server mode may
pass another `HostSlots` to the Fetcher instead.
"""

from __future__ import annotations

import asyncio
import fcntl
import hashlib
import itertools
import os
import random
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager, nullcontext
from pathlib import Path
from typing import Protocol


class HostSlots(Protocol):
    """What the Fetcher needs of a limiter: `async with slots.slot(host):` around each request to `host`."""

    def slot(self, host: str) -> AbstractAsyncContextManager[None]: ...


class HostLimiter:
    """At most `max_concurrency` requests to a host at a time and one start per `min_interval` s, across processes.

    With `hosts_at_once`, a request also holds one of that many slots shared by every host
    (`HostsAtOnce`), taken only once the host's pace allows a start: a host waiting out its
    interval holds none, so the slots serve requests, not pauses.
    """

    def __init__(
        self, lock_dir: Path, min_interval: float, max_concurrency: int, hosts_at_once: int | None = None
    ) -> None:
        self.lock_dir = lock_dir
        self.min_interval = min_interval
        self.max_concurrency = max(1, max_concurrency)
        self.any_host = HostsAtOnce(lock_dir, hosts_at_once) if hosts_at_once else None
        self._turn = itertools.count()  # which busy slot to queue on when every slot is taken

    async def aclose(self) -> None:
        """Nothing to close (a lock file is opened per request); the Redis limiter closes its pool."""

    @asynccontextmanager
    async def slot(self, host: str) -> AsyncIterator[None]:
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        stem = _file_stem(host)
        pace = self.lock_dir / f"{stem}.pace"
        async with _any_slot(self.lock_dir, stem, self.max_concurrency, next(self._turn)):
            while True:
                wait = await self._next_start(pace) - time.time()
                if wait > 0:
                    await asyncio.sleep(wait)  # holding the host's slot only
                    continue
                async with self.any_host.slot() if self.any_host else nullcontext():
                    # Booked only now: the wait for a shared slot may outlast the host's turn, and another
                    # holder of the host (max_concurrency > 1) may have booked it meanwhile.
                    if await self._book_start(pace):
                        yield
                        return

    async def _next_start(self, pace: Path) -> float:
        """The wall-clock time the host's next request may start (0 when none is booked)."""
        async with _polled(pace, _PACE_POLL) as fd:
            return _float(_read(fd), 0.0)

    async def _book_start(self, pace: Path) -> bool:
        """Book a start now and the next one `min_interval` later, unless the host's turn has not come."""
        async with _polled(pace, _PACE_POLL) as fd:
            now = time.time()
            if _float(_read(fd), 0.0) > now:
                return False
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{now + self.min_interval:.6f}".encode("ascii"), 0)
        return True


def host_lock_dir(fetch_state_dir: Path) -> Path:
    """The lock folder every fetching process shares (on the shared DISCLOSURE_HOME in compose)."""
    return fetch_state_dir / "hosts"


# flock cannot wait for any one of several files, nor without blocking: a waiter polls, a slot (held for a
# whole request) from 10 ms up to 0.25 s apart, a pace file (held for a read or a write) 1 ms up to 20 ms.
_FIRST_POLL, _LAST_POLL = 0.01, 0.25
_PACE_POLL = (0.001, 0.02)


class HostsAtOnce:
    """At most `limit` holders at a time among every process sharing `lock_dir` (coroutines included)."""

    def __init__(self, lock_dir: Path, limit: int) -> None:
        self.lock_dir = lock_dir
        self.limit = max(1, limit)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        """Hold one of the `limit` slots while the block runs (a request, in `HostLimiter.slot`)."""
        self.lock_dir.mkdir(parents=True, exist_ok=True)
        paths = [self.lock_dir / f"any-host.slot{i}" for i in range(self.limit)]
        pause = _FIRST_POLL
        while True:
            start = random.randrange(self.limit)  # processes spread over the slots instead of all trying slot 0
            for path in paths[start:] + paths[:start]:
                with _locked(path) as fd:
                    if fd is not None:
                        yield
                        return
            await asyncio.sleep(pause)
            pause = min(2 * pause, _LAST_POLL)


def _file_stem(host: str) -> str:
    """A file name for a host: readable, and safe whatever the host string holds (ports, IPv6 brackets)."""
    safe = "".join(c if c.isalnum() or c in ".-" else "_" for c in host)[:80]
    return f"{safe}-{hashlib.sha256(host.encode()).hexdigest()[:12]}"


@asynccontextmanager
async def _any_slot(lock_dir: Path, stem: str, slots: int, turn: int) -> AsyncIterator[None]:
    """Take a free slot file of the host, or queue on one of them (round robin) when all are busy."""
    # Appended, not Path.with_suffix: that would cut the name at its last dot, and 127.0.0.1 and
    # 127.0.0.2 (or www.a.gov.cn and www.a.gov.com) would share their slots.
    paths = [lock_dir / f"{stem}.slot{i}" for i in range(slots)]
    for path in paths:
        with _locked(path) as fd:
            if fd is not None:
                yield
                return
    async with _polled(paths[turn % slots], (_FIRST_POLL, _LAST_POLL)):
        yield


@asynccontextmanager
async def _polled(path: Path, polls: tuple[float, float]) -> AsyncIterator[int]:
    """An exclusive flock on `path` (the file's descriptor), retried `polls` (first, longest pause) apart."""
    pause, longest = polls
    while True:
        with _locked(path) as fd:
            if fd is not None:
                yield fd
                return
        await asyncio.sleep(pause)
        pause = min(2 * pause, longest)


@contextmanager
def _locked(path: Path) -> Iterator[int | None]:
    """An exclusive flock on `path` taken without blocking (the file's descriptor), or None when it is held."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield None
            return
        try:
            yield fd
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _read(fd: int) -> str:
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, 64).decode("ascii", errors="replace").strip()


def _float(text: str, default: float) -> float:
    try:
        return float(text)
    except ValueError:
        return default  # an empty or torn file: no booking to honour
