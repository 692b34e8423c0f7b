"""Word 97-2003 / WPS files: converted by LibreOffice in the parse, failures recorded as parse issues."""

from __future__ import annotations

import pytest

from extractors.parse import parse_bytes
from extractors.readers import doc as doc_reader
from extractors.readers.errors import ConversionTimeout
from tests.bad_documents import docx_of_lines
from tests.conftest import service_missing

OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@pytest.fixture
def soffice_binary() -> str:
    binary = doc_reader.soffice_path()
    if binary is None:
        service_missing("LibreOffice (soffice) is not installed: run scripts/system-deps.sh as root")
    return binary


def test_without_libreoffice_the_issue_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(doc_reader, "soffice_path", lambda: None)
    doc = parse_bytes("report.wps", OLE + b"\0" * 1024)
    assert (doc.format, doc.status) == ("doc", "failed")
    assert [i.code for i in doc.issues] == ["document.converter_missing"]
    assert "libreoffice" in doc.issues[0].message.lower()


def test_corrupt_compound_file_is_a_parse_issue(soffice_binary: str) -> None:
    """LibreOffice either refuses it (document.corrupt) or imports the bytes as text, which holds no report."""
    doc = parse_bytes("broken.doc", OLE + b"\x00garbage\xff" * 300)
    assert (doc.format, doc.status, doc.cells) == ("doc", "failed", [])
    assert {i.code for i in doc.issues} & {"document.corrupt", "document.not_a_report"}


def test_conversion_past_its_deadline_is_stopped(soffice_binary: str) -> None:
    with pytest.raises(ConversionTimeout):
        doc_reader.convert_to_docx(docx_of_lines(["静乐县2020年政府信息公开工作年度报告"]), seconds=0.05)
