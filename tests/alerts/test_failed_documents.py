"""A document that fails to parse reaches the daily digest and the run summary with its reason."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.digest import send_warning_digest
from pipeline.backfill import Backfill
from pipeline.ingest import summarize_run
from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from pipeline.summary import build_summary
from tests.alerts.test_alerts import Receiver, use_tmp_settings
from tests.paths import SAMPLES
from warehouse.load import load_parsed

REASON = "document.binary: bad.bin: binary documents cannot be read"


def _load_one_failed(settings: Settings, tmp_path: Path) -> dict:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02 not a report \x00")
    outcomes = [parse_to_file(str(p), settings) for p in (bad, sorted(SAMPLES.glob("*.txt"))[0])]
    load_parsed(settings.warehouse, [o["parsed_path"] for o in outcomes])
    return outcomes[0]


def test_the_digest_lists_failed_documents_once_with_their_reason(tmp_path: Path, monkeypatch) -> None:
    with Receiver() as receiver:
        settings = use_tmp_settings(monkeypatch, tmp_path / "home", urls=receiver.url)
        _load_one_failed(settings, tmp_path)
        today = datetime.now(UTC).replace(tzinfo=None)  # after the load: the digest covers what was loaded before
        digest = send_warning_digest(settings.alerts, "run-1", now=today)
        assert digest is not None and "1 document(s) failed to parse" in digest.title
        assert f"bad.bin (sha256 {digest.body.split('bad.bin (sha256 ')[1][:12]}): {REASON}" in digest.body
        assert receiver.posts and REASON in receiver.posts[0][1]["message"]
        # The next day: nothing new failed, nothing to say.
        assert send_warning_digest(settings.alerts, "run-2", now=today + timedelta(days=1)) is None


def test_the_run_summary_and_the_summarize_task_give_the_reason(tmp_settings: Settings, tmp_path: Path) -> None:
    outcome = _load_one_failed(tmp_settings, tmp_path)
    assert outcome["reason"] == REASON
    text = build_summary(tmp_settings)
    assert "Failed documents (1):" in text and REASON in text
    summary = summarize_run([], [], [], [outcome], {}, Backfill())
    assert any(REASON in line and "bad.bin" in line for line in summary.warnings)


@pytest.mark.parametrize("message", ["", "first line\nTraceback ..."])
def test_a_reason_is_one_line(message: str) -> None:
    from warehouse.failed_documents import FailedDocument

    reason = FailedDocument("d", "s", "parser.crash", message).reason
    assert "\n" not in reason and reason.startswith("parser.crash")
