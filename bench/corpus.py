"""The generated test corpus: known cells rendered as DOCX, PDF (via LibreOffice) and HTML reports.

Two kinds of reports:
- the five samples: their golden cells and facts, their narrative text, and
  the messy cases they show (004's row of 6 values, blank appeals cells, a
  value under no header; 000's table cut off without its header) drawn in
  the official layouts;
- random variants of every layout (gov2019, gov2021, narrative) with
  full-width digits, thousands separators, 增/减, 万元 and page breaks inside the
  application table, some with identities broken on purpose.

PDF variants of the same reports (`PDF_VARIANTS`), each in OUT_DIR/<variant>/NAME.pdf:
tables without ruling lines (read from text alignment), every page in
landscape, and pages stored turned with /Rotate 90 (landscape) or 270
(portrait), displayed as the plain PDF.

    python -m bench.corpus OUT_DIR [--random N] [--pdf-variants]   writes OUT_DIR/{docx,html,pdf,pdf-*}/NAME.*
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bench.pdf_turn import turn_pages
from bench.render_docx import render_docx
from bench.render_html import render_html
from bench.report_spec import BLANK, ReportSpec, blocks
from extractors import codes, templates
from extractors.readers.doc import soffice_path

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "data" / "samples"
GOLDEN = REPO / "tests" / "golden"
FORMATS = ("docx", "html", "pdf")
PDF_VARIANTS = ("pdf-borderless", "pdf-landscape", "pdf-rotate90", "pdf-rotate270")

# What the golden files cannot say about how a sample draws its rows.
_QUIRKS: dict[str, dict] = {
    "000_c5fa09c4c740451d": {"number_style": "plain"},
    "001_27a7349fbee7f2fc": {"number_style": "signed_words", "split_before": "unable.not_held"},
    "002_3c6323d342dfd320": {"number_style": "plain", "split_before": "not_processed.complaint", "repeat_header": True},
    "004_a0eb56bf1a87750f": {
        "raw_rows": {("applications", "carried_forward"): ("0",) * 6},
        "extra_values": {("proactive", "admin_fee"): ("0",)},
    },
}
_TABLES_START = "二、主动公开政府信息情况"
_TABLES_END = "五、存在的主要问题"
_TITLE_MAX_LINES = 3


def sample_names() -> list[str]:
    return sorted(p.stem for p in SAMPLES.glob("*.txt"))


def golden(name: str) -> dict:
    data = json.loads((GOLDEN / f"{name}.json").read_text(encoding="utf-8"))
    data.pop("_note", None)
    data["issues"] = sorted(data["issues"])
    return data


def _split_text(text: str, narrative: bool) -> tuple[list[str], list[str], list[str]]:
    """(title, before, after) paragraphs of a sample's text; the tables between are drawn from cells."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    title: list[str] = []
    for line in lines:
        title.append(line)
        if "报告" in line or "年报" in line or len(title) >= _TITLE_MAX_LINES:
            break
    rest = lines[len(title) :]
    if narrative:
        return title, rest, []
    start = next(i for i, line in enumerate(rest) if line.startswith(_TABLES_START))
    end = next(i for i, line in enumerate(rest) if line.startswith(_TABLES_END))
    return title, rest[:start], rest[end:]


