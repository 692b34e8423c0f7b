"""robots.txt kept in the fetch state for a day: asked once by all the run's fetchers, again after 24 h or a failure."""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

from extractors.fetch.fetcher import FETCHED, ROBOTS_DISALLOWED
from extractors.fetch.robots_store import MAX_AGE, RobotsAnswer, RobotsStore
from pipeline.settings import Settings
from tests.fake_site import TEST_CONFIG, FakeSite, fetch_once, site_fixture, trap_fixture  # noqa: F401  (fixtures)


def _fetch(settings: Settings, site: FakeSite, path: str) -> str:
    """One fetch by a fetcher of its own, as each source of a run has."""
    return fetch_once(settings.storage, TEST_CONFIG, site.url(path), local=True, conditional=False).status


def test_fetchers_of_a_day_share_one_robots_txt_and_its_rules(site: FakeSite, tmp_settings: Settings) -> None:
    assert _fetch(tmp_settings, site, "/files/2020.pdf") == FETCHED
    assert _fetch(tmp_settings, site, "/private/2018.pdf") == ROBOTS_DISALLOWED  # the stored rules apply
    assert _fetch(tmp_settings, site, "/files/2021.pdf") == FETCHED
    assert site.hits["/robots.txt"] == 1 and site.hits["/private/2018.pdf"] == 0


def test_a_robots_txt_older_than_a_day_is_asked_again(site: FakeSite, tmp_settings: Settings) -> None:
    store = RobotsStore(tmp_settings.storage.fetch_state_dir)
    allow_all = RobotsAnswer(site.base, 404, "", time.time() - MAX_AGE - 1)  # yesterday's: no rules then
    store.put(allow_all)
    assert store.get(site.base) is None
    assert _fetch(tmp_settings, site, "/private/2018.pdf") == ROBOTS_DISALLOWED  # today's rules, not yesterday's
    assert site.hits["/robots.txt"] == 1
    stored = store.get(site.base)
    assert stored is not None and stored.http_status == 200 and "Disallow: /private/" in stored.body


def test_an_unreachable_robots_txt_is_not_stored(site: FakeSite, tmp_settings: Settings) -> None:
    def down(handler: BaseHTTPRequestHandler) -> None:
        handler._send(503, b"busy", "text/plain")  # type: ignore[attr-defined]

    site.routes["/robots.txt"] = down
    assert _fetch(tmp_settings, site, "/files/2020.pdf") == ROBOTS_DISALLOWED  # RFC 9309: assume all disallowed
    asked = site.hits["/robots.txt"]
    assert asked == 1 + TEST_CONFIG.retries
    del site.routes["/robots.txt"]
    assert _fetch(tmp_settings, site, "/files/2020.pdf") == FETCHED  # the next fetcher asks again
    assert site.hits["/robots.txt"] == asked + 1
