"""End to end: a scanned report, a Word 97-2003 .doc and an OFD file of the samples' agencies reach the marts.

The three are rendered from the samples' known cells (bench/): the scan is the
PDF printed at 150 dpi with a red seal over a table and turned slightly (its
narrative left out, to keep OCR to two pages), the .doc is LibreOffice's, the
OFD our writer's. One embedded run (`run_embedded`) parses, loads, builds and
checks them; their cells and identity checks must be in the published marts.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

from bench.corpus import convert_to_pdf, sample_spec, soffice, write_docx_and_html
from bench.render_ofd import pdf_to_ofd
from bench.render_scan import scan_pdf
from pipeline.embedded import run_embedded
from pipeline.settings import ELSEWHERE_VARIABLES, Settings
from tests.conftest import service_missing

pytestmark = pytest.mark.timeout(1800)

SCAN, DOC, OFD = "002_3c6323d342dfd320", "001_27a7349fbee7f2fc", "004_a0eb56bf1a87750f"
AGENCIES = {SCAN: "静乐县", DOC: "金寨县人民政府", OFD: "盐池县人民政府办公室"}
# The scanned sample's known defects (tests/pipeline/test_e2e.py): the same figures read by OCR fail alike.
SCAN_FAILURES = {
    ("静乐县", "app.results_sum", "natural_person"),
    ("静乐县", "app.results_sum", "total"),
    ("静乐县", "app.balance", "natural_person"),
    ("静乐县", "app.balance", "total"),
}


def _inputs(folder: Path, work: Path) -> dict[str, int]:
    """Writes the three files; returns each agency's number of known application cells."""
    specs = {name: sample_spec(name) for name in AGENCIES}
    specs[SCAN] = replace(specs[SCAN], before=(), after=())
    written = write_docx_and_html(specs.values(), work)
    docx = {p.stem: p for p in written["docx"]}
    pdfs = {p.stem: p for p in convert_to_pdf([docx[SCAN], docx[OFD]], work / "pdf")}
    (doc,) = convert_to_pdf([docx[DOC]], work / "doc", target="doc")
    folder.mkdir()
    (folder / "jingle-scan.pdf").write_bytes(scan_pdf(pdfs[SCAN].read_bytes(), dpi=150, angle=0.4, seal_page=1))
    (folder / "jinzhai.doc").write_bytes(doc.read_bytes())
    (folder / "yanchi.ofd").write_bytes(pdf_to_ofd(pdfs[OFD].read_bytes()))
    return {
        AGENCIES[name]: sum(v is not None for values in spec.expected["applications"].values() for v in values)
        for name, spec in specs.items()
    }


def test_scanned_doc_and_ofd_reports_reach_the_marts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if soffice() is None:
        service_missing("LibreOffice (soffice) is not installed: run scripts/system-deps.sh as root")
    known = _inputs(tmp_path / "input", tmp_path / "work")
    for name in ELSEWHERE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DISCLOSURE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DISCLOSURE_INPUT_DIR", str(tmp_path / "input"))
    settings = Settings.from_env()
    out = io.StringIO()
    assert run_embedded(settings, out=out) == 0, out.getvalue()

    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        formats = dict(conn.execute("select format, status from raw.documents").fetchall())
    assert formats == {"pdf": "parsed", "doc": "parsed", "ofd": "parsed"}
    with duckdb.connect(str(settings.published_path), read_only=True) as conn:
        cells = dict(
            conn.execute(
                "select r.agency_name, count(a.value) from marts.fct_applications a "
                "join marts.dim_report r using (report_id) group by 1"
            ).fetchall()
        )
        checked = {
            agency: n
            for agency, n in conn.execute(
                "select r.agency_name, count(*) from marts.fct_check_results c join marts.dim_report r "
                "using (report_id) where c.check_id like 'app.%' group by 1"
            ).fetchall()
        }
        failed = set(
            conn.execute(
                "select r.agency_name, c.check_id, c.subject from marts.fct_check_results c "
                "join marts.dim_report r using (report_id) where c.status = 'failed' and c.check_id like 'app.%'"
            ).fetchall()
        )
        jingle = conn.execute(
            "select a.value from marts.fct_applications a join marts.dim_report r using (report_id) "
            "where r.agency_name = '静乐县' and a.row_code = 'new_received' and a.applicant = 'total'"
        ).fetchone()
    assert cells == known
    assert set(checked) == set(AGENCIES.values()) and all(checked.values())
    assert failed == SCAN_FAILURES
    assert jingle is not None and jingle[0] is not None
