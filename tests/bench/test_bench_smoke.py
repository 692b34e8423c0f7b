"""The benchmark scripts still run: each at its smallest size, checking that it prints its table.

Nothing here times anything (bench/RESULTS.md holds the figures). The
warehouse and DAG-parse benches run in about 30 s together; the end-to-end
bench (Airflow twice under the LocalExecutor) and the parse-memory bench
(LibreOffice) are marked `integration`. The warehouse and end-to-end runs
start in the background when the session starts (`BENCH_RUNS`,
tests/conftest.py and tests/background.py).
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.background import Finished
from tests.paths import REPO_ROOT


def _bench(module: str, *args: str, timeout: float = 300) -> str:
    return _output(
        subprocess.run(
            [sys.executable, "-m", module, *args], capture_output=True, text=True, cwd=REPO_ROOT, timeout=timeout
        )
    )


def _output(result: subprocess.CompletedProcess | Finished) -> str:
    """A bench's printed output, once it exited 0."""
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result.stdout


def test_dag_parse_bench_prints_its_table() -> None:
    """The bench runs and prints a figure per DAG file; the 0.3 s target is judged in bench/, not here.

    Its exit code says whether every file met the target: on a busy machine one may not,
    so the test checks that the exit code agrees with the verdicts it printed.
    """
    result = subprocess.run(
        [sys.executable, "-m", "bench.dag_parse", "--rounds", "1"], capture_output=True, text=True, cwd=REPO_ROOT
    )
    out = result.stdout
    assert "baseline (1-task DAG)" in out, out + result.stderr[-3000:]
    rows = out.split("\n\n")[0].splitlines()[1:]  # the table: a header, then a row per file
    verdicts = [line[26:].split()[5] for line in rows]  # after the name column
    assert set(verdicts) <= {"met", "MISSED"}, out
    assert result.returncode == (0 if set(verdicts) == {"met"} else 1), out + result.stderr[-3000:]
    for name in ("disclosure_ingest.py", "disclosure_transform.py"):
        fields = next(line for line in rows if line.startswith(name)).split()
        assert float(fields[1]) > 0 and fields[6] in {"met", "MISSED"}, fields  # import seconds, target verdict
        assert fields[7] == "-", fields  # no heavy module at module level


def test_warehouse_scale_bench_prints_its_table(warehouse_scale_bench: Finished) -> None:
    out = _output(warehouse_scale_bench)  # `BENCH_RUNS` (tests/conftest.py), run in the background
    assert "reports       cells" in out
    row = next(line for line in out.splitlines() if line.strip().startswith("100 "))
    assert int(row.split()[1].replace(",", "")) > 5_000  # about 110 cells per report
    assert "failed" in out and "largest (100 reports)" in out
    # each incremental run does what changed, and together they equal a full refresh
    assert "#   nothing new: scope nothing (" in out
    assert "#   10 new: scope changed (" in out
    assert "#   next day: scope date (" in out
    assert "#   incremental marts = full refresh: yes, row for row" in out


def test_warehouse_synthesis_matches_the_template_shapes() -> None:
    from bench.warehouse_scale import grid_rows
    from extractors import templates

    for template in ("gov2019", "gov2021"):
        cells = sum(row.expected_cells for row in templates.shape(template))
        assert sum(1 for row in grid_rows() if row[0] == template) == cells


def test_pipeline_report_formats_runs() -> None:
    from collections import Counter

    from bench.pipeline_e2e import report

    tasks = {
        "ingest.parse": (3, 1.5),
        "transform.identity_checks": (1, 2.0),
        "ingest (run)": (1, 12.0),
        "transform (run)": (1, 9.0),
    }
    runs = [
        {"label": "first run", "seconds": 30.0, "parsed": 3, "tasks": tasks, "http": Counter({200: 5})},
        {
            "label": "again, nothing new",
            "seconds": 20.0,
            "parsed": 0,
            "http": Counter({200: 2, 304: 3}),
            "tasks": {"ingest (run)": (1, 10.0)},
        },
        {"label": "with 1 new", "seconds": 21.0, "parsed": 1, "tasks": tasks, "http": Counter()},
    ]
    out = report(3, 1, {"pdf": 1, "docx": 1, "html": 1, "text": 0}, 5.0, 10.0, runs, "airflow dags test")
    assert "EXTRAPOLATED to 1,000 documents" in out
    assert "re-run with nothing new: 20.0 s, 0 parsed" in out
    assert "HTTP 2 x 200, 3 x 304" in out
    assert "the ingest run took 12.0 s (the empty re-run's 10.0 s), and the transform it triggers 9.0 s" in out
    assert "ingest.parse" in out
    big = report(1000, 1, {"pdf": 1000}, 5.0, 10.0, runs, "scheduler")
    assert "first run over 1000 documents: 0.5 min MEASURED (target <= 10 min for 1,000: met)" in big


