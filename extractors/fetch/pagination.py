"""Further pages of a government listing, per CMS family, and the links that script-rendered listings hide.

Families (each has a fake site in tests/cms_sites.py built from its markup):

* links: a 下一页 link, numbered siblings (`index_2.html`) and query-string
  pages (`?page=2`, `pageNum=2` ...), whose count a 共N页 hint may extend;
* createPageHTML: TRS static pages announced in script,
  `createPageHTML(5, 0, "index", "htm")` (or with a leading element id) ->
  `index_1.htm` ... `index_4.htm`; the same pages when the script writes its
  pager itself (TRS WCM's `var countPage = 5//共多少页` and
  `"index" + "_" + nextPage + "." + "htm"`) or configures one (Beijing's
  `Pager({size:5, current:0, prefix:'index', suffix:'html'})`);
* TRS list model: count variables (`recordCount`, `prepage`/`pageSize`,
  `maxStaticIndex`, also nested: `listModel({maxStaticIndex:7,
  pagebar:{prepage:10,recordCount:'213'}})`): static pages up to
  `maxStaticIndex` (with the suffix of the site's own numbered pages,
  `t20230130_123.htm` -> `index_1.htm`, when the script names none), later
  pages from the search API named in the script (`list2.trsapi`),
  `?page=N&prepage=M` plus the model's channel/site ids;
* easysite/eportal article lists (the People's Bank): no href on the pager's
  anchors, their pages named in `tagname="/<section>/21892-2.html"` and counted
  by `totalpage="6"`: `21892-2.html` ... `21892-6.html`;
* JSON list endpoints (the API a script-rendered listing calls, registered as
  the listing or found by gkmlpt): `?page=N` up to the total the response
  states (`post_count`, `total`, `totalCount`, `recordCount`) over the items
  of its first page;
* gkmlpt (Guangdong's 政府信息公开目录管理平台): `/gkmlpt/index` names its
  site id and category tree in `window._CONFIG = {SID: '757010', TREE: [...]}`;
  a 年报 category's list is `api/all/<id>?page=1&sid=<SID>` (JSON, above);
* Hanweb jpage: the first records embedded as `<record><![CDATA[<li>...]]>`
  in a `<datastore>`, the rest from `dataproxy.jsp?startrecord=&endrecord=&perpage=`
  with the column's parameters (those of the `<nextgroup>` link, which carries
  them in its query, or of the script).

Page URLs are produced lazily (a generator per pager): a listing that
announces 100,000 pages costs nothing until the crawl asks for them, so a cap
on pages followed bounds the work. `hinted` is what the listing says it has,
for the "more pages hinted than followed" warning.
"""

from __future__ import annotations

import itertools
import json
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from math import ceil
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

NEXT_PAGE_TEXTS = {"下一页", "下页", "下一頁", "后一页", "next", "nextpage", ">", "›"}
# index_2.html, list_3.shtml, and prefixed ones such as Chengdu's column-index-2.shtml
_NUMBERED_PAGE = re.compile(r"(?:^|/)(?:[a-z]+[-_])?(?:index|page|list|default)[-_](\d+)\.s?html?$", re.IGNORECASE)
_PAGE_PARAM = re.compile(r"^(?:page|pagenum|pageno|pageindex|curpage|currentpage|pn|p)$", re.IGNORECASE)
_CREATE_PAGE = re.compile(
    r"createPageHTML\(\s*(?:[\"'][\w-]+[\"']\s*,\s*)?(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']"
)
# A pager the script writes itself: "index" + "_" + nextPage + "." + "htm", once string joins are collapsed.
_JOINED = re.compile(r"[\"']\s*\+\s*[\"']")
_WRITTEN_PAGE = re.compile(r"([\w-]+)_[\"']\s*\+\s*\w+\s*\+\s*[\"']\.(s?html?)\b")
_PAGE_COUNT = ("countPage", "pageCount", "totalPage")
# Pager({size:7, current:0, prefix:'index', suffix:'html'}) (Beijing's government sites)
_PAGER_OBJECT = re.compile(r"\bPager\s*\(\s*\{([^{}]*)\}\s*\)")
_PAGE_SUFFIX = re.compile(r"[^/?#]_\d+\.(s?html?)$", re.IGNORECASE)
_TOTAL_PAGES = re.compile(r"共\s*(\d+)\s*页|(?:totalPage|pageCount|countPage)\s*[:=]\s*['\"]?(\d+)", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_RECORD = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL | re.IGNORECASE)
_TAGNAME_PAGE = re.compile(r"""\btagname\s*=\s*["']([^"'\[\]]+)-(\d+)\.(s?html?)["']""", re.IGNORECASE)
_TOTAL_PAGE_ATTRIBUTE = re.compile(r"""\btotalpage\s*=\s*["'](\d+)["']""", re.IGNORECASE)
_JSON_TOTAL_KEYS = ("post_count", "total", "totalcount", "recordcount", "totalrecord")
_GKMLPT_SID = re.compile(r"\bSID\s*:\s*['\"](\d+)['\"]")
_GKMLPT_TREE = re.compile(r"\bTREE\s*:\s*(?=\[)")
_ANNUAL_REPORT_COLUMN = re.compile(r"年报|年度报告")
_URL_KEYS = ("url", "link", "href", "docpuburl", "docurl", "puburl", "pageurl", "fileurl")
_TITLE_KEYS = ("title", "doctitle", "name", "text", "subject")
_ID_KEY = re.compile(r"^(?:chann?e?l|chnl|site|web|column|cat|unit)\w*id$|^(?:path|webname|appid|col)$", re.IGNORECASE)


