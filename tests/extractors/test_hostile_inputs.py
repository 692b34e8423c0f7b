"""Hostile and broken documents: each has a written expected outcome, each is recorded, the run goes on.

The corpus is generated here (no binaries in the repo). For every case the
test states what the parser must give: a status, the parse-issue codes, and
which cells are null or hold which value. Cases built from a known report
also check every other value against the known cells, so that a broken
document can lose a value to null (with an issue) but never gets one
invented. `test_a_run_over_the_whole_corpus_records_every_document` then
parses and loads all of them in one warehouse: one `raw.documents` row each,
every parsed cell in `raw.cells`, and a second run adds nothing.

The README's "Reliability" figures are counted from `CASES` (see
`test_readme_figures_match_the_tests`).
"""

from __future__ import annotations

import functools
import io
import json
import re
import socket
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pytest

from extractors import codes
from extractors.document import ParsedDocument
from extractors.limits import Limits
from extractors.parse import parse_bytes
from pipeline.parse_step import parse_to_file
from pipeline.settings import Settings
from tests.bad_documents import (
    REMOTE_URL,
    corrupt_pdf,
    corrupt_xref_pdf,
    docx_of_lines,
    docx_with_external_entity,
    docx_with_remote_links,
    docx_zip_bomb,
    encrypted_pdf,
    image_only_pdf,
    pdf_page_without_mediabox,
    text_pdf,
    truncated_pdf,
)
from tests.paths import REPO_ROOT
from tests.report_text import render, template_keys
from warehouse.load import load_parsed

Key = tuple[str, str, str]
REPO = REPO_ROOT
AGENCY, YEAR, TEMPLATE = "测试县人民政府", 2021, "gov2021"
# The known report every content case starts from: distinct-ish positive values per cell.
KNOWN: dict[Key, float] = {key: float(i % 50 + 1) for i, key in enumerate(template_keys(TEMPLATE))}
APPLICATION_KEYS = [k for k in KNOWN if k[0] == "applications"]
# XXE target: this very file. Its text must never show up in a parse result.
SECRET_FILE = Path(__file__).resolve()
SECRET_MARKER = "hostile-inputs-secret-7f3a"  # occurs in this file only


@functools.cache
def base_text() -> str:
    return render(AGENCY, YEAR, TEMPLATE, KNOWN, "tabs")


def _lines() -> list[str]:
    return base_text().splitlines()


