"""Parse one input file into a JSON hand-off file, once per document and parser version."""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from typing import Any

from extractors import PARSER_VERSION
from extractors.document import Issue, ParsedDocument
from extractors.landing import land
from extractors.limits import PARSE_KILLED, LimitExceeded, Limits, run_limited
from extractors.parse import parse_bytes
from extractors.storage import AnyPath, as_path, location, write_atomic
from pipeline.settings import Settings
from warehouse.failed_documents import reason_of

log = logging.getLogger(__name__)

# A parse killed from outside is parsed again by the next runs, this many tries in all; then it is final.
MAX_PARSE_TRIES = 3


def parsed_path(settings: Settings, sha256: str) -> AnyPath:
    """The hand-off file of one document: under DISCLOSURE_PARSED_DIR, a folder or an s3:// URL.

    On shared storage every worker sees it, so `load` may run on another machine than `parse`.
    """
    return location(settings.parsed_root, f"{sha256}-{PARSER_VERSION}.json", storage=settings.storage)


def parse_to_file(
    path: str,
    settings: Settings,
    source_url: str | None = None,
    limits: Limits | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Land the file, parse it unless this parser version already did, write the result.

    `name` is the document's name as received (a landed copy is named by its
    sha256); by default the file's own name.

    The parse runs under `limits` (`parse_limited`): a crash or a limit hit is
    a `failed` document, loaded and visible rather than lost. A parse killed
    from outside is parsed again by later calls, MAX_PARSE_TRIES in all.
    """
    source = as_path(path, settings.storage)  # a local file, or a document on shared storage
    data = source.read_bytes()
    sha256, landed = land(settings.storage, data)
    out = parsed_path(settings, sha256)
    name = name or source.name
    if out.exists():
        log.info("%s: already parsed by parser %s (%s); skipped", name, PARSER_VERSION, out.name)
        return _outcome(name, sha256, out, json.loads(out.read_text(encoding="utf-8")), skipped=True)
    killed = killed_path(settings, sha256)
    kills = _earlier_kills(killed)
    if kills:
        log.warning("%s: the parse was killed %d time(s) before; parsing again", name, len(kills))
    doc = parse_limited(name, data, source_url, limits)
    if doc.status == "failed" and doc.issues[-1].code == PARSE_KILLED:
        _count_kill(doc, kills)
        if len(kills) + 1 < MAX_PARSE_TRIES:
            out = killed  # not final: the next run does not find a result, so it parses again
    doc.landing_path = str(landed)
    result = doc.to_dict()
    write_atomic(out, json.dumps(result, ensure_ascii=False).encode("utf-8"))
    log.info(
        "%s: %s, %d cells, %d facts, %d issues -> %s",
        name,
        doc.status,
        len(doc.cells),
        len(doc.facts),
        len(doc.issues),
        out,
    )
    return _outcome(name, sha256, out, result, skipped=False)


def parse_limited(
    name: str, data: bytes, source_url: str | None = None, limits: Limits | None = None
) -> ParsedDocument:
    """`parse_bytes` in a child process under `limits` (the pipeline's parse, and `disclosure parse`).

    A parser crash or a limit hit is a `failed` document with a parse issue
    (`parser.crash`, `document.parse_timeout` ...), never an exception.
    """
    try:
        return run_limited(parse_bytes, (name, data, source_url), limits or Limits())
    except LimitExceeded as exc:
        log.error("%s: %s", name, exc)
        return _failed_document(name, data, source_url, exc.code, str(exc))
    except Exception as exc:  # a parser bug must not lose the document
        log.exception("%s: parser crashed", name)
        return _failed_document(
            name, data, source_url, "parser.crash", f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=5)}"
        )


def _count_kill(doc: ParsedDocument, earlier: list[Issue]) -> None:
    """Put the earlier kills before this one and say whether another run will try again."""
    tries = len(earlier) + 1
    last = doc.issues[-1]
    last.message += f"; try {tries} of {MAX_PARSE_TRIES}, " + (
        "parsed again by the next run" if tries < MAX_PARSE_TRIES else "final until the parser version changes"
    )
    doc.issues[:0] = earlier


def killed_path(settings: Settings, sha256: str) -> AnyPath:
    """Where a parse killed from outside leaves its result while it is to be tried again (loaded all the same)."""
    return location(settings.parsed_root, f"{sha256}-{PARSER_VERSION}.killed.json", storage=settings.storage)


def _earlier_kills(killed: AnyPath) -> list[Issue]:
    if not killed.exists():
        return []
    return [Issue(**i) for i in json.loads(killed.read_text(encoding="utf-8"))["issues"] if i["code"] == PARSE_KILLED]


class BatchIncomplete(RuntimeError):
    """Some documents of a batch could not be parsed (not a parser crash: that is a `failed` document)."""


def parse_batch(settings: Settings, documents: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`parse_to_file` for each document of one mapped `parse` task, one after another.

    A document that raises (its landed file unreadable, storage down) does
    not stop the others: BatchIncomplete is raised after them, naming it, so
    the task fails and its retry parses only what is still missing (results
    already written are skipped). `load` finds the results of a failed
    batch's other documents on disk.
    """
    outcomes, errors = [], []
    for done, document in enumerate(documents, 1):
        try:
            outcomes.append(
                parse_to_file(
                    document["landing_path"], settings, source_url=document["source_url"], name=document["document"]
                )
            )
        except Exception as exc:
            log.exception("%s: could not be parsed", document["document"])
            errors.append(f"{document['document']}: {type(exc).__name__}: {exc}")
        if done % 10 == 0 or done == len(documents):
            log.info("batch progress: %d of %d documents", done, len(documents))
    if errors:
        raise BatchIncomplete(f"{len(errors)} of {len(documents)} documents not parsed: {'; '.join(errors)}")
    return outcomes


def _failed_document(name: str, data: bytes, source_url: str | None, code: str, message: str) -> ParsedDocument:
    sha256 = hashlib.sha256(data).hexdigest()
    doc = ParsedDocument(name, sha256, PARSER_VERSION, "unknown", "failed", len(data), source_url=source_url)
    doc.issues.append(Issue(code, message, severity="error"))
    return doc


def _outcome(name: str, sha256: str, out: AnyPath, result: dict[str, Any], skipped: bool) -> dict[str, Any]:
    """What the parse task returns per document; `result` is the hand-off file's content."""
    return {
        "document": name,
        "sha256": sha256,
        "status": result["status"],
        "parsed_path": str(out),
        "skipped": skipped,
        "agency": result.get("agency"),
        "year": result.get("year"),
        "reason": reason_of(result.get("issues", [])) if result["status"] == "failed" else None,
    }
