"""The `disclosure` command (also `python -m extractors`); its interface is a contract (DESIGN.md 6).

disclosure parse FILE... [--out cells.jsonl]   one JSON object per cell, fact and parse issue
                [--seconds 120 --memory-mb 2048] under the pipeline's limits per file
disclosure run [--full-refresh]                 the whole pipeline once on the embedded default
                                                (--full-refresh: rebuild the incremental models)
disclosure sources check [REGISTRY] [--discover]
                                                validate the source registry; crawl its listing pages
disclosure ui [--port 8080]                     the Airflow UI (and quality view) over the same database
disclosure debug-page FILE.pdf --page N [--out page.png]
                                                draw the table cells found and the codes placed on a page
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO

from extractors.document import ParsedDocument
from extractors.limits import DEFAULT_MEMORY_MB, DEFAULT_SECONDS


def cell_records(doc: ParsedDocument) -> Iterator[dict[str, Any]]:
    """The JSON Lines records of one document: cells, narrative facts, then parse issues."""
    base = {
        "document": doc.document,
        "sha256": doc.sha256,
        "agency": doc.agency,
        "year": doc.year,
        "template": doc.template,
    }
    for c in doc.cells:
        yield base | {
            "table": c.table,
            "article": c.article,
            "row": c.row,
            "column": c.column,
            "value": c.value,
            "raw": c.raw,
            "page": c.page,
            "line": c.line,
            "bbox": list(c.bbox) if c.bbox else None,
        }
    for f in doc.facts:
        yield base | {
            "table": "narrative",
            "article": None,
            "row": f.name,
            "column": "value",
            "seq": f.seq,
            "value": f.value,
            "raw": f.raw,
            "page": f.page,
            "line": f.line,
            "bbox": None,
        }
    for i in doc.issues:
        yield base | {
            "issue": i.code,
            "message": i.message,
            "severity": i.severity,
            "table": i.table,
            "row": i.row,
            "page": i.page,
            "line": i.line,
        }


def _parse(args: argparse.Namespace) -> int:
    from extractors.limits import Limits
    from pipeline.parse_step import parse_limited

    limits = Limits(seconds=args.seconds, memory_mb=args.memory_mb)

    out: TextIO = open(args.out, "w", encoding="utf-8") if args.out else sys.stdout  # noqa: SIM115
    failed = 0
    try:
        for name in args.files:
            path = Path(name)
            if not path.is_file():
                print(f"disclosure parse: {name}: no such file", file=sys.stderr)
                failed += 1
                continue
            # The pipeline's limits, so that a failure reproduces here as it happened there.
            doc = parse_limited(path.name, path.read_bytes(), limits=limits)
            failed += doc.status != "parsed"
            for record in cell_records(doc):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
            print(
                f"{doc.document}: {doc.status}, {doc.agency} {doc.year} {doc.template}, "
                f"{len(doc.cells)} cells, {len(doc.facts)} facts, {len(doc.issues)} issues",
                file=sys.stderr,
            )
    finally:
        if args.out:
            out.close()
    return 1 if failed else 0


def _run(args: argparse.Namespace) -> int:
    from pipeline.embedded import run_embedded
    from pipeline.settings import Settings

    return run_embedded(Settings.from_env(), full_refresh=args.full_refresh)


def _warehouse_init(_args: argparse.Namespace) -> int:
    """Create the warehouse database (Postgres), its raw schema and the BI role."""
    from pipeline.settings import Settings
    from warehouse.init import init_warehouse

    for line in init_warehouse(Settings.from_env().warehouse):
        print(f"disclosure warehouse init: {line}")
    return 0


def _init_storage(_args: argparse.Namespace) -> int:
    """Create the landing and parse-result locations (the S3 buckets of server mode); compose's init job."""
    from extractors.storage import ensure_bucket
    from pipeline.settings import Settings

    storage = Settings.from_env().storage
    for root in dict.fromkeys((storage.landing_root, storage.parsed_root)):
        ensure_bucket(root, storage)
        print(f"storage ready: {root}")
    return 0


