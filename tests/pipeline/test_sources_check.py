"""`disclosure sources check`: registry validation, listing-only discovery, the placeholder-contact warning."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pipeline.cli import main
from tests.fake_site import FakeSite, site_fixture, trap_fixture  # noqa: F401  (fixtures)

FAST = "min_interval_per_host=0 read_timeout=0.5 retries=0"


def _registry(tmp_path: Path, *sources: dict) -> Path:
    path = tmp_path / "sources.yml"
    path.write_text(yaml.safe_dump({"sources": list(sources)}, allow_unicode=True), encoding="utf-8")
    return path


def _county(listing_url: str, **more: object) -> dict:
    return {
        "name": "测试县",
        "region": "测试省",
        "division_code": "999999",
        "level": "county",
        "kind": "government",
        "local": True,
        "listing_urls": [listing_url],
        **more,
    }


def test_discover_lists_report_links_per_year_pages_and_skipped_years_without_downloading(
    site: FakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", f"{FAST} contact_url=https://ops.example.net/crawler")
    registry = _registry(tmp_path, _county(site.url("/nb/index.html")))
    assert main(["sources", "check", str(registry), "--discover"]) == 0
    out = capsys.readouterr().out
    assert "valid, 1 sources (1 web" in out and "placeholder" not in out
    assert f"listing {site.url('/nb/index.html')}: 3 page(s) followed" in out
    assert "2021: 2 report link(s)" in out and "2020: 1 report link(s)" in out and "2019: 1 report link(s)" in out
    assert site.url("/files/2019.docx") in out
    assert "skipped years (outside first_year..last_year): 2018" in out
    # listing pages and the report page that carries the attachments; no attachment downloaded
    assert not [p for p, _ in site.requests if p.startswith(("/files/", "/private/"))]
    assert site.hits["/nb/2021/report.html"] == 1


def test_a_failing_listing_is_a_warning(
    site: FakeSite, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", FAST)
    registry = _registry(tmp_path, _county(site.url("/gone/index.html")))
    assert main(["sources", "check", str(registry), "--discover"]) == 0
    out = capsys.readouterr().out
    assert "no report links found" in out
    assert f"warning: {site.url('/gone/index.html')}: failed (fetch.http_status: HTTP 404)" in out


def test_an_invalid_registry_names_entry_and_field_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", FAST)
    registry = _registry(tmp_path, _county("http://127.0.0.1:9/nb/", division_code="62042", colour="red"))
    assert main(["sources", "check", str(registry), "--discover"]) == 1
    out = capsys.readouterr().out
    assert "invalid registry" in out
    assert "sources[0] (测试县): division_code: '62042' is not a 6-digit" in out
    assert "sources[0] (测试县): colour: unknown field" in out


def test_the_placeholder_contact_is_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DISCLOSURE_FETCH_OPTIONS", FAST)
    registry = _registry(tmp_path, {"name": "folder", "local_dir": "reports"})
    assert main(["sources", "check", str(registry)]) == 0
    assert "warning: the User-Agent's contact is the placeholder" in capsys.readouterr().out
