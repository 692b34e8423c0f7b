"""`disclosure sources check [REGISTRY] [--discover]`: is a registry valid, and what would its listings yield.

The check a data engineer runs after adding an agency: schema and rule
problems name the entry and field; `--discover` crawls each web source's
listing pages (and the report pages that carry attachments) the way a run
would, and prints per source the report links found per year, the listing
pages followed, the years skipped and the warnings. No attachment is
downloaded, and the pages read land in a throwaway folder, not the landing
zone: a check leaves the next run's state alone.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import TextIO

from extractors.fetch.discovery import Discovery, discover_source
from extractors.fetch.fetcher import FetchConfig, Fetcher, FetchResult
from extractors.fetch.registry import RegistryError, Source, load_registry
from extractors.storage import StorageConfig


def check_sources(registry: Path, config: FetchConfig, out: TextIO, discover: bool = False) -> int:
    """Print the check of `registry`; 1 when it is invalid, else 0 (warnings do not fail it)."""
    try:
        sources = load_registry(registry)
    except (RegistryError, OSError) as exc:
        print(f"invalid registry: {exc}", file=out)
        return 1
    web = [s for s in sources if s.is_web and not s.example]
    print(
        f"{registry}: valid, {len(sources)} sources ({len(web)} web, "
        f"{sum(s.example for s in sources)} examples, {sum(s.local_dir is not None for s in sources)} folders)",
        file=out,
    )
    if config.contact_warning:
        print(f"warning: {config.contact_warning}", file=out)
    if discover:
        with tempfile.TemporaryDirectory(prefix="disclosure-check-") as scratch:
            asyncio.run(_discover_all(web, config, Path(scratch), out))
    return 0


async def _discover_all(sources: list[Source], config: FetchConfig, scratch: Path, out: TextIO) -> None:
    """Each source's discovery printed in turn, its pages landed under `scratch`."""
    storage = StorageConfig(str(scratch / "landing"), str(scratch / "parsed"), scratch / "fetch_state")
    async with Fetcher(storage, config) as fetcher:
        for source in sources:
            attempts: list[FetchResult] = []
            found = await discover_source(source, fetcher, attempts=attempts)
            _print_discovery(source, found, attempts, out)


def _print_discovery(source: Source, found: Discovery, attempts: list[FetchResult], out: TextIO) -> None:
    by_year: dict[int | None, list[str]] = defaultdict(list)
    for report in found.reports:
        by_year[report.year].append(report.url)
    print(f"\n{source.name}", file=out)
    for listing, pages in found.pages.items():
        print(f"  listing {listing}: {pages} page(s) followed", file=out)
    for year in sorted(by_year, key=lambda y: (y is None, y)):
        print(f"  {year or 'no year'}: {len(by_year[year])} report link(s)", file=out)
        for url in by_year[year]:
            print(f"    {url}", file=out)
    if not found.reports:
        print("  no report links found", file=out)
    skipped = sorted({s.year for s in found.skipped if s.year is not None})
    if skipped:
        print(f"  skipped years (outside first_year..last_year): {', '.join(map(str, skipped))}", file=out)
    warnings = found.warnings + [f"{a.url}: {a.status} ({a.error})" for a in attempts if not a.ok]
    for warning in warnings:
        print(f"  warning: {warning}", file=out)
