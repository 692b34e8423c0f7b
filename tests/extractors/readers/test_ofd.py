"""The OFD reader: text objects into the PDF path's lines, and the DOCX reader's defences on the package."""

from __future__ import annotations

import io
import re
import zipfile

import pytest

from bench.render_ofd import Run, write_ofd
from extractors.parse import parse_bytes
from extractors.readers import archive

SIZE = 3.5  # mm, about 10 pt


def _run(x: float, baseline: float, text: str) -> Run:
    return Run(x, baseline, SIZE, text, tuple(SIZE if ord(ch) > 127 else SIZE / 2 for ch in text[:-1]))


def _report() -> bytes:
    """A title, a sentence with a figure, and a three-row table laid out by position."""
    rows = [("自然人", "12"), ("法人或其他组织", "3"), ("总计", "15")]
    page = [
        _run(40, 30, "静乐县2020年政府信息公开工作年度报告"),
        _run(20, 45, "本年度收到政府信息公开申请共15件。"),
    ]
    for index, (label, value) in enumerate(rows):
        page += [_run(20, 60 + 8 * index, label), _run(120, 60 + 8 * index, value)]
    return write_ofd([page])


def _rewrite(data: bytes, name: str, content: bytes | None) -> bytes:
    """The package with member `name` replaced (or removed when `content` is None)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info, source.read(info))
        if content is not None:
            target.writestr(name, content)
    return out.getvalue()


def test_text_objects_read_as_title_facts_and_table_lines() -> None:
    from extractors.readers.ofd import read_ofd

    lines = read_ofd(_report())
    assert lines[0].cells == ("静乐县2020年政府信息公开工作年度报告",) and lines[0].page == 1
    table = [line.cells for line in lines if line.is_table]
    assert table == [("自然人", "12"), ("法人或其他组织", "3"), ("总计", "15")]
    doc = parse_bytes("report.ofd", _report())
    assert (doc.format, doc.agency, doc.year) == ("ofd", "静乐县", 2020)
    assert [(f.name, f.value) for f in doc.facts] == [("applications_received", 15)]


def test_delta_x_repeats_and_absolute_page_paths() -> None:
    data = _report()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        document = package.read("Doc_0/Document.xml").replace(b'BaseLoc="Pages/', b'BaseLoc="/Doc_0/Pages/')
        content = package.read("Doc_0/Pages/Page_0/Content.xml")
    content = content.replace(b'DeltaX="3.500 3.500 3.500"', b'DeltaX="g 3 3.500"')
    data = _rewrite(_rewrite(data, "Doc_0/Document.xml", document), "Doc_0/Pages/Page_0/Content.xml", content)
    assert parse_bytes("r.ofd", data).year == 2020


def test_a_text_object_with_a_ctm_is_placed_through_it() -> None:
    """The value 12 written as some OFD printers do: sizes doubled inside the object, scaled by half by its CTM into
    a boundary that starts elsewhere; read through the CTM it stands where the plain object stood."""
    from extractors.readers.ofd import read_ofd

    data = _report()
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        content = package.read("Doc_0/Pages/Page_0/Content.xml").decode("utf-8")
    plain = re.search(
        r'<ofd:TextObject ID="\d+" [^>]*>(?:(?!</ofd:TextObject>).)*>12</ofd:TextCode></ofd:TextObject>', content
    )
    assert plain is not None and plain.group(0).count("<ofd:TextObject") == 1
    scaled = (
        '<ofd:TextObject ID="99" Boundary="100 50 30 20" CTM="0.5 0 0 0.5 20 6.92" Font="1" Size="7">'
        '<ofd:TextCode X="0" Y="6.16" DeltaX="3.5">12</ofd:TextCode></ofd:TextObject>'
    )
    edited = _rewrite(data, "Doc_0/Pages/Page_0/Content.xml", content.replace(plain.group(0), scaled).encode())
    before = next(line for line in read_ofd(data) if line.cells == ("自然人", "12"))
    after = [line for line in read_ofd(edited) if line.is_table]
    assert [line.cells for line in after] == [("自然人", "12"), ("法人或其他组织", "3"), ("总计", "15")]
    assert after[0].bbox(1) == pytest.approx(before.bbox(1), abs=0.01)


def _bomb() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_report())) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        with target.open("Doc_0/Res/image.bin", "w", force_zip64=True) as member:
            for _ in range(archive.MAX_MEMBER_BYTES // (1 << 20) + 1):
                member.write(b"\0" * (1 << 20))
    return out.getvalue()


@pytest.mark.parametrize(
    ("case", "edit", "code"),
    [
        (
            "external entity",
            lambda d: _rewrite(
                d,
                "Doc_0/Document.xml",
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
            ),
            "document.unsafe",
        ),
        ("member bomb", lambda d: _bomb(), "document.too_large"),
        ("no document root", lambda d: _rewrite(d, "OFD.xml", b"<OFD/>"), "document.corrupt"),
        ("missing page", lambda d: _rewrite(d, "Doc_0/Pages/Page_0/Content.xml", None), "document.corrupt"),
        (
            "broken xml",
            lambda d: _rewrite(d, "Doc_0/Pages/Page_0/Content.xml", b"<Page><unclosed>"),
            "document.corrupt",
        ),
        (
            "path outside the package",
            lambda d: _rewrite(
                d,
                "OFD.xml",
                b"<OFD><DocBody><DocRoot>../../etc/Document.xml</DocRoot></DocBody></OFD>",
            ),
            "document.corrupt",
        ),
        (
            "garbage boundary",
            lambda d: _rewrite(
                d,
                "Doc_0/Pages/Page_0/Content.xml",
                b'<Page><Content><Layer><TextObject Boundary="a b"/></Layer></Content></Page>',
            ),
            "document.corrupt",
        ),
    ],
)
def test_bad_packages_are_a_parse_issue(case: str, edit, code: str) -> None:
    doc = parse_bytes("bad.ofd", edit(_report()))
    assert (doc.format, doc.status) == ("ofd", "failed"), case
    assert [i.code for i in doc.issues] == [code], case
