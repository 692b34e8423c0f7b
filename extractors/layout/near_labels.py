"""Row labels that are not written exactly: misspelt, or broken over a page or a line.

A misspelt label (`其他法律行政止公开`) is read as the row whose label it is near only when
that is safe: the one row label within a quarter of its length in edits, and the row the
table expects next (the one after the last row read). Anything else stays unrecognised.
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from typing import TYPE_CHECKING

from extractors import codes
from extractors.layout import labels

if TYPE_CHECKING:  # rows.py asks near_rows whether a flattened line's label is a misspelt row label
    from extractors.layout.rows import Row

# Labels this short (总计, 其他) are read only exactly: one edit turns them into other words.
_MIN_FUZZY_CHARS = 4
# Edits allowed per character of the row's label: 其他法律行政止公开 lacks three of twelve.
_CHARS_PER_EDIT = 4


def _row_label(code: codes.Code) -> str:
    return labels.fold(code.label_zh.split("：")[-1])


_ROW_LABELS = {c.code: _row_label(c) for c in codes.APPLICATION_ROWS if len(_row_label(c)) >= _MIN_FUZZY_CHARS}


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance: characters inserted, deleted or replaced to turn `a` into `b`."""
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def near_rows(text: str, template: str) -> list[str]:
    """The template's application rows whose label `text` is within the allowed edits of."""
    folded = labels.fold(text)
    if not folded or labels.is_group_label(text):
        return []
    return [code for code in codes.application_rows_of(template) if code in _ROW_LABELS and _near(folded, code)]


def _near(folded: str, code: str) -> bool:
    label = _ROW_LABELS[code]
    edits = max(1, len(label) // _CHARS_PER_EDIT)
    # The lengths alone rule most labels out: every character more or less is an edit.
    return abs(len(folded) - len(label)) <= edits and edit_distance(folded, label) <= edits


def expected_row(template: str, last: str | None) -> str | None:
    """The application row that follows `last` in the template's table (the first one if none was read)."""
    rows = codes.application_rows_of(template)
    if last is None:
        return rows[0] if rows else None
    if last not in rows:
        return None
    index = rows.index(last) + 1
    return rows[index] if index < len(rows) else None


def fuzzy_row(texts: list[str], template: str, last: str | None) -> tuple[str, str] | None:
    """(row, label) of the first label that is near a row label, if it is near that one only and that is
    the row expected next."""
    expected = expected_row(template, last)
    for text in texts:
        near = near_rows(text, template)
        if near:
            return (near[0], text) if near == [expected] else None
    return None


def broken_pairs(texts: list[str]) -> list[str]:
    """Each label joined to the unnumbered tail that follows it: a label broken in two, whole again."""
    return [a + b for a, b in pairwise(texts) if not labels.is_numbered(b)]


def _names_row(text: str) -> bool:
    return labels.application_row(text) is not None


def join_broken_labels(rows: list[Row], template: str) -> list[Row]:
    """Give a row back the tail of its label that a page or line break carried into the next row's labels.

    A row whose labels name no row, followed by a row whose first label (from an earlier line than its
    values) is an unnumbered fragment naming nothing, while the two joined name a row (exactly or nearly).
    """
    out = list(rows)
    for i in range(len(out) - 1):
        row, following = out[i], out[i + 1]
        if not row.labels or any(_names_row(t.text) for t in row.labels) or len(following.labels) < 2:
            continue
        tail = following.labels[0]
        if labels.is_numbered(tail.text) or _names_row(tail.text) or tail.line >= (following.line or 0):
            continue
        last = row.labels[-1]
        text = last.text + tail.text
        if not (_names_row(text) or near_rows(text, template)):
            continue
        out[i] = replace(out[i], labels=[*row.labels[:-1], replace(last, text=text)])
        out[i + 1] = replace(following, labels=following.labels[1:])
    return out
