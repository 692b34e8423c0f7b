"""The Great Expectations data context: quiet, ephemeral, data docs in `settings.gx_docs_dir`.

GX is imported only inside these functions: DAG files import `expectations`
and must stay fast to parse. Nothing is written into the repo tree: suites,
validation definitions and checkpoints live in memory (they are rebuilt from
code on every run), validation results are kept under `$DISCLOSURE_HOME/gx`
so that the data docs show the history of runs, and the data docs site is a
static folder at `settings.gx_docs_dir` (`index.html`).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from extractors.settings import Settings

if TYPE_CHECKING:
    from great_expectations.data_context import AbstractDataContext

DOCS_SITE_NAME = "disclosure_gx"


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


def validation_results_dir(settings: Settings) -> Path:
    """Where validation results are kept between runs (the data docs list them)."""
    return settings.home / "gx" / "validations"


def data_docs_index(settings: Settings) -> Path:
    return settings.gx_docs_dir / "index.html"


def data_context(settings: Settings) -> AbstractDataContext:
    """An ephemeral GX context: no analytics, no progress bars, docs into settings.gx_docs_dir."""
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
            "base_directory": str(validation_results_dir(settings)),
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
                    "base_directory": str(settings.gx_docs_dir),
                },
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            }
        },
    )
    return gx.get_context(mode="ephemeral", project_config=config)
