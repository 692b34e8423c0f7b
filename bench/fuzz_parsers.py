"""Fuzz the parsers with atheris (libFuzzer for Python): any exception out of `parse_bytes` is a bug.

`parse_bytes` promises never to raise for bad input (a broken document is a
`failed` document with a parse issue). This feeds it mutated documents,
seeded from the samples as text, HTML and DOCX and from hand-made PDFs, and
checks that promise plus a few invariants of the result:

- the status is `parsed`, `failed` or `needs_ocr`; every issue has a code and a message;
- a document that is not `parsed` has no cells;
- every cell with a value keeps the raw text it was read from.

An input whose first byte is `D` is fuzzed as the body of `word/document.xml`
inside a well-formed DOCX archive, so that mutations reach the XML reader
rather than dying in the zip layer.

    python bench/fuzz_parsers.py -atheris_runs=2000          # a short bounded run
    python bench/fuzz_parsers.py -max_total_time=60          # one minute
    python bench/fuzz_parsers.py CORPUS_DIR -max_total_time=600   # keep what it finds in CORPUS_DIR

Without a corpus folder, the seeds are written to a temporary one. libFuzzer
flags pass through (`-timeout`, `-rss_limit_mb`, `-jobs` ...). A crash writes
`crash-<sha1>` in the current folder; replay it with
`python bench/fuzz_parsers.py crash-<sha1>`. Results: bench/RESULTS.md.
"""

from __future__ import annotations

import io
import logging
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

with atheris.instrument_imports():
    import charset_normalizer  # noqa: F401 - instrumented for coverage: the parsers import it lazily
    import cn2an  # noqa: F401
    import docx  # noqa: F401
    import lxml.html  # noqa: F401
    import pdfplumber  # noqa: F401

    import extractors.readers.docx  # parse_bytes imports the readers lazily
    import extractors.readers.html
    import extractors.readers.pdf  # noqa: F401
    from extractors.parse import parse_bytes

STATUSES = frozenset({"parsed", "failed", "needs_ocr"})
DOCX_MARK = b"D"


def _docx_shell() -> dict[str, bytes]:
    """The parts of a minimal Word document made by python-docx, document.xml left out."""
    import docx as python_docx

    out = io.BytesIO()
    python_docx.Document().save(out)
    with zipfile.ZipFile(out) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name != "word/document.xml"}


_SHELL: dict[str, bytes] = {}


def docx_with_body(document_xml: bytes) -> bytes:
    if not _SHELL:
        _SHELL.update(_docx_shell())
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as archive:
        for name, body in _SHELL.items():
            archive.writestr(name, body)
        archive.writestr("word/document.xml", document_xml)
    return out.getvalue()


def test_one_input(data: bytes) -> None:
    if data[:1] == DOCX_MARK:
        data = docx_with_body(data[1:])
    doc = parse_bytes("fuzz.bin", data)
    assert doc.status in STATUSES, doc.status
    assert all(issue.code and issue.message for issue in doc.issues), doc.issues
    if doc.status != "parsed":
        assert not doc.cells, (doc.status, len(doc.cells))
    for cell in doc.cells:
        assert cell.value is None or cell.raw, cell


def write_seeds(folder: Path) -> int:
    """Samples as text, HTML and DOCX bodies; hand-made PDFs; a few HTML and DOCX oddities."""
    from bench.corpus import sample_spec, write_docx_and_html
    from tests import bad_documents

    folder.mkdir(parents=True, exist_ok=True)
    seeds: dict[str, bytes] = {}
    for path in sorted((REPO / "data" / "samples").glob("*.txt")):
        seeds[path.name] = path.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        names = ["000_c5fa09c4c740451d", "004_a0eb56bf1a87750f"]
        write_docx_and_html([sample_spec(n) for n in names], Path(tmp))
        for name in names:
            seeds[f"{name}.html"] = (Path(tmp) / "html" / f"{name}.html").read_bytes()
            with zipfile.ZipFile(Path(tmp) / "docx" / f"{name}.docx") as archive:
                seeds[f"{name}.docx-body"] = DOCX_MARK + archive.read("word/document.xml")
    seeds["encrypted.pdf"] = bad_documents.encrypted_pdf()
    seeds["truncated.pdf"] = bad_documents.truncated_pdf()
    seeds["pages.pdf"] = bad_documents.text_pdf(3, b"2021 annual report 12 34")
    seeds["gbk.html"] = (
        "<html><head><meta charset='utf-8'></head><body><h1>测试县2020年政府信息公开工作年度报告</h1>"
        "<table><tr><td>自然人</td><td>总计</td></tr><tr><td>本年新收</td><td>1</td><td>约3</td>"
        "</tr></table></body></html>"
    ).encode("gbk")
    for name, data in seeds.items():
        (folder / name).write_bytes(data)
    return len(seeds)


def main(argv: list[str]) -> None:
    logging.disable(logging.CRITICAL)  # parse issues are logged as warnings: millions of them
    args = list(argv)
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder or crash file given
        folder = Path(tempfile.mkdtemp(prefix="fuzz-parsers-"))
        count = write_seeds(folder)
        print(f"fuzz_parsers: {count} seeds in {folder}", file=sys.stderr)
        args.append(str(folder))
    atheris.Setup(args, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
