"""Write the dbt seeds that mirror the Python vocabulary (`python -m extractors.seeds`).

The seeds are committed; `tests/test_seeds.py` fails when they drift from
the code, so one name means one thing in Python, SQL and BI.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from expectations.identities import IDENTITIES
from extractors import codes, registry, templates
from extractors.settings import REPO_ROOT

SEEDS_DIR = REPO_ROOT / "dbt_project" / "seeds"


def render_seeds() -> dict[str, str]:
    """Seed file name -> CSV text."""
    code_rows = [("kind", "code", "label_zh", "label_en")] + [
        (c.kind, c.code, c.label_zh, c.label_en) for c in codes.all_codes()
    ]
    shape_rows = [("template", "table_name", "article_item", "row_code", "expected_cells")] + [
        (r.template, r.table_name, r.article_item or "", r.row_code, r.expected_cells)
        for template in ("gov2019", "gov2021")
        for r in templates.shape(template)
    ]
    identity_rows = [("check_id", "table_name", "severity", "description_en", "description_zh")] + [
        (i.check_id, i.table, i.severity, i.description_en, i.description_zh) for i in IDENTITIES
    ]
    return {
        "code_labels.csv": _csv(code_rows),
        "publication_due_dates.csv": _csv(due_date_rows()),
        "template_shape.csv": _csv(shape_rows),
        "identity_checks.csv": _csv(identity_rows),
    }


def due_date_rows() -> list[tuple]:
    """The legal due date of every kind and report year a registry entry may expect (条例 第四十九条).

    From `extractors.registry.due_date`, the one statement of the rule; dbt
    joins this seed instead of restating it in SQL.
    """
    years = registry.SOURCE_SCHEMA["properties"]["first_year"]
    return [("kind", "report_year", "due_date")] + [
        (kind, year, registry.due_date(kind, year).isoformat())
        for kind in registry.KINDS
        for year in range(years["minimum"], years["maximum"] + 1)
    ]


def _csv(rows: list[tuple]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def write_seeds(directory: Path = SEEDS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in render_seeds().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_seeds():
        print(written_path)
