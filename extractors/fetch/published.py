"""When a report was published, from the strongest hint a government page gives.

Hints, strongest first (the first that yields a plausible date wins):

* `meta`: the page's metadata (`<meta name="PubDate">`, `firstpublishedtime`,
  `publishdate`, `article:published_time` ...), written by the CMS;
* `page`: the visible 发布时间 / 发布日期 of the page, else a bare 时间： /
  日期： label, else its 成文日期 / 印发日期; else the date the listing prints
  beside the link (`<li><a …>…</a><span>2022-01-20</span></li>`);
* `url`: the date a CMS writes into the path (TRS `t20220120_123.html`,
  `P020220120...pdf`; Hanweb `/art/2022/1/20/`);
* `signature`: the document's own date line (落款) at its end, 2022年1月20日
  or 二〇二二年一月二十日;
* `last_modified`: the HTTP Last-Modified header, weakest (a server rewrites it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from email.utils import parsedate_to_datetime

META = "meta"
PAGE = "page"
URL = "url"
SIGNATURE = "signature"
LAST_MODIFIED = "last_modified"
SOURCES = (META, PAGE, URL, SIGNATURE, LAST_MODIFIED)

_DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})"
_META_NAMES = r"pubdate|publishdate|firstpublishedtime|publishtime|article:published_time|dc\.date|releasedate"
_META = re.compile(
    rf"""<meta\s[^>]*?(?:name|property)\s*=\s*["']?(?:{_META_NAMES})["']?[^>]*?content\s*=\s*["']\s*{_DATE}"""
    rf"""|<meta\s[^>]*?content\s*=\s*["']\s*{_DATE}[^>]*?(?:name|property)\s*=\s*["']?(?:{_META_NAMES})["'\s/>]""",
    re.IGNORECASE,
)
# Page labels, the publication's first: a 政府信息公开 metadata table states 成文日期 (signed) before
# 发布日期 (published). A bare 时间： / 日期： counts only where it opens a line or a bracket (a page's
# `<span>时间：2022-01-20</span>`), never inside a word (统计时间：2021年1月1日 is the period counted).
_PAGE = (
    re.compile(rf"(?:发布|公开)(?:时间|日期)\s*[:：]?\s*{_DATE}"),
    re.compile(rf"(?<![^\s\[【])(?:时间|日期)\s*[:：]\s*{_DATE}"),
    re.compile(rf"(?:成文|印发|发文|生成)(?:时间|日期)\s*[:：]?\s*{_DATE}"),
)
_LISTED = re.compile(_DATE)
_URL = (
    re.compile(r"/t((?:19|20)\d{2})(\d{2})(\d{2})_\d+"),  # TRS document pages
    re.compile(r"/P0((?:19|20)\d{2})(\d{2})(\d{2})\d+"),  # TRS attachments
    re.compile(r"/art/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/"),  # Hanweb
    re.compile(r"[/_-]((?:19|20)\d{2})-(\d{2})-(\d{2})[/_.]"),
)
_CN_DIGIT = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0}
_CN = "〇○零一二三四五六七八九十"
_SIGNATURE = re.compile(
    rf"((?:19|20)\d{{2}}|[{_CN}]{{4}})\s*年\s*(\d{{1,2}}|[{_CN}]{{1,3}})\s*月\s*(\d{{1,2}}|[{_CN}]{{1,3}})\s*日"
)
_SIGNATURE_TAIL = 400  # the 落款 closes the document: a date earlier on is a date in the text


def published_on(
    url: str | None = None,
    html: str | None = None,
    text: str | None = None,
    last_modified: str | None = None,
    urls: tuple[str, ...] = (),
    listed: str | None = None,
) -> tuple[date, str] | None:
    """(date, hint) from the strongest hint present, else None.

    `html` is the page's markup, `text` the document's text (its visible text
    for a page), `url` and `urls` where it was found (the document, then the
    page that attached it), `listed` the text beside its link on the listing.
    """
    finders: list[tuple[str, Callable[[], date | None]]] = [
        (META, lambda: _first(_META, html or "")),
        (PAGE, lambda: next(filter(None, (_first(label, text or "") for label in _PAGE)), None)),
        (PAGE, lambda: _first(_LISTED, listed or "")),
        (URL, lambda: next(filter(None, (_from_url(u) for u in (url, *urls) if u)), None)),
        (SIGNATURE, lambda: signature_date(text or "")),
        (LAST_MODIFIED, lambda: _http_date(last_modified)),
    ]
    for hint, find in finders:
        found = find()
        if found is not None:
            return found, hint
    return None


def _valid(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _first(pattern: re.Pattern[str], text: str) -> date | None:
    for match in pattern.finditer(text):
        values = [g for g in match.groups() if g is not None][:3]
        if len(values) == 3:
            found = _valid(*map(int, values))
            if found:
                return found
    return None


def _from_url(url: str) -> date | None:
    for pattern in _URL:
        found = _first(pattern, url)
        if found:
            return found
    return None


def _cn_number(text: str) -> int:
    if text.isdigit():
        return int(text)
    if len(text) == 4:  # a year is written digit by digit: 二〇二二
        return int("".join(str(_CN_DIGIT[c]) for c in text))
    tens, _, units = text.rpartition("十")
    if "十" not in text:
        return _CN_DIGIT[text]
    return (_CN_DIGIT[tens] if tens else 1) * 10 + (_CN_DIGIT[units] if units else 0)


def signature_date(text: str) -> date | None:
    """The date of the document's 落款 line: the last date in its closing characters."""
    found = None
    for match in _SIGNATURE.finditer(text[-_SIGNATURE_TAIL:]):
        try:
            found = _valid(*(_cn_number(g) for g in match.groups())) or found
        except KeyError:
            continue  # not a date after all
    return found  # the last date of the tail is the 落款


def _http_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return parsedate_to_datetime(value).date()
    except (TypeError, ValueError):
        return None
