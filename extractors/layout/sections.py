"""The report's numbered parts (一、总体情况 … 六、其他需要报告的事项) with their prose.

A heading is a short non-table line `<numeral>、<title>` whose numeral comes after the last
heading's (一 first; a part may be missing, as when a table is cut off): list items (一是…),
numbered paragraphs of the prose and a restarted numbering do not open sections. A section's
text is its non-table lines up to the next heading, as printed.
"""

from __future__ import annotations

import re

from extractors.document import Line, Section
from extractors.numbers import normalize

NUMERALS = "一二三四五六七八九十"
_HEADING = re.compile(rf"^([{NUMERALS}])[、.．]\s*(\S.*)$")
_MAX_TITLE = 40  # characters; a longer line is a numbered paragraph of prose


def read_sections(lines: list[Line]) -> list[Section]:
    sections: list[Section] = []
    parts: list[str] = []
    for line in lines:
        if line.is_table:
            continue
        text = "".join(line.cells).strip()
        heading = _heading(normalize(text), sections[-1].no if sections else 0)
        if heading is not None:
            _close(sections, parts)
            no, title = heading
            sections.append(Section(no, NUMERALS[no - 1], title, "", line.no, line.no, line.page, line.page))
            parts = []
        elif sections and text:
            parts.append(text)
            sections[-1].last_line, sections[-1].last_page = line.no, line.page or sections[-1].last_page
    _close(sections, parts)
    return sections


def _heading(text: str, last_no: int) -> tuple[int, str] | None:
    """(number, title) of a heading after part `last_no` (0 before the first)."""
    match = _HEADING.match(text)
    if match is None or len(text) > _MAX_TITLE:
        return None
    no = NUMERALS.index(match.group(1)) + 1
    return (no, match.group(2)) if no > last_no and (last_no or no == 1) else None


def _close(sections: list[Section], parts: list[str]) -> None:
    if sections:
        sections[-1].text = "\n".join(parts)
