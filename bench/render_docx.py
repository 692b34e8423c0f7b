"""Draw report blocks as a Word document with python-docx: real merged cells, a CJK font, A4 pages."""

from __future__ import annotations

import io

from bench.report_spec import Block, PageBreak, Paragraph, Span, Table

_FONT = "Noto Serif CJK SC"
_TEXT_WIDTH_CM = 16.0  # A4 less two 2.5 cm margins


def grid(rows: tuple[tuple[Span, ...], ...]) -> tuple[list[tuple[int, int, Span]], int]:
    """(row, column, span) of every cell placed on the table grid, and the grid's width."""
    taken: set[tuple[int, int]] = set()
    placed = []
    width = 0
    for r, row in enumerate(rows):
        c = 0
        for span in row:
            while (r, c) in taken:
                c += 1
            placed.append((r, c, span))
            taken.update((r + i, c + j) for i in range(span.rows) for j in range(span.cols))
            c += span.cols
            width = max(width, c)
    return placed, width


def render_docx(blocks: list[Block], landscape: bool = False, borders: bool = True) -> bytes:
    """The report as DOCX bytes; `borders=False` draws tables without ruling lines (Word's plain table style)."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Cm(29.7), Cm(21)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(2.5))
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = _FONT, Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), _FONT)
    normal.paragraph_format.space_after = Pt(0)
    for block in blocks:
        if isinstance(block, Paragraph):
            p = document.add_paragraph()
            run = p.add_run(block.text)
            if block.style == "title":
                p.alignment = WD_ALIGN_PARAGRAPH.CENTER
                run.bold, run.font.size = True, Pt(16)
            else:  # 公文 style: every paragraph starts two characters in
                p.paragraph_format.first_line_indent = Pt(21)
                run.bold = block.style == "heading"
        elif isinstance(block, PageBreak):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif isinstance(block, Table):
            placed, width = grid(block.rows)
            table = document.add_table(rows=len(block.rows), cols=width)
            table.style = "Table Grid" if borders else None
            table.alignment = WD_TABLE_ALIGNMENT.CENTER
            weights = block.widths or (1.0,) * width
            widths = [Cm(_TEXT_WIDTH_CM * weight / sum(weights)) for weight in weights]
            for column, column_width in zip(table.columns, widths, strict=True):
                column.width = column_width
                for cell in column.cells:  # LibreOffice reads the cells' widths, Word the grid's
                    cell.width = column_width
            for r, c, span in placed:
                cell = table.cell(r, c)
                if span.cols > 1 or span.rows > 1:
                    cell = cell.merge(table.cell(r + span.rows - 1, c + span.cols - 1))
                cell.text = span.text
                for run in (run for p in cell.paragraphs for run in p.runs):
                    run.font.size = Pt(9)
            for r, row in enumerate(table.rows):
                tr_pr = row._tr.get_or_add_trPr()
                tr_pr.append(OxmlElement("w:cantSplit"))  # a row never breaks across pages
                if r < block.header_rows:  # Word's "repeat as header row"
                    tr_pr.append(OxmlElement("w:tblHeader"))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
