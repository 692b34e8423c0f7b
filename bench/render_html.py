"""Draw report blocks as a government web page: site navigation around the report, rowspan/colspan tables.

`variant` picks the page's shape and encoding, cycling through what sites do:
0 UTF-8 declared, div layout; 1 GBK declared, the page laid out in a table
(the report's data tables nested inside it); 2 GBK bytes declared as UTF-8;
3 GBK with no declaration.
"""

from __future__ import annotations

from html import escape

from bench.report_spec import Block, PageBreak, Paragraph, Table

_NAV = ("首页", "政务公开", "政务服务", "互动交流", "走进本地", "政府信息公开年报")
_SIDEBAR = ("政府信息公开指南", "政府信息公开制度", "法定主动公开内容", "政府信息公开年报", "依申请公开")


def _table(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells = []
        for span in row:
            attrs = (f' colspan="{span.cols}"' if span.cols > 1 else "") + (
                f' rowspan="{span.rows}"' if span.rows > 1 else ""
            )
            cells.append(f"<td{attrs}>{escape(span.text).replace(chr(10), '<br>')}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return '<table class="data" border="1" cellspacing="0">\n' + "\n".join(rows) + "\n</table>"


def _article(blocks: list[Block]) -> str:
    parts = []
    titles = [b.text for b in blocks if isinstance(b, Paragraph) and b.style == "title"]
    parts.append(f'<h1 class="title">{"<br>".join(escape(t) for t in titles)}</h1>')
    parts.append('<div class="info">发布时间：2021-01-20　来源：办公室　<a href="#">【打印】</a></div>')
    parts.append('<div class="article">')
    for block in blocks:
        if isinstance(block, Paragraph) and block.style != "title":
            tag = "h3" if block.style == "heading" else "p"
            parts.append(f'<{tag} style="text-indent:2em">{escape(block.text)}</{tag}>')
        elif isinstance(block, Table):
            parts.append(_table(block))
        elif isinstance(block, PageBreak):
            parts.append('<div style="page-break-after:always"></div>')
    parts.append("</div>")
    return "\n".join(parts)


def render_html(blocks: list[Block], title: tuple[str, ...], variant: int = 0) -> bytes:
    shape = variant % 4
    charset = {0: "utf-8", 1: "gbk", 2: "utf-8", 3: None}[shape]
    meta = f'<meta charset="{charset}">' if charset else ""
    nav = "".join(f'<li><a href="/c/{i}">{n}</a></li>' for i, n in enumerate(_NAV))
    sidebar = (
        "<h3>政府信息公开</h3><ul>"
        + "".join(f'<li><a href="/s/{i}">{n}</a></li>' for i, n in enumerate(_SIDEBAR))
        + "</ul>"
    )
    article = _article(blocks)
    if shape == 1:
        main = (
            f'<table width="100%"><tr><td class="side" width="20%">{sidebar}</td>'
            f'<td class="content">{article}</td></tr></table>'
        )
    else:
        main = f'<div class="main"><div class="side">{sidebar}</div><div class="content">{article}</div></div>'
    page = f"""<!DOCTYPE html>
<html><head>{meta}<title>{escape("".join(title))}_门户网站</title>
<script>var channel = "政府信息公开年度报告"; document.title += "";</script>
<style>.side{{float:left}} td{{padding:2px}}</style></head>
<body>
<div class="header"><div class="logo">本地人民政府门户网站</div><ul class="nav">{nav}</ul></div>
<div class="crumb">当前位置：<a href="/">首页</a> &gt; <a href="/gk">政务公开</a> &gt;
<a href="/nb">政府信息公开年报</a></div>
{main}
<div class="footer">
<p>主办单位：本地人民政府办公室　版权所有　地址：人民路1号　电话：0000-1234567　备案号：ICP备00000000号</p>
<p><a href="/map">网站地图</a> | <a href="/contact">联系我们</a></p></div>
</body></html>
"""
    if shape == 0:
        return page.encode("utf-8")
    return page.encode("gbk", errors="xmlcharrefreplace")