def _text(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _application_line(lines: list[str], row: str) -> int:
    prefix = {"new_received": "一、本年新收", "carried_over": "二、上年结转", "granted": "（一）予以公开"}[row]
    return next(i for i, line in enumerate(lines) if line.startswith(prefix))


def with_application_value(row: str, applicant: str, text: str) -> bytes:
    """The known report with one application cell written as `text`."""
    lines = _lines()
    i = _application_line(lines, row)
    cells = lines[i].split("\t")
    cells[len(cells) - 7 + codes.APPLICANT_CODES.index(applicant)] = text
    lines[i] = "\t".join(cells)
    return _text(lines)


def with_fee(text: str) -> bytes:
    lines = [f"行政事业性收费\t{text}" if line.startswith("行政事业性收费\t") else line for line in _lines()]
    return _text(lines)


def transposed() -> bytes:
    """The application table with applicants down and rows across (header of row names)."""
    from tests.report_text import _ROW_LABELS

    rows = codes.application_rows_of(TEMPLATE)
    names = ["自然人", "商业企业", "科研机构", "社会组织", "法律服务机构", "其他", "总计"]
    lines, out, skip = _lines(), [], False
    for line in lines:
        if line.startswith("申请人情况"):
            out.append("\t".join(["申请人情况", *(_ROW_LABELS[r] for r in rows)]))
            out += [
                "\t".join([name, *(f"{KNOWN[('applications', r, a)]:g}" for r in rows)])
                for a, name in zip(codes.APPLICANT_CODES, names, strict=True)
            ]
            skip = True
        elif line.startswith("四、政府信息公开行政复议"):
            skip = False
            out.append(line)
        elif not (skip and line.strip()):
            out.append(line)
    return _text(out)


EXTRA_ROWS = ("new_received", "carried_over", "granted")


def extra_column(where: str) -> bytes:
    """A header column no template has (外国人 in the middle, 备注 at the end), with values in 3 rows."""
    lines = _lines()
    head = next(i for i, line in enumerate(lines) if line.startswith("申请人情况"))
    lines[head] = lines[head].replace("自然人\t", "自然人\t外国人\t") if where == "middle" else lines[head] + "\t备注"
    for row in EXTRA_ROWS:
        i = _application_line(lines, row)
        cells = lines[i].split("\t")
        at = len(cells) - 6 if where == "middle" else len(cells)
        lines[i] = "\t".join([*cells[:at], "99", *cells[at:]])
    return _text(lines)


def missing_column() -> bytes:
    """The application table without its 科研机构 column (header and every row)."""
    lines, out, inside = _lines(), [], False
    drop = codes.APPLICANT_CODES.index("research_institution")
    for line in lines:
        if line.startswith("申请人情况"):
            inside = True
            line = line.replace("\t科研机构", "")
        elif line.startswith("四、政府信息公开行政复议"):
            inside = False
        elif inside and "\t" in line:
            cells = line.split("\t")
            del cells[len(cells) - 7 + drop]
            line = "\t".join(cells)
        out.append(line)
    return _text(out)


def unknown_label() -> bytes:
    return base_text().replace("二、上年结转政府信息公开申请数量", "二、上年转入的其他事项").encode("utf-8")


SECOND = {key: float((i * 7) % 40 + 2) for i, key in enumerate(template_keys(TEMPLATE))}


def two_reports() -> bytes:
    return (base_text() + "\n" + render("另一县人民政府", YEAR, TEMPLATE, SECOND, "tabs")).encode("utf-8")


def html_of(text: str, charset: str = "utf-8", doctype: str = "") -> str:
    """A page with the report's tab rows as table rows and its other lines as paragraphs."""
    body, rows = [], []
    for line in text.splitlines():
        if "\t" in line:
            rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in line.split("\t")) + "</tr>")
            continue
        if rows:
            body.append("<table border='1'>" + "".join(rows) + "</table>")
            rows = []
        if line.strip():
            body.append(f"<p>{line}</p>")
    return (
        f"{doctype}<html><head><meta charset='{charset}'><title>报告</title></head><body>"
        f"<div class='nav'><a href='/'>首页</a></div><div class='content'>{''.join(body)}</div></body></html>"
    )


def html_with_entities() -> bytes:
    doctype = (
        f'<!DOCTYPE html [<!ENTITY xxe SYSTEM "file://{SECRET_FILE}">'
        '<!ENTITY net SYSTEM "http://127.0.0.1:9/evil.dtd">]>'
    )
    page = html_of(base_text(), doctype=doctype).replace("<p>无。</p>", "<p>无。&xxe;&net;</p>")
    return page.encode("utf-8")


def mixed_encodings() -> bytes:
    """Title and proactive table in UTF-8, the rest in GBK: two files pasted together."""
    lines = base_text().splitlines(keepends=True)
    return "".join(lines[:20]).encode("utf-8") + "".join(lines[20:]).encode("gbk")


NEWS_PAGE = (
    "<html><head><meta charset='utf-8'><title>新闻</title></head><body><ul><li><a href='/'>首页</a>"
    "</li></ul><div class='content'><h1>我县召开春季植树动员会</h1><p>3月12日，全县干部群众参加义务植树。"
    "</p></div></body></html>"
)
NARRATIVE_PAGE = (
    "<html><head><meta charset='utf-8'></head><body><div><h1>测试县2018年政府信息公开工作年度报告</h1>"
    "<p>本年度共收到政府信息公开申请10件，同意公开8件。</p><p>主动公开政府信息120条。</p></div></body></html>"
)


@dataclass(frozen=True)
class Case:
    """One hostile document and what the parser must make of it."""

    name: str
    build: Callable[[], bytes]
    status: str
    issues: frozenset[str] = frozenset()
    known: bool = False  # built from KNOWN: every other stated value must equal the known one
    cells: dict[Key, float | None] = field(default_factory=dict)  # the case's own expected values
    raw: dict[Key, str] = field(default_factory=dict)  # raw text a null cell keeps
    template: str | None = None


