"""Generated pre-2019 reports: figures in the text and the 国务院办公厅 政府信息公开情况统计表 at the end.

The table is drawn as the 2015-2018 form has it: 统计指标 / 单位 / 统计数, heading rows
(一、主动公开情况, （二）通过不同渠道…的情况) with a dash for unit and no value, the
（不同渠道和方式公开相同信息计1条） note wrapped under its label, 万元 amounts with decimals.
`legacy_spec` gives a ReportSpec (DOCX, HTML and PDF through bench.corpus), `legacy_text`
the same report as text in the layouts of tests/report_text.py.

    python -m bench.legacy_report [--reports 20] [--pdf]   per layout: legacy cells stated, read right, wrong
"""

from __future__ import annotations

import argparse
import random
import tempfile
from pathlib import Path

from bench.corpus import convert_to_pdf
from bench.render_docx import render_docx
from bench.render_html import render_html
from bench.report_spec import Paragraph, ReportSpec, Span, Table, blocks, fmt
from extractors import codes
from extractors.parse import parse_bytes
from tests.report_text import FLAT, LAYOUTS, table_row

TABLE, COLUMN = "legacy", "this_year"
_NOTE = "（不同渠道和方式公开相同信息计1条）"
_HEADING_UNIT = "——"
# The form's rows: (统计指标 as printed, 单位, row code; None for a heading row without a value).
DRAWN: tuple[tuple[str, str, str | None], ...] = (
    ("一、主动公开情况", _HEADING_UNIT, None),
    (f"（一）主动公开政府信息数\n{_NOTE}", "条", "legacy.proactive.total"),
    ("其中：主动公开规范性文件数", "条", "legacy.proactive.normative_documents"),
    ("制发规范性文件总数", "件", "legacy.proactive.normative_documents_issued"),
    ("（二）通过不同渠道和方式公开政府信息的情况", _HEADING_UNIT, None),
    ("1.政府公报公开政府信息数", "条", "legacy.proactive.gazette"),
    ("2.政府网站公开政府信息数", "条", "legacy.proactive.website"),
    ("3.政务微博公开政府信息数", "条", "legacy.proactive.weibo"),
    ("4.政务微信公开政府信息数", "条", "legacy.proactive.wechat"),
    ("5.其他方式公开政府信息数", "条", "legacy.proactive.other_means"),
    ("二、回应解读情况", _HEADING_UNIT, None),
    ("（一）回应公众关注热点或重大舆情数\n（不同方式回应同一热点或舆情计1次）", "次", "legacy.response.hot_topics"),
    ("（二）通过不同途径和方式回应解读的情况", _HEADING_UNIT, None),
    ("1.参加或举办新闻发布会总次数", "次", "legacy.response.press_conferences"),
    ("其中：主要负责同志参加新闻发布会次数", "次", "legacy.response.press_conferences_heads"),
    ("2.政府网站在线访谈次数", "次", "legacy.response.online_interviews"),
    ("其中：主要负责同志参加政府网站在线访谈次数", "次", "legacy.response.online_interviews_heads"),
    ("3.政策解读稿件发布数", "篇", "legacy.response.interpretations"),
    ("4.微博微信回应事件数", "次", "legacy.response.social_media"),
    ("5.其他方式回应事件数", "次", "legacy.response.other_means"),
    ("三、依申请公开情况", _HEADING_UNIT, None),
    ("（一）收到申请数", "件", "legacy.requests.received"),
    ("1.当面申请数", "件", "legacy.requests.in_person"),
    ("2.传真申请数", "件", "legacy.requests.fax"),
    ("3.网络申请数", "件", "legacy.requests.online"),
    ("4.信函申请数", "件", "legacy.requests.letter"),
    ("（二）申请办结数", "件", "legacy.requests.closed"),
    ("1.按时办结数", "件", "legacy.requests.closed_on_time"),
    ("2.延期办结数", "件", "legacy.requests.closed_extended"),
    ("（三）申请答复数", "件", "legacy.requests.answered"),
    ("1.属于已主动公开范围数", "件", "legacy.requests.already_public"),
    ("2.同意公开答复数", "件", "legacy.requests.granted"),
    ("3.同意部分公开答复数", "件", "legacy.requests.partially_granted"),
    ("4.不同意公开答复数", "件", "legacy.requests.denied"),
    ("其中：涉及国家秘密", "件", "legacy.requests.denied.state_secret"),
    ("涉及商业秘密", "件", "legacy.requests.denied.commercial_secret"),
    ("涉及个人隐私", "件", "legacy.requests.denied.privacy"),
    ("危及国家安全、公共安全、经济安全和社会稳定", "件", "legacy.requests.denied.security_stability"),
    ("不是《条例》所指政府信息", "件", "legacy.requests.denied.not_government_info"),
    ("法律法规规定的其他情形", "件", "legacy.requests.denied.other_law"),
    ("5.不属于本行政机关公开数", "件", "legacy.requests.not_held"),
    ("6.申请信息不存在数", "件", "legacy.requests.nonexistent"),
    ("7.告知作出更改补充数", "件", "legacy.requests.correction_asked"),
    ("8.告知通过其他途径办理数", "件", "legacy.requests.other_route"),
    ("四、行政复议数量", "件", "legacy.admin_review.total"),
    ("（一）维持具体行政行为数", "件", "legacy.admin_review.upheld"),
    ("（二）被依法纠错数", "件", "legacy.admin_review.corrected"),
    ("（三）其他情形数", "件", "legacy.admin_review.other"),
    ("五、行政诉讼数量", "件", "legacy.litigation.total"),
    ("（一）维持具体行政行为或者驳回原告诉讼请求数", "件", "legacy.litigation.upheld"),
    ("（二）被依法纠错数", "件", "legacy.litigation.corrected"),
    ("（三）其他情形数", "件", "legacy.litigation.other"),
    ("六、举报投诉数量", "件", "legacy.complaints"),
    ("七、依申请公开信息收取的费用", "万元", "legacy.fees"),
    ("八、机构建设和保障经费情况", _HEADING_UNIT, None),
    ("（一）政府信息公开工作专门机构数", "个", "legacy.staffing.offices"),
    ("（二）设置政府信息公开查阅点数", "个", "legacy.staffing.reading_points"),
    ("（三）从事政府信息公开工作人员数", "人", "legacy.staffing.staff"),
    ("1.专职人员数", "人", "legacy.staffing.staff_full_time"),
    ("2.兼职人员数", "人", "legacy.staffing.staff_part_time"),
    (
        "（四）政府信息公开专项经费（不包括用于政府公报编辑管理及政府网站建设维护等方面的经费）",
        "万元",
        "legacy.staffing.budget",
    ),
    ("九、政府信息公开会议和培训情况", _HEADING_UNIT, None),
    ("（一）召开政府信息公开工作会议或专题会议数", "次", "legacy.training.meetings"),
    ("（二）举办各类培训班数", "次", "legacy.training.courses"),
    ("（三）接受培训人员数", "人次", "legacy.training.trainees"),
)
_HEADER = ("统计指标", "单位", "统计数")
_LABEL_WIDTH, _UNIT_WIDTH, _VALUE_WIDTH = 34, 6, 10  # aligned text: characters per column
_WRAP = _LABEL_WIDTH - 4  # aligned text: a longer label goes on over the next lines
_CAPTION = "政府信息公开情况统计表"
# Some tables leave out the 回应解读 part: its rows are then null (table.rows_missing).
_RESPONSE_ROWS = tuple(c for c in codes.LEGACY_ROW_CODES if c.startswith("legacy.response."))
_STYLES = ("plain", "fullwidth", "thousands")  # bench.report_spec.fmt; 增/减 is for signed measures only
_AGENCIES = ("测试县人民政府", "示例市环境保护局", "样本区人民政府办公室", "模拟县国土资源局")
_FILLER = "本机关认真贯彻《中华人民共和国政府信息公开条例》，健全工作机制，拓宽公开渠道，各项工作有序推进。"


