"""Tell a document's format from its first bytes, never from its name or a server's content type."""

from __future__ import annotations

import io
import zipfile

from extractors.encoding import bom_encoding

_HTML_MARKERS = (b"<!doctype html", b"<html", b"<table", b"<body", b"<head", b"<meta")


def detect_format(data: bytes) -> str:
    """One of pdf, docx, html, text, empty, binary."""
    if not data.strip():
        return "empty"
    if data.lstrip()[:5] == b"%PDF-":
        return "pdf"
    if data[:4] == b"PK\x03\x04":
        return "docx" if _is_docx(data) else "binary"
    wide = bom_encoding(data)
    # UTF-16/32 text (with a BOM) is looked at as text: its NUL bytes do not make it binary.
    head = data[:4096].decode(wide, errors="ignore").encode("utf-8").lower() if wide else data[:4096].lower()
    if any(marker in head for marker in _HTML_MARKERS):
        return "html"
    if b"\x00" in head:
        return "binary"
    return "text"


def _is_docx(data: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return "word/document.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
