"""Files on shared storage: a local folder (embedded default) or an S3-compatible bucket (server mode).

Celery workers of server mode may run on several machines, so what one task
writes and another reads (landed documents, parse results) lives where every
worker sees it. One setting per location selects the storage:
`DISCLOSURE_LANDING_URL` and `DISCLOSURE_PARSED_DIR` are either a folder or an
`s3://bucket/prefix` URL; `DISCLOSURE_S3_ENDPOINT_URL` points at MinIO (or
another S3-compatible server) and the usual `AWS_ACCESS_KEY_ID` /
`AWS_SECRET_ACCESS_KEY` carry the credentials.

Local folders use `pathlib` (atomic temp file + rename, as before); URLs go
through fsspec/s3fs via `upath.UPath`, the path class that Airflow's
`ObjectStoragePath` is built on. An S3 PUT is atomic by itself: a reader sees
the whole object or none of it. Nothing here imports Airflow.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from upath import UPath

    AnyPath = Path | UPath
else:
    AnyPath = Any


def is_url(location: str | Path) -> bool:
    """True for a remote storage URL (`s3://bucket/prefix`), False for a local folder."""
    return "://" in str(location) and not str(location).startswith("file://")


@dataclass(frozen=True)
class StorageConfig:
    """Where fetched documents, parse results and fetch validators live."""

    landing_root: str  # DISCLOSURE_LANDING_URL: a folder or an s3:// URL
    parsed_root: str  # DISCLOSURE_PARSED_DIR: a folder or an s3:// URL
    fetch_state_dir: Path  # ETag / Last-Modified per URL; local to the machine that fetches
    s3_endpoint_url: str = ""  # MinIO or another S3-compatible server; "" means AWS


def storage_options(storage: StorageConfig | None = None, url: str = "") -> dict[str, Any]:
    """fsspec options of a URL: the S3 endpoint of server mode (MinIO), if any."""
    endpoint = storage.s3_endpoint_url if storage is not None else os.environ.get("DISCLOSURE_S3_ENDPOINT_URL", "")
    if url.startswith(("s3://", "s3a://")) and endpoint:
        return {"endpoint_url": endpoint}
    return {}


def location(root: str, *parts: str, storage: StorageConfig | None = None) -> AnyPath:
    """`root / parts` as a `Path` (local folder) or a `UPath` (storage URL)."""
    if is_url(root):
        from upath import UPath

        return UPath(root, **storage_options(storage, root)).joinpath(*parts)
    return Path(root).joinpath(*parts)


def as_path(name: str | os.PathLike[str], storage: StorageConfig | None = None) -> AnyPath:
    """A path or URL string, as returned in task outcomes, back to a path object."""
    return location(str(name), storage=storage)


def write_once(path: AnyPath, data: bytes) -> bool:
    """Write `data` unless `path` exists (content-addressed: same name, same bytes); True if written."""
    if path.exists():
        return False
    write_atomic(path, data)
    return True


def write_atomic(path: AnyPath, data: bytes) -> None:
    """Replace `path` with `data` so that a reader never sees half of it."""
    if isinstance(path, Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, delete=False, suffix=".tmp") as tmp:
            tmp.write(data)
        os.replace(tmp.name, path)
        return
    path.write_bytes(data)  # one PUT: atomic on S3


def ensure_bucket(url: str, storage: StorageConfig | None = None) -> None:
    """Create the bucket of an s3:// URL if it is missing (the compose init job calls this)."""
    if not is_url(url):
        Path(url).mkdir(parents=True, exist_ok=True)
        return
    import fsspec

    protocol, _, rest = url.partition("://")
    bucket = rest.split("/", 1)[0]
    fs = fsspec.filesystem(protocol, **storage_options(storage, url))
    if not fs.exists(bucket):
        fs.mkdir(bucket)
