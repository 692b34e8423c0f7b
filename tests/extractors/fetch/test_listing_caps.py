"""Hostile listing pages on 127.0.0.1: too many report links, a pager of millions of pages, a link to a port."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from extractors.fetch.discovery import MAX_REPORTS_PER_LISTING, discover_source, fetch_reports
from extractors.fetch.fetcher import REFUSED, Fetcher
from extractors.fetch.registry import Source
from pipeline.settings import Settings
from tests.fake_site import (  # noqa: F401  (fixtures)
    COUNTY,
    TEST_CONFIG,
    FakeSite,
    Trap,
    county_source,
    gb_page,
    port_trap_fixture,
    site_fixture,
    trap_fixture,
)

pytestmark = [pytest.mark.timeout(30), pytest.mark.anyio]

AGENCY = COUNTY


def _source(listing: str) -> Source:
    return county_source(listing)


def _serve_listing(site: FakeSite, path: str, html: str) -> str:
    site.routes[path] = lambda h: h.listing(html)  # type: ignore[attr-defined]
    return site.url(path)


async def test_a_listing_with_thousands_of_report_links_is_capped_with_a_warning(
    site: FakeSite, tmp_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    links = "".join(
        f'<a href="/files/r{n}.pdf">测试县2020年政府信息公开工作年度报告{n}</a>'
        for n in range(MAX_REPORTS_PER_LISTING * 5)
    )
    listing = _serve_listing(site, "/flood/index.html", gb_page("年报", links))
    config = dataclasses.replace(TEST_CONFIG, max_bytes=4 * 1024 * 1024)
    async with Fetcher(tmp_settings.storage, config) as fetcher:
        caplog.set_level(logging.WARNING)
        reports = (await discover_source(_source(listing), fetcher)).reports
    assert len(reports) == MAX_REPORTS_PER_LISTING
    assert any(AGENCY in m and "report links" in m and listing in m for m in caplog.messages)


async def test_a_pager_announcing_millions_of_pages_builds_only_max_pages(
    site: FakeSite, tmp_settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    pager = '<script>createPageHTML(30000000, 0, "index", "html");</script>'
    listing = _serve_listing(site, "/pager/index.html", gb_page("年报", pager))
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        caplog.set_level(logging.WARNING)
        assert (await discover_source(_source(listing), fetcher, max_pages=3)).reports == []
    pages = [path for path, _headers in site.requests if path.startswith("/pager/")]
    assert pages == ["/pager/index.html", "/pager/index_1.html", "/pager/index_2.html"]
    assert any(AGENCY in m and "max_pages" in m for m in caplog.messages)


async def test_a_local_listings_link_to_another_port_is_not_exempt(
    site: FakeSite, tmp_settings: Settings, port_trap: Trap
) -> None:
    html = gb_page("年报", f'<a href="{port_trap.url}.pdf">测试县2020年政府信息公开工作年度报告</a>')
    listing = _serve_listing(site, "/ports/index.html", html)
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        (report,) = (await discover_source(_source(listing), fetcher)).reports
        assert report.local is False
        (result,) = await fetch_reports(fetcher, [report])
    assert result.status == REFUSED and port_trap.hits == 0
