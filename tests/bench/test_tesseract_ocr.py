"""The scan bench's tesseract words: characters with their word's confidence, ruling lines read as | dropped."""

from __future__ import annotations

import pytest

from bench.tesseract_ocr import words_of

HEADER = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"
TSV = "\n".join(
    [
        HEADER,
        "4\t1\t1\t1\t1\t0\t100\t40\t200\t30\t-1\t",  # a line: not a word
        "5\t1\t1\t1\t1\t1\t100\t40\t60\t30\t92.5\t110",
        "5\t1\t2\t1\t1\t1\t10\t90\t900\t4\t95.0\t ",  # a ruling line read as a blank word
        "5\t1\t3\t1\t1\t1\t300\t40\t40\t30\t96.0\t政务",
        "5\t1\t3\t1\t1\t2\t400\t40\t20\t30\t68.0\t|7",  # a ruling line read as | before a digit
    ]
)


def test_words_become_characters_with_a_share_of_the_box() -> None:
    words = words_of(TSV)
    assert [(text, confidence) for text, confidence, _ in words] == [
        ("1", 0.925),
        ("1", 0.925),
        ("0", 0.925),
        ("政", 0.96),
        ("务", 0.96),
        ("7", 0.68),
    ]
    assert [box for *_, box in words][:3] == [
        pytest.approx((100, 40, 120, 70)),
        pytest.approx((120, 40, 140, 70)),
        pytest.approx((140, 40, 160, 70)),
    ]
    assert words[4][2] == pytest.approx((320, 40, 340, 70))
    assert words[5][2] == pytest.approx((410, 40, 420, 70))  # the digit keeps its own share of the word's box
