"""pdfplumber's text lines and cell text, computed from the same characters with far fewer calls.

`text_lines(chars)` gives what `page.extract_text_lines(return_chars=True, strip=True)` gives and
`cell_text(chars)` what `pdfplumber.utils.extract_text(chars)` gives (default tolerances, no layout):
the same words (characters grouped by `upright`, clustered into lines by top, or by x0 for turned
characters, sorted along the line, split where pdfplumber's `WordExtractor` splits them), the same
lines, the same texts. pdfplumber builds a dict per word, goes through a method call or two per
character and builds a textmap per cell: an eighth of our parse's CPU time on the bench's PDFs, so
the reader keeps the algorithm and drops the overhead. `tests/extractors/readers/test_pdf_text.py`
holds both to pdfplumber's output.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from operator import itemgetter

from pdfplumber.utils.text import LIGATURES, TextMap

_TOLERANCE = 3  # pdfplumber's default x and y tolerance, in points


def text_lines(chars: list[dict]) -> list[dict]:
    """Text lines {text, x0, top, x1, bottom, chars} as `page.extract_text_lines(strip=True)` reads them."""
    words = list(_words(chars))
    cluster = _clusters([top for top, _ in words])
    lines: list[dict] = []
    # words in the order found: consecutive words whose tops share a cluster make a line
    for _, line in itertools.groupby(words, lambda word: cluster[word[0]]):
        lines += _line([word for _, word in line])
    return lines


def _line(words: list[list[dict]]) -> list[dict]:
    """A line of words as text lines: its words joined by a space, or, when a character's text is not one plain
    letter (a ligature, blanks, nothing), as many lines as pdfplumber's textmap spells out of it."""
    chars = [c for word in words for c in word]
    texts = [_word_text(word) for word in words]
    text = " ".join(texts)
    if not (all(texts) and len(text) == len(chars) + len(words) - 1 and LIGATURES.keys().isdisjoint(text)):
        return _spelled_out(words)
    return [
        {
            "text": text,
            "x0": min(c["x0"] for c in chars),
            "top": min(c["top"] for c in chars),
            "x1": max(c["x1"] for c in chars),
            "bottom": max(c["bottom"] for c in chars),
            "chars": chars,
        }
    ]


def _spelled_out(words: list[list[dict]]) -> list[dict]:
    """pdfplumber's way: a textmap of the line's letters (a space between words), read by its line pattern."""
    tuples: list[tuple[str, dict | None]] = []
    for word in words:
        if tuples:
            tuples.append((" ", None))
        tuples += [(letter, char) for char in word for letter in LIGATURES.get(char["text"], char["text"])]
    return TextMap(tuples, "ttb", "ltr").extract_text_lines(strip=True, return_chars=True)


def cell_text(chars: list[dict]) -> str:
    """A cell's text as `pdfplumber.utils.extract_text(chars)` (and so `Table.extract()`) reads it."""
    words = list(_words(chars))
    cluster = _clusters([top for top, _ in words])
    lines = itertools.groupby(sorted(words, key=lambda word: cluster[word[0]]), lambda word: cluster[word[0]])
    return "\n".join(" ".join(_word_text(word) for _, word in line) for _, line in lines)


def _word_text(word: list[dict]) -> str:
    return "".join(LIGATURES.get(c["text"], c["text"] or "") for c in word)


def _clusters(values: list[float]) -> dict[float, int]:
    """pdfplumber's `make_cluster_dict`: distinct values, sorted, chained while within the tolerance."""
    clusters: dict[float, int] = {}
    count, last = -1, float("-inf")
    for value in sorted(set(values)):
        count += value > last + _TOLERANCE
        clusters[value] = count
        last = value
    return clusters


def _words(chars: list[dict]) -> Iterator[tuple[float, list[dict]]]:
    """(top, characters) of every word, in `WordExtractor.iter_extract_tuples` order: a run of characters of one
    `upright` clustered into lines (upright: by top, read left to right; turned: by x0, read top down), each line
    split into words where pdfplumber's `char_begins_new_word` splits it. Blank characters are dropped; a
    character without text, which pdfplumber's `"" in ""` sends there, is a word of its own."""
    for upright, group in itertools.groupby(chars, itemgetter("upright")):
        # start and end along the line, and the side that places the line
        start, end, side = ("x0", "x1", "top") if upright else ("top", "bottom", "x0")
        run = list(group)
        cluster = _clusters([c[side] for c in run])
        if upright:
            run.sort(key=lambda c: (cluster[c[side]], c[start]))
        else:
            run.sort(key=lambda c: (cluster[c[side]], c[start], c[end]))
        word: list[dict] = []
        line = -1
        for char in run:
            text, here = char["text"], cluster[char[side]]
            if word and (
                text.isspace()
                or not text
                or here != line
                or char[start] < word[-1][start]
                or char[start] > word[-1][end] + _TOLERANCE
                or abs(char[side] - word[-1][side]) > _TOLERANCE
            ):
                yield min(c["top"] for c in word), word
                word = []
            if not text:
                yield char["top"], [char]
            elif not text.isspace():
                word.append(char)
            line = here
        if word:
            yield min(c["top"] for c in word), word
