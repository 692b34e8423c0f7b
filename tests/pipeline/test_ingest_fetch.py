"""The ingest DAG fetching from a fake county website on 127.0.0.1, run for real (`airflow dags test`), twice.

The site serves GBK listing pages over two pages (with links that are not
reports), a report page attaching a PDF and its 解读, DOCX attachments, a
file that fails twice with 500 before it is served, one that times out, one
that redirects into a private network and one over the size cap. The
reports are rendered from the bundled samples by bench/corpus.py (DOCX, and
PDF through LibreOffice). A folder source beside the site holds a scanned
PDF, a .doc and an OFD file (tests/legacy_formats.py), so that the same run
shows the legacy formats reaching the marts. The second run, the same day,
must ask for no document already held (none is due for revalidation again)
and run no parse task, and still know every document.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import io
import json
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
import yaml

from bench.corpus import convert_to_pdf, sample_names, sample_spec, soffice, write_docx_and_html
from extractors.fetch.fetcher import FetchConfig
from extractors.fetch.registry import load_registry, parse_registry
from pipeline.backfill import Backfill
from pipeline.discover import discover_sources, source_from_dict, source_to_dict
from pipeline.embedded import run_embedded
from pipeline.fetch_step import fetch_source, fetch_sources
from pipeline.ingest import NothingSelected, load_run, parse_batches, source_batches, summarize_run, to_parse
from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from tests.alerts.test_alerts import Receiver
from tests.conftest import PrepareAirflow, service_missing
from tests.fake_site import TEST_CONFIG, FakeSite, gb_page, site_fixture, trap_fixture  # noqa: F401  (fixtures)
from tests.legacy_formats import (
    AGENCIES,
    FILE_NAMES,
    LegacyFiles,
    assert_in_the_marts,
    assert_loaded,
    write_legacy_files,
)
from tests.paths import REGISTRY

pytestmark = pytest.mark.timeout(1800)  # the Airflow test, with OCR of the scan, on a loaded 2-core machine

SOURCE = "测试县人民政府"
AS_OF = "2022-01-15"  # the 2020 report was due 2021-03-31, the 2021 one is due 2022-03-31
MAX_BYTES = 512 * 1024  # over the PDF (about 220 KB), under the oversized file
FETCH_OPTIONS = (
    f"connect_timeout=0.5 read_timeout=0.3 total_timeout=10 retries=2 backoff_initial=0.01 "
    f"backoff_max=0.05 max_bytes={MAX_BYTES} min_interval_per_host=0 max_concurrency_per_host=4"
)
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Reports:
    """Rendered sample reports: bytes by site path, and the agency each one names."""

    files: dict[str, bytes]
    agencies: dict[str, str]


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> Reports:
    if soffice() is None:
        service_missing("LibreOffice (soffice) is needed to render the PDF report")
    out = tmp_path_factory.mktemp("corpus")
    specs = [sample_spec(name) for name in sample_names()[:3]]
    docx = write_docx_and_html(specs, out)["docx"]
    pdf = convert_to_pdf(docx[:1], out / "pdf")[0]
    paths = {"/xxgk/files/a.pdf": pdf, "/xxgk/files/b.docx": docx[1], "/xxgk/files/c.docx": docx[2]}
    agencies = dict(zip(paths, (s.expected["agency"] for s in specs), strict=True))
    return Reports({path: file.read_bytes() for path, file in paths.items()}, agencies)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> LegacyFiles:
    if soffice() is None:
        service_missing("LibreOffice (soffice) is needed to render the .doc and the PDFs of the scan and the OFD")
    work = tmp_path_factory.mktemp("legacy")
    return write_legacy_files(work / "input", work)


LISTING = gb_page(
    "政府信息公开年报",
    """
<ul class="list">
  <li><a href="/xxgk/nb/t1.html">测试县人民政府2020年政府信息公开工作年度报告</a></li>
  <li><a href="/xxgk/files/b.docx">二〇二〇年政府信息公开工作年度报告</a></li>
  <li><a href="/xxgk/nb/notice.html">关于做好2020年政府信息公开工作年度报告编制工作的通知</a></li>
  <li><a href="/news/2.html">2020年政府工作报告</a></li>
