"""A fake county government website on 127.0.0.1, served from a thread inside the tests.

Routes mimic what real 政府信息公开 sites do: GBK listing pages with a
下一页 pager, report pages that attach the PDF/DOCX, a robots.txt, ETags,
a flaky server, a slow one, oversized files and redirects into private
networks. Nothing here reaches beyond the loopback interface.
"""

from __future__ import annotations

import asyncio
import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from bench.loopback_http import QuietHandler
from extractors.fetch.fetcher import FetchConfig, Fetcher, FetchResult
from extractors.fetch.registry import Source, parse_registry
from extractors.storage import StorageConfig

PDF_2020 = b"%PDF-1.4\n% 2020 report of the fake county\n%%EOF\n"
DOCX_2019 = b"PK\x03\x04 fake docx 2019"
PDF_2021 = b"%PDF-1.4\n% 2021 report\n%%EOF\n"
DOCX_2021 = b"PK\x03\x04 fake docx 2021"
PDF_FLAKY = b"%PDF-1.4\n% served after two failures\n%%EOF\n"
ETAG_2020 = '"v1-2020"'
LAST_MODIFIED_2019 = formatdate(1_600_000_000, usegmt=True)
BIG_SIZE = 200 * 1024  # over the tests' 64 KiB limit

# A config for tests: small timeouts and backoff, no politeness pauses.
TEST_CONFIG = FetchConfig(
    connect_timeout=0.5,
    read_timeout=0.3,
    total_timeout=5.0,
    retries=2,
    backoff_initial=0.01,
    backoff_max=0.05,
    max_bytes=64 * 1024,
    max_redirects=3,
    min_interval_per_host=0.0,
    max_concurrency_per_host=4,
)


def gb_page(title: str, body: str) -> str:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312">'
        f"<title>{title}</title></head><body>{body}</body></html>"
    )


LISTING_1 = gb_page(
    "政府信息公开年报",
    """
<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> <a href="/nb/index.html">政府信息公开年报</a></div>
<ul class="list">
  <li><a href="/nb/2021/report.html">测试县人民政府2021年政府信息公开工作年度报告</a> <span>2022-01-20</span></li>
  <li><a href="/nb/notice.html">关于做好2021年政府信息公开工作年度报告编制发布工作的通知</a></li>
</ul>
<div class="pager"><a href="javascript:void(0)">上一页</a> <a href="index_1.html">下一页</a></div>
""",
)
LISTING_2 = gb_page(
    "政府信息公开年报",
    """
<ul class="list">
  <li><a href="/files/2020.pdf">二〇二〇年政府信息公开工作年度报告</a></li>
  <li><a href="/files/2019.docx" title="测试县2019年政府信息公开年报">二零一九年度政府信息公开年报</a></li>
</ul>
<div class="pager"><a href="index.html">上一页</a> <a href="index_2.html">下一页</a></div>
""",
)
LISTING_3 = gb_page(
    "政府信息公开年报",
    """
<ul class="list"><li><a href="/private/2018.pdf">2018年政府信息公开工作年度报告</a></li></ul>
<div class="pager"><a href="index_1.html">上一页</a></div>
""",
)
REPORT_2021 = """<html><head><meta charset="utf-8"><title>2021年报告</title></head><body>
<h1>测试县人民政府2021年政府信息公开工作年度报告</h1>
<p>附件：</p>
<a href="/files/2021.pdf">测试县2021年政府信息公开工作年度报告.pdf</a>
<a href="/files/2021.docx">测试县2021年政府信息公开工作年度报告.docx</a>
<a href="/files/2021-jiedu.pdf">图解：2021年政府信息公开工作年度报告解读.pdf</a>
</body></html>"""
NEWS = gb_page(
    "新闻",
    """
<ul><li><a href="/news/1.html">县长调研春耕生产</a></li>
<li><a href="/news/2.html">2021年政府工作报告</a></li>
<li><a href="/zwgk/guide.html">政府信息公开指南</a></li>
<li><a href="/nb/index.html">政府信息公开年报</a></li></ul>""",
)
ROBOTS = "User-agent: *\nDisallow: /private/\n"


@dataclass
class FakeSite:
    """The running site: its base URL and what it was asked."""

    base: str
    hits: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    flaky_failures: int = 2  # /flaky.pdf answers 500 this many times first
    # Extra routes a test adds (they win over the built-in ones), e.g. pages linking generated reports.
    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base + path


