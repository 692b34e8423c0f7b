"""The shape of each table template: which rows a report of that template must state.

Used by the parser (which cells to emit, null when absent) and by the
`template.complete` identity through the `template_shape` dbt seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from extractors import codes


@dataclass(frozen=True)
class ShapeRow:
    """A row of a template's table and how many cells it holds."""

    template: str
    table_name: str
    row_code: str
    expected_cells: int
    article_item: str | None = None


_G2019_201 = ("new_made", "new_published", "total_published")
_G2019_COUNTS = ("prev_count", "change", "decisions")
_G2021_201 = ("issued", "repealed", "in_force")

# Proactive rows per template: (article item, category, default measures). A
# report's own header decides its measures; these apply where the header is lost.
_PROACTIVE: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "gov2019": (
        ("20.1", "regulation", _G2019_201),
        ("20.1", "normative_document", _G2019_201),
        ("20.5", "admin_license", _G2019_COUNTS),
        ("20.5", "other_admin_service", _G2019_COUNTS),
        ("20.6", "admin_penalty", _G2019_COUNTS),
        ("20.6", "admin_enforcement", _G2019_COUNTS),
        ("20.8", "admin_fee", ("prev_count", "change")),
        ("20.9", "central_procurement", ("procurement_count", "procurement_amount")),
    ),
    # 〔2021〕30号 table 二: 第二十条第（一）、（五）、（六）、（八）项 only; no 其他对外管理服务事项 row.
    "gov2021": (
        ("20.1", "regulation", _G2021_201),
        ("20.1", "normative_document", _G2021_201),
        ("20.5", "admin_license", ("decisions",)),
        ("20.6", "admin_penalty", ("decisions",)),
        ("20.6", "admin_enforcement", ("decisions",)),
        ("20.8", "admin_fee", ("fee_amount",)),
    ),
}


def proactive_rows(template: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(article item, category, default measures) of a template's proactive table."""
    return _PROACTIVE.get(template, ())


def shape(template: str) -> tuple[ShapeRow, ...]:
    """Every row a report of `template` must state; empty for narrative and legacy reports (the pre-2019 统计表,
    codes.LEGACY_ROWS, changed from year to year and province to province: no form to complete)."""
    if template not in _PROACTIVE:
        return ()
    rows = [
        ShapeRow(template, "proactive", cat, len(measures), article) for article, cat, measures in _PROACTIVE[template]
    ]
    rows += [
        ShapeRow(template, "applications", row, len(codes.APPLICANT_CODES))
        for row in codes.application_rows_of(template)
    ]
    rows += [
        ShapeRow(template, "appeals", proceeding, len(codes.APPEAL_OUTCOME_CODES))
        for proceeding in codes.APPEAL_PROCEEDING_CODES
    ]
    return tuple(rows)


def category_article(category: str) -> str:
    """The article item a proactive category belongs to (行政许可 -> 20.5)."""
    for rows in _PROACTIVE.values():
        for article, cat, _measures in rows:
            if cat == category:
                return article
    raise KeyError(category)