</ul>
<div class="pager"><a href="index_1.html">下一页</a></div>
""",
)
LISTING_1 = gb_page(
    "政府信息公开年报",
    """
<ul class="list">
  <li><a href="/xxgk/files/c.docx">2020年度政府信息公开工作年度报告</a></li>
  <li><a href="/slow.pdf">2017年政府信息公开工作年度报告</a></li>
  <li><a href="/xxgk/files/2016.pdf">2016年政府信息公开工作年度报告</a></li>
  <li><a href="/xxgk/files/2015.pdf">2015年政府信息公开工作年度报告</a></li>
</ul>
<div class="pager"><a href="index.html">上一页</a></div>
""",
)
REPORT_PAGE = gb_page(
    "2020年报告",
    """
<h1>测试县人民政府2020年政府信息公开工作年度报告</h1>
<a href="/xxgk/files/a.pdf">测试县2020年政府信息公开工作年度报告.pdf</a>
<a href="/xxgk/files/jiedu.pdf">图解：2020年政府信息公开工作年度报告解读.pdf</a>
""",
)


@pytest.fixture
def county(site: FakeSite, reports: Reports) -> FakeSite:
    """The fake site with the county's disclosure column and the rendered reports."""

    def flaky(handler, body: bytes) -> None:
        if site.hits["/xxgk/files/c.docx"] <= 2:  # two 500s, then the file
            handler._send(500, b"internal error", "text/plain")
        else:
            handler.document(body, DOCX)

    files = reports.files
    site.routes.update(
        {
            "/xxgk/nb/index.html": lambda h: h.listing(LISTING),
            "/xxgk/nb/index_1.html": lambda h: h.listing(LISTING_1, charset_in_header=True),
            "/xxgk/nb/t1.html": lambda h: h.listing(REPORT_PAGE),
            "/xxgk/files/a.pdf": lambda h: h.document(files["/xxgk/files/a.pdf"], PDF),
            "/xxgk/files/b.docx": lambda h: h.document(files["/xxgk/files/b.docx"], DOCX),
            "/xxgk/files/c.docx": lambda h: flaky(h, files["/xxgk/files/c.docx"]),
            "/xxgk/files/2016.pdf": lambda h: h._redirect("http://10.0.0.1/2016.pdf"),
            "/xxgk/files/2015.pdf": lambda h: h.big_streamed(2 * MAX_BYTES),
        }
    )
    return site


@pytest.fixture
def settings(
    county: FakeSite,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmp_settings: Settings,
    prepared_airflow: PrepareAirflow,
    legacy: LegacyFiles,
) -> Settings:
    registry = tmp_path / "sources.yml"
    registry.write_text(
        yaml.safe_dump(
            {
                "sources": [
                    {
                        "name": SOURCE,
                        "region": "测试省测试市",
                        "division_code": "999999",
                        "level": "county",
                        "kind": "government",
                        "local": True,
                        "listing_urls": [county.url("/xxgk/nb/index.html"), county.url("/news/index.html")],
                        "first_year": 2015,  # the failing 2015-2017 links are registered years here
                    },
                    {
                        "name": "示例县",
                        "region": "r",
                        "division_code": "999998",
                        "level": "county",
                        "kind": "government",
                        "listing_urls": ["http://192.0.2.1/nb/"],
                        "example": True,
                    },  # never contacted
                    {"name": "legacy formats", "local_dir": str(legacy.folder)},
                ]
            },
            allow_unicode=True,
        ),
        encoding="utf-8",
    )
    monkeypatch.delenv("DISCLOSURE_INPUT_DIR")  # the registry's folder source is the legacy formats'
    monkeypatch.setenv("DISCLOSURE_REGISTRY", str(registry))
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", FETCH_OPTIONS)
    prepared_airflow(tmp_settings)
    return Settings.from_env()


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _landed(settings: Settings) -> set[str]:
    return {p.name for p in (settings.home / "landing").rglob("*") if p.is_file()}


