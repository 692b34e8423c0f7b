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

import asyncio
import logging
import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from extractors.fetch.address_guard import origin_of
from extractors.fetch.css_select import css_to_xpath
from extractors.fetch.fetcher import Fetcher, FetchResult
from extractors.fetch.pagination import link_label, pagers, script_links
from extractors.fetch.published import published_on
from extractors.fetch.registry import DEFAULT_FIRST_YEAR, Source

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

# Which run step made a request (raw.fetch_attempts.step).
DISCOVER_STEP = "discover"
FETCH_STEP = "fetch"


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
    published_on: date | None = None  # from the report page, its URL (extractors.fetch.published)
    published_on_source: str | None = None  # which hint: meta / page / url / signature / last_modified
    # The report page discovery already requested and landed: the fetch step asks no second time.
    fetched: FetchResult | None = field(default=None, compare=False, hash=False, repr=False)

    @property
    def local_path(self) -> Path | None:
        """The file of a folder source (to parse directly), else None."""
        if not self.url.startswith("file://"):
            return None
        return Path(unquote(urlsplit(self.url).path))


@dataclass(frozen=True)
class SkippedLink:
    """A report link left alone: its year is outside the source's first_year..last_year (or the backfill's)."""

    year: int | None
    url: str
    link_text: str


@dataclass
class Discovery:
    """What discovery found for one source: reports, links skipped by year, pages followed, warnings."""

    reports: list[DiscoveredReport] = field(default_factory=list)
    skipped: list[SkippedLink] = field(default_factory=list)
    pages: dict[str, int] = field(default_factory=dict)  # listing URL -> listing pages read
    warnings: list[str] = field(default_factory=list)


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


async def discover_source(
    source: Source,
    fetcher: Fetcher,
    *,
    max_pages: int = DEFAULT_MAX_PAGES,
    attempts: list[FetchResult] | None = None,
    years: tuple[int | None, int | None] | None = None,
) -> Discovery:
    """Every report of one source: its folder's files, its direct report URLs, and its listing pages' links.

    `years` (first, last) bounds the web reports taken, by the year their
    link names; by default the source's first_year (2019 unless set) and
    last_year. Links of other years are listed in `skipped`, not fetched.
    Fetch results of listing and report pages are appended to `attempts`
    when given, so that they can be written to raw.fetch_attempts too.
    """
    log_to = attempts if attempts is not None else []
    bounds = years or (source.first_year or DEFAULT_FIRST_YEAR, source.last_year)
    found: dict[str, DiscoveredReport] = {}
    discovery = Discovery()
    if source.local_dir is not None:
        for report in _folder_reports(source):
            found.setdefault(report.url, report)
    for url in source.report_urls:
        year = year_of(unquote(url))
        if _in_years(year, bounds):
            found.setdefault(url, _record(source, year, url, "", url, dated=published_on(url)))
        else:
            discovery.skipped.append(SkippedLink(year, url, ""))
    for listing_url in source.listing_urls:
        crawl = _Crawl(source, fetcher, bounds, log_to, discovery)
        for report in await crawl.listing(listing_url, max_pages):
            found.setdefault(report.url, report)
    discovery.reports = list(found.values())
    log.info(
        "%s: %d reports discovered, %d links of other years skipped",
        source.name,
        len(discovery.reports),
        len(discovery.skipped),
    )
    return discovery


async def fetch_reports(fetcher: Fetcher, reports: Iterable[DiscoveredReport], at_once: int = 4) -> list[FetchResult]:
    """Fetch every web report into the landing zone, once: a page discovery landed is not asked for again.

    Up to `at_once` requests are under way together (the fetcher's limiter still spaces each host's).
    Folder files are parsed in place, so skipped.
    """
    web = [r for r in reports if r.local_path is None]
    under_way = asyncio.Semaphore(at_once)

    async def one(report: DiscoveredReport) -> FetchResult:
        if report.fetched is not None:
            return report.fetched
        async with under_way:
            return await fetcher.fetch(
                report.url,
                local=report.local,
                source=report.source,
                agency=report.agency,
                report_year=report.year,
                step=FETCH_STEP,
            )

    return list(await asyncio.gather(*(one(r) for r in web)))


