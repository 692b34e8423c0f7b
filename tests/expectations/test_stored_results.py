"""Check results stored as changes: new reports inserted straight, stored ones compared slice by slice."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from expectations import stored_results
from expectations.run_checks import flagged_rows
from expectations.stored_results import RESULT_COLUMNS, report_slices, write_results
from tests import warehouse_targets
from warehouse.config import WarehouseConfig
from warehouse.connection import connect

DAY_1, DAY_2 = datetime(2025, 1, 1), datetime(2025, 1, 2)
SUBJECTS = ("total", "natural_person", "legal_person")

both_warehouses = warehouse_targets.both_warehouses  # the fixture, on DuckDB and on Postgres


def results(reports: dict[str, float]) -> pd.DataFrame:
    """Three passed results per report, `observed` as given (categorical keys, as the runner reads them)."""
    rows = [
        (report, "app.balance", subject, 5.0, observed, observed - 5.0, "error", "passed", None)
        for report, observed in reports.items()
        for subject in SUBJECTS
    ]
    frame = pd.DataFrame(rows, columns=list(RESULT_COLUMNS))
    return frame.astype({c: "category" for c in ("report_id", "check_id", "subject")})


def stored(warehouse: WarehouseConfig) -> set[tuple]:
    with connect(warehouse, read_only=True) as conn:
        rows = conn.execute(
            "select report_id, subject, observed, first_seen_run, last_seen_run from raw.check_results"
        ).fetchall()
    return set(rows)


def test_new_and_stored_reports_in_one_run(both_warehouses: WarehouseConfig, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run with a changed, an unchanged and a new report: each key's history as one comparison would give."""
    monkeypatch.setattr(stored_results, "ROWS_PER_SLICE", 4)  # two reports of three rows: two slices
    with connect(both_warehouses) as conn:
        assert write_results(conn, "run1", DAY_1, results({"a": 5.0, "b": 5.0})) == 6
        second = results({"a": 5.0, "b": 6.0, "c": 5.0})
        second.loc[(second["report_id"] == "b") & (second["subject"] != "total"), "observed"] = 5.0
        assert write_results(conn, "run2", DAY_2, second) == 4  # b's total changed, c is new
        assert write_results(conn, "run2", DAY_2, second) == 4  # a retried run: the same rows
    assert stored(both_warehouses) == {
        *(("a", subject, 5.0, "run1", "run2") for subject in SUBJECTS),
        ("b", "total", 5.0, "run1", "run1"),
        ("b", "total", 6.0, "run2", "run2"),
        *(("b", subject, 5.0, "run1", "run2") for subject in SUBJECTS[1:]),
        *(("c", subject, 5.0, "run2", "run2") for subject in SUBJECTS),
    }


def test_report_slices_keep_each_report_whole() -> None:
    frame = results({"a": 5.0, "b": 5.0, "c": 5.0, "d": 5.0, "e": 5.0}).iloc[:-4]  # d has two rows, e none
    everything = pd.Series(True, index=frame.index)
    slices = list(report_slices(frame, everything, 4))
    # rows 0-2 a, 3-5 b, 6-8 c, 9-10 d: a ends in the first block of four rows, b in the second, c and d in the third
    assert [sorted(set(part["report_id"])) for part in slices] == [["a"], ["b"], ["c", "d"]]
    assert sum(map(len, slices)) == len(frame)
    assert len(list(report_slices(frame, everything, 1))) == 4
    among = frame["report_id"].isin(["b", "d"])
    # among them, rows 0-2 b, 3-4 d: d ends in the second block
    assert [sorted(set(part["report_id"])) for part in report_slices(frame, among, 4)] == [["b"], ["d"]]
    assert not list(report_slices(frame, ~everything, 4))


def test_flagged_rows_match_whole_keys() -> None:
    frame = results({"a": 5.0, "b": 5.0})
    mask = flagged_rows(frame, {("a", "app.balance", "total"), ("b", "app.balance", "legal_person")})
    assert frame.loc[mask, ["report_id", "subject"]].astype(str).values.tolist() == [
        ["a", "total"],
        ["b", "legal_person"],
    ]
    assert not flagged_rows(frame, set()).any()
    for unknown in (("z", "app.balance", "total"), ("a", "app.results_sum", "total")):
        with pytest.raises(RuntimeError, match="not in the inputs"):
            flagged_rows(frame.loc[frame["check_id"] == "app.balance"], {unknown})
