"""On-call alerts for failed identity checks of severity `error`, sent through Apprise.

`send_failure_alerts(config, run_id)` sends one message per NEW or CHANGED
failure of the run and one per failure that is RESOLVED (the check passes
now, or a corrected version of the report replaced the faulty one); an
unchanged failure that was already alerted is not sent again. The state is
kept in `raw.alert_log` (`alerts.state`), keyed on agency, year,
check and subject. A message names the agency, year, check and its
description, the subject, expected vs observed, the parse issues of the
report, the source document (file name, source URL, sha256), the GX data docs
page of that validation and the runbook section of the check.

Failures of severity `warning` never page: `alerts.digest` sends them
once a day. With no `DISCLOSURE_ALERT_URLS` the alerts are only logged
(WARNING), and the state is kept as if they were sent (the log is the route).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alerts.config import AlertConfig
from alerts.delivery import FAILURE, SUCCESS, WARNING, AlertDeliveryError, Message, send_or_log
from alerts.state import (
    CHANGED,
    NEW,
    RESOLVED,
    Assessment,
    Change,
    assess,
    newest_sources,
    record,
    run_failures,
    where,
)
from expectations.context import data_docs_index, data_docs_pages
from expectations.failures import number
from expectations.identities import IDENTITY_BY_ID
from expectations.runbook import RUNBOOK, runbook_anchor
from warehouse.connection import connect

log = logging.getLogger(__name__)

TITLE_PREFIX = "[disclosure]"

__all__ = [
    "Alert",
    "AlertDeliveryError",
    "build_alerts",
    "format_alert",
    "newest_sources",
    "send_failure_alerts",
]


@dataclass(frozen=True)
class Alert:
    """One message about one check of one report: a new, changed or resolved failure."""

    run_id: str
    report_id: str
    check_id: str
    subject: str
    expected: float | None
    observed: float | None
    agency: str | None
    report_year: int | None
    document: str | None
    source_url: str | None
    sha256: str | None
    title: str
    body: str
    kind: str = NEW  # new / changed / resolved
    alert_key: str = ""
    data_docs: str | None = None

    @property
    def message(self) -> Message:
        notify_type = {NEW: FAILURE, CHANGED: WARNING, RESOLVED: SUCCESS}[self.kind]
        return Message(self.title, self.body, notify_type)


def send_failure_alerts(config: AlertConfig, run_id: str, now: datetime | None = None) -> list[Alert]:
    """Alert on the new, changed and resolved `error` failures of a run; return the alerts sent.

    Raises AlertDeliveryError when a URL is invalid (nothing sent) or a
    receiver refused a message (after trying every message); what was
    delivered is recorded, so the next run sends only the rest again.
    """
    now = now or datetime.now(UTC).replace(tzinfo=None)  # raw timestamps are naive UTC
    docs = _docs(config, run_id)
    with connect(config.checks.warehouse) as conn:
        assessment = assess(conn, run_id, "error")
        alerts = [alert_of(change, run_id, docs) for change in assessment.changes]
        _log_assessment(assessment)
        outcome = send_or_log([a.message for a in alerts], config.urls, "DISCLOSURE_ALERT_URLS")
        record(conn, assessment, [assessment.changes[i] for i in outcome.sent], now)
    outcome.raise_for_failures([a.message for a in alerts])
    return alerts


def build_alerts(config: AlertConfig, run_id: str) -> list[Alert]:
    """Every failed `error` check of the run's current report versions, as new alerts (no state; read only)."""
    docs = _docs(config, run_id)
    with connect(config.checks.warehouse, read_only=True) as conn:
        failures = run_failures(conn, run_id, "error").current
    return [alert_of(Change(NEW, f.key, failure=f), run_id, docs) for f in failures]


def alert_of(change: Change, run_id: str, docs: _Docs) -> Alert:
    if change.failure is not None:
        facts = change.failure.facts()
    else:  # resolved: what was alerted, plus the source of the version checked now
        prior = dict(change.prior or {})
        facts = {**prior, "run_id": run_id}
    check_id = facts["check_id"]
    page = docs.page(check_id)
    title, body = format_alert(facts, page, kind=change.kind, prior=change.prior, now=change.now)
    now = change.now or {}
    return Alert(
        run_id=run_id,
        report_id=now.get("report_id") or facts["report_id"],
        check_id=check_id,
        subject=facts["subject"],
        expected=facts.get("expected"),
        observed=facts.get("observed"),
        agency=facts.get("agency"),
        report_year=facts.get("report_year"),
        document=now.get("document") or facts.get("document"),
        source_url=now.get("source_url") or facts.get("source_url"),
        sha256=now.get("sha256") or facts.get("sha256"),
        title=title,
        body=body,
        kind=change.kind,
        alert_key=change.key,
        data_docs=str(page) if page else None,
    )


