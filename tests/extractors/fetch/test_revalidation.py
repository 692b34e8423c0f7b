"""The crawl schedule: listing pages every run, new links at once, known documents on their day of the cycle."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest

from extractors.fetch.registry import parse_registry
from extractors.fetch.revalidation import Revalidation, slot
from pipeline.backfill import Backfill
from pipeline.discover import source_to_dict
from pipeline.fetch_step import fetch_source
from pipeline.ingest import summarize_run
from pipeline.settings import Settings
from tests.fake_site import TEST_CONFIG, FakeSite, site_fixture, trap_fixture  # noqa: F401  (fixtures)

DAY = date(2026, 1, 5)
# What the fake site's listing leads to and the fetcher lands: the report page and four files.
KNOWN = ("/nb/2021/report.html", "/files/2021.pdf", "/files/2021.docx", "/files/2020.pdf", "/files/2019.docx")
# Read every run: the listing pages; robots.txt only by the first run (stored for a day).
EVERY_RUN = ("/nb/index.html", "/nb/index_1.html", "/nb/index_2.html")


def _source(site: FakeSite, *report_paths: str) -> dict[str, Any]:
    entry = {
        "name": "测试县人民政府",
        "region": "r",
        "division_code": "999999",
        "level": "county",
        "kind": "government",
        "local": True,
        "listing_urls": [site.url("/nb/index.html")],
    }
    if report_paths:
        entry["report_urls"] = [site.url(p) for p in report_paths]
    return source_to_dict(parse_registry({"sources": [entry]})[0])


def _run(settings: Settings, site: FakeSite, schedule: Revalidation, *report_paths: str) -> tuple[dict, Counter]:
    """One fetch of the source; returns its result and the requests it made, by path."""
    before = Counter(site.hits)
    result = asyncio.run(
        fetch_source(settings, _source(site, *report_paths), config=TEST_CONFIG, revalidation=schedule)
    )
    return result, Counter(site.hits) - before


def _due(site: FakeSite, day: date) -> set[str]:
    """The known documents due on `day` of a 7-day cycle (the URL's hash, so the port decides too)."""
    return {p for p in KNOWN if slot(site.url(p), 7) == day.toordinal() % 7}


@pytest.fixture
def known(site: FakeSite, tmp_settings: Settings) -> dict[str, str]:
    """The first run: every document is new and fetched; returns the documents' sha256 by path."""
    result, asked = _run(tmp_settings, site, Revalidation(7, DAY))
    assert set(asked) == set(KNOWN) | set(EVERY_RUN) | {"/robots.txt"}
    return {d["url"].removeprefix(site.base): d["sha256"] for d in result["documents"]}


def test_a_known_document_is_due_on_its_day_of_the_cycle_and_never_twice_a_day() -> None:
    url = "http://x.gov.cn/2020.pdf"
    its_day = next(DAY + timedelta(days=n) for n in range(1, 8) if slot(url, 7) == (DAY.toordinal() + n) % 7)
    other_days = [DAY + timedelta(days=n) for n in range(1, 7) if DAY + timedelta(days=n) != its_day]
    assert Revalidation(7, its_day).due(url, DAY)
    assert not any(Revalidation(7, day).due(url, DAY) for day in other_days)
    assert not Revalidation(7, its_day).due(url, its_day)  # checked already today
    assert Revalidation(7, DAY + timedelta(days=9)).due(url, DAY)  # its day was missed: overdue
    assert Revalidation(7, DAY).due(url, None)  # state from before the schedule: due once
    assert Revalidation(7, DAY, force=True).due(url, DAY) and Revalidation(1, DAY).due(url, DAY)
    assert {slot(f"http://x.gov.cn/{n}.pdf", 7) for n in range(100)} == set(range(7))  # spread over the days


def test_a_second_run_the_same_day_asks_for_no_document_and_still_lists_them_all(
    site: FakeSite, tmp_settings: Settings, known: dict[str, str]
) -> None:
    result, asked = _run(tmp_settings, site, Revalidation(7, DAY))
    assert set(asked) == set(EVERY_RUN)  # listing pages only: they are read every run
    documents = {d["url"].removeprefix(site.base): d for d in result["documents"]}
    # the attachments of the report page are read from its landed copy; nothing is lost or re-parsed
    assert {p: d["sha256"] for p, d in documents.items()} == known
    assert {d["fetch_status"] for d in documents.values()} == {"not_due"}
    assert all(d["landing_path"] for d in documents.values())
    assert {a["url"].removeprefix(site.base) for a in result["attempts"]} == set(EVERY_RUN)
    summary = summarize_run([], [result], [], [], {}, Backfill())
    assert summary.counts["fetch_statuses"] == {"not_due": len(known)}
    assert any(f"not due for revalidation {len(known)}" in line for line in summary.lines)


def test_over_a_cycle_each_known_document_is_asked_for_once_on_its_day_and_new_links_at_once(
    site: FakeSite, tmp_settings: Settings, known: dict[str, str]
) -> None:
    asked_on: dict[str, list[date]] = {}
    for n in range(1, 8):
        day = DAY + timedelta(days=n)
        new = f"/new/{n}.pdf"  # a link never seen: fetched the day it appears
        site.routes[new] = lambda h, n=n: h.document(f"%PDF-1.4 new {n}".encode(), "application/pdf")
        result, asked = _run(tmp_settings, site, Revalidation(7, day), new)
        assert set(asked) - set(EVERY_RUN) == _due(site, day) | {new}
        statuses = {d["url"].removeprefix(site.base): d["fetch_status"] for d in result["documents"]}
        assert statuses[new] == "fetched"
        assert {p for p in KNOWN[1:] if statuses[p] == "not_due"} == set(KNOWN[1:]) - _due(site, day)
        for path in set(asked) & set(KNOWN):
            asked_on.setdefault(path, []).append(day)
    assert {p: len(days) for p, days in asked_on.items()} == dict.fromkeys(KNOWN, 1)


def test_a_forced_revalidation_and_a_one_day_cycle_ask_for_every_known_document(
    site: FakeSite, tmp_settings: Settings, known: dict[str, str]
) -> None:
    for schedule in (Revalidation(7, DAY, force=True), Revalidation(1, DAY)):
        result, asked = _run(tmp_settings, site, schedule)
        assert set(asked) == set(KNOWN) | set(EVERY_RUN)
        statuses = {d["url"].removeprefix(site.base): d["fetch_status"] for d in result["documents"]}
        assert "not_due" not in statuses.values()


def test_the_cycle_and_the_backfill_param_come_from_the_environment_and_the_dag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert Settings.from_env().revalidation().days == 7
    monkeypatch.setenv("DISCLOSURE_REVALIDATE_DAYS", "1")
    assert Settings.from_env().revalidation(force=True) == Revalidation(
        1, Settings.from_env().revalidation().today, True
    )
    monkeypatch.setenv("DISCLOSURE_REVALIDATE_DAYS", "0")
    with pytest.raises(ValueError, match="DISCLOSURE_REVALIDATE_DAYS must be a whole number of at least 1"):
        Settings.from_env()
    assert Backfill.from_params({"revalidate": True}).revalidate and not Backfill.from_params({}).revalidate
    assert not Backfill.from_params({"revalidate": True}).active  # it selects nothing
