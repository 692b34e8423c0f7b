"""The parser reproduces the hand-written golden fixtures of every sample exactly."""

from __future__ import annotations

import json

import pytest

from extractors import codes
from extractors.document import ParsedDocument
from extractors.parse import parse_file
from tests.paths import GOLDEN, SAMPLES

SAMPLE_NAMES = sorted(p.stem for p in SAMPLES.glob("*.txt"))


def observed(doc: ParsedDocument) -> dict:
    """The parse result in the golden files' shape (every emitted cell, nulls included)."""
    cells = {(c.table, c.row, c.column): c.value for c in doc.cells}
    rows_of = {c.row for c in doc.cells if c.table == "applications"}
    proceedings = {c.row for c in doc.cells if c.table == "appeals"}
    proactive: dict[str, dict] = {}
    for c in doc.cells:
        if c.table == "proactive":
            proactive.setdefault(f"{c.article} {c.row}", {})[c.column] = c.value
    facts: dict[str, list] = {}
    for f in sorted(doc.facts, key=lambda f: (f.name, f.seq)):
        facts.setdefault(f.name, []).append(f.value)
    return {
        "agency": doc.agency,
        "year": doc.year,
        "template": doc.template,
        "status": doc.status,
        "applications": {
            r: [cells[("applications", r, a)] for a in codes.APPLICANT_CODES]
            for r in codes.APPLICATION_ROW_CODES
            if r in rows_of
        },
        "appeals": {
            p: [cells[("appeals", p, o)] for o in codes.APPEAL_OUTCOME_CODES]
            for p in codes.APPEAL_PROCEEDING_CODES
            if p in proceedings
        },
        "proactive": proactive,
        "facts": facts,
        "issues": sorted(f"{i.code} {i.table} {i.row}" for i in doc.issues),
    }


@pytest.mark.parametrize("name", SAMPLE_NAMES)
def test_sample_matches_golden(name: str) -> None:
    golden = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    golden.pop("_note")
    golden["issues"] = sorted(golden["issues"])
    assert observed(parse_file(SAMPLES / f"{name}.txt")) == golden


def test_every_sample_has_a_golden_file() -> None:
    assert len(SAMPLE_NAMES) == 5
    assert sorted(p.stem for p in GOLDEN.glob("*.json")) == SAMPLE_NAMES


def test_cells_keep_raw_text_and_line() -> None:
    doc = parse_file(SAMPLES / "001_27a7349fbee7f2fc.txt")
    license_change = next(c for c in doc.cells if (c.row, c.column) == ("admin_license", "change"))
    assert (license_change.value, license_change.raw) == (-77992, "减77992")
    lines = (SAMPLES / "001_27a7349fbee7f2fc.txt").read_text(encoding="utf-8").splitlines()
    assert lines[license_change.line - 1].strip() == "减77992"
    procurement = next(c for c in doc.cells if c.column == "procurement_amount")
    assert (procurement.value, procurement.raw) == (35339.15, "35339.15万元")


def test_absent_cells_are_null_never_zero() -> None:
    doc = parse_file(SAMPLES / "000_c5fa09c4c740451d.txt")
    new_received = [c for c in doc.cells if c.table == "applications" and c.row == "new_received"]
    assert len(new_received) == 7
    assert all(c.value is None and c.raw is None for c in new_received)