def _count(rng: random.Random) -> int:
    draw = rng.random()
    return 0 if draw < 0.3 else rng.randint(1, 40) if draw < 0.8 else rng.randint(41, 20000)


def legacy_cells(rng: random.Random, rows: tuple[str, ...]) -> dict[tuple[str, str, str], float]:
    """A value for every drawn row: counts, 万元 amounts with decimals, totals equal to their parts."""
    values: dict[str, float] = {}
    for code in rows:
        if code in codes.LEGACY_AMOUNT_ROWS:
            values[code] = rng.choice((0.0, round(rng.randint(1, 9999) / 100, 2)))
        else:
            values[code] = float(_count(rng))
    for total, *parts in codes.LEGACY_SUMS:  # the form's own sums hold, as in an agency's table
        if total in values and all(p in values for p in parts):
            values[total] = sum(values[p] for p in parts)
    return {(TABLE, code, COLUMN): value for code, value in values.items()}


def legacy_spec(seed: int) -> ReportSpec:
    """A 2015-2018 report: figures in its text, the 统计表 after its last part; some tables lack 回应解读."""
    rng = random.Random(seed)
    year = rng.randint(2015, 2018)
    agency = rng.choice(_AGENCIES)
    drawn = tuple(code for _label, _unit, code in DRAWN if code)
    if rng.random() < 0.3:
        drawn = tuple(c for c in drawn if c not in _RESPONSE_ROWS)
    cells = legacy_cells(rng, drawn)
    value = {row: cells[(TABLE, row, COLUMN)] for _t, row, _c in cells}
    fee_yuan = round(value["legacy.fees"] * 10_000)
    before = (
        "一、概述",
        f"{year}年，{_FILLER}",
        "二、主动公开政府信息情况",
        f"全年共主动公开政府信息{int(value['legacy.proactive.total'])}条。",
        "三、依申请公开政府信息情况",
        f"全年共收到政府信息公开申请{int(value['legacy.requests.received'])}件，均已按时答复。",
        "四、政府信息公开的收费及减免情况",
        f"本年度依申请公开收取费用{fee_yuan}元。" if fee_yuan else "本年度未收取任何费用。",
        "五、因政府信息公开申请行政复议、提起行政诉讼的情况",
        f"本年度发生政府信息公开行政复议{int(value['legacy.admin_review.total'])}件，"
        f"行政诉讼{int(value['legacy.litigation.total'])}件。",
    )
    spec = ReportSpec(
        name=f"legacy_{seed}",
        template="legacy",
        title=(f"{agency}{year}年政府信息公开工作年度报告",),
        before=before,
        after=("六、存在的主要问题和改进措施", _FILLER),
        cells=dict(cells),
        number_style=rng.choice(_STYLES),
    )
    spec.appendix = (Paragraph(_caption(agency, year), "heading"), legacy_table(spec, drawn))
    facts = {
        "proactive_published_total": [value["legacy.proactive.total"]],
        "applications_received": [value["legacy.requests.received"]],
        "fees_collected": [value["legacy.fees"]],
        "admin_review_total": [value["legacy.admin_review.total"]],
        "litigation_total": [value["legacy.litigation.total"]],
    }
    spec.expected = {"agency": agency, "year": year, "template": "legacy", "status": "parsed", "facts": facts}
    return spec


