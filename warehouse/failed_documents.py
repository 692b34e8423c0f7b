"""The documents this parser version could not read, each with its reason (the first error parse issue).

Read by the run summary (`disclosure run`), the `summarize` task's outcomes
and the daily digest, so that a failed document is named with why, not only
by its sha256.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from extractors import PARSER_VERSION

_SQL = """
select d.document, d.sha256, i.issue, i.message
from raw.documents as d
inner join raw.parse_issues as i
    on i.sha256 = d.sha256 and i.parser_version = d.parser_version and i.severity = 'error'
where d.status = 'failed' and d.parser_version = ? and d.loaded_at > ?
order by d.document, d.sha256, i.seq
"""
_EPOCH = datetime(1970, 1, 1)


@dataclass(frozen=True)
class FailedDocument:
    document: str
    sha256: str
    issue: str
    message: str

    @property
    def reason(self) -> str:
        """`code: first line of the message` (a crash's traceback stays in raw.parse_issues)."""
        return f"{self.issue}: {self.message.splitlines()[0] if self.message else ''}".rstrip(": ")


def failed_documents(
    execute: Callable[[str, Sequence[Any]], Iterable[tuple[Any, ...]]], since: datetime | None = None
) -> list[FailedDocument]:
    """One per failed document loaded after `since` (all by default), with its first error issue."""
    found: dict[str, FailedDocument] = {}
    for document, sha256, issue, message in execute(_SQL, [PARSER_VERSION, since or _EPOCH]):
        found.setdefault(sha256, FailedDocument(document, sha256, issue, message or ""))
    return list(found.values())


def reason_of(issues: Iterable[dict[str, Any]]) -> str | None:
    """The reason of a parse result (its issues as dicts): its first error issue, as FailedDocument.reason."""
    for issue in issues:
        if issue.get("severity") == "error":
            return FailedDocument("", "", issue["code"], issue.get("message") or "").reason
    return None