def _number(text: str, value: float | None, issue: str | None = None) -> Case:
    key = ("applications", "new_received", "natural_person")
    return Case(
        f"number_{text}.txt",
        functools.partial(with_application_value, key[1], key[2], text),
        "parsed",
        frozenset({issue} if issue else ()),
        known=True,
        cells={key: value},
        raw={key: text},
    )


def _nulls(keys: list[Key]) -> dict[Key, float | None]:
    return dict.fromkeys(keys)


CASES: list[Case] = [
    # -- not a document at all
    Case("empty.txt", lambda: b"", "failed", frozenset({"document.empty"})),
    Case("whitespace.html", lambda: b" \r\n\t \n", "failed", frozenset({"document.empty"})),
    Case("random.bin", lambda: bytes(range(256)) * 16, "failed", frozenset({"document.binary"})),
    # -- PDFs
    Case("truncated.pdf", truncated_pdf, "failed", frozenset({"document.corrupt"})),
    Case("corrupt_xref.pdf", corrupt_xref_pdf, "failed", frozenset({"document.corrupt"})),
    Case("garbage_after_header.pdf", corrupt_pdf, "failed", frozenset({"document.corrupt"})),
    Case("page_without_mediabox.pdf", pdf_page_without_mediabox, "failed", frozenset({"document.corrupt"})),
    Case("encrypted.pdf", encrypted_pdf, "failed", frozenset({"document.encrypted"})),
    Case("scanned.pdf", image_only_pdf, "needs_ocr", frozenset({"document.needs_ocr"})),
    Case(
        "pages_3000.pdf",
        lambda: text_pdf(3000, b"Annual report of the county office"),
        "failed",
        frozenset({"document.not_a_report", "document.metadata_missing"}),
    ),
    Case("blank_pages_3000.pdf", lambda: text_pdf(3000), "needs_ocr", frozenset({"document.needs_ocr"})),
    # -- DOCX
    Case("zip_bomb.docx", docx_zip_bomb, "failed", frozenset({"document.too_large"})),
    Case(
        "external_entity.docx",
        lambda: docx_with_external_entity(docx_of_lines(_lines()), str(SECRET_FILE)),
        "failed",
        frozenset({"document.unsafe"}),
    ),
    Case("remote_links.docx", lambda: docx_with_remote_links(docx_of_lines(_lines())), "parsed", known=True),
    # -- HTML
    Case("news_no_table.html", lambda: NEWS_PAGE.encode("utf-8"), "failed", frozenset({"document.not_a_report"})),
    Case("narrative_no_table.html", lambda: NARRATIVE_PAGE.encode("utf-8"), "parsed", template="narrative"),
    Case("declared_utf8_encoded_gbk.html", lambda: html_of(base_text()).encode("gbk"), "parsed", known=True),
    Case("entities.html", html_with_entities, "parsed", known=True),
    Case(
        "control_characters.html",  # NUL and other control bytes (found by bench/fuzz_parsers.py)
        lambda: html_of(base_text()).replace("<p>无。</p>", "<p>无\x00\x01\x1f。</p>").encode("utf-8"),
        "parsed",
        known=True,
    ),
    # -- text
    Case("mixed_encodings.txt", mixed_encodings, "parsed", frozenset({"document.mixed_encoding"}), known=True),
    # -- numbers that are not one plain number
    _number("1,2,3", None, "cell.unreadable"),  # not 123
    _number("-5", -5.0),  # read as written; values.valid fails it in the warehouse
    _number("１２", 12.0),
    _number("十二", 12.0),
    _number("约300", None, "cell.unreadable"),  # approximate: never 300
    _number("300余", None, "cell.unreadable"),
    _number("3千", 3000.0),
    Case(
        "fee_2.5万.txt",
        functools.partial(with_fee, "2.5万"),
        "parsed",
        frozenset({"cell.unreadable"}),
        known=True,
        cells={("proactive", "admin_fee", "fee_amount"): None},
    ),  # 2.5 or 25,000 万元? null
    # -- tables that do not have the template's shape
    Case(
        "transposed.txt",
        transposed,
        "parsed",
        frozenset({"table.transposed", "table.rows_missing"}),
        known=True,
        cells=_nulls(APPLICATION_KEYS),
    ),
    Case(
        "extra_column_middle.txt",
        functools.partial(extra_column, "middle"),
        "parsed",
        frozenset({"header.unknown_column", "row.value_count_mismatch"}),
        known=True,
        cells=_nulls([k for k in APPLICATION_KEYS if k[1] in EXTRA_ROWS]),
    ),
    Case(
        "extra_column_end.txt",
        functools.partial(extra_column, "end"),
        "parsed",
        frozenset({"header.unknown_column", "row.value_count_mismatch"}),
        known=True,
        cells=_nulls([k for k in APPLICATION_KEYS if k[1] in EXTRA_ROWS]),
    ),
    Case(
        "missing_column.txt",
        missing_column,
        "parsed",
        frozenset({"header.column_missing"}),
        known=True,
        cells=_nulls([k for k in APPLICATION_KEYS if k[2] == "research_institution"]),
    ),
    Case(
        "unknown_label.txt",
        unknown_label,
        "parsed",
        frozenset({"row.unrecognized", "table.rows_missing"}),
        known=True,
        cells=_nulls([k for k in APPLICATION_KEYS if k[1] == "carried_over"]),
    ),
    Case(
        "two_reports.txt", two_reports, "parsed", frozenset({"document.multiple_reports", "row.duplicate"}), known=True
    ),
]


