"""One pathological document cannot stall or kill the worker: time and memory limits."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import pipeline.parse_step as parse_task
from extractors.limits import LimitExceeded, Limits, run_limited
from pipeline.settings import Settings


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _allocate(megabytes: int) -> int:
    return len(bytearray(megabytes * 1024 * 1024))


def test_result_comes_back() -> None:
    assert run_limited(_sleep, (0,), Limits(seconds=5)) == "done"


def test_timeout() -> None:
    with pytest.raises(LimitExceeded) as caught:  # the child sleeps 30 s: only the limit ends it early
        run_limited(_sleep, (30,), Limits(seconds=0.5))
    assert caught.value.code == "document.parse_timeout"


def test_memory_limit() -> None:
    with pytest.raises(LimitExceeded) as caught:
        run_limited(_allocate, (800,), Limits(seconds=30, memory_mb=400))
    assert caught.value.code == "document.parse_memory_limit"


def test_the_memory_budget_is_on_top_of_what_the_parent_already_maps() -> None:
    """A worker that maps more than the budget (Airflow, a long test session) still parses within it."""
    import mmap

    reserved = mmap.mmap(-1, 1024 * 1024 * 1024)  # 1 GiB of address space, never touched
    try:
        assert run_limited(_allocate, (100,), Limits(seconds=30, memory_mb=400)) == 100 * 1024 * 1024
    finally:
        reserved.close()


def _nested(megabytes: int) -> int:
    return run_limited(_allocate, (megabytes,), Limits(seconds=30, memory_mb=400))


def test_a_limited_child_of_a_limited_child_runs_inside_its_parents_budget() -> None:
    """A limit cannot be raised from inside a limit (OCR's child of the parse child): it is kept, not refused."""
    assert run_limited(_nested, (10,), Limits(seconds=30, memory_mb=400)) == 10 * 1024 * 1024
    with pytest.raises(LimitExceeded) as caught:
        run_limited(_nested, (300,), Limits(seconds=30, memory_mb=200))
    assert caught.value.code == "document.parse_memory_limit"


def test_child_exception_is_reraised() -> None:
    with pytest.raises(ZeroDivisionError):
        run_limited(divmod, (1, 0), Limits(seconds=5))


def test_a_stalled_parse_becomes_a_recorded_failure(tmp_settings: Settings, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(parse_task, "parse_bytes", lambda *_: _sleep(30))
    doc = tmp_path / "slow.txt"
    doc.write_text("金寨县人民政府2020年政府信息公开工作年度报告\n", encoding="utf-8")
    outcome = parse_task.parse_to_file(str(doc), tmp_settings, limits=Limits(seconds=0.5))
    assert outcome["status"] == "failed"
    assert "document.parse_timeout" in Path(outcome["parsed_path"]).read_text(encoding="utf-8")


def test_runs_inside_a_daemonic_process() -> None:
    """A Celery pool process is daemonic, and so is the Airflow task process forked from it."""
    import multiprocessing

    config = multiprocessing.current_process()._config
    before = config.get("daemon")
    config["daemon"] = True
    try:
        assert run_limited(sum, ([1, 2, 3],), Limits(seconds=30)) == 6
        assert config["daemon"] is True
    finally:
        if before is None:
            config.pop("daemon", None)
        else:
            config["daemon"] = before
