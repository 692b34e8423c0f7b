"""Bytes to text: UTF-8 when they are, else the charset detected (GBK/GB18030 ...).

Shared by the fetcher (listing pages) and the readers (HTML, text), so it sits
below both.
"""

from __future__ import annotations

import codecs

# UTF-32 first: its little-endian BOM starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(data: bytes) -> str | None:
    """The UTF-16 or UTF-32 codec named by the byte order mark `data` starts with, else None.

    Such text is full of NUL bytes, so it must be recognised before anything
    takes NULs for a binary file.
    """
    return next((encoding for bom, encoding in _BOMS if data.startswith(bom)), None)


def decode(data: bytes) -> tuple[str, str]:
    """Decode bytes as UTF-8 when they are, else as the charset detected (GBK/GB18030 ...).

    Returns (text, encoding). A file whose lines are in two encodings (UTF-8
    and GBK pasted together) is decoded line by line; its encoding is then
    `utf-8+<other>`. Undecodable bytes become U+FFFD rather than
    failing the document: the parse issues then show what could not be read.
    """
    wide = bom_encoding(data)
    if wide:
        return data.decode(wide, errors="replace"), wide  # the codec reads the BOM and drops it
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    lines = data.splitlines(keepends=True)
    utf8 = [_is_utf8(line) for line in lines]
    other = b"".join(line for line, ok in zip(lines, utf8, strict=True) if not ok)
    encoding = _detect(other)
    if any(ok and not line.isascii() for line, ok in zip(lines, utf8, strict=True)):
        # Mixed: text pasted together from files in two encodings. Each line in the one it is valid in.
        text = "".join(
            line.decode("utf-8") if ok else line.decode(encoding, errors="replace")
            for line, ok in zip(lines, utf8, strict=True)
        )
        return text, f"utf-8+{encoding}"
    return data.decode(encoding, errors="replace"), encoding


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _detect(data: bytes) -> str:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    encoding = best.encoding if best is not None else "gb18030"
    if encoding.lower() in {"gb2312", "gbk"}:
        encoding = "gb18030"  # a superset: GBK pages often use characters GB2312 lacks
    return encoding
