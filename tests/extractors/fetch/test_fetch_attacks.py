"""Hostile servers on 127.0.0.1: compression bombs, trickled headers and redirects past the address guard."""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
import time
import tracemalloc
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler

import pytest

from extractors.fetch.address_guard import refusal
from extractors.fetch.fetcher import FAILED, FETCHED, REFUSED, TOO_LARGE, FetchResult
from pipeline.settings import Settings
from tests.fake_site import (
    TEST_CONFIG,
    FakeSite,
    Trap,
    fetch_once,
    port_trap_fixture,  # noqa: F401  (fixture `port_trap`)
    site_fixture,  # noqa: F401  (fixture `site`)
    trap_fixture,  # noqa: F401  (fixture `trap`)
)

pytestmark = pytest.mark.timeout(30)

BOMB_INFLATED = 64 * 1024 * 1024  # 1,000 times the tests' 64 KiB cap


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return gzip.compress(bytes(BOMB_INFLATED), 9)  # about 64 KB on the wire


def _encoded(body: bytes, encoding: str) -> Callable[[BaseHTTPRequestHandler], None]:
    return lambda h: h._send(200, body, "application/pdf", {"Content-Encoding": encoding})  # type: ignore[attr-defined]


def _fetch(settings: Settings, url: str, **config: float) -> FetchResult:
    return fetch_once(settings.storage, dataclasses.replace(TEST_CONFIG, **config), url, local=True)


def test_a_gzip_bomb_stops_at_the_cap_without_inflating_it(site: FakeSite, tmp_settings: Settings, bomb: bytes) -> None:
    site.routes["/bomb.pdf"] = _encoded(bomb, "gzip")
    tracemalloc.start()
    try:
        result = _fetch(tmp_settings, site.url("/bomb.pdf"))
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert (result.status, result.sha256) == (TOO_LARGE, None)
    assert peak < 8 * 1024 * 1024  # decoded in steps: never a whole inflated chunk in memory


def test_stacked_encodings_are_refused_before_decoding(site: FakeSite, tmp_settings: Settings) -> None:
    site.routes["/double.pdf"] = _encoded(gzip.compress(gzip.compress(b"%PDF-1.4")), "gzip, gzip")
    result = _fetch(tmp_settings, site.url("/double.pdf"))
    assert result.status == REFUSED and result.error.startswith("fetch.refused_encoding:")
    assert "gzip, gzip" in result.error and result.tries == 1


def test_one_gzip_layer_is_decoded(site: FakeSite, tmp_settings: Settings) -> None:
    site.routes["/gz.pdf"] = _encoded(gzip.compress(b"%PDF-1.4 compressed anyway"), "gzip")
    result = _fetch(tmp_settings, site.url("/gz.pdf"))
    assert result.status == FETCHED and result.size == len(b"%PDF-1.4 compressed anyway")


def _trickle_headers(handler: BaseHTTPRequestHandler) -> None:
    """A status line, then a header one byte per 0.1 s: never slower than the read timeout, never done."""
    handler.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    for _ in range(600):
        handler.wfile.write(b"a")
        handler.wfile.flush()
        time.sleep(0.1)


def test_headers_sent_a_byte_at_a_time_hit_the_exchange_deadline(site: FakeSite, tmp_settings: Settings) -> None:
    site.routes["/trickle.pdf"] = _trickle_headers
    result = _fetch(tmp_settings, site.url("/trickle.pdf"), total_timeout=1.0)
    assert result.status == FAILED and result.error.startswith("fetch.timeout: the exchange")
    assert result.tries == 1  # a deadline is not retried: the next try would be as slow


def _trickle_body(handler: BaseHTTPRequestHandler) -> None:
    """Headers at once, then the body one byte per 0.1 s: every read is quick, the whole never ends."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/pdf")
    handler.send_header("Content-Length", "60000")
    handler.end_headers()
    for _ in range(600):
        handler.wfile.write(b"%")
        handler.wfile.flush()
        time.sleep(0.1)


def test_a_body_sent_a_byte_at_a_time_is_cancelled_at_the_exchange_deadline(
    site: FakeSite, tmp_settings: Settings
) -> None:
    site.routes["/trickle-body.pdf"] = _trickle_body
    began = time.monotonic()
    result = _fetch(tmp_settings, site.url("/trickle-body.pdf"), total_timeout=1.0)
    assert result.status == FAILED and result.error.startswith("fetch.timeout: the exchange")
    assert result.tries == 1 and result.sha256 is None
    assert time.monotonic() - began < 3.0  # cancelled at the deadline, not when the server gives up


def test_a_local_sites_exemption_does_not_reach_another_port_of_its_host(
    site: FakeSite, tmp_settings: Settings, port_trap: Trap
) -> None:
    site.routes["/redirect-other-port"] = lambda h: h._redirect(port_trap.url)  # type: ignore[attr-defined]
    result = _fetch(tmp_settings, site.url("/redirect-other-port"))
    assert result.status == REFUSED and result.error.startswith("fetch.refused_address:")
    assert port_trap.hits == 0


# IPv6 addresses that carry 169.254.169.254 (the cloud metadata service): 6to4, Teredo, NAT64.
CARRIERS = ["2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:5601:5601", "64:ff9b::a9fe:a9fe"]


@pytest.mark.parametrize("address", CARRIERS)
def test_ipv6_forms_of_the_metadata_address_are_refused(site: FakeSite, tmp_settings: Settings, address: str) -> None:
    assert "169.254.169.254" not in address and asyncio.run(refusal(f"http://[{address}]/latest/meta-data/"))
    site.routes["/redirect-carrier"] = lambda h: h._redirect(f"http://[{address}]/latest/")  # type: ignore[attr-defined]
    result = _fetch(tmp_settings, site.url("/redirect-carrier"))
    assert result.status == REFUSED and address in result.error
