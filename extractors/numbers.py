"""Read one table value: full-width digits, thousands separators, signs, units, Chinese numerals.

Full-width forms are folded by Unicode NFKC and Chinese numerals are read by
cn2an; this module only strips the decorations that reports put around them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Placeholders that mean "no value stated": they give a null, never a 0.
NULL_MARKERS = frozenset({"-", "—", "–", "--", "——", "/", "／", "无", "空", "×"})

_SIGN_PREFIXES = {"增": 1, "减": -1, "+": 1, "-": -1, "−": -1, "－": -1}
_UNIT_SUFFIXES = ("万元", "元", "件", "条", "个", "项", "次")
_PLAIN = re.compile(r"^\d+(\.\d+)?$")
_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")
_CHINESE = re.compile(r"^[零〇一二两三四五六七八九十百千万亿壹贰叁肆伍陆柒捌玖拾佰仟0-9.]+$")
# Figures that are not one exact number: 约300, 300余, 近50件, 1,2,3, 12,34, 1.2.3. They stand where a
# value stands (so the row keeps its positions) but are never read as a number: the cell is null.
_NUMBER_LIKE = re.compile(
    r"^(约|近|大约|超过|逾|不足|不到)?[+-]?\d+([,，.、]\d+)*(余|多|左右|以上|以下)?(件|条|个|项|次|万元|元)?$"
)


@dataclass(frozen=True)
class NumberReading:
    """A value read from text: the number in the cell's unit, the unit seen, and the sign seen."""

    value: float
    unit: str | None = None  # 万元 / 元 / 件 ... as written, None when bare
    signed: bool = False  # written with 增/减/+/-


def normalize(text: str) -> str:
    """Fold full-width forms and non-breaking spaces; drop all white space."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(folded.split())


def is_null_marker(text: str) -> bool:
    return normalize(text) in NULL_MARKERS


def looks_like_number(text: str) -> bool:
    """A figure that is written where a value goes but is not one exact number (约300, 1,2,3)."""
    return bool(_NUMBER_LIKE.match(normalize(text)))


def read_number(text: str) -> NumberReading | None:
    """The number written in `text`, or None when it is not a number (a label, a blank)."""
    s = normalize(text)
    if not s:
        return None
    sign, signed = 1, False
    if s[0] in _SIGN_PREFIXES and len(s) > 1:
        sign, signed, s = _SIGN_PREFIXES[s[0]], True, s[1:]
    unit = None
    for suffix in _UNIT_SUFFIXES:
        if s.endswith(suffix) and len(s) > len(suffix):
            unit, s = suffix, s[: -len(suffix)]
            break
    magnitude = _magnitude(s)
    if magnitude is None:
        return None
    return NumberReading(sign * magnitude, unit, signed)


def _magnitude(s: str) -> float | None:
    if _PLAIN.match(s):
        return float(s)
    if _THOUSANDS.match(s):
        return float(s.replace(",", ""))
    if _CHINESE.match(s) and not s.replace(".", "").isdigit():
        import cn2an

        try:
            return float(cn2an.cn2an(s, "smart"))
        except (ValueError, KeyError):
            return None
    return None


def to_wan_yuan(reading: NumberReading) -> float:
    """An amount in 万元: values written in 元 are divided by 10,000."""
    if reading.unit == "元":
        return reading.value / 10_000
    return reading.value
