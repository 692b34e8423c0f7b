"""HTML pages into lines: find the report on a page full of site navigation, read its tables.

- Encoding: valid UTF-8 wins (sites declare GBK and serve UTF-8, or the
  reverse); else the declared charset if the bytes decode with it; else
  GB18030 if they decode with it; else the detected one
  (extractors.encoding.decode, charset_normalizer).
- The report body: the container whose own paragraphs and tables hold the
  most text that is not link text, widened to include the report's title
  (an h1 in a sibling block is common). Lines before the title are dropped.
- Tables: a table holding tables, or of one column, lays the page out and is
  read as blocks; the innermost tables are data. A cell spanning rows or
  columns appears once in its row, as in the markup (the intermediate's
  convention for merged cells).
- A report rendered client-side (Guangdong's gkmlpt pages keep the article's
  HTML in `window._CONFIG = {DETAIL: {"content": ...}}`; other CMSs in
  `window.__INITIAL_STATE__`, a JSON script's `html` field, a JS string): when the visible page
  holds no data table, the script string literal that is the longest escaped
  HTML is read instead if it holds a table or twice the visible text, headed
  by the page's title when it has none of its own.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from extractors.document import Issue, Line
from extractors.encoding import bom_encoding, decode
from extractors.readers.errors import DocumentCorrupt

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_-]+)""", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# Control characters are no text in HTML, and lxml refuses them when the tree is edited (found by fuzzing).
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_DROP = ("script", "style", "noscript", "iframe", "select", "button", "input", "textarea", "object", "svg")
_BLOCK = frozenset(
    {
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "section",
        "article",
        "header",
        "footer",
        "main",
        "nav",
        "aside",
        "center",
        "blockquote",
        "pre",
        "form",
        "address",
        "figure",
        "figcaption",
        "tr",
        "td",
        "th",
        "table",
        "hr",
    }
)
_CONTAINERS = frozenset({"div", "td", "th", "section", "article", "main", "body", "center", "form"})
_TEXTUAL = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "span", "font", "strong", "b", "pre", "blockquote"}
)
_TITLE = re.compile(r"((19|20)\d{2}.{0,40}(报告|年报))|(信息公开.{0,20}(报告|年报))")
_TITLE_MAX_CHARS = 80
_LINK_DENSE = 0.6  # a block whose text is mostly links is navigation
_DATA_CELL_MAX_CHARS = 200  # the longest label of the templates is under 50 characters
_TITLE_SEARCH_CHARS = 400  # an embedded body names its report near its start, if at all
# Script string literals, double- or single-quoted, escapes included (client-side pages keep the report there).
_JS_STRING = re.compile(r""""(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'""")
_JS_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "", "f": "", "v": ""}
_HTML_TAG = re.compile(r"<(p|table|div|span|h[1-6]|tr|td|br|section|article)[\s>/]", re.IGNORECASE)
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TAGS = re.compile(r"<[^>]*>")
_EMBEDDED_MIN_CJK = 50  # a script string with less Chinese text than a paragraph is no report body


def read_html(data: bytes, issues: list[Issue] | None = None) -> list[Line]:
    """The page's report as lines; `issues` gets `document.table_images` when its body shows pictures and no
    table (tables pasted as screenshots: HTML images are not read by OCR)."""
    import lxml.html
    from lxml.etree import ParserError

    text = _CONTROL.sub(" ", _XML_DECLARATION.sub("", decode_html(data)))
    try:
        root = lxml.html.document_fromstring(text)
    except (ParserError, ValueError) as exc:
        raise DocumentCorrupt(f"unreadable HTML: {exc}") from exc
    scripts = [script.text for script in root.iter("script") if script.text]
    lines, title, body = _visible_lines(root)
    if any(line.is_table for line in lines):
        return lines
    embedded = _embedded_report(scripts)
    lines = _embedded_lines(embedded, title, scripts, lines) if embedded else lines
    pictures = [img.get("src") for img in body.iter("img") if img.get("src") and not _in_link(img)]
    if pictures and issues is not None and not any(line.is_table for line in lines):
        issues.append(
            Issue(
                "document.table_images",
                f"the report's body holds no table but {len(pictures)} pictures ({', '.join(pictures[:3])}): "
                "its tables may be images, which are not read from an HTML page",
            )
        )
    return lines


