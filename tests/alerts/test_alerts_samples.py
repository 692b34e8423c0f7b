"""Alert routing on the five samples, through the real pieces (no Airflow): parse, load, dbt, GX, Apprise.

One module-scoped scenario per warehouse target, DuckDB (embedded) and
Postgres (server mode, a fresh database on 127.0.0.1:5432; a missing server
fails on CI), about 35 s each: dbt twice, GX three times:

1. run 1 over the samples: the pages are exactly the samples' error failures,
   the digest has exactly their warning failures;
2. run 2, nothing changed, the same day: no page, no second digest;
3. a corrected version of 静乐县's 2020 report (sample 002 with (七)总计 = 5)
   is loaded beside the faulty one, run 3: each alert of 静乐县 is RESOLVED
   once, nothing else is sent; the next day's digest goes out again.
"""

from __future__ import annotations

import contextlib
import dataclasses
from datetime import datetime
from pathlib import Path
from urllib.parse import quote, unquote

import pytest

from pipeline.settings import ELSEWHERE_VARIABLES, REPO_ROOT, Settings
from tests.alerts.test_alerts import Receiver
from tests.server_mode import fresh_database
from warehouse.connection import connect

SAMPLES = REPO_ROOT / "data" / "samples"
JINGLE = "静乐县"
YANCHI = "盐池县人民政府办公室"
HUACHI = "华池县"
DAY_1 = datetime(2025, 2, 1, 8, 0)

# (agency, year, check, subject) of the samples' error failures (README, DESIGN.md section 2)
PAGES = {
    (JINGLE, 2020, "app.results_sum", "natural_person"),
    (JINGLE, 2020, "app.results_sum", "total"),
    (JINGLE, 2020, "app.balance", "natural_person"),
    (JINGLE, 2020, "app.balance", "total"),
    (YANCHI, 2021, "narrative.applications", "new_received.total"),
}
WARNINGS = {
    (HUACHI, 2020, "template.complete", "proactive"),
    (HUACHI, 2020, "template.complete", "applications"),
    (HUACHI, 2020, "template.complete", "appeals"),
    (YANCHI, 2021, "template.complete", "applications"),
    (YANCHI, 2021, "template.complete", "appeals"),
    # sample 002 ends after part 五 with its signature and date: part 六 is really missing
    (JINGLE, 2020, "report.section_missing", "六"),
}


def corrected_002(folder: Path) -> Path:
    """Sample 002 as 静乐县 should have published it: (七)总计 5 for 自然人 and 总计 (it answered 5)."""
    lines = (SAMPLES / "002_3c6323d342dfd320.txt").read_text(encoding="utf-8").split("\n")
    row = lines.index("\t（七）总计")
    assert lines[row + 1] == lines[row + 7] == "\t0"
    lines[row + 1] = lines[row + 7] = "\t5"  # natural_person ... total
    path = folder / "002_corrected.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def load(settings: Settings, paths: list[Path]) -> None:
    from pipeline.parse_step import parse_to_file
    from warehouse.load import load_parsed

    load_parsed(settings.warehouse, [parse_to_file(str(p), settings)["parsed_path"] for p in paths])


@dataclasses.dataclass
class Scenario:
    settings: Settings
    runs: list[str]
    pages: list[list[tuple[str, dict]]]  # per run: the posts to the alert receiver
    digests: list[list[tuple[str, dict]]]  # per step: the posts to the digest receiver
    alerts: list[list]  # per run: what send_failure_alerts returned
    digest_results: list


