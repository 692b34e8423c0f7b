"""Which failed checks are new, changed, unchanged or resolved, with the state kept in `raw.alert_log`.

An alert is about one failure of one agency's report of one year: its key is
(agency, report_year, check_id, subject), not the report id, so that a
corrected re-publication of the same report (a new document, another sha256)
takes the place of the faulty one. When agency or year could not be parsed
the key falls back to the report id.

Versions: of the reports of one agency and year, the current one is the
document the warehouse saw first most recently (earliest `loaded_at` of its
generations, then report id); failures of the versions it replaced are
ignored (`Assessment.superseded`). A re-parse by a newer parser version does
not make an older version current again.

For one validation run and one severity, `assess` compares the current
failures of the current versions with the state. A report's current results
are those of its latest validation (validation is incremental: a run reads
only the reports built since the one before, expectations.run_checks, so a
report it did not read keeps its failures; int_check_history.is_current):

* a key with no open alert -> `new` (also when it was resolved before);
* an open key whose expected|observed differ from what was alerted -> `changed`;
* an open key with the same fingerprint -> unchanged: no message;
* an open key that does not fail any more (the check passes, is not
  evaluable, or its report is no longer checked) -> `resolved`, once.

`record` writes the state of the changes that were actually delivered, so a
message that could not be sent is tried again on the next run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from expectations.failures import Failure
from expectations.identities import publication_agency_year
from warehouse.connection import transaction

log = logging.getLogger(__name__)

NEW, CHANGED, RESOLVED = "new", "changed", "resolved"
OPEN, CLOSED = "open", "resolved"

STATE_COLUMNS = (
    "alert_key",
    "agency",
    "report_year",
    "check_id",
    "subject",
    "severity",
    "report_id",
    "sha256",
    "fingerprint",
    "expected",
    "observed",
    "state",
    "first_alerted_at",
    "last_alerted_at",
    "resolved_at",
    "run_id",
)

# raw.check_results stores changes: a report's current results are the rows its latest validation
# saw (every result of that run, unchanged or not, has that run's last_seen_at).
CURRENT_SQL = """
    select c.*
    from raw.check_results as c
    inner join (
        select report_id, max(last_seen_at) as last_seen_at from raw.check_results group by report_id
    ) as latest
        on c.report_id = latest.report_id and c.last_seen_at = latest.last_seen_at
"""
FAILED_SQL = f"""
    select last_seen_run as run_id, report_id, check_id, subject, expected, observed, difference, severity
    from ({CURRENT_SQL}) as current_results
    where status = 'failed' and severity = ?
    order by report_id, check_id, subject
"""

RUN_EXISTS_SQL = "select count(*) from (select 1 from raw.check_results where last_seen_run = ? limit 1) as one_row"

STATE_SQL = f"select {', '.join(STATE_COLUMNS)} from raw.alert_log where severity = ? order by alert_key"

# Every loaded generation of the reports that matter to this run and severity: the failing ones,
# those of open alerts, and every other version of the same agency and year (the newest wins).
_SOURCES_SQL = """
    with failing as (
        select distinct report_id from ({current}) as current_results
        where status = 'failed' and severity = ?
    ),
    open_alerts as (
        {open_alerts}
    ),
    agency_years as (
        select r.agency, r.report_year from raw.reports r inner join failing f on f.report_id = r.report_id
        union
        select agency, report_year from open_alerts
    )
    select r.report_id, r.sha256, r.parser_version, r.agency, r.report_year,
           coalesce(d.document, r.document) as document, d.source_url, d.loaded_at
    from raw.reports r
    left join raw.documents d on d.sha256 = r.sha256 and d.parser_version = r.parser_version
    where r.report_id in (select report_id from failing)
       or r.report_id in (select report_id from open_alerts)
       or exists (select 1 from agency_years a where a.agency = r.agency and a.report_year = r.report_year)
"""
SOURCES_SQL = _SOURCES_SQL.format(
    current=CURRENT_SQL,
    open_alerts="select report_id, agency, report_year from raw.alert_log where state = 'open' and severity = ?",
)
# The same without the alert state (read-only callers, a warehouse older than raw.alert_log).
SOURCES_WITHOUT_STATE_SQL = _SOURCES_SQL.format(
    current=CURRENT_SQL,
    open_alerts="select report_id, agency, report_year from raw.reports where 1 = 0 and report_id <> ?",
)

PARSE_ISSUES_SQL = """
    select sha256, parser_version, count(*) as n
    from raw.parse_issues where report_id in ({marks}) group by sha256, parser_version
