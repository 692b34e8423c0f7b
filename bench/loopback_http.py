"""What the fake websites (tests/fake_site.py, bench/agency_sites.py, bench/nationwide.py) are built from.

`QuietHandler`: the request handler they start from. `LoopbackHosts`: many
sites, each on its own loopback address (its own host to the fetcher's
per-host limits), all served by one thread of the calling process.
"""

from __future__ import annotations

import selectors
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHandler(BaseHTTPRequestHandler):
    """HTTP/1.1 with keep-alive, no access log on stderr, and one call to send a whole response."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:  # keep test and bench output quiet
        pass

    def _send(self, status: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def loopback_address(index: int, block: int = 1) -> str:
    """The `index`-th address of a /16 of 127.0.0.0/8 (all of it is the loopback interface on Linux)."""
    return f"127.{block}.{1 + index // 250}.{1 + index % 250}"


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 64

    def server_bind(self) -> None:
        # HTTPServer's own looks the address's name up (a reverse DNS query per site): not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


class LoopbackHosts:
    """`count` HTTP servers, server k on `loopback_address(k, block)` and a free port; `with` serves them.

    One thread waits on every listening socket and hands each connection to a
    thread of its own (ThreadingMixIn), so thousands of sites cost one idle
    thread, not one each. A handler tells its site by `self.server.site`.
    """

    def __init__(self, count: int, handler: type[BaseHTTPRequestHandler], block: int = 1) -> None:
        self.servers: list[_Server] = []
        self._selector = selectors.DefaultSelector()
        for site in range(count):
            server = _Server((loopback_address(site, block), 0), handler)
            server.site = site  # type: ignore[attr-defined]
            self.servers.append(server)
            self._selector.register(server, selectors.EVENT_READ, server)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name="loopback-hosts", daemon=True)

    def base(self, site: int) -> str:
        """`http://127.b.x.y:port` of a site."""
        server = self.servers[site]
        return f"http://{server.server_name}:{server.server_port}"

    def __enter__(self) -> LoopbackHosts:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._selector.close()
        for server in self.servers:
            server.server_close()

    def _serve(self) -> None:
        while not self._stop.is_set():
            for key, _events in self._selector.select(timeout=0.1):
                key.data.handle_request()  # its socket is ready: accepts at once
