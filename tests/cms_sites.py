"""Report columns of the CMS families government sites run on, generated as routes of tests/fake_site.FakeSite.

Each family paginates its listing its own way (extractors/fetch/pagination.py):
`create_page` (TRS static pages announced by createPageHTML), `trs_model`
(TRS list model: recordCount/prepage/maxStaticIndex, later pages from
list2.trsapi as JSON), `query` (?page=N with 共N页), `hanweb` (jpage
records in CDATA, later groups from dataproxy.jsp). Every item is a report
page `/nb/t<YYYYMMDD>_<n>.html` carrying `<meta name="PubDate">`, so each
report's publication date is known to the test.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date

PER_PAGE = 2
YEARS = tuple(range(2016, 2024))  # 8 reports: 4 listing pages of 2


def published(year: int) -> date:
    return date(year + 1, 1, 20)


def report_path(year: int) -> str:
    return f"/nb/t{published(year):%Y%m%d}_{year}.html"


def report_page(year: int) -> str:
    return (
        f'<html><head><meta charset="utf-8"><meta name="PubDate" content="{published(year)} 09:30">'
        f"<title>{year}年报告</title></head><body><h1>测试县{year}年政府信息公开工作年度报告</h1>"
        f"<p>发布时间：{published(year)}</p><p>一、总体情况……</p></body></html>"
    )


def _items(years: tuple[int, ...]) -> str:
    return "".join(f'<li><a href="{report_path(y)}">测试县{y}年政府信息公开工作年度报告</a></li>' for y in years)


def _pages() -> list[tuple[int, ...]]:
    newest_first = tuple(reversed(YEARS))
    return [newest_first[i : i + PER_PAGE] for i in range(0, len(newest_first), PER_PAGE)]


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
        pager = f'<div class="pager">共{len(pages)}页 <a href="/nb/list.jsp?page={n + 1}">下一页</a></div>'
        h._send(200, _page(_items(pages[n - 1]), pager).encode(), "text/html; charset=utf-8")

    return {"/nb/list.jsp": listing}


def hanweb() -> dict[str, Route]:
    """First group (one page of records) embedded; the rest from dataproxy.jsp."""
    newest_first = tuple(reversed(YEARS))

    def records(years: tuple[int, ...]) -> str:
        return "".join(f"<record><![CDATA[{_items((y,))}]]></record>" for y in years)

    embedded = (
        '<div id="3"><script type="text/xml"><datastore><nextgroup><![CDATA[]]></nextgroup>'
        f"<recordset>{records(newest_first[:PER_PAGE])}</recordset></datastore></script>"
        "<script>var obj = {col: 1, appid: 1, webid: 2, path: '/', columnid: 4057, unitid: 9871, "
        f"perpage: {PER_PAGE}, totalrecord: {len(YEARS)}, url: '/module/web/jpage/dataproxy.jsp'}};</script></div>"
    )

    def proxy(h) -> None:
        query = dict(p.split("=") for p in h.path.split("?")[1].split("&"))
        assert query["columnid"] == "4057"
        start, end = int(query["startrecord"]), int(query["endrecord"])
        body = f"<datastore><totalrecord>{len(YEARS)}</totalrecord>{records(newest_first[start - 1 : end])}</datastore>"
        h._send(200, body.encode(), "text/xml; charset=utf-8")

    return {"/nb/index.html": _html(_page("", embedded)), "/module/web/jpage/dataproxy.jsp": proxy}


def report_routes() -> dict[str, Route]:
    """Report pages with an ETag: a conditional request for an unchanged one is a 304."""
    return {report_path(y): _document(report_page(y)) for y in YEARS}


def _document(text: str) -> Route:
    return lambda h: h.document(text.encode("utf-8"), "text/html; charset=utf-8")


# family -> (routes, listing path)
FAMILIES: dict[str, tuple[Callable[[], dict[str, Route]], str]] = {
    "create_page": (create_page, "/nb/index.htm"),
    "trs_model": (trs_model, "/nb/index.htm"),
    "query": (query, "/nb/list.jsp"),
    "hanweb": (hanweb, "/nb/index.html"),
}
