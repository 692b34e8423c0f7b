"""A parse child killed from outside (OOM killer, restart) is parsed again by the next run, up to a count."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import duckdb
import pytest

import pipeline.parse_step as parse_task
from extractors.limits import PARSE_KILLED
from extractors.parse import parse_bytes
from pipeline.settings import Settings
from tests.paths import SAMPLES
from warehouse.load import load_parsed, loaded_sha256s

SAMPLE = sorted(SAMPLES.glob("*.txt"))[0]


@pytest.fixture
def kills(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A file holding how many parse children are still to be killed (SIGKILL, as the OOM killer does)."""
    budget = tmp_path / "kills"
    budget.write_text("0")

    def parse_or_die(*args: Any) -> Any:
        left = int(budget.read_text())
        if left:
            budget.write_text(str(left - 1))
            os.kill(os.getpid(), signal.SIGKILL)
        return parse_bytes(*args)

    monkeypatch.setattr(parse_task, "parse_bytes", parse_or_die)
    return budget


def _raw(settings: Settings) -> tuple[str, list[str], int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        (status,) = conn.execute("select status from raw.documents").fetchone()
        issues = [i for (i,) in conn.execute("select issue from raw.parse_issues order by seq").fetchall()]
        (cells,) = conn.execute("select count(*) from raw.cells").fetchone()
    return status, issues, cells


def test_a_killed_parse_is_parsed_again_by_the_next_run_and_replaces_the_loaded_failure(
    tmp_settings: Settings, kills: Path
) -> None:
    kills.write_text("1")
    first = parse_task.parse_to_file(str(SAMPLE), tmp_settings)
    assert first["status"] == "failed"
    load_parsed(tmp_settings.warehouse, [first["parsed_path"]])
    assert _raw(tmp_settings)[:2] == ("failed", [PARSE_KILLED])
    assert not parse_task.parsed_path(tmp_settings, first["sha256"]).exists()  # so the next run parses it again
    assert first["sha256"] not in loaded_sha256s(tmp_settings.warehouse)

    second = parse_task.parse_to_file(str(SAMPLE), tmp_settings)
    assert (second["status"], second["skipped"]) == ("parsed", False)
    load_parsed(tmp_settings.warehouse, [second["parsed_path"]])
    status, issues, cells = _raw(tmp_settings)
    assert status == "parsed" and PARSE_KILLED not in issues and cells > 0
    assert second["parsed_path"] == str(parse_task.parsed_path(tmp_settings, second["sha256"]))


def test_a_parse_killed_every_time_is_final_after_the_last_try(tmp_settings: Settings, kills: Path) -> None:
    kills.write_text("99")
    for _ in range(parse_task.MAX_PARSE_TRIES):
        outcome = parse_task.parse_to_file(str(SAMPLE), tmp_settings)
        assert (outcome["status"], outcome["skipped"]) == ("failed", False)
    assert outcome["parsed_path"] == str(parse_task.parsed_path(tmp_settings, outcome["sha256"]))  # final
    assert parse_task.parse_to_file(str(SAMPLE), tmp_settings)["skipped"]
    issues = json.loads(Path(outcome["parsed_path"]).read_text(encoding="utf-8"))["issues"]
    assert [i["code"] for i in issues] == [PARSE_KILLED] * parse_task.MAX_PARSE_TRIES
    assert "final until the parser version changes" in issues[-1]["message"]
