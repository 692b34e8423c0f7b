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


# Proactive rows per template: (article item, category, number of measures).
_PROACTIVE: dict[str, tuple[tuple[str, str, int], ...]] = {
    "gov2019": (
        ("20.1", "regulation", 3),
        ("20.1", "normative_document", 3),
        ("20.5", "admin_license", 3),
        ("20.5", "other_admin_service", 3),
        ("20.6", "admin_penalty", 3),
        ("20.6", "admin_enforcement", 3),
        ("20.8", "admin_fee", 2),
        ("20.9", "central_procurement", 2),
    ),
    "gov2021": (
        ("20.1", "regulation", 3),
        ("20.1", "normative_document", 3),
        ("20.5", "admin_license", 1),
        ("20.5", "other_admin_service", 1),
        ("20.6", "admin_penalty", 1),
        ("20.6", "admin_enforcement", 1),
        ("20.8", "admin_fee", 1),
    ),
}


def shape(template: str) -> tuple[ShapeRow, ...]:
    """Every row a report of `template` must state; empty for narrative reports."""
    if template not in _PROACTIVE:
        return ()
    rows = [ShapeRow(template, "proactive", cat, n, article) for article, cat, n in _PROACTIVE[template]]
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
        for article, cat, _ in rows:
            if cat == category:
                return article
    raise KeyError(category)
