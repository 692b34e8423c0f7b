"""The canonical vocabulary of DESIGN.md section 3: every code with its Chinese label.

One name for one thing: these codes are used unchanged by the parser, the raw
tables, dbt (the `code_labels` seed is generated from this module and a test
keeps the two equal), the GX suites and the alerts.
"""

from __future__ import annotations

from dataclasses import dataclass

TABLES = ("proactive", "applications", "appeals", "legacy", "narrative")
TEMPLATES = ("gov2019", "gov2021", "legacy", "narrative")
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
OTHER_SUB_ROWS = frozenset(c.code for c in APPLICATION_ROWS if c.code.startswith("other."))

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
    Code("narrative_fact", "fees_collected", "依申请收取费用（万元）", "Fees collected (text, 10k yuan)"),
)


def _legacy(code: str, label_zh: str, label_en: str) -> Code:
    return Code("legacy_row", f"legacy.{code}", label_zh, label_en)


# Rows of the pre-2019 statistics table (国务院办公厅 政府信息公开情况统计表, reports of 2015-2018; table
# `legacy`, column `this_year`), in its order; labels as printed, without numbering and unit.
LEGACY_ROWS: tuple[Code, ...] = (
    _legacy("proactive.total", "主动公开政府信息数", "Items published proactively"),
    _legacy("proactive.normative_documents", "其中：主动公开规范性文件数", "of which normative documents"),
    _legacy("proactive.normative_documents_issued", "制发规范性文件总数", "Normative documents issued"),
    _legacy("proactive.gazette", "政府公报公开政府信息数", "Published in the government gazette"),
    _legacy("proactive.website", "政府网站公开政府信息数", "Published on the government website"),
    _legacy("proactive.weibo", "政务微博公开政府信息数", "Published on government Weibo"),
    _legacy("proactive.wechat", "政务微信公开政府信息数", "Published on government WeChat"),
    _legacy("proactive.other_means", "其他方式公开政府信息数", "Published by other means"),
    _legacy("response.hot_topics", "回应公众关注热点或重大舆情数", "Public concerns and major opinion responded to"),
    _legacy("response.press_conferences", "参加或举办新闻发布会总次数", "Press conferences held or attended"),
    _legacy(
        "response.press_conferences_heads",
        "其中：主要负责同志参加新闻发布会次数",
        "of which attended by the agency's heads",
    ),
    _legacy("response.online_interviews", "政府网站在线访谈次数", "Online interviews on the government website"),
    _legacy(
        "response.online_interviews_heads",
        "其中：主要负责同志参加政府网站在线访谈次数",
        "of which with the agency's heads",
    ),
    _legacy("response.interpretations", "政策解读稿件发布数", "Policy interpretations published"),
    _legacy("response.social_media", "微博微信回应事件数", "Events responded to on Weibo and WeChat"),
    _legacy("response.other_means", "其他方式回应事件数", "Events responded to by other means"),
    _legacy("requests.received", "收到申请数", "Applications received"),
    _legacy("requests.in_person", "当面申请数", "Applications made in person"),
    _legacy("requests.fax", "传真申请数", "Applications by fax"),
    _legacy("requests.online", "网络申请数", "Applications online"),
    _legacy("requests.letter", "信函申请数", "Applications by letter"),
    _legacy("requests.closed", "申请办结数", "Applications closed"),
    _legacy("requests.closed_on_time", "按时办结数", "Closed in time"),
    _legacy("requests.closed_extended", "延期办结数", "Closed after an extension"),
    _legacy("requests.answered", "申请答复数", "Applications answered"),
    _legacy("requests.already_public", "属于已主动公开范围数", "Already published proactively"),
    _legacy("requests.granted", "同意公开答复数", "Granted"),
    _legacy("requests.partially_granted", "同意部分公开答复数", "Partially granted"),
    _legacy("requests.denied", "不同意公开答复数", "Denied"),
    _legacy("requests.denied.state_secret", "涉及国家秘密", "Denied: state secret"),
    _legacy("requests.denied.commercial_secret", "涉及商业秘密", "Denied: commercial secret"),
    _legacy("requests.denied.privacy", "涉及个人隐私", "Denied: personal privacy"),
    _legacy(
        "requests.denied.security_stability",
        "危及国家安全、公共安全、经济安全和社会稳定",
        "Denied: endangers security or stability",
    ),
    _legacy("requests.denied.not_government_info", "不是《条例》所指政府信息", "Denied: not government information"),
    _legacy("requests.denied.other_law", "法律法规规定的其他情形", "Denied: other cases under laws"),
    _legacy("requests.not_held", "不属于本行政机关公开数", "Not this agency's to disclose"),
    _legacy("requests.nonexistent", "申请信息不存在数", "Information does not exist"),
    _legacy("requests.correction_asked", "告知作出更改补充数", "Asked to amend the application"),
    _legacy("requests.other_route", "告知通过其他途径办理数", "Referred to another procedure"),
    _legacy("admin_review.total", "行政复议数量", "Administrative reviews"),
    _legacy("admin_review.upheld", "维持具体行政行为数", "Reviews: upheld"),
    _legacy("admin_review.corrected", "被依法纠错数", "Reviews: corrected"),
    _legacy("admin_review.other", "其他情形数", "Reviews: other result"),
    _legacy("litigation.total", "行政诉讼数量", "Lawsuits"),
    _legacy("litigation.upheld", "维持具体行政行为或者驳回原告诉讼请求数", "Lawsuits: upheld or dismissed"),
    _legacy("litigation.corrected", "被依法纠错数", "Lawsuits: corrected"),
    _legacy("litigation.other", "其他情形数", "Lawsuits: other result"),
    _legacy("complaints", "举报投诉数量", "Complaints and reports"),
    _legacy("fees", "依申请公开信息收取的费用", "Fees collected for applications (10k yuan)"),
    _legacy("staffing.offices", "政府信息公开工作专门机构数", "Offices dedicated to disclosure"),
    _legacy("staffing.reading_points", "设置政府信息公开查阅点数", "Public reading points"),
    _legacy("staffing.staff", "从事政府信息公开工作人员数", "Disclosure staff"),
    _legacy("staffing.staff_full_time", "专职人员数", "Full-time staff"),
    _legacy("staffing.staff_part_time", "兼职人员数", "Part-time staff"),
    _legacy("staffing.budget", "政府信息公开专项经费", "Dedicated budget (10k yuan)"),
    _legacy("training.meetings", "召开政府信息公开工作会议或专题会议数", "Disclosure meetings held"),
    _legacy("training.courses", "举办各类培训班数", "Training courses held"),
    _legacy("training.trainees", "接受培训人员数", "Person-times trained"),
)
# The legacy table's one value column (统计数; 本年度 where a table also has 历年累计).
LEGACY_COLUMNS: tuple[Code, ...] = (Code("legacy_column", "this_year", "统计数", "This year's figure"),)
# Legacy rows stated in 万元 (may be fractional); every other legacy row is a count.
LEGACY_AMOUNT_ROWS = frozenset({"legacy.fees", "legacy.staffing.budget"})
# The 统计表's own sums, (total, its parts ...), checked by `legacy.sum`: 收到申请数 = the four channels,
# 申请办结数 = 按时 + 延期, 从事政府信息公开工作人员数 = 专职 + 兼职.
LEGACY_SUMS: tuple[tuple[str, ...], ...] = (
    (
        "legacy.requests.received",
        "legacy.requests.in_person",
        "legacy.requests.fax",
        "legacy.requests.online",
        "legacy.requests.letter",
    ),
    ("legacy.requests.closed", "legacy.requests.closed_on_time", "legacy.requests.closed_extended"),
    ("legacy.staffing.staff", "legacy.staffing.staff_full_time", "legacy.staffing.staff_part_time"),
)

