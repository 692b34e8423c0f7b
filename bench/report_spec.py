"""What a generated report states, and its official table layouts as format-neutral blocks.

A `ReportSpec` holds known cell values and the narrative; `blocks()` lays it
out as paragraphs and tables of spans (a span is a cell with its colspan and
rowspan, HTML-style: positions covered by a rowspan are not listed again), the
way the official templates draw them: the two-level 申请人情况 header, merged
group labels (三、本年度办理结果, （三）不予公开 ...), the appeals table with 行政复议
over 5 columns and 行政诉讼 over 10. The DOCX and HTML renderers draw blocks.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from extractors import codes

Key = tuple[str, str, str]  # (table, row, column); proactive rows are categories
BLANK = "<blank>"  # a cell drawn empty


@dataclass(frozen=True)
class Span:
    text: str
    cols: int = 1
    rows: int = 1


@dataclass(frozen=True)
class Paragraph:
    text: str
    style: str = "body"  # title / heading / body


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[Span, ...], ...]
    header_rows: int = 0  # repeated on every page by Word/LibreOffice
    widths: tuple[float, ...] = ()  # relative column widths; equal when empty


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Paragraph | Table | PageBreak


@dataclass
class ReportSpec:
    """One report to render; `expected` is the golden shape its parse must give."""

    name: str
    template: str  # gov2019 / gov2021 / legacy / narrative (the metadata the parse must find)
    title: tuple[str, ...]
    before: tuple[str, ...]  # body paragraphs before the tables
    after: tuple[str, ...]
    cells: dict[Key, float | str] = field(default_factory=dict)  # a value, a raw string, or BLANK
    proactive: tuple[tuple[str, str, tuple[str, ...]], ...] = ()  # (article, category, measures) drawn
    applications: tuple[str, ...] = ()  # application rows drawn, in order
    application_header: bool = True
    appeals: bool = False
    raw_rows: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # row drawn from raw texts
    extra_values: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # beyond the header
    split_before: str | None = None  # a page break inside the application table before this row
    repeat_header: bool = False  # the header drawn again after the break
    number_style: str = "plain"  # plain / fullwidth / thousands / signed_words
    landscape: bool = False  # pages turned: wider lines, the same tables
    appendix: tuple[Block, ...] = ()  # drawn after the template tables: a legacy report's 统计表 (bench.legacy_report)
    expected: dict = field(default_factory=dict)


_GROUP_LABELS = {
    "denied": "（三）不予公开",
    "unable": "（四）无法提供",
    "not_processed": "（五）不予处理",
    "other": "（六）其他处理",
}
_SUB_LABELS = {
    "denied.state_secret": "1.属于国家秘密",
    "denied.prohibited_by_law": "2.其他法律行政法规禁止公开",
    "denied.security_stability": "3.危及“三安全一稳定”",
    "denied.third_party_rights": "4.保护第三方合法权益",
    "denied.internal_affairs": "5.属于三类内部事务信息",
    "denied.process_info": "6.属于四类过程性信息",
    "denied.enforcement_file": "7.属于行政执法案卷",
    "denied.admin_query": "8.属于行政查询事项",
    "unable.not_held": "1.本机关不掌握相关政府信息",
    "unable.needs_creation": "2.没有现成信息需要另行制作",
    "unable.unclear": "3.补正后申请内容仍不明确",
    "not_processed.complaint": "1.信访举报投诉类申请",
    "not_processed.duplicate": "2.重复申请",
    "not_processed.publication": "3.要求提供公开出版物",
    "not_processed.excessive": "4.无正当理由大量反复申请",
    "not_processed.confirmation": "5.要求行政机关确认或重新出具已获取信息",
    "other.no_correction": "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    "other.unpaid_fee": "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    "other.other": "3.其他",
}
_WIDE_LABELS = {  # rows whose label spans all three label columns
    "new_received": "一、本年新收政府信息公开申请数量",
    "carried_over": "二、上年结转政府信息公开申请数量",
    "carried_forward": "四、结转下年度继续办理",
}
_RESULT_LABELS = {  # rows of 三 whose label spans two label columns
    "granted": "（一）予以公开",
    "partially_granted": "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    "results_total": "（七）总计",
}
_MEASURE_LABELS = {
    "new_made": "本年新制作数量",
    "new_published": "本年新公开数量",
    "total_published": "对外公开总数量",
    "issued": "本年制发件数",
    "repealed": "本年废止件数",
    "in_force": "现行有效件数",
    "prev_count": "上一年项目数量",
    "change": "本年增/减",
    "decisions": "处理决定数量",
    "fee_amount": "本年收费金额（单位：万元）",
    "procurement_count": "采购项目数量",
    "procurement_amount": "采购总金额",
}
_CATEGORY_LABELS = {c.code: c.label_zh for c in codes.PROACTIVE_CATEGORIES} | {"normative_document": "规范性文件"}
_ARTICLE_LABELS = {c.code: c.label_zh for c in codes.PROACTIVE_ARTICLES}
_OUTCOME_LABELS = tuple(c.label_zh for c in codes.APPEAL_OUTCOMES)
_BALANCE_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"
_PROACTIVE_VALUE_COLUMNS = 3
_APPLICANT_COLUMNS = len(codes.APPLICANT_CODES)


def fmt(value: float | str, column: str, style: str) -> str:
    """A value as a report writes it: plain, full-width, with thousands separators, 增/减 or 万元."""
    if isinstance(value, str):
        return "" if value == BLANK else value
    number = f"{value:.2f}".rstrip("0").rstrip(".") if not float(value).is_integer() else str(int(value))
    if style == "thousands" and abs(value) >= 1000 and float(value).is_integer():
        number = f"{int(value):,}"
    if column == "change" and value != 0:
        magnitude = number.lstrip("-")
        number = (("增" if value > 0 else "减") if style == "signed_words" else ("+" if value > 0 else "-")) + magnitude
    if column in codes.AMOUNT_MEASURES and style in {"signed_words", "thousands"}:
        number += "万元"
    if style == "fullwidth":
        number = "".join(unicodedata.lookup(f"FULLWIDTH DIGIT {_DIGIT_NAMES[c]}") if c.isdigit() else c for c in number)
    return number


_DIGIT_NAMES = dict(
    zip("0123456789", ("ZERO", "ONE", "TWO", "THREE", "FOUR", "FIVE", "SIX", "SEVEN", "EIGHT", "NINE"), strict=True)
)


def blocks(spec: ReportSpec) -> list[Block]:
    """The whole report: title, narrative, the three tables under their section headings, the rest."""
    out: list[Block] = [Paragraph(t, "title") for t in spec.title]
    out += [Paragraph(t) for t in spec.before]
    if spec.proactive:
        out += [Paragraph("二、主动公开政府信息情况", "heading"), _proactive_table(spec)]
    if spec.applications:
        out.append(Paragraph("三、收到和处理政府信息公开申请情况", "heading"))
        out += _application_tables(spec)
    if spec.appeals:
        out += [Paragraph("四、政府信息公开行政复议、行政诉讼情况", "heading"), _appeals_table(spec)]
    out += [Paragraph(t) for t in spec.after]
    out += spec.appendix
    return out


def _value_spans(texts: list[str], width: int) -> list[Span]:
    """Cells filling `width` grid columns: the last one spans what is left."""
    spans = [Span(t) for t in texts]
    if spans and len(spans) < width:
        spans[-1] = Span(spans[-1].text, cols=width - len(spans) + 1)
    return spans


def _proactive_table(spec: ReportSpec) -> Table:
    rows: list[tuple[Span, ...]] = []
    article_seen = None
    for article, category, measures in spec.proactive:
        extra = spec.extra_values.get(("proactive", category), ())
        if article != article_seen:
            article_seen = article
            rows.append((Span(_ARTICLE_LABELS[article], cols=1 + _PROACTIVE_VALUE_COLUMNS),))
            header = [_MEASURE_LABELS[m] for m in measures] + [""] * len(extra)
            rows.append((Span("信息内容"), *_value_spans(header, _PROACTIVE_VALUE_COLUMNS)))
        values = [fmt(spec.cells[("proactive", category, m)], m, spec.number_style) for m in measures]
        rows.append((Span(_CATEGORY_LABELS[category]), *_value_spans(values + list(extra), _PROACTIVE_VALUE_COLUMNS)))
    return Table(tuple(rows), widths=(2.2, 1, 1, 1))


def _application_header(spec: ReportSpec) -> list[tuple[Span, ...]]:
    social = "社会组织" if spec.template == "gov2021" else "社会公益组织"
    return [
        (Span(_BALANCE_NOTE, cols=3, rows=3), Span("申请人情况", cols=_APPLICANT_COLUMNS)),
        (Span("自然人", rows=2), Span("法人或其他组织", cols=5), Span("总计", rows=2)),
        tuple(Span(t) for t in ("商业企业", "科研机构", social, "法律服务机构", "其他")),
    ]


def _application_tables(spec: ReportSpec) -> list[Block]:
    rows = list(spec.applications)
    parts = [rows]
    if spec.split_before in rows and rows.index(spec.split_before) > 0:
        at = rows.index(spec.split_before)
        parts = [rows[:at], rows[at:]]
    out: list[Block] = []
    for index, part in enumerate(parts):
        header = _application_header(spec) if spec.application_header and (index == 0 or spec.repeat_header) else []
        if index:
            out.append(PageBreak())
        out.append(
            Table(
                tuple(header + _application_rows(spec, part)),
                header_rows=len(header),
                widths=(1.1, 1.3, 3.2) + (1,) * _APPLICANT_COLUMNS,
            )
        )
    return out


def _group(row: str) -> str | None:
    return row.split(".")[0] if "." in row else None


def _application_rows(spec: ReportSpec, rows: list[str]) -> list[tuple[Span, ...]]:
    """Rows with their labels merged as the template draws them, spans counted within `rows`."""
    results = [r for r in rows if r not in {"new_received", "carried_over", "carried_forward"}]
    single_other = "other.other" in rows and not {"other.no_correction", "other.unpaid_fee"} & set(rows)
    out: list[tuple[Span, ...]] = []
    for row in rows:
        labels: list[Span] = []
        if row in results and row == results[0]:
            labels.append(Span("三、本年度办理结果", rows=len(results)))
        group = _group(row)
        if row in _WIDE_LABELS:
            labels.append(Span(_WIDE_LABELS[row], cols=3))
        elif row in _RESULT_LABELS or (row == "other.other" and single_other):
            labels.append(Span(_RESULT_LABELS.get(row, _GROUP_LABELS["other"]), cols=2))
        else:
            members = [r for r in rows if _group(r) == group]
            if row == members[0]:
                labels.append(Span(_GROUP_LABELS[str(group)], rows=len(members)))
            labels.append(Span(_SUB_LABELS[row]))
        raw = spec.raw_rows.get(("applications", row))
        values = (
            list(raw)
            if raw is not None
            else [fmt(spec.cells[("applications", row, a)], a, spec.number_style) for a in codes.APPLICANT_CODES]
        )
        if len(values) < _APPLICANT_COLUMNS:  # a row missing values: its last label spans the gap
            last = labels[-1]
            labels[-1] = Span(last.text, cols=last.cols + _APPLICANT_COLUMNS - len(values), rows=last.rows)
        out.append((*labels, *(Span(v) for v in values)))
    return out


def _appeals_table(spec: ReportSpec) -> Table:
    values = [
        fmt(spec.cells[("appeals", p, o)], o, spec.number_style)
        for p in codes.APPEAL_PROCEEDING_CODES
        for o in codes.APPEAL_OUTCOME_CODES
    ]
    return Table(
        (
            (Span("行政复议", cols=5), Span("行政诉讼", cols=10)),
            (*(Span(t, rows=2) for t in _OUTCOME_LABELS), Span("未经复议直接起诉", cols=5), Span("复议后起诉", cols=5)),
            tuple(Span(t) for t in _OUTCOME_LABELS * 2),
            tuple(Span(v) for v in values),
        ),
        header_rows=3,
    )
