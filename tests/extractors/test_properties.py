"""Property-based tests: number reading, and the layout mapper on tables rendered from random cells."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extractors.codes import AMOUNT_MEASURES, SIGNED_MEASURES
from extractors.numbers import read_number
from extractors.parse import parse_bytes
from tests.report_text import BLANK, LAYOUTS, MISSING, render, template_keys

TEMPLATES = ("gov2019", "gov2021")


@given(st.integers(min_value=0, max_value=10**9))
def test_integers_in_every_written_form(n: int) -> None:
    fullwidth = str(n).translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    for text in (str(n), f"{n:,}", fullwidth, f"\u00a0{n} ", f"{n}件"):
        reading = read_number(text)
        assert reading is not None and reading.value == n, text


@given(st.integers(min_value=1, max_value=10**7))
def test_signed_changes(n: int) -> None:
    assert read_number(f"增{n}").value == n
    assert read_number(f"减{n}").value == -n
    assert read_number(f"+{n}").value == n
    assert read_number(f"-{n}").value == -n


@given(st.text(alphabet="自然人法规章申请总计其他（）、。", min_size=1, max_size=12))
def test_labels_are_not_numbers(text: str) -> None:
    assert read_number(text) is None


def _value(key: tuple[str, str, str]) -> st.SearchStrategy:
    column = key[2]
    if column in AMOUNT_MEASURES:
        return st.decimals(min_value=0, max_value=10**6, places=2).map(float)
    if column in SIGNED_MEASURES:
        return st.integers(min_value=-(10**6), max_value=10**6)
    return st.integers(min_value=0, max_value=10**6)


@st.composite
def reports(draw: st.DrawFn) -> tuple[str, str, dict]:
    template = draw(st.sampled_from(TEMPLATES))
    layout = draw(st.sampled_from(LAYOUTS))
    cells = {key: draw(_value(key)) for key in template_keys(template)}
    return template, layout, cells


def _parsed(template: str, layout: str, cells: dict) -> dict:
    year = 2021 if template == "gov2021" else 2020
    text = render("测试县人民政府", year, template, cells, layout)
    doc = parse_bytes("generated.txt", text.encode("utf-8"))
    assert doc.template == template
    return {(c.table, c.row, c.column): c.value for c in doc.cells}


_SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(reports())
def test_random_tables_parse_back_to_their_cells(report: tuple[str, str, dict]) -> None:
    template, layout, cells = report
    parsed = _parsed(template, layout, cells)
    assert {k: parsed.get(k) for k in cells} == {k: float(v) for k, v in cells.items()}


@_SETTINGS
@given(reports(), st.data())
def test_a_removed_cell_never_gets_a_value(report: tuple[str, str, dict], data: st.DataObject) -> None:
    template, layout, cells = report
    key = data.draw(st.sampled_from(sorted(cells)))
    how = data.draw(st.sampled_from((MISSING, BLANK)))
    parsed = _parsed(template, layout, cells | {key: how})
    assert parsed.get(key) is None


def test_article_caption_on_a_line_of_its_own() -> None:
    keys = template_keys("gov2019")
    cells = {k: 1 for k in keys}
    text = render("测试县", 2020, "gov2019", cells, "tabs").replace("第二十条第（一）项\t\t\t", "第二十条第（一）项")
    doc = parse_bytes("caption.txt", text.encode("utf-8"))
    regulation = {c.column: c.value for c in doc.cells if c.row == "regulation"}
    assert regulation == {"new_made": 1, "new_published": 1, "total_published": 1}
