"""Server mode throughput: documents parsed per minute on one Celery worker and on two.

    python -m bench.celery_throughput [--n 200] [--batch 10] [--concurrency 2] [--keep DIR]

Corpus: N random reports (bench.pipeline_e2e.corpus: the three
layouts in turn, about 50 % PDF, 20 % DOCX, 20 % HTML, 10 % plain text) in one
input folder, the registry's folder source.

For 1 and then 2 workers, the native server mode of tests/server_mode.py is
started afresh (Postgres metadata and warehouse, Redis broker, S3 on moto in
this process, api-server, scheduler, dag-processor, the Celery workers of
`--concurrency` slots each) and one `disclosure_ingest` run is triggered over
the corpus; `disclosure_transform` stays paused, so only the ingest runs.
Parse throughput = documents parsed / (last parse task's end - first parse
task's start), from `task_instance` in the metadata database; the ingest
run's wall time is printed beside it.
"""

from __future__ import annotations

import argparse
import logging
import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from bench.agency_sites import CATALOGUE
from bench.pipeline_e2e import corpus
from bench.work_folder import work_folder
from tests.server_mode import Server, celery_server, query

INGEST = "disclosure_ingest"
PARSE_SPAN_SQL = """
    select count(*), min(start_date), max(end_date) from task_instance
    where dag_id = %s and run_id = %s and task_id = 'parse'
"""
RUN_SPAN_SQL = "select start_date, end_date from dag_run where dag_id = %s and run_id = %s"


@dataclass(frozen=True)
class Throughput:
    workers: int
    parse_tasks: int
    documents: int
    parse_seconds: float  # first parse task's start to the last one's end
    run_seconds: float  # the ingest run, start to end
    tasks_per_worker: list[int]

    @property
    def per_minute(self) -> float:
        return 60 * self.documents / self.parse_seconds


def input_folder(folder: Path, n: int) -> Path:
    """N reports in folder/input, without the catalogue (the folder source reads every file).

    Rendered once into folder/corpus-N: a later run with the same --keep reuses them.
    """
    input_dir = folder / "input"
    shutil.rmtree(input_dir, ignore_errors=True)
    corpus(folder / f"corpus-{n}", n, sites=1)
    shutil.copytree(folder / f"corpus-{n}", input_dir, ignore=shutil.ignore_patterns(CATALOGUE))
    return input_dir


def measure(folder: Path, input_dir: Path, workers: int, concurrency: int, batch: int) -> Throughput:
    """One ingest run over the corpus on fresh services with `workers` Celery workers."""
    settings = {"DISCLOSURE_PARSE_BATCH_SIZE": str(batch)}
    with celery_server(
        folder / f"workers-{workers}", input_dir=input_dir, workers=workers, concurrency=concurrency, settings=settings
    ) as server:
        run_id = f"throughput_{workers}_{uuid.uuid4().hex[:6]}"
        # At the logical date the scheduler would pick on unpause: no scheduled run beside it.
        server.api.trigger(INGEST, run_id, server.dags[INGEST]["next_dagrun_logical_date"])
        server.api.unpause(INGEST)
        server.api.wait_for_run(INGEST, timeout=3600, run_id=run_id)
        server.mark("ingest")
        return _throughput(server, run_id, workers)


def _throughput(server: Server, run_id: str, workers: int) -> Throughput:
    [(tasks, first_start, last_end)] = query(server.metadata_dsn, PARSE_SPAN_SQL, [INGEST, run_id])
    [(run_start, run_end)] = query(server.metadata_dsn, RUN_SPAN_SQL, [INGEST, run_id])
    [(documents,)] = query(server.warehouse_dsn, "select count(*) from raw.documents where status = 'parsed'")
    return Throughput(
        workers,
        tasks,
        documents,
        (last_end - first_start).total_seconds(),
        (run_end - run_start).total_seconds(),
        [_tasks_received(server.processes.logs / f"celery-worker-{n}.log") for n in range(1, workers + 1)],
    )


def _tasks_received(worker_log: Path) -> int:
    """Tasks a Celery worker took from the queue (its log's `Task ... received` lines)."""
    return len(re.findall(r"Task \S+ received", worker_log.read_text(encoding="utf-8", errors="replace")))


def report(results: list[Throughput], n: int, batch: int, concurrency: int, load: tuple[float, ...]) -> str:
    lines = [
        f"corpus: {n} documents from an input folder; parse batches of {batch}; "
        f"{concurrency} slots per Celery worker; {os.cpu_count()} cores; "
        f"load average before {load[0]:.2f}, after {os.getloadavg()[0]:.2f}",
        "",
        f"{'workers':>7} {'slots':>5} {'parse tasks':>11} {'docs':>5} {'parse span s':>12} "
        f"{'docs/min':>9} {'ingest run s':>12}  tasks taken per worker",
    ]
    for r in results:
        lines.append(
            f"{r.workers:>7} {r.workers * concurrency:>5} {r.parse_tasks:>11} {r.documents:>5} "
            f"{r.parse_seconds:>12.1f} {r.per_minute:>9.0f} {r.run_seconds:>12.1f}  "
            + " / ".join(map(str, r.tasks_per_worker))
        )
    if len(results) == 2:
        lines += [
            "",
            f"two workers against one: x{results[1].per_minute / results[0].per_minute:.2f} documents per minute "
            f"({os.cpu_count()} cores: on an otherwise idle machine two workers share the same CPUs and cannot "
            "double; under other load, twice the task processes also take a larger share of the CPUs)",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.celery_throughput",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--n", type=int, default=200, help="documents in the corpus (default 200)")
    parser.add_argument("--batch", type=int, default=10, help="documents per parse task (default 10)")
    parser.add_argument("--concurrency", type=int, default=2, help="slots per Celery worker (default 2)")
    parser.add_argument(
        "--keep",
        type=Path,
        help="work here and keep everything (default: a temp folder); a later run with the same --keep and "
        "--n reuses the rendered corpus",
    )
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the S3 server's line per request
    with work_folder(args.keep, "bench-celery-") as folder:
        load = os.getloadavg()
        input_dir = input_folder(folder, args.n)
        results = [measure(folder, input_dir, workers, args.concurrency, args.batch) for workers in (1, 2)]
        print(report(results, args.n, args.batch, args.concurrency, load))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
