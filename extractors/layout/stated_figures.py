"""More figures stated in sentences: carried over and forward, granted, appeals, litigation and fees.

Kept apart from `narrative.py` (received, outcomes, proactive) so that each reads one kind of
statement. Every figure keeps its sentence fragment and line; a clause that denies any case
(没有收到…行政复议) is 0, and a count that belongs to another fact (复议后起诉 is litigation,
not a review) is left to that fact.
"""

from __future__ import annotations

import re

from extractors.document import Fact, Line
from extractors.numbers import normalize, read_number, to_wan_yuan

_SENTENCE_END = re.compile(r"[。；;！!？?]")
_CLAUSE_END = re.compile(r"[，,。；;！!？?]")
_GAP = r"[^，,。；;\d]{0,12}?"

# (fact, pattern with one number group, words that, inside or just before the match, give it to another fact)
_FIGURES: tuple[tuple[str, re.Pattern[str], tuple[str, ...]], ...] = (
    ("applications_carried_over", re.compile(rf"上一?年度?结转{_GAP}(\d+)件"), ()),
    ("applications_carried_forward", re.compile(rf"结转(?:至|到)?下一?年度?{_GAP}(\d+)件"), ()),
    ("applications_granted", re.compile(r"予以公开[”\"]?[^，,。；;\d]{0,6}?(\d+)件"), ()),
    ("admin_review_total", re.compile(rf"(?:行政)?复议{_GAP}(\d+)件"), ("诉",)),
    ("litigation_direct", re.compile(rf"直接(?:向[^，,。；;\d]{{0,8}})?(?:提起|起诉){_GAP}(\d+)件"), ()),
    ("litigation_after_review", re.compile(rf"复议后{_GAP}(?:起诉|诉讼){_GAP}(\d+)件"), ()),
    ("litigation_total", re.compile(rf"行政诉讼{_GAP}(\d+)件"), ("复议后", "直接")),
)
# A clause without a number that denies any review or litigation: 未发生/没有收到/无 … 行政复议、行政诉讼.
_NONE = re.compile(r"(?:未|没有|无)[^，,。；;\d]{0,30}?(?:行政复议|行政诉讼)[^，,。；;\d]*")
_NONE_FACT = {"行政复议": "admin_review_total", "行政诉讼": "litigation_total"}
_LOOKBEHIND = 6  # characters before a match that may give it to another fact (复议后提起行政诉讼)
# Fees charged for applications, in 元 or 万元 (the fact is in 万元); 减免 amounts are waived, not collected.
_FEES = re.compile(r"(?:收取|收费)[^，,。；;\d]{0,12}?(\d+(?:\.\d+)?)(万元|元)")
_NO_FEES = re.compile(r"(?:未|没有|无)[^，,。；;\d]{0,12}?(?:收取|收费)")
_WAIVED = "减免"


def read_stated_figures(lines: list[Line], facts: list[Fact]) -> None:
    """Append the facts these sentences state to `facts` (seq continues the facts already there)."""
    for line in lines:
        if line.is_table:
            continue
        for sentence in _SENTENCE_END.split(normalize("".join(line.cells))):
            _figures(sentence, line, facts)
            _denials(sentence, line, facts)
            _fees(sentence, line, facts)


def _add(facts: list[Fact], name: str, value: float, raw: str, line: Line) -> None:
    seq = 1 + sum(1 for f in facts if f.name == name)
    facts.append(Fact(name=name, seq=seq, value=value, raw=raw, line=line.no, page=line.page))


def _figures(sentence: str, line: Line, facts: list[Fact]) -> None:
    for name, pattern, others in _FIGURES:
        for match in pattern.finditer(sentence):
            context = sentence[max(0, match.start() - _LOOKBEHIND) : match.end()]
            if any(word in context for word in others):
                continue
            _add(facts, name, float(match.group(1)), match.group(0), line)


def _denials(sentence: str, line: Line, facts: list[Fact]) -> None:
    for clause in _CLAUSE_END.split(sentence):
        if any(ch.isdigit() for ch in clause):
            continue
        for match in _NONE.finditer(clause):
            for word, name in _NONE_FACT.items():
                if word in match.group(0):
                    _add(facts, name, 0.0, match.group(0), line)


def _fees(sentence: str, line: Line, facts: list[Fact]) -> None:
    """收取费用120元 (0.012 万元); a clause saying none was charged (未收取任何费用, 无收费) is 0."""
    for clause in _CLAUSE_END.split(sentence):
        stated = [m for m in _FEES.finditer(clause) if _WAIVED not in clause[: m.end()]]
        for match in stated:
            reading = read_number(match.group(1) + match.group(2))
            if reading is not None:
                _add(facts, "fees_collected", to_wan_yuan(reading), match.group(0), line)
        if not stated and (none := _NO_FEES.search(clause)):
            _add(facts, "fees_collected", 0.0, none.group(0), line)