@functools.cache
def document_bytes(name: str) -> bytes:
    return next(c for c in CASES if c.name == name).build()


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[tuple]:
    """Every outgoing connection is refused and recorded (inherited by the forked parse processes)."""
    attempts: list[tuple] = []

    def refuse(self: socket.socket, address: object, *args: object) -> None:
        attempts.append((self.family, address))
        raise ConnectionRefusedError(f"test: no network ({address})")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    return attempts


def invented_values(case: Case, doc: ParsedDocument) -> list[tuple[Key, float | None, float]]:
    """Stated values that differ from what the case says the cell holds (KNOWN, or the case's own value)."""
    wrong = []
    for cell in doc.cells:
        if cell.value is None:
            continue
        key = (cell.table, cell.row, cell.column)
        if key in case.cells:
            expected = case.cells[key]
        elif case.known:
            expected = KNOWN.get(key)
        else:
            expected = None  # nothing to read in this document: any value is invented
        if expected is None or abs(cell.value - expected) > 1e-9:
            wrong.append((key, expected, cell.value))
    return wrong


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hostile_input_has_its_expected_outcome(case: Case, no_network: list[tuple]) -> None:
    doc = parse_bytes(case.name, document_bytes(case.name))  # never raises
    codes_seen = {i.code for i in doc.issues}
    assert doc.status == case.status, [(i.code, i.message[:120]) for i in doc.issues]
    assert case.issues <= codes_seen, codes_seen
    assert all(i.message for i in doc.issues)
    assert invented_values(case, doc) == []
    by_key = {(c.table, c.row, c.column): c for c in doc.cells}
    for key, value in case.cells.items():
        assert by_key[key].value == value, key
    for key, raw in case.raw.items():
        assert by_key[key].raw == raw  # a null cell keeps what was written
    if case.known:
        assert (doc.agency, doc.year, doc.template) == (AGENCY, YEAR, TEMPLATE)
        assert set(by_key) >= set(KNOWN)  # every template cell is there, null or not
    if case.template:
        assert doc.template == case.template
    if case.status != "parsed":
        assert doc.cells == [] and doc.facts == []
    assert no_network == []
    assert SECRET_MARKER not in repr(doc.to_dict())


def test_the_narrative_page_keeps_its_figures() -> None:
    doc = parse_bytes("narrative.html", NARRATIVE_PAGE.encode("utf-8"))
    assert {(f.name, f.value) for f in doc.facts} >= {
        ("applications_received", 10.0),
        ("applications_granted", 8.0),
        ("proactive_published_total", 120.0),
    }


