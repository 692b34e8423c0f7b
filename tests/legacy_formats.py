"""A scanned report, a Word 97-2003 .doc and an OFD file of the samples' agencies, and what the marts must hold.

The three are rendered from the samples' known cells (bench/): the scan is the
PDF printed at 150 dpi with a red seal over a table and turned slightly (its
narrative left out, to keep OCR to two pages), the .doc is LibreOffice's, the
OFD our writer's. tests/pipeline/test_ingest_fetch.py puts them in a folder
source beside its fake website, so that one embedded run parses, loads, builds
and checks them; their cells and identity checks must be in the published marts.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from bench.corpus import convert_to_pdf, sample_spec, write_docx_and_html
from bench.render_ofd import pdf_to_ofd
from bench.render_scan import scan_pdf

SCAN, DOC, OFD = "002_3c6323d342dfd320", "001_27a7349fbee7f2fc", "004_a0eb56bf1a87750f"
AGENCIES = {SCAN: "静乐县", DOC: "金寨县人民政府", OFD: "盐池县人民政府办公室"}
FILE_NAMES = {SCAN: "jingle-scan.pdf", DOC: "jinzhai.doc", OFD: "yanchi.ofd"}
FORMATS = {SCAN: "pdf", DOC: "doc", OFD: "ofd"}
# The scanned sample's known defects (tests/sample_failures.py): the same figures read by OCR fail alike.
SCAN_FAILURES = {
    ("静乐县", "app.results_sum", "natural_person"),
    ("静乐县", "app.results_sum", "total"),
    ("静乐县", "app.balance", "natural_person"),
    ("静乐县", "app.balance", "total"),
}


@dataclass(frozen=True)
class LegacyFiles:
    """The folder holding the three files; per sample, the file's sha256 and its number of known application cells."""

    folder: Path
    sha256: dict[str, str]
    known_cells: dict[str, int]


def write_legacy_files(folder: Path, work: Path) -> LegacyFiles:
    specs = {name: sample_spec(name) for name in AGENCIES}
    specs[SCAN] = replace(specs[SCAN], before=(), after=())
    written = write_docx_and_html(specs.values(), work)
    docx = {p.stem: p for p in written["docx"]}
    pdfs = {p.stem: p for p in convert_to_pdf([docx[SCAN], docx[OFD]], work / "pdf")}
    (doc,) = convert_to_pdf([docx[DOC]], work / "doc", target="doc")
    contents = {
        SCAN: scan_pdf(pdfs[SCAN].read_bytes(), dpi=150, angle=0.4, seal_page=1),
        DOC: doc.read_bytes(),
        OFD: pdf_to_ofd(pdfs[OFD].read_bytes()),
    }
    folder.mkdir()
    for name, data in contents.items():
        (folder / FILE_NAMES[name]).write_bytes(data)
    known = {
        name: sum(v is not None for values in spec.expected["applications"].values() for v in values)
        for name, spec in specs.items()
    }
    return LegacyFiles(folder, {name: hashlib.sha256(data).hexdigest() for name, data in contents.items()}, known)


def assert_loaded(warehouse: Path, files: LegacyFiles) -> None:
    """Each file is in raw.documents, parsed, with its format."""
    with duckdb.connect(str(warehouse), read_only=True) as conn:
        rows = conn.execute(
            "select sha256, format, status from raw.documents where sha256 in (select unnest(?))",
            [list(files.sha256.values())],
        ).fetchall()
    assert {sha: (fmt, status) for sha, fmt, status in rows} == {
        files.sha256[name]: (fmt, "parsed") for name, fmt in FORMATS.items()
    }


def assert_in_the_marts(published: Path, files: LegacyFiles) -> None:
    """Every known application cell of each file is a fact, checked; only the scan's known defects fail."""
    reports = {sha: name for name, sha in files.sha256.items()}
    with duckdb.connect(str(published), read_only=True) as conn:

        def per_report(sql: str) -> dict[str, tuple]:
            rows = conn.execute(sql, [list(reports)]).fetchall()
            return {reports[sha]: tuple(rest) for sha, *rest in rows}

        cells = per_report(
            "select r.sha256, r.agency_name, count(a.value) from marts.fct_applications a "
            "join marts.dim_report r using (report_id) where r.sha256 in (select unnest(?)) group by 1, 2"
        )
        checked = per_report(
            "select r.sha256, count(*) from marts.fct_check_results c join marts.dim_report r using (report_id) "
            "where r.sha256 in (select unnest(?)) and c.check_id like 'app.%' group by 1"
        )
        failed = set(
            conn.execute(
                "select r.agency_name, c.check_id, c.subject from marts.fct_check_results c "
                "join marts.dim_report r using (report_id) "
                "where r.sha256 in (select unnest(?)) and c.status = 'failed' and c.check_id like 'app.%'",
                [list(reports)],
            ).fetchall()
        )
        jingle = conn.execute(
            "select a.value from marts.fct_applications a join marts.dim_report r using (report_id) "
            "where r.sha256 = ? and a.row_code = 'new_received' and a.applicant = 'total'",
            [files.sha256[SCAN]],
        ).fetchone()
    assert cells == {name: (AGENCIES[name], files.known_cells[name]) for name in AGENCIES}
    assert set(checked) == set(AGENCIES) and all(n for (n,) in checked.values())
    assert failed == SCAN_FAILURES
    assert jingle is not None and jingle[0] is not None