@dataclass
class Pager:
    """Further pages one family found on a listing page: built on demand, with the count it announced."""

    family: str
    urls: Iterator[str]
    hinted: int | None = None  # pages the listing says it has in all (itself included); None: unsaid


def script_links(text: str, base: str) -> list[tuple[str, str]]:
    """(text, absolute href) of links a script renders: Hanweb `<record>` CDATA and JSON list endpoints."""
    import lxml.html

    links = []
    for fragment in _RECORD.findall(text):
        try:
            root = lxml.html.fragment_fromstring(fragment, create_parent="div")
        except (ValueError, lxml.etree.ParserError):
            continue
        for anchor in root.iter("a"):
            label = link_label(anchor)
            if anchor.get("href"):
                links.append((label, urljoin(base, anchor.get("href").strip())))
    data = _json(text)
    if data is not None:
        links += [(label, urljoin(base, href)) for label, href in _json_links(data)]
    return links


def _json(text: str) -> Any:
    """A JSON list response's data, else None (an HTML page)."""
    stripped = text.lstrip()
    if stripped[:1] not in ("{", "["):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def link_label(anchor: Any) -> str:
    """An anchor's text, or its title where the text says less: listings clip long titles
    (`某县2022年政府信息公开工作年...`) or show only a date as the link's text, the whole title in `title=`."""
    text = " ".join((anchor.text_content() or "").split())
    title = " ".join((anchor.get("title") or "").split())
    clipped = text.rstrip(".…。 ")
    if title and (not _CJK.search(text) or (len(clipped) < len(title) and title.startswith(clipped))):
        return title
    return text


def pagers(text: str, links: list[tuple[str, str]], base: str, listing_url: str) -> list[Pager]:
    """Every family's further pages found on one listing page (`text` its markup, `links` its anchors)."""
    found = [_link_pager(text, links, listing_url)]
    found += [_create_page_pager(m, base) for m in _CREATE_PAGE.finditer(text)]
    found += [p for p in (_pager_object(m.group(1), base) for m in _PAGER_OBJECT.finditer(text)) if p]
    for pager in (
        _written_pager(text, base),
        _tagname_pager(text, base),
        _trs_pager(text, base, links),
        _hanweb_pager(text, base),
        _json_pager(text, base),
        _gkmlpt_pager(text, base),
    ):
        if pager is not None:
            found.append(pager)
    return found


def _link_pager(text: str, links: list[tuple[str, str]], listing_url: str) -> Pager:
    """下一页 links, numbered siblings and query-string pages; 共N页 extends a query-string series lazily."""
    listing = urlsplit(listing_url)
    folder = listing.path.rsplit("/", 1)[0]
    found: list[str] = []
    template: tuple[str, str] | None = None  # (url, page parameter) of a query-string page
    for label, href in links:
        parts = urlsplit(href)
        if parts.netloc != listing.netloc:
            continue  # pagination never leaves the listing's site
        is_next = label.replace(" ", "").lower() in NEXT_PAGE_TEXTS
        is_sibling = parts.path.rsplit("/", 1)[0] == folder and _NUMBERED_PAGE.search(parts.path)
        param = next((k for k, v in parse_qsl(parts.query) if _PAGE_PARAM.match(k) and v.isdigit()), None)
        is_query_page = parts.path == listing.path and param is not None
        if is_query_page and param is not None:
            template = template or (href, param)
        if is_next or is_sibling or is_query_page:
            found.append(href)
    hinted = _hinted_pages(text)
    urls: Iterator[str] = iter(found)
    if template is not None and hinted:
        urls = itertools.chain(found, (_with_query(template[0], {template[1]: str(n)}) for n in range(2, hinted + 1)))
    return Pager("links", urls, hinted)


