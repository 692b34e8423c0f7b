"""What the last successful fetch of a URL returned: its validators (ETag, Last-Modified), sha256, and when.

One small JSON file per URL under `$DISCLOSURE_HOME/fetch_state/`, named by
the sha256 of the URL and replaced atomically. One file per URL (rather than
one shared file or a warehouse table) lets mapped fetch tasks run in parallel
processes without a lock and without the one-writer warehouse pool; in server
mode it lives beside the landing zone on the shared home.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from extractors.landing import landing_path
from extractors.storage import StorageConfig


@dataclass(frozen=True)
class Validators:
    url: str
    sha256: str  # the landed bytes the validators describe
    etag: str | None = None
    last_modified: str | None = None
    checked_on: str | None = None  # ISO date of the last fetch or 304 (extractors.fetch.revalidation)

    @property
    def checked(self) -> date | None:
        return date.fromisoformat(self.checked_on) if self.checked_on else None

    def request_headers(self) -> dict[str, str]:
        headers = {}
        if self.etag:
            headers["If-None-Match"] = self.etag
        if self.last_modified:
            headers["If-Modified-Since"] = self.last_modified
        return headers


class ConditionalStore:
    def __init__(self, storage: StorageConfig) -> None:
        self.storage = storage
        self.root = storage.fetch_state_dir

    def _path(self, url: str) -> Path:
        key = hashlib.sha256(url.encode("utf-8")).hexdigest()
        return self.root / key[:2] / f"{key}.json"

    def get(self, url: str) -> Validators | None:
        """The validators of `url`, only if its landed copy still exists (a 304 must have bytes behind it)."""
        path = self._path(url)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            validators = Validators(**data)
        except (OSError, ValueError, TypeError):
            return None  # absent or unreadable state costs one full download, nothing worse
        if validators.url != url or not landing_path(self.storage, validators.sha256).exists():
            return None
        return validators

    def put(self, validators: Validators) -> None:
        """Kept without ETag or Last-Modified too: the document is known, its revalidation day applies."""
        write_json(self._path(validators.url), asdict(validators))


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Replace `path` atomically: a process reading the state never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False, suffix=".tmp") as tmp:
        json.dump(data, tmp, ensure_ascii=False)
    os.replace(tmp.name, path)