def _caption(agency: str, year: int) -> str:
    return f"附件：{agency}{year}年{_CAPTION}"


def _drawn_rows(drawn: tuple[str, ...]) -> list[tuple[str, str, str | None]]:
    """The form's rows that a table with `drawn` rows has (a heading only over rows it keeps)."""
    rows = [r for r in DRAWN if r[2] is None or r[2] in drawn]
    return [r for i, r in enumerate(rows) if r[2] or (i + 1 < len(rows) and rows[i + 1][2])]


def legacy_table(spec: ReportSpec, drawn: tuple[str, ...]) -> Table:
    rows: list[tuple[Span, ...]] = [tuple(Span(t) for t in _HEADER)]
    for label, unit, code in _drawn_rows(drawn):
        value = fmt(spec.cells[(TABLE, code, COLUMN)], COLUMN, spec.number_style) if code else ""
        rows.append((Span(label), Span(unit), Span(value)))
    return Table(tuple(rows), header_rows=1, widths=(5, 1, 1.2))


def legacy_text(spec: ReportSpec, layout: str) -> str:
    """The report as text in one of tests/report_text.py's layouts (tabs, lines, pipes, aligned, flat).

    One cell per line (`lines`) keeps a wrapped label's lines as cells of their own, as Word's text export
    does; `aligned` (pdftotext -layout) wraps long labels onto the next line of the label column.
    """
    out = [*spec.title, "", *spec.before, *spec.after, "", _caption(spec.expected["agency"], spec.expected["year"])]
    drawn = tuple(row for _table, row, _column in spec.cells)
    if layout == "aligned":
        out.append(_aligned_row(_HEADER[0], _HEADER[1], _HEADER[2]))
    elif layout != FLAT:
        out += table_row(list(_HEADER), [], layout)
    for label, unit, code in _drawn_rows(drawn):
        value = fmt(spec.cells[(TABLE, code, COLUMN)], COLUMN, spec.number_style) if code else ""
        parts = label.split("\n") if layout in {"lines", "aligned"} else [label.replace("\n", "")]
        if layout == "aligned":
            wrapped = [p[i : i + _WRAP] for p in parts for i in range(0, len(p), _WRAP)]
            out += [_aligned_row(wrapped[0], unit, value), *wrapped[1:]]
        elif code is None and layout == FLAT:  # crawler text: a heading row is a line of its own
            out += parts
        else:  # these layouts write the number plainly
            out += table_row([*parts, unit], [spec.cells[(TABLE, code, COLUMN)]] if code else [], layout)
    return "\n".join(out) + "\n"


