"""The benchmark scripts still run: each at its smallest size, checking that it prints its table.

Nothing here times anything (bench/RESULTS.md holds the figures). The
warehouse and DAG-parse benches run in about 30 s together; the end-to-end
bench (Airflow three times) and the parse-memory bench (LibreOffice) are
marked `integration`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def _bench(module: str, *args: str, timeout: float = 300) -> str:
    result = subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                            cwd=REPO_ROOT, timeout=timeout)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_dag_parse_bench_prints_its_table() -> None:
    out = _bench("bench.dag_parse", "--rounds", "1")
    assert "baseline (1-task DAG)" in out
    for name in ("disclosure_ingest.py", "disclosure_transform.py"):
        line = next(line for line in out.splitlines() if line.startswith(name))
        assert line.split()[6] == "met", line  # import <= 0.3 s and no heavy module


def test_warehouse_scale_bench_prints_its_table() -> None:
    out = _bench("bench.warehouse_scale", "--sizes", "100")
    assert "reports       cells" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("100 "))
    assert int(row.split()[1].replace(",", "")) > 5_000  # about 110 cells per report
    assert "failed" in out and "largest (100 reports)" in out


def test_warehouse_synthesis_matches_the_template_shapes() -> None:
    from bench.warehouse_scale import grid_rows
    from extractors import templates

    for template in ("gov2019", "gov2021"):
        cells = sum(row.expected_cells for row in templates.shape(template))
        assert sum(1 for row in grid_rows() if row[0] == template) == cells


def test_pipeline_report_formats_runs() -> None:
    from bench.pipeline_e2e import report

    tasks = {"ingest.parse": (3, 1.5), "transform.identity_checks": (1, 2.0)}
    runs = [{"label": "first run", "seconds": 30.0, "parsed": 3, "tasks": tasks},
            {"label": "again, nothing new", "seconds": 20.0, "parsed": 0, "tasks": tasks},
            {"label": "with 1 new", "seconds": 21.0, "parsed": 1, "tasks": tasks}]
    out = report(3, 1, {"pdf": 1, "docx": 1, "html": 1, "text": 0}, 5.0, 10.0, runs, "airflow dags test")
    assert "EXTRAPOLATED to 1,000 documents" in out
    assert "re-run with nothing new: 20.0 s, 0 parsed" in out
    assert "ingest.parse" in out


@pytest.mark.integration
def test_pipeline_e2e_bench_runs_tiny() -> None:
    out = _bench("bench.pipeline_e2e", "--n", "3", "--new", "1", timeout=900)
    assert "re-run with nothing new" in out and "0 parsed" in out


@pytest.mark.integration
def test_parse_memory_bench_prints_its_table() -> None:
    from bench.corpus import soffice
    from tests.conftest import service_missing

    if soffice() is None:
        service_missing("LibreOffice (soffice) is not installed")
    out = _bench("bench.parse_memory", "--random", "0")
    assert "baseline (smallest)" in out and "largest" in out and "parsed" in out
