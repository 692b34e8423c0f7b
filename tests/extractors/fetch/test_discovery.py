"""Discovery on the fake website: GBK listings over three pages, a report page with attachments, non-reports."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import duckdb
import pytest

from extractors.fetch.discovery import (
    DiscoveredReport,
    discover_source,
    fetch_reports,
    is_report_link,
    year_of,
)
from extractors.fetch.fetcher import FETCHED, NOT_MODIFIED, Fetcher, FetchResult
from extractors.fetch.registry import Source, load_registry, parse_registry
from pipeline.settings import Settings
from tests.fake_site import COUNTY, TEST_CONFIG, FakeSite, county_source, site_fixture, trap_fixture  # noqa: F401  (fixtures)
from tests.paths import REGISTRY
from warehouse.fetch_log import write_fetch_attempts

pytestmark = [pytest.mark.timeout(30), pytest.mark.anyio]

AGENCY = COUNTY


def _source(site: FakeSite, **hints: object) -> Source:
    return county_source(site.url("/nb/index.html"), **hints)


@pytest.fixture
async def fetcher(tmp_settings: Settings) -> AsyncIterator[Fetcher]:
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as f:
        yield f


@pytest.mark.parametrize(
    "text,year",
    [
        ("金寨县人民政府2020年政府信息公开工作年度报告", 2020),
        ("二〇二〇年政府信息公开工作年度报告", 2020),
        ("二零一九年度政府信息公开年报", 2019),
        ("○二一年", None),
        ("2022年01月20日发布 测试县2021年政府信息公开年报", 2021),
        ("2021年1月", None),
        ("政府信息公开年报", None),
    ],
)
def test_year_of(text: str, year: int | None) -> None:
    assert year_of(text) == year


@pytest.mark.parametrize(
    "text,target,expected",
    [
        ("测试县2021年政府信息公开工作年度报告", "", True),
        ("二零一九年度政府信息公开年报", "", True),
        ("2015年政府信息公开工作报告", "", True),
        ("关于做好2021年政府信息公开工作年度报告编制发布工作的通知", "", False),
        ("图解：2021年政府信息公开工作年度报告解读", "", False),
        ("2021年政府工作报告", "", False),
        ("政府信息公开指南", "", False),
        (
            "附件1",
            "http://x.gov.cn/2021%E5%B9%B4%E6%94%BF%E5%BA%9C%E4%BF%A1%E6%81%AF%E5%85%AC%E5%BC%80%E5%B9%B4%E6%8A%A5.pdf",
            True,
        ),
    ],
)
def test_is_report_link(text: str, target: str, expected: bool) -> None:
    assert is_report_link(text, target) is expected


async def test_listing_pages_are_followed_and_report_links_picked(
    site: FakeSite, fetcher: Fetcher, tmp_settings: Settings
) -> None:
    attempts: list[FetchResult] = []
    reports = (await discover_source(_source(site), fetcher, attempts=attempts)).reports
    found = {(r.year, r.url.removeprefix(site.base)) for r in reports}
    assert found == {
        (2021, "/files/2021.pdf"),  # attachments of the report page, its 解读 left out
        (2021, "/files/2021.docx"),
        (2020, "/files/2020.pdf"),  # 二〇二〇年, page 2 (GBK declared in the header)
        (2019, "/files/2019.docx"),  # 二零一九年度
    }
    by_url = {r.url: r for r in reports}
    pdf_2021 = by_url[site.url("/files/2021.pdf")]
    assert pdf_2021 == DiscoveredReport(
        AGENCY,
        AGENCY,
        2021,
        site.url("/files/2021.pdf"),
        "测试县2021年政府信息公开工作年度报告.pdf",
        site.url("/nb/index.html"),
        local=True,
        # The report page names no date: the one the listing prints beside its link dates it.
        published_on=date(2022, 1, 20),
        published_on_source="page",
    )
    assert by_url[site.url("/files/2020.pdf")].listing_url == site.url("/nb/index_1.html")
    # Each listing page once (上一页 links lead back to seen pages); the notice is never opened.
    assert [site.hits[p] for p in ("/nb/index.html", "/nb/index_1.html", "/nb/index_2.html")] == [1, 1, 1]
    assert site.hits["/nb/notice.html"] == 0 and site.hits["/nb/2021/report.html"] == 1
    assert [a.status for a in attempts] == [FETCHED] * 4
    # Listing pages are read, not landed; the report page is landed (a 304 next run) and said to be discovery's.
    assert [a.url.removeprefix(site.base) for a in attempts if a.sha256] == ["/nb/2021/report.html"]
    assert {a.step for a in attempts} == {"discover"}


async def test_pagination_is_bounded(site: FakeSite, fetcher: Fetcher) -> None:
    reports = (await discover_source(_source(site), fetcher, max_pages=2)).reports
    assert {r.year for r in reports} == {2021, 2020, 2019}
    assert site.hits["/nb/index_2.html"] == 0


async def test_a_listing_whose_links_are_not_reports_gives_nothing(site: FakeSite, fetcher: Fetcher) -> None:
    source = _source(site, listing_urls=[site.url("/news/index.html")])
    assert (await discover_source(source, fetcher)).reports == []
    # The 政府信息公开年报 column link has no year: it is not followed as a report (nor as a page).
    assert site.hits["/nb/index.html"] == 0


async def test_css_selector_limits_where_links_are_picked(site: FakeSite, fetcher: Fetcher) -> None:
    assert (await discover_source(_source(site, css_selector="div.nav"), fetcher)).reports == []
    assert (
        len((await discover_source(_source(site, css_selector="ul.list"), fetcher)).reports) == 4
    )  # 2018: before first_year


async def test_link_text_pattern_replaces_the_default_rule(site: FakeSite, fetcher: Fetcher) -> None:
    reports = (await discover_source(_source(site, link_text_pattern=r"^二"), fetcher)).reports
    assert {r.year for r in reports} == {2020, 2019}


async def test_a_failed_listing_is_an_attempt_not_an_exception(site: FakeSite, fetcher: Fetcher) -> None:
    attempts: list[FetchResult] = []
    source = _source(site, listing_urls=[site.url("/missing/index.html")])
    assert (await discover_source(source, fetcher, attempts=attempts)).reports == []
    assert [(a.status, a.http_status) for a in attempts] == [("failed", 404)]


async def test_without_local_the_fake_site_is_refused(site: FakeSite, fetcher: Fetcher) -> None:
    attempts: list[FetchResult] = []
    assert (await discover_source(_source(site, local=False), fetcher, attempts=attempts)).reports == []
    assert attempts[0].status == "refused" and not site.hits


async def test_direct_report_urls_and_folder_sources(site: FakeSite, fetcher: Fetcher) -> None:
    direct = parse_registry(
        {
            "sources": [
                {
                    "name": AGENCY,
                    "region": "r",
                    "division_code": "999999",
                    "level": "county",
                    "kind": "department",
                    "report_urls": [site.url("/files/2020.pdf")],
                    "local": True,
                }
            ]
        }
    )[0]
    assert [(r.url, r.year) for r in (await discover_source(direct, fetcher)).reports] == [
        (site.url("/files/2020.pdf"), None)
    ]

    bundled = next(s for s in load_registry(REGISTRY) if s.name == "bundled-samples")
    samples = (await discover_source(bundled, fetcher)).reports
    assert len(samples) == 5 and all(r.local_path and r.local_path.is_file() for r in samples)
    assert {r.agency for r in samples} == {None}  # the parser reads which agency each file is
    assert await fetch_reports(fetcher, samples) == []  # folder files are parsed in place


async def test_discover_fetch_log_and_a_second_run_lands_nothing_new(site: FakeSite, tmp_settings: Settings) -> None:
    async def run() -> list[FetchResult]:
        async with Fetcher(tmp_settings.storage, TEST_CONFIG) as fetcher:
            attempts: list[FetchResult] = []
            reports = (await discover_source(_source(site), fetcher, attempts=attempts)).reports
            results = await fetch_reports(fetcher, reports)
            write_fetch_attempts(tmp_settings.warehouse, attempts + results)
            return results + [a for a in attempts if a.sha256]  # the report page discovery landed

    first = {r.url.removeprefix(site.base): r for r in (await run())}
    assert {u: r.status for u, r in first.items()} == {
        "/files/2021.pdf": FETCHED,
        "/files/2021.docx": FETCHED,
        "/files/2020.pdf": FETCHED,
        "/files/2019.docx": FETCHED,
        "/nb/2021/report.html": FETCHED,
    }  # 2018 is before first_year (2019 by default): skipped, not fetched
    assert first["/files/2020.pdf"].agency == AGENCY and first["/files/2020.pdf"].report_year == 2020
    landed = {p.name for p in (tmp_settings.home / "landing").rglob("*") if p.is_file()}
    assert landed == {r.sha256 for r in first.values() if r.sha256}

    second = {r.url.removeprefix(site.base): r for r in (await run())}
    # Documents with validators cost a 304; the others come again but land on the same name.
    assert second["/files/2020.pdf"].status == NOT_MODIFIED and second["/files/2019.docx"].status == NOT_MODIFIED
    assert {p.name for p in (tmp_settings.home / "landing").rglob("*") if p.is_file()} == landed
    assert all(second[u].sha256 == first[u].sha256 for u in first)

    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        by_status = dict(conn.execute("select status, count(*) from raw.fetch_attempts group by status").fetchall())
        years = conn.execute(
            "select distinct report_year from raw.fetch_attempts where report_year is not null order by 1"
        ).fetchall()
    # 2 runs x (4 pages + 4 documents fetched/304); 2018 never asked for
    assert by_status == {FETCHED: 4 + 4 + 4 + 2, NOT_MODIFIED: 2}
    assert [y for (y,) in years] == [2019, 2020, 2021]
    assert site.hits["/private/2018.pdf"] == 0
