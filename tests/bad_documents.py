"""Hand-made broken documents: PDFs (encrypted, corrupt, truncated, scanned, thousands of pages) and DOCX
(a zip bomb, external entities, remote links), built in memory: no binaries are committed."""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable


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


def text_pdf(pages: int, text: bytes = b"") -> bytes:
    """A PDF of `pages` pages sharing one content stream: one line of `text` (Helvetica), or nothing.

    Thousands of pages cost a few hundred KB, since every page points at the same stream.
    """
    stream = b"BT /F1 12 Tf 72 720 Td (" + text + b") Tj ET" if text else b""
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> "
        b"/Contents 4 0 R >>"
    )
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
            b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
            *[page] * pages,
        ],
        b"<< /Size %d /Root 1 0 R >>" % (pages + 5),
    )


def truncated_pdf() -> bytes:
    """A readable PDF cut in the middle of its objects: no cross-reference table, no trailer."""
    data = text_pdf(2, b"Annual report 2021")
    return data[: len(data) // 2]


def corrupt_xref_pdf() -> bytes:
    """A PDF whose cross-reference table points at offsets where no object starts."""
    data = text_pdf(2, b"Annual report 2021")
    xref = data.index(b"xref\n")
    return data[:xref] + (
        b"xref\n0 3\n0000000000 65535 f \n0000099999 00000 n \n0000088888 00000 n \n"
        b"trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % xref
    )


def docx_of_lines(lines: list[str]) -> bytes:
    """A Word document with one paragraph per line (tabs kept: tab-laid rows, as Word exports them)."""
    import docx

    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def rewrite_docx_part(data: bytes, part: str, edit: Callable[[str], str]) -> bytes:
    """The archive with one part's XML text replaced by `edit(text)`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            body = source.read(info.filename)
            if info.filename == part:
                body = edit(body.decode("utf-8")).encode("utf-8")
            target.writestr(info.filename, body)
    return out.getvalue()


def docx_with_external_entity(data: bytes, secret_path: str) -> bytes:
    """XXE and billion laughs: document.xml declares a file entity, a network entity and nested entities."""

    def edit(xml: str) -> str:
        prolog_end = xml.index("?>") + 2
        dtd = (
            f'<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file://{secret_path}">'
            '<!ENTITY net SYSTEM "http://127.0.0.1:9/evil.dtd"><!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        )
        xml = xml[:prolog_end] + dtd + xml[prolog_end:]
        return xml.replace("</w:t>", "&xxe;&net;&lol2;</w:t>", 1)

    return rewrite_docx_part(data, "word/document.xml", edit)


REMOTE_URL = "http://127.0.0.1:9/remote.png"


def docx_with_remote_links(data: bytes) -> bytes:
    """An external image relationship, an attached template on a server and an INCLUDEPICTURE field."""

    def rels(xml: str) -> str:
        ns = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        return xml.replace(
            "</Relationships>",
            f'<Relationship Id="rId99" Type="{ns}/image" Target="{REMOTE_URL}" TargetMode="External"/>'
            f'<Relationship Id="rId98" Type="{ns}/attachedTemplate" Target="{REMOTE_URL}.dotm" '
            'TargetMode="External"/></Relationships>',
        )

    def body(xml: str) -> str:
        field = (
            '<w:p><w:r><w:fldChar w:fldCharType="begin"/></w:r><w:r><w:instrText xml:space="preserve"> '
            f'INCLUDEPICTURE "{REMOTE_URL}" \\d </w:instrText></w:r><w:r><w:fldChar w:fldCharType="end"/>'
            '</w:r></w:p><w:p><w:r><w:pict><v:imagedata xmlns:v="urn:schemas-microsoft-com:vml" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" r:id="rId99"/>'
            "</w:pict></w:r></w:p>"
        )
        # after the title paragraph, so that the title stays the first line
        end_of_title = xml.index("</w:p>") + len("</w:p>")
        return xml[:end_of_title] + field + xml[end_of_title:]

    return rewrite_docx_part(rewrite_docx_part(data, "word/_rels/document.xml.rels", rels), "word/document.xml", body)


def pdf_page_without_mediabox() -> bytes:
    """A page with no /MediaBox (found by bench/fuzz_parsers.py): pdfplumber raises again while closing."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R >>",
        ],
        b"<< /Size 4 /Root 1 0 R >>",
    )


def pdf_content_bomb(inflated_mb: int) -> bytes:
    """A one-page PDF whose content stream is a few MB of Flate data inflating to `inflated_mb` MB of spaces."""
    compressor, block = zlib.compressobj(1), b" " * (1 << 20)
    stream = b"".join(compressor.compress(block) for _ in range(inflated_mb)) + compressor.flush()
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>",
            b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        ],
        b"<< /Size 5 /Root 1 0 R >>",
    )