def _sources_check(args: argparse.Namespace) -> int:
    from pipeline.settings import Settings
    from pipeline.sources_check import check_sources

    settings = Settings.from_env()
    registry = Path(args.registry) if args.registry else settings.registry_path
    return check_sources(registry, settings.fetch, sys.stdout, discover=args.discover)


def _ui(args: argparse.Namespace) -> int:
    from pipeline.settings import Settings
    from pipeline.ui import serve

    return serve(Settings.from_env(), port=args.port)


def _debug_page(args: argparse.Namespace) -> int:
    from extractors.debug_page import draw_page

    path = Path(args.file)
    if not path.is_file():
        print(f"disclosure debug-page: {args.file}: no such file", file=sys.stderr)
        return 1
    out = Path(args.out) if args.out else path.with_name(f"{path.stem}-page{args.page}.png")
    try:
        drawn = draw_page(path, args.page, out, resolution=args.resolution)
    except ValueError as exc:
        print(f"disclosure debug-page: {exc}", file=sys.stderr)
        return 1
    ocr = f", {drawn['ocr_chars']} OCR characters boxed" if drawn["ocr_chars"] else ""
    print(
        f"{out}: {drawn['table_cells']} table cells outlined, {drawn['codes']} cell codes drawn{ocr}", file=sys.stderr
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="disclosure", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress to stderr")
    commands = parser.add_subparsers(dest="command", required=True)
    parse = commands.add_parser("parse", help="parse report files into canonical cells (JSON Lines)")
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.add_argument("--out", metavar="cells.jsonl", help="write to this file instead of stdout")
    parse.add_argument(
        "--seconds", type=float, default=DEFAULT_SECONDS, help=f"time limit per file (default {DEFAULT_SECONDS:g})"
    )
    parse.add_argument(
        "--memory-mb", type=int, default=DEFAULT_MEMORY_MB, help=f"memory limit per file (default {DEFAULT_MEMORY_MB})"
    )
    parse.set_defaults(func=_parse)
    run = commands.add_parser("run", help="run the whole pipeline once on the embedded default")
    run.add_argument(
        "--full-refresh",
        action="store_true",
        help="rebuild the incremental dbt models from scratch and validate every report again",
    )
    run.set_defaults(func=_run)
    sources = commands.add_parser("sources", help="the source registry").add_subparsers(dest="action", required=True)
    check = sources.add_parser("check", help="validate the registry; with --discover, crawl its listing pages")
    check.add_argument("registry", nargs="?", metavar="REGISTRY", help="default: DISCLOSURE_REGISTRY or sources.yml")
    check.add_argument("--discover", action="store_true", help="crawl listing pages (no report downloads)")
    check.set_defaults(func=_sources_check)
    ui = commands.add_parser("ui", help="start the Airflow UI on the embedded default (Ctrl-C stops it)")
    ui.add_argument("--port", type=int, default=8080, help="api-server port on 127.0.0.1 (default 8080)")
    ui.set_defaults(func=_ui)
    debug = commands.add_parser("debug-page", help="draw what the parser saw on one page of a PDF (PNG)")
    debug.add_argument("file", metavar="FILE.pdf")
    debug.add_argument("--page", type=int, required=True, metavar="N", help="1-based page number")
    debug.add_argument("--out", metavar="page.png", help="image to write (default FILE-pageN.png beside FILE)")
    debug.add_argument("--resolution", type=int, default=150, help="dots per inch (default 150)")
    debug.set_defaults(func=_debug_page)
    init_storage = commands.add_parser("init-storage", help="create the landing and parse-result buckets or folders")
    init_storage.set_defaults(func=_init_storage)
    warehouse = commands.add_parser("warehouse", help="set up the warehouse")
    warehouse_commands = warehouse.add_subparsers(dest="warehouse_command", required=True)
    warehouse_init = warehouse_commands.add_parser(
        "init", help="create the Postgres database, the raw schema and the read-only BI role (idempotent)"
    )
    warehouse_init.set_defaults(func=_warehouse_init)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
