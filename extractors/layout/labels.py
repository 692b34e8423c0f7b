"""Recognise table labels: which row, column, category or measure a header text names.

Labels are compared after folding: white space, numbering ("1.", "（三）")
and punctuation removed, so "（五）不\\n予处理" and "(五) 不予处理" read alike.
Each code is recognised by the words that only its label contains.
"""

from __future__ import annotations

import re

from extractors.numbers import normalize

_NUMBERING = re.compile(r"^(?:[（(]?[一二三四五六七八九十]+[）)、.．]|\d+[.．、])")
_PUNCTUATION = re.compile(r"[\s“”\"'‘’（）()，,：:、.．;；/／]")


def fold(text: str) -> str:
    """A label without white space, leading numbering or punctuation."""
    s = normalize(text)
    s = _NUMBERING.sub("", s)
    return _PUNCTUATION.sub("", s)


def is_numbered(text: str) -> bool:
    """A label starting with an item number ("3.", "（六）", "三、"): a label's start, never its wrapped tail."""
    return bool(_NUMBERING.match(normalize(text)))


def fold_keep_numbering(text: str) -> str:
    return _PUNCTUATION.sub("", normalize(text))


# Application rows: words unique to each row's label (checked in this order).
_APPLICATION_ROW_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new_received", ("本年新收",)),
    ("carried_over", ("上年结转",)),
    ("carried_forward", ("结转下年度",)),
    ("results_total", ("七总计",)),
    ("granted", ("予以公开",)),
    ("partially_granted", ("部分公开",)),
    ("denied.state_secret", ("国家秘密",)),
    ("denied.prohibited_by_law", ("法律行政法规禁止",)),
    ("denied.security_stability", ("三安全一稳定",)),
    ("denied.third_party_rights", ("第三方合法权益",)),
    ("denied.internal_affairs", ("内部事务",)),
    ("denied.process_info", ("过程性信息",)),
    ("denied.enforcement_file", ("行政执法案卷",)),
    ("denied.admin_query", ("行政查询",)),
    ("unable.not_held", ("不掌握",)),
    ("unable.needs_creation", ("另行制作", "没有现成信息")),
    ("unable.unclear", ("仍不明确",)),
    ("not_processed.complaint", ("信访", "举报投诉")),
    ("not_processed.duplicate", ("重复申请",)),
    ("not_processed.publication", ("公开出版物",)),
    ("not_processed.excessive", ("大量反复",)),
    ("not_processed.confirmation", ("重新出具",)),
    ("other.no_correction", ("逾期不补正",)),
    ("other.unpaid_fee", ("缴纳费用",)),
    ("other.other", ("其他处理",)),
)
# A bare "其他" row is `other.other` only under the 其他处理 group (gov2021's 3.其他).
OTHER_GROUP_WORD = "其他处理"

_APPLICANT_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("natural_person", ("自然人",)),
    ("commercial_enterprise", ("商业企业",)),
    ("research_institution", ("科研机构",)),
    ("social_organization", ("社会公益组织", "社会组织")),
    ("legal_service", ("法律服务机构",)),
    ("other_entity", ("其他",)),
    ("total", ("总计",)),
)
LEGAL_ENTITY_GROUP = "法人或其他组织"

_PROCEEDING_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("litigation_direct", ("未经复议直接起诉",)),
    ("litigation_after_review", ("复议后起诉",)),
    ("admin_review", ("行政复议",)),
)
_OUTCOME_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("upheld", ("结果维持",)),
    ("corrected", ("结果纠正",)),
    ("other", ("其他结果",)),
    ("pending", ("尚未审结",)),
    ("total", ("总计",)),
)

_CATEGORY_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("normative_document", ("规范性文件",)),
    ("regulation", ("规章",)),
    ("admin_license", ("行政许可",)),
    ("other_admin_service", ("其他对外管理服务",)),
    ("admin_penalty", ("行政处罚",)),
    ("admin_enforcement", ("行政强制",)),
    ("admin_fee", ("行政事业性收费",)),
    ("central_procurement", ("政府集中采购",)),
)
_MEASURE_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new_made", ("新制作",)),
    ("new_published", ("新公开",)),
    ("total_published", ("对外公开总数",)),
    ("issued", ("制发",)),
    ("repealed", ("废止",)),
    ("in_force", ("现行有效",)),
    ("prev_count", ("上一年项目数",)),
    ("change", ("增减", "增/减")),
    ("decisions", ("处理决定",)),
    ("fee_amount", ("收费金额",)),
    ("procurement_count", ("采购项目数",)),
    ("procurement_amount", ("采购总金额",)),
)
_ARTICLE = re.compile(r"第二十条第[（(]?([一二三四五六七八九十]+)[）)]?项")
_ARTICLE_ITEMS = {"一": "20.1", "五": "20.5", "六": "20.6", "八": "20.8", "九": "20.9"}


def _match(words: tuple[tuple[str, tuple[str, ...]], ...], folded: str) -> str | None:
    for code, keys in words:
        if any(key in folded for key in keys):
            return code
    return None


def application_row(text: str) -> str | None:
    # "（七）总计" folds to "总计" once numbering is gone, so keep numbering for it.
    if "七总计" in fold_keep_numbering(text):
        return "results_total"
    return _match(_APPLICATION_ROW_WORDS, fold(text))


def applicant(text: str) -> str | None:
    folded = fold(text)
    if folded in {"其他", "总计"} or (folded.startswith(("其他", "总计")) and len(folded) <= 3):
        return _match(_APPLICANT_WORDS, folded)
    return _match(_APPLICANT_WORDS[:-2], folded)


def proceeding(text: str) -> str | None:
    return _match(_PROCEEDING_WORDS, fold(text))


def outcome(text: str) -> str | None:
    return _match(_OUTCOME_WORDS, fold(text))


def category(text: str) -> str | None:
    return _match(_CATEGORY_WORDS, fold(text))


def measure(text: str) -> str | None:
    return _match(_MEASURE_WORDS, normalize(text))


def measures_in(text: str) -> list[str]:
    """Every measure a glued header names, in the order it names them (信息内容本年制发件数本年废止件数…)."""
    folded = normalize(text)
    found = {folded.find(key): code for code, keys in _MEASURE_WORDS for key in keys if key in folded}
    return [found[at] for at in sorted(found)]


def article_item(text: str) -> str | None:
    found = _ARTICLE.search(normalize(text))
    return _ARTICLE_ITEMS.get(found.group(1)) if found else None


def is_bare_other(text: str) -> bool:
    return fold(text) == "其他"


_GROUP_WORDS = ("不予公开", "无法提供", "不予处理", "其他处理", "办理结果")


def is_group_label(text: str) -> bool:
    """A label that groups application rows (（三）不予公开, 三、本年度办理结果), naming no row or column."""
    folded = fold(text)
    return any(word in folded for word in _GROUP_WORDS)
