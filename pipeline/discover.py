"""Which sources this ingest run reads: the registry (`DISCLOSURE_REGISTRY`), narrowed by a backfill.

Entries marked `example: true` are skipped (and logged): their URLs are not
verified. `DISCLOSURE_INPUT_DIR`, when set, is the folder the registry's
folder source reads instead of its `local_dir` (tests, benches and compose
point the pipeline at a folder that way); a registry with more than one
folder source is then ambiguous and refused.

Sources travel between Airflow tasks as JSON-safe dicts (`source_to_dict`),
so that a `fetch` task works on exactly the entry its run discovered.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from extractors.fetch.registry import Source, load_registry
from pipeline.backfill import Backfill
from pipeline.settings import Settings

log = logging.getLogger(__name__)


def discover_sources(settings: Settings, backfill: Backfill | None = None) -> list[dict[str, Any]]:
    """The registry's sources to fetch this run, as dicts.

    Raises a ValueError (RegistryError for an invalid registry) or a
    FileNotFoundError (a folder source's folder is missing): misconfigurations.
    """
    backfill = backfill or Backfill()
    sources = _active(load_registry(settings.registry_path))
    _check_input_dir(settings, sources)
    sources = [_with_input_dir(s, settings) for s in sources]
    chosen = []
    for source in sources:
        if source.local_dir is not None and not source.local_dir.is_dir():
            raise FileNotFoundError(
                f"{source.name}: folder {source.local_dir} does not exist (registry local_dir or DISCLOSURE_INPUT_DIR)"
            )
        if not backfill.matches_source((source.name, *source.aliases) if source.is_agency else ()):
            log.info("%s: not in this %s; not fetched", source.name, backfill.describe())
            continue
        chosen.append(source_to_dict(source))
    log.info("%d sources to fetch from %s", len(chosen), settings.registry_path)
    return chosen


def _active(sources: list[Source]) -> list[Source]:
    for source in sources:
        if source.example:
            log.info("%s: example entry (unverified URLs); skipped", source.name)
    return [s for s in sources if not s.example]


def _with_input_dir(source: Source, settings: Settings) -> Source:
    if settings.input_dir is None or source.local_dir is None:
        return source
    return dataclasses.replace(source, local_dir=settings.input_dir)


def _check_input_dir(settings: Settings, sources: list[Source]) -> None:
    """DISCLOSURE_INPUT_DIR replaces one folder source's folder: with none it is lost, with several ambiguous."""
    folders = [s.name for s in sources if s.local_dir is not None]
    if settings.input_dir is not None and len(folders) != 1:
        raise ValueError(
            f"DISCLOSURE_INPUT_DIR is set but {settings.registry_path} has {len(folders)} "
            f"folder sources ({', '.join(folders) or 'none'}): it needs exactly one"
        )


def source_to_dict(source: Source) -> dict[str, Any]:
    data = dataclasses.asdict(source)
    data["local_dir"] = str(source.local_dir) if source.local_dir else None
    return data


def source_from_dict(data: dict[str, Any]) -> Source:
    values = dict(data)
    for name in ("listing_urls", "report_urls", "aliases"):
        values[name] = tuple(values.get(name) or ())
    values["local_dir"] = Path(values["local_dir"]) if values.get("local_dir") else None
    return Source(**values)
