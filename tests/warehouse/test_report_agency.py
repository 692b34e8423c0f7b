"""Documents that are not reports (a 404 page, a site menu, a table dump) name no agency in raw.reports."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from tests.paths import SAMPLES
from warehouse.load import load_parsed

NOT_REPORTS = {
    "404.html": "<html><head><title>404页面不存在</title></head><body><h1>404页面不存在</h1>"
    "<p>您访问的页面不存在或已被删除</p></body></html>",
    "menu.txt": "首页\n政务公开\n政府信息公开年报\n办事服务\n互动交流\n",
    "dump.txt": "20230101\t17\t4\t9\n" + "".join(f"{n}\t{n % 7}\t{n % 5}\t{n % 3}\n" for n in range(3000)),
}


def _agencies(settings: Settings, paths: list[Path]) -> dict[str, str | None]:
    outcomes = [parse_to_file(str(p), settings) for p in paths]
    load_parsed(settings.warehouse, [o["parsed_path"] for o in outcomes])
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return dict(conn.execute("select document, agency from raw.reports").fetchall())


@pytest.mark.parametrize("name", sorted(NOT_REPORTS))
def test_a_document_that_is_not_a_report_names_no_agency(tmp_settings: Settings, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_text(NOT_REPORTS[name], encoding="utf-8")
    assert _agencies(tmp_settings, [path]) == {name: None}


def test_a_report_keeps_its_agency(tmp_settings: Settings) -> None:
    sample = sorted(SAMPLES.glob("*.txt"))[0]
    agency = _agencies(tmp_settings, [sample])[sample.name]
    assert agency and agency in sample.read_text(encoding="utf-8")
