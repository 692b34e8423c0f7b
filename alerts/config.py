"""Where alerts go, and what they read: one small typed object for this package."""

from __future__ import annotations

from dataclasses import dataclass, field

from expectations.context import ChecksConfig


@dataclass(frozen=True)
class AlertConfig:
    checks: ChecksConfig  # the warehouse holding the results, and the data docs the messages link to
    urls: tuple[str, ...] = field(default=(), repr=False)  # DISCLOSURE_ALERT_URLS (Apprise); empty: log only
    digest_urls: tuple[str, ...] = field(default=(), repr=False)  # DISCLOSURE_DIGEST_URLS; empty: `urls`
