"""The landing zone: document bytes stored by their sha256, written once, never overwritten."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

from extractors.settings import Settings


def landing_path(settings: Settings, sha256: str) -> Path:
    return settings.home / "landing" / sha256[:2] / sha256


def land(settings: Settings, data: bytes) -> tuple[str, Path]:
    """Store `data` content-addressed; return (sha256, path). Existing copies are left as they are."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = landing_path(settings, sha256)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False) as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)  # atomic: a reader never sees half a document
    return sha256, path
