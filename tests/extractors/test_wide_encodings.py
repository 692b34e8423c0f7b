"""A report saved as UTF-16 or UTF-32 (with a byte order mark) reads like its UTF-8 copy, not as binary."""

from __future__ import annotations

import pytest

from extractors.parse import parse_bytes
from extractors.readers.detect import detect_format
from tests.paths import SAMPLES

SAMPLE = sorted(SAMPLES.glob("*.txt"))[0]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-be", "utf-32"])
def test_a_wide_text_report_with_a_bom_parses_like_utf8(codec: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8")
    data = ("\ufeff" + text).encode(codec) if codec.endswith("-be") else text.encode(codec)  # codec adds a BOM
    wide, plain = parse_bytes(SAMPLE.name, data), parse_bytes(SAMPLE.name, text.encode("utf-8"))
    assert (wide.format, wide.status) == ("text", "parsed")
    assert (wide.agency, wide.year, wide.cells) == (plain.agency, plain.year, plain.cells)
    assert not [i for i in wide.issues if i.code == "document.undecodable_bytes"]


def test_a_utf16_html_page_is_html() -> None:
    assert detect_format("<html><body><table><tr><td>1</td></tr></table></body></html>".encode("utf-16")) == "html"
