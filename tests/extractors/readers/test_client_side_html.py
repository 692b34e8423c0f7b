"""Report pages rendered client-side (tests/client_side_pages.py): the report is read from its script."""

from __future__ import annotations

import random

import pytest

from extractors.parse import parse_bytes
from extractors.readers.html import read_html
from tests.client_side_pages import FAMILIES, VARIANTS, page, report_html
from tests.report_text import consistent_cells, render

AGENCY = "广州市测试区人民政府"


def _report(seed: int) -> tuple[str, dict]:
    rng = random.Random(seed)
    template, year = rng.choice([("gov2019", 2020), ("gov2021", 2023)])
    cells = consistent_cells(template, rng)
    return render(AGENCY, year, template, cells, "tabs"), cells


def _values(doc) -> dict:
    return {(c.table, c.row, c.column): c.value for c in doc.cells if c.table != "narrative"}


@pytest.mark.parametrize("family", FAMILIES)
@pytest.mark.parametrize("variant", range(VARIANTS))
def test_a_report_in_a_script_parses_to_its_cells(family: str, variant: int) -> None:
    text, cells = _report(variant * 10 + FAMILIES.index(family))
    doc = parse_bytes("post_4102337.html", page(text, family, variant).encode("utf-8"))
    assert doc.status == "parsed" and doc.agency == AGENCY
    assert _values(doc) == {key: float(value) for key, value in cells.items()}


@pytest.mark.parametrize("family", FAMILIES)
def test_the_embedded_report_reads_like_the_same_report_served_whole(family: str) -> None:
    text, _cells = _report(99)
    whole = f"<html><body>{report_html(text)}</body></html>".encode()
    assert [line.cells for line in read_html(page(text, family).encode())] == [line.cells for line in read_html(whole)]


def test_a_visible_report_is_not_replaced_by_a_script_string() -> None:
    """A page whose report is visible keeps it, whatever HTML its scripts carry (a share widget, a template)."""
    text, cells = _report(5)
    other, _ = _report(6)
    html = page(other, "gkmlpt", 1).replace('<div id="content">', f'<div id="content">{report_html(text)}', 1)
    doc = parse_bytes("post_1.html", html.encode("utf-8"))
    assert _values(doc) == {key: float(value) for key, value in cells.items()}


def test_a_stub_page_with_no_report_in_its_scripts_stays_as_it_is() -> None:
    html = page("测试县2023年政府信息公开工作年度报告\n", "gkmlpt")
    assert [line.cells for line in read_html(html.encode())] == [("测试县2023年政府信息公开工作年度报告",)]