def sample_spec(name: str) -> ReportSpec:
    """A sample as a spec: golden cells in the official layout, around the sample's own narrative."""
    gold = golden(name)
    quirks = _QUIRKS.get(name, {})
    raw_rows = quirks.get("raw_rows", {})
    title, before, after = _split_text(
        (SAMPLES / f"{name}.txt").read_text(encoding="utf-8"), gold["template"] == "narrative"
    )
    cells: dict = {}
    proactive = []
    for key, measures in gold["proactive"].items():
        article, category = key.split()
        if any(v is not None for v in measures.values()):
            proactive.append((article, category, tuple(measures)))
            cells |= {("proactive", category, m): _known(v) for m, v in measures.items()}
    applications = []
    for row, values in gold["applications"].items():
        if any(v is not None for v in values) or ("applications", row) in raw_rows:
            applications.append(row)
            cells |= {("applications", row, a): _known(v) for a, v in zip(codes.APPLICANT_CODES, values, strict=True)}
    appeals = any(v is not None for values in gold["appeals"].values() for v in values)
    for proceeding, values in gold["appeals"].items():
        cells |= {
            ("appeals", proceeding, o): _known(v) for o, v in zip(codes.APPEAL_OUTCOME_CODES, values, strict=True)
        }
    return ReportSpec(
        name=name,
        template=gold["template"],
        title=tuple(title),
        before=tuple(before),
        after=tuple(after),
        cells=cells,
        proactive=tuple(proactive),
        applications=tuple(applications),
        application_header="header.missing applications None" not in gold["issues"],
        appeals=appeals,
        raw_rows=raw_rows,
        extra_values=quirks.get("extra_values", {}),
        split_before=quirks.get("split_before"),
        repeat_header=quirks.get("repeat_header", False),
        number_style=quirks.get("number_style", "plain"),
        expected=gold,
    )


def _known(value: float | None) -> float | str:
    return BLANK if value is None else value


# ---- random variants -------------------------------------------------------------------------------

_AGENCIES = ("测试县人民政府", "示例市生态环境局", "样本区人民政府办公室", "模拟县自然资源局", "演示市人民政府")
_STYLES = ("plain", "fullwidth", "thousands", "signed_words")
_FILLER = (
    "本机关坚持以公开为常态、不公开为例外，持续深化政务公开，规范政府信息管理，提升公开平台建设水平，"
    "加强政策解读与回应关切，各项工作有序推进。"
)


def random_spec(seed: int, layout: str) -> ReportSpec:
    """A report of `layout` with random values; some break an identity on purpose."""
    rng = random.Random(seed)
    year = {
        "gov2019": rng.choice((2019, 2020)),
        "gov2021": rng.randint(2021, 2024),
        "narrative": rng.randint(2012, 2018),
    }[layout]
    agency = rng.choice(_AGENCIES)
    received = rng.randint(0, 400)
    total, parts = rng.randint(100, 20000), rng.randint(10, 99)
    before = [
        "一、总体情况",
        f"{year}年，{_FILLER}全年主动公开政府信息{total}条，其中通过政府网站公开{total - parts}条、"
        f"政务新媒体公开{parts}条。",
        _FILLER * rng.randint(1, 4),
        f"全年共收到政府信息公开申请{received}件，均在法定期限内答复。",
    ]
    facts = {
        "applications_received": [received],
        "proactive_published_part": [total - parts, parts],
        "proactive_published_total": [total],
    }
    spec = ReportSpec(
        name=f"random_{layout}_{seed}",
        template=layout,
        title=(f"{agency}{year}年政府信息公开工作年度报告",),
        before=tuple(before),
        after=("五、存在的主要问题及改进情况", _FILLER, "六、其他需要报告的事项", "无。"),
        number_style=rng.choice(_STYLES),
    )
    if layout == "narrative":
        granted = rng.randint(0, received)
        spec.before += (f"本年度受理的申请中，“同意公开”数为{granted}件，“非政府信息”数为{received - granted}件。",)
        facts |= {"applications_granted": [granted], "applications_not_government_info": [received - granted]}
        spec.expected = _expected(spec, facts)
        return spec
    spec.cells = _random_cells(rng, layout, received)
    spec.proactive = templates.proactive_rows(layout)
    spec.applications = codes.application_rows_of(layout)
    spec.appeals = True
    spec.split_before = rng.choice(spec.applications[3:-2])
    spec.repeat_header = rng.random() < 0.5
    spec.landscape = seed % 2 == 1
    spec.expected = _expected(spec, facts)
    return spec


