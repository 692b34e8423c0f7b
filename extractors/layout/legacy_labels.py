"""Recognise the row labels of the pre-2019 statistics table (政府信息公开情况统计表, codes.LEGACY_ROWS).

A label names a row when it holds words only that row's label has (checked in the order
below: 不同意公开 before 同意公开, the 主要负责同志 rows before their totals). Where the
labels of two parts share words (被依法纠错数 and 其他情形数 stand under both 四、行政复议
and 五、行政诉讼; the 专项经费 row's note names 政府公报), the part of the table being
read (`part`, 1 for 一) decides between them.
"""

from __future__ import annotations

from extractors.layout.labels import fold

# (row code, its part of the table, words only its label has)
_WORDS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("legacy.proactive.normative_documents_issued", 1, ("制发规范性文件",)),
    ("legacy.proactive.normative_documents", 1, ("主动公开规范性文件",)),
    ("legacy.proactive.total", 1, ("主动公开政府信息",)),
    ("legacy.proactive.gazette", 1, ("政府公报",)),
    ("legacy.proactive.website", 1, ("政府网站公开",)),
    ("legacy.proactive.weibo", 1, ("政务微博",)),
    ("legacy.proactive.wechat", 1, ("政务微信",)),
    ("legacy.proactive.other_means", 1, ("其他方式公开",)),
    ("legacy.response.hot_topics", 2, ("关注热点", "重大舆情")),
    ("legacy.response.press_conferences_heads", 2, ("负责同志参加新闻发布会",)),
    ("legacy.response.press_conferences", 2, ("新闻发布会",)),
    ("legacy.response.online_interviews_heads", 2, ("负责同志参加政府网站在线访谈",)),
    ("legacy.response.online_interviews", 2, ("在线访谈",)),
    ("legacy.response.interpretations", 2, ("政策解读",)),
    ("legacy.response.social_media", 2, ("微博微信回应",)),
    ("legacy.response.other_means", 2, ("其他方式回应",)),
    ("legacy.requests.received", 3, ("收到申请", "申请总数")),
    ("legacy.requests.in_person", 3, ("当面申请",)),
    ("legacy.requests.fax", 3, ("传真申请",)),
    ("legacy.requests.online", 3, ("网络申请", "网上申请")),
    ("legacy.requests.letter", 3, ("信函申请",)),
    ("legacy.requests.closed_on_time", 3, ("按时办结",)),
    ("legacy.requests.closed_extended", 3, ("延期办结",)),
    ("legacy.requests.closed", 3, ("申请办结",)),
    ("legacy.requests.answered", 3, ("申请答复", "答复总数")),
    ("legacy.requests.already_public", 3, ("已主动公开",)),
    ("legacy.requests.denied", 3, ("不同意公开",)),
    ("legacy.requests.partially_granted", 3, ("同意部分公开",)),
    ("legacy.requests.granted", 3, ("同意公开",)),
    ("legacy.requests.denied.state_secret", 3, ("国家秘密",)),
    ("legacy.requests.denied.commercial_secret", 3, ("商业秘密",)),
    ("legacy.requests.denied.privacy", 3, ("个人隐私",)),
    ("legacy.requests.denied.security_stability", 3, ("危及国家安全",)),
    ("legacy.requests.denied.not_government_info", 3, ("所指政府信息",)),
    ("legacy.requests.denied.other_law", 3, ("法律法规规定的其他情形",)),
    ("legacy.requests.not_held", 3, ("不属于本行政机关",)),
    ("legacy.requests.nonexistent", 3, ("信息不存在",)),
    ("legacy.requests.correction_asked", 3, ("更改补充",)),
    ("legacy.requests.other_route", 3, ("其他途径",)),
    ("legacy.admin_review.total", 4, ("行政复议数",)),
    ("legacy.litigation.upheld", 5, ("驳回原告", "维持具体行政行为")),
    ("legacy.admin_review.upheld", 4, ("维持具体行政行为",)),
    ("legacy.admin_review.corrected", 4, ("依法纠错",)),
    ("legacy.litigation.corrected", 5, ("依法纠错",)),
    ("legacy.admin_review.other", 4, ("其他情形数",)),
    ("legacy.litigation.other", 5, ("其他情形数",)),
    ("legacy.litigation.total", 5, ("行政诉讼数",)),
    ("legacy.complaints", 6, ("举报投诉",)),
    ("legacy.fees", 7, ("收取的费用", "收取费用")),
    ("legacy.staffing.offices", 8, ("专门机构",)),
    ("legacy.staffing.reading_points", 8, ("查阅点",)),
    ("legacy.staffing.staff_full_time", 8, ("专职",)),
    ("legacy.staffing.staff_part_time", 8, ("兼职",)),
    ("legacy.staffing.staff", 8, ("工作人员数",)),
    ("legacy.staffing.budget", 8, ("专项经费",)),
    ("legacy.training.meetings", 9, ("工作会议", "专题会议")),
    ("legacy.training.courses", 9, ("培训班",)),
    ("legacy.training.trainees", 9, ("接受培训",)),
)
PART = {code: part for code, part, _words in _WORDS}


def legacy_row(text: str, part: int | None = None) -> str | None:
    """The legacy row a label names; where two parts' rows share it, the one of `part`, else the first."""
    folded = fold(text)
    found = [(code, row_part) for code, row_part, words in _WORDS if any(w in folded for w in words)]
    if not found:
        return None
    return next((code for code, row_part in found if row_part == part), found[0][0])
