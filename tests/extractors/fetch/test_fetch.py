"""The fetcher against a fake government website on 127.0.0.1: retries, 304s, size cap, SSRF guard, robots."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import AsyncIterator
from pathlib import Path

import duckdb
import pytest

from extractors.fetch.fetcher import (
    FAILED,
    FETCHED,
    NOT_MODIFIED,
    REFUSED,
    ROBOTS_DISALLOWED,
    TOO_LARGE,
    Fetcher,
    FetchResult,
    decode_page,
)
from extractors.landing import landing_path
from pipeline.settings import Settings
from tests.fake_site import (
    DOCX_2019,
    ETAG_2020,
    PDF_2020,
    PDF_FLAKY,
    TEST_CONFIG,
    FakeSite,
    RecordingTransport,
    Trap,
    site_fixture,  # noqa: F401  (fixture `site`)
    trap_fixture,  # noqa: F401  (fixture `trap`)
)
from warehouse.fetch_log import write_fetch_attempts

pytestmark = [pytest.mark.timeout(30), pytest.mark.anyio]


@pytest.fixture
def transport() -> RecordingTransport:
    return RecordingTransport()


@pytest.fixture
async def fetcher(tmp_settings: Settings, transport: RecordingTransport) -> AsyncIterator[Fetcher]:
    async with Fetcher(tmp_settings.storage, TEST_CONFIG, transport=transport) as f:
        yield f


def _landed(settings: Settings) -> set[str]:
    root = settings.home / "landing"
    return {p.name for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


async def test_fetch_lands_bytes_by_sha256_and_an_etag_makes_the_second_run_a_304(
    site: FakeSite, fetcher: Fetcher, tmp_settings: Settings
) -> None:
    first = await fetcher.fetch(site.url("/files/2020.pdf"), local=True, agency="测试县人民政府", report_year=2020)
    assert (first.status, first.http_status, first.error) == (FETCHED, 200, None)
    assert first.sha256 == _sha(PDF_2020) and first.size == len(PDF_2020)
    assert first.headers["etag"] == ETAG_2020 and first.headers["content-type"] == "application/pdf"
    path = landing_path(tmp_settings.storage, first.sha256)
    assert first.landing_path == str(path) and path.read_bytes() == PDF_2020
    assert first.content is None  # documents go to the landing zone, not into memory

    second = await fetcher.fetch(site.url("/files/2020.pdf"), local=True)
    assert (second.status, second.http_status, second.tries) == (NOT_MODIFIED, 304, 1)
    assert second.sha256 == first.sha256 and second.landing_path == first.landing_path
    assert site.requests[-1][1]["if-none-match"] == ETAG_2020
    assert site.hits["/files/2020.pdf"] == 2
    assert _landed(tmp_settings) == {first.sha256}


async def test_last_modified_makes_a_conditional_request_too(site: FakeSite, tmp_settings: Settings) -> None:
    # A new Fetcher (a new task run) still finds the validators: they live under settings.home.
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as first_run:
        first = await first_run.fetch(site.url("/files/2019.docx"), local=True)
    async with Fetcher(tmp_settings.storage, TEST_CONFIG) as second_run:
        second = await second_run.fetch(site.url("/files/2019.docx"), local=True)
    assert first.status == FETCHED and first.sha256 == _sha(DOCX_2019)
    assert (second.status, second.sha256) == (NOT_MODIFIED, first.sha256)
    assert "if-modified-since" in site.requests[-1][1]


async def test_validators_are_not_sent_when_the_landed_copy_is_gone(
    site: FakeSite, fetcher: Fetcher, tmp_settings: Settings
) -> None:
    first = await fetcher.fetch(site.url("/files/2020.pdf"), local=True)
    landing_path(tmp_settings.storage, first.sha256).unlink()
    again = await fetcher.fetch(site.url("/files/2020.pdf"), local=True)
    assert again.status == FETCHED and landing_path(tmp_settings.storage, first.sha256).exists()
    assert "if-none-match" not in site.requests[-1][1]


async def test_a_500_is_retried_until_it_recovers(site: FakeSite, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(site.url("/flaky.pdf"), local=True)
    assert (result.status, result.http_status, result.tries) == (FETCHED, 200, 3)
    assert result.sha256 == _sha(PDF_FLAKY)


async def test_a_500_that_persists_fails_after_the_configured_tries(site: FakeSite, fetcher: Fetcher) -> None:
    site.flaky_failures = 100
    result = await fetcher.fetch(site.url("/flaky.pdf"), local=True)
    assert (result.status, result.http_status) == (FAILED, 500)
    assert result.tries == TEST_CONFIG.retries + 1 == site.hits["/flaky.pdf"]
    assert result.error.startswith("fetch.http_status:")


async def test_a_slow_response_times_out_and_is_retried(site: FakeSite, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(
        site.url("/slow.pdf"), local=True
    )  # the server answers after 1 s: past the 0.3 s limit
    assert result.status == FAILED and result.error.startswith("fetch.timeout:")
    assert result.tries == TEST_CONFIG.retries + 1


@pytest.mark.parametrize("path", ["/big.pdf", "/big-declared.pdf"])
async def test_an_oversized_file_is_cut_off_and_not_landed(
    site: FakeSite, fetcher: Fetcher, tmp_settings: Settings, path: str
) -> None:
    result = await fetcher.fetch(site.url(path), local=True)
    assert (result.status, result.http_status) == (TOO_LARGE, 200)
    assert result.error.startswith("fetch.too_large:")
    assert result.sha256 is None and _landed(tmp_settings) == set()


@pytest.mark.parametrize("path,address", [("/redirect-private", "10.0.0.1"), ("/redirect-metadata", "169.254.169.254")])
async def test_a_redirect_to_a_private_address_is_refused_before_connecting(
    site: FakeSite, fetcher: Fetcher, transport: RecordingTransport, path: str, address: str
) -> None:
    result = await fetcher.fetch(site.url(path), local=True)
    assert result.status == REFUSED and result.error.startswith("fetch.refused_address:")
    assert address in result.final_url and address in result.error
    assert transport.urls == [site.url("/robots.txt"), site.url(path)]  # nothing was sent to the address


async def test_local_allows_only_the_sources_own_host_not_where_it_redirects(
    site: FakeSite, trap: Trap, fetcher: Fetcher
) -> None:
    result = await fetcher.fetch(site.url("/redirect-other-loopback"), local=True)
    assert result.status == REFUSED and "127.0.0.2" in result.error
    assert trap.hits == 0
    # The trap is real: fetched directly as a local source, it counts the hit.
    assert (await fetcher.fetch(trap.url, local=True)).status == FETCHED and trap.hits == 1


async def test_without_local_a_loopback_url_is_refused_before_any_request(
    site: FakeSite, fetcher: Fetcher, transport: RecordingTransport
) -> None:
    result = await fetcher.fetch(site.url("/files/2020.pdf"))
    assert result.status == REFUSED and "loopback" in result.error
    assert result.tries == 0 and transport.urls == [] and not site.hits


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://127.0.0.1/x.pdf", "http:///nohost", "not a url"])
async def test_bad_urls_are_results_not_exceptions(fetcher: Fetcher, url: str) -> None:
    result = await fetcher.fetch(url, local=True)
    assert result.status == REFUSED and result.error


async def test_robots_txt_is_honoured_and_read_once_per_host(site: FakeSite, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(site.url("/private/2018.pdf"), local=True)
    assert result.status == ROBOTS_DISALLOWED and result.error.startswith("fetch.robots:")
    assert site.hits["/private/2018.pdf"] == 0
    assert (await fetcher.fetch(site.url("/files/2020.pdf"), local=True)).status == FETCHED
    assert site.hits["/robots.txt"] == 1


async def test_redirects_are_followed_on_the_same_host_and_limited(site: FakeSite, fetcher: Fetcher) -> None:
    moved = await fetcher.fetch(site.url("/redirect-same-host"), local=True)
    assert moved.status == FETCHED and moved.final_url == site.url("/files/2021.pdf") and moved.tries == 2
    loop = await fetcher.fetch(site.url("/redirect-loop"), local=True)
    assert loop.status == FAILED and loop.error.startswith("fetch.too_many_redirects:")
    assert site.hits["/redirect-loop"] == TEST_CONFIG.max_redirects + 1


async def test_a_404_is_a_failed_result(site: FakeSite, fetcher: Fetcher) -> None:
    result = await fetcher.fetch(site.url("/gone.pdf"), local=True)
    assert (result.status, result.http_status, result.error) == (FAILED, 404, "fetch.http_status: HTTP 404")


async def test_the_user_agent_names_the_project_and_a_contact(site: FakeSite, fetcher: Fetcher) -> None:
    await fetcher.fetch(site.url("/files/2021.pdf"), local=True)
    agent = site.requests[-1][1]["user-agent"]
    assert agent.startswith("disclosure-warehouse/") and TEST_CONFIG.contact_url in agent


async def test_gbk_listing_pages_decode(site: FakeSite, fetcher: Fetcher) -> None:
    meta_only = await fetcher.fetch(site.url("/nb/index.html"), local=True, land_bytes=False)
    header_only = await fetcher.fetch(site.url("/nb/index_1.html"), local=True, land_bytes=False)
    assert "测试县人民政府2021年政府信息公开工作年度报告" in meta_only.text()
    assert "二〇二〇年政府信息公开工作年度报告" in header_only.text()
    assert meta_only.sha256 is None and meta_only.content  # pages stay in memory, out of the landing zone


def test_decode_page_reads_gbk_only_characters_in_a_page_labelled_gb2312() -> None:
    text = "朱镕基 政府信息公开"  # 镕 is in GBK but not in GB2312
    data = f'<meta charset="gb2312"><p>{text}</p>'.encode("gbk")
    assert text in decode_page(data)
    assert text in decode_page(text.encode("gbk"), "text/html; charset=GB2312")
    assert text in decode_page(text.encode("utf-8"), "text/html; charset=gbk")  # a wrong label is overruled


async def test_fetch_attempts_are_logged_in_the_warehouse(
    site: FakeSite, fetcher: Fetcher, tmp_settings: Settings
) -> None:
    context = {"source": "fake", "agency": "测试县人民政府", "report_year": 2020}
    results = [
        await fetcher.fetch(site.url("/files/2020.pdf"), local=True, **context),
        await fetcher.fetch(site.url("/files/2020.pdf"), local=True, **context),
        await fetcher.fetch(site.url("/big.pdf"), local=True, source="fake"),
        await fetcher.fetch(site.url("/redirect-private"), local=True, source="fake"),
    ]
    assert write_fetch_attempts(tmp_settings.warehouse, results) == 4
    assert write_fetch_attempts(tmp_settings.warehouse, results) == 0  # a retried task re-writing its list adds nothing
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "select status, http_status, sha256, etag, agency, report_year, size_bytes, error, final_url "
            "from raw.fetch_attempts order by fetched_at"
        ).fetchall()
    assert [r[0] for r in rows] == [FETCHED, NOT_MODIFIED, TOO_LARGE, REFUSED]
    assert rows[0][1:7] == (200, _sha(PDF_2020), ETAG_2020, "测试县人民政府", 2020, len(PDF_2020))
    assert rows[1][2] == rows[0][2]  # a 304 points at the copy already landed
    assert rows[2][7].startswith("fetch.too_large")
    assert rows[3][8] == "http://10.0.0.1/secret.pdf"


async def test_state_lives_under_settings_home(site: FakeSite, fetcher: Fetcher, tmp_settings: Settings) -> None:
    await fetcher.fetch(site.url("/files/2020.pdf"), local=True)
    state = tmp_settings.home / "fetch_state"
    validators = [p for p in state.rglob("*.json") if p.parent.name != "robots"]
    assert len(validators) == 1 and ETAG_2020.strip('"') in validators[0].read_text(encoding="utf-8")
    assert len(list((state / "robots").glob("*.json"))) == 1  # the site's robots.txt, for the next fetchers


async def test_a_fetcher_shared_by_coroutines(site: FakeSite, tmp_settings: Settings) -> None:
    config = dataclasses.replace(TEST_CONFIG, max_concurrency_per_host=2)
    paths = ["/files/2020.pdf", "/files/2019.docx", "/files/2021.pdf", "/files/2021.docx", "/flaky.pdf"]
    async with Fetcher(tmp_settings.storage, config) as fetcher:
        results = await asyncio.gather(*(fetcher.fetch(site.url(p), local=True) for p in paths))
    assert [r.status for r in results] == [FETCHED] * 5
    assert len(_landed(tmp_settings)) == 5
    assert all(Path(r.landing_path).exists() for r in results)


async def test_a_result_survives_a_round_trip_through_json(site: FakeSite, fetcher: Fetcher) -> None:
    import json

    result = await fetcher.fetch(site.url("/files/2020.pdf"), local=True, source="fake", report_year=2020)
    again = FetchResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result


async def test_a_name_that_does_not_resolve_is_a_failure_not_a_refusal(
    fetcher: Fetcher, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socket

    def no_answer(*args: object, **kwargs: object) -> None:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_answer)  # no DNS query leaves the machine
    result = await fetcher.fetch("http://no-such-host.invalid/report.pdf")
    assert result.status == FAILED and result.error.startswith("fetch.dns:") and result.tries == 0