def _in_years(year: int | None, bounds: tuple[int | None, int | None]) -> bool:
    """A link without a year is taken (the parsed year decides later)."""
    first, last = bounds
    return year is None or ((first is None or year >= first) and (last is None or year <= last))


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


def _local(source: Source, url: str) -> bool:
    """A `local` source's exemption holds for the origins (host and port) of its registered URLs only.

    A link on its listing to another port of the host (a database) is checked like any other URL.
    """
    return source.local and origin_of(url) in {origin_of(u) for u in (*source.listing_urls, *source.report_urls)}


def _record(
    source: Source,
    year: int | None,
    url: str,
    text: str,
    listing_url: str,
    dated: tuple[date, str] | None = None,
    fetched: FetchResult | None = None,
) -> DiscoveredReport:
    return DiscoveredReport(
        source.name,
        source.name,
        year,
        url,
        text,
        listing_url,
        local=_local(source, url),
        published_on=dated[0] if dated else None,
        published_on_source=dated[1] if dated else None,
        fetched=fetched,
    )


@dataclass
class _Page:
    """A fetched page: its markup, its parsed tree, its base URL, and the response."""

    text: str
    root: HtmlElement
    base: str
    result: FetchResult

    def visible_text(self) -> str:
        return "\n".join(self.root.xpath("//body//text()[not(ancestor::script) and not(ancestor::style)]"))


class _Crawl:
    """One listing of one source: its pages followed breadth-first, its report links resolved."""

    def __init__(
        self,
        source: Source,
        fetcher: Fetcher,
        bounds: tuple[int | None, int | None],
        attempts: list[FetchResult],
        discovery: Discovery,
    ) -> None:
        self.source, self.fetcher, self.bounds = source, fetcher, bounds
        self.attempts, self.discovery = attempts, discovery
        self.judged: set[str] = set()  # links seen once (as an anchor and as a script's record, say)
        self.taken = 0  # report links taken from this listing, capped at MAX_REPORTS_PER_LISTING

    async def listing(self, listing_url: str, max_pages: int) -> list[DiscoveredReport]:
        reports: list[DiscoveredReport] = []
        frontier: deque[Iterator[str]] = deque([iter([listing_url])])
        seen: set[str] = set()
        read, hinted = 0, 0
        page_url = _next_unseen(frontier, seen)
        while page_url is not None and len(seen) <= max_pages:
            page = await self._fetch(page_url, landed=False)
            if page is not None:
                read += 1
                anchors = _links(page.root, self.source.css_selector)
                listed = _row_texts(page.root)
                for text, href in anchors + script_links(page.text, page.base):
                    reports += await self._report_link(text, href, page_url, listed.get(href))
                for pager in pagers(page.text, _links(page.root, None), page.base, listing_url):
                    hinted = max(hinted, pager.hinted or 0)
                    frontier.append(pager.urls)
            page_url = _next_unseen(frontier, seen)
        self.discovery.pages[listing_url] = read
        if page_url is not None:
            self._warn(f"{listing_url}: stopped after {max_pages} listing pages (max_pages)")
        if hinted > read:
            self._warn(f"{listing_url}: the listing hints at {hinted} pages, {read} followed")
        return reports

    def _warn(self, message: str) -> None:
        log.warning("%s: %s", self.source.name, message)
        self.discovery.warnings.append(message)

    async def _report_link(self, text: str, href: str, page_url: str, listed: str | None) -> list[DiscoveredReport]:
        if not href.lower().startswith(("http://", "https://")) or href in self.judged:
            return []
        if not is_report_link(text, href, self.source.link_text_pattern):
            return []
        self.judged.add(href)
        year = year_of(text) or year_of(unquote(href))
        if year is None:
            log.info("%s: report link without a year skipped: %s (%s)", self.source.name, text, href)
            return []
        if not _in_years(year, self.bounds):
            self.discovery.skipped.append(SkippedLink(year, href, text))
            return []
        self.taken += 1
        if self.taken > MAX_REPORTS_PER_LISTING:
            if self.taken == MAX_REPORTS_PER_LISTING + 1:
                self._warn(f"{page_url}: more than {MAX_REPORTS_PER_LISTING} report links; the rest are left out")
            return []
        return await self._resolve(year, href, text, page_url, listed)

    async def _resolve(
        self, year: int, href: str, text: str, listing_url: str, listed: str | None
    ) -> list[DiscoveredReport]:
        """A file link is the report; an HTML page is landed once, and the files it attaches are the reports.

        `listed` is the text beside the link on the listing (its date dates the report when nothing stronger does).
        """
        if _ATTACHMENT.search(href):
            return [_record(self.source, year, href, text, listing_url, dated=published_on(href, listed=listed))]
        page = await self._fetch(href, landed=True, year=year)
        if page is None:  # failed: the document is this attempt, not asked for again this run
            fetched = self.attempts[-1]
            return [_record(self.source, year, href, text, listing_url, fetched=fetched)]
        visible = page.visible_text()
        files = []
        for file_text, file_href in _links(page.root, None):
            if _ATTACHMENT.search(file_href) or _ATTACHMENT.search(file_text):
                if _NOT_REPORT.search(file_text):
                    continue  # the 解读 attached beside the report
                dated = published_on(file_href, html=page.text, text=visible, urls=(href,), listed=listed)
                files.append(
                    _record(self.source, year_of(file_text) or year, file_href, file_text or text, listing_url, dated)
                )
        if files:
            return files
        last_modified = page.result.headers.get("last-modified")
        dated = published_on(href, html=page.text, text=visible, last_modified=last_modified, listed=listed)
        return [_record(self.source, year, href, text, listing_url, dated, fetched=page.result)]

    async def _fetch(self, url: str, landed: bool, year: int | None = None) -> _Page | None:
        """A listing page is read afresh each run; a report page is landed (conditional, on its revalidation day)."""
        import lxml.html

        result = await self.fetcher.fetch(
            url,
            local=_local(self.source, url),
            conditional=landed,
            land_bytes=landed,
            keep_content=landed,
            source=self.source.name,
            agency=self.source.name if self.source.is_agency else None,
            report_year=year,
            step=DISCOVER_STEP,
        )
        self.attempts.append(result)
        if not result.ok or not result.content:
            return None
        base = result.final_url or url
        text = result.text()
        try:
            root = lxml.html.document_fromstring(text, base_url=base)
        except (ValueError, lxml.etree.ParserError) as exc:
            log.warning("%s: %s is not readable HTML: %s", self.source.name, url, exc)
            return _Page(text, lxml.html.document_fromstring("<html></html>"), base, result)
        root.make_links_absolute(base, resolve_base_href=True)
        return _Page(text, root, base, result)


