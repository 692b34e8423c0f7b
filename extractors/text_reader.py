"""Plain text (and text extracted elsewhere) into lines of tab-separated cells."""

from __future__ import annotations

from extractors.document import Line


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 when they are, else as the charset detected (GBK/GB18030 ...).

    Returns (text, encoding). Undecodable bytes become U+FFFD rather than
    failing the document: the parse issues then show what could not be read.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    encoding = best.encoding if best is not None else "gb18030"
    if encoding.lower() in {"gb2312", "gbk"}:
        encoding = "gb18030"  # a superset: GBK pages often use characters GB2312 lacks
    return data.decode(encoding, errors="replace"), encoding


def text_lines(text: str) -> list[Line]:
    """One Line per text line; tabs separate cells (how Word tables come out as text)."""
    lines = []
    for no, raw in enumerate(text.splitlines(), start=1):
        cells = tuple(raw.split("\t"))
        lines.append(Line(no=no, cells=cells, is_table=len(cells) > 1))
    return lines
