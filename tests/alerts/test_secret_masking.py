"""A failing Apprise target: no secret of its URL (password, path token, header argument) in logs or errors."""

from __future__ import annotations

import logging

import pytest

from alerts.delivery import AlertDeliveryError, Message, send_or_log
from tests.alerts.test_alerts import Receiver

SECRETS = ("hunter2", "PATHTOKEN9f8e7d", "APIKEY1a2b3c")


def test_a_refused_delivery_shows_no_secret_of_the_url(caplog: pytest.LogCaptureFixture) -> None:
    message = Message("[disclosure] test", "body")
    with Receiver(status=500) as receiver, caplog.at_level(logging.INFO):
        port = receiver.server.server_address[1]
        url = f"json://alerts:{SECRETS[0]}@127.0.0.1:{port}/hooks/{SECRETS[1]}?+X-Api-Key={SECRETS[2]}"
        with pytest.raises(AlertDeliveryError) as raised:
            send_or_log([message], [url], "DISCLOSURE_ALERT_URLS").raise_for_failures([message])
    assert receiver.posts and receiver.posts[0][0] == f"/hooks/{SECRETS[1]}"  # the target was really tried
    shown = str(raised.value) + caplog.text
    assert "json://… (URL 1 of DISCLOSURE_ALERT_URLS)" in str(raised.value)
    assert not [secret for secret in SECRETS if secret in shown]
    assert logging.getLogger("apprise").getEffectiveLevel() >= logging.INFO  # its DEBUG lines print URLs whole


def test_an_invalid_url_is_not_echoed() -> None:
    with pytest.raises(AlertDeliveryError) as raised:
        send_or_log([Message("t", "b")], [f"nosuchscheme://{SECRETS[1]}@host"], "DISCLOSURE_DIGEST_URLS")
    assert SECRETS[1] not in str(raised.value) and "URL 1 of DISCLOSURE_DIGEST_URLS" in str(raised.value)
