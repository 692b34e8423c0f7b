"""bench/host_locks.py still runs, at its smallest, against the local Redis (a free database, no Redis fails on CI)."""

from __future__ import annotations

import re
import subprocess
import sys

import redis

from tests.paths import REPO_ROOT
from tests.server_mode import REDIS_HOST, REDIS_PORT, free_redis_db


def test_host_locks_bench_prints_its_table() -> None:
    db = free_redis_db()
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "bench.host_locks",
                "--hosts",
                "3",
                "--requests",
                "2",
                "--interval",
                "0.1",
                "--hosts-at-once",
                "2",
                "--redis",
                f"redis://{REDIS_HOST}:{REDIS_PORT}/{db}",
            ],
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=120,
            check=False,
        )
    finally:
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db)
        leftover = [key for key in client.scan_iter() if key != b"disclosure-test-claim"]
        client.delete("disclosure-test-claim")
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    assert not leftover  # the bench deletes its keys
    peak = re.search(r"^peak in flight / cap +(\d+) +2$", result.stdout, flags=re.MULTILINE)
    assert peak and 1 <= int(peak[1]) <= 2, result.stdout
    assert re.search(r"^Lua scripts per request \(server-wide\) +[\d.]+ +2$", result.stdout, flags=re.MULTILINE)
