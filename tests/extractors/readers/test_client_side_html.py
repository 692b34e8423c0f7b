"""Report pages rendered client-side (tests/client_side_pages.py): the report is read from its script; and
pages whose tables are pictures, which say so."""

from __future__ import annotations

import random
import re

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


@pytest.mark.parametrize("wrapper", ["<p>{}</p>", '<p style="text-align:center">{}</p>', "<center>{}</center>", "{}"])
def test_tables_pasted_as_pictures_are_named_when_no_table_is_read(wrapper: str) -> None:
    """Sites paste a screenshot of the tables: the document fails (tables.not_found) and says they may be images."""
    text, _cells = _report(3)
    picture = wrapper.format('<img src="/attachment/0/52/52107/t{}.png" width="640">')
    tables = iter(range(10))
    body = re.sub(r"<table.*?</table>", lambda _m: picture.format(next(tables)), report_html(text), flags=re.S)
    logo = '<div class="nav"><a href="/"><img src="/images/logo.png"></a></div>'
    doc = parse_bytes("t.html", f"<html><body>{logo}{body}</body></html>".encode())
    named = [i.message for i in doc.issues if i.code == "document.table_images"]
    assert doc.status == "failed" and len(named) == 1 and "/attachment/0/52/52107/t0.png" in named[0]
    assert "logo" not in named[0]


def test_a_report_with_its_tables_and_pictures_names_no_table_images() -> None:
    text, _cells = _report(3)
    html = f'<html><body>{report_html(text)}<p><img src="/seal.png"></p></body></html>'
    assert "document.table_images" not in {i.code for i in parse_bytes("t.html", html.encode()).issues}