@pytest.fixture(scope="module", params=["duckdb", "postgres"])
def scenario(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    from alerts.checks import send_failure_alerts
    from alerts.digest import send_warning_digest
    from expectations.run_checks import run_identity_checks
    from warehouse.transform import run_dbt

    home = tmp_path_factory.mktemp(f"alerts_samples_{request.param}") / "home"
    with contextlib.ExitStack() as stack:
        mp = stack.enter_context(pytest.MonkeyPatch.context())
        pages, digests = stack.enter_context(Receiver()), stack.enter_context(Receiver())
        for name in ELSEWHERE_VARIABLES:
            mp.delenv(name, raising=False)
        if request.param == "postgres":  # the alert state (raw.alert_log, raw.alert_digests) on Postgres
            mp.setenv("DISCLOSURE_WAREHOUSE", "postgres")
            mp.setenv("DISCLOSURE_POSTGRES_DSN", stack.enter_context(fresh_database("disclosure_alerts")))
        mp.setenv("DISCLOSURE_HOME", str(home))
        mp.setenv("DISCLOSURE_ALERT_URLS", pages.url)
        mp.setenv("DISCLOSURE_DIGEST_URLS", digests.url.replace("/alerts", "/digest"))
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        settings = Settings.from_env()
        assert settings.warehouse_target == request.param
        result = Scenario(settings, [], [], [], [], [])

        def step(run_id: str, now: datetime) -> None:
            before_pages, before_digests = len(pages.posts), len(digests.posts)
            run_identity_checks(settings.checks, run_id)
            result.runs.append(run_id)
            result.alerts.append(send_failure_alerts(settings.alerts, run_id, now=now))
            result.digest_results.append(send_warning_digest(settings.alerts, run_id, now=now))
            result.pages.append(pages.posts[before_pages:])
            result.digests.append(digests.posts[before_digests:])

        load(settings, sorted(p for p in SAMPLES.iterdir() if not p.name.startswith(".")))
        run_dbt(settings.dbt, ["build", "--select", "resource_type:seed", "staging", "intermediate"])
        step("scheduled__2025-02-01T00:00:00+00:00", DAY_1)
        step("scheduled__2025-02-01T06:00:00+00:00", DAY_1.replace(hour=12))

        load(settings, [corrected_002(home)])
        run_dbt(settings.dbt, ["build", "--select", "resource_type:seed", "staging", "intermediate"])
        step("scheduled__2025-02-02T00:00:00+00:00", DAY_1.replace(day=2))
        yield result


def _key(alert) -> tuple:
    return alert.agency, alert.report_year, alert.check_id, alert.subject


def test_first_run_pages_exactly_the_error_failures(scenario: Scenario) -> None:
    alerts, posts = scenario.alerts[0], scenario.pages[0]
    assert {_key(a) for a in alerts} == PAGES and len(alerts) == len(PAGES)
    assert {a.kind for a in alerts} == {"new"}
    assert sorted(body["title"] for _, body in posts) == sorted(a.title for a in alerts)
    assert all(path == "/alerts" for path, _ in posts)

    body = {b["title"]: b["message"] for _, b in posts}[f"[disclosure] app.results_sum failed: {JINGLE} 2020, total"]
    jingle = next(a for a in alerts if a.agency == JINGLE)
    run_id = quote(scenario.runs[0], safe="")
    for text in (
        "Expected:     5",
        "Observed:     0",
        "Difference:   -5",
        "（七）总计",
        "002_3c6323d342dfd320.txt",
        f"SHA-256:      {jingle.sha256}",
        "Parse issues:",
        "Runbook:      docs/RUNBOOK.md#appresults_sum",
        f"validations/identities/applications/{run_id}/",
    ):
        assert text in body, text
    # the link is the data docs page of this validation, and it exists
    page = Path(unquote(jingle.data_docs.removeprefix("file://")))
    assert jingle.data_docs.endswith(".html") and page.is_file(), jingle.data_docs

    yanchi = next(a for a in alerts if a.agency == YANCHI)
    assert (yanchi.expected, yanchi.observed) == (6, 0)
    assert "validations/identities/narrative/" in yanchi.body


def test_unchanged_second_run_sends_nothing(scenario: Scenario) -> None:
    assert scenario.alerts[1] == [] and scenario.pages[1] == []
    assert scenario.digests[1] == [] and scenario.digest_results[1] is None  # one digest a day


def test_corrected_report_resolves_its_alerts_once(scenario: Scenario) -> None:
    alerts, posts = scenario.alerts[2], scenario.pages[2]
    jingle = {k for k in PAGES if k[0] == JINGLE}
    assert {_key(a) for a in alerts} == jingle and len(alerts) == len(jingle)
    assert {a.kind for a in alerts} == {"resolved"}
    assert {b["title"] for _, b in posts} == {f"[disclosure] RESOLVED {c}: {JINGLE} 2020, {s}" for _, _, c, s in jingle}
    first = next(a for a in scenario.alerts[0] if a.agency == JINGLE)
    resolved = next(a for a in alerts if a.check_id == "app.results_sum" and a.subject == "total")
    assert resolved.sha256 != first.sha256 and resolved.document == "002_corrected.txt"
    for text in (
        "Was:          expected 5, observed 0",
        "Now:          passed: expected 5, observed 5",
        "on a new version of the report",
        f"Was SHA-256:  {first.sha256}",
        f"SHA-256:      {resolved.sha256}",
    ):
        assert text in resolved.body, text

    with connect(scenario.settings.warehouse, read_only=True) as conn:
        state = dict(conn.execute("select alert_key, state from raw.alert_log where severity = 'error'").fetchall())
    assert sorted(state.values()) == ["open"] + ["resolved"] * 4  # 盐池县's failure stays open
    assert state[f"{YANCHI}|2021|narrative.applications|new_received.total"] == "open"


def test_warnings_go_to_one_daily_digest(scenario: Scenario) -> None:
    assert len(scenario.digests[0]) == 1
    path, body = scenario.digests[0][0]
    assert path == "/digest"  # DISCLOSURE_DIGEST_URLS, not the page route
    assert body["title"] == "[disclosure] daily digest 2025-02-01: 6 failed warning check(s) in 3 report(s)"
    message = body["message"]
    for agency, year, check, subject in WARNINGS:
        assert f"[new] {check} {subject}:" in message and f"{agency} {year}" in message
    assert "expected 15, observed 0" in message  # 华池县's appeals table is cut off
    assert not any("template.complete" in b["title"] for _, b in scenario.pages[0])  # never paged

    # the next day: the same warnings again, none new, and nothing resolved by the correction
    assert len(scenario.digests[2]) == 1
    again = scenario.digests[2][0][1]
    assert again["title"].startswith("[disclosure] daily digest 2025-02-02: 6 failed warning check(s)")
    assert "[new]" not in again["message"]
    with connect(scenario.settings.warehouse, read_only=True) as conn:
        sent = conn.execute("select digest_date, n_failures from raw.alert_digests order by 1").fetchall()
    assert [(str(d), n) for d, n in sent] == [("2025-02-01", 6), ("2025-02-02", 6)]
