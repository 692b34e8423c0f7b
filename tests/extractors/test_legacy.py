"""Pre-2019 reports: the 统计表 of 统计指标 / 单位 / 统计数 is the `legacy` template, a report without it is
`narrative`; either way its text's figures are facts and it is parsed, never failed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.corpus import convert_to_pdf, soffice
from bench.legacy_report import DRAWN, documents, legacy_spec, legacy_text
from extractors import codes
from extractors.document import ParsedDocument
from extractors.layout.legacy_labels import PART, legacy_row
from extractors.parse import parse_bytes
from tests.paths import GOLDEN, SAMPLES
from tests.report_text import FLAT, LAYOUTS, render, template_keys

# 0: no 回应解读 part, 63.07 万元 of fees, full-width digits; 4: 29.09 万元 budget, thousands separators;
# 5: a 2017 report with every row.
SEEDS = (0, 4, 5)


def _legacy_cells(doc: ParsedDocument) -> dict[tuple[str, str, str], float | None]:
    return {(c.table, c.row, c.column): c.value for c in doc.cells if c.table == "legacy"}


def _facts(doc: ParsedDocument) -> dict[str, list[float | None]]:
    found: dict[str, list[float | None]] = {}
    for fact in sorted(doc.facts, key=lambda f: (f.name, f.seq)):
        found.setdefault(fact.name, []).append(fact.value)
    return found


@pytest.mark.parametrize("seed", SEEDS)
def test_every_stated_cell_is_read_in_every_layout(seed: int) -> None:
    """Text (tab grid, one cell per line, pipes, pdftotext -layout, flattened), HTML and DOCX."""
    spec = legacy_spec(seed)
    for layout, (name, data) in documents(spec).items():
        doc = parse_bytes(name, data)
        assert (doc.template, doc.status) == ("legacy", "parsed"), layout
        read = _legacy_cells(doc)
        assert {key: read[key] for key in spec.cells} == spec.cells, layout
        assert set(read) == {("legacy", row, "this_year") for row in codes.LEGACY_ROW_CODES}, layout
        assert all(read[key] is None for key in read.keys() - spec.cells.keys()), layout  # rows not drawn
        assert not [c for c in doc.cells if c.table != "legacy"], layout


def test_the_pdf_of_a_legacy_report_is_read_like_its_docx(tmp_path: Path) -> None:
    """LibreOffice's PDF of the DOCX: ruled table cells, the note wrapped inside its label's cell."""
    assert soffice() is not None, "LibreOffice (soffice) is needed: run scripts/system-deps.sh as root"
    spec = legacy_spec(5)
    docx = tmp_path / "legacy.docx"
    docx.write_bytes(documents(spec)["docx"][1])
    (pdf,) = convert_to_pdf([docx], tmp_path)
    doc = parse_bytes(pdf.name, pdf.read_bytes())
    assert (doc.template, doc.status, doc.year) == ("legacy", "parsed", 2017)
    read = _legacy_cells(doc)
    assert {key: read[key] for key in spec.cells} == spec.cells
    assert _facts(doc) == spec.expected["facts"]


def test_a_2017_report_is_parsed_with_its_table_and_figures() -> None:
    spec = legacy_spec(5)
    doc = parse_bytes("report.txt", legacy_text(spec, "tabs").encode("utf-8"))
    assert (doc.year, doc.agency, doc.template, doc.status) == (2017, spec.expected["agency"], "legacy", "parsed")
    assert _facts(doc) == spec.expected["facts"]
    assert not [i for i in doc.issues if i.severity == "error"]
    assert [i.severity for i in doc.issues if i.code == "report.legacy"] == ["info"]


def test_a_report_before_2019_without_a_table_keeps_its_figures() -> None:
    text = (
        "某县民政局2012年政府信息公开工作年度报告\n"
        "一、概述\n本年度共主动公开政府信息1,200条。\n"
        "二、依申请公开情况\n全年共受理政府信息公开申请15件，均按时答复。\n"
        "三、收费及减免情况\n共收取检索、复制等费用120元。\n"
        "四、行政复议和行政诉讼情况\n本年度发生行政复议2件，行政诉讼1件。\n"
    )
    doc = parse_bytes("report.txt", text.encode("utf-8"))
    assert (doc.year, doc.template, doc.status, doc.cells) == (2012, "narrative", "parsed", [])
    assert _facts(doc) == {
        "admin_review_total": [2],
        "applications_received": [15],
        "fees_collected": [0.012],
        "litigation_total": [1],
        "proactive_published_total": [1200],
    }
    assert [(i.code, i.severity) for i in doc.issues] == [("report.legacy", "info")]


def test_the_unit_column_is_no_value_and_amounts_are_in_wan_yuan() -> None:
    rows = (
        "统计指标\t单位\t统计数",
        "七、依申请公开信息收取的费用\t万元\t0.35",
        "（四）政府信息公开专项经费\t万元\t1,200元",
        "六、举报投诉数量\t件\t3",
        "（一）收到申请数\t件\t5\t9",
    )
    doc = parse_bytes("report.txt", "\n".join(("某县2016年政府信息公开工作年度报告", *rows)).encode("utf-8"))
    read = _legacy_cells(doc)
    assert read[("legacy", "legacy.fees", "this_year")] == 0.35
    assert read[("legacy", "legacy.staffing.budget", "this_year")] == 0.12
    assert read[("legacy", "legacy.complaints", "this_year")] == 3
    # two figures for the one 统计数 column: which one is meant cannot be told
    assert read[("legacy", "legacy.requests.received", "this_year")] is None
    assert "row.value_count_mismatch" in {i.code for i in doc.issues}


def test_a_serial_number_column_and_a_spaced_header_change_nothing() -> None:
    """As archive pages print the form: | 序号 | 统 计 指 标 | 单位 | 统计数 |, a heading row dashed (----)."""
    rows = (
        "| 序号 | 统 计 指 标 | 单位 | 统计数 |",
        "| 1 | 一、主动公开情况 | ---- | |",
        "| 2 | 主动公开政府信息数(不同渠道和方式公开相同信息计1条) | 条 | 120 |",
        "| 3 | 其中:主动公开规范性文件数 | 条 | 4 |",
        "| 4 | 五、行政诉讼数量 | 件 | 2 |",
        "| 5 | （二）被依法纠错数 | 件 | 1 |",
    )
    doc = parse_bytes("report.txt", "\n".join(("某区2017年政府信息公开工作年度报告", *rows)).encode("utf-8"))
    assert doc.template == "legacy"
    assert {c.row: c.value for c in doc.cells if c.value is not None} == {
        "legacy.proactive.total": 120,
        "legacy.proactive.normative_documents": 4,
        "legacy.litigation.total": 2,
        "legacy.litigation.corrected": 1,
    }
    assert {i.code for i in doc.issues} == {"table.rows_missing", "report.legacy"}


def test_the_part_being_read_tells_a_review_row_from_a_lawsuit_row() -> None:
    assert legacy_row("（二）被依法纠错数", 4) == "legacy.admin_review.corrected"
    assert legacy_row("（二）被依法纠错数", 5) == "legacy.litigation.corrected"
    assert legacy_row("（三）其他情形数", 5) == "legacy.litigation.other"
    # the budget row's note names 政府公报 and 政府网站: under 八 it is the budget
    budget = next(label for label, _unit, code in DRAWN if code == "legacy.staffing.budget")
    assert legacy_row(budget, PART["legacy.staffing.staff_part_time"]) == "legacy.staffing.budget"


def test_every_row_of_the_form_names_its_code() -> None:
    previous_part = None
    for label, _unit, code in DRAWN:
        if code is None:
            assert legacy_row(label) is None, label  # headings name no row
            continue
        assert legacy_row(label, previous_part) == code, label
        previous_part = PART[code]
    assert {code for _label, _unit, code in DRAWN if code} == set(codes.LEGACY_ROW_CODES)


@pytest.mark.parametrize("layout", [*LAYOUTS, FLAT])
@pytest.mark.parametrize(("template", "year"), [("gov2019", 2018), ("gov2019", 2020), ("gov2021", 2022)])
def test_a_table_template_is_never_read_as_legacy(template: str, year: int, layout: str) -> None:
    """Not even in a report of a year before 2019: the tables decide, not the year."""
    cells = {key: i % 5 for i, key in enumerate(template_keys(template))}
    doc = parse_bytes("report.txt", render("某县人民政府", year, template, cells, layout).encode("utf-8"))
    assert doc.template == template
    assert not [c for c in doc.cells if c.table == "legacy"]


def test_a_2019_report_that_appends_the_old_table_keeps_both() -> None:
    cells = {key: i % 5 for i, key in enumerate(template_keys("gov2019"))}
    spec = legacy_spec(5)
    old_table = legacy_text(spec, "tabs").split("附件：", 1)[1]
    text = render("某县人民政府", 2019, "gov2019", cells, "tabs") + "附件：" + old_table
    doc = parse_bytes("report.txt", text.encode("utf-8"))
    assert (doc.template, doc.status, doc.issues) == ("gov2019", "parsed", [])
    read = {(c.table, c.row, c.column): c.value for c in doc.cells}
    assert {key: read[key] for key in cells} == cells
    assert {key: read[key] for key in spec.cells} == spec.cells


@pytest.mark.parametrize("name", sorted(p.stem for p in SAMPLES.glob("*.txt")))
def test_the_samples_keep_their_template(name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    doc = parse_bytes(name, (SAMPLES / f"{name}.txt").read_bytes())
    assert doc.template == golden["template"] != "legacy"


def test_prose_that_names_a_legacy_part_is_no_table() -> None:
    text = "某县2017年政府信息公开工作年度报告\n二、回应解读情况\n本年度申请办结数为12件，举报投诉数量3件。\n"
    doc = parse_bytes("report.txt", text.encode("utf-8"))
    assert (doc.template, doc.status, doc.cells) == ("narrative", "parsed", [])


def test_a_report_before_2019_that_states_no_figure_is_still_a_report() -> None:
    doc = parse_bytes("report.txt", "某县林业局2010年政府信息公开工作年度报告\n一、概述\n我局认真贯彻条例。\n".encode())
    assert (doc.template, doc.status, doc.facts) == ("narrative", "parsed", [])
    assert [(i.code, i.severity) for i in doc.issues] == [("report.legacy", "info")]
    later = parse_bytes("notes.txt", "会议纪要\n一、概述\n我局认真贯彻条例。\n".encode())
    assert later.status == "failed" and "document.not_a_report" in {i.code for i in later.issues}
