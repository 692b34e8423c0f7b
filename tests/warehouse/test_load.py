"""The raw loader: everything parsed lands, once, in one transaction per document."""

from __future__ import annotations

import random
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from extractors.fetch.published import LAST_MODIFIED, SIGNATURE, URL
from extractors.parse import parse_file
from extractors.readers import ocr
from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from tests.bad_documents import image_only_pdf
from tests.extractors.readers.test_ocr import fake_page
from tests.paths import SAMPLES
from tests.report_text import FLAT, consistent_cells, render
from warehouse.load import Published, load_parsed, rows_of
from warehouse.raw_schema import RAW_TABLES as RAW_TABLES_DDL

SAMPLE_FILES = sorted(SAMPLES.glob("*.txt"))
RAW_TABLES = ("documents", "reports", "cells", "narrative_facts", "parse_issues")


def _counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in RAW_TABLES}


def test_load_is_idempotent(tmp_settings: Settings) -> None:
    outcomes = [parse_to_file(str(p), tmp_settings) for p in SAMPLE_FILES]
    assert [o["skipped"] for o in outcomes] == [False] * 5
    first = load_parsed(tmp_settings.warehouse, [o["parsed_path"] for o in outcomes])
    assert first["documents_loaded"] == 5
    counts = _counts(tmp_settings)
    assert counts["documents"] == 5 and counts["reports"] == 5
    assert counts["cells"] == first["cells_loaded"] == 198 + 198 + 198 + 0 + 201

    again = [parse_to_file(str(p), tmp_settings) for p in SAMPLE_FILES]
    assert [o["skipped"] for o in again] == [True] * 5
    second = load_parsed(tmp_settings.warehouse, [o["parsed_path"] for o in again])
    assert second == {"documents_loaded": 0, "documents_skipped": 5, "documents_not_selected": 0, "cells_loaded": 0}
    assert _counts(tmp_settings) == counts


def test_a_failed_load_leaves_no_partial_document(tmp_settings: Settings, monkeypatch) -> None:
    outcome = parse_to_file(str(SAMPLE_FILES[1]), tmp_settings)
    import warehouse.load as load_module

    real_rows_of = load_module.rows_of

    def broken_rows_of(doc, loaded_at, published=None):
        rows = real_rows_of(doc, loaded_at, published)
        rows["parse_issues"] = [("x",)]  # wrong arity: the insert fails after cells went in
        return rows

    monkeypatch.setattr(load_module, "rows_of", broken_rows_of)
    with pytest.raises(ValueError):  # the rows' frame refuses the arity, inside the document's transaction
        load_parsed(tmp_settings.warehouse, [outcome["parsed_path"]])
    assert set(_counts(tmp_settings).values()) == {0}
    monkeypatch.undo()
    assert load_parsed(tmp_settings.warehouse, [outcome["parsed_path"]])["documents_loaded"] == 1


