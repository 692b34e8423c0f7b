"""Parse the generated corpus in every format and score it against the known cells.

    python -m bench.parse_formats [--random N] [--rounds R] [--keep DIR]

Prints per format and layout: cell precision and recall (cells and narrative
facts, nulls excluded), identity checks whose outcome (passed / failed /
not evaluable) matches the outcome on the known values, seconds per document
and per page, and for PDF the ratio of our parse time to pdfplumber's raw
extraction (page.extract_text() + page.extract_tables() on every page) of the
same files, measured in the same run, best of R rounds: in wall-clock seconds
and in CPU seconds of this process (`time.process_time`), which other jobs on
a loaded machine skew far less. The PDF variants
(bench.corpus.PDF_VARIANTS: tables without ruling lines, landscape pages,
pages stored turned with /Rotate 90 and 270) are scored and timed alike.
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from bench.corpus import FORMATS, PDF_VARIANTS, corpus_specs, write_corpus
from bench.report_spec import ReportSpec
from bench.work_folder import work_folder
from extractors import codes
from extractors.parse import parse_bytes
from tests.extractors.test_parser_golden import observed

Flat = dict[tuple[str, ...], float]


def flatten(shape: dict) -> Flat:
    """The non-null values of a golden-shaped result, keyed by table, row, column (facts by name, seq)."""
    flat: Flat = {}
    for row, values in shape.get("applications", {}).items():
        flat |= {("applications", row, a): v for a, v in zip(codes.APPLICANT_CODES, values, strict=True)}
    for proceeding, values in shape.get("appeals", {}).items():
        flat |= {("appeals", proceeding, o): v for o, v in zip(codes.APPEAL_OUTCOME_CODES, values, strict=True)}
    for key, measures in shape.get("proactive", {}).items():
        flat |= {("proactive", key, m): v for m, v in measures.items()}
    for name, values in shape.get("facts", {}).items():
        flat |= {("facts", name, str(i)): v for i, v in enumerate(values)}
    return {k: float(v) for k, v in flat.items() if v is not None}


def other_as_one_row(shape: dict) -> bool:
    """Whether the parse recorded a gov2021 table printing 其他处理 as one row (issue row.other_as_one_row)."""
    return any(issue.split(" ")[0] == "row.other_as_one_row" for issue in shape.get("issues", []))


def identity_outcomes(flat: Flat, template: str, one_row: bool = False) -> dict[str, str]:
    """app.balance, app.results_sum, app.row_total and appeal.sum per subject, computed from cells
    (`one_row`: other_as_one_row of the shape, as int_check_inputs reads the issue)."""
    if template not in {"gov2019", "gov2021"}:
        return {}
    out: dict[str, str] = {}

    def judge(check: str, subject: str, parts: list[tuple[str, ...]], total: list[tuple[str, ...]]) -> None:
        if any(k not in flat for k in parts + total):
            out[f"{check} {subject}"] = "not_evaluable"
            return
        same = abs(sum(flat[k] for k in parts) - sum(flat[k] for k in total)) < 0.005
        out[f"{check} {subject}"] = "passed" if same else "failed"

    leaves = codes.result_leaves_of(template, one_row)
    for a in codes.APPLICANT_CODES:
        cell = lambda row, a=a: ("applications", row, a)  # noqa: E731
        judge(
            "app.balance",
            a,
            [cell("new_received"), cell("carried_over")],
            [cell("results_total"), cell("carried_forward")],
        )
        judge("app.results_sum", a, [cell(r) for r in leaves], [cell("results_total")])
    for row in codes.application_rows_of(template):
        judge(
            "app.row_total",
            row,
            [("applications", row, a) for a in codes.APPLICANT_CODES[:-1]],
            [("applications", row, "total")],
        )
    for p in codes.APPEAL_PROCEEDING_CODES:
        judge("appeal.sum", p, [("appeals", p, o) for o in codes.APPEAL_OUTCOME_CODES[:-1]], [("appeals", p, "total")])
    return out


@dataclass(frozen=True)
class Seconds:
    """Wall-clock and CPU seconds (this process) of one piece of work, or of several summed."""

    wall: float = 0.0
    cpu: float = 0.0

    def __add__(self, other: Seconds) -> Seconds:
        return Seconds(self.wall + other.wall, self.cpu + other.cpu)

    def best(self, other: Seconds) -> Seconds:
        return Seconds(min(self.wall, other.wall), min(self.cpu, other.cpu))


NEVER = Seconds(float("inf"), float("inf"))  # the best of no round


def timed(work: Callable[[], Any]) -> tuple[Any, Seconds]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, Seconds(time.perf_counter() - wall, time.process_time() - cpu)


def baseline(pdf: Path) -> None:
    """pdfplumber's own text and table extraction of every page: the yardstick for our PDF parse."""
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        for page in document.pages:
            page.extract_text()
            page.extract_tables()


