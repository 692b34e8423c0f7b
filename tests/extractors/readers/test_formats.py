"""Every format reads to the same canonical cells: the samples and random reports rendered as DOCX, HTML, PDF,
Word 97-2003 .doc and OFD.

PDFs (and .doc files) are converted from the generated DOCX files by LibreOffice once per test
session; OFD files are written from the PDFs' characters (`bench/render_ofd.py`).
Without LibreOffice the PDF tests skip locally and fail on CI
(CI=true): run `scripts/system-deps.sh` as root to install it.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest

from bench.corpus import FORMATS, convert_to_pdf, corpus_specs, soffice, write_docx_and_html
from bench.parse_formats import flatten
from bench.render_ofd import pdf_to_ofd
from bench.render_scan import scan_pdf
from bench.report_spec import ReportSpec
from extractors.numbers import normalize
from extractors.parse import parse_bytes
from extractors.readers.html import decode_html
from pipeline.cli import main as cli_main
from tests.bad_documents import corrupt_pdf, docx_zip_bomb, encrypted_pdf, image_only_pdf
from tests.extractors.test_parser_golden import observed

RANDOM_PER_LAYOUT = 2
SPECS = {spec.name: spec for spec in corpus_specs(RANDOM_PER_LAYOUT)}
# Each .doc parse starts LibreOffice (about 2 s): the messy sample, a split table and a 2021 layout.
LEGACY_NAMES = ("002_3c6323d342dfd320", "004_a0eb56bf1a87750f", "random_gov2021_0")
NO_SOFFICE = (
    "LibreOffice (soffice) is not installed, so no PDF can be generated: run "
    "`scripts/system-deps.sh` as root (Debian packages libreoffice-writer-nogui, fonts-noto-cjk)"
)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    write_docx_and_html(SPECS.values(), out)
    return out


@pytest.fixture(scope="session")
def pdf_dir(corpus_dir: Path) -> Path:
    """All PDFs in one LibreOffice call; a missing LibreOffice fails on CI rather than passing silently."""
    if soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(NO_SOFFICE)
        pytest.skip(NO_SOFFICE)
    convert_to_pdf([corpus_dir / "docx" / f"{name}.docx" for name in SPECS], corpus_dir / "pdf")
    return corpus_dir / "pdf"


@pytest.fixture(scope="session")
def doc_dir(corpus_dir: Path, pdf_dir: Path) -> Path:
    """The .doc files of LEGACY_NAMES in one LibreOffice call (pdf_dir has checked that LibreOffice is here)."""
    convert_to_pdf([corpus_dir / "docx" / f"{name}.docx" for name in LEGACY_NAMES], corpus_dir / "doc", target="doc")
    return corpus_dir / "doc"


@pytest.fixture(scope="session")
def ofd_dir(corpus_dir: Path, pdf_dir: Path) -> Path:
    out = corpus_dir / "ofd"
    out.mkdir()
    for name in SPECS:
        (out / f"{name}.ofd").write_bytes(pdf_to_ofd((pdf_dir / f"{name}.pdf").read_bytes()))
    return out


def _document_bytes(request: pytest.FixtureRequest, fmt: str, name: str) -> bytes:
    folder = (
        request.getfixturevalue(f"{fmt}_dir")
        if fmt in ("pdf", "doc", "ofd")
        else request.getfixturevalue("corpus_dir") / fmt
    )
    return (folder / f"{name}.{fmt}").read_bytes()


def _without_issues(shape: dict) -> dict:
    return {k: v for k, v in shape.items() if k != "issues"}


@pytest.mark.parametrize(
    ("fmt", "name"),
    [(fmt, name) for fmt in (*FORMATS, "ofd") for name in sorted(SPECS)] + [("doc", name) for name in LEGACY_NAMES],
)
def test_rendered_report_parses_to_its_known_cells(request: pytest.FixtureRequest, fmt: str, name: str) -> None:
    spec: ReportSpec = SPECS[name]
    doc = parse_bytes(f"{name}.{fmt}", _document_bytes(request, fmt, name))
    assert doc.format == fmt
    got = observed(doc)
    assert _without_issues(got) == _without_issues(spec.expected)
    # The messy cases a rendering carries (004's row of 6 values for 7 columns, its blank appeals cells, a
    # value under no header; 000's missing header and rows) must be flagged in every format.
    assert set(spec.expected.get("issues", [])) <= set(got["issues"])


def test_pdf_cells_carry_page_and_box_of_their_text(pdf_dir: Path) -> None:
    import pdfplumber

    name = "001_27a7349fbee7f2fc"
    doc = parse_bytes(f"{name}.pdf", (pdf_dir / f"{name}.pdf").read_bytes())
    stated = [c for c in doc.cells if c.raw is not None]
    assert stated and all(c.page and c.bbox and c.line for c in stated)
    with pdfplumber.open(pdf_dir / f"{name}.pdf") as pdf:
        for cell in stated[::7]:
            page = pdf.pages[cell.page - 1]
            assert normalize(page.crop(cell.bbox).extract_text()) == normalize(cell.raw), cell
    pages = {c.page for c in stated if c.table == "applications"}
    assert len(pages) > 1, "the application table should continue on the next page"


@pytest.mark.parametrize("fmt", ["docx", "html"])
def test_docx_and_html_cells_carry_their_line(request: pytest.FixtureRequest, fmt: str) -> None:
    doc = parse_bytes(f"x.{fmt}", _document_bytes(request, fmt, "002_3c6323d342dfd320"))
    assert all(c.line for c in doc.cells if c.raw is not None)


def test_debug_page_draws_the_codes(pdf_dir: Path, tmp_path: Path) -> None:
    from PIL import Image

    name = "001_27a7349fbee7f2fc"
    doc = parse_bytes(f"{name}.pdf", (pdf_dir / f"{name}.pdf").read_bytes())
    page = next(c.page for c in doc.cells if (c.row, c.column) == ("granted", "natural_person"))
    out = tmp_path / "page.png"
    assert cli_main(["debug-page", str(pdf_dir / f"{name}.pdf"), "--page", str(page), "--out", str(out)]) == 0
    with Image.open(out) as image:
        assert image.format == "PNG" and image.width > 500
    assert cli_main(["debug-page", str(pdf_dir / f"{name}.pdf"), "--page", "999", "--out", str(out)]) == 1


# ---- bad input: a recorded issue and a status, never an exception --------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "status", "code"),
    [
        ("locked.pdf", encrypted_pdf(), "failed", "document.encrypted"),
        ("broken.pdf", corrupt_pdf(), "failed", "document.corrupt"),
        ("scan.pdf", image_only_pdf(), "needs_ocr", "document.needs_ocr"),
    ],
)
def test_unreadable_pdf(name: str, data: bytes, status: str, code: str) -> None:
    doc = parse_bytes(name, data)
    assert (doc.format, doc.status) == ("pdf", status)
    assert [i.code for i in doc.issues] == [code] and doc.issues[0].message
    assert doc.cells == []


def test_truncated_pdf_is_corrupt(pdf_dir: Path) -> None:
    data = (pdf_dir / "001_27a7349fbee7f2fc.pdf").read_bytes()
    doc = parse_bytes("cut.pdf", data[: len(data) // 3])
    assert doc.status == "failed" and doc.issues[-1].code == "document.corrupt"


def test_docx_zip_bomb_is_refused_before_opening() -> None:
    doc = parse_bytes("bomb.docx", docx_zip_bomb())
    assert (doc.format, doc.status) == ("docx", "failed")
    assert [i.code for i in doc.issues] == ["document.too_large"]


def test_damaged_docx_is_corrupt() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document><unclosed>")
    doc = parse_bytes("damaged.docx", buffer.getvalue())
    assert (doc.format, doc.status) == ("docx", "failed")
    assert [i.code for i in doc.issues] == ["document.corrupt"]


def test_html_page_that_is_not_a_report() -> None:
    page = (
        "<html><head><meta charset='utf-8'><title>新闻</title></head><body><ul><li><a href='/'>首页</a></li>"
        "</ul><div class='content'><h1>我县召开春季植树动员会</h1><p>3月12日，全县干部群众参加义务植树。</p>"
        "</div></body></html>"
    )
    doc = parse_bytes("news.html", page.encode("utf-8"))
    assert (doc.format, doc.status) == ("html", "failed")
    assert "document.not_a_report" in [i.code for i in doc.issues]


def test_html_encodings() -> None:
    text = "<html><body><p>静乐县2020年政府信息公开年度报告</p></body></html>"
    mislabelled = text.replace("<html>", "<html><head><meta charset='utf-8'></head>").encode("gbk")
    assert "静乐县" in decode_html(mislabelled)
    assert "静乐县" in decode_html(text.encode("gb18030"))  # no declaration: detected
    declared = text.replace(
        "<html>", '<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"></head>'
    )
    assert "静乐县" in decode_html(declared.encode("gbk"))


def test_scanned_report_reads_by_ocr_without_a_wrong_value(pdf_dir: Path) -> None:
    """One report printed, seal-stamped, turned and scanned at 150 dpi (two pages of real OCR)."""
    name = "random_gov2021_0"
    doc = parse_bytes("scan.pdf", scan_pdf((pdf_dir / f"{name}.pdf").read_bytes(), dpi=150, seal_page=1))
    assert (doc.format, doc.status, doc.template) == ("pdf", "parsed", "gov2021")
    known, got = flatten(SPECS[name].expected), flatten(observed(doc))
    assert {k: v for k, v in got.items() if known.get(k) != v} == {}  # precision: no value differs
    assert len(got) >= 0.95 * len(known)
    assert all(c.page and c.bbox for c in doc.cells if c.value is not None)


def test_ofd_cells_carry_the_page_and_box_of_the_pdf_they_print(pdf_dir: Path, ofd_dir: Path) -> None:
    name = "001_27a7349fbee7f2fc"
    pdf = {(c.table, c.row, c.column): c for c in parse_bytes("r.pdf", (pdf_dir / f"{name}.pdf").read_bytes()).cells}
    ofd = [c for c in parse_bytes("r.ofd", (ofd_dir / f"{name}.ofd").read_bytes()).cells if c.raw is not None]
    assert ofd
    for cell in ofd:
        twin = pdf[(cell.table, cell.row, cell.column)]
        assert cell.page == twin.page and cell.bbox is not None and twin.bbox is not None
        # the PDF's box is its ruled cell, the OFD's the text inside it
        x0, top, x1, bottom = twin.bbox
        assert x0 - 1 <= cell.bbox[0] < cell.bbox[2] <= x1 + 1 and top - 1 <= cell.bbox[1] < cell.bbox[3] <= bottom + 1
