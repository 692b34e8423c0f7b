"""Slow, self-contained subprocess runs started when the session starts, beside the serial tests.

The suite runs its tests one after another (no xdist), mostly on one core.
A few runs that tests wait for are subprocesses with their own home, ports
and environment: the session's embedded pipeline run (and the migrated
Airflow database it starts from) and the pipeline bench's smoke run. They
run here, one after another on one worker thread, in the order the selected
tests first need them, so that they use the second core while the tests
before them run; a test that needs one waits for its result.

The environment of each run is taken when the session starts, so a test's
monkeypatched variables never reach it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

from tests.paths import REPO_ROOT

T = TypeVar("T")
PIPES = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}

# `run_embedded` in a subprocess, so that it reads exactly the environment it is given; an
# argument `prepare` stops after preparing the Airflow database (migrate, pool, DAGs registered).
RUN_EMBEDDED = """
import sys
from pipeline.embedded import run_embedded
from pipeline.settings import Settings
prepare = sys.argv[1:] == ["prepare"]
sys.exit(run_embedded(Settings.from_env(), **({"dag_ids": ()} if prepare else {}), out=sys.stdout))
"""


@dataclass(frozen=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


class Background:
    """One worker thread running jobs in the order submitted; `stop()` kills what still runs."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tests-background")
        self._running: set[subprocess.Popen] = set()
        self._lock = threading.Lock()
        self._stopped = False

    def submit(self, job: Callable[[], T]) -> Future[T]:
        return self._pool.submit(job)

    def run(self, args: Sequence[str], env: dict[str, str], timeout: float) -> Finished:
        """A command to completion in its own process group (its children are stopped with it)."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("the session is over")
            process = subprocess.Popen(
                list(args), env=env, cwd=REPO_ROOT, stdin=subprocess.DEVNULL, start_new_session=True, **PIPES
            )
            self._running.add(process)
        note = ""
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill_group(process)
            stdout, stderr = process.communicate()
            note = f"\n(killed after {timeout:.0f} s)"
        finally:
            with self._lock:
                self._running.discard(process)
        return Finished(process.returncode, _text(stdout), _text(stderr) + note)

    def run_embedded(self, env: dict[str, str], prepare_only: bool = False) -> Finished:
        return self.run([sys.executable, "-c", RUN_EMBEDDED, *(["prepare"] if prepare_only else [])], env, 1200)

    def stop(self) -> None:
        """Cancel what has not started, kill what runs, and wait for the thread."""
        with self._lock:
            self._stopped = True
            running = list(self._running)
        self._pool.shutdown(wait=False, cancel_futures=True)
        for process in running:
            _kill_group(process)
        self._pool.shutdown(wait=True)


def _text(output: bytes) -> str:
    return output.decode("utf-8", errors="replace")


def _kill_group(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


@contextlib.contextmanager
def background() -> Iterator[Background]:
    jobs = Background()
    try:
        yield jobs
    finally:
        jobs.stop()
