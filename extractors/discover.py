"""Find the documents to ingest in the input folder (the embedded default's source)."""

from __future__ import annotations

import logging

from extractors.settings import Settings

log = logging.getLogger(__name__)

_SKIPPED_NAMES = {".DS_Store", "Thumbs.db"}


def discover_documents(settings: Settings) -> list[str]:
    """Every regular file under the input folder, sorted; hidden files are skipped."""
    root = settings.input_dir
    if not root.is_dir():
        raise FileNotFoundError(f"input folder {root} does not exist (set DISCLOSURE_INPUT_DIR)")
    paths = sorted(
        str(p)
        for p in root.rglob("*")
        if p.is_file() and not p.name.startswith(".") and p.name not in _SKIPPED_NAMES
    )
    log.info("discovered %d documents in %s", len(paths), root)
    return paths
