"""Reading one table value: the forms real reports use."""

from __future__ import annotations

import pytest

from extractors.numbers import NumberReading, is_null_marker, read_number, to_wan_yuan


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("23", 23),
        ("\u00a023", 23),
        ("１２", 12),
        ("1,234", 1234),
        ("12,345.5", 12345.5),
        ("增12", 12),
        ("减7", -7),
        ("+46", 46),
        ("-48", -48),
        ("增0", 0),
        ("十二", 12),
        ("一百零三", 103),
        ("3千", 3000),
        ("35339.15万元", 35339.15),
        ("6 件", 6),
    ],
)
def test_reads(text: str, value: float) -> None:
    reading = read_number(text)
    assert reading is not None and reading.value == value


@pytest.mark.parametrize("text", ["", "  ", "自然人", "1.属于国家秘密", "约300", "1,2,3", "第二十条"])
def test_not_a_number(text: str) -> None:
    assert read_number(text) is None


def test_signs_and_units_are_kept() -> None:
    assert read_number("减77992") == NumberReading(-77992, None, True)
    assert read_number("1591万元") == NumberReading(1591, "万元", False)


def test_yuan_become_wan_yuan() -> None:
    assert to_wan_yuan(read_number("15910000元")) == 1591
    assert to_wan_yuan(read_number("1591万元")) == 1591


@pytest.mark.parametrize("text", ["-", "—", "/", "无", " － "])
def test_null_markers(text: str) -> None:
    assert is_null_marker(text)