def test_celery_throughput_report_sets_two_workers_beside_one() -> None:
    from bench.celery_throughput import Throughput, report

    one = Throughput(
        workers=1, parse_tasks=20, documents=200, parse_seconds=120.0, run_seconds=150.0, tasks_per_worker=[26]
    )
    two = Throughput(
        workers=2, parse_tasks=20, documents=200, parse_seconds=80.0, run_seconds=110.0, tasks_per_worker=[14, 12]
    )
    out = report([one, two], 200, 10, 2, (1.5, 1.0, 1.0))
    rows = [line.split() for line in out.splitlines() if re.match(r"^ +[12] +[24] ", line)]
    # workers, slots, parse tasks, docs, parse span, docs/min, ingest run, tasks per worker
    assert rows == [
        ["1", "2", "20", "200", "120.0", "100", "150.0", "26"],
        ["2", "4", "20", "200", "80.0", "150", "110.0", "14", "/", "12"],
    ]
    assert "two workers against one: x1.50 documents per minute" in out
    assert "2 slots per Celery worker" in out and "load average before 1.50" in out


@pytest.mark.anyio
async def test_agency_sites_publish_a_catalogue_that_discovery_finds_and_answer_304_to_a_known_etag(
    tmp_path: Path, tmp_settings
) -> None:
    from bench.agency_sites import AgencySites, Published, add_to_catalogue
    from extractors.fetch.discovery import discover_source, fetch_reports
    from extractors.fetch.fetcher import FetchConfig, Fetcher
    from extractors.fetch.registry import parse_registry

    files = {f"r_{i}.pdf": b"%PDF-1.4 " + bytes(str(i), "ascii") for i in range(23)}
    files |= {"page.html": b"<html><body><p>report</p></body></html>", "plain.txt": "报告".encode()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    add_to_catalogue(tmp_path, [Published(f"r_{i}.pdf", 0, "测试县人民政府", 2008 + i) for i in range(23)])
    add_to_catalogue(tmp_path, [Published("page.html", 1, "示例市", 2020), Published("plain.txt", 1, "示例市", 2021)])
    config = FetchConfig(min_interval_per_host=0)
    with AgencySites(tmp_path) as web:
        sources = parse_registry(web.registry())
        assert [s.name for s in sources] == ["基准000县人民政府", "基准001县人民政府"]
        async with Fetcher(tmp_settings.storage, config) as fetcher:
            found = {s.name: (await discover_source(s, fetcher)).reports for s in sources}
            # 23 reports over three listing pages (10 a page), some linked through a report page
            assert sorted(r.url.rsplit("/", 1)[1] for r in found["基准000县人民政府"]) == sorted(
                f"r_{i}.pdf" for i in range(23)
            )
            assert {r.year for r in found["基准000县人民政府"]} == set(range(2008, 2031))
            assert sorted(r.url.rsplit("/", 1)[1] for r in found["基准001县人民政府"]) == ["page.html", "plain.txt"]
            reports = [r for rs in found.values() for r in rs]
            first = await fetch_reports(fetcher, reports)
        async with Fetcher(tmp_settings.storage, config) as fetcher:  # the next run discovers afresh
            found_again = [r for s in sources for r in (await discover_source(s, fetcher)).reports]
            again = await fetch_reports(fetcher, found_again)
    assert {r.http_status for r in first} == {200} and {r.http_status for r in again} == {304}
    assert web.hits[304] == 25


@pytest.mark.integration
def test_pipeline_e2e_bench_runs_tiny(pipeline_e2e_bench: Finished) -> None:
    # `BENCH_RUNS` (tests/conftest.py), run in the background from the session's start.
    # No `--new` run: new documents on a known site are tests/bench/test_nationwide.py's and
    # tests/pipeline/test_ingest_fetch.py's; this proves the bench and the LocalExecutor runs.
    out = _output(pipeline_e2e_bench)
    assert "on 2 fake agency sites on 127.0.0.1" in out and "LocalExecutor" in out
    assert "re-run with nothing new" in out and "0 parsed" in out
    # run, wall s, parsed, x baseline, the sites' responses: a known document is not asked for again the
    # same day (DISCLOSURE_REVALIDATE_DAYS: not due), so the re-run costs listing pages only
    assert re.search(r"^first run +[\d.]+ +3 +[\d.]+ +HTTP \d+ x 200$", out, re.MULTILINE), out
    assert re.search(r"^again, nothing new +[\d.]+ +0 +[\d.]+ +HTTP \d+ x 200$", out, re.MULTILINE), out
    assert "documents: 3 published (distinct bytes), 3 in raw.documents, 3 of them parsed" in out, out


@pytest.mark.integration
def test_parse_memory_bench_prints_its_table() -> None:
    from bench.corpus import soffice
    from tests.conftest import service_missing

    if soffice() is None:
        service_missing("LibreOffice (soffice) is not installed")
    out = _bench("bench.parse_memory", "--random", "0")
    assert "baseline (smallest)" in out and "largest" in out and "parsed" in out