def test_parser_crash_is_recorded_not_lost(tmp_settings: Settings, monkeypatch) -> None:
    import pipeline.parse_step as parse_task

    def crash(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(parse_task, "parse_bytes", crash)
    outcome = parse_to_file(str(SAMPLE_FILES[0]), tmp_settings)
    assert outcome["status"] == "failed"
    load_parsed(tmp_settings.warehouse, [outcome["parsed_path"]])
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        assert conn.execute("select status from raw.documents").fetchall() == [("failed",)]
        assert conn.execute("select issue from raw.parse_issues").fetchall() == [("parser.crash",)]


def test_rows_inserted_keep_their_values_and_nulls(tmp_settings: Settings) -> None:
    from warehouse.connection import connect, insert_rows, transaction

    rows = [(1, None, "a", 0.5), (2, 7, None, None), (3, -3, "三", 12), (4, 2**40, "", 1e-3), (5, 0, "x", None)]
    # Past DuckDB's sample of a column's first rows: all NULL there, values after it.
    late = [(k, None, None, None) for k in range(6, 3006)] + [(3006, 1, "late", 2)]
    with connect(tmp_settings.warehouse) as conn:
        conn.execute("create table t (k integer primary key, n bigint, s varchar, v double)")
        with transaction(conn):
            insert_rows(conn, "t", ("k", "n", "s", "v"), rows + late)
            insert_rows(conn, "t", ("k", "n", "s", "v"), [(1, 9, "again", 9)], on_conflict="on conflict (k) do nothing")
        assert conn.execute("select * from t where k <= 5 or k > 3005 order by k").fetchall() == [
            (1, None, "a", 0.5),
            (2, 7, None, None),
            (3, -3, "三", 12.0),
            (4, 2**40, "", 0.001),
            (5, 0, "x", None),
            (3006, 1, "late", 2.0),
        ]
        assert conn.execute("select count(*), count(n) from t").fetchone() == (3006, 5)


def test_cells_split_out_of_a_flattened_run_are_marked_split(tmp_settings: Settings, tmp_path) -> None:
    cells = consistent_cells("gov2021", random.Random(0))
    report = tmp_path / "flat.txt"
    report.write_text(render("测试县人民政府", 2021, "gov2021", cells, FLAT), encoding="utf-8")
    load_parsed(tmp_settings.warehouse, [parse_to_file(str(report), tmp_settings)["parsed_path"]])
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        split = conn.execute(
            "select count(*), count(value), min(length(raw_text)) from raw.cells "
            "where split and table_name = 'applications'"
        ).fetchone()
    n, n_values, shortest = split
    assert n_values > 0.8 * n > 0  # most split values are read
    assert shortest >= 7  # a split value keeps its row's whole run (seven cells) as raw_text


def test_a_warehouse_from_before_the_split_and_confidence_columns_gains_them(tmp_settings: Settings) -> None:
    old = RAW_TABLES_DDL["cells"].replace("split", "-- split").replace("confidence", "-- confidence")
    tmp_settings.warehouse_path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(tmp_settings.warehouse_path)) as conn:
        conn.execute("create schema raw")
        conn.execute(f"create table raw.cells ({old})")
        conn.execute(
            "insert into raw.cells (report_id, sha256, parser_version, table_name, row_code, column_code) "
            "values ('r', 's', 'v', 'applications', 'granted', 'total')"
        )
    outcome = parse_to_file(str(SAMPLE_FILES[0]), tmp_settings)
    load_parsed(tmp_settings.warehouse, [outcome["parsed_path"]])
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        flags = conn.execute(
            "select sha256 = 's', list(distinct split), list(distinct confidence) from raw.cells group by all"
        ).fetchall()
    assert sorted(flags) == [(False, [False], [None]), (True, [None], [None])]


def test_ocr_cells_carry_their_confidence_into_raw_cells(
    tmp_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ocr, "recognise", lambda image, dpi: fake_page(doubtful="48"))  # 48 read at 0.5
    scan = tmp_path / "scan.pdf"
    scan.write_bytes(image_only_pdf())
    parsed = [parse_to_file(str(path), tmp_settings)["parsed_path"] for path in (scan, SAMPLE_FILES[0])]
    load_parsed(tmp_settings.warehouse, parsed)
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        rows = conn.execute(
            "select d.format, c.row_code, c.column_code, c.value, c.confidence from raw.cells c "
            "join raw.documents d using (sha256, parser_version) where c.raw_text is not null"
        ).fetchall()
    ocr_read = {(row, column): (value, confidence) for fmt, row, column, value, confidence in rows if fmt == "pdf"}
    assert ocr_read == {
        ("regulation", "issued"): (1, 0.99),
        ("regulation", "repealed"): (0, 0.99),
        ("regulation", "in_force"): (7, 0.99),
        ("normative_document", "issued"): (12, 0.99),
        ("normative_document", "repealed"): (3, 0.99),
        ("normative_document", "in_force"): (None, 0.5),  # null as doubtful, its confidence kept
    }
    assert {confidence for fmt, *_, confidence in rows if fmt == "text"} == {None}


def test_the_signature_date_dates_a_report_the_fetch_could_not_date() -> None:
    doc = parse_file(SAMPLES / "002_3c6323d342dfd320.txt")
    assert doc.signed_on == "2021-01-22"  # the 落款 line under 静乐县人民政府办公室
    now = datetime(2026, 1, 1)

    def dated(published: Published | None) -> tuple[object, object]:
        return rows_of(doc, now, published)["reports"][0][-2:]

    signed = (date(2021, 1, 22), SIGNATURE)
    assert dated(None) == signed
    assert dated((date(2024, 5, 1), LAST_MODIFIED)) == signed  # a server's rewrite date is weaker
    assert dated((date(2021, 1, 25), URL)) == (date(2021, 1, 25), URL)  # the page's own date is stronger
