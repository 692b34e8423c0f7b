"""Failed identity checks as people read them: one type and one query over the marts for every reader.

The run summary and the quality view both read `marts.fct_check_results`
(the current state of each check) through `read_failures`: the failures to
act on (alert_state new or open) first, errors before warnings, then the
resolved ones and those of replaced report versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

MARTS = "marts"  # the schema on every target (dbt_project/macros/generate_schema_name.sql)
_TEXT = (
    "agency_name",
    "check_id",
    "subject",
    "severity",
    "description_en",
    "description_zh",
    "report_id",
    "document",
    "run_id",
    "check_table",
    "source_url",
    "note",
    "alert_state",
    "first_seen_run",
    "quality_status",
)
ACTIONABLE = ("new", "open")


@dataclass(frozen=True)
class Failure:
    agency_name: str
    report_year: int | None
    check_id: str
    subject: str
    expected: float | None
    observed: float | None
    difference: float | None
    severity: str
    description_en: str
    description_zh: str
    report_id: str
    document: str
    run_id: str
    check_table: str
    validated_at: Any = None
    source_url: str = ""
    note: str = ""
    alert_state: str = ""  # new / open / resolved / superseded (fct_check_results)
    first_seen_run: str = ""
    state_at: Any = None
    quality_status: str = ""

    @property
    def actionable(self) -> bool:
        """Fails on the report's current version: new or open, not resolved or superseded."""
        return self.alert_state in ACTIONABLE

    @classmethod
    def from_row(cls, row: Iterable[Any]) -> Failure:
        """A result row (DuckDB tuple, pandas record values) with NaN and numpy scalars made plain."""
        values = dict(zip(FAILURE_COLUMNS, (_plain(v) for v in row), strict=True))
        for name in _TEXT:
            values[name] = "" if values[name] is None else str(values[name])
        if values["report_year"] is not None:
            values["report_year"] = int(values["report_year"])
        return cls(**values)


FAILURE_COLUMNS = tuple(Failure.__dataclass_fields__)


def failures_sql(with_report: bool = True) -> str:
    """Failed results, errors first, with the report's quality status when `dim_report` exists."""
    columns = ", ".join(f"c.{c}" for c in FAILURE_COLUMNS[:-1])
    status = "d.quality_status" if with_report else "''"
    join = f"left join {MARTS}.dim_report d on d.report_id = c.report_id" if with_report else ""
    return f"""
        select {columns}, {status} as quality_status
        from {MARTS}.fct_check_results c {join}
        where c.status = 'failed' or c.alert_state = 'resolved'
        order by case when c.alert_state in ('new', 'open') then 0 else 1 end,
                 case c.severity when 'error' then 0 when 'warning' then 1 else 2 end,
                 c.report_year desc, c.agency_name, c.check_id, c.subject
    """


def read_failures(query: Callable[[str], Iterable[Iterable[Any]]], with_report: bool = True) -> list[Failure]:
    """Every failed check of the marts; `query(sql)` returns rows on whichever connection the caller has."""
    return [Failure.from_row(row) for row in query(failures_sql(with_report))]


def _plain(value: Any) -> Any:
    if value is not None and type(value).__module__ == "numpy":
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN from pandas: absent
        return None
    return value