def test_a_docx_with_remote_links_fetches_nothing(no_network: list[tuple]) -> None:
    data = document_bytes("remote_links.docx")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        rels = archive.read("word/_rels/document.xml.rels").decode("utf-8")
        body = archive.read("word/document.xml").decode("utf-8")
    assert f'Target="{REMOTE_URL}" TargetMode="External"' in rels and f'INCLUDEPICTURE "{REMOTE_URL}"' in body
    doc = parse_bytes("remote_links.docx", data)
    assert doc.status == "parsed" and no_network == []


def test_a_document_over_its_time_limit_is_recorded(tmp_settings: Settings, tmp_path: Path) -> None:
    """3,000 pages parse in about a second; under a 0.2 s limit the parse is stopped and recorded."""
    path = tmp_path / "pages_3000.pdf"
    path.write_bytes(document_bytes("pages_3000.pdf"))
    outcome = parse_to_file(str(path), tmp_settings, limits=Limits(seconds=0.2))
    assert outcome["status"] == "failed"
    load_parsed(tmp_settings.warehouse, [outcome["parsed_path"]])
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        assert conn.execute("select status from raw.documents").fetchall() == [("failed",)]
        assert conn.execute("select issue from raw.parse_issues").fetchall() == [("document.parse_timeout",)]


def _raw_counts(settings: Settings) -> dict[str, int]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as conn:
        return {
            t: conn.execute(f"select count(*) from raw.{t}").fetchone()[0]
            for t in ("documents", "cells", "narrative_facts", "parse_issues")
        }


def test_a_run_over_the_whole_corpus_records_every_document(
    tmp_settings: Settings, tmp_path: Path, no_network: list[tuple]
) -> None:
    folder = tmp_path / "input"
    folder.mkdir()
    outcomes = []
    for case in CASES:
        path = folder / case.name
        path.write_bytes(document_bytes(case.name))
        outcomes.append(parse_to_file(str(path), tmp_settings, source_url=f"https://a.example/{case.name}"))
    # The same report under a second URL (and another file name): the same bytes, one document.
    twin = folder / "mirror-copy.docx"
    twin.write_bytes(document_bytes("remote_links.docx"))
    twin_outcome = parse_to_file(str(twin), tmp_settings, source_url="https://mirror.example/copy.docx")
    original = next(o for o in outcomes if o["document"] == "remote_links.docx")
    assert twin_outcome["skipped"] and twin_outcome["sha256"] == original["sha256"]
    assert twin_outcome["parsed_path"] == original["parsed_path"]

    paths = [o["parsed_path"] for o in [*outcomes, twin_outcome]]
    summary = load_parsed(tmp_settings.warehouse, paths)
    assert summary["documents_loaded"] == len(CASES) and summary["documents_skipped"] == 1

    parsed = [ParsedDocument.from_dict(json.loads(Path(p).read_text("utf-8"))) for p in paths[:-1]]
    counts = _raw_counts(tmp_settings)
    assert counts["documents"] == len(CASES)  # every document recorded, the twin once
    assert counts["cells"] == sum(len(d.cells) for d in parsed)  # no row lost
    assert counts["parse_issues"] == sum(len(d.issues) for d in parsed)
    with duckdb.connect(str(tmp_settings.warehouse_path), read_only=True) as conn:
        statuses = dict(conn.execute("select document, status from raw.documents").fetchall())
        twin_rows = conn.execute(
            "select document, source_url from raw.documents where sha256 = ?", [original["sha256"]]
        ).fetchall()
    assert statuses == {c.name: c.status for c in CASES}
    assert twin_rows == [("remote_links.docx", "https://a.example/remote_links.docx")]
    for case, doc in zip(CASES, parsed, strict=True):
        assert invented_values(case, doc) == [], case.name

    again = load_parsed(tmp_settings.warehouse, paths)  # the next run: nothing new
    assert again["documents_loaded"] == 0 and _raw_counts(tmp_settings) == counts
    assert no_network == []


def figures() -> dict[str, int]:
    """The README's reliability figures for bad input, counted from the cases above."""
    return {"bad_inputs": len(CASES) + 2}  # + the same report under two URLs, + a parse over its time limit


def test_readme_figures_match_the_tests() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    stated = re.search(r"bad inputs tried\s*\|\s*(\d+)", readme)
    assert stated, "README: the Reliability table states the number of bad inputs tried"
    assert int(stated.group(1)) == figures()["bad_inputs"]
