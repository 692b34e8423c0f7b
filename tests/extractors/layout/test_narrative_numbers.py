"""Narrative figures: thousands separators read whole, 其中 parts never taken for a second total."""

from __future__ import annotations

from extractors.document import Line
from extractors.layout.narrative import read_facts


def _facts(text: str) -> list[tuple[str, float | None]]:
    facts, _issues = read_facts([Line(no=1, cells=(text,))])
    return [(f.name, f.value) for f in facts]


def test_thousands_separators_are_one_number() -> None:
    assert _facts("本年度主动公开政府信息13,784条，其中公开通知公告1,012条。") == [
        ("proactive_published_total", 13784.0),
        ("proactive_published_part", 1012.0),
    ]
    assert _facts("共收到政府信息公开申请1，203件。") == [("applications_received", 1203.0)]


def test_a_list_of_small_numbers_is_no_thousands_figure() -> None:
    assert _facts("主动公开信息12,3条。") == []


def test_parts_after_qizhong_are_parts_not_totals() -> None:
    assert _facts("全年主动公开信息2069条，其中县政府门户网站主动公开信息1592条，各乡镇公开477条。") == [
        ("proactive_published_total", 2069.0),
        ("proactive_published_part", 1592.0),
        ("proactive_published_part", 477.0),
    ]
