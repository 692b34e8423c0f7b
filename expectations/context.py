"""The Great Expectations data context: quiet, ephemeral, data docs in `config.docs_dir`.

GX is imported only inside these functions: DAG files import `expectations`
and must stay fast to parse. Nothing is written into the repo tree: suites,
validation definitions and checkpoints live in memory (they are rebuilt from
code on every run), validation results are kept under `$DISCLOSURE_HOME/gx`
so that the data docs show the history of runs, and the data docs site is a
static folder at `config.docs_dir` (`index.html`).
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING
from urllib.parse import quote

from warehouse.config import WarehouseConfig

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

DOCS_SITE_NAME = "disclosure_gx"


@dataclass(frozen=True)
class ChecksConfig:
    """The warehouse the checks read and write, and where GX keeps results and data docs."""

    warehouse: WarehouseConfig
    work_dir: Path  # validation results between runs, and the data docs page of each run
    docs_dir: Path  # the GX data docs site (index.html)


def import_gx() -> ModuleType:
    """Import `great_expectations` with usage statistics off and its INFO chatter quiet."""
    # Must be set before the first import: GX reads them at import time.
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    os.environ["DO_NOT_TRACK"] = "1"
    gx_logger = logging.getLogger("great_expectations")
    if gx_logger.level == logging.NOTSET:  # an operator's explicit level wins
        gx_logger.setLevel(logging.WARNING)
    import great_expectations as gx

    return gx


def validation_results_dir(config: ChecksConfig) -> Path:
    """Where validation results are kept between runs (the data docs list them)."""
    return config.work_dir / "validations"


def data_docs_index(config: ChecksConfig) -> Path:
    return config.docs_dir / "index.html"


def data_docs_pages_file(config: ChecksConfig, run_id: str) -> Path:
    """Where the data docs page of each validation of one run is recorded (JSON, table -> URL)."""
    return config.work_dir / "pages" / f"{quote(run_id, safe='')}.json"


def write_data_docs_pages(config: ChecksConfig, run_id: str, pages: Mapping[str, str]) -> Path:
    """Record the page of each table group's validation, as GX's site builder names it."""
    path = data_docs_pages_file(config, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"run_id": run_id, "pages": dict(pages)}, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    return path


def data_docs_pages(config: ChecksConfig, run_id: str) -> dict[str, str]:
    """table group -> the data docs page (file:// URL) of its validation in `run_id`.

    From the record the check run wrote from its checkpoint result; for a run
    without one, the newest page under `validations/identities/<table>/<run_id>/`.
    A table group with no page is left out (callers fall back to the index).
    """
    path = data_docs_pages_file(config, run_id)
    if path.is_file():
        try:
            return dict(json.loads(path.read_text(encoding="utf-8"))["pages"])
        except (ValueError, KeyError, TypeError):
            logging.getLogger(__name__).warning("ignoring unreadable data docs record %s", path)
    found: dict[str, str] = {}
    root = config.docs_dir / "validations" / "identities"
    if root.is_dir():
        for table_dir in sorted(p for p in root.iterdir() if p.is_dir()):
            pages = sorted((table_dir / run_id).glob("*/*.html"))
            if pages:
                found[table_dir.name] = pages[-1].as_uri()
    return found


def data_context(config: ChecksConfig) -> AbstractDataContext:
    """An ephemeral GX context: no analytics, no progress bars, docs into config.docs_dir."""
    import_gx()
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    defaults = InMemoryStoreBackendDefaults(init_temp_docs_sites=False)
    stores = dict(defaults.stores)
    stores[defaults.validation_results_store_name] = {
        "class_name": "ValidationResultsStore",
        "store_backend": {
            "class_name": "TupleFilesystemStoreBackend",
            "base_directory": str(validation_results_dir(config)),
        },
    }
    config = DataContextConfig(
        store_backend_defaults=defaults,
        stores=stores,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
        data_docs_sites={
            DOCS_SITE_NAME: {
                "class_name": "SiteBuilder",
                "show_how_to_buttons": False,
                "store_backend": {
                    "class_name": "TupleFilesystemStoreBackend",
                    "base_directory": str(config.docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)
