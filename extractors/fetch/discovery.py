"""Find annual disclosure reports on agency websites: listing pages -> report links -> attachments.

A listing page (政府信息公开年报 column) links one report per year, sometimes
over several pages. A link is a report when its text (or title, or target)
names a 信息公开 annual report and carries a year, in Arabic or Chinese
numerals (2020年 / 二〇二〇年 / 二零二零年); notices *about* reports
(关于做好…年度报告编制工作的通知) and explanations (解读) are not. A link to
an HTML page is followed one step: the PDF/DOC/DOCX it attaches is the
report, and a page without attachments is itself the report.
"""

from __future__ import annotations

import logging
import re
from collections import deque
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urljoin, urlsplit

from extractors.fetch.address_guard import origin_of
from extractors.fetch.css_select import css_to_xpath
from extractors.fetch.fetcher import Fetcher, FetchResult
from extractors.fetch.registry import Source

if TYPE_CHECKING:
    from lxml.html import HtmlElement

log = logging.getLogger(__name__)

DEFAULT_MAX_PAGES = 20
# An agency publishes one report a year (a few more with attachments): a listing with more report
# links is hostile or misread, and each link may cost a request a second.
MAX_REPORTS_PER_LISTING = 200

_REPORT = re.compile(r"公开(?:工作)?(?:年度报告|年报)|信息公开(?:工作)?报告")
_NOT_REPORT = re.compile(r"通知|编制|报送|解读|图解|要点|指南|方案|征集|目录")
_YEAR_ARABIC = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")
_YEAR_CHINESE = re.compile(r"([〇○零一二三四五六七八九]{4})\s*年(?!\s*[一二三四五六七八九十\d]{1,2}\s*月)")
_CHINESE_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {"〇": "0", "○": "0"}
_ATTACHMENT = re.compile(r"\.(pdf|docx?|wps)(?:$|[?#&])", re.IGNORECASE)
_NEXT_PAGE_TEXTS = {"下一页", "下页", "下一頁", "后一页", "next", "nextpage"}
_NUMBERED_PAGE = re.compile(r"(?:^|/)(?:index|page|list|default)_(\d+)\.s?html?$", re.IGNORECASE)
# TRS-style sites write their pager in script: createPageHTML(pages, current, "index", "html").
_PAGER_SCRIPT = re.compile(r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")


@dataclass(frozen=True)
class DiscoveredReport:
    """A report found for a source: where it is and what its link said."""

    source: str
    agency: str | None  # the registry name; None for a folder source (the parser reads it)
    year: int | None  # from the link; None when the link does not say (the parser reads it)
    url: str  # http(s) URL of the file or HTML report; file:// URI for a folder source
    link_text: str
    listing_url: str  # the page (or folder) it was found on
    local: bool = False  # the source allows private addresses for its own origins (host and port)

    @property
    def local_path(self) -> Path | None:
        """The file of a folder source (to parse directly), else None."""
        if not self.url.startswith("file://"):
            return None
        return Path(unquote(urlsplit(self.url).path))


def year_of(text: str) -> int | None:
    """The report year written in `text`: 2020年, 二〇二〇年, 二零二零年度 (dates such as 2021年1月 are not years)."""
    match = _YEAR_ARABIC.search(text)
    if match:
        return int(match.group(1))
    for found in _YEAR_CHINESE.finditer(text):
        year = int("".join(_CHINESE_DIGITS[c] for c in found.group(1)))
        if 1900 <= year <= 2099:
            return year
    return None


def is_report_link(text: str, target: str = "", pattern: str | None = None) -> bool:
    """Whether a link's text (or, failing that, its decoded target) names an annual disclosure report."""
    rule = re.compile(pattern) if pattern else _REPORT
    for candidate in (text, unquote(target)):
        if candidate and rule.search(candidate) and not _NOT_REPORT.search(candidate):
            return True
    return False


def discover_source(
    source: Source,
    fetcher: Fetcher,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    attempts: list[FetchResult] | None = None,
) -> list[DiscoveredReport]:
    """Every report of one source: its folder's files, its direct report URLs, and its listing pages' links.

    Fetch results of listing and report pages are appended to `attempts`
    when given, so that they can be written to raw.fetch_attempts too.
    """
    log_to = attempts if attempts is not None else []
    found: dict[str, DiscoveredReport] = {}
    if source.local_dir is not None:
        for report in _folder_reports(source):
            found.setdefault(report.url, report)
    for url in source.report_urls:
        found.setdefault(url, _record(source, year_of(unquote(url)), url, "", url))
    for listing_url in source.listing_urls:
        for report in _crawl_listing(source, fetcher, listing_url, max_pages, log_to):
            found.setdefault(report.url, report)
    reports = list(found.values())
    log.info("%s: %d reports discovered", source.name, len(reports))
    return reports


def fetch_reports(fetcher: Fetcher, reports: Iterable[DiscoveredReport], max_workers: int = 4) -> list[FetchResult]:
    """Fetch every web report into the landing zone (folder files are parsed in place, so skipped)."""
    web = [r for r in reports if r.local_path is None]

    def one(report: DiscoveredReport) -> FetchResult:
        return fetcher.fetch(
            report.url, local=report.local, source=report.source, agency=report.agency, report_year=report.year
        )

    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        return list(pool.map(one, web))


def _folder_reports(source: Source) -> list[DiscoveredReport]:
    root = source.local_dir
    if root is None or not root.is_dir():
        log.warning("%s: folder %s does not exist", source.name, root)
        return []
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [
        DiscoveredReport(
            source.name,
            source.name if source.is_agency else None,
            year_of(p.name),
            p.as_uri(),
            p.name,
            root.as_uri(),
            local=True,
        )
        for p in files
    ]


def _record(source: Source, year: int | None, url: str, text: str, listing_url: str) -> DiscoveredReport:
    return DiscoveredReport(source.name, source.name, year, url, text, listing_url, local=_local(source, url))


def _local(source: Source, url: str) -> bool:
    """A `local` source's exemption holds for the origins (host and port) of its registered URLs only.

    A link on its listing to another port of the host (a database) is checked like any other URL.
    """
    return source.local and origin_of(url) in {origin_of(u) for u in (*source.listing_urls, *source.report_urls)}


def _crawl_listing(
    source: Source, fetcher: Fetcher, listing_url: str, max_pages: int, attempts: list[FetchResult]
) -> list[DiscoveredReport]:
    reports: list[DiscoveredReport] = []
    queue, seen = deque([listing_url]), {listing_url}
    pages = links = 0
    while queue and pages < max_pages:
        page_url = queue.popleft()
        pages += 1
        page = _fetch_page(source, fetcher, page_url, attempts)
        if page is None:
            continue
        root, base = page
        for text, href in _links(root, source.css_selector):
            if is_report_link(text, href, source.link_text_pattern):
                year = year_of(text) or year_of(unquote(href))
                if year is None:
                    log.info("%s: report link without a year skipped: %s (%s)", source.name, text, href)
                    continue
                links += 1
                if links > MAX_REPORTS_PER_LISTING:
                    log.warning(
                        "%s: listing %s has more than %d report links; the rest are left out",
                        source.name,
                        listing_url,
                        MAX_REPORTS_PER_LISTING,
                    )
                    return reports
                reports += _resolve_report(source, fetcher, year, href, text, page_url, attempts)
        for next_url in _next_pages(root, base, listing_url, max_pages):
            if next_url not in seen:
                seen.add(next_url)
                queue.append(next_url)
    if queue:
        log.warning("%s: stopped after %d listing pages (max_pages)", source.name, max_pages)
    return reports


def _resolve_report(
    source: Source,
    fetcher: Fetcher,
    year: int,
    href: str,
    text: str,
    listing_url: str,
    attempts: list[FetchResult],
) -> list[DiscoveredReport]:
    """A file link is the report; an HTML page is followed one step to the files it attaches."""
    if _ATTACHMENT.search(href):
        return [_record(source, year, href, text, listing_url)]
    page = _fetch_page(source, fetcher, href, attempts)
    if page is None:
        return [_record(source, year, href, text, listing_url)]  # the fetch step will try again
    root, _base = page
    files = []
    for file_text, file_href in _links(root, None):
        if _ATTACHMENT.search(file_href) or _ATTACHMENT.search(file_text):
            if _NOT_REPORT.search(file_text):
                continue  # the 解读 attached beside the report
            files.append(_record(source, year_of(file_text) or year, file_href, file_text or text, listing_url))
    return files or [_record(source, year, href, text, listing_url)]


def _fetch_page(
    source: Source, fetcher: Fetcher, url: str, attempts: list[FetchResult]
) -> tuple[HtmlElement, str] | None:
    import lxml.html

    result = fetcher.fetch(
        url,
        local=_local(source, url),
        conditional=False,
        land_bytes=False,
        source=source.name,
        agency=source.name if source.is_agency else None,
    )
    attempts.append(result)
    if not result.ok or not result.content:
        return None
    base = result.final_url or url
    try:
        root = lxml.html.document_fromstring(result.text(), base_url=base)
    except (ValueError, lxml.etree.ParserError) as exc:
        log.warning("%s: %s is not readable HTML: %s", source.name, url, exc)
        return None
    root.make_links_absolute(base, resolve_base_href=True)
    return root, base


def _links(root: HtmlElement, css_selector: str | None) -> list[tuple[str, str]]:
    """(text, absolute href) of the page's links, inside the selector's elements when one is given."""
    scopes = root.xpath(css_to_xpath(css_selector)) if css_selector else [root]
    links = []
    for scope in scopes:
        for anchor in scope.iter("a"):
            href = (anchor.get("href") or "").strip()
            if not href.lower().startswith(("http://", "https://")):
                continue  # javascript:, mailto:, and fragments are no documents
            text = " ".join((anchor.text_content() or "").split()) or (anchor.get("title") or "").strip()
            links.append((text, href.split("#")[0]))
    return links


def _next_pages(root: HtmlElement, base: str, listing_url: str, max_pages: int) -> list[str]:
    """Further listing pages: 下一页 links, numbered siblings (index_2.html, page_3.html), script pagers.

    A script pager's page count is the page's word: no more than `max_pages` URLs are built from it.
    """
    host, folder = urlsplit(listing_url).netloc, urlsplit(listing_url).path.rsplit("/", 1)[0]
    candidates = []
    for text, href in _links(root, None):
        parts = urlsplit(href)
        if parts.netloc != host:
            continue  # pagination never leaves the listing's site
        is_next = text.replace(" ", "").lower() in _NEXT_PAGE_TEXTS
        is_sibling = parts.path.rsplit("/", 1)[0] == folder and _NUMBERED_PAGE.search(parts.path)
        if is_next or is_sibling:
            candidates.append(href)
    scripts = " ".join(script.text or "" for script in root.iter("script"))
    for match in _PAGER_SCRIPT.finditer(scripts):
        count, prefix, suffix = int(match.group(1)), match.group(3), match.group(4)
        candidates += [urljoin(base, f"{prefix}_{n}.{suffix}") for n in range(1, min(count, max_pages + 1))]
    return candidates