def _hinted_pages(text: str) -> int | None:
    counts = [int(a or b) for a, b in _TOTAL_PAGES.findall(text)]
    return max(counts) if counts else None


def _static_pages(family: str, count: int, prefix: str, suffix: str, base: str) -> Pager:
    """`prefix.suffix` is page 1, `prefix_1.suffix` ... `prefix_{count-1}.suffix` the others."""
    return Pager(family, (urljoin(base, f"{prefix}_{n}.{suffix}") for n in range(1, count)), count)


def _create_page_pager(match: re.Match[str], base: str) -> Pager:
    return _static_pages("createPageHTML", int(match.group(1)), match.group(3), match.group(4), base)


def _written_pager(scripts: str, base: str) -> Pager | None:
    """TRS WCM's own pager script: `var countPage = 5` and `"index" + "_" + nextPage + "." + "htm"`."""
    written = _WRITTEN_PAGE.search(_JOINED.sub("", scripts))
    count = _number(scripts, *_PAGE_COUNT)
    if written is None or count is None:
        return None
    return _static_pages("written", count, written.group(1), written.group(2), base)


def _tagname_pager(text: str, base: str) -> Pager | None:
    """easysite's article-list pager: pages in its anchors' `tagname`, their count in `totalpage`."""
    named = _TAGNAME_PAGE.findall(text)
    if not named:
        return None
    prefix, _, suffix = named[0]
    stated = _TOTAL_PAGE_ATTRIBUTE.search(text)
    count = int(stated.group(1)) if stated else max(int(n) for p, n, _ in named if p == prefix)
    return Pager("tagname", (urljoin(base, f"{prefix}-{n}.{suffix}") for n in range(2, count + 1)), count)


def _pager_object(config: str, base: str) -> Pager | None:
    size = _number(config, "size")
    prefix = re.search(r"\bprefix\s*:\s*['\"]([\w-]+)", config)
    suffix = re.search(r"\bsuffix\s*:\s*['\"](\w+)", config)
    if size is None or prefix is None or suffix is None:
        return None
    return _static_pages("Pager", size, prefix.group(1), suffix.group(1), base)


def _number(scripts: str, *names: str) -> int | None:
    """The first of `names` the script assigns a number (`name: '20'`, `var name = 20`)."""
    for name in names:
        match = re.search(rf"\b{name}\s*[:=]\s*['\"]?(\d+)", scripts, re.IGNORECASE)
        if match:
            return int(match.group(1))
    return None


def _trs_pager(scripts: str, base: str, links: list[tuple[str, str]]) -> Pager | None:
    """TRS list model: `recordCount` / `prepage` / `maxStaticIndex`, later pages from its search API."""
    records = _number(scripts, "recordCount")
    size = _number(scripts, "prepage", "pageSize", "perPage")
    if records is None or not size:
        return None
    pages = ceil(records / size)
    announced = _number(scripts, "maxStaticIndex")
    static = pages - 1 if announced is None else min(announced, pages - 1)
    name = re.search(r"staticName\s*[:=]\s*['\"](\w+)", scripts)
    suffix = re.search(r"staticSuffix\s*[:=]\s*['\"](\w+)", scripts) or re.search(r"index\.(s?html?)", base)
    prefix, ext = (name.group(1) if name else "index"), (suffix.group(1) if suffix else _site_suffix(links))
    # A path to the API; a bare module name (`require(['list2.trsapi'])`, Fujian) names no address to ask.
    api = re.search(r"['\"]([^'\"\s]*/[^'\"\s]*\.trsapi[^'\"\s]*)['\"]", scripts)
    params = _script_params(scripts)

    def urls() -> Iterator[str]:
        for n in range(1, static + 1):
            yield urljoin(base, f"{prefix}_{n}.{ext}")
        if api is not None:
            for page in range(static + 2, pages + 1):  # page numbers count from 1: index.htm is page 1
                yield _with_query(urljoin(base, api.group(1)), {**params, "page": str(page), "prepage": str(size)})

    return Pager("trs", urls(), pages)  # without an API the pages past the static ones stay hinted only


def _site_suffix(links: list[tuple[str, str]]) -> str:
    """The suffix a TRS site gives its static pages, read off its numbered pages (t20230130_123.htm): htm or html."""
    suffixes = Counter(m.group(1).lower() for _, href in links if (m := _PAGE_SUFFIX.search(urlsplit(href).path)))
    return suffixes.most_common(1)[0][0] if suffixes else "html"


