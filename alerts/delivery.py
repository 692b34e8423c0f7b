"""Send messages through Apprise: the one route of every alert (checks, digests, Airflow failures).

Apprise is imported inside `deliver` only. A URL Apprise cannot parse is a
misconfiguration and raises before anything is sent; a message that a
receiver refuses is reported per message (`Delivery.failed`), after every
message has been tried, so that the caller records what did go out and
raises `AlertDeliveryError` for the rest.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

log = logging.getLogger(__name__)

# Apprise's notify types, by name (no Apprise import at module level).
FAILURE, WARNING, SUCCESS, INFO = "failure", "warning", "success", "info"


class AlertDeliveryError(RuntimeError):
    """Apprise could not deliver an alert to a configured URL (a misconfiguration or an outage)."""


@dataclass(frozen=True)
class Message:
    title: str
    body: str
    notify_type: str = FAILURE


@dataclass
class Delivery:
    """What happened to each message: index -> the URLs (masked) that refused it."""

    sent: list[int] = field(default_factory=list)
    failed: dict[int, list[str]] = field(default_factory=dict)

    def raise_for_failures(self, messages: Sequence[Message]) -> None:
        if not self.failed:
            return
        problems = [f"{messages[i].title!r} -> {', '.join(urls)}" for i, urls in sorted(self.failed.items())]
        raise AlertDeliveryError(f"Apprise failed to deliver {len(problems)} alert(s): " + "; ".join(problems))


def masked(url: str, position: int, setting: str) -> str:
    """How a URL is shown in logs and errors: its scheme and place in the setting, nothing else.

    Apprise's own `privacy` form hides passwords but not webhook path tokens
    or header arguments (`+X-Api-Key=`), and in many schemas the "host" is a
    token itself; so neither host nor path is shown.
    """
    return f"{_scheme(url)}://… (URL {position} of {setting})"


def deliver(messages: Sequence[Message], urls: Sequence[str], setting: str = "DISCLOSURE_ALERT_URLS") -> Delivery:
    """Send every message to every URL; a message counts as sent when every URL took it."""
    import apprise

    # Apprise's DEBUG lines print each URL whole, tokens included.
    logging.getLogger("apprise").setLevel(max(logging.INFO, logging.getLogger("apprise").level))
    services = []
    for position, url in enumerate(urls, 1):
        service = apprise.Apprise.instantiate(url)
        if service is None:
            raise AlertDeliveryError(f"not a valid Apprise URL: {masked(url, position, setting)}")
        services.append((masked(url, position, setting), service))

    outcome = Delivery()
    for index, message in enumerate(messages):
        refused = []
        for shown, service in services:
            notifier = apprise.Apprise()
            notifier.add(service)
            if not notifier.notify(
                title=message.title,
                body=message.body,
                body_format=apprise.NotifyFormat.TEXT,
                notify_type=apprise.NotifyType(message.notify_type),
            ):
                refused.append(shown)
        if refused:
            outcome.failed[index] = refused
        else:
            outcome.sent.append(index)
    return outcome


def send_or_log(messages: Sequence[Message], urls: Sequence[str], setting: str) -> Delivery:
    """Log every message (WARNING); send them when URLs are configured. Without URLs all count as sent."""
    for message in messages:
        log.warning("%s\n%s", message.title, message.body)
    if not messages:
        return Delivery()
    if not urls:
        log.warning("%d message(s) logged only, no %s configured", len(messages), setting)
        return Delivery(sent=list(range(len(messages))))
    outcome = deliver(messages, urls, setting)
    log.info("sent %d of %d message(s) to %d URL(s)", len(outcome.sent), len(messages), len(urls))
    return outcome


def _scheme(url: str) -> str:
    return url.split("://", 1)[0] if "://" in url else "?"
