"""Format detection looks at the bytes, not at the name."""

from __future__ import annotations

import io
import zipfile

from extractors.parse import parse_bytes
from extractors.readers.detect import detect_format


def _zip(names: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


def test_formats() -> None:
    assert detect_format(b"%PDF-1.7\n...") == "pdf"
    assert detect_format(_zip(["word/document.xml"])) == "docx"
    assert detect_format(_zip(["other.txt"])) == "binary"
    assert detect_format(_zip(["OFD.xml", "Doc_0/Document.xml"])) == "ofd"
    assert detect_format(_zip(["Doc_0/OFD.xml"])) == "binary"  # OFD.xml is the package's entry, at its root
    assert detect_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504) == "doc"  # OLE2: .doc and .wps
    assert detect_format(b"<!DOCTYPE html><html><body>x</body></html>") == "html"
    assert detect_format("金寨县2020年报告".encode()) == "text"
    assert detect_format(b"   \n") == "empty"
    assert detect_format(b"\x00\x01\x02") == "binary"


def test_bad_input_is_a_recorded_failure_not_an_exception() -> None:
    empty = parse_bytes("empty.txt", b"")
    assert empty.status == "failed" and [i.code for i in empty.issues] == ["document.empty"]
    pdf = parse_bytes("report.txt", b"%PDF-1.4 not really")
    assert pdf.status == "failed" and pdf.format == "pdf"
    assert pdf.issues[0].code == "document.corrupt"
    prose = parse_bytes("news.txt", "今天天气很好。\n没有任何表格。\n".encode())
    assert prose.status == "failed"
    assert "document.not_a_report" in [i.code for i in prose.issues]


def test_gbk_text_is_decoded() -> None:
    text = "景泰县2018年政府信息公开工作年度报告\n收到政府信息公开申请共10件。\n"
    doc = parse_bytes("gbk.txt", text.encode("gbk"))
    assert (doc.agency, doc.year) == ("景泰县", 2018)
    assert [(f.name, f.value) for f in doc.facts] == [("applications_received", 10)]