def _random_cells(rng: random.Random, layout: str, received: int) -> dict:
    cells: dict = {}
    for _article, category, measures in templates.proactive_rows(layout):
        for m in measures:
            value: float = rng.randint(0, 200_000)
            if m == "change":
                value = rng.randint(-5000, 5000)
            elif m in codes.AMOUNT_MEASURES:
                value = rng.randint(0, 10_000_000) / 100
            cells[("proactive", category, m)] = value
    leaves = codes.result_leaves_of(layout)
    columns = codes.APPLICANT_CODES[:-1]
    matrix = {row: {a: 0 for a in columns} for row in codes.application_rows_of(layout)}
    for a in columns:
        new = received if a == "natural_person" else rng.randint(0, 5)
        matrix["new_received"][a] = new
        matrix["carried_over"][a] = rng.randint(0, 3)
        forward = rng.randint(0, matrix["carried_over"][a])
        matrix["carried_forward"][a] = forward
        left = new + matrix["carried_over"][a] - forward
        for row in leaves:  # spread the results over the leaves
            matrix[row][a] = rng.randint(0, left) if row != leaves[-1] else left
            left -= matrix[row][a]
        matrix["results_total"][a] = sum(matrix[row][a] for row in leaves)
    if rng.random() < 0.3:  # break app.results_sum and app.balance, as sample 002 does
        matrix["results_total"]["natural_person"] += 1
    for row, values in matrix.items():
        cells |= {("applications", row, a): float(v) for a, v in values.items()}
        cells[("applications", row, "total")] = float(sum(values.values()))
    for proceeding in codes.APPEAL_PROCEEDING_CODES:
        parts = [rng.randint(0, 9) for _ in range(4)]
        cells |= {("appeals", proceeding, o): float(v) for o, v in zip(codes.APPEAL_OUTCOME_CODES, parts, strict=False)}
        cells[("appeals", proceeding, "total")] = float(sum(parts) + (rng.random() < 0.2))
    return cells


def _expected(spec: ReportSpec, facts: dict) -> dict:
    """The golden shape (tests/extractors/test_parser_golden.observed) of a fully drawn random report."""
    value = {k: v for k, v in spec.cells.items()}
    agency = spec.title[0].split(str(_year_of(spec)))[0]
    return {
        "agency": agency,
        "year": _year_of(spec),
        "template": spec.template,
        "status": "parsed",
        "applications": {r: [value[("applications", r, a)] for a in codes.APPLICANT_CODES] for r in spec.applications},
        "appeals": {
            p: [value[("appeals", p, o)] for o in codes.APPEAL_OUTCOME_CODES] for p in codes.APPEAL_PROCEEDING_CODES
        }
        if spec.appeals
        else {},
        "proactive": {f"{a} {c}": {m: value[("proactive", c, m)] for m in ms} for a, c, ms in spec.proactive},
        "facts": facts,
    }


def _year_of(spec: ReportSpec) -> int:
    return int(next(t for t in spec.title[0].split("年") if t[-4:].isdigit())[-4:])


def corpus_specs(random_per_layout: int = 2) -> list[ReportSpec]:
    specs = [sample_spec(name) for name in sample_names()]
    for layout in ("gov2019", "gov2021", "narrative"):
        specs += [random_spec(seed, layout) for seed in range(random_per_layout)]
    return specs


# ---- writing ---------------------------------------------------------------------------------------


def write_docx_and_html(specs: Iterable[ReportSpec], out: Path) -> dict[str, list[Path]]:
    written: dict[str, list[Path]] = {"docx": [], "html": []}
    for fmt in written:
        (out / fmt).mkdir(parents=True, exist_ok=True)
    for index, spec in enumerate(specs):
        laid = blocks(spec)
        docx_path = out / "docx" / f"{spec.name}.docx"
        docx_path.write_bytes(render_docx(laid, landscape=spec.landscape))
        html_path = out / "html" / f"{spec.name}.html"
        html_path.write_bytes(render_html(laid, spec.title, variant=index))
        written["docx"].append(docx_path)
        written["html"].append(html_path)
    return written


