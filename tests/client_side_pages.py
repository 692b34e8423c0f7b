"""Report pages rendered client-side: the visible page is a loader stub, the report's HTML sits in a script.

Shapes seen on government sites: Guangdong's gkmlpt article pages keep the
article as `window._CONFIG = {SID: ..., DETAIL: {..., "content": "<html>"},
TREE: [...]}` (a public 肇庆 crawler reads the DETAIL object before TREE
and its `content`); other CMSs keep it in a JS variable or a JSON blob
(`window.__INITIAL_STATE__ = {...}`, a
`<script type="application/json">` blob, a single-quoted JS string), its
HTML escaped as JSON or JS escapes it (`\\"`, `<\\/td>`, `\\u003c`, `\\'`).
`page(text, family, variant)` wraps a report's text (tests/report_text.render,
`tabs` layout) in one of them; the variant varies the escaping and the stub.
"""

from __future__ import annotations

import json
from html import escape

FAMILIES = ("gkmlpt", "initial_state", "json_script", "js_string")
VARIANTS = 4
_STUBS = (
    "",
    "<p>正在加载中，请稍候……</p>",
    '<div class="loading"></div>',
    "<p>您的浏览器不支持JavaScript，请开启。</p>",
)


def report_html(text: str) -> str:
    """A report's text as article HTML: tab-separated lines as table rows, other lines as paragraphs."""
    out: list[str] = []
    in_table = False
    for line in text.splitlines():
        if "\t" in line and not in_table:
            out.append('<table border="1">')
        elif "\t" not in line and in_table:
            out.append("</table>")
        in_table = "\t" in line
        if in_table:
            out.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in line.split("\t")) + "</tr>")
        elif line.strip():
            out.append(f"<p>{escape(line)}</p>")
    return "\n".join([*out, "</table>"] if in_table else out)


def _title(text: str) -> str:
    return text.splitlines()[0]


def _js_single_quoted(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("\n", "\\n").replace("</", "<\\/")
    return f"'{escaped}'"


def _script(text: str, family: str, variant: int) -> str:
    article = report_html(text)
    ascii_only = variant % 2 == 1  # json.dumps escapes every non-ASCII character as \uXXXX
    if family == "gkmlpt":
        blob = {"id": 4102337, "title": _title(text), "publish_time": "2024-01-19", "content": article}
        dumped = json.dumps(blob, ensure_ascii=ascii_only)
        dumped = dumped.replace("/", "\\/") if variant >= 2 else dumped  # PHP-style escaped slashes
        tree = json.dumps([{"id": 2650, "name": "政府信息公开年报", "children": []}], ensure_ascii=ascii_only)
        return f"window._CONFIG = {{SID: '758019', DETAIL: {dumped}, TREE: {tree}, SERVICE_AREA_ID: 0}};"
    if family == "initial_state":
        state = {"route": "/detail", "article": {"detail": {"name": _title(text), "html": article, "views": 321}}}
        return f"window.__INITIAL_STATE__={json.dumps(state, ensure_ascii=ascii_only)};"
    if family == "json_script":
        data = {"props": {"pageProps": {"doc": {"title": _title(text), "content": article}}}}
        dumped = json.dumps(data, ensure_ascii=ascii_only)
        return dumped.replace("<", "\\u003c") if variant >= 2 else dumped  # Go/Rails-style escaped brackets
    return f"var title = {_js_single_quoted(_title(text))};\nvar content = {_js_single_quoted(article)};"


def page(text: str, family: str, variant: int = 0) -> str:
    """A whole page: site chrome, a stub where the article goes, the report in a script."""
    script_type = ' type="application/json" id="__NEXT_DATA__"' if family == "json_script" else ""
    stub = _STUBS[variant % len(_STUBS)]
    # The visible title is there on some sites, rendered from the blob too on others.
    heading = f"<h1>{escape(_title(text))}</h1>" if variant % 2 == 0 else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>政府信息公开</title></head><body>'
        '<div class="nav"><a href="/">首页</a> <a href="/zwgk/">政务公开</a> '
        '<a href="/gkmlpt/index">信息公开目录</a></div>'
        f'<div class="article">{heading}<div id="content">{stub}</div></div>'
        f"<script{script_type}>{_script(text, family, variant)}</script>"
        '<div class="footer"><p>主办单位：测试县人民政府办公室</p></div></body></html>'
    )
