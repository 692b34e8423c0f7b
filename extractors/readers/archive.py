"""Defences shared by the zip-packaged formats (DOCX, OFD), checked before any part is parsed.

- the declared expanded size of the whole archive and of every member are
  capped (decompression bombs are refused before opening);
- a part that declares a DTD (`<!DOCTYPE`) is refused: neither Word nor an
  OFD writer produces one, and it is how external entities and billion
  laughs come in.
"""

from __future__ import annotations

import io
import zipfile

from extractors.readers.errors import DocumentCorrupt, DocumentTooLarge, DocumentUnsafe

# A report is a few MB unzipped; far beyond that is a decompression bomb, refused before opening.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
MAX_MEMBER_BYTES = 50 * 1024 * 1024  # one XML part or image; a 200-page report's largest part is a few MB
_PROLOG_BYTES = 2048


def check_archive(data: bytes, kind: str) -> None:
    """Raise DocumentTooLarge / DocumentUnsafe / DocumentCorrupt for a `kind` ("Word", "OFD") package."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            total = sum(info.file_size for info in members)
            if total > MAX_UNCOMPRESSED_BYTES:
                raise DocumentTooLarge(
                    f"the archive unpacks to {total / 2**20:.0f} MB "
                    f"(limit {MAX_UNCOMPRESSED_BYTES / 2**20:.0f} MB); not opened"
                )
            for info in members:
                if info.file_size > MAX_MEMBER_BYTES:
                    raise DocumentTooLarge(
                        f"{info.filename} unpacks to {info.file_size / 2**20:.0f} MB "
                        f"(limit {MAX_MEMBER_BYTES / 2**20:.0f} MB per part); not opened"
                    )
                if info.filename.endswith((".xml", ".rels")) and _declares_dtd(archive, info):
                    raise DocumentUnsafe(
                        f"{info.filename} declares a DTD (<!DOCTYPE>), which {kind} never writes: "
                        "its entities are not expanded and the document is not read"
                    )
    except zipfile.BadZipFile as exc:
        raise DocumentCorrupt(f"not a zip archive: {exc}") from exc


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    """One member's bytes, read no further than its cap (a forged declared size cannot lift it)."""
    try:
        with archive.open(name) as member:
            data = member.read(MAX_MEMBER_BYTES + 1)
    except KeyError as exc:
        raise DocumentCorrupt(f"the package has no part {name!r}") from exc
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise DocumentCorrupt(f"{name} cannot be unpacked: {exc}") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise DocumentTooLarge(f"{name} unpacks to more than {MAX_MEMBER_BYTES / 2**20:.0f} MB; not read")
    return data


def _declares_dtd(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bool:
    try:
        with archive.open(info) as member:
            prolog = member.read(_PROLOG_BYTES)
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as exc:
        raise DocumentCorrupt(f"{info.filename} cannot be unpacked: {exc}") from exc
    return b"<!doctype" in prolog.replace(b"\x00", b"").lower()
