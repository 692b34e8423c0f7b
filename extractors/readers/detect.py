"""Tell a document's format from its first bytes, never from its name or a server's content type."""

from __future__ import annotations

import io
import zipfile

from extractors.encoding import bom_encoding

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<table", b"<body", b"<head", b"<meta")
# An OLE2 compound file (Word 97-2003 .doc, WPS Office .wps, but also .xls/.ppt): LibreOffice tells them apart.
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def detect_format(data: bytes) -> str:
    """One of pdf, docx, doc, ofd, html, text, empty, binary."""
    if not data.strip():
        return "empty"
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:8] == _OLE_MAGIC:
        return "doc"
    if data[:4] == b"PK\x03\x04":
        return _zip_format(data)
    wide = bom_encoding(data)
    # UTF-16/32 text (with a BOM) is looked at as text: its NUL bytes do not make it binary.
    head = data[:4096].decode(wide, errors="ignore").encode("utf-8").lower() if wide else data[:4096].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


def _zip_format(data: bytes) -> str:
    """docx (word/document.xml), ofd (OFD.xml at the root, GB/T 33190) or binary."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return "binary"
    if "word/document.xml" in names:
        return "docx"
    if "OFD.xml" in names:
        return "ofd"
    return "binary"
