"""Templates as the official formats, template detection, report metadata and `tables.not_found`."""

from __future__ import annotations

import pytest

from extractors import templates
from extractors.parse import parse_bytes
from tests.report_text import render, template_keys

AGENCY = "测试县人民政府"


def _whole(template: str) -> dict:
    return {key: i % 7 for i, key in enumerate(template_keys(template))}


def _parse(text: str):
    return parse_bytes("report.txt", text.encode("utf-8"))


def test_gov2021_proactive_table_is_the_official_one() -> None:
    """〔2021〕30号 table 二: 规章, 规范性文件 / 行政许可 / 行政处罚, 行政强制 / 行政事业性收费."""
    rows = [(r.row_code, r.article_item) for r in templates.shape("gov2021") if r.table_name == "proactive"]
    assert rows == [
        ("regulation", "20.1"),
        ("normative_document", "20.1"),
        ("admin_license", "20.5"),
        ("admin_penalty", "20.6"),
        ("admin_enforcement", "20.6"),
        ("admin_fee", "20.8"),
    ]
    assert "other_admin_service" in {r.row_code for r in templates.shape("gov2019")}


@pytest.mark.parametrize("template", ["gov2019", "gov2021"])
@pytest.mark.parametrize("layout", ["tabs", "lines"])
def test_a_whole_report_misses_no_template_row(template: str, layout: str) -> None:
    year = 2021 if template == "gov2021" else 2020
    doc = _parse(render(AGENCY, year, template, _whole(template), layout))
    assert doc.template == template and doc.status == "parsed"
    assert "table.rows_missing" not in {i.code for i in doc.issues}
    assert all(c.value is not None for c in doc.cells)


def test_social_organisation_is_no_2021_marker() -> None:
    """Many 2019-format tables head the column 社会组织: the 2019 proactive measures decide."""
    text = render(AGENCY, 2020, "gov2019", _whole("gov2019")).replace("社会公益组织", "社会组织")
    assert _parse(text).template == "gov2019"


def test_the_cited_format_notice_decides_a_mixed_table() -> None:
    heading = "二、主动公开政府信息情况"
    cited = f"依据国办公开办函〔2021〕30号要求编制。\n\n{heading}"
    text = render(AGENCY, 2020, "gov2019", _whole("gov2019")).replace(heading, cited)
    assert _parse(text).template == "gov2021"


@pytest.mark.parametrize(("year", "template"), [(2020, "gov2019"), (2022, "gov2021")])
def test_a_report_without_its_tables_is_not_parsed_in_silence(year: int, template: str) -> None:
    text = f"{AGENCY}{year}年政府信息公开工作年度报告\n\n一、总体情况\n\n本年度我县认真落实条例。\n"
    doc = _parse(text)
    assert doc.status == "failed" and doc.template == template
    found = [i for i in doc.issues if i.code == "tables.not_found"]
    assert len(found) == 1 and found[0].severity == "error"
    assert "document.not_a_report" not in {i.code for i in doc.issues}
    assert doc.cells and all(c.value is None for c in doc.cells)
    assert len(doc.cells) == len(template_keys(template))


def test_a_2018_prose_report_needs_no_table() -> None:
    doc = _parse(f"{AGENCY}2018年政府信息公开工作年度报告\n\n本年度共收到政府信息公开申请10件。\n")
    assert (doc.status, doc.template) == ("parsed", "narrative")
    assert "tables.not_found" not in {i.code for i in doc.issues}


@pytest.mark.parametrize(
    ("head", "agency", "year"),
    [
        (
            "标题:平潭综合实验区管理委员会2020年政府信息公开工作年度报告\n发布时间:2021-01-20\n来源:管委会办公室\n\n"
            "平潭综合实验区管理委员会2020年政府信息公开工作年度报告",
            "平潭综合实验区管理委员会",
            2020,
        ),
        ("索引号：001-2021\n发布机构：某市统计局\n\n某市统计局关于2021年度政府信息公开工作的报告", "某市统计局", 2021),
        ("某县自然资源局\n\n（2020年度）政府信息公开工作年度报告", "某县自然资源局", 2020),
        ("2020年某县财政局政府信息公开工作年度报告", "某县财政局", 2020),
    ],
)
def test_agency_and_year_from_the_title(head: str, agency: str, year: int) -> None:
    text = render(AGENCY, year, "gov2019", _whole("gov2019"))
    text = head + "\n" + text.split("\n", 1)[1]
    doc = _parse(text)
    assert (doc.agency, doc.year) == (agency, year)


def test_a_first_paragraph_is_no_agency_name() -> None:
    text = "根据条例规定，现将本机关在过去一年里开展各项政府信息公开工作的总体情况和主要做法向社会公布如下。\n"
    doc = _parse(text + "主动公开政府信息120条。\n")
    assert doc.agency is None
    assert "document.metadata_missing" in {i.code for i in doc.issues}


def test_one_report_titled_three_times_is_one_report() -> None:
    body = render(AGENCY, 2020, "gov2019", _whole("gov2019"))
    title = f"{AGENCY}2020年政府信息公开工作年度报告"
    text = f"标题：{title}\n名称\t{title}\n" + body + f"\n{title}\n"
    doc = _parse(text)
    assert "document.multiple_reports" not in {i.code for i in doc.issues}
    assert doc.agency == AGENCY


def test_two_agencies_in_one_file_are_two_reports() -> None:
    first = render(AGENCY, 2020, "gov2019", _whole("gov2019"))
    second = render("另一县人民政府", 2020, "gov2019", _whole("gov2019"))
    doc = _parse(first + second)
    assert "document.multiple_reports" in {i.code for i in doc.issues}