"""


@dataclass(frozen=True)
class Change:
    """A message to send: a new or changed failure, or a resolved one."""

    kind: str  # new / changed / resolved
    key: str
    failure: Failure | None = None  # new, changed: the failure now
    prior: Mapping[str, Any] | None = None  # changed, resolved (and a new one that re-opens): the alert_log row
    now: Mapping[str, Any] | None = None  # resolved: the key's row in this run and its source; None if unchecked


@dataclass
class Assessment:
    run_id: str
    severity: str
    run_checked: bool
    failures: list[Failure] = field(default_factory=list)  # of the current report versions
    superseded: list[Failure] = field(default_factory=list)  # of versions a newer one replaced
    changes: list[Change] = field(default_factory=list)
    unchanged: list[Failure] = field(default_factory=list)

    def of_kind(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def where(report_id: str, agency: str | None, year: int | None) -> tuple[str, str]:
    """Agency and year as a message shows them; a publication key names its own agency-year."""
    if (agency is None or year is None) and (named := publication_agency_year(report_id)):
        agency, year = named
    return agency or f"unknown agency (report {report_id})", str(year) if year is not None else "unknown year"


@dataclass
class RunFailures:
    """The failures of one run and severity, split into current report versions and replaced ones."""

    current: list[Failure]
    superseded: list[Failure]
    sources: dict[str, dict[str, Any]]  # report_id -> its newest generation
    current_of: dict[tuple[str, int], str]  # (agency, year) -> current report_id
    issues: dict[str, int]  # report_id -> parse issues

    def source_of(self, report_id: str) -> dict[str, Any]:
        source = self.sources.get(report_id, {})
        facts = {k: source.get(k) for k in ("agency", "report_year", "document", "source_url", "sha256")}
        return {**facts, "n_parse_issues": self.issues.get(report_id)}


def run_failures(conn: Any, run_id: str, severity: str, with_state: bool = False) -> RunFailures:
    """The current failed checks of one severity after `run_id`, with their sources; `with_state` reads raw.alert_log.

    A failure's `run_id` is the run that last saw it: `run_id` or, for a report it did not read, an earlier one.
    """
    sql, params = (SOURCES_SQL, [severity, severity]) if with_state else (SOURCES_WITHOUT_STATE_SQL, [severity, ""])
    rows = records(conn.execute(sql, params))
    sources = newest_sources(rows)
    found = RunFailures([], [], sources, current_versions(rows, sources), parse_issue_counts(conn, sources))
    for row in records(conn.execute(FAILED_SQL, [severity])):
        failure = Failure(**row, **found.source_of(row["report_id"]))
        is_current = (
            failure.agency is None
            or failure.report_year is None
            or found.current_of.get((failure.agency, failure.report_year)) == failure.report_id
        )
        (found.current if is_current else found.superseded).append(failure)
    if found.superseded:
        log.info(
            "run %s: %d %s failure(s) of report versions replaced by a newer one are not alerted",
            run_id,
            len(found.superseded),
            severity,
        )
    return found


def assess(conn: Any, run_id: str, severity: str) -> Assessment:
    """Compare the run's failures of one severity with the alert state (reads only)."""
    run_checked = bool(conn.execute(RUN_EXISTS_SQL, [run_id]).fetchone()[0])
    assessment = Assessment(run_id=run_id, severity=severity, run_checked=run_checked)
    if not run_checked:
        log.warning("run %s has no rows in raw.check_results: no alert is raised or resolved", run_id)
        return assessment

    found = run_failures(conn, run_id, severity, with_state=True)
    assessment.failures, assessment.superseded = found.current, found.superseded
    current_of, source_of = found.current_of, found.source_of

    state = {row["alert_key"]: row for row in records(conn.execute(STATE_SQL, [severity]))}
    failing = {f.key: f for f in assessment.failures}
    for key, failure in failing.items():
        prior = state.get(key)
        if prior is None or prior["state"] != OPEN:
            assessment.changes.append(Change(NEW, key, failure=failure, prior=prior))
        elif prior["fingerprint"] != failure.fingerprint:
            assessment.changes.append(Change(CHANGED, key, failure=failure, prior=prior))
        else:
            assessment.unchanged.append(failure)

    gone = [row for key, row in state.items() if row["state"] == OPEN and key not in failing]
    now_rows = _rows_now(conn, gone, current_of)
    for prior in gone:
        report_id = _report_now(prior, current_of)
        row = now_rows.get((report_id, prior["check_id"], prior["subject"])) if report_id else None
        now = {**row, **source_of(report_id)} if row else None
        assessment.changes.append(Change(RESOLVED, prior["alert_key"], prior=prior, now=now))
    return assessment


