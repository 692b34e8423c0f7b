"""The `disclosure parse` contract (DESIGN.md section 6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pipeline.cli import main
from tests.bad_documents import pdf_content_bomb
from tests.paths import SAMPLES


def test_parse_writes_one_json_object_per_cell(tmp_path: Path) -> None:
    out = tmp_path / "cells.jsonl"
    assert main(["parse", str(SAMPLES / "002_3c6323d342dfd320.txt"), "--out", str(out)]) == 0
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    cells = [r for r in records if "table" in r and "issue" not in r]
    contract = {
        "document",
        "sha256",
        "agency",
        "year",
        "template",
        "table",
        "row",
        "column",
        "value",
        "raw",
        "page",
        "bbox",
    }
    assert all(contract <= set(r) for r in cells)
    granted = next(r for r in cells if (r["table"], r["row"], r["column"]) == ("applications", "granted", "total"))
    assert (granted["value"], granted["agency"], granted["year"]) == (5, "静乐县", 2020)
    weibo = [r for r in cells if r["table"] == "narrative" and r["row"] == "proactive_published_part"]
    assert [r["value"] for r in weibo] == [2043, None, 6729, 680]
    issues = [r for r in records if "issue" in r]
    assert [r["issue"] for r in issues] == ["narrative.value_missing"] and issues[0]["message"]


def test_missing_file_is_an_error(capsys) -> None:
    assert main(["parse", "no/such/file.txt"]) == 1
    assert "no such file" in capsys.readouterr().err


def test_parse_runs_under_the_pipeline_limits(tmp_path: Path) -> None:
    """A content stream inflating to 600 MB stops at the memory limit, as in the pipeline (not `needs_ocr`)."""
    bomb = tmp_path / "bomb.pdf"
    bomb.write_bytes(pdf_content_bomb(600))
    done = subprocess.run(
        [sys.executable, "-m", "extractors", "parse", str(bomb), "--memory-mb", "400"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    issues = [json.loads(line).get("issue") for line in done.stdout.splitlines()]
    assert done.returncode == 1 and issues == ["document.parse_memory_limit"], done.stderr
    assert "bomb.pdf: failed" in done.stderr
