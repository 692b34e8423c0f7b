"""Figures stated in sentences: applications received and answered, proactive totals and parts.

A figure is taken only where a sentence states it; two different figures for
the same fact are both kept and flagged (`narrative.conflicting_figures`),
and a part named without its number is recorded, never read as 0. Counts may
carry thousands separators (13,784条); a 主动公开信息N条 among the 其中 parts of
a total is one of its parts, not a second total.
"""

from __future__ import annotations

import re

from extractors.document import Fact, Issue, Line
from extractors.numbers import normalize

_SENTENCE_END = re.compile(r"[。；;！!？?]")
# A count as sentences write it: 13,784 (NFKC folds 13，784 alike) or 2069; the separator form only with
# three-digit groups, so a list (12,3条) is never read as one number.
_N = r"(\d{1,3}(?:,\d{3})+|\d+)"
_RECEIVED = re.compile(r"(?:收到|受理)[^，,。；]{0,40}?申请[^，,。；\d]{0,10}?" + _N + "件")
_NONE_RECEIVED = re.compile(r"(?:未|没有)(?:收到|受理)[^，,。；\d]{0,12}?(?:依申请公开|公开申请|信息公开申请)")
_APPEAL_WORDS = ("复议", "诉讼")
_OUTCOMES = (
    ("applications_granted", re.compile(r"同意公开[”\"]?数?为?" + _N + "件")),
    ("applications_not_government_info", re.compile(r"[“\"]?非政府信息[”\"]?数?为?" + _N + "件")),
    ("applications_not_held", re.compile(r"[“\"]?非本机关政府信息[”\"]?数?为?" + _N + "件")),
)
_PROACTIVE_TOTAL = re.compile(r"主动公开(?:政府)?信息" + _N + "条")
_PROACTIVE_PART = re.compile(r"([^，,、。；]*?公开[^，,、。；\d]{0,12}?)(\d{1,3}(?:,\d{3})+|\d*)条")


def read_facts(lines: list[Line]) -> tuple[list[Fact], list[Issue]]:
    facts: list[Fact] = []
    issues: list[Issue] = []
    for line in lines:
        if line.is_table:
            continue
        text = normalize("".join(line.cells))
        for sentence in _sentences(text):
            _applications(sentence, line, facts)
        _proactive(text, line, facts, issues)
    _flag_conflicts(facts, issues)
    return facts, issues


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text) if s]


def _add(facts: list[Fact], name: str, value: float | None, raw: str, line: Line) -> None:
    seq = 1 + sum(1 for f in facts if f.name == name)
    facts.append(Fact(name=name, seq=seq, value=value, raw=raw, line=line.no, page=line.page))


def _about_appeals(text: str) -> bool:
    return any(word in text for word in _APPEAL_WORDS)


def _applications(sentence: str, line: Line, facts: list[Fact]) -> None:
    received = [m for m in _RECEIVED.finditer(sentence) if not _about_appeals(m.group(0))]
    for match in received:
        _add(facts, "applications_received", _count(match.group(1)), match.group(0), line)
    none = _NONE_RECEIVED.search(sentence)
    if none and not received and not _about_appeals(none.group(0)):
        _add(facts, "applications_received", 0.0, none.group(0), line)
    for name, pattern in _OUTCOMES:
        for match in pattern.finditer(sentence):
            _add(facts, name, _count(match.group(1)), match.group(0), line)


def _proactive(text: str, line: Line, facts: list[Fact], issues: list[Issue]) -> None:
    """主动公开政府信息N条，(其中)A条、B条…: the total and each part that follows it."""
    parts_end = 0  # a 主动公开信息N条 inside the 其中 parts of a total is a part, not a second total
    for total in _PROACTIVE_TOTAL.finditer(text):
        if total.start() < parts_end:
            continue
        _add(facts, "proactive_published_total", _count(total.group(1)), total.group(0), line)
        span = _parts_span(text, total.end())
        parts_end = total.end() + len(span)
        for part in _PROACTIVE_PART.finditer(span):
            label, number = part.group(1), part.group(2)
            if number:
                _add(facts, "proactive_published_part", _count(number), part.group(0), line)
            else:
                _add(facts, "proactive_published_part", None, part.group(0), line)
                issues.append(
                    Issue(
                        "narrative.value_missing",
                        f"the text names a part {label!r} of the proactive total "
                        f"with no number ({part.group(0)!r}); it is null",
                        table="narrative",
                        row="proactive_published_part",
                        line=line.no,
                        page=line.page,
                    )
                )


def _count(text: str) -> float:
    return float(text.replace(",", ""))


def _parts_span(text: str, start: int) -> str:
    """The rest of the sentence after a total, and the next sentence if it begins with 其中."""
    rest = text[start:]
    end = _SENTENCE_END.search(rest)
    if end is None:
        return rest
    span = rest[: end.start()]
    following = rest[end.end() :]
    if following.startswith("其中"):
        next_end = _SENTENCE_END.search(following)
        span += "，" + following[: next_end.start() if next_end else len(following)]
    return span


def _flag_conflicts(facts: list[Fact], issues: list[Issue]) -> None:
    received = [f for f in facts if f.name == "applications_received"]
    values = sorted({f.value for f in received if f.value is not None})
    if len(values) > 1:
        issues.append(
            Issue(
                "narrative.conflicting_figures",
                "the text states different numbers of applications received: "
                + "; ".join(f"{f.raw} (line {f.line})" for f in received)
                + f". The first ({received[0].value:g}) is compared with the table; all are kept.",
                table="narrative",
                row="applications_received",
                line=received[1].line,
            )
        )