def _hanweb_pager(scripts: str, base: str) -> Pager | None:
    """Hanweb jpage: records after those embedded come from dataproxy.jsp in groups."""
    proxy = re.search(r"['\"]([^'\"\s]*dataproxy\.jsp[^'\"\s]*)['\"]", scripts)
    total = _number(scripts, "totalrecord", "totalRecord")
    if proxy is None or total is None:
        return None
    per = _number(scripts, "perpage") or 15
    group = max(len(_RECORD.findall(scripts)), per)
    params = _script_params(scripts)

    def urls() -> Iterator[str]:
        for start in range(group + 1, total + 1, group):
            query = {**params, "startrecord": str(start), "endrecord": str(min(total, start + group - 1))}
            yield _with_query(urljoin(base, proxy.group(1)), {**query, "perpage": str(per)})

    return Pager("hanweb", urls(), ceil(total / group))


def _json_pager(text: str, base: str) -> Pager | None:
    """A JSON list's first page `?page=1`: the later pages up to the total it states, at its number of items a page
    (only the first page says how many a page holds: the last holds fewer)."""
    data = _json(text)
    total = _json_total(data) if data is not None else None
    parts = urlsplit(base)
    param = next((k for k, v in parse_qsl(parts.query) if _PAGE_PARAM.match(k) and v == "1"), None)
    per_page = len(list(_json_links(data))) if data is not None else 0
    if total is None or param is None or not per_page:
        return None
    pages = ceil(total / per_page)
    return Pager("json", (_with_query(base, {param: str(n)}) for n in range(2, pages + 1)), pages)


def _json_total(data: Any) -> int | None:
    """The first count of records a JSON list response states, at any depth (gkmlpt: classify.post_count)."""
    if isinstance(data, dict):
        for key, value in data.items():
            if str(key).lower() in _JSON_TOTAL_KEYS and isinstance(value, int | str) and str(value).isdigit():
                return int(value)
        values: list[Any] = list(data.values())
    elif isinstance(data, list):
        values = data
    else:
        return None
    return next((n for n in map(_json_total, values) if n is not None), None)


def _gkmlpt_pager(scripts: str, base: str) -> Pager | None:
    """gkmlpt's index page: the list API of each category of its tree named as the annual reports' column."""
    sid, tree = _GKMLPT_SID.search(scripts), _GKMLPT_TREE.search(scripts)
    if sid is None or tree is None:
        return None
    try:
        nodes, _ = json.JSONDecoder().raw_decode(scripts, tree.end())
    except ValueError:
        return None
    ids = [node["id"] for node in _tree_nodes(nodes) if _ANNUAL_REPORT_COLUMN.search(str(node.get("name", "")))]
    urls = [urljoin(base, f"api/all/{i}?page=1&sid={sid.group(1)}") for i in ids]
    return Pager("gkmlpt", iter(urls)) if urls else None


def _tree_nodes(nodes: Any) -> Iterator[dict[str, Any]]:
    for node in nodes if isinstance(nodes, list) else []:
        if isinstance(node, dict) and "id" in node:
            yield node
            yield from _tree_nodes(node.get("children"))


def _script_params(scripts: str) -> dict[str, str]:
    """The column's ids a list model passes to its API (`channelId: '8899'`, `columnid: 123`, `path: '/'`)."""
    params = {}
    for key, value in re.findall(r"\b(\w+)\s*[:=]\s*['\"]?([^'\",;&}\s]+)", scripts):
        if _ID_KEY.match(key):
            params.setdefault(key, value)
    return params


def _with_query(url: str, values: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query, keep_blank_values=True)) | values
    return urlunsplit(parts._replace(query=urlencode(query)))


def _json_links(data: Any) -> Iterator[tuple[str, str]]:
    """(title, href) of every object in a JSON list response that has a URL and a title."""
    if isinstance(data, list):
        for item in data:
            yield from _json_links(item)
    elif isinstance(data, dict):
        lowered = {str(k).lower(): v for k, v in data.items()}
        href = next((lowered[k] for k in _URL_KEYS if isinstance(lowered.get(k), str)), None)
        title = next((lowered[k] for k in _TITLE_KEYS if isinstance(lowered.get(k), str)), None)
        if href and title:
            yield " ".join(title.split()), href.strip()
        for value in data.values():
            if isinstance(value, dict | list):
                yield from _json_links(value)
