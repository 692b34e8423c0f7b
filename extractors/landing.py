"""The landing zone: document bytes stored by their sha256, written once, never overwritten.

`DISCLOSURE_LANDING_URL` selects where: a local folder (default
`$DISCLOSURE_HOME/landing`) or an `s3://bucket/prefix` URL in server mode, so
that every Celery worker sees every landed document (extractors.storage).
"""

from __future__ import annotations

import hashlib

from extractors.storage import AnyPath, StorageConfig, location, write_once


def landing_path(storage: StorageConfig, sha256: str) -> AnyPath:
    """`<landing>/<first two hex digits>/<sha256>`: a `Path`, or a `UPath` on shared storage."""
    return location(storage.landing_root, sha256[:2], sha256, storage=storage)


def land(storage: StorageConfig, data: bytes) -> tuple[str, AnyPath]:
    """Store `data` content-addressed; return (sha256, path). Existing copies are left as they are."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = landing_path(storage, sha256)
    write_once(path, data)  # atomic: a reader never sees half a document
    return sha256, path
