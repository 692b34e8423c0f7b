"""Read a response body under a byte cap that holds for the decoded bytes, before they exist.

We ask for `Accept-Encoding: identity`, but a server may compress anyway. A
compressed body is decoded here, in bounded steps, counting the decoded
bytes as they come: a 5 KB gzip bomb stops at the cap, not after the
gigabytes it inflates to. One gzip or deflate layer is accepted (what real
servers send); stacked or other encodings (`gzip, gzip`, `br`) are refused
before a byte is decoded.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable

_WBITS = {"gzip": 16 + zlib.MAX_WBITS, "x-gzip": 16 + zlib.MAX_WBITS, "deflate": zlib.MAX_WBITS}
_STEP = 64 * 1024  # decoded bytes produced per decompress call


class RefusedEncoding(ValueError):
    """A Content-Encoding we do not decode (stacked layers, or not gzip/deflate)."""


class BodyTooLarge(Exception):
    """The decoded body passed the byte cap."""


def decoder_for(content_encoding: str | None) -> zlib._Decompress | None:
    """The decompressor of a Content-Encoding header; None for identity. Raises RefusedEncoding."""
    layers = [e.strip().lower() for e in (content_encoding or "").split(",") if e.strip()]
    layers = [e for e in layers if e != "identity"]
    if not layers:
        return None
    if len(layers) > 1 or layers[0] not in _WBITS:
        raise RefusedEncoding(f"Content-Encoding {content_encoding!r} (one gzip or deflate layer at most)")
    return zlib.decompressobj(_WBITS[layers[0]])


async def read_capped(raw_chunks: AsyncIterable[bytes], content_encoding: str | None, max_bytes: int) -> bytes:
    """The decoded body of `raw_chunks`; BodyTooLarge as soon as more than `max_bytes` are decoded."""
    decoder = decoder_for(content_encoding)
    out, size = [], 0
    async for raw in raw_chunks:
        pending = raw
        while pending:
            if decoder is None:
                piece, pending = pending, b""
            else:
                try:
                    piece = decoder.decompress(pending, _STEP)
                except zlib.error as exc:
                    raise RefusedEncoding(f"body is not valid {content_encoding}: {exc}") from exc
                pending = decoder.unconsumed_tail
            size += len(piece)
            if size > max_bytes:
                raise BodyTooLarge(size)
            out.append(piece)
    if decoder is not None:
        out.append(decoder.flush(max_bytes - size + 1))
        if size + len(out[-1]) > max_bytes:
            raise BodyTooLarge(size + len(out[-1]))
    return b"".join(out)
