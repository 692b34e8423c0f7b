"""Publication monitoring and the cross-year check, through the real pieces: raw rows, dbt, GX, the digest.

One module-scoped warehouse, judged as of 2024-02-15 (DISCLOSURE_AS_OF_DATE),
with three registered agencies (monitored since 2022-01-01) and a folder source:

* 某局 (department, due 31 January): its 2022 report, printed under its alias
  某局办公室, was fetched on 2023-01-20 (on time) and loaded later; its 2023
  report was first loaded on 2024-02-10, 10 days late. Its 2022 report
  carries forward 3 (natural_person) and 4 (total) applications; the 2023
  report carries over 3 and 5: year.carry passes for one and fails for the other.
* 某县 (government, due 31 March): 2022 fetched on 2023-03-01 (on time);
  2023 not found and not yet due.
* 某市 (government): nothing found; 2022 is 321 days overdue, 2023 not yet due.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Iterator
from datetime import datetime

import duckdb
import pytest

from extractors.fetch.registry import parse_registry
from pipeline.settings import ELSEWHERE_VARIABLES, REPO_ROOT, Settings
from tests.alerts.test_alerts import Receiver
from tests.conftest import service_missing
from tests.dbt_project.test_dbt_project import application_cells
from warehouse.connection import connect
from warehouse.registry_snapshot import write_sources

AS_OF = "2024-02-15"
RUN_ID = "scheduled__2024-02-15T00:00:00+00:00"
PARSER = "1.0.0"
REGISTERED = datetime(2022, 1, 1)
DEPT, COUNTY, CITY = "某局", "某县", "某市"

SHA = {name: hashlib.sha256(name.encode()).hexdigest() for name in ("dept2022", "dept2023", "county2022")}
REPORT = {name: sha[:16] for name, sha in SHA.items()}


def registry(*extra: dict) -> list:
    web = {
        "region": "某省",
        "division_code": "110101",
        "report_urls": ["https://example.gov.cn/nb.pdf"],
        "first_year": 2022,
    }
    return parse_registry(
        {
            "sources": [
                {"name": DEPT, "aliases": ["某局办公室"], "level": "department", "kind": "department", **web},
                {"name": COUNTY, "aliases": ["某县人民政府"], "level": "county", "kind": "government", **web},
                {"name": CITY, "level": "city", "kind": "government", **web},
                {"name": "folder", "local_dir": "data/samples"},
                *extra,
            ]
        },
        base_dir=REPO_ROOT,
    )


def fill_raw(settings: Settings) -> None:
    """Documents, reports, application cells and fetch attempts of the three reports."""
    reports = [  # key, printed agency, year, template, loaded_at
        ("dept2022", "某局办公室", 2022, "gov2021", datetime(2023, 2, 5)),
        ("dept2023", DEPT, 2023, "gov2021", datetime(2024, 2, 10)),
        ("county2022", "某县人民政府", 2022, "narrative", datetime(2023, 3, 2)),
    ]
    carry = {
        "dept2022": {("carried_forward", "natural_person"): 3.0, ("carried_forward", "total"): 4.0},
        "dept2023": {("carried_over", "natural_person"): 3.0, ("carried_over", "total"): 5.0},
    }
    with connect(settings.warehouse) as conn:
        for key, agency, year, template, loaded_at in reports:
            conn.execute(
                "insert into raw.documents (sha256, parser_version, document, status, loaded_at) "
                "values (?, ?, ?, 'parsed', ?)",
                [SHA[key], PARSER, f"{key}.pdf", loaded_at],
            )
            conn.execute(
                "insert into raw.reports (report_id, sha256, parser_version, document, agency, "
                "report_year, template) values (?, ?, ?, ?, ?, ?, ?)",
                [REPORT[key], SHA[key], PARSER, f"{key}.pdf", agency, year, template],
            )
            if key in carry:
                for cell in application_cells(SHA[key], PARSER, template, carry[key]):
                    conn.execute("insert into raw.cells values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", cell)
        attempts = [  # the county's first try failed: only attempts that landed the sha256 count
            ("a1", DEPT, "fetched", SHA["dept2022"], datetime(2023, 1, 20)),
            ("a2", COUNTY, "failed", None, datetime(2023, 2, 1)),
            ("a3", COUNTY, "fetched", SHA["county2022"], datetime(2023, 3, 1)),
            ("a4", COUNTY, "not_modified", SHA["county2022"], datetime(2023, 4, 1)),
        ]
        for attempt in attempts:
            conn.execute(
                "insert into raw.fetch_attempts (attempt_id, source, url, status, sha256, tries, fetched_at) "
                "values (?, ?, 'https://example.gov.cn/nb.pdf', ?, ?, 1, ?)",
                attempt,
            )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory):
    from expectations.run_checks import run_identity_checks
    from warehouse.transform import run_dbt

    home = tmp_path_factory.mktemp("publication") / "home"
    with pytest.MonkeyPatch.context() as mp:
        for name in ELSEWHERE_VARIABLES:
            mp.delenv(name, raising=False)
        mp.setenv("DISCLOSURE_HOME", str(home))
        mp.setenv("DISCLOSURE_AS_OF_DATE", AS_OF)
        settings = Settings.from_env()
        assert write_sources(settings.warehouse, registry(), now=REGISTERED) == 4
        fill_raw(settings)
        run_dbt(settings.dbt, ["build", "--select", "resource_type:seed", "staging", "intermediate"])
        summary = run_identity_checks(settings.checks, RUN_ID)
        run_dbt(settings.dbt, ["build", "--select", "marts"])
        yield settings, summary


def query(settings: Settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return conn.execute(sql).fetchall()


@pytest.fixture(params=["duckdb", "postgres"])
def any_target(request: pytest.FixtureRequest, tmp_settings: Settings) -> Iterator[Settings]:
    """Empty warehouse settings on each target (a fresh Postgres database for the postgres one)."""
    if request.param == "duckdb":
        yield tmp_settings
        return
    import psycopg2

    try:
        admin = psycopg2.connect("postgresql://postgres@127.0.0.1:5432/postgres", connect_timeout=3)
    except psycopg2.OperationalError as exc:
        service_missing(f"no Postgres at 127.0.0.1:5432: {exc}")
    admin.autocommit = True
    database = f"disclosure_sources_{os.getpid()}"
    admin.cursor().execute(f"drop database if exists {database} with (force)")
    admin.cursor().execute(f"create database {database}")
    try:
        yield dataclasses.replace(
            tmp_settings, warehouse_target="postgres", postgres_dsn=f"postgresql://postgres@127.0.0.1:5432/{database}"
        )
    finally:
        admin.cursor().execute(f"drop database if exists {database} with (force)")
        admin.close()


def test_write_sources_replaces_the_table_and_keeps_registered_at(any_target: Settings) -> None:
    assert write_sources(any_target.warehouse, registry(), now=REGISTERED) == 4
    later = datetime(2024, 5, 1)
    town = {
        "name": "某镇",
        "region": "某省",
        "division_code": "110102",
        "level": "township",
        "kind": "government",
        "report_urls": ["https://example.gov.cn/town.pdf"],
    }
    assert write_sources(any_target.warehouse, registry(town)[1:], now=later) == 4  # 某局 removed, 某镇 added
    with connect(any_target.warehouse, read_only=True) as conn:
        rows = {
            r[0]: tuple(r[1:])
            for r in conn.execute(
                "select name, aliases, kind, first_year, example, registered_at, snapshot_at from raw.sources"
            ).fetchall()
        }
    assert rows == {
        COUNTY: ("某县人民政府", "government", 2022, False, REGISTERED, later),
        CITY: (None, "government", 2022, False, REGISTERED, later),
        "folder": (None, None, 2019, False, REGISTERED, later),
        "某镇": (None, "government", 2019, False, later, later),  # the registry's default first year
    }


def test_fetch_attempts_written_again_add_nothing_on_either_target(any_target: Settings) -> None:
    from extractors.fetch.fetcher import FETCHED, NOT_MODIFIED, FetchResult
    from warehouse.fetch_log import write_fetch_attempts

    results = [
        FetchResult("https://example.gov.cn/nb/", FETCHED, http_status=200, tries=1, source=COUNTY),
        FetchResult(
            "https://example.gov.cn/2021.pdf",
            NOT_MODIFIED,
            http_status=304,
            sha256="ab" * 32,
            tries=1,
            source=COUNTY,
            report_year=2021,
        ),
    ]
    assert write_fetch_attempts(any_target.warehouse, results) == 2
    assert write_fetch_attempts(any_target.warehouse, results) == 0  # a retried task re-writing its list
    with connect(any_target.warehouse, read_only=True) as conn:
        rows = conn.execute("select url, status, http_status, report_year from raw.fetch_attempts order by url")
        assert rows.fetchall() == [
            ("https://example.gov.cn/2021.pdf", NOT_MODIFIED, 304, 2021),
            ("https://example.gov.cn/nb/", FETCHED, 200, None),
        ]


def test_write_sources_refuses_a_name_it_cannot_store(tmp_settings: Settings) -> None:
    write_sources(tmp_settings.warehouse, registry(), now=REGISTERED)
    bad = dataclasses.replace(registry()[0], aliases=("某局\n办公室",))
    with pytest.raises(ValueError, match="one line"):
        write_sources(tmp_settings.warehouse, [bad])
    assert query(tmp_settings, "select count(*) from raw.sources") == [(4,)]  # the last good snapshot stays


def test_publication_statuses(warehouse) -> None:
    settings, _ = warehouse
    rows = query(
        settings,
        """
        select agency_name, report_year, publication_status, days_late, is_found, report_id, due_date, first_seen_at
        from marts.fct_publication""",
    )
    got = {(a, y): (status, late, found, rid, str(due), seen) for a, y, status, late, found, rid, due, seen in rows}
    assert got == {
        (DEPT, 2022): ("on_time", 0, True, REPORT["dept2022"], "2023-01-31", datetime(2023, 1, 20)),
        (DEPT, 2023): ("late", 10, True, REPORT["dept2023"], "2024-01-31", datetime(2024, 2, 10)),
        (COUNTY, 2022): ("on_time", 0, True, REPORT["county2022"], "2023-03-31", datetime(2023, 3, 1)),
        (COUNTY, 2023): ("not_yet_due", None, False, None, "2024-03-31", None),
        (CITY, 2022): ("missing_overdue", 321, False, None, "2023-03-31", None),
        (CITY, 2023): ("not_yet_due", None, False, None, "2024-03-31", None),
    }


def test_year_carry_passes_and_fails_per_applicant(warehouse) -> None:
    settings, _ = warehouse
    rows = query(
        settings,
        f"""
        select subject, expected, observed, status, severity from raw.check_results
        where last_seen_run = '{RUN_ID}' and check_id = 'year.carry'""",
    )
    got = {subject: (expected, observed, status) for subject, expected, observed, status, _ in rows}
    assert got["natural_person"] == (3, 3, "passed")
    assert got["total"] == (4, 5, "failed")
    assert {s for s, (_, _, status) in got.items() if status != "passed"} == {"total"}
    assert {severity for *_, severity in rows} == {"warning"}
    # only the 2023 report has a year before it
    keys = query(
        settings,
        "select distinct report_id from raw.check_results "
        f"where check_id = 'year.carry' and last_seen_run = '{RUN_ID}'",
    )
    assert keys == [(REPORT["dept2023"],)]


def test_on_time_results_beside_the_others(warehouse) -> None:
    settings, summary = warehouse
    rows = query(
        settings,
        """
        select report_id, agency_name, report_year, subject, expected, observed, status, severity, document
        from marts.fct_check_results where check_id = 'report.on_time'""",
    )
    got = {r[0]: r[1:] for r in rows}
    assert got == {
        f"publication:{DEPT}:2022": (DEPT, 2022, "due:2023-01-31", 1, 1, "passed", "warning", "dept2022.pdf"),
        f"publication:{DEPT}:2023": (DEPT, 2023, "due:2024-01-31", 1, 0, "failed", "warning", "dept2023.pdf"),
        f"publication:{COUNTY}:2022": (COUNTY, 2022, "due:2023-03-31", 1, 1, "passed", "warning", "county2022.pdf"),
        f"publication:{CITY}:2022": (CITY, 2022, "due:2023-03-31", 1, 0, "failed", "warning", None),
        # not yet due: a row in every run (not evaluable), so an older run's verdict never lingers
        f"publication:{COUNTY}:2023": (COUNTY, 2023, "due:2024-03-31", 1, None, "not_evaluable", "warning", None),
        f"publication:{CITY}:2023": (CITY, 2023, "due:2024-03-31", 1, None, "not_evaluable", "warning", None),
    }
    assert {f["report_id"] for f in summary.failures if f["check_id"] == "report.on_time"} == {
        f"publication:{DEPT}:2023",
        f"publication:{CITY}:2022",
    }
    # publication is not a property of the numbers: a late report's quality does not change for it
    failed = set(query(settings, "select report_id, check_id from marts.fct_failed_checks"))
    assert "report.on_time" not in {check_id for _, check_id in failed}
    assert (REPORT["dept2023"], "year.carry") in failed


def test_agency_year_summary_says_whether_it_was_on_time(warehouse) -> None:
    settings, _ = warehouse
    columns = "agency_name, report_year, publication_status, days_late, cast(due_date as varchar), is_found"
    grid = set(query(settings, f"select {columns} from marts.agg_agency_year where is_expected"))
    assert grid == set(query(settings, f"select {columns} from marts.fct_publication"))  # the complete grid
    found = {row[:5] for row in grid if row[5]}
    assert found == {  # registry names, matched through aliases
        (DEPT, 2022, "on_time", 0, "2023-01-31"),
        (DEPT, 2023, "late", 10, "2024-01-31"),
        (COUNTY, 2022, "on_time", 0, "2023-03-31"),
    }
    assert (CITY, 2022, "missing_overdue", 321, "2023-03-31", False) in grid  # who did not publish


def test_a_report_printed_under_an_alias_gets_its_registry_agency(warehouse) -> None:
    settings, _ = warehouse
    agency_id = {name: hashlib.md5(name.encode()).hexdigest()[:12] for name in (DEPT, COUNTY)}
    reports = query(settings, "select report_id, agency_name, registry_name, agency_id from marts.dim_report")
    assert set(reports) == {
        (REPORT["dept2022"], "某局办公室", DEPT, agency_id[DEPT]),  # an alias
        (REPORT["dept2023"], DEPT, DEPT, agency_id[DEPT]),  # the registry name
        (REPORT["county2022"], "某县人民政府", COUNTY, agency_id[COUNTY]),
    }
    agencies = query(settings, "select agency_id, agency_name, n_reports from marts.dim_agency where n_reports > 0")
    assert sorted(agencies) == sorted([(agency_id[DEPT], DEPT, 2), (agency_id[COUNTY], COUNTY, 1)])


def test_missing_report_warning_reaches_the_digest_once(warehouse, monkeypatch: pytest.MonkeyPatch) -> None:
    from alerts.checks import send_failure_alerts
    from alerts.digest import send_warning_digest

    settings, _ = warehouse
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with Receiver() as pages, Receiver() as digests:
        routed = dataclasses.replace(settings, alert_urls=(pages.url,), digest_urls=(digests.url,))
        day = datetime(2024, 2, 15, 8)
        assert send_failure_alerts(routed.alerts, RUN_ID, now=day) is not None
        digest = send_warning_digest(routed.alerts, RUN_ID, now=day)
        send_warning_digest(routed.alerts, RUN_ID, now=day.replace(day=16))  # the next day

    assert not any("report.on_time" in body["title"] + body["message"] for _, body in pages.posts)  # no page
    assert digest is not None and len(digests.posts) == 2
    first, second = (body["message"] for _, body in digests.posts)
    # the agency-year is named, not an unknown report
    missing = f"{CITY} 2022 · publication monitoring (publication:{CITY}:2022)"
    assert missing in first and "[new] report.on_time due:2023-03-31: expected 1, observed 0" in first
    assert f"{DEPT} 2023 · publication monitoring" in first  # the late one too
    assert "unknown agency" not in first
    # de-duplicated by raw.alert_log: listed again the next day, but not as new
    assert missing in second and "[new] report.on_time" not in second
    state = query(
        settings,
        "select state from raw.alert_log where alert_key = "
        f"'report:publication:{CITY}:2022|report.on_time|due:2023-03-31'",
    )
    assert state == [("open",)]
