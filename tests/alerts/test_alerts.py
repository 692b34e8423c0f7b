"""Failure alerts: built from raw.check_results + raw.reports/documents, sent through Apprise."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self

import pytest

from alerts.checks import AlertDeliveryError, format_alert, newest_sources, send_failure_alerts
from pipeline.settings import Settings
from warehouse.connection import connect

RUN_ID = "manual__2025-02-01T08:00:00+00:00"
SHA_A = "a" * 64
SHA_B = "b" * 64
REPORT_A = SHA_A[:16]
REPORT_B = SHA_B[:16]  # has check results but no raw.reports row: still alerted on
LOADED = datetime(2025, 2, 1, 7, 0, 0)
VALIDATED = datetime(2025, 2, 1, 8, 0, 0)

CHECK_RESULTS = [
    # run_id, report_id, check_id, subject, expected, observed, difference, severity, status
    (RUN_ID, REPORT_A, "app.results_sum", "natural_person", 5.0, 0.0, -5.0, "error", "failed"),
    (RUN_ID, REPORT_A, "app.balance", "natural_person", 5.0, 0.0, -5.0, "error", "failed"),
    (RUN_ID, REPORT_A, "app.balance", "total", 5.0, 5.0, 0.0, "error", "passed"),
    (RUN_ID, REPORT_A, "narrative.proactive", "proactive_published_total", 12.0, 10.0, -2.0, "warning", "failed"),
    (RUN_ID, REPORT_A, "appeal.sum", "admin_review", None, 1.0, None, "error", "not_evaluable"),
    (RUN_ID, REPORT_B, "values.valid", "applications:new_received:total", 0.0, -3.0, -3.0, "error", "failed"),
    ("older_run", REPORT_A, "app.row_total", "granted", 2.0, 3.0, 1.0, "error", "failed"),
]
FAILED_ERRORS = 3


def use_tmp_settings(monkeypatch: pytest.MonkeyPatch, home: Path, urls: str = "") -> Settings:
    monkeypatch.delenv("DISCLOSURE_WAREHOUSE", raising=False)
    monkeypatch.delenv("DISCLOSURE_DOCS_DIR", raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(home))
    monkeypatch.setenv("DISCLOSURE_WAREHOUSE_PATH", str(home / "warehouse" / "disclosure.duckdb"))
    monkeypatch.setenv("DISCLOSURE_ALERT_URLS", urls)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")  # the receiver is local
    return Settings.from_env()


def fill_warehouse(settings: Settings) -> None:
    with connect(settings.warehouse) as conn:  # creates the raw schema
        # Two generations of document A: the newer parser version (0.10.0 > 0.9.0) knows the URL.
        for version, url in (("0.9.0", None), ("0.10.0", "https://www.jingle.gov.cn/zwgk/2020nb.html")):
            conn.execute(
                "insert into raw.documents (sha256, parser_version, document, source_url, status, loaded_at) "
                "values (?, ?, '002.txt', ?, 'parsed', ?)",
                [SHA_A, version, url, LOADED],
            )
            conn.execute(
                "insert into raw.reports (report_id, sha256, parser_version, document, agency, report_year, template) "
                "values (?, ?, ?, '002.txt', '静乐县', 2020, 'gov2019')",
                [REPORT_A, SHA_A, version],
            )
        for row in CHECK_RESULTS:  # older_run validated report A before RUN_ID did: its row is not current
            seen = VALIDATED - timedelta(days=1) if row[0] == "older_run" else VALIDATED
            conn.execute(
                "insert into raw.check_results (last_seen_run, report_id, check_id, subject, expected, observed, "
                "difference, severity, status, first_seen_run, first_seen_at, last_seen_at) "
                "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [*row, row[0], seen, seen],
            )


class Receiver:
    """A tiny HTTP server on 127.0.0.1 that records every POST (path, JSON body)."""

    def __init__(self, status: int = 200):
        self.posts: list[tuple[str, dict]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                receiver.posts.append((self.path, json.loads(self.rfile.read(length) or b"{}")))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"json://127.0.0.1:{self.server.server_address[1]}/alerts"

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_one_post_per_failed_error_check(tmp_path, monkeypatch):
    with Receiver() as receiver:
        settings = use_tmp_settings(monkeypatch, tmp_path, urls=receiver.url)
        fill_warehouse(settings)
        alerts = send_failure_alerts(settings.alerts, RUN_ID)

    assert len(alerts) == len(receiver.posts) == FAILED_ERRORS
    assert {(a.report_id, a.check_id, a.subject) for a in alerts} == {
        (REPORT_A, "app.results_sum", "natural_person"),
        (REPORT_A, "app.balance", "natural_person"),
        (REPORT_B, "values.valid", "applications:new_received:total"),
    }
    assert all(path == "/alerts" for path, _ in receiver.posts)
    posted = {body["title"]: body["message"] for _, body in receiver.posts}
    assert set(posted) == {a.title for a in alerts}

    body = posted["[disclosure] app.results_sum failed: 静乐县 2020, natural_person"]
    for text in (
        "静乐县",
        "2020",
        "app.results_sum",
        "natural_person",
        "Expected:     5",
        "Observed:     0",
        "002.txt",
        SHA_A,
        "https://www.jingle.gov.cn/zwgk/2020nb.html",
        str(settings.gx_docs_dir / "index.html"),
        "（七）总计",
    ):
        assert text in body, text

    unknown = next(a for a in alerts if a.report_id == REPORT_B)
    assert unknown.agency is None and "unknown agency" in unknown.title
    assert "Observed:     -3" in posted[unknown.title]


def test_without_urls_alerts_are_logged_not_sent(tmp_path, monkeypatch, caplog):
    with Receiver() as receiver:
        settings = use_tmp_settings(monkeypatch, tmp_path, urls="")
        fill_warehouse(settings)
        with caplog.at_level("WARNING", logger="alerts.checks"):
            alerts = send_failure_alerts(settings.alerts, RUN_ID)

    assert settings.alert_urls == ()
    assert receiver.posts == []
    assert len(alerts) == FAILED_ERRORS
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("app.results_sum failed: 静乐县 2020" in m for m in warnings)
    assert any("no DISCLOSURE_ALERT_URLS" in m for m in warnings)


def test_run_without_failures_sends_nothing(tmp_path, monkeypatch):
    with Receiver() as receiver:
        settings = use_tmp_settings(monkeypatch, tmp_path, urls=receiver.url)
        fill_warehouse(settings)
        assert send_failure_alerts(settings.alerts, "a_clean_run") == []
    assert receiver.posts == []


def test_delivery_failure_is_a_clear_error(tmp_path, monkeypatch):
    with Receiver(status=500) as receiver:
        settings = use_tmp_settings(monkeypatch, tmp_path, urls=receiver.url)
        fill_warehouse(settings)
        with pytest.raises(AlertDeliveryError, match="failed to deliver 3 alert"):
            send_failure_alerts(settings.alerts, RUN_ID)
    assert len(receiver.posts) == FAILED_ERRORS  # every alert was tried before raising


def test_invalid_url_is_a_clear_error(tmp_path, monkeypatch):
    settings = use_tmp_settings(monkeypatch, tmp_path, urls="nosuchscheme://somewhere")
    fill_warehouse(settings)
    with pytest.raises(AlertDeliveryError, match="not a valid Apprise URL"):
        send_failure_alerts(settings.alerts, RUN_ID)


def test_format_alert_is_pure_and_complete():
    title, body = format_alert(
        {
            "run_id": "r1",
            "report_id": "0123456789abcdef",
            "check_id": "narrative.applications",
            "subject": "new_received.total",
            "expected": 6.0,
            "observed": 0.0,
            "agency": "某市某局",
            "report_year": 2021,
            "document": "004.pdf",
            "source_url": None,
            "sha256": "0123456789abcdef" + "0" * 48,
        },
        "/var/docs/gx/index.html",
    )
    assert title == "[disclosure] narrative.applications failed: 某市某局 2021, new_received.total"
    assert "Expected:     6\n" in body and "Observed:     0\n" in body
    assert "Difference:   -6 (observed - expected)" in body
    assert "Source URL:   none (local file)" in body
    assert "GX data docs: /var/docs/gx/index.html" in body
    assert "Runbook:      docs/RUNBOOK.md#narrativeapplications" in body
    assert "正文所述收到申请数" in body


def test_newest_parser_version_wins():
    rows = [
        {"report_id": "r", "parser_version": "0.10.0", "agency": "new", "loaded_at": LOADED},
        {"report_id": "r", "parser_version": "0.9.3", "agency": "old", "loaded_at": LOADED},
        {"report_id": "r", "parser_version": "0.2", "agency": "older", "loaded_at": LOADED},
    ]
    assert newest_sources(rows)["r"]["agency"] == "new"