def _handler(site: FakeSite, trap_url: str) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            site.hits[path] += 1
            site.requests.append((path, {k.lower(): v for k, v in self.headers.items()}))
            route = site.routes.get(path) or ROUTES.get(path)
            try:
                if route is None:
                    self._send(404, b"not found", "text/plain")
                else:
                    route(self)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client cut a download off on purpose

        def _redirect(self, location: str) -> None:
            self._send(302, b"", "text/plain", {"Location": location})

        def listing(self, html: str, charset_in_header: bool = False) -> None:
            content_type = "text/html; charset=GBK" if charset_in_header else "text/html"
            self._send(200, html.encode("gbk"), content_type)

        def etag_pdf(self) -> None:
            if self.headers.get("If-None-Match") == ETAG_2020:
                self._send(304, b"", "application/pdf", {"ETag": ETAG_2020})
            else:
                self._send(200, PDF_2020, "application/pdf", {"ETag": ETAG_2020})

        def last_modified_docx(self) -> None:
            if self.headers.get("If-Modified-Since") == LAST_MODIFIED_2019:
                self._send(304, b"", "application/octet-stream")
            else:
                self._send(
                    200,
                    DOCX_2019,
                    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                    {"Last-Modified": LAST_MODIFIED_2019},
                )

        def document(self, body: bytes, content_type: str) -> None:
            """A report file with an ETag of its bytes: a request that names it gets a 304."""
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            if self.headers.get("If-None-Match") == etag:
                self._send(304, b"", content_type, {"ETag": etag})
            else:
                self._send(200, body, content_type, {"ETag": etag})

        def flaky(self) -> None:
            if site.hits["/flaky.pdf"] <= site.flaky_failures:
                self._send(500, b"internal error", "text/plain")
            else:
                self._send(200, PDF_FLAKY, "application/pdf")

        def slow(self) -> None:
            time.sleep(1.0)  # longer than the tests' read timeout
            self._send(200, b"%PDF-1.4 slow", "application/pdf")

        def big_streamed(self, size: int = BIG_SIZE) -> None:
            # No Content-Length: only counting while streaming can stop it.
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            chunk = b"x" * 8192
            for _ in range(size // len(chunk)):
                self.wfile.write(chunk)

        def big_declared(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.send_header("Content-Length", str(10 * 1024 * 1024))
            self.end_headers()
            self.wfile.write(b"%PDF-1.4")  # never sends the rest: the client must not wait for it
            self.close_connection = True

    ROUTES: dict[str, Callable[[Handler], None]] = {
        "/robots.txt": lambda h: h._send(200, ROBOTS.encode(), "text/plain"),
        "/nb/index.html": lambda h: h.listing(LISTING_1),
        "/nb/index_1.html": lambda h: h.listing(LISTING_2, charset_in_header=True),
        "/nb/index_2.html": lambda h: h.listing(LISTING_3),
        "/nb/2021/report.html": lambda h: h._send(200, REPORT_2021.encode(), "text/html; charset=utf-8"),
        "/nb/notice.html": lambda h: h._send(200, b"<html>notice</html>", "text/html"),
        "/news/index.html": lambda h: h.listing(NEWS),
        "/files/2020.pdf": Handler.etag_pdf,
        "/files/2019.docx": Handler.last_modified_docx,
        "/files/2021.pdf": lambda h: h._send(200, PDF_2021, "application/pdf"),
        "/files/2021.docx": lambda h: h._send(200, DOCX_2021, "application/octet-stream"),
        "/private/2018.pdf": lambda h: h._send(200, b"%PDF-1.4 private", "application/pdf"),
        "/flaky.pdf": Handler.flaky,
        "/slow.pdf": Handler.slow,
        "/big.pdf": Handler.big_streamed,
        "/big-declared.pdf": Handler.big_declared,
        "/gone.pdf": lambda h: h._send(404, b"gone", "text/plain"),
        "/redirect-private": lambda h: h._redirect("http://10.0.0.1/secret.pdf"),
        "/redirect-metadata": lambda h: h._redirect("http://169.254.169.254/latest/meta-data/"),
        "/redirect-other-loopback": lambda h: h._redirect(trap_url),
        "/redirect-same-host": lambda h: h._redirect("/files/2021.pdf"),
        "/redirect-loop": lambda h: h._redirect("/redirect-loop"),
    }
    return Handler


class _TrapHandler(BaseHTTPRequestHandler):
    """A second server on another loopback address: any hit proves a redirect was followed."""

    hits = 0

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        if self.path == "/robots.txt":
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


@dataclass
class Trap:
    url: str
    handler: type[_TrapHandler]

    @property
    def hits(self) -> int:
        return self.handler.hits


def _serve(server: ThreadingHTTPServer) -> threading.Thread:
    server.daemon_threads = True  # a slow handler must not hold the test's teardown
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    return thread


def _trap_on(host: str) -> Iterator[Trap]:
    handler = type("Trap", (_TrapHandler,), {"hits": 0})
    server = ThreadingHTTPServer((host, 0), handler)
    _serve(server)
    yield Trap(f"http://{host}:{server.server_address[1]}/trap", handler)
    server.shutdown()
    server.server_close()


# Test modules import these fixtures by their function names; tests ask for them as `site` and `trap`.
@pytest.fixture(name="trap")
def trap_fixture() -> Iterator[Trap]:
    yield from _trap_on("127.0.0.2")


@pytest.fixture(name="port_trap")
def port_trap_fixture() -> Iterator[Trap]:
    """A trap on the fake site's own address, another port: a `local` site's exemption must not reach it."""
    yield from _trap_on("127.0.0.1")


@pytest.fixture(name="site")
def site_fixture(trap: Trap) -> Iterator[FakeSite]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    fake = FakeSite(base=f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(fake, trap.url)
    _serve(server)
    yield fake
    server.shutdown()
    server.server_close()


def fetch_once(storage: StorageConfig, config: FetchConfig, url: str, **options: Any) -> FetchResult:
    """`url` fetched by a Fetcher of its own (as each source of a run has), from sync code."""

    async def fetch() -> FetchResult:
        async with Fetcher(storage, config) as fetcher:
            return await fetcher.fetch(url, **options)

    return asyncio.run(fetch())


class RecordingTransport(httpx.AsyncHTTPTransport):
    """The real transport, remembering every URL it was asked to connect to."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.urls.append(str(request.url))
        return await super().handle_async_request(request)


COUNTY = "测试县人民政府"  # the agency of the fake county site's registry entry


def county_source(listing_url: str, **hints: object) -> Source:
    """The registry entry of the fake county site: one listing, loopback allowed; `hints` override fields."""
    entry = {
        "name": COUNTY,
        "region": "测试省测试市",
        "division_code": "999999",
        "level": "county",
        "kind": "government",
        "listing_urls": [listing_url],
        "local": True,
        **hints,
    }
    return parse_registry({"sources": [entry]})[0]
