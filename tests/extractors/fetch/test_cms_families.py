"""Each CMS family's report column: every registered year found, fetched once, dated; a 304 on the second run."""

from __future__ import annotations

import random
from datetime import date

import pytest

from extractors.fetch.discovery import discover_source, fetch_reports
from extractors.fetch.fetcher import FETCHED, NOT_MODIFIED, Fetcher, FetchResult
from extractors.fetch.published import published_on
from extractors.fetch.registry import parse_registry
from extractors.parse import parse_bytes
from pipeline.settings import Settings
from tests.client_side_pages import VARIANTS, page
from tests.cms_sites import FAMILIES, YEARS, file_listing, list_model, published, report_path, report_routes, trs_model
from tests.fake_site import TEST_CONFIG, FakeSite, site_fixture, trap_fixture  # noqa: F401  (fixtures)
from tests.report_text import consistent_cells, render

pytestmark = [pytest.mark.timeout(60), pytest.mark.anyio]


def _source(site: FakeSite, listing: str, **extra: object):
    entry = {
        "name": "测试县",
        "region": "r",
        "division_code": "999999",
        "level": "county",
        "kind": "government",
        "listing_urls": [site.url(listing)],
        "local": True,
        **extra,
    }
    return parse_registry({"sources": [entry]})[0]


def _report_hits(site: FakeSite, year: int) -> int:
    return site.hits[report_path(year)] + site.hits[report_path(year, "htm")]


@pytest.mark.parametrize("family", sorted(FAMILIES))
async def test_every_registered_year_is_found_fetched_once_and_dated(
    family: str, site: FakeSite, tmp_settings: Settings
) -> None:
    routes, listing = FAMILIES[family]
    site.routes.update(routes() | report_routes())
    source = _source(site, listing, first_year=2019)

    attempts: list[FetchResult] = []

    async def run() -> tuple[list, list]:
        async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
            found = await discover_source(source, fetcher, attempts=attempts)
            return found, await fetch_reports(fetcher, found.reports)

    found, results = await run()
    assert [a.url for a in attempts if not a.ok] == []  # no listing page asked for that the site does not have
    assert sorted(r.year for r in found.reports) == [y for y in YEARS if y >= 2019]
    assert {(r.year, r.published_on, r.published_on_source) for r in found.reports} == {
        (y, published(y), "meta") for y in YEARS if y >= 2019
    }
    assert sorted(s.year for s in found.skipped) == [2016, 2017, 2018]  # listed, never requested
    assert not found.warnings
    assert all(_report_hits(site, y) == (1 if y >= 2019 else 0) for y in YEARS)
    assert {r.status for r in results} == {FETCHED}

    again, results = await run()
    assert {r.status for r in results} == {NOT_MODIFIED} and len(results) == len(again.reports)
    assert all(_report_hits(site, y) == 2 for y in YEARS if y >= 2019)  # one (conditional) request a run


async def test_a_listing_hinting_more_pages_than_followed_is_a_warning(site: FakeSite, tmp_settings: Settings) -> None:
    site.routes.update(trs_model(with_api=False) | report_routes())  # pages 3-4 need a search API it lacks
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        found = await discover_source(_source(site, "/nb/index.htm", first_year=2016), fetcher)
    assert found.warnings == [f"{site.url('/nb/index.htm')}: the listing hints at 4 pages, 2 followed"]
    assert len(found.reports) == 4


async def test_a_list_model_naming_no_api_address_hints_its_later_pages_and_asks_no_guess(
    site: FakeSite, tmp_settings: Settings
) -> None:
    site.routes.update(list_model(static=1) | report_routes())
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        found = await discover_source(_source(site, "/nb/", first_year=2016), fetcher)
    assert found.warnings == [f"{site.url('/nb/')}: the listing hints at 4 pages, 2 followed"]
    assert sorted(r.year for r in found.reports) == [2020, 2021, 2022, 2023]
    assert not [path for path in site.hits if "trsapi" in path]


async def test_the_date_printed_beside_a_link_dates_the_file_it_links(site: FakeSite, tmp_settings: Settings) -> None:
    site.routes.update(file_listing())
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        found = await discover_source(_source(site, "/nb/files.html", first_year=2018), fetcher)
    dated = {r.year: (r.published_on, r.published_on_source) for r in found.reports}
    assert dated == {y: ((published(y), "page") if y >= 2020 else (None, None)) for y in YEARS if y >= 2018}


