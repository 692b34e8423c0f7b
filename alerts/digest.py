"""The daily digest of failed `warning` checks: one message a day at most, never a page.

`send_warning_digest(config, run_id)` runs after the pages (the `alert` task
of `disclosure_transform`, which runs after every ingest, daily). If no digest
was sent yet on this UTC day (`raw.alert_digests`), it sends ONE message to
`DISCLOSURE_DIGEST_URLS` (default: the alert URLs) listing every failed
warning check of the run's current report versions, grouped by agency and
year, each marked `new` or `changed` since the previous digest, and the
warnings resolved since then. The warnings' state is kept in `raw.alert_log`
(severity `warning`) like the pages'; it changes only when a digest goes out.
Documents that failed to parse since the last digest are listed too, each
with its reason (`warehouse.failed_documents`). Nothing failing, nothing
resolved and no failed document: no digest (and the day stays open).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby

from alerts.config import AlertConfig
from alerts.delivery import WARNING, Message, send_or_log
from alerts.state import CHANGED, NEW, RESOLVED, Assessment, assess, record, where
from expectations.context import data_docs_index, data_docs_pages
from expectations.failures import number
from expectations.identities import IDENTITY_BY_ID, publication_agency_year
from warehouse.connection import connect, transaction
from warehouse.failed_documents import FailedDocument, failed_documents

log = logging.getLogger(__name__)

TITLE_PREFIX = "[disclosure]"
SEVERITY = "warning"


@dataclass(frozen=True)
class Digest:
    day: date
    run_id: str
    title: str
    body: str
    n_failures: int
    n_resolved: int


def send_warning_digest(config: AlertConfig, run_id: str, now: datetime | None = None) -> Digest | None:
    """Send today's digest of failed warning checks unless one went out already; None when nothing is sent."""
    now = now or datetime.now(UTC).replace(tzinfo=None)  # naive UTC, like every raw timestamp
    with connect(config.checks.warehouse) as conn:
        sent = conn.execute(
            "select sent_at, run_id from raw.alert_digests where digest_date = ?", [now.date()]
        ).fetchone()
        if sent:
            log.info("digest of %s already sent at %s (run %s): not again today", now.date(), sent[0], sent[1])
            return None
        assessment = assess(conn, run_id, SEVERITY)
        resolved = assessment.of_kind(RESOLVED)
        last = conn.execute("select max(sent_at) from raw.alert_digests").fetchone()[0]
        failed = failed_documents(lambda sql, params: conn.execute(sql, params).fetchall(), since=last)
        if not assessment.failures and not resolved and not failed:
            log.info("run %s: no failed warning checks, none resolved, no failed document: no digest", run_id)
            return None
        pages = data_docs_pages(config.checks, run_id)
        docs = pages.get("reports") or str(data_docs_index(config.checks))
        title, body = format_digest(assessment, now.date(), docs, failed)
        message = Message(title, body, WARNING)
        outcome = send_or_log([message], config.digest_urls, "DISCLOSURE_DIGEST_URLS")
        if outcome.sent:
            record(conn, assessment, assessment.changes, now)
            with transaction(conn):
                conn.execute(
                    "insert into raw.alert_digests (digest_date, sent_at, run_id, n_failures, n_resolved) "
                    "values (?, ?, ?, ?, ?)",
                    [now.date(), now, run_id, len(assessment.failures), len(resolved)],
                )
    outcome.raise_for_failures([message])
    return Digest(now.date(), run_id, title, body, len(assessment.failures), len(resolved))


def format_digest(
    assessment: Assessment, day: date, docs: str, failed: Sequence[FailedDocument] = ()
) -> tuple[str, str]:
    """Title and body of one digest (pure); `failed`: documents that failed to parse since the last digest."""
    failures = sorted(
        assessment.failures, key=lambda f: (f.agency or "", f.report_year or 0, f.report_id, f.check_id, f.subject)
    )
    marks = {c.key: c.kind for c in assessment.changes if c.kind in (NEW, CHANGED)}
    resolved = assessment.of_kind(RESOLVED)
    n_reports = len({f.report_id for f in failures})
    title = (
        f"{TITLE_PREFIX} daily digest {day.isoformat()}: {len(failures)} failed warning check(s) "
        f"in {n_reports} report(s)"
        + (f", {len(resolved)} resolved" if resolved else "")
        + (f", {len(failed)} document(s) failed to parse" if failed else "")
    )
    lines = [
        f"Warning checks of run {assessment.run_id}: {len(failures)} failed in {n_reports} report(s); "
        f"{sum(k == NEW for k in marks.values())} new and {sum(k == CHANGED for k in marks.values())} changed "
        f"since the last digest, {len(resolved)} resolved.",
        "Warnings do not page anyone; they are collected here once a day.",
    ]
    for (agency, year, report_id), group in groupby(failures, key=lambda f: (f.agency, f.report_year, f.report_id)):
        group = list(group)
        first = group[0]
        shown_agency, shown_year = where(report_id, agency, year)
        if publication_agency_year(report_id):  # an agency-year, found or not: no document to name
            lines += ["", f"{shown_agency} {shown_year} · publication monitoring ({report_id})"]
        else:
            lines += [
                "",
                f"{shown_agency} {shown_year} · report {report_id} · {first.document or 'unknown document'}",
                f"  SHA-256 {first.sha256 or 'unknown'} · source {first.source_url or 'none (local file)'}"
                + (f" · {first.n_parse_issues} parse issue(s)" if first.n_parse_issues is not None else ""),
            ]
        for f in group:
            identity = IDENTITY_BY_ID.get(f.check_id)
            mark = f"[{marks[f.key]}] " if f.key in marks else ""
            lines.append(
                f"  {mark}{f.check_id} {f.subject}: expected {number(f.expected)}, "
                f"observed {number(f.observed)}" + (f" ({identity.description_en})" if identity else "")
            )
    if resolved:
        lines += ["", "Resolved since the last digest:"]
        for change in resolved:
            prior, now = change.prior or {}, change.now
            status = f"now {now['status']}" if now else "not checked any more"
            lines.append(
                f"  {prior.get('agency') or prior.get('report_id')} {prior.get('report_year') or ''} "
                f"{prior.get('check_id')} {prior.get('subject')}: was expected "
                f"{number(prior.get('expected'))}, observed {number(prior.get('observed'))}; {status}"
            )
    if failed:
        lines += ["", "Documents that failed to parse since the last digest (docs/RUNBOOK.md, failed documents):"]
        lines += [f"  {f.document} (sha256 {f.sha256[:12]}): {f.reason}" for f in failed]
    lines += ["", f"GX data docs: {docs}", "Runbook:      docs/RUNBOOK.md"]
    return title, "\n".join(lines)
