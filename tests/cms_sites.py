"""Report columns of the CMS families government sites run on, generated as routes of tests/fake_site.FakeSite.

Each family paginates its listing its own way (extractors/fetch/pagination.py):
`create_page` (TRS static pages announced by createPageHTML), `written_pager`
(TRS WCM's pager script: `var countPage = 4//共多少页`, `"index" + "_" +
nextPage + "." + "htm"`), `pager_object` (Beijing's `Pager({size, current,
prefix, suffix})`), `trs_model` (TRS list model: recordCount/prepage/
maxStaticIndex, later pages from list2.trsapi as JSON), `list_model` (Fujian's
nested `listModel({maxStaticIndex, pagebar:{prepage, recordCount}})`, static
pages named like its `.htm` documents), `query` (?page=N with 共N页),
`numbered` (Chengdu's `column-index-N.shtml` page links, no 下一页), `easysite`
(the People's Bank's article list: href-less pager anchors naming `21892-N.html`
in `tagname`, `totalpage` on a hidden input), `gkmlpt`
(Guangdong's `/gkmlpt/index` naming `SID` and a category `TREE`, the 年报
category's JSON list `api/all/<id>?page=N&sid=` with `classify.post_count`), `hanweb`
(jpage records in CDATA, later groups from dataproxy.jsp with the parameters
of the `<nextgroup>` link). Every item is a report page
`/nb/t<YYYYMMDD>_<n>.html` carrying `<meta name="PubDate">`, so each report's
publication date is known to the test. As on real columns, a link's text is
the title clipped (`测试县2019年政府信息公...`) or only the date (Fujian), the
whole title in `title=`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

PER_PAGE = 2
YEARS = tuple(range(2016, 2024))  # 8 reports: 4 listing pages of 2


def published(year: int) -> date:
    return date(year + 1, 1, 20)


def report_path(year: int, suffix: str = "html") -> str:
    return f"/nb/t{published(year):%Y%m%d}_{year}.{suffix}"


def _title(year: int) -> str:
    return f"测试县{year}年政府信息公开工作年度报告"


def report_page(year: int) -> str:
    return (
        f'<html><head><meta charset="utf-8"><meta name="PubDate" content="{published(year)} 09:30">'
        f"<title>{year}年报告</title></head><body><h1>测试县{year}年政府信息公开工作年度报告</h1>"
        f"<p>发布时间：{published(year)}</p><p>一、总体情况……</p></body></html>"
    )


def _items(years: tuple[int, ...], dated: bool = False, suffix: str = "html") -> str:
    """Clipped titles (or, `dated`, the date alone as the link's text), the whole title in title=."""
    return "".join(
        f'<li><a href="{report_path(y, suffix)}" title="{_title(y)}">'
        f"{published(y) if dated else _title(y)[:12] + '...'}</a></li>"
        for y in years
    )


def _pages(per_page: int = PER_PAGE) -> list[tuple[int, ...]]:
    newest_first = tuple(reversed(YEARS))
    return [newest_first[i : i + per_page] for i in range(0, len(newest_first), per_page)]


def _page(body: str, script: str = "") -> str:
    return f'<html><head><meta charset="utf-8"></head><body><ul class="list">{body}</ul>{script}</body></html>'


Route = Callable[..., None]


def _html(text: str) -> Route:
    return lambda h: h._send(200, text.encode("utf-8"), "text/html; charset=utf-8")


def create_page() -> dict[str, Route]:
    pages = _pages()
    routes = {}
    for n, years in enumerate(pages):
        script = f'<script>createPageHTML("page_div", {len(pages)}, {n}, "index", "htm", {len(YEARS)});</script>'
        routes["/nb/index.htm" if n == 0 else f"/nb/index_{n}.htm"] = _html(_page(_items(years), script))
    return routes


def written_pager() -> dict[str, Route]:
    pages = _pages()
    routes = {}
    for n, years in enumerate(pages):
        script = (
            f"<script>var currentPage = {n};//所在页从0开始\nvar nextPage = currentPage+1//下一页\n"
            f"var countPage = {len(pages)}//共多少页\nif(countPage>1&&currentPage!=(countPage-1))\n"
            'document.write("<a href=\\""+"index"+"_" + nextPage + "."+"htm\\">下一页</a>");</script>'
        )
        routes["/nb/index.htm" if n == 0 else f"/nb/index_{n}.htm"] = _html(_page(_items(years), script))
    return routes


def pager_object() -> dict[str, Route]:
    pages = _pages()
    return {
        ("/nb/index.html" if n == 0 else f"/nb/index_{n}.html"): _html(
            _page(
                _items(years),
                f"<script>Pager({{size:{len(pages)}, current:{n}, prefix:'index',suffix:'html'}});</script>",
            )
        )
        for n, years in enumerate(pages)
    }


def list_model(static: int | None = None) -> dict[str, Route]:
    """Pages static up to maxStaticIndex (default: every page), suffix .htm said by no variable, only by the
    documents' links; the search service is a bare module name (`require(['list2.trsapi'])`), no address."""
    pages = _pages()
    last = len(pages) - 1 if static is None else static
    model = (
        "<script>require(['list2.trsapi']);"
        f"listModel({{maxStaticIndex:{last},pagebar:{{prepage:{PER_PAGE},recordCount:'{len(YEARS)}'}}}})"
        "</script>"
    )
    return {
        ("/nb/" if n == 0 else f"/nb/index_{n}.htm"): _html(_page(_items(years, dated=True, suffix="htm"), model))
        for n, years in enumerate(pages[: last + 1])
    }


def trs_model(with_api: bool = True) -> dict[str, Route]:
    """Two static pages (maxStaticIndex 1), pages 3-4 from the search API (left out: only hinted)."""
    pages = _pages()
    model = (
        f"<script>var pageModel = {{recordCount: '{len(YEARS)}', prepage: {PER_PAGE}, maxStaticIndex: 1, "
        "staticName: 'index', staticSuffix: 'htm', channelId: '8899', url: '/irs/front/list2.trsapi'};</script>"
    )
    routes = {
        "/nb/index.htm": _html(_page(_items(pages[0]), model)),
        "/nb/index_1.htm": _html(_page(_items(pages[1]), model)),
    }
    if with_api:

        def api(h) -> None:
            query = dict(p.split("=") for p in h.path.split("?")[1].split("&"))
            assert query["channelId"] == "8899" and query["prepage"] == str(PER_PAGE)
            years = pages[int(query["page"]) - 1]
            docs = [{"DOCTITLE": f"测试县{y}年政府信息公开工作年度报告", "DOCPUBURL": report_path(y)} for y in years]
            h._send(200, json.dumps({"data": {"list": docs}}, ensure_ascii=False).encode(), "application/json")

        routes["/irs/front/list2.trsapi"] = api
    return routes


def query() -> dict[str, Route]:
    pages = _pages()

    def listing(h) -> None:
        n = int(h.path.partition("page=")[2] or 1)
        following = f'<a href="/nb/list.jsp?page={n + 1}">下一页</a>' if n < len(pages) else "下一页"
        pager = f'<div class="pager">共{len(pages)}页 {following}</div>'
        h._send(200, _page(_items(pages[n - 1]), pager).encode(), "text/html; charset=utf-8")

    return {"/nb/list.jsp": listing}


def numbered() -> dict[str, Route]:
    pages = _pages()
    bar = " ".join(f'<a href="/nb/column-index-{k}.shtml">{k}</a>' for k in range(1, len(pages) + 1))
    return {f"/nb/column-index-{n}.shtml": _html(_page(_items(years), bar)) for n, years in enumerate(pages, 1)}


def easysite() -> dict[str, Route]:
    pages = _pages()

    def pager(n: int) -> str:
        links = "".join(
            f'<a style="cursor:pointer" onclick="queryArticleByCondition(this,\'/nb/21892-{k}.html\')" '
            f'tagname="/nb/21892-{k}.html" class="pagingNormal">{label}</a>'
            for k, label in ((n - 1, "上一页"), (n + 1, "下一页"))
            if 1 < k <= len(pages)
        )
        return (
            f'<a tagname="[HOMEPAGE]">首页</a>{links}<a tagname="/nb/21892-{len(pages)}.html">尾页</a>'
            f'<input type="hidden" name="article_paging_list_hidden" moduleid="21892" totalpage="{len(pages)}">'
        )

    return {
        ("/nb/index.html" if n == 1 else f"/nb/21892-{n}.html"): _html(_page(_items(years), pager(n)))
        for n, years in enumerate(pages, 1)
    }


def gkmlpt() -> dict[str, Route]:
    """The list API answers 3 articles a page (its last page fewer)."""
    pages = _pages(3)
    tree = [
        {"id": 1, "name": "法定主动公开内容", "children": [{"id": 11, "name": "政策文件", "children": []}]},
        {"id": 2650, "name": "政府信息公开年报", "children": [], "post_count": len(YEARS)},
    ]
    shell = (
        f"<script>window._CONFIG = {{SID: '757010', TREE: {json.dumps(tree, ensure_ascii=False)}, "
        'SERVICE_AREA_ID: 0};</script><div id="app"></div>'
    )

    def api(h) -> None:
        query = dict(p.split("=") for p in h.path.split("?")[1].split("&"))
        assert query["sid"] == "757010"
        years = pages[int(query["page"]) - 1]  # a page past the last fails the test (IndexError: no answer)
        host = f"http://{h.headers['Host']}"
        articles = [{"id": y, "title": _title(y), "url": host + report_path(y), "date": 0} for y in years]
        body = {"classify": {"id": 2650, "post_count": len(YEARS)}, "articles": articles}
        h._send(200, json.dumps(body, ensure_ascii=False).encode(), "application/json")

    return {"/gkmlpt/index": _html(_page("", shell)), "/gkmlpt/api/all/2650": api}


def hanweb() -> dict[str, Route]:
    """First group (one page of records) embedded; the rest from dataproxy.jsp, whose parameters the
    `<nextgroup>` link carries (the jpage call names the proxy and the counts only)."""
    newest_first = tuple(reversed(YEARS))

    def records(years: tuple[int, ...]) -> str:
        return "".join(f"<record><![CDATA[{_items((y,))}]]></record>" for y in years)

    proxy = "/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=2&path=/&columnid=4057&unitid=9871&permissiontype=0"
    embedded = (
        f'<div id="9871"><script type="text/xml"><datastore><nextgroup><![CDATA[<a href="{proxy}"></a>]]></nextgroup>'
        f"<recordset>{records(newest_first[:PER_PAGE])}</recordset></datastore></script>"
        "<script>$(document).ready(function(){ $('#9871').jpage({dataStore: dataStore, "
        f"totalRecord: {len(YEARS)}, perPage: {PER_PAGE}, "
        "proxyUrl: '/module/web/jpage/dataproxy.jsp'});});</script></div>"
    )

    def proxy(h) -> None:
        query = dict(p.split("=") for p in h.path.split("?")[1].split("&"))
        assert query["columnid"] == "4057"
        start, end = int(query["startrecord"]), int(query["endrecord"])
        body = f"<datastore><totalrecord>{len(YEARS)}</totalrecord>{records(newest_first[start - 1 : end])}</datastore>"
        h._send(200, body.encode(), "text/xml; charset=utf-8")

    return {"/nb/index.html": _html(_page("", embedded)), "/module/web/jpage/dataproxy.jsp": proxy}


def file_listing() -> dict[str, Route]:
    """PDFs linked from the listing, dated only by the date printed in their row (2020 on); 2019 and 2018 share
    one bare block of links and dates, which dates neither."""
    rows = "".join(
        f'<li><a href="/files/{y}.pdf" title="{_title(y)}">{_title(y)[:12]}...</a><span>{published(y)}</span></li>'
        for y in reversed(YEARS)
        if y >= 2020
    )
    bare = "".join(f'<a href="/files/{y}.pdf">{_title(y)}</a> {published(y)} ' for y in (2019, 2018))
    routes = {"/nb/files.html": _html(_page(rows, f"<div>{bare}</div>"))}
    return routes | {f"/files/{y}.pdf": _pdf(f"report {y}") for y in YEARS}


def _pdf(text: str) -> Route:
    return lambda h: h.document(b"%PDF-1.4 " + text.encode(), "application/pdf")


def report_routes() -> dict[str, Route]:
    """Report pages (.html, and .htm as Fujian names them) with an ETag: unchanged, a conditional request is a 304."""
    return {report_path(y, suffix): _document(report_page(y)) for y in YEARS for suffix in ("html", "htm")}


def _document(text: str) -> Route:
    return lambda h: h.document(text.encode("utf-8"), "text/html; charset=utf-8")


# family -> (routes, listing path)
FAMILIES: dict[str, tuple[Callable[[], dict[str, Route]], str]] = {
    "create_page": (create_page, "/nb/index.htm"),
    "written_pager": (written_pager, "/nb/index.htm"),
    "pager_object": (pager_object, "/nb/index.html"),
    "trs_model": (trs_model, "/nb/index.htm"),
    "list_model": (list_model, "/nb/"),
    "query": (query, "/nb/list.jsp"),
    "numbered": (numbered, "/nb/column-index-1.shtml"),
    "easysite": (easysite, "/nb/index.html"),
    "gkmlpt": (gkmlpt, "/gkmlpt/index"),
    "hanweb": (hanweb, "/nb/index.html"),
}
