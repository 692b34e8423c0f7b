"""PDF pages the plain corpus does not have: tables without ruling lines, landscape pages, pages stored turned.

The five samples and one random report per layout are drawn as DOCX without
table borders and in landscape, converted by LibreOffice in one call
(`bench.corpus.write_pdf_variants`); the turned variants store every page
rotated a quarter with `/Rotate 90` (landscape) or `/Rotate 270` (portrait).
Each must parse to the same known cells as the text. Without LibreOffice
these tests skip locally and fail on CI (CI=true).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bench.corpus import (
    PDF_VARIANTS,
    convert_to_pdf,
    corpus_specs,
    random_spec,
    soffice,
    write_docx_and_html,
    write_pdf_variants,
)
from bench.report_spec import ReportSpec
from extractors.document import ParsedDocument
from extractors.parse import parse_bytes
from pipeline.cli import main as cli_main
from tests.extractors.readers.test_formats import NO_SOFFICE
from tests.extractors.test_parser_golden import observed

# random_gov2019_1: drawn without borders, its table's last rows open page 2 (a continuation).
SPECS = {spec.name: spec for spec in [*corpus_specs(1), random_spec(1, "gov2019")]}
SAMPLE = "001_27a7349fbee7f2fc"  # tables over three pages, a repeated header, wrapped labels


@pytest.fixture(scope="session")
def variants_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if soffice() is None:
        if os.environ.get("CI") == "true":
            pytest.fail(NO_SOFFICE)
        pytest.skip(NO_SOFFICE)
    out = tmp_path_factory.mktemp("pdf-variants")
    written = write_docx_and_html(SPECS.values(), out)
    convert_to_pdf(written["docx"], out / "pdf")
    write_pdf_variants(list(SPECS.values()), out)
    return out


def _parse(folder: Path, variant: str, name: str) -> ParsedDocument:
    return parse_bytes(f"{name}.pdf", (folder / variant / f"{name}.pdf").read_bytes())


@pytest.mark.parametrize("name", sorted(SPECS))
@pytest.mark.parametrize("variant", PDF_VARIANTS)
def test_variant_parses_to_its_known_cells(variants_dir: Path, variant: str, name: str) -> None:
    spec: ReportSpec = SPECS[name]
    got = observed(_parse(variants_dir, variant, name))
    issues = set(got.pop("issues"))
    expected = dict(spec.expected)
    assert got == {k: v for k, v in expected.items() if k != "issues"}
    assert set(expected.get("issues", [])) <= issues


def test_borderless_tables_are_read_from_text_alignment(variants_dir: Path) -> None:
    import pdfplumber

    from extractors.readers.pdf import find_tables

    with pdfplumber.open(variants_dir / "pdf-borderless" / f"{SAMPLE}.pdf") as pdf:
        assert not any(page.lines or page.rects or page.curves for page in pdf.pages)
        cells = [
            text for page in pdf.pages for grid in find_tables(page) for row in grid.rows for text, _box in row.cells
        ]
    # Labels wrapped inside their cells come back whole: the header's 自然/人 and 社会/公益/组织, the
    # row-spanning group label 三、本/年度办/理结果, and a row label over two lines.
    for label in (
        "自然人",
        "社会公益组织",
        "法律服务机构",
        "三、本年度办理结果",
        "（二）部分公开（区分处理的，只计这一情形，不计其他情形）",
    ):
        assert label in cells


def test_borderless_blank_cells_keep_their_place(variants_dir: Path) -> None:
    doc = _parse(variants_dir, "pdf-borderless", "004_a0eb56bf1a87750f")
    appeals = {(c.row, c.column): c for c in doc.cells if c.table == "appeals"}
    assert appeals[("admin_review", "total")].value is None
    assert appeals[("litigation_direct", "upheld")].value == 0
    assert appeals[("litigation_direct", "upheld")].bbox is not None
    assert "cell.blank" in [i.code for i in doc.issues]


@pytest.mark.parametrize(
    ("turned", "upright", "rotation"), [("pdf-rotate90", "pdf-landscape", 90), ("pdf-rotate270", "pdf", 270)]
)
def test_turned_pages_read_like_upright_ones(variants_dir: Path, turned: str, upright: str, rotation: int) -> None:
    import pdfplumber

    with pdfplumber.open(variants_dir / turned / f"{SAMPLE}.pdf") as pdf:
        assert {page.rotation for page in pdf.pages} == {rotation}
        assert (pdf.pages[0].width > pdf.pages[0].height) == (upright == "pdf-landscape")
    cells = {(c.table, c.row, c.column): (c.value, c.page, c.bbox) for c in _parse(variants_dir, turned, SAMPLE).cells}
    same = {(c.table, c.row, c.column): (c.value, c.page, c.bbox) for c in _parse(variants_dir, upright, SAMPLE).cells}
    assert cells == same  # values, pages and boxes, in displayed coordinates


def test_debug_page_draws_a_turned_page_as_displayed(variants_dir: Path, tmp_path: Path) -> None:
    from PIL import Image, ImageChops, ImageStat

    doc = _parse(variants_dir, "pdf-rotate90", SAMPLE)
    page = next(c.page for c in doc.cells if (c.row, c.column) == ("granted", "natural_person"))
    images = []
    for variant in ("pdf-rotate90", "pdf-landscape"):
        out = tmp_path / f"{variant}.png"
        assert (
            cli_main(
                ["debug-page", str(variants_dir / variant / f"{SAMPLE}.pdf"), "--page", str(page), "--out", str(out)]
            )
            == 0
        )
        images.append(Image.open(out).convert("RGB"))
    turned, upright = images
    assert turned.size == upright.size and turned.width > turned.height
    # The same picture: the page upright, its table cells and codes drawn where the values are.
    assert max(ImageStat.Stat(ImageChops.difference(turned, upright)).mean) < 1.0


def test_debug_page_outlines_a_table_continued_from_the_page_before(variants_dir: Path) -> None:
    """The drawing shows the cells the parse used: on a page that opens with the rest of a table, the
    continued rows too, which the page alone would not call a table."""
    import pdfplumber

    from extractors.readers.pdf import find_tables, page_tables

    name = "random_gov2019_1"
    placed = [c.bbox for c in _parse(variants_dir, "pdf-borderless", name).cells if c.page == 2]
    with pdfplumber.open(variants_dir / "pdf-borderless" / f"{name}.pdf") as pdf:
        alone = [box for grid in find_tables(pdf.pages[1]) for box in grid.cells]
        drawn = [box for grid in page_tables(pdf, 2) for box in grid.cells]

    def outlined(bbox: tuple[float, float, float, float], boxes: list) -> bool:
        return any(
            bbox[0] >= b[0] - 1 and bbox[1] >= b[1] - 1 and bbox[2] <= b[2] + 1 and bbox[3] <= b[3] + 1 for b in boxes
        )

    assert placed and all(outlined(bbox, drawn) for bbox in placed)
    assert not all(outlined(bbox, alone) for bbox in placed)  # the continuation is what makes the difference
