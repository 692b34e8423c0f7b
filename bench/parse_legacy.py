"""Score the formats read since issue 17: Word 97-2003 .doc, OFD, and scanned PDFs by OCR at 150 and 300 dpi.

    python -m bench.parse_legacy [--random N] [--only NAMES] [--kinds doc,ofd,scan150,scan300]
                                 [--engines rapidocr,tesseract] [--seconds S] [--keep DIR]

The corpus's reports (bench.corpus: the samples and N random reports per
layout) are rendered to DOCX, then by LibreOffice to PDF and .doc; OFD by
bench/render_ofd.py from the PDF; scans by bench/render_scan.py (turned 0.4°,
speckled, JPEG, a red seal over the first table). Each file is parsed in a
limited child process as the pipeline does (`limits.run_limited`, default
limits); printed per kind: cell precision and recall against the known
values (bench.parse_formats), seconds per page (wall clock, and CPU time of
the parse process and its children: on a shared machine the CPU time is the
figure that compares), the peak resident memory of the parse process and of
its children (OCR pages, LibreOffice, tesseract), and the scanned pages left
unread at their deadline. Scans are read by each of `--engines`: rapidocr
(the pipeline's) and tesseract (bench/tesseract_ocr.py, skipped with a note
when not installed). `--seconds` raises the parse's and each OCR page's
deadline, so that a loaded machine measures the reading, not its load.
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

from bench.corpus import convert_to_pdf, corpus_specs, write_docx_and_html
from bench.parse_formats import Tally, flatten, page_count
from bench.render_ofd import pdf_to_ofd
from bench.render_scan import scan_pdf
from bench.report_spec import ReportSpec
from bench.tesseract_ocr import installed as tesseract_installed
from bench.tesseract_ocr import recognise as tesseract_recognise
from bench.work_folder import work_folder
from extractors.document import ParsedDocument
from extractors.limits import DEFAULT_SECONDS, Limits, run_limited
from extractors.parse import parse_bytes
from extractors.readers import ocr
from tests.extractors.test_parser_golden import observed

KINDS = ("doc", "ofd", "scan150", "scan300")
ENGINES = {"rapidocr": ocr.recognise, "tesseract": tesseract_recognise}


def _measured(name: str, data: bytes) -> tuple[ParsedDocument, float, float, float]:
    """Runs in the parse child: the document, seconds, CPU seconds and peak MB of this process and its children."""
    started = time.perf_counter()
    doc = parse_bytes(name, data)
    seconds = time.perf_counter() - started
    usage = [resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)]
    cpu = sum(u.ru_utime + u.ru_stime for u in usage)
    return doc, seconds, cpu, max(u.ru_maxrss for u in usage) / 1024


def _unread(doc: ParsedDocument, pages: int) -> int:
    """Scanned pages OCR did not read before their deadline."""
    return pages if doc.status == "needs_ocr" else sum(i.code == "document.needs_ocr" for i in doc.issues)


def write_files(specs: list[ReportSpec], folder: Path, kinds: tuple[str, ...]) -> dict[tuple[str, str], Path]:
    docx = write_docx_and_html(specs, folder)["docx"]
    pdfs = {p.stem: p for p in convert_to_pdf(docx, folder / "pdf")}
    files: dict[tuple[str, str], Path] = {}
    if "doc" in kinds:
        files |= {("doc", p.stem): p for p in convert_to_pdf(docx, folder / "doc", target="doc")}
    for kind in kinds:
        if kind == "doc":
            continue
        (folder / kind).mkdir(exist_ok=True)
        for name, pdf in pdfs.items():
            data = pdf.read_bytes()
            out = folder / kind / f"{name}.{'ofd' if kind == 'ofd' else 'pdf'}"
            out.write_bytes(pdf_to_ofd(data) if kind == "ofd" else scan_pdf(data, dpi=int(kind[4:])))
            files[(kind, name)] = out
    return files


def runs(kinds: tuple[str, ...], engines: tuple[str, ...]) -> list[tuple[str, str | None]]:
    """(kind, engine) pairs: scans once per OCR engine, the other kinds once."""
    return [(kind, engine) for kind in kinds for engine in (engines if kind.startswith("scan") else (None,))]


def run(specs: list[ReportSpec], folder: Path, kinds: tuple[str, ...], engines: tuple[str, ...], limits: Limits) -> str:
    files = write_files(specs, folder, kinds)
    labels = {(kind, engine): f"{kind} {engine}" if engine else kind for kind, engine in runs(kinds, engines)}
    tallies: dict[str, Tally] = defaultdict(Tally)
    peaks: dict[str, float] = defaultdict(float)
    cpu: dict[str, float] = defaultdict(float)
    unread: dict[str, int] = defaultdict(int)
    wrong: dict[str, list[str]] = defaultdict(list)
    for spec in specs:
        pages = page_count(folder / "pdf" / f"{spec.name}.pdf")
        for (kind, engine), label in labels.items():
            if engine:  # the parse children are forked: they read the page with this engine
                ocr.recognise = ENGINES[engine]
            path = files[(kind, spec.name)]
            doc, seconds, cpu_seconds, peak = run_limited(_measured, (path.name, path.read_bytes()), limits)
            shape = observed(doc)
            tallies[label].add(spec, shape, seconds, pages)
            peaks[label] = max(peaks[label], peak)
            cpu[label] += cpu_seconds
            unread[label] += _unread(doc, pages)
            known = flatten(spec.expected)
            wrong[label] += [
                f"{spec.name} {'/'.join(k)}: {v} (known {known.get(k)})"
                for k, v in flatten(shape).items()
                if known.get(k) != v  # a value where the report has none is wrong too
            ]
    lines = [
        f"{'format':<24} {'docs':>4} {'pages':>5} {'precision':>9} {'recall':>7} "
        f"{'identity checks right':>20} {'s/doc':>8} {'s/page':>8} {'peak MB':>8} {'CPU s/page':>10} {'unread':>6}"
    ]
    lines += [
        f"{tallies[label].row(label)} {peaks[label]:>8.0f} {cpu[label] / max(tallies[label].pages, 1):>10.1f} "
        f"{unread[label]:>6}"
        for label in labels.values()
    ]
    for label, tally in tallies.items():  # the counts, to add up runs split over several processes
        lines.append(f"counts ({label}): {tally.correct} right of {tally.parsed} read, {tally.known} known")
        lines += [f"wrong value ({label}): {w}" for w in wrong[label]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse_legacy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--random", type=int, default=1, help="random reports per layout (default 1)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--only", help="comma-separated report names (or their first characters) to keep")
    parser.add_argument("--engines", default="rapidocr", help=f"OCR engines for scans, of {', '.join(ENGINES)}")
    parser.add_argument(
        "--seconds",
        type=float,
        help=f"parse deadline, also each OCR page's (default {DEFAULT_SECONDS:g} and {ocr.PAGE_SECONDS:g})",
    )
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temporary folder")
    args = parser.parse_args(argv)
    limits = Limits()
    if args.seconds:
        limits = Limits(seconds=args.seconds)
        ocr.PAGE_SECONDS = args.seconds  # read by the forked parse children
    specs = corpus_specs(args.random)
    if args.only:
        specs = [s for s in specs if s.name.startswith(tuple(args.only.split(",")))]
    kinds = tuple(k for k in args.kinds.split(",") if k)
    engines = tuple(e for e in args.engines.split(",") if e)
    if "tesseract" in engines and not tesseract_installed():
        print("tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim): measured without it")
        engines = tuple(e for e in engines if e != "tesseract")
    with work_folder(args.keep, "bench-parse-legacy-") as folder:
        print(run(specs, folder, kinds, engines, limits))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
