"""Peak memory of one parse task: the largest sample-like PDF against the smallest, same run.

    python -m bench.parse_memory [--random N] [--keep DIR]

Renders the format corpus of bench.parse_formats (the five samples plus N
random reports per layout, DOCX converted to PDF by LibreOffice), then for
the PDF with the most pages and, as the baseline, the one with the fewest,
runs what the ingest DAG's `parse` task runs (`pipeline.parse_step.parse_to_file`)
in a fresh interpreter and reports:

- task RSS: the task process's peak RSS (VmHWM) after importing the parser;
- parse peak: the peak RSS of the forked child that parses (ru_maxrss of the
  children; pages it only shares with the task process and never touches
  are not counted);
- task + parse: both together, an upper bound of the task's footprint.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from bench.corpus import corpus_specs, write_corpus
from bench.parse_formats import page_count
from bench.work_folder import work_folder

REPO = Path(__file__).resolve().parent.parent

_PROBE = r"""
import json, resource, sys, time
from pathlib import Path

def hwm():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmHWM:", "VmRSS:")):
            yield line.split()[0][:-1], int(line.split()[1]) / 1024

from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
import pdfplumber  # noqa: F401  (what the task has loaded before the first document)
before = dict(hwm())
started = time.perf_counter()
outcome = parse_to_file(sys.argv[1], Settings.from_env())
seconds = time.perf_counter() - started
after = dict(hwm())
child = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"task_rss_at_fork": before["VmRSS"], "task_peak": after["VmHWM"], "parse_peak": child,
                  "seconds": seconds, "status": outcome["status"]}))
"""


def probe(pdf: Path, home: Path) -> dict:
    env = {
        **os.environ,
        "DISCLOSURE_HOME": str(home),
        "PYTHONPATH": os.pathsep.join(p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p),
    }
    for name in ("DISCLOSURE_PARSED_DIR", "DISCLOSURE_WAREHOUSE_PATH"):
        env.pop(name, None)
    result = subprocess.run(
        [sys.executable, "-c", _PROBE, str(pdf)], capture_output=True, text=True, env=env, cwd=REPO, timeout=600
    )
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-3000:])
    return json.loads(result.stdout.strip().splitlines()[-1])


def run(folder: Path, random_per_layout: int) -> str:
    written = write_corpus(corpus_specs(random_per_layout), folder)
    pdfs = sorted(((page_count(p), p.stat().st_size, p) for p in written["pdf"]), key=lambda t: t[:2])
    rows = [("baseline (smallest)", *pdfs[0]), ("largest", *pdfs[-1])]
    lines = [
        f"{'PDF':<22} {'file':<28} {'pages':>5} {'KiB':>6} {'task MiB':>9} {'parse peak MiB':>15} "
        f"{'task + parse':>13} {'parse s':>8} status"
    ]
    for label, pages, size, path in rows:
        r = probe(path, folder / f"home-{label.split()[0]}")
        lines.append(
            f"{label:<22} {path.name[:28]:<28} {pages:>5} {size / 1024:>6.0f} {r['task_peak']:>9.0f} "
            f"{r['parse_peak']:>15.0f} {r['task_peak'] + r['parse_peak']:>13.0f} "
            f"{r['seconds']:>8.2f} {r['status']}"
        )
    lines.append("")
    lines.append(
        f"{len(pdfs)} PDFs rendered; the parse child runs under a {2048} MB address-space limit (extractors.limits)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse_memory", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--random", type=int, default=5, help="random reports per layout (default 5)")
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temporary folder")
    args = parser.parse_args(argv)
    with work_folder(args.keep, "bench-parse-memory-") as folder:
        print(run(folder, args.random))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
