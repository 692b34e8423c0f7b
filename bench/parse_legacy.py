"""Score the formats read since issue 17: Word 97-2003 .doc, OFD, and scanned PDFs by OCR at 150 and 300 dpi.

    python -m bench.parse_legacy [--random N] [--kinds doc,ofd,scan150,scan300] [--keep DIR]

The corpus's reports (bench.corpus: the samples and N random reports per
layout) are rendered to DOCX, then by LibreOffice to PDF and .doc; OFD by
bench/render_ofd.py from the PDF; scans by bench/render_scan.py (turned 0.4°,
speckled, JPEG, a red seal over the first table). Each file is parsed in a
limited child process as the pipeline does (`limits.run_limited`, default
limits); printed per kind: cell precision and recall against the known
values (bench.parse_formats), seconds per page, and the peak resident memory
of the parse process and of its children (OCR pages, LibreOffice).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from bench.corpus import convert_to_pdf, corpus_specs, write_docx_and_html
from bench.parse_formats import Tally, flatten, page_count
from bench.render_ofd import pdf_to_ofd
from bench.render_scan import scan_pdf
from bench.report_spec import ReportSpec
from extractors.document import ParsedDocument
from extractors.limits import Limits, run_limited
from extractors.parse import parse_bytes
from tests.extractors.test_parser_golden import observed

KINDS = ("doc", "ofd", "scan150", "scan300")


def _measured(name: str, data: bytes) -> tuple[ParsedDocument, float, float]:
    """Runs in the parse child: the document, seconds, and peak MB of this process and its children."""
    started = time.perf_counter()
    doc = parse_bytes(name, data)
    seconds = time.perf_counter() - started
    peak_kb = max(
        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    )
    return doc, seconds, peak_kb / 1024


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


def run(specs: list[ReportSpec], folder: Path, kinds: tuple[str, ...]) -> str:
    files = write_files(specs, folder, kinds)
    tallies: dict[str, Tally] = defaultdict(Tally)
    peaks: dict[str, float] = defaultdict(float)
    wrong: dict[str, list[str]] = defaultdict(list)
    for spec in specs:
        pages = page_count(folder / "pdf" / f"{spec.name}.pdf")
        for kind in kinds:
            path = files[(kind, spec.name)]
            doc, seconds, peak = run_limited(_measured, (path.name, path.read_bytes()), Limits())
            shape = observed(doc)
            tallies[kind].add(spec, shape, seconds, pages)
            peaks[kind] = max(peaks[kind], peak)
            known = flatten(spec.expected)
            wrong[kind] += [
                f"{spec.name} {'/'.join(k)}: {v} (known {known.get(k)})"
                for k, v in flatten(shape).items()
                if known.get(k) is not None and known[k] != v
            ]
    lines = [
        f"{'format':<24} {'docs':>4} {'pages':>5} {'precision':>9} {'recall':>7} "
        f"{'identity checks right':>20} {'s/doc':>8} {'s/page':>8} {'peak MB':>8}"
    ]
    lines += [f"{tallies[kind].row(kind)} {peaks[kind]:>8.0f}" for kind in kinds]
    for kind in kinds:
        lines += [f"wrong value ({kind}): {w}" for w in wrong[kind]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.parse_legacy", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--random", type=int, default=1, help="random reports per layout (default 1)")
    parser.add_argument("--kinds", default=",".join(KINDS), help=f"comma-separated, of {', '.join(KINDS)}")
    parser.add_argument("--keep", type=Path, help="write the corpus here instead of a temporary folder")
    args = parser.parse_args(argv)
    specs = corpus_specs(args.random)
    kinds = tuple(k for k in args.kinds.split(",") if k)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        print(run(specs, args.keep, kinds))
    else:
        with tempfile.TemporaryDirectory() as folder:
            print(run(specs, Path(folder), kinds))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