def _next_unseen(frontier: deque[Iterator[str]], seen: set[str]) -> str | None:
    """The next listing page not read yet, drawn from the pagers' lazy URL series in order."""
    while frontier:
        for url in frontier[0]:
            if url not in seen:
                seen.add(url)
                return url
        frontier.popleft()
    return None


def _row_texts(root: HtmlElement) -> dict[str, str]:
    """Absolute href -> the text of the listing row holding its link, the link's own text left out (the date
    a listing prints beside a title: `<li><a …>…</a><span>2022-01-20</span></li>`).

    A row is the link's closest li / tr / dd, else its parent; one that links more than one address (a
    page laid out in a table, a bare list of links) says nothing of any one of them.
    """
    rows = {}
    for anchor in root.iter("a"):
        href = _href(anchor)
        row = next(anchor.iterancestors("li", "tr", "dd"), anchor.getparent())
        if href and row is not None and {_href(a) for a in row.iter("a")} - {""} == {href}:
            rows.setdefault(href, (row.text_content() or "").replace(anchor.text_content() or "", " "))
    return rows


def _href(anchor: HtmlElement) -> str:
    return (anchor.get("href") or "").strip().split("#")[0]


def _links(root: HtmlElement, css_selector: str | None) -> list[tuple[str, str]]:
    """(text, absolute href) of the page's links, inside the selector's elements when one is given."""
    scopes = root.xpath(css_to_xpath(css_selector)) if css_selector else [root]
    links = []
    for scope in scopes:
        for anchor in scope.iter("a"):
            href = _href(anchor)
            if not href.lower().startswith(("http://", "https://")):
                continue  # javascript:, mailto:, and fragments are no documents
            links.append((link_label(anchor), href))
    return links
