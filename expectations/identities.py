"""The accounting identities of DESIGN.md section 2: one registry for GX, SQL, alerts and docs.

Two span more than one report. `year.carry` compares a report with the
agency's report of the year before; its rows belong to this year's report.
`report.on_time` is about an agency-year, found or not: its rows are keyed on
`publication:<registry name>:<year>` (intermediate.int_publication.report_key)
instead of a report id, and do not count for a report's quality status.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PUBLICATION_KEY = re.compile(r"^publication:(?P<agency>.+):(?P<year>\d{4})$")


def publication_agency_year(report_key: str) -> tuple[str, int] | None:
    """The agency and year of a `report.on_time` row's key; None for a report id."""
    match = PUBLICATION_KEY.match(report_key)
    return (match["agency"], int(match["year"])) if match else None


# The mart that holds the cells of each parsed table (a failed check links to its dbt docs).
MART_OF_TABLE = {
    "applications": "fct_applications",
    "appeals": "fct_appeals",
    "proactive": "fct_disclosures",
    "narrative": "fct_applications",
}


@dataclass(frozen=True)
class Identity:
    """One identity: its stable id, the table it checks, severity and a bilingual description."""

    check_id: str
    table: str
    severity: str  # error: page the on-call engineer; warning: daily digest
    description_en: str
    description_zh: str
    # The mart holding the cells the check is about; None: the subject names the table
    # (`template.complete`: a table; `values.valid`: `table:row:column`).
    mart: str | None = None

    def mart_for(self, subject: str) -> str:
        """The mart a failed result of this check is about, for its subject."""
        if self.mart is not None:
            return self.mart
        return MART_OF_TABLE.get(subject.split(":", 1)[0], "dim_report")


IDENTITIES: tuple[Identity, ...] = (
    Identity(
        "app.balance",
        "applications",
        "error",
        "New + carried over = results total + carried forward, per applicant column",
        "一、新收 + 二、上年结转 = 三（七）总计 + 四、结转下年度（各申请人列）",
        mart="fct_applications",
    ),
    Identity(
        "app.results_sum",
        "applications",
        "error",
        "Results total (七) = sum of the result leaf rows (一)..(六), per applicant column",
        "（七）总计 = （一）至（六）各末级行之和（各申请人列）",
        mart="fct_applications",
    ),
    Identity(
        "app.row_total",
        "applications",
        "error",
        "Total column = sum of the six applicant columns, per row",
        "总计列 = 六个申请人列之和（各行）",
        mart="fct_applications",
    ),
    Identity(
        "appeal.sum",
        "appeals",
        "error",
        "Total = upheld + corrected + other + pending, per proceeding",
        "总计 = 结果维持 + 结果纠正 + 其他结果 + 尚未审结（复议、直接起诉、复议后起诉）",
        mart="fct_appeals",
    ),
    # The pre-2019 统计表 (template legacy): warning, a backfill of old years must not page in bulk.
    Identity(
        "legacy.sum",
        "legacy",
        "warning",
        "A total of the pre-2019 statistics table = the sum of its parts (applications received = the four "
        "channels; closed = in time + extended; disclosure staff = full-time + part-time)",
        "2019年前统计表的合计 = 各分项之和（收到申请数 = 当面+传真+网络+信函；申请办结数 = 按时+延期；"
        "从事政府信息公开工作人员数 = 专职+兼职）",
    ),
    Identity(
        "narrative.applications",
        "narrative",
        "error",
        "Applications received stated in the text = table 新收 总计",
        "正文所述收到申请数 = 表格 一、本年新收 总计",
        mart="fct_applications",
    ),
    Identity(
        "narrative.proactive",
        "narrative",
        "warning",
        "A proactive-publication total stated in the text = the sum of its stated parts",
        "正文所述主动公开总数 = 所列各分项之和",
        mart="fct_disclosures",
    ),
    # The other figures the text states, each against its table cells (seed narrative_fact_cells).
    # warning: the text is prose written apart from the table; the table's own identities page.
    Identity(
        "narrative.carry",
        "narrative",
        "warning",
        "Applications carried over / carried forward stated in the text = table 二 上年结转 / 四 结转下年度 总计",
        "正文所述上年结转、结转下年度件数 = 表格 二、上年结转 / 四、结转下年度 总计",
        mart="fct_applications",
    ),
    Identity(
        "narrative.granted",
        "narrative",
        "warning",
        "Applications granted stated in the text (予以公开 / 同意公开) = table (一) 予以公开 总计",
        "正文所述予以公开件数 = 表格 （一）予以公开 总计",
        mart="fct_applications",
    ),
    Identity(
        "narrative.appeals",
        "narrative",
        "warning",
        "Reviews and lawsuits stated in the text = the appeals table's totals "
        "(行政诉讼 = 直接起诉 + 复议后起诉; a text denying any case states 0)",
        "正文所述行政复议、行政诉讼件数 = 复议诉讼表总计（行政诉讼 = 直接起诉 + 复议后起诉；正文称未发生即为0）",
        mart="fct_appeals",
    ),
    Identity(
        "values.valid",
        "cells",
        "error",
        "Counts are non-negative integers; amounts are non-negative",
        "件数为非负整数，金额为非负数",
    ),
    Identity(
        "template.complete",
        "reports",
        "warning",
        "Every cell of the detected template is present",
        "所识别模板的每个单元格均有数值",
    ),
    # warning, not error: the two reports are published a year apart and a mismatch is often a
    # restatement the agency explains in the text, or sits in last year's report; each report's
    # own balance (app.balance) already pages. A backfill of old years must not page in bulk.
    Identity(
        "year.carry",
        "applications",
        "warning",
        "This year's carried over (二) = last year's carried forward (四) of the same agency, per applicant column",
        "本年 二、上年结转 = 同一机关上年报告 四、结转下年度（各申请人列）",
        mart="fct_applications",
    ),
    # The prose parts of the official template (gov2019/gov2021): warnings, they are about the
    # writing, not the figures.
    Identity(
        "report.section_missing",
        "sections",
        "warning",
        "The report has its part 五 (problems and improvements) and part 六 (other matters)",
        "报告包含 五、存在的主要问题及改进情况 与 六、其他需要报告的事项",
        mart="fct_report_sections",
    ),
    Identity(
        "report.section_empty",
        "sections",
        "warning",
        "Parts 五 and 六 say something (not blank, not only '/' or '-')",
        "五、六部分有实际内容（非空白，非仅“/”“-”）",
        mart="fct_report_sections",
    ),
    Identity(
        "report.fee_explained",
        "sections",
        "warning",
        "When 本年收费金额 > 0, part 六 speaks of the fees (收费 / 费用 / 收取 / 缴费)",
        "本年收费金额大于0时，六、其他需要报告的事项 须说明收费情况",
        mart="fct_report_sections",
    ),
    Identity(
        "report.reused_text",
        "reuse",
        "warning",
        "At most 50% of the report's sentences (template boilerplate excluded) repeat the agency's report "
        "of the year before",
        "与本机关上年报告相同的句子（官方模板套话除外）不超过50%",
        mart="fct_report_reuse",
    ),
    Identity(
        "report.on_time",
        "publication",
        "warning",
        "The report is published by its due date (条例 第四十九条): a department's by 31 January, "
        "a government's whole-area report by 31 March of the next year",
        "年度报告按期公开：部门于次年1月31日前、本级政府于次年3月31日前（条例第四十九条）",
        mart="fct_publication",
    ),
)

IDENTITY_BY_ID = {identity.check_id: identity for identity in IDENTITIES}
