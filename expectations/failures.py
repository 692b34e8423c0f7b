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
ACTIONABLE = ("new", "open")
# Columns of fct_check_results read into a Failure (its `agency_name` is the Failure's `agency`).
_MART_COLUMNS = (
    "report_id",
    "check_id",
    "subject",
    "expected",
    "observed",
    "difference",
    "severity",
    "run_id",
    "agency_name",
    "report_year",
    "document",
    "source_url",
    "description_en",
    "description_zh",
    "check_table",
    "validated_at",
    "note",
    "alert_state",
    "first_seen_run",
    "state_at",
)
_TEXT = ("check_id", "subject", "severity", "report_id", "run_id", "description_en", "description_zh", "check_table")
_OPTIONAL_TEXT = ("agency", "document", "source_url", "note", "alert_state", "first_seen_run", "quality_status")


@dataclass(frozen=True)
class Failure:
    """One failed (or resolved) identity check of a report: the one record of the alerts, summary and quality view.

    The alerts fill it from raw.check_results and the report's newest generation
    (sha256, parse issues); the summary and the quality view from
    `marts.fct_check_results` (descriptions, on-call state, note).
    """

    report_id: str
    check_id: str
    subject: str
    expected: float | None
    observed: float | None
    difference: float | None
    severity: str
    run_id: str
    agency: str | None = None
    report_year: int | None = None
    document: str | None = None
    source_url: str | None = None
    sha256: str | None = None
    n_parse_issues: int | None = None
    description_en: str = ""
    description_zh: str = ""
    check_table: str = ""
    validated_at: Any = None
    note: str | None = None
    alert_state: str | None = None  # new / open / resolved / superseded (fct_check_results)
    first_seen_run: str | None = None
    state_at: Any = None
    quality_status: str | None = None

    @property
    def key(self) -> str:
        """The alert key: agency, year, check and subject, so that a corrected version takes the faulty one's place."""
        return alert_key(self.agency, self.report_year, self.check_id, self.subject, self.report_id)

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.expected, self.observed)

    @property
    def actionable(self) -> bool:
        """Fails on the report's current version: new or open, not resolved or superseded."""
        return self.alert_state in ACTIONABLE

    def facts(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_row(cls, row: Iterable[Any]) -> Failure:
        """A `failures_sql` row (DuckDB tuple, pandas record values) with NaN and numpy scalars made plain."""
        values = dict(zip((*_MART_COLUMNS, "quality_status"), (_plain(v) for v in row), strict=True))
        values["agency"] = values.pop("agency_name")
        for name in _TEXT:
            values[name] = "" if values[name] is None else str(values[name])
        for name in _OPTIONAL_TEXT:
            values[name] = None if values[name] in (None, "") else str(values[name])
        if values["report_year"] is not None:
            values["report_year"] = int(values["report_year"])
        return cls(**values)


def alert_key(agency: str | None, year: int | None, check_id: str, subject: str, report_id: str) -> str:
    if agency and year is not None:
        return f"{agency}|{int(year)}|{check_id}|{subject}"
    return f"report:{report_id}|{check_id}|{subject}"


def fingerprint(expected: float | None, observed: float | None) -> str:
    return f"{number(expected)}|{number(observed)}"


def number(value: float | None) -> str:
    if value is None:
        return "absent"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def failures_sql(with_report: bool = True) -> str:
    """Failed results, errors first, with the report's quality status when `dim_report` exists."""
    columns = ", ".join(f"c.{c}" for c in _MART_COLUMNS)
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