def _in_link(element: Any) -> bool:
    return any(ancestor.tag == "a" for ancestor in element.iterancestors())


def _embedded_lines(embedded: str, title: Any | None, scripts: list[str], lines: list[Line]) -> list[Line]:
    """The embedded report's lines, headed by the page's title when it names none, if they hold a table or
    twice the visible text; else the visible lines."""
    import lxml.html
    from lxml.etree import ParserError

    heading = ""
    if not _TITLE.search(_TAGS.sub("", embedded)[:_TITLE_SEARCH_CHARS]):
        heading = title.text_content().strip() if title is not None else _script_title(scripts) or ""
    try:
        root = lxml.html.document_fromstring(f"<html><body><h1>{escape(heading)}</h1>{embedded}</body></html>")
    except (ParserError, ValueError):
        return lines  # a script string that is no readable HTML: the visible page stands
    inner, _title, _body = _visible_lines(root)
    if any(line.is_table for line in inner) or _chars(inner) > 2 * _chars(lines):
        return inner
    return lines


def _chars(lines: list[Line]) -> int:
    return sum(len("".join(line.cells)) for line in lines)


def _visible_lines(root: Any) -> tuple[list[Line], Any | None, Any]:
    """The report body's lines (scripts, styles and the head dropped), its title element and the body."""
    for element in root.xpath("|".join(f"//{tag}" for tag in (*_DROP, "head"))):
        element.drop_tree()
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    body = _report_body(root)
    title = _title_element(body)
    return _Walker(title).lines(body), title, body


def _embedded_report(scripts: list[str]) -> str | None:
    """The longest script string literal that is escaped HTML with report text: a client-side page's body."""
    best: str | None = None
    for script in scripts:
        for match in _JS_STRING.finditer(script):
            # Unescaping only shortens: a literal no longer than the best (or than the shortest body) is skipped.
            if len(match.group(0)) - 2 <= max(len(best or ""), _EMBEDDED_MIN_CJK):
                continue
            text = _CONTROL.sub(" ", _js_unescape(match.group(0)[1:-1]))
            if len(text) > len(best or "") and _HTML_TAG.search(text) and len(_CJK.findall(text)) >= _EMBEDDED_MIN_CJK:
                best = text
    return best


def _script_title(scripts: list[str]) -> str | None:
    """A short script string naming a report (a JSON `title` field), for an embedded body without one."""
    for script in scripts:
        for match in _JS_STRING.finditer(script):
            text = _js_unescape(match.group(0)[1:-1]).strip()
            if len(text) <= _TITLE_MAX_CHARS and not _HTML_TAG.search(text) and _TITLE.search(text):
                return text
    return None


def _js_unescape(body: str) -> str:
    """A JS/JSON string literal's body decoded (\\uXXXX pairs, \\xNN, \\n, \\/ and \\' included)."""
    decoded = _JS_ESCAPE.sub(lambda m: _escape_char(m.group(1)), body)
    return decoded.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _escape_char(sequence: str) -> str:
    """One escape's character: \\n, \\uXXXX, \\xNN; any other escaped character stands for itself (\\/, \\')."""
    if sequence in _ESCAPES:
        return _ESCAPES[sequence]
    return chr(int(sequence[1:], 16)) if sequence[0] in "ux" and len(sequence) > 1 else sequence


def decode_html(data: bytes) -> str:
    wide = bom_encoding(data)
    if wide:
        return data.decode(wide, errors="replace")
    if not data.isascii():
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            pass
    declared = _CHARSET.search(data[:4096])
    if declared:
        encoding = declared.group(1).decode("ascii").lower()
        encoding = "gb18030" if encoding in {"gb2312", "gbk", "x-gbk"} else encoding
        try:
            return data.decode(encoding)
        except (UnicodeDecodeError, LookupError):
            pass  # declared wrongly: detect instead
    try:  # Chinese sites that are not UTF-8 are GBK; a detector guesses Korean on short pages
        return data.decode("gb18030")
    except UnicodeDecodeError:
        return decode(data)[0]