def ratio_line(kind: str, ours: Seconds, base: Seconds, pages: int, rounds: int) -> str:
    """Our PDF parse against pdfplumber's, wall clock then CPU."""
    return (
        f"{kind:<15} our parse {ours.wall:.2f} s, pdfplumber extract_text + extract_tables {base.wall:.2f} s "
        f"for {pages} pages (best of {rounds}): ratio {ours.wall / base.wall:.2f} ({ours.wall / pages:.3f} vs "
        f"{base.wall / pages:.3f} s/page); CPU {ours.cpu:.2f} s vs {base.cpu:.2f} s: ratio {ours.cpu / base.cpu:.2f}"
    )


def page_count(pdf: Path) -> int:
    import pdfplumber

    with pdfplumber.open(pdf) as document:
        return len(document.pages)


class Tally:
    """Precision, recall, identity checks and time of one format (and layout), summed over documents."""

    def __init__(self) -> None:
        self.correct = self.parsed = self.known = 0
        self.checks_right = self.checks = self.checks_failing = 0
        self.seconds = 0.0
        self.documents = self.pages = 0

    def add(self, spec: ReportSpec, shape: dict, seconds: float, pages: int) -> None:
        known, got = flatten(spec.expected), flatten(shape)
        self.correct += sum(1 for k, v in got.items() if known.get(k) is not None and abs(known[k] - v) < 1e-9)
        self.parsed += len(got)
        self.known += len(known)
        expected_checks = identity_outcomes(known, spec.template, other_as_one_row(spec.expected))
        got_checks = identity_outcomes(got, shape.get("template") or "", other_as_one_row(shape))
        self.checks += len(expected_checks)
        self.checks_right += sum(1 for k, v in expected_checks.items() if got_checks.get(k) == v)
        self.checks_failing += sum(1 for v in expected_checks.values() if v == "failed")
        self.seconds += seconds
        self.documents += 1
        self.pages += pages

    def row(self, label: str) -> str:
        precision = self.correct / self.parsed if self.parsed else 1.0
        recall = self.correct / self.known if self.known else 1.0
        checks = f"{self.checks_right}/{self.checks} ({self.checks_failing} failing)" if self.checks else "-"
        return (
            f"{label:<24} {self.documents:>4} {self.pages:>5} {precision:>9.2%} {recall:>7.2%} {checks:>20} "
            f"{self.seconds / self.documents:>8.3f} {self.seconds / max(self.pages, 1):>8.3f}"
        )


KINDS = FORMATS + PDF_VARIANTS


def run(specs: list[ReportSpec], folder: Path, rounds: int) -> str:
    write_corpus(specs, folder, pdf_variants=True)
    pdf_kinds = [kind for kind in KINDS if kind.startswith("pdf")]
    pages = {(kind, s.name): page_count(folder / kind / f"{s.name}.pdf") for kind in pdf_kinds for s in specs}
    tallies: dict[tuple[str, str], Tally] = defaultdict(Tally)
    ours_best = dict.fromkeys(pdf_kinds, NEVER)
    base_best = dict.fromkeys(pdf_kinds, NEVER)
    for _round in range(rounds):
        ours = dict.fromkeys(pdf_kinds, Seconds())
        base = dict.fromkeys(pdf_kinds, Seconds())
        for spec in specs:
            for kind in KINDS:
                fmt = kind.split("-")[0]
                path = folder / kind / f"{spec.name}.{fmt}"
                doc, seconds = timed(partial(parse_bytes, path.name, path.read_bytes()))
                if fmt == "pdf":
                    ours[kind] += seconds
                    base[kind] += timed(partial(baseline, path))[1]
                if _round == 0:
                    shape = observed(doc)
                    count = pages[(kind if fmt == "pdf" else "pdf", spec.name)]  # DOCX, HTML: their PDF's pages
                    for layout in (spec.template, "all"):
                        tallies[(kind, layout)].add(spec, shape, seconds.wall, count)
        ours_best = {k: ours_best[k].best(ours[k]) for k in pdf_kinds}
        base_best = {k: base_best[k].best(base[k]) for k in pdf_kinds}
    lines = [
        f"{'format / layout':<24} {'docs':>4} {'pages':>5} {'precision':>9} {'recall':>7} "
        f"{'identity checks right':>20} {'s/doc':>8} {'s/page':>8}"
    ]
    for kind in KINDS:
        layouts = ("gov2019", "gov2021", "narrative", "all") if kind in FORMATS else ("all",)
        lines += [tallies[(kind, layout)].row(f"{kind} {layout}") for layout in layouts if (kind, layout) in tallies]
    lines.append("")
    for kind in pdf_kinds:
        total_pages = sum(pages[(kind, s.name)] for s in specs)
        lines.append(ratio_line(kind, ours_best[kind], base_best[kind], total_pages, rounds))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse_formats", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--random", type=int, default=5, help="random reports per layout (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="timing rounds, best kept (default 3)")
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temporary folder")
    args = parser.parse_args(argv)
    specs = corpus_specs(args.random)
    with work_folder(args.keep, "corpus-") as folder:
        print(run(specs, folder, args.rounds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
