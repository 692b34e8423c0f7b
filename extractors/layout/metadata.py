"""Report metadata from the text: agency, report year and table template.

The title is the line that names the report (…（年度）政府信息公开工作年度报告,
关于…的报告); archive and crawler headers (标题:, 发布时间:, 来源:) are
stripped first, and a title split over two lines (盐池县人民政府办公室 /
2021年…报告) is joined. The template is told by structural markers that only
one of the official formats has (国办公开办函〔2019〕60号 and 〔2021〕30号, and the
pre-2019 统计表 of 统计指标 / 单位 / 统计数, `legacy`); a report with none of their tables
is `narrative`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from extractors.document import Line
from extractors.layout.digit_runs import flat_line
from extractors.layout.legacy_labels import legacy_row
from extractors.numbers import normalize

_YEAR = re.compile(r"[（(]?((?:19|20)\d{2})\s*年度?[）)]?")
_REPORT_WORDS = re.compile(r"(政府)?(信息公开|政务公开)(工作)?(年度)?的?(报告|年报|情况).*$")
_REPORT_TITLE = re.compile(r"(信息公开|政务公开)(工作)?(年度)?的?(报告|年报)")
# Archive or crawler header lines: key then value (标题:…, 发布时间:…). 标题's value may be the title.
_HEADER = re.compile(
    r"^(标题|题名|名称|发布时间|发文日期|发布日期|成文日期|时间|来源|信息来源|发布机构|发文机关|索引号|"
    r"文号|发文字号|主题分类|分类|浏览次数|点击数|作者|字号)\s*[:：]"
)
_TITLE_KEYS = ("标题", "题名", "名称")
_TABLE_MARKERS = ("第二十条第", "本年新收政府信息公开申请数量", "本年度办理结果")
# Wording only one official format has. 社会组织 is no marker: many 2019-format reports write it too.
_GOV2021_MARKERS = (
    "本年制发件数",
    "本年废止件数",
    "现行有效件数",
    "本年收费金额",
    "申请人无正当理由逾期不补正",
    "逾期未按收费通知要求缴纳费用",
)
_GOV2019_MARKERS = (
    "本年新制作数量",
    "本年新公开数量",
    "对外公开总数量",
    "上一年项目数量",
    "政府集中采购",
    "采购总金额",
)
# Wording of the pre-2019 统计表 (its header and rows) that neither 2019 nor 2021 table has.
_LEGACY_MARKERS = ("统计指标", "申请办结数", "回应解读情况", "举报投诉数量", "依申请公开信息收取的费用")
# Flattened legacy rows (（一）收到申请数件12) that tell a legacy table in text without its borders.
_LEGACY_FLAT_MIN_ROWS = 3
_GOV2021_NOTICE = ("〔2021〕30号", "[2021]30号")
_GOV2019_NOTICE = ("〔2019〕60号", "[2019]60号")
_TITLE_SEARCH_LINES = 40
_TITLE_MAX_CHARS = 80
_AGENCY_MAX_CHARS = 40
_AGENCY_LINE_MAX_CHARS = 30
# The first report year of each official format (a report is on the year before it is published).
FIRST_TABLE_YEAR, _GOV2021_FIRST_YEAR = 2019, 2021


@dataclass(frozen=True)
class Metadata:
    agency: str | None
    year: int | None
    template: str
    title: str
    title_line: int | None


def read_metadata(lines: list[Line]) -> Metadata:
    title, title_line = _title(lines)
    agency, year = agency_and_year(title)
    return Metadata(agency=agency, year=year, template=_template(lines, year), title=title, title_line=title_line)


def agency_and_year(title: str) -> tuple[str | None, int | None]:
    """The agency and report year a title names (None where it names none)."""
    year_match = _YEAR.search(title)
    year = int(year_match.group(1)) if year_match else None
    name = _YEAR.sub("", title)
    name = _REPORT_WORDS.sub("", name)
    name = re.sub(r"^关于|关于$|的$", "", name.strip("《》〈〉 "))
    name = name.strip("《》〈〉 ")
    if not name or len(name) > _AGENCY_MAX_CHARS:
        return None, year
    return name, year


def _texts(lines: list[Line]) -> list[tuple[Line, str]]:
    """Non-empty lines as folded text; a header line gives its title value or nothing."""
    out = []
    for line in lines:
        text = normalize("".join(line.cells))
        header = _HEADER.match(text)
        if header:
            text = text[header.end() :] if header.group(1) in _TITLE_KEYS else ""
        if text:
            out.append((line, text))
    return out


def is_report_title(text: str) -> bool:
    return len(text) <= _TITLE_MAX_CHARS and bool(_REPORT_TITLE.search(text)) and not text.endswith("。")


def _title(lines: list[Line]) -> tuple[str, int | None]:
    """The first line naming the report, joined with the agency line above it when it names none."""
    texts = _texts(lines)[:_TITLE_SEARCH_LINES]
    for i, (line, text) in enumerate(texts):
        if not is_report_title(text):
            continue
        if agency_and_year(text)[0] is None and i > 0:
            above_line, above = texts[i - 1]
            if len(above) <= _AGENCY_LINE_MAX_CHARS and not is_report_title(above):
                return above + text, above_line.no
        return text, line.no
    if not texts:
        return "", None
    return texts[0][1][:_TITLE_MAX_CHARS], texts[0][0].no


def _template(lines: list[Line], year: int | None) -> str:
    table_text = "".join(normalize("".join(line.cells)) for line in lines if line.is_table)
    if not table_text and _flattened(lines):  # crawler text lost the table's borders: its wording is all there is
        table_text = "".join(normalize("".join(line.cells)) for line in lines)
    if not any(marker in table_text for marker in _TABLE_MARKERS):
        legacy = any(marker in table_text for marker in _LEGACY_MARKERS) or _flattened_legacy(lines)
        return "legacy" if legacy else "narrative"
    whole = "".join(normalize("".join(line.cells)) for line in lines)
    cites_2021 = any(n in whole for n in _GOV2021_NOTICE)
    cites_2019 = any(n in whole for n in _GOV2019_NOTICE)
    if cites_2021 != cites_2019:  # the format notice the report says it follows
        return "gov2021" if cites_2021 else "gov2019"
    score_2021 = sum(marker in table_text for marker in _GOV2021_MARKERS)
    score_2019 = sum(marker in table_text for marker in _GOV2019_MARKERS)
    if score_2021 != score_2019:
        return "gov2021" if score_2021 > score_2019 else "gov2019"
    return "gov2021" if year is not None and year >= _GOV2021_FIRST_YEAR else "gov2019"


def _flattened(lines: list[Line]) -> bool:
    """Some lines are application rows glued to their digit runs (一、本年新收政府信息公开申请数量2300000023)."""
    found = (flat_line(line.cells[0]) for line in lines if len(line.cells) == 1)
    return sum(1 for f in found if f and _TABLE_MARKERS[1] in normalize(f[0])) > 0


def _flattened_legacy(lines: list[Line]) -> bool:
    """Some lines are legacy table rows glued to their figure (（一）收到申请数件12)."""
    found = (flat_line(line.cells[0]) for line in lines if len(line.cells) == 1)
    return sum(1 for f in found if f and legacy_row(f[0])) >= _LEGACY_FLAT_MIN_ROWS


def expected_template(year: int | None, whole: str) -> str | None:
    """The table format a report of `year` must use (None before 2019, when reports were free prose)."""
    if any(n in whole for n in _GOV2021_NOTICE) or (year is not None and year >= _GOV2021_FIRST_YEAR):
        return "gov2021"
    if any(n in whole for n in _GOV2019_NOTICE) or (year is not None and year >= FIRST_TABLE_YEAR):
        return "gov2019"
    return None


def later_report_titles(lines: list[Line], agency: str | None, year: int | None) -> list[Line]:
    """Title lines of further reports of another agency or year, after the first report's tables.

    Two reports pasted into one file are read as one; the caller records that
    rather than mixing the second report's figures into the first one's cells.
    The same report's title repeated (a header, a 名称 table, a heading) is no second report.
    """
    found: list[Line] = []
    seen_table = False
    for line in lines:
        if line.is_table:
            seen_table = True
            continue
        text = normalize("".join(line.cells)).strip("《》")
        if not (seen_table and _YEAR.search(text) and is_report_title(text) and text.endswith(("报告", "年报"))):
            continue
        other_agency, other_year = agency_and_year(text)
        if (other_year, other_agency) != (year, agency) and (
            other_year != year or (other_agency and agency and not _same_agency(other_agency, agency))
        ):
            found.append(line)
            seen_table = False
    return found


def _same_agency(a: str, b: str) -> bool:
    return a in b or b in a