def _link_text(element: Any) -> int:
    return sum(len(a.text_content().strip()) for a in element.iter("a"))


def _report_body(root: Any) -> Any:
    """The container with the most own (non-link) paragraph and table text, widened to its title."""
    body = root.find("body")
    if body is None:
        body = root
    best, best_score = body, -1
    for container in body.iter(*_CONTAINERS):
        score = sum(
            len(child.text_content().strip()) - _link_text(child)
            for child in container
            if child.tag in _TEXTUAL and not (child.tag == "table" and _is_layout(child))
        ) + len((container.text or "").strip())
        if score > best_score:
            best, best_score = container, score
    title = _title_element(body)
    if title is not None and not _contains(best, title):
        best = _common_ancestor(best, title)
    return best


def _title_element(scope: Any) -> Any | None:
    for element in scope.iter("h1", "h2", "h3", "p", "div", "td", "span", "strong", "font"):
        text = element.text_content().strip()
        if text and len(text) <= _TITLE_MAX_CHARS and _TITLE.search(text) and not _link_text(element):
            return element
    return None


def _contains(ancestor: Any, element: Any) -> bool:
    return any(e is ancestor for e in element.iterancestors()) or element is ancestor


def _common_ancestor(a: Any, b: Any) -> Any:
    ancestors = [a, *a.iterancestors()]
    for candidate in [b, *b.iterancestors()]:
        if any(candidate is x for x in ancestors):
            return candidate
    return a


class _Walker:
    """Block elements become paragraph lines, data tables become rows; nothing before the title."""

    def __init__(self, title: Any | None) -> None:
        self.title = title
        self.started = title is None
        self.out: list[Line] = []
        self.buffer: list[str] = []

    def lines(self, root: Any) -> list[Line]:
        self._element(root)
        self._flush()
        return self.out

    def _emit(self, cells: tuple[str, ...], is_table: bool) -> None:
        if self.started:
            self.out.append(Line(no=len(self.out) + 1, cells=cells, is_table=is_table))

    def _flush(self) -> None:
        text = "".join(self.buffer)
        self.buffer = []
        for part in text.split("\n"):
            part = " ".join(part.split())
            if part:
                self._emit((part,), False)

    def _element(self, element: Any) -> None:
        if element is self.title:
            self._flush()
            self.started = True
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag == "table":
            self._flush()
            self._table(element)
            return
        block = tag in _BLOCK
        if block:
            self._flush()
            if _is_navigation(element):
                return
        self.buffer.append(element.text or "")
        for child in element:
            self._element(child)
            self.buffer.append(child.tail or "")
        if block:
            self._flush()

    def _table(self, table: Any) -> None:
        rows = _rows(table)
        if _is_layout(table):
            for cells in rows:  # its cells are blocks of the page
                for cell in cells:
                    self._element(cell)
            return
        for cells in rows:
            if cells:
                self._emit(tuple(_cell_text(c) for c in cells), True)


def _rows(table: Any) -> list[list[Any]]:
    return [row.xpath("./td|./th") for row in table.xpath("./tr|./thead/tr|./tbody/tr|./tfoot/tr")]


def _is_layout(table: Any) -> bool:
    """A table that lays out the page (holds tables, headings or prose, or has one column), not figures."""
    rows = _rows(table)
    if all(len(cells) <= 1 for cells in rows) or table.xpath(".//td//table|.//th//table|.//h1|.//h2|.//h3"):
        return True
    return any(len(cell.text_content()) > _DATA_CELL_MAX_CHARS for cells in rows for cell in cells)


def _is_navigation(element: Any) -> bool:
    text = len(element.text_content().strip())
    return text > 0 and _link_text(element) >= _LINK_DENSE * text


def _cell_text(cell: Any) -> str:
    lines = [" ".join(part.split()) for part in cell.text_content().split("\n")]
    return "\n".join(line for line in lines if line)
