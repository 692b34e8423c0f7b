"""Plain text (and text extracted elsewhere) into lines of tab-separated cells."""

from __future__ import annotations

from extractors.document import Line


def text_lines(text: str) -> list[Line]:
    """One Line per text line; tabs separate cells (how Word tables come out as text)."""
    lines = []
    for no, raw in enumerate(text.splitlines(), start=1):
        cells = tuple(raw.split("\t"))
        lines.append(Line(no=no, cells=cells, is_table=len(cells) > 1))
    return lines