soffice = soffice_path


# LibreOffice has been seen to stop without an error after a few hundred files in one call.
CONVERT_CHUNK = 100


def convert_to_pdf(docx_files: list[Path], out_dir: Path, timeout: float = 600, target: str = "pdf") -> list[Path]:
    """Every DOCX to PDF (or to `target`: `doc` for Word 97-2003), up to CONVERT_CHUNK files per LibreOffice
    call (a private profile, so parallel runs do not clash); `timeout` per call."""
    binary = soffice()
    if binary is None:
        raise RuntimeError("LibreOffice (soffice) is not installed: run scripts/system-deps.sh as root")
    out_dir.mkdir(parents=True, exist_ok=True)
    for start in range(0, len(docx_files), CONVERT_CHUNK):
        with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
            subprocess.run(
                [
                    binary,
                    f"-env:UserInstallation=file://{profile}",
                    "--headless",
                    "--convert-to",
                    target,
                    "--outdir",
                    str(out_dir),
                    *map(str, docx_files[start : start + CONVERT_CHUNK]),
                ],
                check=True,
                capture_output=True,
                timeout=timeout,
                env=os.environ | {"HOME": profile},
            )
    pdfs = [out_dir / f"{p.stem}.{target}" for p in docx_files]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice did not write {missing}")
    return pdfs


def write_pdf_variants(specs: list[ReportSpec], out: Path) -> dict[str, list[Path]]:
    """`PDF_VARIANTS` of every report from one LibreOffice call; the turned pages need out/pdf/NAME.pdf too."""
    drawn = out / "docx-variants"
    drawn.mkdir(parents=True, exist_ok=True)
    sources = []
    for spec in specs:
        laid = blocks(spec)
        for variant, docx_bytes in (
            ("borderless", render_docx(laid, landscape=spec.landscape, borders=False)),
            ("landscape", render_docx(laid, landscape=True)),
        ):
            sources.append(drawn / f"{spec.name}.{variant}.docx")
            sources[-1].write_bytes(docx_bytes)
    convert_to_pdf(sources, drawn)
    written: dict[str, list[Path]] = {variant: [] for variant in PDF_VARIANTS}
    for spec in specs:
        for variant, source, rotate in (
            ("pdf-borderless", "borderless", 0),
            ("pdf-landscape", "landscape", 0),
            ("pdf-rotate90", "landscape", 90),
            ("pdf-rotate270", None, 270),
        ):
            source_pdf = drawn / f"{spec.name}.{source}.pdf" if source else out / "pdf" / f"{spec.name}.pdf"
            data = source_pdf.read_bytes()
            target = out / variant / f"{spec.name}.pdf"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(turn_pages(data, rotate) if rotate else data)
            written[variant].append(target)
    return written


def write_corpus(
    specs: list[ReportSpec], out: Path, pdf: bool = True, pdf_variants: bool = False
) -> dict[str, list[Path]]:
    written = write_docx_and_html(specs, out)
    if pdf:
        written["pdf"] = convert_to_pdf(written["docx"], out / "pdf")
    if pdf and pdf_variants:
        written |= write_pdf_variants(specs, out)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.corpus", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--random", type=int, default=2, help="random reports per layout (default 2)")
    parser.add_argument("--no-pdf", action="store_true", help="skip the LibreOffice conversion")
    parser.add_argument("--pdf-variants", action="store_true", help=f"also write {', '.join(PDF_VARIANTS)}")
    args = parser.parse_args(argv)
    written = write_corpus(corpus_specs(args.random), args.out, pdf=not args.no_pdf, pdf_variants=args.pdf_variants)
    for fmt, paths in written.items():
        print(f"{fmt}: {len(paths)} files in {args.out / fmt}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
