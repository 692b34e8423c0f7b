"""Fake agency websites on 127.0.0.1 that publish a generated corpus, for the end-to-end benchmark.

Each site `k` (path prefix `/a{k}/`) has a 政府信息公开年报 column in GBK,
newest report first, `PER_PAGE` links a page with a 下一页 pager, as real
county sites do. A PDF or DOCX report is linked either directly or through
a report page that attaches it beside a 解读 (discovery follows one step and
skips the 解读); an HTML report is the page itself; a plain-text one is a
`.txt` link. Files answer with an ETag of their bytes and a 304 to a request
that names it, so a re-run costs one conditional request per document.

The catalogue (`catalogue.json` beside the files: file name, site, agency,
year) is read on every listing request, so reports added between two runs
appear on the next crawl.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from bench.loopback_http import QuietHandler

PER_PAGE = 10
CATALOGUE = "catalogue.json"
CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".html": "text/html; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Published:
    """One report file and where it is published."""

    file: str  # name in the corpus folder
    site: int
    agency: str
    year: int

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"

    @property
    def via_report_page(self) -> bool:
        """Every other PDF/DOCX hangs off a report page that attaches it (sites attach no plain text)."""
        return self.file.endswith((".pdf", ".docx")) and hash_int(self.file) % 2 == 0


def hash_int(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def add_to_catalogue(folder: Path, published: list[Published]) -> None:
    path = folder / CATALOGUE
    entries = json.loads(path.read_text(encoding="utf-8")) if path.exists() else []
    entries += [asdict(p) for p in published]
    path.write_text(json.dumps(entries, ensure_ascii=False), encoding="utf-8")


def read_catalogue(folder: Path) -> list[Published]:
    return [Published(**e) for e in json.loads((folder / CATALOGUE).read_text(encoding="utf-8"))]


def site_name(site: int) -> str:
    return f"基准{site:03d}县人民政府"


class AgencySites:
    """The sites of `folder`'s catalogue on a free loopback port; `with` serves them from a thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits: Counter[int] = Counter()  # HTTP status -> responses
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="agency-sites", daemon=True)

    def __enter__(self) -> AgencySites:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def registry(self) -> dict[str, Any]:
        """A source registry with one entry per site (loopback allowed: `local: true`)."""
        catalogue = read_catalogue(self.folder)
        sites = sorted({p.site for p in catalogue})
        first_year = {k: min(p.year for p in catalogue if p.site == k) for k in sites}
        return {"sources": [registry_entry(k, f"{self.base}/a{k}/nb/index.html", first_year[k]) for k in sites]}

    def listing(self, site: int, page: int) -> bytes | None:
        reports = [p for p in read_catalogue(self.folder) if p.site == site]
        return listing_page(site, page, reports, self._link)

    def report_page(self, name: str) -> bytes | None:
        """The page of a report attached as a file: the file and its 解读."""
        found = next(
            (
                p
                for p in read_catalogue(self.folder)
                if p.file.rsplit(".", 1)[0] == name and not p.file.endswith(".html")
            ),
            None,
        )
        if found is None:
            return None
        files = f"/a{found.site}/files"
        body = (
            f'<h1>{found.title}</h1><p>附件：</p><a href="{files}/{found.file}">{found.title}'
            f'{Path(found.file).suffix}</a> <a href="{files}/jiedu.pdf">图解：{found.title}解读.pdf</a>'
        )
        return _gbk_page(found.title, body)

    def _link(self, report: Published) -> str:
        if report.file.endswith(".html"):
            return f"/a{report.site}/nb/{report.file}"
        if report.via_report_page:
            return f"/a{report.site}/nb/{report.file.rsplit('.', 1)[0]}.htm"
        return f"/a{report.site}/files/{report.file}"


def registry_entry(site: int, listing_url: str, first_year: int) -> dict[str, Any]:
    """The registry entry of site `site` (loopback allowed: `local: true`)."""
    return {
        "name": site_name(site),
        "region": "基准省基准市",
        "division_code": f"{990000 + site:06d}",
        "level": "county",
        "kind": "government",
        "first_year": first_year,  # every year the site publishes is expected of it
        "listing_urls": [listing_url],
        "local": True,
    }


def listing_page(
    site: int, page: int, reports: list[Published], link: Callable[[Published], str], per_page: int = PER_PAGE
) -> bytes | None:
    """Page `page` of a site's 政府信息公开年报 column (None past the last): newest first, with a pager."""
    reports = sorted(reports, key=lambda p: (-p.year, p.file))
    pages = max(1, -(-len(reports) // per_page))
    if page >= pages:
        return None
    items = "".join(
        f'<li><a href="{link(p)}">{p.title}</a> <span>{p.year + 1}-02-15</span></li>'
        for p in reports[page * per_page : (page + 1) * per_page]
    )
    pager = " ".join(
        [f'<a href="{page_file(page - 1)}">上一页</a>'] * (page > 0)
        + [f'<a href="{page_file(page + 1)}">下一页</a>'] * (page + 1 < pages)
    )
    return _gbk_page(
        site_name(site),
        f'<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开'
        f'</a></div><ul class="list">{items}</ul><div class="pager">{pager}</div>',
    )


def listing_number(name: str) -> int | None:
    """The page number of a listing file name (`index.html` 0, `index_2.html` 2), else None."""
    if name == "index.html":
        return 0
    number = name.removeprefix("index_").removesuffix(".html")
    return int(number) if name.startswith("index_") and number.isdigit() else None


def page_file(page: int) -> str:
    return "index.html" if page == 0 else f"index_{page}.html"


def _gbk_page(title: str, body: str) -> bytes:
    return (
        f'<html><head><meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>{title}'
        f"</title></head><body>{body}</body></html>"
    ).encode("gbk")


def _handler(sites: AgencySites) -> type[BaseHTTPRequestHandler]:
    class Handler(QuietHandler):
        def do_GET(self) -> None:
            parts = self.path.split("?")[0].strip("/").split("/")
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # a client that hung up
                self._route(parts)

        def _route(self, parts: list[str]) -> None:
            if parts == ["robots.txt"]:
                return self._send(200, b"User-agent: *\nDisallow: /admin/\n", "text/plain")
            if len(parts) == 3 and parts[0].startswith("a") and parts[0][1:].isdigit():
                site, folder, name = int(parts[0][1:]), parts[1], parts[2]
                page = listing_number(name)
                if folder == "nb" and page is not None:
                    return self._page(sites.listing(site, page))
                if folder == "nb" and name.endswith(".htm"):
                    return self._page(sites.report_page(name.removesuffix(".htm")))
                if folder in ("nb", "files"):
                    return self._file(sites.folder / name)
            return self._send(404, b"not found", "text/plain")

        def _page(self, body: bytes | None) -> None:
            if body is None:
                return self._send(404, b"not found", "text/plain")
            return self._send(200, body, "text/html")

        def _file(self, path: Path) -> None:
            if path.name == CATALOGUE or not path.is_file():
                return self._send(404, b"not found", "text/plain")
            body = path.read_bytes()
            etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
            content_type = CONTENT_TYPES.get(path.suffix, "application/octet-stream")
            if self.headers.get("If-None-Match") == etag:
                return self._send(304, b"", content_type, {"ETag": etag})
            return self._send(200, body, content_type, {"ETag": etag})

        def send_response(self, code: int, message: str | None = None) -> None:
            sites.hits[code] += 1
            super().send_response(code, message)

    return Handler