def record(conn: Any, assessment: Assessment, delivered: Iterable[Change], at: datetime) -> None:
    """Write the state of the delivered changes; follow unchanged failures to the run and report seen."""
    replaced: list[dict[str, Any]] = []
    for change in delivered:
        if change.kind == RESOLVED:
            replaced.append(
                {
                    **dict(change.prior or {}),
                    "state": CLOSED,
                    "resolved_at": at,
                    "last_alerted_at": at,
                    "run_id": assessment.run_id,
                }
            )
            continue
        assert change.failure is not None
        first = (change.prior or {}).get("first_alerted_at") if change.kind == CHANGED else None
        replaced.append(_state_row(change.failure, first_alerted_at=first or at, last_alerted_at=at))
    if not replaced and not assessment.unchanged:
        return
    with transaction(conn):
        for row in replaced:
            conn.execute("delete from raw.alert_log where alert_key = ?", [row["alert_key"]])
            conn.execute(
                f"insert into raw.alert_log ({', '.join(STATE_COLUMNS)}) "
                f"values ({', '.join('?' * len(STATE_COLUMNS))})",
                [row.get(c) for c in STATE_COLUMNS],
            )
        for failure in assessment.unchanged:  # the same numbers, possibly on another version of the report
            conn.execute(
                "update raw.alert_log set report_id = ?, sha256 = ?, run_id = ? where alert_key = ?",
                [failure.report_id, failure.sha256, failure.run_id, failure.key],
            )


def newest_sources(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per report_id, the generation of the newest parser version (then the latest load)."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        current = newest.get(row["report_id"])
        if current is None or _generation_key(row) > _generation_key(current):
            newest[row["report_id"]] = dict(row)
    return newest


def current_versions(
    rows: Sequence[Mapping[str, Any]], sources: Mapping[str, Mapping[str, Any]]
) -> dict[tuple[str, int], str]:
    """(agency, year) -> report_id of its current version: the one first loaded most recently."""
    first_seen: dict[str, datetime] = {}
    for row in rows:
        loaded = row.get("loaded_at") or datetime.min
        first_seen[row["report_id"]] = min(first_seen.get(row["report_id"], loaded), loaded)
    current: dict[tuple[str, int], str] = {}
    for report_id, source in sources.items():
        if not source.get("agency") or source.get("report_year") is None:
            continue
        pair = (source["agency"], int(source["report_year"]))
        held = current.get(pair)
        if held is None or (first_seen[report_id], report_id) > (first_seen[held], held):
            current[pair] = report_id
    return current


def parse_issue_counts(conn: Any, sources: Mapping[str, Mapping[str, Any]]) -> dict[str, int]:
    """report_id -> parse issues of its newest generation (the alert's hint for a parser fault)."""
    if not sources:
        return {}
    report_ids = sorted(sources)
    sql = PARSE_ISSUES_SQL.format(marks=", ".join("?" * len(report_ids)))
    counts = {(r["sha256"], r["parser_version"]): int(r["n"]) for r in records(conn.execute(sql, report_ids))}
    return {rid: counts.get((s.get("sha256"), s.get("parser_version")), 0) for rid, s in sources.items()}


def records(cursor: Any) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _rows_now(
    conn: Any, gone: Sequence[Mapping[str, Any]], current_of: Mapping[tuple[str, int], str]
) -> dict[tuple[str, str, str], dict[str, Any]]:
    """The current rows of the reports that now stand for the open alerts that no longer fail."""
    report_ids = sorted({rid for prior in gone if (rid := _report_now(prior, current_of))})
    if not report_ids:
        return {}
    marks = ", ".join("?" * len(report_ids))
    rows = records(
        conn.execute(
            "select report_id, check_id, subject, expected, observed, status "
            f"from ({CURRENT_SQL}) as current_results where report_id in ({marks})",
            report_ids,
        )
    )
    return {(r["report_id"], r["check_id"], r["subject"]): r for r in rows}


def _report_now(prior: Mapping[str, Any], current_of: Mapping[tuple[str, int], str]) -> str | None:
    if prior.get("agency") and prior.get("report_year") is not None:
        return current_of.get((prior["agency"], int(prior["report_year"])))
    return prior["report_id"]


def _state_row(failure: Failure, first_alerted_at: datetime, last_alerted_at: datetime) -> dict[str, Any]:
    return {
        "alert_key": failure.key,
        "agency": failure.agency,
        "report_year": failure.report_year,
        "check_id": failure.check_id,
        "subject": failure.subject,
        "severity": failure.severity,
        "report_id": failure.report_id,
        "sha256": failure.sha256,
        "fingerprint": failure.fingerprint,
        "expected": failure.expected,
        "observed": failure.observed,
        "state": OPEN,
        "first_alerted_at": first_alerted_at,
        "last_alerted_at": last_alerted_at,
        "resolved_at": None,
        "run_id": failure.run_id,
    }


def _generation_key(row: Mapping[str, Any]) -> tuple:
    # "0.10.0" > "0.9.1": compare numeric parts as numbers, other parts as text.
    parts = re.split(r"[.\-+_]", str(row.get("parser_version") or ""))
    version = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
    loaded_at = row.get("loaded_at")
    return version, (loaded_at is not None, str(loaded_at or ""))
