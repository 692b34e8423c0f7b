"""The GB/T 2260 seed: what scripts/make_region_seed.py keeps of the package, and the committed CSV."""

from __future__ import annotations

import csv

import yaml

from extractors.fetch.registry import load_registry
from scripts.make_region_seed import PACKAGE_NAME, PACKAGE_VERSION, SEED_PATH, region_rows
from tests.conftest import REPO_ROOT


def test_region_rows_keep_divisions_above_the_township() -> None:
    divisions = [
        {"code": "110000", "name": "北京市", "city": 0, "area": 0, "town": 0},
        {"code": "110100", "name": "市辖区", "city": "01", "area": 0, "town": 0},  # a placeholder
        {"code": "110105", "name": "朝阳区", "city": "01", "area": "05", "town": 0},
        {"code": "140900", "name": "忻州市", "city": "09", "area": 0, "town": 0},
        {"code": "110105001", "name": "建外街道", "city": "01", "area": "05", "town": "001"},
    ]
    assert region_rows(divisions) == [
        ("110000", "北京市", "province", "110000", ""),
        ("110105", "朝阳区", "county", "110000", "110100"),
        ("140900", "忻州市", "city", "140000", "140900"),
    ]


def test_committed_seed_is_pinned_and_holds_the_registry_codes() -> None:
    with SEED_PATH.open(encoding="utf-8") as seed:
        rows = list(csv.DictReader(seed))
    codes = [row["division_code"] for row in rows]
    assert len(codes) == len(set(codes)) > 3000
    meta = yaml.safe_load(SEED_PATH.with_suffix(".yml").read_text(encoding="utf-8"))["seeds"][0]["meta"]
    assert (meta["package"], str(meta["version"])) == (PACKAGE_NAME, PACKAGE_VERSION)
    assert meta["license"] and meta["data_date"]
    registered = {source.division_code for source in load_registry(REPO_ROOT / "sources.yml") if source.division_code}
    assert registered and registered <= set(codes)
