"""The source registry: the shipped sources.yml, one clear message per mistake, and expected reports."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from extractors.fetch.registry import (
    RegistryError,
    due_date,
    load_registry,
    parse_registry,
)
from tests.paths import GOLDEN, REGISTRY

WEB = {
    "name": "某县人民政府",
    "region": "某省某市",
    "division_code": "123456",
    "level": "county",
    "kind": "government",
    "listing_urls": ["https://www.example.gov.cn/nb/"],
}


def test_the_shipped_registry_is_valid() -> None:
    sources = {s.name: s for s in load_registry(REGISTRY)}
    bundled = sources["bundled-samples"]
    assert bundled.local_dir is not None and bundled.local_dir.is_dir() and not bundled.is_web
    assert {name: s.division_code for name, s in sources.items() if s.is_agency} == {
        "金寨县人民政府": "341524",
        "静乐县": "140926",
        "景泰县": "620423",
        "盐池县人民政府办公室": "640323",
        "华池县": "621023",
    }
    assert all(s.example and s.is_web for s in sources.values() if s.is_agency)  # examples, marked so
    assert sources["盐池县人民政府办公室"].kind == "department"


def test_registry_names_are_the_names_the_sample_reports_use() -> None:
    # Publication monitoring joins the registry to raw.reports.agency on these names.
    agencies = {json.loads(p.read_text(encoding="utf-8"))["agency"] for p in GOLDEN.glob("*.json")}
    assert agencies == {s.name for s in load_registry(REGISTRY) if s.is_agency}


@pytest.mark.parametrize(
    "change,message",
    [
        ({"division_code": "62042"}, "sources[0] (某县人民政府): division_code: '62042' is not a 6-digit"),
        ({"kind": "county"}, "sources[0] (某县人民政府): kind: 'county' is not one of"),
        ({"level": "village"}, "sources[0] (某县人民政府): level: 'village' is not one of"),
        (
            {"listing_urls": ["ftp://x.gov.cn/"]},
            "sources[0] (某县人民政府): listing_urls.0: 'ftp://x.gov.cn/' is not an",
        ),
        ({"listing_urls": []}, "sources[0] (某县人民政府): listing_urls: [] should be non-empty"),
        ({"first_year": "2019"}, "sources[0] (某县人民政府): first_year: '2019' is not of type 'integer'"),
        ({"local": "yes"}, "sources[0] (某县人民政府): local: 'yes' is not of type 'boolean'"),
        ({"kind": None}, "sources[0] (某县人民政府): kind: None is not one of"),
        ({"listing_url": "https://x.gov.cn/"}, "sources[0] (某县人民政府): listing_url: unknown field"),
        ({"link_text_pattern": "年度(报告"}, "sources[0] (某县人民政府): link_text_pattern: not a valid regular"),
        ({"css_selector": "ul > li:first-child"}, "sources[0] (某县人民政府): css_selector: unsupported CSS"),
    ],
)
def test_a_bad_entry_gets_a_message_naming_entry_and_field(change: dict, message: str) -> None:
    with pytest.raises(RegistryError) as raised:
        parse_registry({"sources": [{**WEB, **change}]})
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(message), raised.value.problems


def test_missing_fields_of_a_web_source_and_a_source_without_a_place() -> None:
    entries = [{"name": "甲", "listing_urls": ["https://a.gov.cn/"]}, {"name": "乙"}, {"region": "丙省"}, WEB, WEB]
    with pytest.raises(RegistryError) as raised:
        parse_registry({"sources": entries})
    problems = raised.value.problems
    assert "sources[0] (甲): kind: is required for a web source (listing_urls/report_urls)" in problems
    assert "sources[0] (甲): division_code: is required for a web source (listing_urls/report_urls)" in problems
    assert "sources[1] (乙): listing_urls/report_urls/local_dir: at least one is required" in problems
    assert "sources[2]: name: is required" in problems
    assert "sources[4] (某县人民政府): name: duplicate of sources[3]" in problems
    assert str(raised.value).count("\n  ") == len(problems)  # one line per problem in the message


def test_a_folder_source_needs_no_agency_fields() -> None:
    (source,) = parse_registry({"sources": [{"name": "inbox", "local_dir": "data/samples"}]})
    assert source.local_dir and source.local_dir.is_dir() and not source.is_agency


def test_yaml_errors_are_registry_errors(tmp_path: Path) -> None:
    path = tmp_path / "sources.yml"
    path.write_text("sources:\n  - name: [unclosed\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="not valid YAML"):
        load_registry(path)
    path.write_text("source: []\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="sources: is required"):
        load_registry(path)


def test_due_dates_follow_article_49() -> None:
    assert due_date("department", 2021) == date(2022, 1, 31)
    assert due_date("government", 2021) == date(2022, 3, 31)
    assert due_date("department", 2018) == date(2019, 3, 31)  # the 2008 条例: 31 March for all
    with pytest.raises(ValueError):
        due_date("county", 2021)