def _documents(settings: Settings) -> dict[str, tuple]:
    """raw.documents by name: the URL each came from (None from the folder), sha256, status, the agency it names."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "select d.document, d.source_url, d.sha256, d.status, r.agency from raw.documents d "
            "join raw.reports r using (sha256, parser_version)"
        ).fetchall()
    return {name: tuple(rest) for name, *rest in rows}


def _document_attempts(settings: Settings, base: str) -> list[tuple]:
    """Attempts of report files (listing and report pages are fetched too, unconditionally)."""
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "select url, status, http_status, error, tries, sha256, report_year, agency "
            "from raw.fetch_attempts order by fetched_at"
        ).fetchall()
    return [(url.removeprefix(base), *rest) for url, *rest in rows if not url.endswith((".html", "/robots.txt"))]


def _parse_tasks(settings: Settings) -> list[tuple[int, str]]:
    """(map_index, state) of the `parse` task instances of the latest ingest run (Airflow's database)."""
    with sqlite3.connect(settings.home / "airflow" / "airflow.db") as conn:
        run_id = conn.execute(
            "select run_id from dag_run where dag_id = 'disclosure_ingest' order by id desc limit 1"
        ).fetchone()[0]
        return conn.execute(
            "select map_index, state from task_instance where dag_id = 'disclosure_ingest' "
            "and run_id = ? and task_id = 'parse'",
            [run_id],
        ).fetchall()


def test_ingest_fetches_lands_parses_and_loads_then_a_second_run_asks_for_no_known_document(
    county: FakeSite, reports: Reports, legacy: LegacyFiles, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = io.StringIO()
    # A timeout and an oversized file fail the run, after everything else is loaded.
    assert run_embedded(settings, dag_ids=("disclosure_ingest",), out=first) == 1
    output = first.getvalue()
    assert "disclosure_ingest: FAILED" in output
    assert "fetch.timeout" in output and "fetch.too_large" in output and "fetch.refused_address" in output

    # landing zone: exactly the three reports, the report page that attaches one (landed once, by discovery)
    # and the folder's three files
    landed = {_sha(data) for data in reports.files.values()} | {_sha(REPORT_PAGE.encode("gbk"))}
    landed |= set(legacy.sha256.values())
    assert _landed(settings) == landed

    # raw.documents: one row per report, with the URL it came from and the agency it names
    documents = _documents(settings)
    assert documents == {
        Path(path).name: (county.url(path), _sha(data), "parsed", reports.agencies[path])
        for path, data in reports.files.items()
    } | {FILE_NAMES[name]: (None, sha, "parsed", AGENCIES[name]) for name, sha in legacy.sha256.items()}
    assert_loaded(settings.warehouse_path, legacy)  # the formats, as read

    # raw.fetch_attempts: one row per attempt, with the outcome and its error code
    attempts = {
        url: (status, http, (error or "").split(":")[0], tries)
        for url, status, http, error, tries, *_ in _document_attempts(settings, county.base)
    }
    assert attempts == {
        "/xxgk/files/a.pdf": ("fetched", 200, "", 1),
        "/xxgk/files/b.docx": ("fetched", 200, "", 1),
        "/xxgk/files/c.docx": ("fetched", 200, "", 3),  # two 500s, then the file
        "/slow.pdf": ("failed", None, "fetch.timeout", 3),
        "/xxgk/files/2016.pdf": ("refused", None, "fetch.refused_address", 1),  # redirected to 10.0.0.1
        "/xxgk/files/2015.pdf": ("too_large", 200, "fetch.too_large", 1),
    }
    years = {row[0]: (row[6], row[7]) for row in _document_attempts(settings, county.base)}
    assert years["/xxgk/files/b.docx"] == (2020, SOURCE)  # the year of 二〇二〇年, from the link
    assert "/xxgk/files/jiedu.pdf" not in attempts and "/xxgk/nb/notice.html" not in county.hits
    assert "/news/2.html" not in county.hits  # the news listing and its non-report links
    assert sorted(i for i, state in _parse_tasks(settings)) == [0]  # the six new documents in one batch
    parsed_files = {p: p.stat().st_mtime_ns for p in settings.parsed_dir.glob("*.json")}
    assert len(parsed_files) == 6

    _transform_builds_marts_and_alerts(county, legacy, monkeypatch)

    second = io.StringIO()
    assert run_embedded(settings, dag_ids=("disclosure_ingest",), out=second) == 1  # the timeout again
    again = second.getvalue()
    assert "0 parsed, 6 already parsed; 0 loaded, 6 already loaded" in again, again
    assert "not modified 0, not due for revalidation 3" in again, again  # landed today: due next week
    rows = _document_attempts(settings, county.base)[len(attempts) :]
    # what never landed is tried again; the report page is read from its landed copy, not requested
    assert {url: status for url, status, *_ in rows} == {
        "/slow.pdf": "failed",
        "/xxgk/files/2016.pdf": "refused",
        "/xxgk/files/2015.pdf": "too_large",
    }
    assert county.hits["/xxgk/nb/t1.html"] == 1 and county.hits["/xxgk/files/a.pdf"] == 1
    assert [state for _, state in _parse_tasks(settings) if state != "skipped"] == []  # no parse task ran
    assert _landed(settings) == landed  # nothing new landed
    assert _documents(settings) == documents
    assert {p: p.stat().st_mtime_ns for p in settings.parsed_dir.glob("*.json")} == parsed_files


def _transform_builds_marts_and_alerts(county: FakeSite, legacy: LegacyFiles, monkeypatch: pytest.MonkeyPatch) -> None:
    """The transform over the fetched reports: marts with their source URLs, publication monitoring, alerts;
    the legacy formats' cells and checks."""
    monkeypatch.setenv("DISCLOSURE_AS_OF_DATE", AS_OF)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with Receiver() as pages, Receiver() as digests:
        monkeypatch.setenv("DISCLOSURE_ALERT_URLS", pages.url)
        monkeypatch.setenv("DISCLOSURE_DIGEST_URLS", digests.url)
        settings = Settings.from_env()
        out = io.StringIO()
        assert run_embedded(settings, dag_ids=("disclosure_transform",), out=out) == 0, out.getvalue()
    with duckdb.connect(str(settings.published_path), read_only=True) as conn:
        urls = {url for (url,) in conn.execute("select source_url from marts.dim_report").fetchall()}
        publication = dict(
            conn.execute(
                "select report_year, publication_status from marts.fct_publication where agency_name = ?", [SOURCE]
            ).fetchall()
        )
    fetched = {county.url(path) for path in ("/xxgk/files/a.pdf", "/xxgk/files/b.docx", "/xxgk/files/c.docx")}
    assert urls == fetched | {None}  # the folder's files have no URL
    assert_in_the_marts(settings.published_path, legacy)
    # first_year 2015 through the year before AS_OF; the reports on the site are other agencies' samples
    overdue = dict.fromkeys(range(2015, 2021), "missing_overdue")
    assert publication == {**overdue, 2021: "not_yet_due"}
    # pages: the samples' own failures only (errors); the missing reports: warnings in the digest
    paged = [body["title"] for _, body in pages.posts]
    assert paged and not any("report.on_time" in title for title in paged), paged
    digest = "".join(body["message"] for _, body in digests.posts)
    assert f"{SOURCE} 2019 · publication monitoring" in digest and f"{SOURCE} 2020 · publication monitoring" in digest
    assert f"{SOURCE} 2021 · publication monitoring" not in digest  # not yet due


# ---- the steps one by one, without Airflow --------------------------------------------------------------


def _registry(tmp_path: Path, *entries: dict) -> Path:
    path = tmp_path / "registry.yml"
    path.write_text(yaml.safe_dump({"sources": list(entries)}, allow_unicode=True), encoding="utf-8")
    return path


def _web(name: str, url: str = "http://192.0.2.1/nb/", **more: object) -> dict:
    return {
        "name": name,
        "region": "r",
        "division_code": "999999",
        "level": "county",
        "kind": "government",
        "listing_urls": [url],
        **more,
    }


def test_fetch_options_override_the_fetch_config_and_reject_mistakes() -> None:
    config = FetchConfig.from_options("read_timeout=5 retries=1 respect_robots=false contact_url=https://x.org/c")
    assert (config.read_timeout, config.retries, config.respect_robots) == (5.0, 1, False)
    assert "https://x.org/c" in config.user_agent and config.max_bytes == FetchConfig().max_bytes
    for bad in ("retries", "retries=two", "respect_robots=maybe", "speed=11"):
        with pytest.raises(ValueError, match="DISCLOSURE_FETCH_OPTIONS"):
            FetchConfig.from_options(bad)


def test_discover_skips_examples_narrows_a_backfill_and_applies_the_input_folder(
    tmp_path: Path, tmp_settings: Settings
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    registry = _registry(
        tmp_path,
        {"name": "folder", "local_dir": str(folder)},
        _web("测试县人民政府"),
        _web("示例县", example=True),
        _web("别的县", aliases=["别的县人民政府"]),
    )
    settings = dataclasses.replace(tmp_settings, registry_path=registry, input_dir=None)
    assert [s["name"] for s in discover_sources(settings)] == ["folder", "测试县人民政府", "别的县"]
    # a backfill keeps the web sources naming the agency (aliases too) and every folder source
    assert [s["name"] for s in discover_sources(settings, Backfill(agency="人民政府"))] == [
        "folder",
        "测试县人民政府",
        "别的县",
    ]
    assert [s["name"] for s in discover_sources(settings, Backfill(agency="测试县"))] == ["folder", "测试县人民政府"]
    # DISCLOSURE_INPUT_DIR replaces the folder source's folder
    other = tmp_path / "other"
    other.mkdir()
    folder_source = discover_sources(dataclasses.replace(settings, input_dir=other))[0]
    assert source_from_dict(folder_source).local_dir == other
    with pytest.raises(FileNotFoundError, match="does not exist"):
        discover_sources(dataclasses.replace(settings, input_dir=tmp_path / "missing"))
    two_folders = _registry(tmp_path, {"name": "a", "local_dir": str(folder)}, {"name": "b", "local_dir": str(other)})
    with pytest.raises(ValueError, match="2 folder sources"):
        discover_sources(dataclasses.replace(settings, registry_path=two_folders, input_dir=other))
    assert len(discover_sources(dataclasses.replace(settings, registry_path=two_folders))) == 2


def test_a_source_survives_the_trip_between_tasks() -> None:
    source = next(s for s in load_registry(REGISTRY) if s.name == "静乐县")
    assert source_from_dict(json.loads(json.dumps(source_to_dict(source)))) == source


def test_fetch_source_lists_every_document_with_its_outcome_and_a_year_backfill_skips_other_years(
    site: FakeSite, tmp_settings: Settings
) -> None:
    source = _web(SOURCE, site.url("/nb/index.html"), local=True, report_urls=[site.url("/slow.pdf")])
    source_data = source_to_dict(parse_registry({"sources": [source]})[0])
    result = asyncio.run(fetch_source(tmp_settings, source_data, config=TEST_CONFIG))
    documents = {d["url"].removeprefix(site.base): d for d in result["documents"]}
    assert {u: (d["fetch_status"], d["report_year"]) for u, d in documents.items()} == {
        "/files/2021.pdf": ("fetched", 2021),
        "/files/2021.docx": ("fetched", 2021),
        "/files/2020.pdf": ("fetched", 2020),
        "/files/2019.docx": ("fetched", 2019),
        "/slow.pdf": ("failed", None),
    }
    # 2018 is before first_year (2019 by default): listed as skipped, never requested
    assert [(s["year"], s["url"].removeprefix(site.base)) for s in result["skipped"]] == [(2018, "/private/2018.pdf")]
    assert site.hits["/private/2018.pdf"] == 0
    assert documents["/slow.pdf"]["error"].startswith("fetch.timeout") and documents["/slow.pdf"]["sha256"] is None
    assert documents["/files/2020.pdf"]["document"] == "2020.pdf" and not documents["/files/2020.pdf"]["parsed"]
    # every attempt is kept for raw.fetch_attempts, each request once: 4 listing/report pages and 5 documents
    assert len(result["attempts"]) == 4 + 5
    assert {(a["url"].removeprefix(site.base), a["step"]) for a in result["attempts"]} >= {
        ("/nb/2021/report.html", "discover"),
        ("/files/2020.pdf", "fetch"),
    }

    narrowed = asyncio.run(fetch_source(tmp_settings, source_data, year=2020, config=TEST_CONFIG))
    assert {d["url"].removeprefix(site.base): d["fetch_status"] for d in narrowed["documents"]} == {
        "/files/2020.pdf": "not_due",  # landed today: not asked for again (extractors.fetch.revalidation)
        "/slow.pdf": "failed",
    }  # a link without a year is still fetched


def test_a_result_parsed_but_never_loaded_is_loaded_by_the_next_run(tmp_settings: Settings) -> None:
    source = source_to_dict(next(s for s in load_registry(REGISTRY) if s.name == "bundled-samples"))
    first = asyncio.run(fetch_source(tmp_settings, source))
    assert [d["fetch_status"] for d in first["documents"]] == ["read"] * 5
    assert len(to_parse([first])) == 5
    # A run parsed two documents and stopped before `load`.
    for d in to_parse([first])[:2]:
        parse_to_file(d["landing_path"], tmp_settings, name=d["document"])

    second = asyncio.run(fetch_source(tmp_settings, source))
    pending = to_parse([second])
    assert len(pending) == 3 and sum(d["parsed"] for d in second["documents"]) == 2
    outcomes = [parse_to_file(d["landing_path"], tmp_settings, name=d["document"]) for d in pending]
    # Only the first outcome reaches `load`: the batch of the other two failed after parsing them.
    loaded = load_run(tmp_settings, [second], outcomes[:1], Backfill())
    assert (loaded["documents_loaded"], loaded["documents_skipped"]) == (5, 0)

    third = asyncio.run(fetch_source(tmp_settings, source))
    assert to_parse([third]) == []
    assert load_run(tmp_settings, [third], [], Backfill(agency="静乐县"))["documents_not_selected"] == 4
    with pytest.raises(NothingSelected, match="no document matches"):
        load_run(tmp_settings, [third], [], Backfill(agency="不存在县"))
    Path(third["documents"][0]["parsed_path"]).unlink()  # proves that loaded documents are skipped unread
    assert load_run(tmp_settings, [third], [], Backfill())["documents_skipped"] == 5
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        names = {r[0] for r in conn.execute("select document from raw.documents").fetchall()}
    assert names == {d["document"] for d in third["documents"]}  # named as received, not by sha256


def test_documents_to_parse_come_in_even_batches_named_after_their_first_file() -> None:
    documents = [{"document": f"{i}.pdf"} for i in range(1000)]
    batches = parse_batches(documents, 20)
    assert len(batches) == 50 and {len(b["documents"]) for b in batches} == {20}
    assert [b["name"] for b in batches[:2]] == ["0.pdf +19", "20.pdf +19"]
    assert [d for b in batches for d in b["documents"]] == documents  # every document once, in order
    assert [len(b["documents"]) for b in parse_batches(documents[:21], 20)] == [10, 11]
    assert [b["name"] for b in parse_batches(documents[:2], 1)] == ["0.pdf", "1.pdf"]
    assert parse_batches([], 20) == []


def test_a_source_whose_fetch_raises_is_data_and_the_batch_goes_on(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pipeline.fetch_step

    async def fetch_one(settings: Settings, source: dict, year: int | None = None, **_: object) -> dict:
        if source["name"] == "b":
            raise OSError("landing zone not writable")
        return {"source": source["name"], "documents": [], "attempts": []}

    monkeypatch.setattr(pipeline.fetch_step, "fetch_source", fetch_one)
    results = fetch_sources(tmp_settings, [{"name": "a"}, {"name": "b"}, {"name": "c"}])
    assert [(r["source"], r.get("error")) for r in results] == [
        ("a", None),
        ("b", "OSError: landing zone not writable"),
        ("c", None),
    ]


def test_a_batch_fetches_other_hosts_at_the_same_time_and_one_host_one_source_after_another(
    tmp_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    import pipeline.fetch_step

    spans: dict[str, tuple[float, float]] = {}

    async def fetch_one(settings: Settings, source: dict, year: int | None = None, **_: object) -> dict:
        started = time.monotonic()
        await asyncio.sleep(0.3)
        spans[source["name"]] = (started, time.monotonic())
        return {"source": source["name"], "documents": [], "attempts": []}

    monkeypatch.setattr(pipeline.fetch_step, "fetch_source", fetch_one)
    sources = [
        {"name": "county", "listing_urls": ["http://www.xian.gov.cn/nb/"]},
        {"name": "county bureau", "listing_urls": ["http://WWW.xian.gov.cn/bureau/nb/"]},
        {"name": "city", "report_urls": ["http://www.shi.gov.cn/2021.pdf"]},
        {"name": "folder", "local_dir": "/data/in"},
    ]
    results = fetch_sources(tmp_settings, sources)
    assert [r["source"] for r in results] == ["county", "county bureau", "city", "folder"]  # the sources' order

    def overlap(a: str, b: str) -> bool:
        return spans[a][0] < spans[b][1] and spans[b][0] < spans[a][1]

    assert not overlap("county", "county bureau")  # one host: the per-host politeness holds
    assert overlap("county", "city") and overlap("county", "folder")  # other hosts meanwhile


def test_the_batch_sizes_come_from_the_environment_and_reject_nonsense(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = Settings.from_env()
    assert (settings.parse_batch_size, settings.fetch_batch_size, settings.fetch_hosts) == (20, 10, 32)
    monkeypatch.setenv("DISCLOSURE_PARSE_BATCH_SIZE", "1")
    monkeypatch.setenv("DISCLOSURE_FETCH_BATCH_SIZE", "3")
    monkeypatch.setenv("DISCLOSURE_FETCH_HOSTS", "64")
    settings = Settings.from_env()
    assert (settings.parse_batch_size, settings.fetch_batch_size, settings.fetch_hosts) == (1, 3, 64)
    for name in ("DISCLOSURE_PARSE_BATCH_SIZE", "DISCLOSURE_FETCH_BATCH_SIZE", "DISCLOSURE_FETCH_HOSTS"):
        for bad in ("0", "-3", "ten", "2.5"):
            monkeypatch.setenv(name, bad)
            with pytest.raises(ValueError, match=f"{name} must be a whole number of at least 1"):
                Settings.from_env()
        monkeypatch.setenv(name, "5")


def test_the_summary_fails_the_run_on_failed_documents_and_tasks_and_warns_on_refusals() -> None:
    def doc(name: str, status: str, error: str | None = None, parsed: bool = False) -> dict:
        return {
            "document": name,
            "source": "s",
            "url": f"http://h/{name}",
            "fetch_status": status,
            "error": error,
            "sha256": None if error else f"sha-{name}",
            "parsed": parsed,
        }

    fetched = [
        {
            "source": "s",
            "documents": [
                doc("a.pdf", "fetched"),
                doc("b.pdf", "not_modified", parsed=True),
                doc("c.pdf", "failed", "fetch.timeout: x"),
                doc("d.pdf", "too_large", "fetch.too_large: x"),
                doc("e.pdf", "refused", "fetch.refused_address: x"),
                doc("f.pdf", "fetched"),
            ],
            "attempts": [],
        }
    ]
    batches = parse_batches([fetched[0]["documents"][0], fetched[0]["documents"][5]], 1)
    outcomes = [{"document": "a.pdf", "sha256": "sha-a.pdf", "status": "failed", "parsed_path": "/p"}]
    loaded = {"documents_loaded": 1, "documents_skipped": 1, "documents_not_selected": 0, "cells_loaded": 0}
    sources = source_batches([{"name": "s"}, {"name": "gone"}, {"name": "broken"}], 2)
    fetched.append({"source": "broken", "documents": [], "attempts": [], "error": "OSError: disk full"})
    summary = summarize_run(sources, fetched, batches, outcomes, loaded, Backfill())
    assert summary.counts["fetch_statuses"] == {
        "fetched": 2,
        "not_modified": 1,
        "failed": 1,
        "too_large": 1,
        "refused": 1,
    }
    assert (summary.counts["parsed"], summary.counts["already_parsed"]) == (1, 1)
    assert [f.split(":")[0] for f in summary.failures] == [
        "gone",
        "broken",
        "s",
        "s",
        "parse task `parse [f.pdf]` failed",
    ]
    assert summary.failures[0] == "gone: fetch task failed (`fetch [s +1]`)"
    assert summary.failures[1] == "broken: fetch failed: OSError: disk full"
    assert "c.pdf" in summary.failures[2] and "d.pdf" in summary.failures[3]
    assert "no outcome for f.pdf" in summary.failures[4]
    assert any("e.pdf" in w for w in summary.warnings) and any("parse status failed" in w for w in summary.warnings)
    assert summary.lines[0] == "s: 6 documents (failed 1, fetched 2, not_modified 1, refused 1, too_large 1)"
    assert summarize_run([], [], None, [], None, Backfill()).failures == [
        "plan_parse did not finish: see the `plan_parse` task",
        "load did not finish: see the `load` task",
    ]
