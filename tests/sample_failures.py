"""The samples' known defects: the checks that fail on the five bundled reports, on any warehouse.

(agency, report year, check id, subject). Asserted by tests/pipeline/test_e2e.py (DuckDB, embedded)
and tests/deploy/test_server_mode.py (Postgres, Celery).
"""

from __future__ import annotations

SAMPLE_FAILURES = {
    ("静乐县", 2020, "app.results_sum", "natural_person"),
    ("静乐县", 2020, "app.results_sum", "total"),
    ("静乐县", 2020, "app.balance", "natural_person"),
    ("静乐县", 2020, "app.balance", "total"),
    ("静乐县", 2020, "report.section_missing", "六"),  # the text ends after 五 with the signature
    ("盐池县人民政府办公室", 2021, "narrative.applications", "new_received.total"),
    ("盐池县人民政府办公室", 2021, "template.complete", "applications"),
    ("盐池县人民政府办公室", 2021, "template.complete", "appeals"),
    ("华池县", 2020, "template.complete", "proactive"),
    ("华池县", 2020, "template.complete", "applications"),
    ("华池县", 2020, "template.complete", "appeals"),
}
