"""Where the per-host politeness lives (DISCLOSURE_HOST_LOCKS): lock files, or Redis in server mode.

"" (the embedded default): lock files in the fetch state folder
(host_limiter.HostLimiter), shared by every process on one machine or one
shared volume. A `redis://` (or TLS `rediss://`) URL: `RedisHostLimiter`, for
Celery workers that share no folder. Anything else is refused, never read
as "no limit".
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from extractors.fetch.host_limiter import HostLimiter, host_lock_dir

if TYPE_CHECKING:
    from extractors.fetch.fetcher import FetchConfig
    from extractors.fetch.redis_host_limiter import RedisHostLimiter

LOCK_FILES = ""
REDIS_SCHEMES = ("redis://", "rediss://")
# A lease outlives the request it is held for (one exchange, bounded by FetchConfig.total_timeout)
# by this much: the deadline's own lag and the release's round trip.
LEASE_MARGIN = 60.0


def check_host_locks(value: str) -> str:
    """DISCLOSURE_HOST_LOCKS as given ("" or a Redis URL); ValueError naming the variable otherwise."""
    value = value.strip()
    if value != LOCK_FILES and not value.startswith(REDIS_SCHEMES):
        raise ValueError(
            "DISCLOSURE_HOST_LOCKS must be empty (lock files under DISCLOSURE_HOME, the embedded default) "
            f"or a redis:// URL (server mode), not {value.split('@')[-1]!r}"  # no credentials in the message
        )
    return value


def host_limiter(
    host_locks: str, fetch_state_dir: Path, config: FetchConfig, hosts_at_once: int | None
) -> HostLimiter | RedisHostLimiter:
    """The limiter DISCLOSURE_HOST_LOCKS names, with the fetch's per-host spacing and caps."""
    url = check_host_locks(host_locks)
    if url == LOCK_FILES:
        return HostLimiter(
            host_lock_dir(fetch_state_dir), config.min_interval_per_host, config.max_concurrency_per_host, hosts_at_once
        )
    from extractors.fetch.redis_host_limiter import RedisHostLimiter  # redis only where it is used

    return RedisHostLimiter(
        url,
        config.min_interval_per_host,
        config.max_concurrency_per_host,
        hosts_at_once,
        lease_seconds=config.total_timeout + LEASE_MARGIN,
    )
