"""When a document we already hold is asked for again: on its day of a `days`-long cycle.

Reports appear once a year and rarely change after, so a daily conditional
request per known document is mostly wasted on the agencies' servers. A
known document (its validators and landed copy are in the ConditionalStore)
is revalidated when the run date falls on its slot, the stable hash of its
URL mod `days`, so each day carries about 1/days of them; one not checked for
`days` days (a run missed its slot) is due at once. Listing pages and links
never seen are not scheduled: they are fetched every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

DEFAULT_DAYS = 7


def _today() -> date:
    return datetime.now(UTC).date()  # raw timestamps are naive UTC: the run date is UTC too


def slot(url: str, days: int) -> int:
    """The day of the cycle (0..days-1) `url` is revalidated on: stable across processes, unlike hash()."""
    return int.from_bytes(hashlib.sha256(url.encode("utf-8")).digest()[:8], "big") % days


@dataclass(frozen=True)
class Revalidation:
    """The schedule of one run: `days` per cycle (1: every run), `force` (a backfill) revalidates all."""

    days: int = DEFAULT_DAYS
    today: date = field(default_factory=_today)
    force: bool = False

    def due(self, url: str, checked_on: date | None) -> bool:
        """Whether a known document, last validated on `checked_on` (None: before schedules), is asked for."""
        if self.force or self.days <= 1 or checked_on is None:
            return True
        if checked_on >= self.today:
            return False  # a second run of the day asks nothing more
        overdue = (self.today - checked_on).days >= self.days
        return overdue or slot(url, self.days) == self.today.toordinal() % self.days