def format_alert(
    facts: Mapping[str, Any],
    docs: Path | str | None,
    kind: str = NEW,
    prior: Mapping[str, Any] | None = None,
    now: Mapping[str, Any] | None = None,
) -> tuple[str, str]:
    """Title and plain-text body of one alert (pure: no I/O).

    `facts` holds run_id, report_id, check_id, subject, expected, observed and,
    where known, difference, agency, report_year, document, source_url, sha256,
    n_parse_issues. `docs` is the data docs page (or index). For `changed`,
    `prior` is the alert_log row of what was alerted; for `resolved`, `facts`
    is that row and `now` the key's row in this run with its source (None
    when the check no longer runs on the report).
    """
    check_id = facts["check_id"]
    identity = IDENTITY_BY_ID.get(check_id)
    agency, year = where(facts["report_id"], facts.get("agency"), facts.get("report_year"))
    place = f"{agency} {year}, {facts['subject']}"
    title = {
        NEW: f"{TITLE_PREFIX} {check_id} failed: {place}",
        CHANGED: f"{TITLE_PREFIX} {check_id} changed: {place}",
        RESOLVED: f"{TITLE_PREFIX} RESOLVED {check_id}: {place}",
    }[kind]

    lines = [f"Check:        {check_id} ({identity.severity if identity else facts.get('severity', '?')})"]
    if identity:
        lines += [f"              {identity.description_en}", f"              {identity.description_zh}"]
    lines += [f"Agency:       {agency}", f"Year:         {year}"]
    if kind == RESOLVED:
        lines += _resolved_lines(facts, now)
    else:
        difference = facts.get("difference")
        if difference is None and facts.get("expected") is not None and facts.get("observed") is not None:
            difference = facts["observed"] - facts["expected"]
        lines += [
            f"Report:       {facts['report_id']}",
            f"Subject:      {facts['subject']}",
            f"Expected:     {number(facts.get('expected'))}",
            f"Observed:     {number(facts.get('observed'))}",
            f"Difference:   {number(difference)} (observed - expected)",
        ]
        if kind == CHANGED and prior:
            lines.append(
                f"Before:       expected {number(prior.get('expected'))}, observed {number(prior.get('observed'))}"
                f" (first alerted {_when(prior.get('first_alerted_at'))})"
            )
        if facts.get("n_parse_issues") is not None:
            lines.append(f"Parse issues: {facts['n_parse_issues']} (raw.parse_issues / dim_report.n_parse_issues)")
        lines += [
            f"Document:     {facts.get('document') or 'unknown'}",
            f"Source URL:   {facts.get('source_url') or 'none (local file)'}",
            f"SHA-256:      {facts.get('sha256') or 'unknown'}",
        ]
    lines += [
        f"Run:          {facts.get('run_id', '')}",
        f"GX data docs: {docs or 'not built'}",
        f"Runbook:      {RUNBOOK}#{runbook_anchor(check_id)}",
    ]
    return title, "\n".join(lines)


def _resolved_lines(facts: Mapping[str, Any], now: Mapping[str, Any] | None) -> list[str]:
    lines = [
        f"Subject:      {facts['subject']}",
        f"Was:          expected {number(facts.get('expected'))}, observed {number(facts.get('observed'))}"
        f" (report {facts['report_id']}, first alerted {_when(facts.get('first_alerted_at'))})",
        f"Was SHA-256:  {facts.get('sha256') or 'unknown'}",
    ]
    if now is None:
        lines.append("Now:          not checked any more (the report left the warehouse or has no such cell)")
        return lines
    lines.append(
        f"Now:          {now['status']}: expected {number(now.get('expected'))}, observed {number(now.get('observed'))}"
    )
    if now.get("report_id") != facts.get("report_id"):
        lines.append("              on a new version of the report (a corrected re-publication)")
    lines += [
        f"Report:       {now.get('report_id')}",
        f"Document:     {now.get('document') or 'unknown'}",
        f"Source URL:   {now.get('source_url') or 'none (local file)'}",
        f"SHA-256:      {now.get('sha256') or 'unknown'}",
    ]
    return lines


@dataclass(frozen=True)
class _Docs:
    """The data docs page of each table group's validation in a run, else the index."""

    pages: Mapping[str, str]
    index: Path

    def page(self, check_id: str) -> str:
        identity = IDENTITY_BY_ID.get(check_id)
        return self.pages.get(identity.table, str(self.index)) if identity else str(self.index)


def _docs(config: AlertConfig, run_id: str) -> _Docs:
    return _Docs(data_docs_pages(config.checks, run_id), data_docs_index(config.checks))


def _log_assessment(assessment: Assessment) -> None:
    counts = {kind: len(assessment.of_kind(kind)) for kind in (NEW, CHANGED, RESOLVED)}
    log.info(
        "run %s: %d failed error check(s) now; %d new, %d changed, %d resolved, %d unchanged (not sent again)",
        assessment.run_id,
        len(assessment.failures),
        counts[NEW],
        counts[CHANGED],
        counts[RESOLVED],
        len(assessment.unchanged),
    )


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return str(value) if value else "?"
