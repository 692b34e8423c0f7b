"""On-call alerts for failed identity checks of severity `error`, sent through Apprise.

One alert per failed row of `raw.check_results` in a run: it names the agency,
year, check and its description, the subject, expected vs observed, the
source document (file name, source URL, sha256) and the GX data docs index.
With no `DISCLOSURE_ALERT_URLS` the alerts are only logged (WARNING).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expectations.context import data_docs_index
from expectations.identities import IDENTITY_BY_ID
from extractors.settings import Settings
from extractors.warehouse import connect

log = logging.getLogger(__name__)

TITLE_PREFIX = "[disclosure]"

FAILED_ERRORS_SQL = """
    select run_id, report_id, check_id, subject, expected, observed, difference, severity
    from raw.check_results
    where run_id = ? and status = 'failed' and severity = 'error'
    order by report_id, check_id, subject
"""

# Every loaded generation of the failing reports; the newest parser version wins (in Python).
SOURCES_SQL = """
    select r.report_id, r.sha256, r.parser_version, r.agency, r.report_year,
           coalesce(d.document, r.document) as document, d.source_url, d.loaded_at
    from raw.reports r
    left join raw.documents d on d.sha256 = r.sha256 and d.parser_version = r.parser_version
    where r.report_id in (
        select report_id from raw.check_results
        where run_id = ? and status = 'failed' and severity = 'error'
    )
"""


class AlertDeliveryError(RuntimeError):
    """Apprise could not deliver an alert to a configured URL (a misconfiguration or an outage)."""


@dataclass(frozen=True)
class Alert:
    """One failed check of one report, ready to send."""

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


def send_failure_alerts(settings: Settings, run_id: str) -> list[Alert]:
    """Alert on every failed `error` check of the run; send to settings.alert_urls or only log."""
    alerts = build_alerts(settings, run_id)
    for alert in alerts:
        log.warning("%s\n%s", alert.title, alert.body)
    if not alerts:
        log.info("run %s: no failed error checks, no alerts", run_id)
    elif not settings.alert_urls:
        log.warning(
            "run %s: %d alert(s) logged only, no DISCLOSURE_ALERT_URLS configured", run_id, len(alerts)
        )
    else:
        deliver(alerts, settings.alert_urls)
        log.info("run %s: sent %d alert(s) to %d URL(s)", run_id, len(alerts), len(settings.alert_urls))
    return alerts


def build_alerts(settings: Settings, run_id: str) -> list[Alert]:
    """Read the run's failed error checks and their source documents from the warehouse."""
    with connect(settings, read_only=True) as conn:
        failures = _records(conn.execute(FAILED_ERRORS_SQL, [run_id]))
        sources = newest_sources(_records(conn.execute(SOURCES_SQL, [run_id])))
    index = data_docs_index(settings)
    alerts = []
    for failure in failures:
        source = sources.get(failure["report_id"], {})
        facts = {**failure, **{k: source.get(k) for k in ("agency", "report_year", "document", "source_url", "sha256")}}
        title, body = format_alert(facts, index)
        alerts.append(
            Alert(
                run_id=run_id,
                report_id=failure["report_id"],
                check_id=failure["check_id"],
                subject=failure["subject"],
                expected=failure["expected"],
                observed=failure["observed"],
                agency=facts["agency"],
                report_year=facts["report_year"],
                document=facts["document"],
                source_url=facts["source_url"],
                sha256=facts["sha256"],
                title=title,
                body=body,
            )
        )
    return alerts


def format_alert(facts: Mapping[str, Any], docs_index: Path | str | None) -> tuple[str, str]:
    """Title and plain-text body of one alert (pure: no I/O).

    `facts` holds run_id, report_id, check_id, subject, expected, observed and,
    where known, difference, agency, report_year, document, source_url, sha256.
    """
    check_id = facts["check_id"]
    identity = IDENTITY_BY_ID.get(check_id)
    agency = facts.get("agency") or f"unknown agency (report {facts['report_id']})"
    year = facts.get("report_year") or "unknown year"
    title = f"{TITLE_PREFIX} {check_id} failed: {agency} {year}"

    difference = facts.get("difference")
    if difference is None and facts.get("expected") is not None and facts.get("observed") is not None:
        difference = facts["observed"] - facts["expected"]
    lines = [
        f"Check:        {check_id} ({identity.severity if identity else facts.get('severity', '?')})",
    ]
    if identity:
        lines += [f"              {identity.description_en}", f"              {identity.description_zh}"]
    lines += [
        f"Agency:       {agency}",
        f"Year:         {year}",
        f"Report:       {facts['report_id']}",
        f"Subject:      {facts['subject']}",
        f"Expected:     {_number(facts.get('expected'))}",
        f"Observed:     {_number(facts.get('observed'))}",
        f"Difference:   {_number(difference)} (observed - expected)",
        f"Document:     {facts.get('document') or 'unknown'}",
        f"Source URL:   {facts.get('source_url') or 'none (local file)'}",
        f"SHA-256:      {facts.get('sha256') or 'unknown'}",
        f"Run:          {facts.get('run_id', '')}",
        f"GX data docs: {docs_index or 'not built'}",
    ]
    return title, "\n".join(lines)


def deliver(alerts: Sequence[Alert], urls: Sequence[str]) -> None:
    """Send every alert to every URL; raise AlertDeliveryError naming what failed (after trying all)."""
    import apprise

    problems: list[str] = []
    for url in urls:
        service = apprise.Apprise.instantiate(url)
        if service is None:
            raise AlertDeliveryError(f"not a valid Apprise URL: {_scheme(url)}://… (check DISCLOSURE_ALERT_URLS)")
        shown = service.url(privacy=True)
        notifier = apprise.Apprise()
        notifier.add(service)
        for alert in alerts:
            delivered = notifier.notify(
                title=alert.title,
                body=alert.body,
                body_format=apprise.NotifyFormat.TEXT,
                notify_type=apprise.NotifyType.FAILURE,
            )
            if not delivered:
                problems.append(f"{alert.title!r} -> {shown}")
    if problems:
        raise AlertDeliveryError(f"Apprise failed to deliver {len(problems)} alert(s): " + "; ".join(problems))


def newest_sources(rows: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per report_id, the generation of the newest parser version (then the latest load)."""
    newest: dict[str, dict[str, Any]] = {}
    for row in rows:
        current = newest.get(row["report_id"])
        if current is None or _generation_key(row) > _generation_key(current):
            newest[row["report_id"]] = dict(row)
    return newest


def _generation_key(row: Mapping[str, Any]) -> tuple:
    # "0.10.0" > "0.9.1": compare numeric parts as numbers, other parts as text.
    parts = re.split(r"[.\-+_]", str(row.get("parser_version") or ""))
    version = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts)
    loaded_at = row.get("loaded_at")
    return version, (loaded_at is not None, str(loaded_at or ""))


def _records(cursor) -> list[dict[str, Any]]:
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _number(value: float | None) -> str:
    if value is None:
        return "absent"
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}"


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"
