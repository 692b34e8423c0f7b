"""Why a reader could not read a document at all; parse.py records each as a parse issue.

These describe the data (a locked, broken or scanned file), so they never leave
`parse_bytes`: each becomes an issue with its `code` and the document's `status`.
"""

from __future__ import annotations


class UnreadableDocument(Exception):
    """The document's bytes cannot be turned into lines."""

    code = "document.corrupt"
    status = "failed"


class DocumentEncrypted(UnreadableDocument):
    code = "document.encrypted"


class DocumentCorrupt(UnreadableDocument):
    code = "document.corrupt"


class DocumentTooLarge(UnreadableDocument):
    code = "document.too_large"


class DocumentUnsafe(UnreadableDocument):
    """A document built to attack its reader (an XML part declaring entities: XXE, billion laughs)."""

    code = "document.unsafe"


class NeedsOcr(UnreadableDocument):
    """A PDF of scanned images: nothing to read until OCR gives it a text layer."""

    code = "document.needs_ocr"
    status = "needs_ocr"


class ConverterMissing(UnreadableDocument):
    """A legacy format (.doc, .wps) needs LibreOffice, which is not installed where the parse ran."""

    code = "document.converter_missing"


class ConversionTimeout(UnreadableDocument):
    code = "document.conversion_timeout"