APPLICANT_CODES = tuple(c.code for c in APPLICANTS)
APPLICATION_ROW_CODES = tuple(c.code for c in APPLICATION_ROWS)
APPEAL_PROCEEDING_CODES = tuple(c.code for c in APPEAL_PROCEEDINGS)
APPEAL_OUTCOME_CODES = tuple(c.code for c in APPEAL_OUTCOMES)
LEGACY_ROW_CODES = tuple(c.code for c in LEGACY_ROWS)


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
        + LEGACY_ROWS
        + LEGACY_COLUMNS
    )


def application_rows_of(template: str) -> tuple[str, ...]:
    """The application rows that a template's table has, in order."""
    if template == "gov2021":
        return APPLICATION_ROW_CODES
    if template == "gov2019":
        return tuple(c for c in APPLICATION_ROW_CODES if c not in GOV2021_ONLY_ROWS)
    return ()


def result_leaves_of(template: str, other_as_one_row: bool = False) -> tuple[str, ...]:
    """The leaf rows of 三 whose sum is (七) 总计 in a template; `other_as_one_row`: a gov2021 table printing the
    其他处理 group as gov2019's one row (`other.other`, parse issue row.other_as_one_row) has gov2019's leaves."""
    rows = application_rows_of(template)
    return tuple(c for c in rows if c not in NON_RESULT_ROWS and not (other_as_one_row and c in GOV2021_ONLY_ROWS))
