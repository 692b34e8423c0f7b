"""The nationwide bench at CI size: 30 hosts, 1,000 known reports, 5 new ones; correctness, not speed.

bench/nationwide.py at full size (3,000 sites, 100,000 reports) is not run
here; bench/RESULTS.md "Nationwide" holds its figures. This runs the same
code in-process without the transform (dbt and GX are the warehouse
tests' business) and checks what the day must do: every new report
fetched once and loaded, every known one left alone unless it is on its
revalidation day (then one 304), and so exactly these requests per host.
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from bench import nationwide
from extractors.fetch.revalidation import Revalidation

pytestmark = pytest.mark.timeout(300)

SITES, KNOWN, NEW, FIRST = 30, 1000, 5, 3


def test_a_day_of_30_sites_asks_each_host_only_what_is_new_or_due(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The bench points these at its folder; set then deleted, each is recorded, so the later tests get
    # the caller's values back (a bare delenv of an unset variable records nothing, leaking the bench's).
    pointed = ("DISCLOSURE_HOME", "DISCLOSURE_REGISTRY", "DISCLOSURE_FETCH_HOSTS", "DISCLOSURE_FETCH_OPTIONS")
    for name in (*nationwide.CLEARED, *pointed):
        monkeypatch.setenv(name, "")
        monkeypatch.delenv(name)
    args = nationwide.parse_args(
        [
            *("--sites", str(SITES), "--known", str(KNOWN), "--new", str(NEW)),
            *("--first-crawl-sites", str(FIRST), "--interval", "0.05", "--fetch-batch", "10", "--no-transform"),
        ]
    )
    results = nationwide.run(args, tmp_path)
    day, catalogue = results.day, results.catalogue

    # The known reports due today (their URL's day of the 7-day cycle) are asked for once, with a 304.
    registry = json.loads(results.settings.registry_path.read_text(encoding="utf-8"))["sources"]
    bases = {k: registry[k]["listing_urls"][0].removesuffix("/nb/index.html") for k in range(SITES)}
    schedule = Revalidation()
    yesterday = schedule.today - timedelta(days=1)  # when the bench says they were last checked
    due = Counter(
        i % SITES
        for i in range(1, KNOWN + 1)
        if schedule.due(nationwide.file_url(bases[i % SITES], nationwide.known_file(i)), yesterday)
    )
    assert 0 < sum(due.values()) < KNOWN / 3  # about a seventh
    assert day.statuses == Counter(
        {"fetched": NEW, "not_modified": sum(due.values()), "not_due": KNOWN - sum(due.values())}
    )
    # Every new report fetched exactly once, parsed and loaded.
    assert set(day.new_requested.values()) == {1} and len(day.new_requested) == NEW
    assert day.new_in_warehouse == NEW and day.loaded["documents_loaded"] == NEW
    # Per host: robots.txt, its listing pages (20 links a page), its due reports, its new ones.
    new_on = Counter(p.site for reports in catalogue.reports.values() for p in reports if p.file.startswith("n"))
    for site in range(SITES):
        reports = len(catalogue.reports[site])
        pages = -(-reports // nationwide.PER_PAGE)
        assert day.requests[site] == 1 + pages + due[site] + new_on[site], site
    assert day.hits == Counter(
        {"robots": SITES, "listing": sum(-(-len(r) // nationwide.PER_PAGE) for r in catalogue.reports.values())}
        | {"304": sum(due.values()), "200": NEW}
    )
    # The first crawl asks the first sites for everything once.
    assert results.first_requests == {
        site: 1 + -(-len(catalogue.reports[site]) // nationwide.PER_PAGE) + len(catalogue.reports[site])
        for site in range(FIRST)
    }
    out = nationwide.report(args, results)
    assert f"new reports: {NEW} published, {NEW} fetched exactly once, {NEW} in raw.documents" in out
    # 30 sites in tasks of 10 on 2 processes are 2 rounds; the 3 sites of the first crawl, 1.
    assert "EXTRAPOLATED to 30 sites (x2, " in out
    assert 0 < day.served < day.fetch.seconds  # the sites' time answering, the floor's second term


def test_the_floor_is_the_busiest_host_or_the_requests_over_the_slots_not_the_hosts_pauses() -> None:
    requests = dict.fromkeys(range(64), 11)  # 64 hosts of 11 requests: 10 s each from first to last
    assert nationwide.politeness_floor(requests, 1.0, 32, served=6.4) == 10.0
    assert nationwide.politeness_floor(requests, 1.0, 32, served=640.0) == 20.0  # the slots bind
    assert nationwide.held_slot_floor(requests, 1.0, 32) == 20.0  # a slot per host: two hosts after another
    assert nationwide.task_rounds(3000, 100, 2) == 15 and nationwide.task_rounds(300, 100, 2) == 2