def _aligned_row(label: str, unit: str, value: str) -> str:
    return (label.ljust(_LABEL_WIDTH) + unit.ljust(_UNIT_WIDTH) + value.rjust(_VALUE_WIDTH)).rstrip()


def read_cells(data: bytes, name: str) -> dict[tuple[str, str, str], float | None]:
    doc = parse_bytes(name, data)
    return {(c.table, c.row, c.column): c.value for c in doc.cells if c.table == TABLE}


TEXT_LAYOUTS = (*LAYOUTS, FLAT)


def documents(spec: ReportSpec) -> dict[str, tuple[str, bytes]]:
    """layout -> (file name, bytes) of one report in every text layout, HTML and DOCX."""
    laid = blocks(spec)
    out = {layout: (f"{spec.name}.txt", legacy_text(spec, layout).encode("utf-8")) for layout in TEXT_LAYOUTS}
    out["html"] = (f"{spec.name}.html", render_html(laid, spec.title, variant=spec.expected["year"]))
    out["docx"] = (f"{spec.name}.docx", render_docx(laid))
    return out


def score(reports: int, pdf: bool = False) -> dict[str, tuple[int, int, int]]:
    """Per layout: (legacy cells stated, read right, read wrong or invented); `pdf` adds LibreOffice's PDFs."""
    specs = [legacy_spec(seed) for seed in range(reports)]
    drawn = {spec.name: documents(spec) for spec in specs}
    if pdf:
        with tempfile.TemporaryDirectory() as folder:
            docx = []
            for spec in specs:
                docx.append(Path(folder) / f"{spec.name}.docx")
                docx[-1].write_bytes(drawn[spec.name]["docx"][1])
            for path in convert_to_pdf(docx, Path(folder) / "pdf"):
                drawn[path.stem]["pdf"] = (path.name, path.read_bytes())
    totals: dict[str, list[int]] = {}
    for spec in specs:
        stated = {k: float(v) for k, v in spec.cells.items()}
        for layout, (name, data) in drawn[spec.name].items():
            read = {k: v for k, v in read_cells(data, name).items() if v is not None}
            total = totals.setdefault(layout, [0, 0, 0])
            total[0] += len(stated)
            total[1] += sum(1 for k, v in stated.items() if read.get(k) == v)
            total[2] += sum(1 for k, v in read.items() if stated.get(k) != v)
    return {layout: (t[0], t[1], t[2]) for layout, t in totals.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", type=int, default=20)
    parser.add_argument("--pdf", action="store_true", help="also PDFs converted from the DOCX by LibreOffice")
    args = parser.parse_args()
    print("| layout | cells stated | read right | read wrong |")
    print("|---|---|---|---|")
    for layout, (stated, right, wrong) in score(args.reports, args.pdf).items():
        print(f"| {layout} | {stated} | {right} | {wrong} |")


if __name__ == "__main__":
    main()
