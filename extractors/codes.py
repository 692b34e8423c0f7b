"""The canonical vocabulary of DESIGN.md section 3: every code with its Chinese label.

One name for one thing: these codes are used unchanged by the parser, the raw
tables, dbt (the `code_labels` seed is generated from this module and a test
keeps the two equal), the GX suites and the alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLES = ("proactive", "applications", "appeals", "narrative")
TEMPLATES = ("gov2019", "gov2021", "narrative")
TABLE_TEMPLATES = ("gov2019", "gov2021")  # the templates with the statistical tables (and their identities)


@dataclass(frozen=True)
class Code:
    """One code of the vocabulary: its kind (which axis it names), code and labels."""

    kind: str
    code: str
    label_zh: str
    label_en: str


# Applicant columns of the application table, in the template's column order.
APPLICANTS: tuple[Code, ...] = (
    Code("applicant", "natural_person", "自然人", "Natural person"),
    Code("applicant", "commercial_enterprise", "商业企业", "Commercial enterprise"),
    Code("applicant", "research_institution", "科研机构", "Research institution"),
    Code("applicant", "social_organization", "社会公益组织/社会组织", "Social organisation"),
    Code("applicant", "legal_service", "法律服务机构", "Legal service institution"),
    Code("applicant", "other_entity", "其他", "Other legal entity"),
    Code("applicant", "total", "总计", "Total"),
)


def _row(code: str, label_zh: str, label_en: str) -> Code:
    return Code("application_row", code, label_zh, label_en)


# Rows of the application table in template order. The reasons of 三 are leaves.
APPLICATION_ROWS: tuple[Code, ...] = (
    _row("new_received", "一、本年新收政府信息公开申请数量", "New applications received"),
    _row("carried_over", "二、上年结转政府信息公开申请数量", "Carried over from last year"),
    _row("granted", "（一）予以公开", "Granted"),
    _row("partially_granted", "（二）部分公开", "Partially granted"),
    _row("denied.state_secret", "不予公开：属于国家秘密", "Denied: state secret"),
    _row("denied.prohibited_by_law", "不予公开：其他法律行政法规禁止公开", "Denied: prohibited by other laws"),
    _row("denied.security_stability", "不予公开：危及“三安全一稳定”", "Denied: endangers security or stability"),
    _row("denied.third_party_rights", "不予公开：保护第三方合法权益", "Denied: third-party rights"),
    _row("denied.internal_affairs", "不予公开：属于三类内部事务信息", "Denied: internal affairs"),
    _row("denied.process_info", "不予公开：属于四类过程性信息", "Denied: process information"),
    _row("denied.enforcement_file", "不予公开：属于行政执法案卷", "Denied: enforcement file"),
    _row("denied.admin_query", "不予公开：属于行政查询事项", "Denied: administrative query"),
    _row("unable.not_held", "无法提供：本机关不掌握相关政府信息", "Unable: not held by this agency"),
    _row("unable.needs_creation", "无法提供：没有现成信息需要另行制作", "Unable: would need to be created"),
    _row("unable.unclear", "无法提供：补正后申请内容仍不明确", "Unable: still unclear after correction"),
    _row("not_processed.complaint", "不予处理：信访举报投诉类申请", "Not processed: petition or complaint"),
    _row("not_processed.duplicate", "不予处理：重复申请", "Not processed: duplicate"),
    _row("not_processed.publication", "不予处理：要求提供公开出版物", "Not processed: asks for a publication"),
    _row("not_processed.excessive", "不予处理：无正当理由大量反复申请", "Not processed: excessive"),
    _row(
        "not_processed.confirmation",
        "不予处理：要求行政机关确认或重新出具已获取信息",
        "Not processed: asks to confirm or reissue",
    ),
    _row("other.no_correction", "其他处理：申请人无正当理由逾期不补正", "Other: no correction in time"),
    _row("other.unpaid_fee", "其他处理：申请人逾期未按收费通知要求缴纳费用", "Other: fee not paid in time"),
    _row("other.other", "其他处理：其他", "Other handling"),
    _row("results_total", "（七）总计", "Results total"),
    _row("carried_forward", "四、结转下年度继续办理", "Carried forward to next year"),
)

# Rows that are not results of 三 本年度办理结果; every other row is a result leaf,
# and (七) 总计 must equal the sum of the leaves a report's template has.
NON_RESULT_ROWS = frozenset({"new_received", "carried_over", "results_total", "carried_forward"})
# gov2019 has a single (六) 其他处理 row (`other.other`); gov2021 splits it in three.
GOV2021_ONLY_ROWS = frozenset({"other.no_correction", "other.unpaid_fee"})

APPEAL_PROCEEDINGS: tuple[Code, ...] = (
    Code("proceeding", "admin_review", "行政复议", "Administrative review"),
    Code("proceeding", "litigation_direct", "未经复议直接起诉", "Litigation without review"),
    Code("proceeding", "litigation_after_review", "复议后起诉", "Litigation after review"),
)
APPEAL_OUTCOMES: tuple[Code, ...] = (
    Code("outcome", "upheld", "结果维持", "Upheld"),
    Code("outcome", "corrected", "结果纠正", "Corrected"),
    Code("outcome", "other", "其他结果", "Other result"),
    Code("outcome", "pending", "尚未审结", "Pending"),
    Code("outcome", "total", "总计", "Total"),
)

PROACTIVE_ARTICLES: tuple[Code, ...] = (
    Code("article_item", "20.1", "第二十条第（一）项", "Art. 20 (1): rules and normative documents"),
    Code("article_item", "20.5", "第二十条第（五）项", "Art. 20 (5): licensing and other services"),
    Code("article_item", "20.6", "第二十条第（六）项", "Art. 20 (6): penalties and enforcement"),
    Code("article_item", "20.8", "第二十条第（八）项", "Art. 20 (8): administrative fees"),
    Code("article_item", "20.9", "第二十条第（九）项", "Art. 20 (9): central procurement"),
)
PROACTIVE_CATEGORIES: tuple[Code, ...] = (
    Code("category", "regulation", "规章", "Regulations"),
    Code("category", "normative_document", "（行政）规范性文件", "Normative documents"),
    Code("category", "admin_license", "行政许可", "Administrative licensing"),
    Code("category", "other_admin_service", "其他对外管理服务事项", "Other external management services"),
    Code("category", "admin_penalty", "行政处罚", "Administrative penalties"),
    Code("category", "admin_enforcement", "行政强制", "Administrative enforcement"),
    Code("category", "admin_fee", "行政事业性收费", "Administrative fees"),
    Code("category", "central_procurement", "政府集中采购", "Central government procurement"),
)
PROACTIVE_MEASURES: tuple[Code, ...] = (
    Code("measure", "new_made", "本年新制作数量", "Made this year"),
    Code("measure", "new_published", "本年新公开数量", "Published this year"),
    Code("measure", "total_published", "对外公开总数量", "Total published"),
    Code("measure", "issued", "本年制发件数", "Issued this year"),
    Code("measure", "repealed", "本年废止件数", "Repealed this year"),
    Code("measure", "in_force", "现行有效件数", "In force"),
    Code("measure", "prev_count", "上一年项目数量", "Items last year"),
    Code("measure", "change", "本年增/减", "Change this year (signed)"),
    Code("measure", "decisions", "处理决定数量", "Decisions this year"),
    Code("measure", "fee_amount", "本年收费金额（万元）", "Fees collected (10k yuan)"),
    Code("measure", "procurement_count", "采购项目数量", "Procurement projects"),
    Code("measure", "procurement_amount", "采购总金额（万元）", "Procurement amount (10k yuan)"),
)
# Measures whose values are amounts in 万元 (may be fractional); all others are counts.
AMOUNT_MEASURES = frozenset({"fee_amount", "procurement_amount"})
# Measures that are signed by nature and exempt from the non-negative rule.
SIGNED_MEASURES = frozenset({"change"})

# Narrative facts read from sentences (table `narrative`, column `value`).
NARRATIVE_FACTS: tuple[Code, ...] = (
    Code("narrative_fact", "applications_received", "收到申请（件）", "Applications received (text)"),
    Code("narrative_fact", "applications_granted", "同意公开（件）", "Applications granted (text)"),
    Code("narrative_fact", "applications_not_government_info", "非政府信息（件）", "Not government information (text)"),
    Code("narrative_fact", "applications_not_held", "非本机关政府信息（件）", "Not held by this agency (text)"),
    Code("narrative_fact", "proactive_published_total", "主动公开政府信息（条）", "Items published proactively (text)"),
    Code("narrative_fact", "proactive_published_part", "其中分项（条）", "Part of the proactive total (text)"),
    Code("narrative_fact", "applications_carried_over", "上年结转（件）", "Applications carried over (text)"),
    Code("narrative_fact", "applications_carried_forward", "结转下年度（件）", "Applications carried forward (text)"),
    Code("narrative_fact", "admin_review_total", "行政复议（件）", "Administrative reviews (text)"),
    Code("narrative_fact", "litigation_total", "行政诉讼（件）", "Lawsuits (text)"),
    Code("narrative_fact", "litigation_direct", "直接起诉（件）", "Lawsuits filed directly (text)"),
    Code("narrative_fact", "litigation_after_review", "复议后起诉（件）", "Lawsuits after review (text)"),
)

APPLICANT_CODES = tuple(c.code for c in APPLICANTS)
APPLICATION_ROW_CODES = tuple(c.code for c in APPLICATION_ROWS)
APPEAL_PROCEEDING_CODES = tuple(c.code for c in APPEAL_PROCEEDINGS)
APPEAL_OUTCOME_CODES = tuple(c.code for c in APPEAL_OUTCOMES)


def all_codes() -> tuple[Code, ...]:
    """Every code of every kind, in a stable order (the `code_labels` seed)."""
    return (
        APPLICANTS
        + APPLICATION_ROWS
        + APPEAL_PROCEEDINGS
        + APPEAL_OUTCOMES
        + PROACTIVE_ARTICLES
        + PROACTIVE_CATEGORIES
        + PROACTIVE_MEASURES
        + NARRATIVE_FACTS
    )


def application_rows_of(template: str) -> tuple[str, ...]:
    """The application rows that a template's table has, in order."""
    if template == "gov2021":
        return APPLICATION_ROW_CODES
    if template == "gov2019":
        return tuple(c for c in APPLICATION_ROW_CODES if c not in GOV2021_ONLY_ROWS)
    return ()


def result_leaves_of(template: str) -> tuple[str, ...]:
    """The leaf rows of 三 whose sum is (七) 总计 in a template."""
    return tuple(c for c in application_rows_of(template) if c not in NON_RESULT_ROWS)
