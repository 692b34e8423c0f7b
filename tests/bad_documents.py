"""Hand-made broken documents: an encrypted PDF, a corrupt PDF, a scanned (image-only) PDF, a DOCX zip bomb."""

from __future__ import annotations

import io
import zipfile


def pdf_from_objects(objects: list[bytes], trailer: bytes) -> bytes:
    """A PDF with a correct cross-reference table around the given object bodies."""
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n" + trailer + b"\nstartxref\n%d\n%%%%EOF\n" % xref)
    return out.getvalue()


def encrypted_pdf() -> bytes:
    """A PDF locked with a user password (standard security handler, RC4 40-bit): the empty one fails."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Filter /Standard /V 1 /R 2 /O <" + b"ab" * 32 + b"> /U <" + b"cd" * 32 + b"> /P -44 >>",
        ],
        b"<< /Size 5 /Root 1 0 R /Encrypt 4 0 R /ID [<" + b"01" * 16 + b"> <" + b"01" * 16 + b">] >>",
    )


def corrupt_pdf(valid: bytes | None = None) -> bytes:
    """The first bytes of a PDF and then noise: no cross-reference table, no objects to read."""
    head = (valid or b"%PDF-1.7\n")[:64]
    return head + b"\x00garbage\xff" * 200


def image_only_pdf() -> bytes:
    """A one-page PDF holding only a picture, as a scanner writes it."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (620, 877), "white")
    draw = ImageDraw.Draw(image)
    for row in range(10):  # the ruling of a scanned table
        draw.line((60, 100 + 40 * row, 560, 100 + 40 * row), fill="black", width=2)
    out = io.BytesIO()
    image.save(out, "PDF", resolution=72)
    return out.getvalue()


def docx_zip_bomb(unpacked_mb: int = 210) -> bytes:
    """A DOCX whose document.xml unpacks to `unpacked_mb` MB (from a few hundred KB)."""
    out = io.BytesIO()
    chunk = b"\x20" * (1 << 20)
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as member:
            for _ in range(unpacked_mb):
                member.write(chunk)
    return out.getvalue()
