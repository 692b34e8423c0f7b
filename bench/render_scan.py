"""A PDF printed and scanned back: page images only, turned slightly, speckled, a red seal over the first table.

What county offices publish: a signed, seal-stamped report scanned to PDF.
`scan_pdf` renders every page (pypdfium2) at `dpi`, turns it by `angle`
degrees, stamps a red seal (a ring, a star and a curved band of red strokes)
over part of the page holding the first table, adds grey speckle, and writes
the images as a PDF with no text layer (JPEG, as scanners do).
"""

from __future__ import annotations

import io
import random

_SEAL_RED = (215, 30, 35)


def scan_pdf(pdf: bytes, dpi: int, angle: float = 0.4, seal_page: int | None = 2, seed: int = 0) -> bytes:
    import pypdfium2 as pdfium

    rng = random.Random(seed)
    document = pdfium.PdfDocument(pdf)
    pages = []
    for index in range(len(document)):
        image = document[index].render(scale=dpi / 72).to_pil().convert("RGB")
        if seal_page == index + 1:
            _stamp(image, dpi, rng)
        image = image.rotate(angle, fillcolor=(255, 255, 255), expand=False)
        pages.append(_speckle(image, rng))
    document.close()
    out = io.BytesIO()
    pages[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=pages[1:], quality=85)
    return out.getvalue()


def _stamp(image: object, dpi: int, rng: random.Random) -> None:
    """A seal 4 cm across, half over the right part of the page's upper half (where a table's values stand)."""
    import math

    from PIL import Image, ImageDraw

    size = int(4 / 2.54 * dpi)
    seal = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(seal)
    colour = (*_SEAL_RED, 150)  # seal ink is translucent: the print shows through
    width = max(2, dpi // 50)
    draw.ellipse((width, width, size - width, size - width), outline=colour, width=width)
    centre, radius = size / 2, size / 2
    star = [
        (
            centre + radius * (0.28 if k % 2 == 0 else 0.11) * math.sin(math.pi * k / 5),
            centre - radius * (0.28 if k % 2 == 0 else 0.11) * math.cos(math.pi * k / 5),
        )
        for k in range(10)
    ]
    draw.polygon(star, fill=colour)
    for k in range(14):  # the agency's name round the ring, as short strokes
        a = math.pi * (0.8 + 1.4 * k / 13)
        r0, r1 = radius * 0.62, radius * 0.82
        draw.line(
            (
                centre + r0 * math.cos(a),
                centre + r0 * math.sin(a),
                centre + r1 * math.cos(a),
                centre + r1 * math.sin(a),
            ),
            fill=colour,
            width=width,
        )
    x = int(image.width * rng.uniform(0.55, 0.7))  # type: ignore[attr-defined]
    y = int(image.height * rng.uniform(0.2, 0.45))  # type: ignore[attr-defined]
    image.paste(seal, (x, y), seal)  # type: ignore[attr-defined]


def _speckle(image: object, rng: random.Random) -> object:
    import numpy as np
    from PIL import Image

    pixels = np.asarray(image).astype(np.int16)
    noise = np.random.default_rng(rng.randrange(2**32)).normal(0, 12, pixels.shape[:2])[..., None]
    return Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8))
