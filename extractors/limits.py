"""Run one parse in a child process with a time and memory limit.

One pathological file (a PDF of thousands of pages, a decompression bomb)
must not stall or kill the worker that parses the others: the child is
killed at the deadline, and its address space is capped so a runaway
allocation fails inside the child, not in the worker.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

# A scanned report is read by OCR page by page (10-40 s a page at 300 dpi, by the machine's load); a text
# report takes a second or two. Each OCR page also has its own deadline (readers/ocr.py).
DEFAULT_SECONDS = 300.0
DEFAULT_MEMORY_MB = 2048
# Killed from outside (the kernel's OOM killer, a restart): says nothing about the document, so retried.
PARSE_KILLED = "document.parse_killed"


@dataclass(frozen=True)
class Limits:
    seconds: float = DEFAULT_SECONDS
    memory_mb: int = DEFAULT_MEMORY_MB


_deadline: float | None = None  # monotonic time at which this process, a limited child, is killed


def time_left() -> float | None:
    """Seconds until this limited child is killed; None outside `run_limited`.

    Long readers (OCR, one page at a time) use it to stop before the deadline and keep what they read.
    """
    return None if _deadline is None else _deadline - time.monotonic()


class LimitExceeded(Exception):
    """The child ran out of time or memory; `code` is the parse-issue code to record."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type, tuple[str, str]]:  # sent back whole from a nested limited child
        return (LimitExceeded, (self.code, str(self)))


def _child(conn: Any, func: Callable[..., Any], args: tuple[Any, ...], memory_mb: int, seconds: float) -> None:
    global _deadline
    _deadline = time.monotonic() + seconds
    # The budget is on top of what the fork inherited: an Airflow worker or a test session already maps
    # gigabytes of address space, and an absolute cap below that makes every allocation fail at once.
    limit = _address_space() + memory_mb * 1024 * 1024
    _soft, inherited = resource.getrlimit(resource.RLIMIT_AS)
    if inherited != resource.RLIM_INFINITY:  # a child of a limited parse (OCR) stays inside its parent's budget
        limit = min(limit, inherited)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        conn.send(("ok", func(*args)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # handed back to the parent, which decides
        conn.send(("error", exc))
    finally:
        conn.close()


def _address_space() -> int:
    """Bytes of address space this process maps now (Linux /proc/self/statm; 0 where there is none)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except OSError:
        return 0


def run_limited(func: Callable[..., Any], args: tuple[Any, ...], limits: Limits) -> Any:
    """`func(*args)` in a forked child; raises LimitExceeded, or re-raises the child's exception."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(sender, func, args, limits.memory_mb, limits.seconds), daemon=True)
    _start(process)
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            process.kill()
            raise LimitExceeded(
                "document.parse_timeout",
                f"parsing took longer than the time limit of {limits.seconds:g} s and was stopped",
            )
        try:
            kind, payload = receiver.recv()
        except EOFError:
            raise LimitExceeded(
                PARSE_KILLED, f"the parse process was killed from outside (exit code {process.exitcode})"
            ) from None
    finally:
        process.join(timeout=5)
        if process.is_alive():
            process.kill()
        receiver.close()
    if kind == "memory":
        raise LimitExceeded(
            "document.parse_memory_limit",
            f"parsing needed more than the memory limit of {limits.memory_mb} MB and was stopped",
        )
    if kind == "error":
        raise payload
    return payload


def _start(process: multiprocessing.Process) -> None:
    """Start the child even inside a daemonic process.

    A Celery worker's pool processes are daemonic, and the Airflow task
    process forked from one inherits the flag; multiprocessing then refuses
    to start children. The child is ours to reap (joined or killed in
    `run_limited`), so the flag is lifted just while it starts.
    """
    config = multiprocessing.current_process()._config  # type: ignore[attr-defined]
    daemonic = config.get("daemon")
    if daemonic:
        config["daemon"] = False
    try:
        process.start()
    finally:
        if daemonic:
            config["daemon"] = daemonic