async def test_last_year_and_a_backfill_year_bound_discovery(site: FakeSite, tmp_settings: Settings) -> None:
    routes, listing = FAMILIES["create_page"]
    site.routes.update(routes() | report_routes())
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        bounded = await discover_source(_source(site, listing, first_year=2019, last_year=2020), fetcher)
        backfill = await discover_source(_source(site, listing), fetcher, years=(2017, 2017))
    assert sorted(r.year for r in bounded.reports) == [2019, 2020]
    assert [r.year for r in backfill.reports] == [2017]  # before first_year, asked for on purpose


@pytest.mark.parametrize(
    "kwargs,expected",
    [
        ({"html": '<meta name="PubDate" content="2022-01-20 10:00">', "url": "/t20210101_1.html"}, "meta"),
        ({"text": "发布日期：2022年1月20日", "url": "/t20210101_1.html"}, "page"),
        ({"text": "来源：县政府办公室\n时间：2022-01-20 16:00\n字号：大 中 小", "url": "/t20210101_1.html"}, "page"),
        ({"text": "【日期：2022-01-20】", "url": "/t20210101_1.html"}, "page"),
        ({"url": "http://x.gov.cn/nb/202201/t20220120_123.html"}, "url"),
        ({"url": "http://x.gov.cn/art/2022/1/20/art_1_2.html"}, "url"),
        (
            {
                "text": "……\n测试县人民政府办公室\n二〇二二年一月二十日",
                "last_modified": "Wed, 21 Oct 2015 07:28:00 GMT",
            },
            "signature",
        ),
        ({"last_modified": "Thu, 20 Jan 2022 07:28:00 GMT"}, "last_modified"),
    ],
)
def test_publication_date_hints_strongest_first(kwargs: dict, expected: str) -> None:
    assert published_on(**kwargs) == (date(2022, 1, 20), expected)


def test_no_hint_is_no_date() -> None:
    assert published_on("http://x.gov.cn/nb/report.html", html="<p>2021年报告</p>", text="2021年报告") is None


@pytest.mark.parametrize(
    "table",
    [
        "索　引　号\n000014349/2022-00012\n成文日期\n2022年01月10日\n标　　题\n测试县2021年报告\n"
        "发布日期\n2022年01月20日",
        "信息索引号\n014006438/2022-03652\n生成日期\n2022-01-10\n公开日期\n2022-01-20\n文件编号\n—  —",
    ],
)
def test_a_metadata_table_dates_the_publication_not_the_signing(table: str) -> None:
    """gov.cn's table states 成文日期 before 发布日期; Wuxi's intertid one 生成日期 (an index stamp) before 公开日期."""
    assert published_on(text=table) == (date(2022, 1, 20), "page")


def test_a_time_label_inside_a_word_is_no_publication_date() -> None:
    assert published_on(text="本报告统计时间：2021-01-01至2021-12-31") is None


async def test_a_gkmlpt_report_rendered_client_side_is_fetched_and_read_from_its_script(
    site: FakeSite, tmp_settings: Settings
) -> None:
    """Guangdong's gkmlpt article pages carry the report in `var data = {...content...}`: fetched as any page,
    the reader finds its tables there (tests/client_side_pages.py)."""
    routes, listing = FAMILIES["gkmlpt"]
    texts = {y: render(f"测试县{y}", y, "gov2021", consistent_cells("gov2021", random.Random(y))) for y in YEARS}
    pages = {y: page(texts[y], "gkmlpt", y % VARIANTS).encode("utf-8") for y in YEARS}
    site.routes.update(routes() | {report_path(y): _page_route(pages[y]) for y in YEARS})
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
        found = await discover_source(_source(site, listing, first_year=2021), fetcher)
        results = await fetch_reports(fetcher, found.reports)
    assert sorted(r.report_year for r in results) == [y for y in YEARS if y >= 2021]
    for result in results:
        doc = parse_bytes("post.html", result.content or b"")
        cells = consistent_cells("gov2021", random.Random(result.report_year))
        assert doc.status == "parsed" and doc.year == result.report_year
        assert {(c.table, c.row, c.column): c.value for c in doc.cells if c.table != "narrative"} == cells


def _page_route(body: bytes):
    return lambda h: h.document(body, "text/html; charset=utf-8")
