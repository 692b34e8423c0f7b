"""How long each DAG file takes to parse, measured as Airflow's dag-processor does.

    python -m bench.dag_parse [--rounds R]

The dag-processor forks a child per DAG file from a process that has Airflow
loaded (`airflow.dag_processing.processor`), builds a `BundleDagBag` on that
one file (a fresh module import under a unique name) and serialises its DAGs.
For every file of `dags/` (and, as the baseline, a minimal one-task DAG
written to a temporary folder) a fresh interpreter:

1. imports `airflow.dag_processing.processor` and `airflow.sdk` (not timed:
   the processor has them already);
2. times the first import of the file (`import`: cold, as in a new child);
3. times R more imports of the same file under fresh module names (`warm`:
   the file's own code, its imports cached; median);
4. times R `BundleDagBag(dag_folder=file)` builds plus `DagSerialization.to_dict`
   of each DAG (`dagbag`: what one parse of the processor costs; median).

Target: `import` <= 0.3 s per DAG file; `tests/dags/test_dag_integrity.py` fails
past 1 s. The `over baseline` column is the file's cold import minus the
minimal DAG's, so that machine noise largely cancels.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DAGS = REPO / "dags"
TARGET_SECONDS = 0.3
HEAVY_MODULES = ("pandas", "great_expectations", "dbt", "duckdb", "pdfplumber", "extractors", "expectations")

BASELINE_DAG = '''"""Baseline: the smallest TaskFlow DAG."""
from datetime import datetime

from airflow.sdk import dag, task


@dag(dag_id="bench_baseline", schedule=None, start_date=datetime(2025, 1, 1), doc_md=__doc__)
def bench_baseline():
    @task
    def one():
        return 1

    one()


bench_baseline()
'''

_PROBE = r"""
import importlib.util, json, statistics, sys, time
from pathlib import Path
path, bundle, rounds, heavy = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4].split(",")
sys.path.insert(0, str(path.parent))
started = time.perf_counter()
import airflow.dag_processing.processor  # what the processor child has loaded
import airflow.sdk  # noqa: F401
from airflow.dag_processing.dagbag import BundleDagBag
from airflow.serialization.serialized_objects import DagSerialization
airflow_seconds = time.perf_counter() - started
before = {m.split(".")[0] for m in sys.modules}

def import_once(name):
    t = time.perf_counter()
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return time.perf_counter() - t

cold = import_once("bench_dag_cold")
heavy_loaded = sorted({m.split(".")[0] for m in sys.modules} & set(heavy) - before)
warm = [import_once(f"bench_dag_warm_{i}") for i in range(rounds)]
bag_times, n_dags = [], 0
for _ in range(rounds):
    t = time.perf_counter()
    bag = BundleDagBag(dag_folder=path, bundle_path=bundle, bundle_name="bench", load_op_links=False)
    for dag in bag.dags.values():
        DagSerialization.to_dict(dag)
    bag_times.append(time.perf_counter() - t)
    n_dags = len(bag.dags)
    if bag.import_errors:
        raise SystemExit(f"import errors: {bag.import_errors}")
print(json.dumps({"cold": cold, "warm": statistics.median(warm), "dagbag": statistics.median(bag_times),
                  "airflow": airflow_seconds, "dags": n_dags, "heavy": heavy_loaded}))
"""


def probe(path: Path, bundle: Path, rounds: int, airflow_home: Path) -> dict:
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGS_FOLDER": str(bundle),
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{airflow_home / 'airflow.db'}",
        "AIRFLOW__USAGE_DATA_COLLECTION__ENABLED": "False",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), str(bundle), str(rounds), ",".join(HEAVY_MODULES)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"probe of {path.name} failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(rounds: int) -> tuple[str, bool]:
    files = sorted(p for p in DAGS.glob("*.py") if not p.name.startswith("_"))
    with tempfile.TemporaryDirectory(prefix="bench-dag-parse-") as tmp:
        home, base_dir = Path(tmp) / "airflow", Path(tmp) / "baseline"
        home.mkdir()
        base_dir.mkdir()
        baseline_file = base_dir / "baseline_dag.py"
        baseline_file.write_text(BASELINE_DAG, encoding="utf-8")
        baseline = probe(baseline_file, base_dir, rounds, home)
        rows = [("baseline (1-task DAG)", baseline)] + [(p.name, probe(p, DAGS, rounds, home)) for p in files]
    lines = [
        f"{'DAG file':<26} {'import s':>9} {'warm s':>8} {'dagbag s':>9} {'over baseline':>14} "
        f"{'dags':>5} {'target':>8}  heavy imports"
    ]
    ok = True
    for name, r in rows:
        met = r["cold"] <= TARGET_SECONDS and not r["heavy"]
        ok = ok and met
        lines.append(
            f"{name:<26} {r['cold']:>9.3f} {r['warm']:>8.3f} {r['dagbag']:>9.3f} "
            f"{r['cold'] - baseline['cold']:>+14.3f} {r['dags']:>5} "
            f"{('met' if met else 'MISSED'):>8}  {','.join(r['heavy']) or '-'}"
        )
    lines.append("")
    lines.append(
        f"Airflow itself (processor modules, not timed above): {baseline['airflow']:.2f} s; "
        f"target import <= {TARGET_SECONDS} s per file (median of {rounds} for warm and dagbag)"
    )
    return "\n".join(lines), ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.dag_parse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=5, help="warm imports and DagBag builds per file (median)")
    args = parser.parse_args(argv)
    table, ok = run(args.rounds)
    print(table)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
