"""A deadline for one whole HTTP exchange: connect, request, headers and body.

httpx's timeouts are per socket operation, so a server that sends its
headers one byte a second never trips them. The watchdog learns the
connection's socket from httpcore's trace hook and shuts it down at the
deadline; the blocked read then fails, and `fired` tells the caller that the
deadline, not the server, ended it. The request must not reuse a pooled
connection (send `Connection: close`), or there is no connect to see.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from types import TracebackType
from typing import Any


class Watchdog:
    """Use as a context manager around one request; pass `trace` as the request's trace extension."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.fired = False
        self._socket: socket.socket | None = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def __enter__(self) -> Watchdog:
        self._timer.start()
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        self._timer.cancel()

    def trace(self, event: str, info: dict[str, Any]) -> None:
        if event in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            with self._lock:
                self._socket = sock
                late = self.fired
            if late:
                _shut(sock)

    def _fire(self) -> None:
        with self._lock:
            self.fired = True
            sock = self._socket
        _shut(sock)


def _shut(sock: socket.socket | None) -> None:
    if sock is None:
        return
    with contextlib.suppress(OSError):  # already closed: nothing left to stop
        sock.shutdown(socket.SHUT_RDWR)
