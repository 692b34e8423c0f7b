"""The backfill filter of `disclosure_ingest`: load only one agency's or one year's reports.

The DAG's params `agency` and `year` (both optional, validated by Airflow)
become a `Backfill`. Before fetching, `agency` narrows the registry's web
sources to those whose name or alias contains it, and `year` skips report
links whose text names another year. Which agency and year a file holds is
known for sure only once it is parsed (folder sources and yearless links are
always fetched), so `load` matches every parse result again and loads the
selected ones only. With neither param set everything is selected: the daily
schedule and `disclosure run` use the defaults.

`revalidate` (default false) asks for every known document this run, whatever
its day of the revalidation cycle (`DISCLOSURE_REVALIDATE_DAYS`): a full
revalidation. It selects nothing, so it does not make the backfill `active`.

Matching: `year` equals the report year; `agency` is contained in the parsed
agency name (`静乐县` selects `静乐县` and `静乐县人民政府`), after trimming spaces.
A report whose agency or year could not be parsed is never selected by a
filter on that field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MIN_YEAR, MAX_YEAR = 2008, 2100  # the disclosure regulation took effect in 2008


@dataclass(frozen=True)
class Backfill:
    agency: str | None = None
    year: int | None = None
    revalidate: bool = False

    @classmethod
    def from_params(cls, params: Mapping[str, Any] | None) -> Backfill:
        params = params or {}
        agency = params.get("agency")
        agency = str(agency).strip() or None if agency is not None else None
        year = params.get("year")
        if year is not None and year != "":
            year = int(year)
            if not MIN_YEAR <= year <= MAX_YEAR:
                raise ValueError(f"year {year} is outside {MIN_YEAR}..{MAX_YEAR}")
        else:
            year = None
        return cls(agency=agency, year=year, revalidate=bool(params.get("revalidate")))

    @property
    def active(self) -> bool:
        return self.agency is not None or self.year is not None

    def matches(self, agency: str | None, year: int | None) -> bool:
        if self.year is not None and year != self.year:
            return False
        return self.agency is None or (agency is not None and self.agency in agency.strip())

    def matches_source(self, names: tuple[str, ...]) -> bool:
        """Whether a registry source may hold this backfill's agency: `names` are its name and aliases.

        A folder source (no names: its files say which agency they are) is always kept; the
        parsed agency is matched again before loading.
        """
        return self.agency is None or not names or any(self.agency in name for name in names)

    def describe(self) -> str:
        if not self.active:
            return "all documents"
        parts = [f"agency contains {self.agency!r}" if self.agency else "", f"year {self.year}" if self.year else ""]
        return "backfill: " + ", ".join(p for p in parts if p)
