"""Figures the prose states about carried applications, grants, reviews, litigation and fees."""

from __future__ import annotations

import pytest

from extractors.document import Fact, Line
from extractors.layout.sections import read_sections
from extractors.layout.stated_figures import read_stated_figures


def stated(*texts: str) -> list[tuple[str, float]]:
    facts: list[Fact] = []
    read_stated_figures([Line(no, (text,)) for no, text in enumerate(texts, start=1)], facts)
    return [(f.name, f.value) for f in facts]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "收到申请12件，上年结转2件，结转下年度继续办理1件。",
            [("applications_carried_over", 2), ("applications_carried_forward", 1)],
        ),
        ("予以公开8件，不予公开1件。", [("applications_granted", 8)]),
        (
            "发生行政复议2件，行政诉讼3件，其中直接起诉1件，复议后起诉2件。",
            [
                ("admin_review_total", 2),
                ("litigation_direct", 1),
                ("litigation_after_review", 2),
                ("litigation_total", 3),
            ],
        ),
        ("复议后提起行政诉讼1件。", [("litigation_after_review", 1)]),
        ("未发生政府信息公开行政复议、行政诉讼。", [("admin_review_total", 0), ("litigation_total", 0)]),
        ("没有收到行政复议申请，行政诉讼1件。", [("litigation_total", 1), ("admin_review_total", 0)]),
        ("行政复议案件办理规范。", []),
        ("共收取检索、复制费用120元，减免费用30元。", [("fees_collected", 0.012)]),
        ("依申请公开收取费用0.35万元。", [("fees_collected", 0.35)]),
        ("2020年，全县未向社会公众、企业收取任何与政府信息公开有关的费用。", [("fees_collected", 0)]),
        ("2018年我县无收费及减免情况。", [("fees_collected", 0)]),
        ("四、政府信息公开的收费和减免情况", []),
        ("对困难群众减免费用50元。", []),
    ],
)
def test_stated_figures(text: str, expected: list[tuple[str, float]]) -> None:
    assert stated(text) == expected


def test_table_lines_are_not_prose() -> None:
    facts: list[Fact] = []
    read_stated_figures([Line(1, ("行政复议", "3件"), is_table=True)], facts)
    assert facts == []


def test_seq_continues_facts_already_read() -> None:
    facts = [Fact("applications_granted", 1, 8.0, "同意公开8件", 1)]
    read_stated_figures([Line(2, ("予以公开9件。",))], facts)
    assert [(f.seq, f.value, f.raw, f.line) for f in facts[1:]] == [(2, 9.0, "予以公开9件", 2)]


def test_sections_with_text_and_lines() -> None:
    lines = [
        Line(1, ("某县2021年政府信息公开工作年度报告",)),
        Line(2, ("一、总体情况",), page=1),
        Line(3, ("一是加强领导。",), page=1),
        Line(4, ("二、主动公开政府信息情况",), page=1),
        Line(5, ("信息内容", "本年制发件数"), page=2, is_table=True),
        Line(6, ("五、存在的主要问题及改进情况",), page=2),  # 三 and 四 cut off: 五 still opens a part
        Line(7, ("三、这一行在五之后，不是标题",), page=3),
        Line(8, ("六、其他需要报告的事项",), page=3),
    ]
    sections = read_sections(lines)
    assert [(s.no, s.number, s.title, s.text, s.first_line, s.last_line) for s in sections] == [
        (1, "一", "总体情况", "一是加强领导。", 2, 3),
        (2, "二", "主动公开政府信息情况", "", 4, 4),
        (5, "五", "存在的主要问题及改进情况", "三、这一行在五之后，不是标题", 6, 7),
        (6, "六", "其他需要报告的事项", "", 8, 8),
    ]
    assert (sections[2].first_page, sections[2].last_page) == (2, 3)
