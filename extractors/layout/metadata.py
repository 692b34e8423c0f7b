"""Report metadata from the text: agency, report year and table template."""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.document import Line
from extractors.numbers import normalize

_YEAR = re.compile(r"((?:19|20)\d{2})\s*年度?")
_REPORT_WORDS = re.compile(r"(政府)?信息公开(工作)?(年度)?(报告|年报).*$")
_TABLE_MARKERS = ("第二十条第", "本年新收政府信息公开申请数量", "本年度办理结果")
# Wording that only the 2021 template (国办公开办函〔2021〕30号) uses.
_GOV2021_MARKERS = ("社会组织", "本年收费金额", "本年制发件数", "现行有效件数", "〔2021〕30号", "[2021]30号")
_TITLE_MAX_LINES = 3


@dataclass(frozen=True)
class Metadata:
    agency: str | None
    year: int | None
    template: str
    title: str
    title_line: int | None


def read_metadata(lines: list[Line]) -> Metadata:
    title, title_line = _title(lines)
    year_match = _YEAR.search(title)
    year = int(year_match.group(1)) if year_match else None
    agency = _agency(title)
    return Metadata(agency=agency, year=year, template=_template(lines), title=title, title_line=title_line)


def _title(lines: list[Line]) -> tuple[str, int | None]:
    """The first non-empty lines up to the one that names the report (盐池县…办公室 / 2021年…报告)."""
    parts: list[str] = []
    first_no = None
    for line in lines:
        text = normalize("".join(line.cells))
        if not text:
            continue
        first_no = first_no or line.no
        parts.append(text)
        if "报告" in text or "年报" in text or len(parts) >= _TITLE_MAX_LINES:
            break
    return "".join(parts), first_no


def _agency(title: str) -> str | None:
    name = _YEAR.sub("", title)
    name = _REPORT_WORDS.sub("", name).strip("《》 ")
    return name or None


def _template(lines: list[Line]) -> str:
    table_text = "".join(normalize("".join(line.cells)) for line in lines if line.is_table)
    if not any(marker in table_text for marker in _TABLE_MARKERS):
        return "narrative"
    whole = "".join(normalize("".join(line.cells)) for line in lines)
    if any(marker in table_text for marker in _GOV2021_MARKERS) or any(m in whole for m in _GOV2021_MARKERS[-2:]):
        return "gov2021"
    return "gov2019"


_TITLE_LINE_MAX_CHARS = 60


def later_report_titles(lines: list[Line]) -> list[Line]:
    """Title lines of further reports (某县2021年政府信息公开工作年度报告) after the first report's tables.

    Two reports pasted into one file are read as one; the caller records that
    rather than mixing the second report's figures into the first one's cells.
    """
    found: list[Line] = []
    seen_table = False
    for line in lines:
        if line.is_table:
            seen_table = True
            continue
        text = normalize("".join(line.cells)).strip("《》")
        if (
            seen_table
            and len(text) <= _TITLE_LINE_MAX_CHARS
            and _YEAR.search(text)
            and _REPORT_WORDS.search(text)
            and text.endswith(("报告", "年报"))
        ):
            found.append(line)
            seen_table = False
    return found
